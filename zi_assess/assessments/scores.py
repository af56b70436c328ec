"""Every score of an assessment: each layer's own, and the effective LKE's (all from the domain engine)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy.orm.util import identity_key

from zi_assess.assessments.loading import AssessmentBundle
from zi_assess.domain import Criteria, ScoreSheet, Verdict, score, verdicts
from zi_assess.domain.criteria import HASIL_PAGE
from zi_assess.domain.scoring import NodeScore
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.models import CurrentScore
from zi_assess.models.base import utcnow

EFFECTIVE = "effective"


def area_rule() -> str | None:
    """The configured per-area reading (None: the criteria's default)."""
    return current_app.config.get("AREA_RULE") or None


@dataclass(frozen=True)
class AssessmentScores:
    layers: dict[Layer, ScoreSheet]
    effective: ScoreSheet

    @property
    def verdicts(self) -> dict[str, Verdict]:
        return verdicts(self.effective)

    def layer(self, layer: Layer) -> ScoreSheet | None:
        return self.layers.get(layer)


def effective_sheet(bundle: AssessmentBundle) -> ScoreSheet:
    """The effective LKE's score alone (dashboards need no per-layer detail)."""
    return score(bundle.criteria, bundle.effective_values(), area_rule=area_rule())


def compute_scores(bundle: AssessmentBundle) -> AssessmentScores:
    rule = area_rule()
    layers = {
        layer: score(bundle.criteria, bundle.layer_values(layer), area_rule=rule) for layer in bundle.answered_layers()
    }
    return AssessmentScores(layers, score(bundle.criteria, bundle.effective_values(), area_rule=rule))


def page_node(criteria: Criteria, page: str) -> str:
    """The node whose nilai sums up one page: the area itself, or the hasil component."""
    return "hasil" if page == HASIL_PAGE else page


def page_nilai(criteria: Criteria, nodes: Mapping[str, float], page: str) -> float | None:
    """A page's stored nilai (None when the stored figures do not have it)."""
    return nodes.get(page_node(criteria, page))


def page_persen(criteria: Criteria, nodes: Mapping[str, float]) -> dict[str, float | None]:
    """Per page (Criteria.page_ids), stored nilai as a percentage of its bobot (the tabs' figures)."""
    out: dict[str, float | None] = {}
    for page in criteria.page_ids:
        node = page_node(criteria, page)
        bobot = criteria.component(node).bobot if page == HASIL_PAGE else criteria.area(page).bobot
        nilai = nodes.get(node)
        out[page] = None if nilai is None else NodeScore(bobot, nilai).persen
    return out


def current_score_values(sheet: ScoreSheet) -> dict[str, Any]:
    """A ScoreSheet as a CurrentScore row stores it (without its key): total, completeness, the
    nilai of the criteria's summary nodes and whether each predicate's score rules are met."""
    criteria = sheet.criteria
    nilai = sheet.upper_nilai
    return {
        "complete": sheet.complete,
        "answered": len(criteria.indicators) - len(sheet.missing),
        "total": sheet.total,
        "nodes": {node_id: nilai[node_id] for node_id in criteria.summary_node_ids},
        "verdicts": {code: verdict.passed for code, verdict in verdicts(sheet).items()},
    }


@cache
def _upsert_statement(dialect: str) -> Any:
    """One statement writes every row, no read first (PostgreSQL and SQLite share the syntax). The
    dialect's module is imported here: a process on SQLite never imports PostgreSQL's (report processes)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(CurrentScore.__table__)
    return statement.on_conflict_do_update(
        index_elements=["assessment_id", "layer"],
        set_={column.name: statement.excluded[column.name] for column in CurrentScore.__table__.columns
              if column.name not in ("assessment_id", "layer")},
    )


def refresh_current_scores(bundle: AssessmentBundle, layers: list[Layer] | None = None) -> None:
    """Recompute and store the current score of the given layers (default all) and the effective LKE.

    Only those sheets are computed: a save re-scores its own layer and the effective LKE, not
    every layer of the assessment."""
    rule = area_rule()
    assessment_id = bundle.assessment.id
    targets: list[tuple[str, ScoreSheet]] = [
        (EFFECTIVE, score(bundle.criteria, bundle.effective_values(), area_rule=rule))]
    answered = set(bundle.answered_layers())
    for layer in layers if layers is not None else list(Layer):
        if layer in answered:
            targets.append((layer.value, score(bundle.criteria, bundle.layer_values(layer), area_rule=rule)))
    rows = [{"assessment_id": assessment_id, "layer": key, **current_score_values(sheet), "updated_at": utcnow()}
            for key, sheet in targets]
    db.session.execute(_upsert_statement(db.session.get_bind().dialect.name), rows)
    for key, _sheet in targets:  # a row this session already holds would now show old figures
        held = db.session.identity_map.get(identity_key(CurrentScore, (assessment_id, key)))
        if held is not None:
            db.session.expire(held)
