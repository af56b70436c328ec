"""Notifications: an inbox in the app and e-mail, per user and kind as each user chooses.

One entry point, :func:`notify`; the workflow calls it for every step (see :mod:`.recipients`),
``zi-assess notify due`` for deadline reminders. Rows are written in the caller's transaction;
e-mails go out only after it commits (:mod:`.delivery`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: every kind a user can choose a channel for
KINDS = ("submitted", "returned", "resubmitted", "concluded", "proposed", "decided", "assigned", "deadline",
         "action_due", "revoked")


def notify(kind: str, assessment: Any, recipients: Iterable[Any], **ctx: Any) -> int:
    """Tell ``recipients`` (users) about ``assessment``: an inbox entry and/or an e-mail per their
    preference for ``kind``. ``ctx`` holds what the text needs (JSON values). Returns how many
    users were told."""
    from zi_assess.notifications.operations import deliver

    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    return deliver(kind, assessment, list(recipients), ctx)
