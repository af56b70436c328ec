"""The signed-in user's own account: overview and password change."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from werkzeug.wrappers import Response

from zi_assess.auth import mfa, totp
from zi_assess.auth import operations as ops
from zi_assess.auth.forms import ChangePasswordForm, EnrolForm
from zi_assess.authz import authorize
from zi_assess.extensions import db
from zi_assess.web import actor

bp = Blueprint("account", __name__, url_prefix="/akun")


@bp.get("/")
@login_required
def index() -> str:
    authorize(current_user, "profile.edit", current_user)
    user = current_user._get_current_object()
    return render_template("account/index.html", mfa_required=mfa.required(user),
                           codes_left=mfa.recovery_codes_left(user) if user.has_second_factor else 0)


@bp.route("/kata-sandi", methods=["GET", "POST"])
@login_required
def password() -> str | Response:
    """Change the password: the current one is required; every other session of the user ends."""
    authorize(current_user, "profile.edit", current_user)
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            ops.change_password(actor(), form.current_password.data or "", form.new_password.data or "")
        except ops.PasswordRefused as refused:
            db.session.commit()  # a wrong current password stays in the audit trail
            form[refused.field].errors = list(refused.problems)
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # this session goes on with the new token
            flash(_("Kata sandi diganti. Sesi Anda di perangkat lain telah diakhiri."), "success")
            return redirect(url_for("account.index"))
    return render_template("account/password.html", form=form), 400 if form.errors else 200


#: what a user who must enrol a second factor can still open
ENROLMENT_ENDPOINTS = frozenset({"account.second_factor", "auth.logout", "main.set_locale", "static",
                                 "health.healthz"})


@bp.before_app_request
def _second_factor_first() -> Response | None:
    """Admin, TPI, TPN and managers (everyone with ``ZI_MFA_REQUIRED_ALL``) enrol a second factor
    before anything else, at their first sign-in."""
    if request.endpoint in ENROLMENT_ENDPOINTS or not current_user.is_authenticated:
        return None
    user = current_user._get_current_object()
    if user.has_second_factor or not mfa.required(user):
        return None
    if request.method == "GET":
        flash(_("Peran Anda mewajibkan verifikasi dua langkah. Aktifkan dulu untuk melanjutkan."), "warning")
    return redirect(url_for("account.second_factor"))


@bp.route("/dua-faktor", methods=["GET", "POST"])
@login_required
def second_factor() -> str | Response:
    """Enrol the second factor: scan the QR code (or type the secret), confirm with a code, keep
    the ten recovery codes. Enrolling again replaces the secret and the codes."""
    authorize(current_user, "profile.edit", current_user)
    user = current_user._get_current_object()
    form = EnrolForm()
    problem = False
    if form.validate_on_submit():
        codes = mfa.confirm(actor(), form.code.data or "")
        db.session.commit()
        if codes is not None:
            return render_template("account/recovery_codes.html", codes=codes)
        problem = True
    secret = mfa.pending_secret(actor())
    db.session.commit()
    uri = totp.otpauth_uri(secret, user.email)
    return render_template("account/second_factor.html", form=form, problem=problem, secret=secret,
                           qr=_qr_data_uri(uri), uri=uri, required=mfa.required(user)), \
        400 if problem or form.errors else 200


def _qr_data_uri(text: str) -> str:
    """The QR code of ``text`` as an SVG data URI (an ``img``: the page's CSP allows ``data:`` images)."""
    import segno

    return str(segno.make(text, error="m").svg_data_uri(scale=5, border=2))
