"""The only code writing notifications, preferences and sent reminders."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, has_app_context, has_request_context, request
from flask_babel import force_locale
from sqlalchemy import ScalarSelect, Select, func, select, update

from zi_assess.audit import Actor
from zi_assess.extensions import db
from zi_assess.models import Notification, NotificationPreference, User
from zi_assess.models.base import utcnow
from zi_assess.notifications import KINDS, texts
from zi_assess.notifications.delivery import queue_mail


def preferences(user_ids: list[int], kind: str | None = None) -> dict[tuple[int, str], NotificationPreference]:
    query = select(NotificationPreference).where(NotificationPreference.user_id.in_(user_ids))
    if kind is not None:
        query = query.where(NotificationPreference.kind == kind)
    return {(p.user_id, p.kind): p for p in db.session.scalars(query)} if user_ids else {}


#: ``g``: (user id, unread count) read with the signed-in user (one statement instead of two on
#: every page); dropped as soon as this request writes a notification
_UNREAD = "zi_unread_notifications"


def _unread_query(user_id: int) -> Select[tuple[int]]:
    return select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))


def unread_count_column(user_id: int) -> ScalarSelect[int]:
    """The user's unread count, as a column to read beside the user."""
    return _unread_query(user_id).scalar_subquery()


def remember_unread(user_id: int, count: int) -> None:
    g.setdefault(_UNREAD, (user_id, count))


def _forget_unread() -> None:
    if has_app_context():
        g.pop(_UNREAD, None)


def unread_count(user_id: int) -> int:
    """The user's unread notifications: as read with the user when this request has not written
    one since, else counted now."""
    known = g.get(_UNREAD) if has_app_context() else None
    if known is not None and known[0] == user_id:
        return int(known[1])
    return db.session.scalar(_unread_query(user_id)) or 0


def deliver(kind: str, assessment: Any, recipients: list[User], ctx: dict[str, Any]) -> int:
    _forget_unread()
    users = {u.id: u for u in recipients if u.is_active}
    if not users:
        return 0
    chosen = preferences(list(users), kind)
    params = {"unit": assessment.unit.name, "year": assessment.year, **ctx} if assessment is not None else ctx
    link = _link(f"/penilaian/{assessment.id}") if assessment is not None else _link("/notifikasi/")
    for user in users.values():
        pref = chosen.get((user.id, kind))
        if pref is None or pref.in_app:
            db.session.add(Notification(user_id=user.id, kind=kind, params=params,
                                        assessment_id=assessment.id if assessment is not None else None))
        if pref is None or pref.email:
            with force_locale(user.locale or "id"):
                subject = f"[zi-assess] {texts.title(kind, params)}"
                text = f"{texts.body(kind, params)}\n\n{link}\n"
            queue_mail(db.session(), user.email, subject, text, user.name)
    return len(users)


def _link(path: str) -> str:
    """An absolute link for an e-mail: ``ZI_PUBLIC_URL``, else the address of the current request."""
    base = current_app.config.get("PUBLIC_URL") or (request.host_url if has_request_context() else "")
    return f"{str(base).rstrip('/')}{path}"


def mark_read(actor: Actor, notification_id: int | None = None) -> int:
    """Mark one (or every) unread notification of the acting user as read."""
    assert actor.user is not None
    _forget_unread()
    query = update(Notification).where(Notification.user_id == actor.user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    return int(db.session.execute(query.values(read_at=utcnow())).rowcount)  # type: ignore[attr-defined]


def set_preferences(actor: Actor, choices: dict[str, tuple[bool, bool]]) -> None:
    """``choices``: kind → (in the inbox, by e-mail) for the acting user."""
    user = actor.user
    assert isinstance(user, User)
    current = preferences([user.id])
    for kind in KINDS:
        in_app, email = choices.get(kind, (True, True))
        row = current.get((user.id, kind))
        if row is None:
            row = NotificationPreference(user_id=user.id, kind=kind)
            db.session.add(row)
        row.in_app, row.email = in_app, email
