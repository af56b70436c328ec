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


def shortfall(actual: float, required: float) -> float:
    """The exact minimum ``required`` − ``actual`` as rounded for display (decision D6), as a float.

    Batch scoring asks this for every failing rule of thousands of LKEs, so it works in integer
    thousandths and falls back to Decimal wherever rounding needs the decimal value (a value
    within a millionth of a hundredth of a half-hundredth, or a minimum with more than three
    decimals). Both give the float nearest the exact decimal difference.
    """
    hundredths = actual * 100.0 + 0.5
    floor_value = math.floor(hundredths)
    required_k = required * 1000.0
    fraction = hundredths - floor_value
    if fraction < 1e-6 or fraction > 1 - 1e-6 or abs(required_k - round(required_k)) > 1e-6:
        return float(normalize(required) - round_half_up(actual))
    return (round(required_k) - floor_value * 10) / 1000


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
    reaches the exact minimum ``required`` (decision D8)."""
    # Far from the boundary the float comparison decides; near it, the decimal rounding.
    if actual >= required + 0.01:
        return True
    if actual < required - 0.01:
        return False
    return round_half_up(actual) >= normalize(required)


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
        for area in criteria.areas:
            if area_rule == "area_total":
                out.append((f"area:{area.id}", area.id, area_minimum(area.bobot, rules.area_percent)))
            else:
                out.extend(
                    (f"area:{aa.id}", aa.id, area_minimum(aa.bobot, rules.area_percent)) for aa in area.aspect_areas
                )
        out.extend((node_id, node_id, required) for node_id, required in minimums.items())
        cache[key] = tuple(out)
    return cache[key]


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
    without a RuleCheck per rule (batch scoring asks this for thousands of LKEs)."""
    nilai = sheet.upper_nilai
    criteria = sheet.criteria
    out: dict[str, dict[str, Any]] = {}
    for predicate in criteria.predicates:
        failures = []
        for rule, node_id, required in rule_list(criteria, predicate, sheet.area_rule):
            actual = nilai[node_id]
            if meets(actual, required):
                continue
            failures.append({"rule": rule, "actual": actual, "required": required,
                             "shortfall": shortfall(actual, required)})
        out[predicate] = {"passed": not failures, "failures": failures}
    return out
