"""Granting a predicate: the one place it happens (a TPN decision, a granted sanggah).

The unit's current predicate is set and a :class:`~zi_assess.models.PredicateRecord` opened; the
predicate history, monitoring and revocation build on it (:mod:`zi_assess.predicates`).
"""

from __future__ import annotations

from datetime import date

from zi_assess.audit import Actor, record
from zi_assess.clock import local_date
from zi_assess.extensions import db
from zi_assess.models import Assessment, PredicateRecord


def grant(actor: Actor, assessment: Assessment, today: date | None = None) -> PredicateRecord:
    """The unit now holds the assessment's target predicate."""
    today = today or local_date()
    unit = assessment.unit
    unit.current_predicate = assessment.target_predicate
    unit.predicate_granted_on = today
    held = PredicateRecord(unit_id=unit.id, predicate=assessment.target_predicate, granted_on=today,
                           assessment_id=assessment.id)
    db.session.add(held)
    db.session.flush()
    record(actor, "predicate.grant", assessment_id=assessment.id,
           after={"unit": unit.code, "predicate": held.predicate, "granted_on": today.isoformat()})
    return held
