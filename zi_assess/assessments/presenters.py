"""Plain view data for the assessment pages (templates never receive ORM objects).

Every number here comes from a ScoreSheet of the domain engine; this module only arranges it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import lazyload

from zi_assess.answer_text import answer_text
from zi_assess.assessments.loading import AssessmentBundle, assessment_evidence
from zi_assess.assessments.scores import AssessmentScores
from zi_assess.domain import Criteria, Indicator, ScoreSheet
from zi_assess.domain.criteria import HASIL_PAGE
from zi_assess.domain.workflow import LAYERS, Layer
from zi_assess.extensions import db
from zi_assess.labels import area_name, node_name
from zi_assess.messages import LAYER_NAMES
from zi_assess.models import ReviewComment, User


@dataclass
class NodeRow:
    id: str
    label: str
    level: str
    bobot: float
    nilai: float
    persen: float
    answered: int
    count: int
    area: str | None = None


@dataclass
class EvidenceItem:
    id: int
    title: str
    filename: str | None
    url: str | None
    layer: str


@dataclass
class LayerAnswer:
    layer: str
    label: str
    value: Any
    display: str
    note: str
    differs: bool


@dataclass
class CommentItem:
    author: str
    body: str
    needs_fix: bool
    resolved: bool
    layer: str
    at: Any


@dataclass
class IndicatorView:
    id: str
    key: str
    kind: str
    question: str
    explanation: str
    scale: str
    bobot: float
    options: list[tuple[str, str]]
    inputs: list[tuple[str, str]]
    formula: str
    hints: list[str]
    value: Any
    display: str
    note: str
    version: int | None
    prefilled_from: str | None
    #: copied from last year's assessment and not yet confirmed by the unit
    carried: bool
    #: value in [0, 1] and nilai in the layer shown, None when unanswered
    score_value: float | None
    nilai: float | None
    warnings: list[str]
    earlier: list[LayerAnswer] = field(default_factory=list)
    evidence: list[EvidenceItem] = field(default_factory=list)
    comments: list[CommentItem] = field(default_factory=list)
    #: what the unit changed since the last return ("answer", "note", "evidence"), shown to the reviewer
    changed: list[str] = field(default_factory=list)


def display_answer(indicator: Indicator, value: Any, locale: str = "id") -> str:
    """An answer as people write it: ``B``, ``3,60``, ``36 dari 40 → 90,00 %`` (see :mod:`zi_assess.answer_text`)."""
    return answer_text(indicator, value, locale)


def tree_rows(criteria: Criteria, sheet: ScoreSheet) -> list[NodeRow]:
    """Area → aspect-area (where the criteria have aspects) → sub-area rows, then hasil, with progress counts."""
    values = sheet.values
    nodes = sheet.nodes
    rows = []
    for area in criteria.areas:
        area_inds = criteria.area_indicators(area.id)
        node = nodes[area.id]
        rows.append(NodeRow(area.id, f"{area.id}. {area_name(area)}", "area", node.bobot, node.nilai, node.persen,
                            sum(1 for i in area_inds if i.id in values), len(area_inds), area.id))
        for aa in area.aspect_areas:
            if criteria.has_aspects:  # without aspects (52/2014) the area's one part is the area row
                aa_inds = [i for s in aa.sub_areas for i in s.indicators]
                node = nodes[aa.id]
                rows.append(NodeRow(aa.id, node_name(criteria, aa.aspect), "aspect_area", node.bobot, node.nilai,
                                    node.persen, sum(1 for i in aa_inds if i.id in values), len(aa_inds), area.id))
            for sub in aa.sub_areas:
                node = nodes[sub.id]
                rows.append(NodeRow(sub.id, f"{sub.numeral}. {sub.name}", "sub_area", node.bobot, node.nilai,
                                    node.persen, sum(1 for i in sub.indicators if i.id in values),
                                    len(sub.indicators), area.id))
    for group in criteria.hasil_groups:
        node = nodes[group.id]
        rows.append(NodeRow(group.id, group.name, "area", node.bobot, node.nilai, node.persen,
                            sum(1 for i in group.indicators if i.id in values), len(group.indicators), HASIL_PAGE))
    return rows


def area_indicators(criteria: Criteria, area: str) -> tuple[Indicator, ...]:
    """The indicators of one page of the criteria (an area pengungkit, or the hasil page)."""
    return criteria.page_indicators(area)


def indicator_views(
    bundle: AssessmentBundle, scores: AssessmentScores, area: str, layer: Layer | None, locale: str = "id",
    evidence_rows: list[Any] | None = None, comments: dict[str, list[CommentItem]] | None = None,
) -> list[IndicatorView]:
    """Everything one area page shows per indicator, for ``layer`` (None: the effective answers).
    ``evidence_rows``, ``comments``: the assessment's, when the caller already read them."""
    criteria = bundle.criteria
    sheet = scores.layer(layer) if layer is not None else scores.effective
    warnings = {}
    if sheet is not None:
        for warning in sheet.warnings:
            warnings.setdefault(warning.indicator, []).append(warning.code)
    evidence = _evidence_by_indicator(
        evidence_rows if evidence_rows is not None else assessment_evidence(bundle.assessment.id))
    if comments is None:
        comments = comments_by_indicator(bundle.assessment.id)
    views = []
    for ind in area_indicators(criteria, area):
        if layer is not None:
            answer = bundle.layer_answers(layer).get(ind.id)
        else:
            answer = bundle.effective.get(ind.id, (None, None))[1]
        value = answer.value if answer is not None else None
        earlier = _earlier_layers(bundle, ind, layer, value, locale)
        views.append(IndicatorView(
            id=ind.id, key=ind.id.replace(".", "_"), kind=ind.kind, question=ind.question,
            explanation=ind.explanation, scale=ind.scale.label, bobot=ind.bobot,
            options=[(o.key, o.text) for o in ind.options], inputs=[(i.key, i.label) for i in ind.inputs],
            formula=ind.formula.text if ind.formula else "", hints=list(ind.data_dukung),
            value=value, display=display_answer(ind, value, locale), note=answer.note if answer else "",
            version=answer.version if answer is not None else None,
            prefilled_from=answer.prefilled_from.value if answer is not None and answer.prefilled_from else None,
            carried=answer is not None and answer.carried_from_id is not None,
            score_value=sheet.values.get(ind.id) if sheet else None,
            nilai=sheet.indicator_nilai(ind.id) if sheet else None,
            warnings=warnings.get(ind.id, []), earlier=earlier,
            evidence=evidence.get(ind.id, []), comments=comments.get(ind.id, []),
        ))
    return views


