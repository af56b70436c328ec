"""The only code of maintenance that writes to the database."""

from __future__ import annotations

from sqlalchemy import delete

from zi_assess.extensions import db
from zi_assess.models import ExportItem, ExportJob


def purge_export_job(job_id: str) -> None:
    """Remove a finished export's rows (its files are removed from the store by the caller)."""
    db.session.execute(delete(ExportItem).where(ExportItem.job_id == job_id).execution_options(
        synchronize_session=False))
    db.session.execute(delete(ExportJob).where(ExportJob.id == job_id).execution_options(synchronize_session=False))
