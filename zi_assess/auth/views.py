"""Login and logout pages."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from zi_assess.audit import Actor
from zi_assess.auth import operations as ops
from zi_assess.auth.forms import LoginForm
from zi_assess.extensions import db
from zi_assess.web import client_ip, safe_next

bp = Blueprint("auth", __name__)


@bp.route("/masuk", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    problem = ""
    if form.validate_on_submit():
        result = ops.authenticate(form.email.data or "", form.password.data or "", client_ip())
        if result.user is not None:
            session.clear()
            login_user(result.user)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")) or url_for("dashboard.index"))
        problem = result.problem
        db.session.commit()
    status = 429 if problem == "throttled" else (401 if problem else 200)
    return render_template("auth/login.html", form=form, problem=problem), status


@bp.post("/keluar")
@login_required
def logout() -> Response:
    ops.logout(Actor(current_user._get_current_object(), client_ip()))
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Anda telah keluar."), "success")
    return redirect(url_for("auth.login"))
