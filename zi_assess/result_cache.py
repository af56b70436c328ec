"""National results reused until the data they read change: a versioned result cache.

The recap rows, the year figures, the dashboard's ranking and queues and the recap exports read
the same few tables over and over while they rarely change. Each result is stored under the
**data revision**, one row of ``data_revision`` that every transaction writing one of
:data:`WATCHED_TABLES` bumps inside itself, just before it commits (a hook on every SQLAlchemy
connection: ORM flushes, Core and raw SQL, ``COPY`` through :func:`note_write`). So a key names
the data it was computed from, and nothing is ever invalidated by hand.

Consistency: the revision is read *first*, then the result computed, then stored under that
revision. A writer committing in between makes the result newer than its key, never older,
and the next reader sees the new revision and computes again. A transaction that has written
(or holds unflushed changes) computes without the cache: what it sees is not committed yet.

Authorization stays outside: callers put whatever restricts the rows (the reader's scope,
filters, language, criteria versions) into the key. Nothing holding a CSRF token is cached.

Storage: a per-process LRU bounded in entries and bytes, and Redis (``ZI_REDIS_URL``) shared by
every worker and server. A Redis that fails is left alone for a while; the result is computed.
``ZI_RESULT_CACHE=false`` switches the whole cache off.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import pickle
import re
import threading
import time
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app, has_app_context
from sqlalchemy import ColumnElement, event, inspect, literal_column, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

log = logging.getLogger(__name__)
T = TypeVar("T")

#: every table a cached result reads (recap rows and years: assessment, unit, instansi,
#: current_score, predicate_record; the queues: assessment, unit, instansi; an overview's Tabel 5
#: check: prerequisite_record, unit, instansi). The reader's roles, assignments and opened drafts
#: are read outside the cache (they are part of the key).
WATCHED_TABLES = frozenset({"assessment", "unit", "instansi", "current_score", "predicate_record",
                            "prerequisite_record"})
EXTENSION = "zi_result_cache"
_WROTE = "zi_cache_wrote"  # connection.info: this transaction wrote a watched table
_REVISION = "zi_cache_revision"  # connection.info: the revision read in this transaction
_NAME = r'(?:"?\w+"?\.)?"?(\w+)"?'
#: the tables a statement writes: INSERT/UPDATE/DELETE/MERGE targets (also inside WITH),
#: COPY … FROM, and every table of a TRUNCATE list
_TARGET = re.compile(
    rf"\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+ONLY)?|DELETE\s+FROM(?:\s+ONLY)?"
    rf"|MERGE\s+INTO(?:\s+ONLY)?)\s+{_NAME}", re.IGNORECASE)
_COPY_IN = re.compile(rf"\bCOPY\s+{_NAME}[^;]*?\bFROM\b", re.IGNORECASE)
_TRUNCATE = re.compile(r"\bTRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?([^;]+)", re.IGNORECASE)
_LIST_NAME = re.compile(rf"^\s*{_NAME}")
#: the tables an UPDATE … FROM or DELETE … USING joins: counted as written too (a cheap, safe excess)
_JOINED = re.compile(rf"\b(?:FROM|USING|JOIN)\s+{_NAME}", re.IGNORECASE)
_WRITE_VERB = re.compile(r"^\s*(?:WITH\b.*?\b)?(INSERT|UPDATE|DELETE|MERGE|COPY|TRUNCATE|REPLACE)\b",
                         re.IGNORECASE | re.DOTALL)
#: after a Redis error, this many seconds without asking it
REDIS_BACKOFF_SECONDS = 30.0


def written_tables(statement: str) -> frozenset[str]:
    """The tables a SQL statement writes, lower-cased; ``{"*"}`` when it writes but names none found."""
    names = {m.group(1).lower() for m in _TARGET.finditer(statement)}
    names.update(m.group(1).lower() for m in _COPY_IN.finditer(statement))
    if names and re.match(r"\s*(?:UPDATE|DELETE)\b", statement, re.IGNORECASE):
        names.update(m.group(1).lower() for m in _JOINED.finditer(statement))
    for listed in _TRUNCATE.finditer(statement):
        for part in listed.group(1).split(","):
            match = _LIST_NAME.match(part)
            if match:
                names.add(match.group(1).lower())
    if not names and _WRITE_VERB.match(statement) and not statement.lstrip()[:4].upper() == "COPY":
        return frozenset({"*"})
    return frozenset(names)


def writes_watched(statement: str) -> bool:
    if statement[:6].upper() == "SELECT":  # most statements: no table written
        return False
    tables = written_tables(statement)
    return "*" in tables or not tables.isdisjoint(WATCHED_TABLES)


def note_write(connection: Connection) -> None:
    """Mark the connection's transaction as writing watched tables: for writes SQLAlchemy does
    not see (``COPY`` through the driver's own cursor)."""
    connection.info[_WROTE] = True


# -- the hooks: every connection, every statement -------------------------------------------------


@event.listens_for(Engine, "before_cursor_execute")
def _see_statement(conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any,
                   executemany: bool) -> None:
    if not conn.info.get(_WROTE) and writes_watched(statement):
        conn.info[_WROTE] = True


@event.listens_for(Session, "after_flush")
def _see_flush(session: Session, flush_context: Any) -> None:
    """ORM flushes pass the statement hook too; this also marks a flush whose statements a
    driver batches out of sight (insertmanyvalues, executemany)."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table in WATCHED_TABLES:
            session.connection().info[_WROTE] = True
            return


@event.listens_for(Engine, "commit")
def _bump_before_commit(conn: Connection) -> None:
    """Inside the writing transaction, just before it commits (so the bump and the data are one)."""
    conn.info.pop(_REVISION, None)
    if conn.info.pop(_WROTE, False):
        bump(conn)


@event.listens_for(Engine, "rollback")
def _forget_on_rollback(conn: Connection) -> None:
    if conn.invalidated:  # the server ended it: nothing to forget (and no info to read); the pool resets it
        return
    conn.info.pop(_REVISION, None)
    conn.info.pop(_WROTE, None)


@event.listens_for(Pool, "checkout")
def _fresh_checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    record.info.pop(_REVISION, None)
    record.info.pop(_WROTE, None)


def bump(conn: Connection) -> None:
    """One more revision (the row is made, with a new epoch, when the table was emptied)."""
    if not _has_table(conn):
        return
    updated = conn.exec_driver_sql("UPDATE data_revision SET revision = revision + 1 WHERE id = 1")
    if updated.rowcount == 0:
        conn.execute(text("INSERT INTO data_revision (id, revision, epoch) VALUES (1, 1, :epoch)"),
                     {"epoch": str(uuid.uuid4())})


_tables_seen: weakref.WeakSet[Engine] = weakref.WeakSet()


def _has_table(conn: Connection) -> bool:
    """Whether ``data_revision`` exists (not yet while the migrations before it run); remembered once true."""
    if conn.engine in _tables_seen:
        return True
    if inspect(conn).has_table("data_revision"):
        _tables_seen.add(conn.engine)
        return True
    return False


def revision(session: Session) -> str | None:
    """The data revision as a key part (epoch, the table's identity on PostgreSQL, revision), read
    once per transaction; None when results must be computed here and not cached (this transaction
    wrote, or holds unflushed changes, or there is no revision row)."""
    if any(getattr(o, "__tablename__", None) in WATCHED_TABLES
           for o in (*session.new, *session.dirty, *session.deleted)):
        return None
    conn = session.connection()
    if conn.info.get(_WROTE):
        return None
    known = conn.info.get(_REVISION)
    if known is None:
        if not _has_table(conn):
            return None
        # tableoid: a restored dump recreates the table, so even its old epoch and revisions miss
        extra = ", tableoid" if conn.dialect.name == "postgresql" else ""
        row = conn.exec_driver_sql(f"SELECT revision, epoch{extra} FROM data_revision WHERE id = 1").first()
        known = conn.info[_REVISION] = ":".join(str(v) for v in (row[1], *row[2:], row[0])) if row else ""
    return known or None


def revision_column(session: Session) -> ColumnElement[str] | None:
    """The data revision as a column to read beside something else in the transaction's first
    statement (the signed-in user: one statement less on every page); None without the table."""
    conn = session.connection()
    if not _has_table(conn):
        return None
    oid = "CAST(tableoid AS TEXT) || ':' || " if conn.dialect.name == "postgresql" else ""
    return literal_column(f"(SELECT epoch || ':' || {oid}CAST(revision AS TEXT) FROM data_revision WHERE id = 1)")


def remember_revision(session: Session, value: str | None) -> None:
    """What :func:`revision_column` read, as if :func:`revision` had read it (same transaction)."""
    conn = session.connection()
    if not conn.info.get(_WROTE):
        conn.info.setdefault(_REVISION, value or "")


# -- storage --------------------------------------------------------------------------------------


class LocalStore:
    """A thread-safe LRU bounded in entries and (estimated) bytes, one per process."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[str, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[bool, Any]:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return False, None
            self._items.move_to_end(key)
            return True, item[0]

    def put(self, key: str, value: Any, size: int) -> None:
        if size > self.max_bytes // 4:  # one result never pushes out most of the others
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._items[key] = (value, size)
            self.bytes += size
            while self._items and (len(self._items) > self.max_entries or self.bytes > self.max_bytes):
                _key, (_value, dropped) = self._items.popitem(last=False)
                self.bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._items)


class ResultCache:
    """The cache of one app: its local store, its Redis (optional), hit and miss counts."""

    def __init__(self, *, enabled: bool, max_entries: int, max_bytes: int, ttl: int,
                 redis: Callable[[], Any] | None = None) -> None:
        self.enabled = enabled
        self.local = LocalStore(max_entries, max_bytes)
        self.ttl = ttl
        self._redis = redis
        self._redis_down_until = 0.0
        self.hits = self.misses = self.bypassed = 0

    def redis(self) -> Any:
        if self._redis is None or time.monotonic() < self._redis_down_until:
            return None
        return self._redis()

    def _redis_failed(self, what: str) -> None:
        self._redis_down_until = time.monotonic() + REDIS_BACKOFF_SECONDS
        log.warning("result cache: Redis %s failed; computing without it for %.0f s", what, REDIS_BACKOFF_SECONDS,
                    exc_info=True)

    def get(self, key: str) -> tuple[bool, Any]:
        found, value = self.local.get(key)
        if found:
            return True, value
        client = self.redis()
        if client is None:
            return False, None
        try:
            data = client.get(key)
        except Exception:
            self._redis_failed("read")
            return False, None
        if data is None:
            return False, None
        try:
            value = pickle.loads(data)
        except Exception:  # written by another version of the code: computed again (and overwritten)
            log.warning("result cache: unreadable entry %s", key, exc_info=True)
            return False, None
        self.local.put(key, value, len(data))
        return True, value

    def put(self, key: str, value: Any, size: int | None = None) -> None:
        client = self.redis()
        data = None
        if client is not None:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            try:
                client.set(key, data, ex=self.ttl)
            except Exception:
                self._redis_failed("write")
        self.local.put(key, value, len(data) if data is not None else (size or _estimate(value)))


@functools.cache
def code_tag() -> str:
    """The deployed code (every module and template: path, size, modification time): results kept
    in Redis by another version of it are never read, whatever their shape was."""
    from zi_assess.resources import PACKAGE_DIR, TEMPLATES_DIR

    digest = hashlib.blake2b(digest_size=6)
    for root in (PACKAGE_DIR, TEMPLATES_DIR):
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".html", ".css", ".mo", ".yaml", ".yml", ".json"):
                stat = path.stat()
                digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()


