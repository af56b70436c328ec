"""Load an assessment with every layer's answers in a bounded number of queries."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from zi_assess.domain import Criteria, load_criteria
from zi_assess.domain.loader import CriteriaChanged, criteria_hash
from zi_assess.domain.workflow import LAYERS, Layer
from zi_assess.extensions import db
from zi_assess.models import Answer, Assessment, Evidence, Unit

log = logging.getLogger(__name__)


class AnswerRow(NamedTuple):
    """An answer as read for display and scoring (plain values: reading 450 of them as ORM
    objects costs several milliseconds per page; writes load ORM rows themselves)."""

    id: int
    indicator_id: str
    layer: Layer
    value: Any
    note: str
    prefilled_from: Layer | None
    author_id: int | None
    version: int
    updated_at: Any
    #: copied from last year's assessment (its id) and not yet confirmed by the unit
    carried_from_id: int | None = None


ANSWER_COLUMNS = (Answer.id, Answer.indicator_id, Answer.layer, Answer.value, Answer.note, Answer.prefilled_from,
                  Answer.author_id, Answer.version, Answer.updated_at, Answer.carried_from_id)


@dataclass
class AssessmentBundle:
    """An assessment, its unit and instansi, and every answer by layer and indicator."""

    assessment: Assessment
    answers: dict[Layer, dict[str, AnswerRow]] = field(default_factory=dict)

    @cached_property
    def criteria(self) -> Criteria:
        return checked_criteria(self.assessment)

    def layer_answers(self, layer: Layer) -> dict[str, AnswerRow]:
        return self.answers.get(layer, {})

    def layer_values(self, layer: Layer) -> dict[str, Any]:
        """One layer's own answers, as scoring input (unanswered left out)."""
        return {ind: a.value for ind, a in self.layer_answers(layer).items() if a.value is not None}

    @cached_property
    def effective(self) -> dict[str, tuple[Layer, AnswerRow]]:
        """Per indicator, the answer of the latest layer that answered it (decision D9)."""
        return self._merge(LAYERS)

    def merged(self, upto: Layer | None) -> dict[str, tuple[Layer, AnswerRow]]:
        """The effective answers as they stood after layer ``upto`` (None: after every layer)."""
        return self.effective if upto is None else self._merge(LAYERS[: LAYERS.index(upto) + 1])

    def _merge(self, layers: Sequence[Layer]) -> dict[str, tuple[Layer, AnswerRow]]:
        out: dict[str, tuple[Layer, AnswerRow]] = {}
        for layer in layers:
            for ind, answer in self.layer_answers(layer).items():
                if answer.value is not None:
                    out[ind] = (layer, answer)
        return out

    def effective_values(self) -> dict[str, Any]:
        return {ind: answer.value for ind, (_layer, answer) in self.effective.items()}

    def unconfirmed_carried(self) -> list[str]:
        """Indicators whose unit answer was copied from last year's and is not confirmed yet."""
        return [ind for ind, a in self.layer_answers(Layer.MANDIRI).items() if a.carried_from_id is not None]

    def answered_layers(self) -> list[Layer]:
        return [layer for layer in LAYERS if self.layer_values(layer)]


def checked_criteria(assessment: Assessment) -> Criteria:
    """The assessment's criteria version, refused (:class:`CriteriaChanged`) when its files differ
    from those the assessment recorded: scores are never silently recomputed with other weights."""
    criteria = load_criteria(assessment.criteria_id)
    recorded = assessment.criteria_hash
    if recorded is not None:
        current = criteria_hash(assessment.criteria_id)
        if current != recorded:
            exc = CriteriaChanged(assessment.criteria_id, recorded, current)
            log.error("assessment %s refused: %s", assessment.id, exc)
            raise exc
    return criteria


def load_bundle(assessment_id: int, assessment: Assessment | None = None) -> AssessmentBundle | None:
    """Two queries: the assessment with its unit and instansi, then all of its answers.

    ``assessment``: the row as this request already loaded it (then only the answers are read).
    """
    if assessment is None or assessment.id != assessment_id:
        assessment = db.session.execute(
            select(Assessment)
            .options(joinedload(Assessment.unit).joinedload(Unit.instansi))
            .where(Assessment.id == assessment_id)
        ).scalar_one_or_none()
    if assessment is None:
        return None
    rows = db.session.execute(select(*ANSWER_COLUMNS).where(Answer.assessment_id == assessment_id))
    grouped: dict[Layer, dict[str, AnswerRow]] = {}
    for row in rows:
        answer = AnswerRow(*row)
        grouped.setdefault(answer.layer, {})[answer.indicator_id] = answer
    return AssessmentBundle(assessment, grouped)


def assessment_evidence(assessment_id: int) -> list[Evidence]:
    """Every live evidence record of an assessment, with links (one query plus the links).

    A read, so it lives with the other loaders: the assessment pages list evidence without
    depending on the evidence package (which writes evidence and depends on assessments)."""
    return list(db.session.scalars(
        select(Evidence).where(Evidence.assessment_id == assessment_id, Evidence.removed_at.is_(None))
        .order_by(Evidence.id)
    ))
