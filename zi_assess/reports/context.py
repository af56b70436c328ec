"""Assessment + scores → plain values for the report templates (never ORM objects).

Everything a template prints is a string formatted here for the report's language (Indonesian
numbers for ``id``: 95,63). Scores come from the domain engine only: a layer's own sheet from
:func:`compute_scores`, and "the LKE as it stood after layer X" from :func:`score` on the
answers merged up to X (the same rule as the effective LKE, decision D9).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from zi_assess import labels
from zi_assess.assessments.loading import AssessmentBundle
from zi_assess.assessments.scores import EFFECTIVE, area_rule
from zi_assess.clock import local_date
from zi_assess.domain import Criteria, Indicator, ScoreSheet, score
from zi_assess.domain.criteria import Area
from zi_assess.domain.display import format_minimum, format_num, format_number, format_pct
from zi_assess.domain.verdict import RuleCheck
from zi_assess.domain.workflow import EDITABLE_LAYER, LAYERS, TRANSITIONS, Layer, Status
from zi_assess.extensions import db
from zi_assess.messages import STATUS_NAMES, layer_label
from zi_assess.models import Answer, ReviewComment, StatusChange, User

#: bump when the report templates change what a stored report would show
TEMPLATE_VERSION = "2026.1"


def status_label(status: str) -> str:
    return str(STATUS_NAMES.get(status, status))


class Fmt:
    """Numbers as the report's reader writes them."""

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def num(self, value: float | None, places: int = 2) -> str:
        return format_num(value, self.locale, places)

    def pct(self, value: float | None, places: int = 2) -> str:
        return format_pct(value, self.locale, places)

    def signed(self, value: float | None) -> str:
        """A change with its sign: "+1,25", "−0,50", "0,00"; "–" when there is none."""
        if value is None:
            return "–"
        if abs(value) < 0.005:
            return self.num(0.0)
        return ("+" if value > 0 else "−") + self.num(abs(value))

    def minimum(self, value: float | None) -> str:
        return format_num(value, self.locale) if value is None else format_minimum(value, self.locale)

    def count(self, value: Any) -> str:
        if isinstance(value, bool) or value is None:
            return "–" if value is None else (_("Ya") if value else _("Tidak"))
        if isinstance(value, int):
            return format_number(value, self.locale, 0)
        if isinstance(value, float):
            return format_number(value, self.locale, 0 if value.is_integer() else 2)
        return str(value)


# -- loading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    id: int
    transition: str
    to_status: str
    actor: str
    note: str
    at: datetime


@dataclass(frozen=True)
class Comment:
    indicator_id: str
    layer: str
    author: str
    body: str
    needs_fix: bool
    resolved: bool


@dataclass
class ReportData:
    """One assessment with everything a report reads, loaded in a fixed number of queries."""

    bundle: AssessmentBundle
    changes: list[Change]
    comments: list[Comment] = field(default_factory=list)
    author_names: dict[int, str] = field(default_factory=dict)

    @property
    def criteria(self) -> Criteria:
        return self.bundle.criteria


def load_changes(assessment_id: int) -> list[Change]:
    rows = db.session.execute(
        select(StatusChange.id, StatusChange.transition, StatusChange.to_status, User.name, StatusChange.note,
               StatusChange.at)
        .join(User, User.id == StatusChange.actor_id)
        .where(StatusChange.assessment_id == assessment_id).order_by(StatusChange.id)
    ).all()
    return [Change(r[0], r[1], str(getattr(r[2], "value", r[2])), r[3], r[4] or "", r[5]) for r in rows]


def load_report_data(bundle: AssessmentBundle, changes: list[Change] | None = None) -> ReportData:
    """Status history, review comments and the names of answer authors (three queries)."""
    assessment_id = bundle.assessment.id
    if changes is None:
        changes = load_changes(assessment_id)
    comments = [
        Comment(r[0], str(getattr(r[1], "value", r[1])), r[2], r[3], bool(r[4]), r[5] is not None)
        for r in db.session.execute(
            select(ReviewComment.indicator_id, ReviewComment.layer, User.name, ReviewComment.body,
                   ReviewComment.needs_fix, ReviewComment.resolved_at)
            .join(User, User.id == ReviewComment.author_id)
            .where(ReviewComment.assessment_id == assessment_id).order_by(ReviewComment.id)
        ).all()
    ]
    author_ids = {a.author_id for answers in bundle.answers.values() for a in answers.values() if a.author_id}
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(author_ids))).all()) \
        if author_ids else {}
    return ReportData(bundle, changes, comments, names)


# -- layers, locks and scores --------------------------------------------------------------------


