"""Check a :class:`ScoreSheet` against the WBK / WBBM thresholds (decision D8).

Every value is rounded as it is displayed — normalised to 15 significant digits, then half-up to
two decimals (:func:`~zi_assess.domain.display.round_half_up`) — and that rounded value is
compared with ``≥`` against the exact minimum (74.995 shows as 75,00 and passes; 74.994 fails;
a minimum with three decimals such as 5.625 = 75 % of 7.5 is met by 5,63, so by any value from
exactly 5.625 up). The shortfall is the exact minimum minus the rounded value (5.62 against 5.625:
0.005). A verdict lists every rule with its actual value, the required value and, when it
fails, the shortfall, so a unit knows exactly what to fix.

Area rules: ``area_total`` checks each area pengungkit (pemenuhan + reform) against the
percentage of its bobot; ``per_aspect`` checks the pemenuhan and reform halves separately.
Prerequisites (Tabel 5, and WBBM's "already Menuju WBK") are reported apart from score rules.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from zi_assess.domain.criteria import AREA_RULES, Criteria
from zi_assess.domain.display import normalize, round_half_up
from zi_assess.domain.scoring import ScoreSheet

if TYPE_CHECKING:  # prerequisites are loaded only by callers that check them
    from zi_assess.domain.prerequisites import PrerequisiteCheck, PrerequisiteResult


class RuleCheck(NamedTuple):
    """One threshold rule: ``rule`` is ``total``, ``pengungkit``, ``area:3``, ``area:P3``, ``H1.a`` …"""

    rule: str
    node: str
    actual: float
    required: float
    passed: bool

    @property
    def shortfall(self) -> float:
        """How much the value (rounded as compared) is below the minimum; 0 when passed."""
        if self.passed:
            return 0.0
        return shortfall(self.actual, self.required)


def rounded_hundredths(value: float) -> int:
    """``value`` as displayed and compared (decision D6), in whole hundredths: ``4.194999999999999``
    (exactly 4.195 on paper) → 420, ``74.994`` → 7499.

    The same result as :func:`~zi_assess.domain.display.round_half_up`; batch scoring asks it for
    every rule of thousands of LKEs, so it reads the float directly wherever the rounding is not
    in doubt (more than a millionth of a hundredth away from a half-hundredth) and takes the
    15-digit decimal only near one.
    """
    if -1e6 < value < 1e6:
        shifted = value * 100.0 + 0.5
        floor_value = math.floor(shifted)
        if 1e-6 < shifted - floor_value < 1 - 1e-6:
            return floor_value
    return int(round_half_up(value).scaleb(2))


@lru_cache(maxsize=1024)
def _thousandths(required: float) -> int | None:
    """A minimum in whole thousandths (5.625 → 5625), or None when it has more decimals."""
    scaled = normalize(required).scaleb(3)
    return int(scaled) if scaled == scaled.to_integral_value() else None


def _gap(shown: int, required: float, required_k: int | None) -> float:
    """The exact minimum minus a value shown as ``shown`` hundredths: > 0 is the shortfall of a
    failing rule, ≤ 0 a rule met (decision D8). The float nearest the exact decimal difference.
    ``required_k`` is ``_thousandths(required)``."""
    if required_k is None:
        return float(normalize(required) - Decimal(shown).scaleb(-2))
    return (required_k - shown * 10) / 1000


def shortfall(actual: float, required: float) -> float:
    """The exact minimum ``required`` − ``actual`` as rounded for display (5.625 − 5,62 = 0.005)."""
    return _gap(rounded_hundredths(actual), required, _thousandths(required))


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of one predicate."""

    predicate: str
    name: str
    area_rule: str
    checks: tuple[RuleCheck, ...]
    complete: bool
    prerequisites: PrerequisiteResult | None = None

    @property
    def passed(self) -> bool:
        """Every score rule is met."""
        return all(c.passed for c in self.checks)

    @property
    def failures(self) -> tuple[RuleCheck, ...]:
        """The score rules that are not met, in rule order."""
        return tuple(c for c in self.checks if not c.passed)

    @property
    def prerequisite_failures(self) -> tuple[PrerequisiteCheck, ...]:
        """Prerequisites not met (empty when none were given)."""
        return self.prerequisites.failures if self.prerequisites else ()

    @property
    def eligible(self) -> bool:
        """Scores pass and every prerequisite is met, recorded, or waived (afirmasi)."""
        return self.passed and (self.prerequisites is None or self.prerequisites.passed)


@lru_cache(maxsize=256)
def area_minimum(bobot: float, percent: float) -> float:
    """The minimum nilai of an area: ``percent`` of its bobot, computed in decimal (7.5 × 75 % = 5.625)."""
    return float(Decimal(repr(bobot)) * Decimal(repr(percent)) / 100)


def meets(actual: float, required: float) -> bool:
    """Whether ``actual``, rounded as displayed (15 significant digits, then half-up to 2 decimals),
    reaches the exact minimum ``required`` (decision D8): 4.195 meets 4.20, 5.625 meets 5.625."""
    return _gap(rounded_hundredths(actual), required, _thousandths(required)) <= 0