def _estimate(value: Any) -> int:
    if isinstance(value, bytes | str):
        return len(value) + 64
    if isinstance(value, list | tuple):
        return 1500 * len(value) + 64  # a recap row with its figures: about 1.5 kB
    return 1024


def init_app(app: Any) -> None:
    cfg = app.config

    def redis() -> Any:
        from zi_assess.extensions import redis_client

        return redis_client(socket_timeout=float(cfg["RESULT_CACHE_REDIS_TIMEOUT"]))

    app.extensions[EXTENSION] = ResultCache(
        enabled=_truthy(cfg["RESULT_CACHE"]), max_entries=int(cfg["RESULT_CACHE_MAX_ENTRIES"]),
        max_bytes=int(cfg["RESULT_CACHE_MAX_MB"]) * 1024 * 1024, ttl=int(cfg["RESULT_CACHE_TTL_SECONDS"]),
        redis=redis if cfg.get("REDIS_URL") else None)


def _truthy(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() not in ("0", "false", "no", "off", "")


def the_cache() -> ResultCache | None:
    """The current app's cache, None when it is off (or outside an app)."""
    if not has_app_context():
        return None
    cache: ResultCache | None = current_app.extensions.get(EXTENSION)
    return cache if cache is not None and cache.enabled else None


def cached(name: str, key: Hashable, compute: Callable[[], T], *, size: Callable[[T], int] | None = None,
           versioned: bool = False) -> T:
    """``compute()``, or its result stored under ``name``, ``key`` and the data revision.

    ``key`` must hold everything the result depends on besides the watched tables' data: the
    reader's scope, the filters, the language, the criteria versions. ``versioned``: the key holds
    a version of its own that every change of the data bumps (``Assessment.revision``), so the
    result outlives writes elsewhere (only the database's epoch is added)."""
    from zi_assess.extensions import db

    cache = the_cache()
    if cache is None:
        return compute()
    current = revision(db.session)  # FIRST: a result is never stored under a revision newer than its data
    if current is None:
        cache.bypassed += 1
        return compute()
    if versioned:
        current = current.rsplit(":", 1)[0]
    digest = hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()
    full = f"zi:rc:{code_tag()}:{name}:{current}:{digest}"
    found, value = cache.get(full)
    if found:
        cache.hits += 1
        return value  # type: ignore[no-any-return]
    cache.misses += 1
    value = compute()
    cache.put(full, value, size(value) if size is not None else None)
    return value
