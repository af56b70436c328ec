"""E-mail after commit: messages wait in the session until its transaction commits (a rollback
drops them), then go to :func:`zi_assess.mail.send_later` (an RQ job with Redis, else a thread)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

OUTBOX = "zi_outbox"


def queue_mail(session: Session, to: str, subject: str, text: str, to_name: str | None) -> None:
    session.info.setdefault(OUTBOX, []).append((to, subject, text, to_name))


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    outbox: list[Any] = session.info.pop(OUTBOX, None) or []
    if not outbox:
        return
    from zi_assess.mail import send_later

    for to, subject, text, to_name in outbox:
        send_later(to, subject, text, to_name=to_name)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(OUTBOX, None)
