"""PostgreSQL: a transaction begins with the first statement that needs one, not the first read.

psycopg opens a transaction with a ``BEGIN`` of its own (a round trip) before a connection's
first statement, and SQLAlchemy ends it with ``ROLLBACK`` (another) when the request's session
closes. A page that only reads paid both: two of its three to five round trips, and under load
each is a wait for the scheduler as well. Here a connection with no transaction open runs plain
reads in autocommit mode; the first statement that writes, locks or is anything else begins the
transaction as before, and every later statement runs inside it until the commit or rollback.

Nothing a request sees changes. At PostgreSQL's read committed level every statement takes its
own snapshot, inside a transaction or not, so a read outside one sees what it would have seen
inside; a transaction still holds everything written from the first write to the commit; and
SQLAlchemy's commit and rollback cost nothing when no transaction was begun. SQLite already
works this way (pysqlite begins before the first write), and the code that must hold a
transaction before it writes (:func:`zi_assess.extensions.savepoint`, the audit chain) says so
on both: writes through the driver's own cursor call :func:`begin_writing` first. A connection
asked for another isolation level, or to autocommit (an execution option, an engine made so), is
left as asked.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.engine import Engine

#: a statement that only reads: a SELECT that takes no row or advisory lock and calls no function
#: known to write (a SELECT calling any other writing function must not be sent as a plain read)
_READ = re.compile(r"\s*SELECT\b", re.IGNORECASE)
_NOT_ONLY_A_READ = re.compile(
    r"\bFOR\s+(?:NO\s+KEY\s+)?UPDATE\b|\bFOR\s+(?:KEY\s+)?SHARE\b|\bpg_advisory|\bnextval\b|\bsetval\b"
    r"|\bset_config\b|\bpg_notify\b|\bINTO\b|\btxid_current\b|\bpg_current_xact_id\b",
    re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def only_reads(statement: str) -> bool:
    """Whether ``statement`` may run outside a transaction (see the module's docstring). Kept per
    statement: SQLAlchemy hands out the same compiled strings again, and a page's statements run
    to kilobytes, which the search would scan on every request."""
    return _READ.match(statement) is not None and _NOT_ONLY_A_READ.search(statement) is None


def _driver(conn: Connection) -> Any | None:
    """psycopg's connection under ``conn``, when reads may skip the transaction on it: PostgreSQL
    at read committed (SQLite begins lazily itself; a connection asked for another isolation level
    or to autocommit is left as asked: at repeatable read a transaction's reads belong in it)."""
    if conn.dialect.name != "postgresql" or conn.dialect.default_isolation_level != "READ COMMITTED":
        return None
    if conn.get_execution_options().get("isolation_level") is not None:
        return None
    driver = conn.connection.driver_connection
    return driver if driver is not None and driver.isolation_level in _READ_COMMITTED else None


#: psycopg's ``isolation_level`` of a connection at read committed: unset (the server's default,
#: checked above) or ``IsolationLevel.READ_COMMITTED``
_READ_COMMITTED = (None, 2)


def begin_writing(conn: Connection) -> None:
    """Make the next statement on ``conn`` begin a transaction if none is open: for statements
    sent through the driver's own cursor, which :func:`_choose_mode` does not see."""
    driver = _driver(conn)
    if driver is not None and driver.autocommit and conn.connection.info.get(_OURS) \
            and driver.pgconn.transaction_status == _IDLE:
        driver.autocommit = False


#: the connection record's mark: its driver autocommits because :func:`_choose_mode` set it so for
#: reads (a driver found autocommitting without it was asked to by its engine, and is left alone)
_OURS = "zi_autocommit_reads"
#: psycopg's ``TransactionStatus.IDLE`` (no transaction open)
_IDLE = 0


@event.listens_for(Engine, "before_cursor_execute")
def _choose_mode(conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any,
                 executemany: bool) -> None:
    driver = _driver(conn)
    if driver is None or driver.pgconn.transaction_status != _IDLE:
        return  # inside a transaction already: it goes on
    marks = conn.connection.info
    if driver.autocommit and not marks.get(_OURS):
        return  # autocommit asked for (an engine made with isolation_level="AUTOCOMMIT")
    reading = only_reads(statement)
    if driver.autocommit != reading:
        driver.autocommit = reading
        marks[_OURS] = reading
