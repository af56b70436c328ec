"""The signed-in user's own account: overview and password change."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from werkzeug.wrappers import Response

from zi_assess.auth import operations as ops
from zi_assess.auth.forms import ChangePasswordForm
from zi_assess.authz import authorize
from zi_assess.extensions import db
from zi_assess.web import actor

bp = Blueprint("account", __name__, url_prefix="/akun")


@bp.get("/")
@login_required
def index() -> str:
    authorize(current_user, "profile.edit", current_user)
    return render_template("account/index.html")


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
