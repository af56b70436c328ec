"""Finding an assessment the actor may see, and marking it (and its area pages) changed."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import null, select, update
from sqlalchemy.orm import joinedload

from zi_assess.assessments.loading import AssessmentBundle, load_bundle
from zi_assess.audit import Actor
from zi_assess.authz import authorize
from zi_assess.domain import Criteria
from zi_assess.extensions import db
from zi_assess.models import (
    AreaRevision,
    Assessment,
    Unit,
)


class NotFound(Exception):
    """The object does not exist (or, for this user, must look as if it did not)."""


def page_area(indicator_id: str, criteria: Criteria) -> str:
    """The page an indicator is shown on (its area's id, or "H" for hasil; see Criteria.page_ids)."""
    return criteria.page_of(indicator_id)


def bump_revision(assessment_id: int, areas: Iterable[str] | None = None) -> None:
    """Mark the assessment as changed — as a whole, and the area pages given (default: all) —
    so pages cached for an older revision are no longer used (see assessments.page_cache)."""
    db.session.execute(
        update(Assessment).where(Assessment.id == assessment_id).values(revision=Assessment.revision + 1)
        .execution_options(synchronize_session=False)
    )
    query = update(AreaRevision).where(AreaRevision.assessment_id == assessment_id)
    if areas is not None:
        query = query.where(AreaRevision.area.in_(sorted(set(areas))))
    db.session.execute(query.values(revision=AreaRevision.revision + 1).execution_options(synchronize_session=False))


def get_assessment(actor: Actor, assessment_id: int, action: str = "assessment.view") -> Assessment:
    """One assessment row (with unit and instansi), authorized — without its answers."""
    return get_area_assessment(actor, assessment_id, None, action)[0]


def get_area_assessment(actor: Actor, assessment_id: int, area: str | None,
                        action: str = "assessment.view") -> tuple[Assessment, int | None]:
    """:func:`get_assessment` and, in the same query, the revision of one of its area pages
    (None without one: assessments older than area revisions)."""
    revision = select(AreaRevision.revision).where(
        AreaRevision.assessment_id == Assessment.id, AreaRevision.area == area).scalar_subquery()
    row = db.session.execute(
        select(Assessment, revision if area is not None else null())
        .options(joinedload(Assessment.unit).joinedload(Unit.instansi))
        .where(Assessment.id == assessment_id)
    ).one_or_none()
    if row is None:
        raise NotFound(assessment_id)
    authorize(actor.user, action, row[0])
    return row[0], row[1]


def get_bundle(actor: Actor, assessment_id: int, action: str = "assessment.view") -> AssessmentBundle:
    """Load an assessment the actor may act on; unknown and hidden ones are both NotFound."""
    bundle = load_bundle(assessment_id)
    if bundle is None:
        raise NotFound(assessment_id)
    authorize(actor.user, action, bundle.assessment)
    return bundle
