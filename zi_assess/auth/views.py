"""Login and logout pages."""

from __future__ import annotations

import time

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from zi_assess.audit import Actor
from zi_assess.auth import operations as ops
from zi_assess.auth.forms import LoginForm, ResetPasswordForm, ResetRequestForm, SecondFactorForm
from zi_assess.extensions import db
from zi_assess.mail import send_later
from zi_assess.models import User
from zi_assess.web import client_ip, safe_next

bp = Blueprint("auth", __name__)


#: how long the code page waits after a right password
SECOND_FACTOR_SECONDS = 300


@bp.route("/masuk", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    problem = ""
    if form.validate_on_submit():
        result = ops.check_password(form.email.data or "", form.password.data or "", client_ip())
        user = result.user
        if user is not None:
            target = safe_next(request.args.get("next"))
            session.clear()
            if user.has_second_factor:
                session["second_factor"] = {"user": user.id, "token": user.session_token,
                                            "at": int(time.time()), "next": target}
                db.session.commit()
                return redirect(url_for("auth.second_factor"))
            ops.complete_login(user, client_ip())
            login_user(user)
            db.session.commit()
            return redirect(target or url_for("dashboard.index"))
        problem = result.problem
        db.session.commit()
    status = 429 if problem == "throttled" else (401 if problem else 200)
    return render_template("auth/login.html", form=form, problem=problem), status


def _pending_user() -> User | None:
    """The account whose password was just given (for a few minutes, until the code)."""
    pending = session.get("second_factor")
    if not isinstance(pending, dict) or int(time.time()) - int(pending.get("at", 0)) > SECOND_FACTOR_SECONDS:
        return None
    user = db.session.get(User, pending.get("user"))
    if user is None or not user.is_active or user.session_token != pending.get("token"):
        return None
    return user


@bp.route("/masuk/kode", methods=["GET", "POST"])
def second_factor() -> str | Response:
    """The second step of signing in: a code of the authenticator app, or a recovery code."""
    user = _pending_user()
    if user is None:
        session.pop("second_factor", None)
        flash(_("Silakan masuk kembali."), "warning")
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    problem = ""
    if form.validate_on_submit():
        problem = ops.second_factor(user, form.code.data or "", client_ip())
        if not problem:
            target = session["second_factor"].get("next")
            session.clear()
            login_user(user)
            db.session.commit()
            return redirect(target or url_for("dashboard.index"))
        db.session.commit()
    status = 429 if problem == "throttled" else (401 if problem else (400 if form.errors else 200))
    return render_template("auth/second_factor.html", form=form, problem=problem), status


@bp.post("/keluar")
@login_required
def logout() -> Response:
    ops.logout(Actor(current_user._get_current_object(), client_ip()))
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Anda telah keluar."), "success")
    response = redirect(url_for("auth.login"))
    response.headers["Clear-Site-Data"] = '"cache"'  # area pages kept for revalidation (web.revalidate_privately)
    return response


@bp.route("/lupa-sandi", methods=["GET", "POST"])
def reset_request() -> str | Response:
    """Ask for a reset link. The answer is the same whether the address has an account or not."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        found = ops.request_reset(form.email.data or "", client_ip())
        db.session.commit()
        if found is not None:
            user, token = found
            _mail_reset_link(user, token)
        flash(_("Jika alamat itu terdaftar, tautan untuk mengatur ulang kata sandi telah dikirim ke sana. "
                "Tautan berlaku 1 jam."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form), 400 if form.errors else 200


def _mail_reset_link(user, token: str) -> None:  # type: ignore[no-untyped-def]
    link = url_for("auth.reset_password", token=token, _external=True)
    with force_locale(user.locale or "id"):
        subject = _("Atur ulang kata sandi zi-assess")
        text = _("Halo %(name)s,\n\nseseorang (semoga Anda) meminta untuk mengatur ulang kata sandi akun "
                 "zi-assess Anda. Buka tautan ini dalam 1 jam untuk memilih kata sandi baru:\n\n%(link)s\n\n"
                 "Tautan hanya dapat dipakai sekali. Jika Anda tidak memintanya, abaikan email ini: "
                 "kata sandi Anda tidak berubah.", name=user.name, link=link)
    send_later(user.email, subject, text, to_name=user.name)


@bp.route("/atur-ulang-sandi/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | Response:
    if ops.tokens.peek(token, "reset") is None:
        return render_template("auth/reset_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = ops.reset_password(token, form.new_password.data or "", client_ip())
        except ops.PasswordRefused as refused:
            db.session.rollback()
            form.new_password.errors = list(refused.problems)
        else:
            if user is None:
                db.session.rollback()
                return render_template("auth/reset_invalid.html"), 404
            db.session.commit()
            logout_user()
            session.clear()
            flash(_("Kata sandi baru tersimpan. Silakan masuk dengan kata sandi itu."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), 400 if form.errors else 200