def lock_change_id(status: str, changes: Iterable[Change], layer_key: str) -> int | None:
    """The status change that locked what a report of ``layer_key`` shows, or None (a draft).

    A layer is final once the step that locks it was taken and it is not editable again (an
    LKE returned to the unit reopens the mandiri layer until it is resubmitted); the effective
    LKE is final once the assessment is decided.
    """
    changes = list(changes)
    if layer_key == EFFECTIVE:
        if status != Status.DECIDED.value:
            return None
        lockers = {"decide"}
    else:
        layer = Layer(layer_key)
        if EDITABLE_LAYER.get(Status(status)) == layer:
            return None
        lockers = {name for name, step in TRANSITIONS.items() if step.locks == layer}
    ids = [c.id for c in changes if c.transition in lockers]
    return max(ids) if ids else None


def layer_steps(layer: Layer) -> frozenset[str]:
    """Workflow steps taken by the people of one layer (opening, returning, concluding it)."""
    return frozenset(
        name for name, step in TRANSITIONS.items()
        if layer in (step.opens, step.locks) or any(EDITABLE_LAYER.get(s) == layer for s in step.sources)
    )


def origin(bundle: AssessmentBundle, layer: Layer, answer: Answer) -> tuple[Layer, Answer]:
    """Who really gave an answer: a pre-filled copy points back to the layer it was copied from."""
    for _step in LAYERS:
        source = answer.prefilled_from
        if source is None:
            break
        original = bundle.layer_answers(Layer(source)).get(answer.indicator_id)
        if original is None:
            break
        layer, answer = Layer(source), original
    return layer, answer


def sheet_of(criteria: Criteria, answers: dict[str, tuple[Layer, Answer]]) -> ScoreSheet:
    """Score answers with the domain engine (the configured area rule)."""
    return score(criteria, {ind: a.value for ind, (_layer, a) in answers.items()}, area_rule=area_rule())


def evaluators(data: ReportData, layer: Layer, until_change: int | None = None) -> list[str]:
    """Names of those who wrote the layer's answers or took its steps, in order of appearance."""
    names: list[str] = []
    for answer in data.bundle.layer_answers(layer).values():
        name = data.author_names.get(answer.author_id or 0)
        if name and answer.prefilled_from is None and name not in names:
            names.append(name)
    steps = layer_steps(layer)
    for change in data.changes:
        if change.transition in steps and (until_change is None or change.id <= until_change):
            if change.actor not in names:
                names.append(change.actor)
    return names


def area_name(area: Area) -> str:
    """An area's name in the report's language (the criteria carry both)."""
    return labels.area_name(area)


# -- verdicts --------------------------------------------------------------------------------


def rule_label(criteria: Criteria, check: RuleCheck) -> str:
    """A threshold rule as a reader names it: "Area 3 Penataan …", "Hasil H1 …", "H1.a Nilai …"."""
    return labels.rule_label(criteria, check.rule)


# -- answers as printed (the answers themselves: zi_assess.answer_text) -------------------------


def best_text(indicator: Indicator, fmt: Fmt) -> str:
    if indicator.kind == "choice":
        return indicator.scale.keys[0]
    if indicator.kind == "survey":
        return fmt.num(indicator.scale.maximum)
    return "100 %"


def local_today() -> str:
    """Today's date in the configured time zone, written out in the report's language."""
    return format_date(local_date(), "long")


# -- header ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """What every page of a report says about itself (running header, cover, identity)."""

    kind: str
    kind_label: str
    title: str
    unit_name: str
    unit_code: str
    instansi_name: str
    year: str
    target: str
    status: str
    layer: str
    draft: bool
    generated: str
    criteria_id: str
    criteria_title: str
    locale: str
    page_label: str = ""
    of_label: str = ""


def assessment_header(data: ReportData, kind: str, layer_key: str, *, draft: bool, locale: str) -> Header:
    assessment = data.bundle.assessment
    unit = assessment.unit
    kinds = {"lhe": _("Laporan Hasil Evaluasi"), "lke": _("Lembar Kerja Evaluasi")}
    target = assessment.target_predicate
    return Header(
        kind=kind, kind_label=kinds[kind],
        title=f"{kinds[kind]} — {unit.name} ({assessment.year})",
        unit_name=unit.name, unit_code=unit.code, instansi_name=unit.instansi.name, year=str(assessment.year),
        target=labels.predicate_name(data.criteria, target),
        status=status_label(str(getattr(assessment.status, "value", assessment.status))),
        layer=layer_label(layer_key), draft=draft, generated=local_today(), criteria_id=data.criteria.id,
        criteria_title=labels.criteria_title(data.criteria), locale=locale, page_label=_("Halaman"), of_label=_("dari"),
    )
