"""Checking the audit trail's hash chain: ``zi-assess audit verify``.

Each row must carry the previous row's ``row_hash`` as its ``prev_hash`` and a ``row_hash``
that matches its own content (see :mod:`zi_assess.models.audit`). The first row that does not
is reported — a row edited, removed or reordered in the database behind the application's back.
(The removal of the very last rows leaves no trace in the chain itself: compare the count or the
last hash with a copy kept elsewhere, e.g. the logs.)
"""

from __future__ import annotations

from dataclasses import dataclass

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from zi_assess.extensions import db
from zi_assess.models import AuditEvent
from zi_assess.models.audit import GENESIS_HASH, row_digest, row_values


@dataclass(frozen=True)
class BrokenLink:
    """The first row where the chain does not hold, and why."""

    row_id: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    rows: int
    last_hash: str
    broken: BrokenLink | None


def verify_chain(batch: int = 1000) -> ChainReport:
    """Walk the whole trail in id order; stop at the first broken link."""
    previous = GENESIS_HASH
    count = 0
    last_id = 0
    while True:
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            return ChainReport(count, previous, None)
        for row in rows:
            count += 1
            if row.prev_hash != previous:
                return ChainReport(count, previous, BrokenLink(
                    row.id, f"prev_hash {row.prev_hash} is not the hash of the row before it ({previous}): "
                            "a row before it was removed, added or reordered"))
            expected = row_digest(previous, row_values(row))
            if row.row_hash != expected:
                return ChainReport(count, previous, BrokenLink(
                    row.id, f"row_hash {row.row_hash} does not match the row's content ({expected}): "
                            "the row was changed"))
            previous = expected
            last_id = row.id
        db.session.expunge_all()


audit = click.Group("audit", help="The audit trail.")


@audit.command("verify")
@with_appcontext
def verify_command() -> None:
    """Check the audit trail's hash chain; exit 1 at the first broken link."""
    report = verify_chain()
    if report.broken is not None:
        click.echo(f"audit chain BROKEN at row {report.broken.row_id}: {report.broken.reason}", err=True)
        raise SystemExit(1)
    click.echo(f"audit chain intact: {report.rows} rows, last hash {report.last_hash}")


commands = [audit]
