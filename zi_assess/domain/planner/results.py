"""What the gap planner returns: a :class:`Plan` that meets every rule, or :class:`Unreachable`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from zi_assess.domain.display import format_minimum, format_plain
from zi_assess.domain.scoring import ScoreSheet
from zi_assess.domain.verdict import Verdict


@dataclass(frozen=True, slots=True)
class Improvement:
    """One indicator the plan raises: from ``current`` to ``target`` through ``steps``."""

    indicator: str
    #: the answer now (for an unanswered indicator, its lowest answer, assumed)
    current: Any
    #: the answer the plan asks for: an option key, counts, or a survey score
    target: Any
    #: the steps crossed, lowest first: option keys ("B", "A"), levels ("75%", "100%"), scores ("3.60")
    steps: tuple[str, ...]
    cost: int
    #: nilai gained on the total (unrounded)
    gain: float
    #: nilai gained on each rule of the predicate the indicator counts toward ("area:3", "pengungkit",
    #: "total", "H1", "H1.b" …), in the predicate's rule order
    rule_gains: Mapping[str, float]
    #: the indicator is unanswered and ``current`` is assumed
    assumed: bool = False


@dataclass(frozen=True)
class Plan:
    """The cheapest improvements that make every score rule of ``predicate`` pass.

    Prerequisites (Tabel 5, WBBM's "already Menuju WBK") are not planned: they are not answers.
    """

    predicate: str
    area_rule: str
    #: in criteria order
    improvements: tuple[Improvement, ...]
    total_cost: int
    #: the answers after the plan (every indicator answered)
    answers: Mapping[str, Any]
    #: the engine's score and verdict of ``answers`` (the verdict passes)
    sheet: ScoreSheet
    verdict: Verdict
    #: the verdict of the answers planning started from
    current: Verdict
    #: unanswered indicators, planned from their lowest answer
    assumed: tuple[str, ...] = ()
    #: how often the engine refused a value the exact search accepted and the search reran
    #: (float drift the engine's rounding does not absorb; 0 in every case tested)
    refinements: int = 0
    reachable: Literal[True] = field(default=True, init=False)

    @property
    def changed(self) -> tuple[str, ...]:
        """The indicators the plan raises, in criteria order."""
        return tuple(i.indicator for i in self.improvements)


@dataclass(frozen=True, slots=True)
class Blocker:
    """An indicator under an unmet rule that is below its best and may not move."""

    indicator: str
    #: "external" (an external survey), "not_actionable" (left out by the caller)
    reason: str
    answer: Any
    unanswered: bool = False

    def describe(self, kind: str) -> str:
        """English, e.g. ``H1.a is an external survey and not actionable (score 3.20)``."""
        what = "an external survey and not actionable" if self.reason == "external" else "not actionable"
        if self.unanswered:
            now = "unanswered, counted as its lowest answer"
        elif kind == "survey":
            now = f"score {float(self.answer):.2f}"
        elif kind == "choice":
            now = f"answer {self.answer}"
        else:
            now = "counts " + ", ".join(f"{k} {v}" for k, v in self.answer.items())
        return f"{self.indicator} is {what} ({now})"


@dataclass(frozen=True, slots=True)
class UnmetRule:
    """A rule that fails even with every actionable indicator at its best."""

    rule: str
    node: str
    #: the node's nilai with every actionable indicator at its best (unrounded)
    best: float
    required: float
    blockers: tuple[Blocker, ...]
    #: English, e.g. "H1.a is an external survey and not actionable (score 3.20); 14.00 < 15.75"
    message: str


def unmet_message(blockers: list[str], best: float, required: float) -> str:
    """``"<why>; 14.00 < 15.75"``, the values as the verdict compares them."""
    why = "; ".join(blockers) if blockers else "even every indicator at its best falls short"
    return f"{why}; {format_plain(best)} < {format_minimum(required, 'en')}"


@dataclass(frozen=True)
class Unreachable:
    """No set of improvements meets every score rule of ``predicate``."""

    predicate: str
    area_rule: str
    #: every rule still failing with all actionable indicators at their best, in rule order
    unmet: tuple[UnmetRule, ...]
    #: the answers with every actionable indicator at its best, their score and verdict
    best_answers: Mapping[str, Any]
    sheet: ScoreSheet
    verdict: Verdict
    current: Verdict
    assumed: tuple[str, ...] = ()
    reachable: Literal[False] = field(default=False, init=False)


@dataclass(frozen=True)
class Projection:
    """The answers, score and verdict once some improvements are done."""

    answers: Mapping[str, Any]
    sheet: ScoreSheet
    verdict: Verdict