def rule_list(criteria: Criteria, predicate: str, area_rule: str) -> tuple[tuple[str, str, float], ...]:
    """The (rule, node id, minimum nilai) of one predicate, in report order; cached per criteria."""
    cache: dict[tuple[str, str], tuple[tuple[str, str, float], ...]] = criteria.__dict__.setdefault(
        "_rule_lists", {}
    )
    key = (predicate, area_rule)
    if key not in cache:
        if area_rule not in AREA_RULES:
            raise ValueError(f"unknown area rule {area_rule!r} (expected {', '.join(AREA_RULES)})")
        rules = criteria.predicates[predicate]
        minimums = dict(rules.minimums)
        out: list[tuple[str, str, float]] = [
            (node_id, node_id, minimums.pop(node_id)) for node_id in ("total", "pengungkit") if node_id in minimums
        ]
        for area in criteria.areas if rules.area_percent else ():  # 0: the predicate has no area rule
            if area_rule == "area_total":
                out.append((f"area:{area.id}", area.id, area_minimum(area.bobot, rules.area_percent)))
            else:
                out.extend(
                    (f"area:{aa.id}", aa.id, area_minimum(aa.bobot, rules.area_percent)) for aa in area.aspect_areas
                )
        out.extend((node_id, node_id, required) for node_id, required in minimums.items())
        cache[key] = tuple(out)
    return cache[key]


def _summary_plan(
    criteria: Criteria, area_rule: str
) -> tuple[tuple[str, ...], tuple[tuple[str, tuple[tuple[str, str, int, float, int | None], ...]], ...]]:
    """For :func:`verdict_summaries`: every node a rule reads, and per predicate its rules as
    (rule, node id, index of the node, minimum, minimum in thousandths); cached per criteria."""
    cache: dict[str, Any] = criteria.__dict__.setdefault("_summary_plans", {})
    if area_rule not in cache:
        rules = {predicate: rule_list(criteria, predicate, area_rule) for predicate in criteria.predicates}
        nodes = tuple(dict.fromkeys(node_id for table in rules.values() for _rule, node_id, _required in table))
        cache[area_rule] = (nodes, tuple(
            (predicate, tuple((rule, node_id, nodes.index(node_id), required, _thousandths(required))
                              for rule, node_id, required in table))
            for predicate, table in rules.items()
        ))
    return cache[area_rule]  # type: ignore[no-any-return]


def check_rules(
    criteria: Criteria, nilai: Mapping[str, float], predicate: str, area_rule: str
) -> tuple[RuleCheck, ...]:
    """Check node values (nilai by node id) against one predicate's rules."""
    return tuple(
        [
            RuleCheck(rule, node_id, nilai[node_id], required, meets(nilai[node_id], required))
            for rule, node_id, required in rule_list(criteria, predicate, area_rule)
        ]
    )


def verdict(
    sheet: ScoreSheet,
    predicate: str,
    *,
    area_rule: str | None = None,
    prerequisites: PrerequisiteResult | None = None,
) -> Verdict:
    """Check one predicate (``WBK`` or ``WBBM``) and list every rule with its outcome."""
    rule_kind = area_rule or sheet.area_rule
    checks = check_rules(sheet.criteria, sheet.upper_nilai, predicate, rule_kind)
    name = sheet.criteria.predicates[predicate].name
    return Verdict(predicate, name, rule_kind, checks, sheet.complete, prerequisites)


def verdicts(
    sheet: ScoreSheet,
    *,
    area_rule: str | None = None,
    prerequisites: dict[str, PrerequisiteResult] | None = None,
) -> dict[str, Verdict]:
    """The verdict of every predicate of the criteria version, by predicate id."""
    return {
        pred: verdict(sheet, pred, area_rule=area_rule, prerequisites=(prerequisites or {}).get(pred))
        for pred in sheet.criteria.predicates
    }


def verdict_summaries(sheet: ScoreSheet) -> dict[str, dict[str, Any]]:
    """Every predicate as the scoring contract writes it: ``passed`` and each failing rule with
    ``rule``, ``actual``, ``required`` and ``shortfall`` — the same outcome as :func:`verdicts`,
    without a RuleCheck per rule and rounding each node once (batch scoring asks this for
    thousands of LKEs)."""
    nilai = sheet.upper_nilai
    nodes, tables = _summary_plan(sheet.criteria, sheet.area_rule)
    shown = [rounded_hundredths(nilai[node_id]) for node_id in nodes]
    out: dict[str, dict[str, Any]] = {}
    for predicate, rules in tables:
        failures = [
            {"rule": rule, "actual": nilai[node_id], "required": required, "shortfall": gap}
            for rule, node_id, index, required, required_k in rules
            if (gap := _gap(shown[index], required, required_k)) > 0
        ]
        out[predicate] = {"passed": not failures, "failures": failures}
    return out
