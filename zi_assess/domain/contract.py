"""The scoring contract: the JSON shape other systems send and receive (keep it stable).

Input::

    {"id": "optional, echoed back", "criteria": "permenpanrb-90-2021 (optional)", "answers": {...}}

Output: :func:`result_to_dict` — unrounded numbers, every node unless ``summary``; ``pemenuhan`` and
``reform`` are null for a criteria version without aspects (PermenPANRB 52/2014).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from zi_assess.domain.criteria import AREA_RULES
from zi_assess.domain.jsondata import CriteriaError
from zi_assess.domain.loader import DEFAULT_CRITERIA_ID, load_criteria
from zi_assess.domain.scoring import AnswerError, NodeScore, ScoreSheet, score
from zi_assess.domain.verdict import Verdict, verdict_summaries, verdicts

REQUEST_KEYS = frozenset({"id", "criteria", "answers"})


class RequestError(ValueError):
    """A scoring request is malformed (not an answer problem)."""


class IncompleteError(ValueError):
    """Answers are missing and incomplete input was not allowed."""

    def __init__(self, missing: tuple[str, ...]) -> None:
        self.missing = missing
        shown = ", ".join(missing[:20]) + (", …" if len(missing) > 20 else "")
        super().__init__(
            f"incomplete LKE: {len(missing)} indicator(s) unanswered: {shown} (use --allow-incomplete to score anyway)"
        )


@dataclass(frozen=True)
class ScoreResult:
    """A scored request: the echoed id and the sheet; every predicate's verdict on demand."""

    request_id: Any
    sheet: ScoreSheet

    @cached_property
    def verdicts(self) -> dict[str, Verdict]:
        return verdicts(self.sheet)


def score_request(
    request: object,
    *,
    default_criteria: str | None = None,
    area_rule: str | None = None,
    allow_incomplete: bool = False,
) -> ScoreResult:
    """Validate one request object, score it and check every predicate."""
    if not isinstance(request, dict):
        raise RequestError(f"expected a JSON object, got {type(request).__name__}")
    unknown = set(request) - REQUEST_KEYS
    if unknown:
        raise RequestError(f"unknown key {sorted(unknown)[0]!r} (expected id, criteria, answers)")
    answers = request.get("answers")
    if not isinstance(answers, dict):
        raise RequestError("'answers' must be an object of indicator id → answer")
    criteria_id = request.get("criteria") or default_criteria or DEFAULT_CRITERIA_ID
    if not isinstance(criteria_id, str):
        raise RequestError("'criteria' must be a criteria version id")
    if area_rule is not None and area_rule not in AREA_RULES:
        raise RequestError(f"unknown area rule {area_rule!r} (expected {', '.join(AREA_RULES)})")
    try:
        criteria = load_criteria(criteria_id)
    except CriteriaError as exc:
        raise RequestError(str(exc)) from None
    sheet = score(criteria, answers, area_rule=area_rule)
    if not sheet.complete and not allow_incomplete:
        raise IncompleteError(sheet.missing)
    return ScoreResult(request.get("id"), sheet)


def _node(node: NodeScore) -> dict[str, float]:
    return {"bobot": node.bobot, "nilai": node.nilai, "persen": node.persen}


def verdict_to_dict(verdict: Verdict) -> dict[str, Any]:
    """``{"passed": …, "failures": [{"rule", "actual", "required", "shortfall"}]}``."""
    return {
        "passed": verdict.passed,
        "failures": [
            {"rule": c.rule, "actual": c.actual, "required": c.required, "shortfall": c.shortfall}
            for c in verdict.failures
        ],
    }


def result_to_dict(result: ScoreResult, *, summary: bool = False) -> dict[str, Any]:
    """The contract's output object (numbers unrounded; ``summary`` omits ``nodes``)."""
    sheet = result.sheet
    out: dict[str, Any] = {
        "id": result.request_id,
        "criteria": sheet.criteria.id,
        "complete": sheet.complete,
        "missing": list(sheet.missing),
        "warnings": [{"indicator": w.indicator, "code": w.code, "message": w.message} for w in sheet.warnings],
        "total": sheet.total,
        "pengungkit": sheet.pengungkit,
        "pemenuhan": sheet.pemenuhan,
        "reform": sheet.reform,
        "hasil": sheet.hasil,
        "areas": {area_id: _node(node) for area_id, node in sheet.areas.items()},
    }
    if not summary:
        out["nodes"] = {node_id: _node(node) for node_id, node in sheet.nodes.items()}
    out["verdicts"] = verdict_summaries(sheet)  # what verdict_to_dict gives for each of result.verdicts
    return out


def describe_error(exc: Exception) -> str:
    """One line naming the indicator (when there is one) and the problem."""
    if isinstance(exc, AnswerError):
        return f"{exc.indicator}: {exc.problem}"
    return str(exc)
