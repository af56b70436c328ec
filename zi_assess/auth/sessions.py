"""Session rules: the login cookie carries the user's session token; idle sessions expire, and
every session ends ``ZI_SESSION_ABSOLUTE_HOURS`` after its login, however active."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, flash, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user, user_logged_in
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from zi_assess import result_cache
from zi_assess.extensions import db, login_manager
from zi_assess.models import User
from zi_assess.notifications.operations import remember_unread, unread_count_column


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """``<id>:<token>``: a cookie from before a logout or a deactivation no longer matches."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    # one statement: the user with every role assignment joined in, the unread count the page
    # header shows, and the data revision the result cache keys on (each page would read it)
    uid = int(user_id)
    revision = result_cache.revision_column(db.session)
    columns = [User, unread_count_column(uid)] + ([revision] if revision is not None else [])
    row = db.session.execute(select(*columns).where(User.id == uid).options(joinedload(User.roles))).unique().first()
    if row is None:
        return None
    user = row[0]
    if revision is not None:
        result_cache.remember_revision(db.session, row[2])
    if not user.is_active or user.session_token != token:
        return None
    remember_unread(user.id, row[1])
    return user


#: the last request's time is written at most this often: a changed session is signed and sent
#: again as a cookie on every response; an idle session may end up to this much earlier, never later
SEEN_STEP_SECONDS = 60

#: requests that never touch the session (a health probe must not get or renew a cookie)
NO_SESSION_ENDPOINTS = frozenset({"static", "health.healthz"})


def init_sessions(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Silakan masuk untuk membuka halaman ini.")
    login_manager.login_message_category = "warning"

    @user_logged_in.connect_via(app)
    def _login_time(_sender: Any, **_extra: Any) -> None:
        session["login_at"] = int(time.time())

    @app.before_request
    def _idle_timeout():  # type: ignore[no-untyped-def]
        if request.endpoint in NO_SESSION_ENDPOINTS or not current_user.is_authenticated:
            return None
        now = int(time.time())
        last = session.get("seen")
        limit = int(app.config["SESSION_IDLE_MINUTES"]) * 60
        # a session from before this rule counts from its first request after it
        started = int(session.setdefault("login_at", now))
        if now - started > float(app.config["SESSION_ABSOLUTE_HOURS"]) * 3600:
            message = _l("Sesi Anda berakhir karena sudah terlalu lama. Silakan masuk kembali.")
        elif last is not None and now - int(last) > limit:
            message = _l("Sesi Anda berakhir karena tidak aktif. Silakan masuk kembali.")
        else:
            if last is None or now - int(last) >= SEEN_STEP_SECONDS:
                session["seen"] = now
            return None
        logout_user()
        session.pop("seen", None)
        session.pop("login_at", None)
        flash(message, "warning")
        if request.method == "GET":
            return redirect(url_for("auth.login", next=request.full_path))
        return redirect(url_for("auth.login"))
