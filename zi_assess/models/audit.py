"""The append-only, tamper-evident audit trail.

No code path updates or deletes a row (a session guard enforces it; on PostgreSQL a trigger
installed by the migrations refuses UPDATE and DELETE too). Rows form one hash chain: each
carries ``prev_hash`` (the ``row_hash`` of the row before it, by id) and ``row_hash``, the
SHA-256 of ``prev_hash`` and a canonical serialisation of the row (:func:`row_digest`). A row
changed, removed or moved afterwards breaks the chain at that row; ``zi-assess audit verify``
finds it. Rows are chained when inserted, one writer at a time (:func:`_chain_row`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Connection, ForeignKey, String, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session

from zi_assess.models.base import Base, utcnow
from zi_assess.transactions import begin_writing

#: ``prev_hash`` of the first row of the chain
GENESIS_HASH = "0" * 64
#: the columns a row's hash covers, in this order (``id`` is not one: the chain orders the rows)
HASHED_COLUMNS = (
    "at", "actor_id", "actor_email", "actor_role", "ip", "request_id", "action",
    "assessment_id", "indicator_id", "layer", "before", "after", "detail",
)
#: PostgreSQL advisory lock held (until commit) by the transaction appending to the chain
CHAIN_LOCK_KEY = 0x7A69_6175_6474  # "ziaudt"


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: kept as text too, so the trail reads the same after an account changes
    actor_email: Mapped[str | None] = mapped_column(String(254))
    #: the roles the actor held when acting (comma-separated role names; ``system`` for zi-assess itself)
    actor_role: Mapped[str | None] = mapped_column(String(200))
    ip: Mapped[str | None] = mapped_column(String(64))
    #: the X-Request-ID of the request that wrote the row (also on its log lines and error page)
    request_id: Mapped[str | None] = mapped_column(String(64), index=True)
    #: answer.change, answer.note, evidence.add, evidence.link, evidence.remove, transition,
    #: login, login.failed, logout, permission.denied, comment.add, prerequisite.change, …
    action: Mapped[str] = mapped_column(String(40), index=True)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id", ondelete="SET NULL"), index=True)
    indicator_id: Mapped[str | None] = mapped_column(String(16))
    layer: Mapped[str | None] = mapped_column(String(16))
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    detail: Mapped[Any] = mapped_column(JSON, nullable=True)
    #: ``row_hash`` of the previous row (:data:`GENESIS_HASH` for the first)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    #: SHA-256 (hex) of ``prev_hash`` and this row's canonical serialisation
    row_hash: Mapped[str | None] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action} {self.at:%Y-%m-%d %H:%M}>"


class AuditTrailIsAppendOnly(RuntimeError):
    """Raised when a flush would change or remove an audit row."""


def _canonical_value(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "at":
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if name in ("before", "after", "detail"):
        return json.loads(json.dumps(value))  # as the database hands it back (tuples → lists, keys → text)
    if isinstance(value, int):
        return value
    return str(value)


def canonical_row(values: Mapping[str, Any]) -> bytes:
    """The bytes a row's hash covers: its :data:`HASHED_COLUMNS` as sorted, compact UTF-8 JSON."""
    document = {name: _canonical_value(name, values.get(name)) for name in HASHED_COLUMNS}
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def row_digest(prev_hash: str, values: Mapping[str, Any]) -> str:
    """``row_hash`` of a row whose predecessor's hash is ``prev_hash``."""
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical_row(values)).hexdigest()


def row_values(event_row: AuditEvent) -> dict[str, Any]:
    return {name: getattr(event_row, name) for name in HASHED_COLUMNS}


def chain_tail(connection: Connection) -> str:
    """Become the only writer of the chain until this transaction ends, and return the hash of its
    last row (:data:`GENESIS_HASH` for an empty chain).

    PostgreSQL: a transaction-level advisory lock (concurrent writers queue; it is released at
    commit or rollback), then the last row read. Both go in one round trip, as two statements of
    one simple query: the server runs them in turn, and the second takes its snapshot only once
    the lock is granted, so it sees the row the previous holder committed (read committed). The
    lock is held from here to the commit: one round trip fewer holding it, when 20 clients
    download at once. SQLite has one writer at a time; pysqlite begins its transaction only
    before the first write, so a transaction not begun yet is begun IMMEDIATE (taking the write
    lock) before the last row is read.
    """
    table = AuditEvent.__table__
    if connection.dialect.name == "postgresql":
        begin_writing(connection)  # the lock lasts until the transaction ends: there must be one
        cursor = connection.connection.cursor()  # the driver's own: two results of one query
        try:
            cursor.execute(f"SELECT pg_advisory_xact_lock({int(CHAIN_LOCK_KEY)}); {_LAST_HASH_SQL}")
            cursor.nextset()
            row = cursor.fetchone()
        finally:
            cursor.close()
        return row[0] if row is not None and row[0] is not None else GENESIS_HASH
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:  # type: ignore[attr-defined]
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    return connection.execute(
        select(table.c.row_hash).order_by(table.c.id.desc()).limit(1)).scalar_one_or_none() or GENESIS_HASH


#: the last row's hash, as :func:`chain_tail` sends it to PostgreSQL (no parameters in a query of two statements)
_LAST_HASH_SQL = "SELECT row_hash FROM audit_event ORDER BY id DESC LIMIT 1"


@event.listens_for(Session, "before_flush")
def _guard_audit_rows(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditTrailIsAppendOnly("audit events are never changed or deleted")
    session.info.pop(_TAIL, None)


#: ``session.info`` key: the hash of the last row chained during the current flush
_TAIL = "zi_audit_chain_tail"


@event.listens_for(AuditEvent, "before_insert")
def _chain_row(_mapper: Any, connection: Connection, row: AuditEvent) -> None:
    """Give a row about to be inserted its place in the chain (a flush inserts in the order added).

    The first row of a flush takes the chain's lock and reads the last stored hash, on the
    flush's own connection; the next rows of the same flush follow it.
    """
    session = object_session(row)
    previous = session.info.get(_TAIL) if session is not None else None
    if previous is None:
        previous = chain_tail(connection)
    if row.at is None:
        row.at = utcnow()
    row.prev_hash = previous
    row.row_hash = row_digest(previous, row_values(row))
    if session is not None:
        session.info[_TAIL] = row.row_hash
