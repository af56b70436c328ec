"""Declarative base and shared column helpers."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, registry

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: a JSON document queried by key in SQL: JSONB on PostgreSQL (binary, a key is a lookup), JSON elsewhere
JSON_DOCUMENT = JSON().with_variant(JSONB(), "postgresql")


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
