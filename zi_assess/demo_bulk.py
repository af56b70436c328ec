"""Bulk row writing for generated data sets (``zi-assess demo --scale national``).

Millions of rows cannot go through the ORM (or through the operations, which audit each change)
in minutes: on PostgreSQL they are streamed with ``COPY … FROM STDIN`` (psycopg's copy), on
other databases written with ``executemany``. Rows are plain dicts keyed by column name, holding
the Python values the ORM would hold (JSON columns as Python objects). Everything runs on the
session's connection, so it is part of the caller's transaction (the command commits).

This is the one exception to "operations write the database": generated data sets only, never
a user's action.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Table, func, select, text
from sqlalchemy.engine import Connection

from zi_assess.extensions import db
from zi_assess.models.base import Base, JSONDocument
from zi_assess.result_cache import WATCHED_TABLES, note_write
from zi_assess.transactions import begin_writing


class BulkWriter:
    """Writes rows into tables on the session's connection (COPY on PostgreSQL)."""

    def __init__(self) -> None:
        self.connection: Connection = db.session.connection()
        self.postgresql = self.connection.dialect.name == "postgresql"
        self.counts: dict[str, int] = {}

    def next_id(self, model: type[Base]) -> int:
        """The first free id of a table with an integer ``id`` (rows get explicit ids)."""
        table = table_of(model)
        return int(self.connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1

    def write(self, model: type[Base], rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert rows (all with the same keys) into the model's table."""
        table = table_of(model)
        if not rows:
            return
        columns = list(rows[0].keys())
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)
        if not self.postgresql:
            self.connection.execute(table.insert(), list(rows))
            return
        if table.name in WATCHED_TABLES:  # COPY through the driver's cursor: SQLAlchemy does not see it
            note_write(self.connection)
        json_columns = {name for name in columns if isinstance(table.c[name].type, (JSON, JSONDocument))}
        begin_writing(self.connection)  # the driver's cursor: no statement hook begins the transaction
        raw = self.connection.connection.driver_connection
        assert raw is not None
        statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([_copy_value(row[name], name in json_columns) for name in columns])

    def reset_sequences(self, models: Iterable[type[Base]]) -> None:
        """After explicit ids: let PostgreSQL's sequences continue above them (SQLite needs nothing)."""
        if not self.postgresql:
            return
        for table in map(table_of, models):
            self.connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)"))

    def analyze(self, models: Iterable[type[Base]]) -> None:
        """Fresh planner statistics after a bulk load (PostgreSQL)."""
        if self.postgresql:
            for table in map(table_of, models):
                self.connection.execute(text(f"ANALYZE {table.name}"))


def table_of(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _copy_value(value: Any, is_json: bool) -> Any:
    if is_json:
        return None if value is None else orjson.dumps(value).decode()
    if hasattr(value, "value") and not isinstance(value, datetime):  # enums are stored as their values
        return value.value
    return value
