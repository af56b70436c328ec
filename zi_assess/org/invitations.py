"""Invitations: the e-mail with a set-password link, and the page behind the link.

The token is the single-use account token of :mod:`zi_assess.auth.tokens` (purpose "invite");
the message goes out through :func:`zi_assess.mail.send_mail`, in the invited person's language.
"""

from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from zi_assess.audit import Actor
from zi_assess.auth.tokens import LIFETIME, peek
from zi_assess.extensions import db
from zi_assess.mail import MailError, send_mail
from zi_assess.messages import org_message
from zi_assess.models import User
from zi_assess.org import operations as ops
from zi_assess.org.forms import SetPasswordForm
from zi_assess.web import client_ip

log = logging.getLogger(__name__)
bp = Blueprint("invite", __name__)


def send_invitation(actor: Actor, user: User) -> bool:
    """Issue a new invitation for ``user`` (in the caller's transaction) and e-mail its link.

    False when the mail server refused or could not be reached: the caller rolls back, so no
    token exists that nobody received.
    """
    return mail_invitation(user, ops.invite_user(actor, user))


def mail_invitation(user: User, token: str) -> bool:
    """E-mail the set-password link of ``token`` to ``user`` (False when the mail server failed)."""
    link = url_for("invite.accept", token=token, _external=True)
    with force_locale(user.locale or "id"):
        subject = _("Undangan ke zi-assess")
        text = _("Halo %(name)s,\n\nAnda diundang ke zi-assess, aplikasi evaluasi Zona Integritas. Buka tautan ini "
                 "untuk mengatur kata sandi Anda (berlaku %(days)s hari, sekali pakai):\n\n%(link)s\n\n"
                 "Jika Anda tidak mengharapkan undangan ini, abaikan surel ini.",
                 name=user.name, days=LIFETIME["invite"].days, link=link)
    try:
        send_mail(user.email, subject, text, to_name=user.name)
    except MailError:
        log.warning("invitation to %s not sent", user.email, exc_info=True)
        return False
    return True


@bp.route("/undangan/<token>", methods=["GET", "POST"])
def accept(token: str) -> str | Response | tuple[str, int]:
    """The invited person chooses a password; the token works once."""
    if current_user.is_authenticated:
        flash(_("Anda sudah masuk. Keluar dahulu untuk menerima undangan akun lain."), "warning")
        return redirect(url_for("dashboard.index"))
    user = peek(token, "invite")
    if user is None:
        return render_template("org/invite.html", form=None, invited=None, problem=org_message("token")), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            ops.accept_invitation(token, form.password.data or "", client_ip())
            db.session.commit()
            flash(_("Kata sandi tersimpan. Silakan masuk."), "success")
            return redirect(url_for("auth.login"))
        except ops.InvalidInput as exc:
            db.session.rollback()
            if exc.code == "password_policy":
                form.password.errors = [*form.password.errors, exc.detail]
            else:
                return render_template("org/invite.html", form=None, invited=None,
                                       problem=org_message(exc.code)), 404
    html = render_template("org/invite.html", form=form, invited=user, problem=None)
    return (html, 400) if form.errors else html
