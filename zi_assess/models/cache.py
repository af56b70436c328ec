"""The data revision the result cache keys on (see :mod:`zi_assess.result_cache`)."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from zi_assess.models.base import Base


class DataRevision(Base):
    """One row: bumped by every transaction that writes a table the cached results read.

    ``epoch`` is drawn when the row is made (by the migration, or again after the table was
    emptied), so a recreated database never matches keys cached for another one."""

    __tablename__ = "data_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    epoch: Mapped[str] = mapped_column(String(36))
