"""Declarative base and shared column helpers."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, MetaData, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator, TypeEngine

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class JSONDocument(TypeDecorator[Any]):
    """A JSON document queried by key in SQL: JSONB on PostgreSQL (binary, a key is a lookup), JSON
    elsewhere. What ``JSON().with_variant(JSONB(), "postgresql")`` is (the migrations write it so),
    except that the PostgreSQL dialect is imported only by a process that connects to PostgreSQL:
    its import was ~20 ms of every ``zi-assess report`` process on SQLite."""

    impl = JSON
    cache_ok = True
    #: as JSON: a Python None is stored as JSON null (``none_as_null`` is False)
    should_evaluate_none = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


#: the type of every JSON document column
JSON_DOCUMENT = JSONDocument()


#: options of indexes that only PostgreSQL has (a partial index's WHERE, INCLUDE columns), given to
#: their index once SQLAlchemy's PostgreSQL dialect is loaded: declared on the Index itself, they
#: make SQLAlchemy import that dialect to check them, in every process (see JSONDocument)
_POSTGRESQL_OPTIONS: list[tuple[Index, dict[str, Any]]] = []


def postgresql_options(index: Index, **options: Any) -> Index:
    """``index`` with ``postgresql_<name>=value`` for each option, as soon as PostgreSQL is used:
    at once when its dialect is loaded already, else when the process first connects to it (before
    any DDL or comparison of the schema runs on that connection)."""
    _POSTGRESQL_OPTIONS.append((index, options))
    if "sqlalchemy.dialects.postgresql" in sys.modules:
        apply_postgresql_options()
    return index


def apply_postgresql_options() -> None:
    while _POSTGRESQL_OPTIONS:
        index, options = _POSTGRESQL_OPTIONS.pop()
        for name, value in options.items():
            index.dialect_kwargs[f"postgresql_{name}"] = value


@event.listens_for(Engine, "do_connect")
def _postgresql_options_on_connect(dialect: Dialect, *_args: Any) -> None:
    if dialect.name == "postgresql" and _POSTGRESQL_OPTIONS:
        apply_postgresql_options()


class Base(DeclarativeBase):
    # Every timestamp is timezone-aware (UTC); SQLite hands them back naive, see ``as_utc``.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: DateTime(timezone=True)},
    )


def utcnow() -> datetime:
    """Timezone-aware now (a callable default, evaluated per row)."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite returns stored timestamps without their zone; they are UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
