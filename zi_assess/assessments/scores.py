"""Every score of an assessment: each layer's own, and the effective LKE's (all from the domain engine)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.util import identity_key

from zi_assess.assessments.loading import AssessmentBundle
from zi_assess.domain import Criteria, ScoreSheet, Verdict, score, verdicts
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


def page_area_persen(criteria: Criteria, row: CurrentScore) -> dict[str, float]:
    """Per area page ("1"…"6", "H"), the stored nilai as a percentage of its bobot (the tabs' figures)."""
    bobot = {a.id: a.bobot for a in criteria.areas}
    hasil_bobot = next(c.bobot for c in criteria.components if c.id == "hasil")
    persen = {code: NodeScore(bobot[code], getattr(row, f"area_{code}")).persen for code in bobot}
    persen["H"] = NodeScore(hasil_bobot, row.hasil).persen
    return persen


def _row_values(sheet: ScoreSheet) -> dict[str, object]:
    result = verdicts(sheet)
    areas = sheet.areas
    return {
        "complete": sheet.complete,
        "answered": len(sheet.criteria.indicators) - len(sheet.missing),
        "total": sheet.total,
        "pengungkit": sheet.pengungkit,
        "pemenuhan": sheet.pemenuhan,
        "reform": sheet.reform,
        "hasil": sheet.hasil,
        **{f"area_{i}": areas[str(i)].nilai for i in range(1, 7)},
        "wbk_passed": result["WBK"].passed,
        "wbbm_passed": result["WBBM"].passed,
    }


@cache
def _upsert_statement(dialect: str) -> Any:
    """One statement writes every row, no read first (PostgreSQL and SQLite share the syntax)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(CurrentScore.__table__)
    return statement.on_conflict_do_update(
        index_elements=["assessment_id", "layer"],
        set_={column.name: statement.excluded[column.name] for column in CurrentScore.__table__.columns
              if column.name not in ("assessment_id", "layer")},
    )


def refresh_current_scores(bundle: AssessmentBundle, layers: list[Layer] | None = None) -> AssessmentScores:
    """Recompute and store the current score of the given layers (default all) and the effective LKE."""
    scores = compute_scores(bundle)
    assessment_id = bundle.assessment.id
    targets: list[tuple[str, ScoreSheet]] = [(EFFECTIVE, scores.effective)]
    for layer in layers if layers is not None else list(Layer):
        sheet = scores.layers.get(layer)
        if sheet is not None:
            targets.append((layer.value, sheet))
    rows = [{"assessment_id": assessment_id, "layer": key, **_row_values(sheet), "updated_at": utcnow()}
            for key, sheet in targets]
    db.session.execute(_upsert_statement(db.session.get_bind().dialect.name), rows)
    for key, _sheet in targets:  # a row this session already holds would now show old figures
        held = db.session.identity_map.get(identity_key(CurrentScore, (assessment_id, key)))
        if held is not None:
            db.session.expire(held)
    return scores