def _earlier_layers(bundle: AssessmentBundle, ind: Indicator, layer: Layer | None, current: Any,
                    locale: str) -> list[LayerAnswer]:
    if layer is None:
        shown = [lay for lay in LAYERS if ind.id in bundle.layer_answers(lay)]
    else:
        shown = [lay for lay in LAYERS[: LAYERS.index(layer)] if ind.id in bundle.layer_answers(lay)]
    out = []
    for lay in shown:
        answer = bundle.layer_answers(lay)[ind.id]
        out.append(LayerAnswer(lay.value, str(LAYER_NAMES[lay.value]), answer.value,
                               display_answer(ind, answer.value, locale), answer.note,
                               differs=current is not None and answer.value != current))
    return out


def _evidence_by_indicator(rows: list[Any]) -> dict[str, list[EvidenceItem]]:
    out: dict[str, list[EvidenceItem]] = {}
    for ev in rows:
        item = EvidenceItem(ev.id, ev.title, ev.filename, ev.url, ev.layer.value)
        for link in ev.links:
            out.setdefault(link.indicator_id, []).append(item)
    return out


def comments_by_indicator(assessment_id: int) -> dict[str, list[CommentItem]]:
    """Every review comment of an assessment by indicator, oldest first (one query)."""
    rows = db.session.execute(
        select(ReviewComment, User.name).join(User, User.id == ReviewComment.author_id)
        .options(lazyload(ReviewComment.author))  # the name is joined above: no second join of the user
        .where(ReviewComment.assessment_id == assessment_id).order_by(ReviewComment.id)
    )
    out: dict[str, list[CommentItem]] = {}
    for comment, author in rows:
        out.setdefault(comment.indicator_id, []).append(CommentItem(
            author, comment.body, comment.needs_fix, comment.resolved_at is not None, comment.layer.value,
            comment.created_at))
    return out
