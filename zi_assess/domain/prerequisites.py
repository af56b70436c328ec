"""Proposal prerequisites (Tabel 5 of PermenPANRB 90/2021 as restated by 5/2024; decision D10).

The rules are data (``criteria/prasyarat/<id>.json``), versioned apart from the LKE because the
2024 amendment changed them without touching the LKE. Values are recorded per unit and year;
a value not recorded yet is reported as ``missing``, never as passed. Pemda units of the afirmasi
types (RSUD, Dukcapil, Samsat, PTSP, pendidikan, ketenagakerjaan) may be proposed while
prerequisites are unmet: their failures are marked ``waived``. Which instansi kinds are pemda and
which unit types are afirmasi is data too (``pemda_instansi_kinds``, ``afirmasi_unit_types``);
:meth:`PrerequisiteRules.is_afirmasi` is the one place that applies it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from zi_assess.domain.jsondata import CriteriaError, JsonNode
from zi_assess.domain.loader import CRITERIA_ROOT

Status = Literal["pass", "fail", "missing"]
DEFAULT_PREREQUISITES_ID = "permenpanrb-5-2024"


@dataclass(frozen=True, slots=True)
class PrerequisiteRule:
    """One row of Tabel 5."""

    id: str
    level: Literal["instansi", "unit"]
    label: str
    label_en: str
    #: "grade" (ordered list, best first), "number" (≥ minimum) or "yes" (must be true)
    kind: str
    grades: tuple[str, ...]
    minimum: dict[str, object]
    #: a different minimum for pemda instansi (Indeks RB)
    minimum_pemda: dict[str, object]


@dataclass(frozen=True)
class PrerequisiteRules:
    """A versioned prerequisite rule set."""

    id: str
    title: str
    rules: tuple[PrerequisiteRule, ...]
    #: instansi kinds that are local governments (their own Indeks RB minimum, and afirmasi)
    pemda_instansi_kinds: frozenset[str]
    afirmasi_unit_types: frozenset[str]

    def is_pemda(self, instansi_kind: str) -> bool:
        """Whether an instansi of this kind is a local government (pemerintah daerah)."""
        return instansi_kind in self.pemda_instansi_kinds

    def is_afirmasi(self, instansi_kind: str, unit_type: str) -> bool:
        """A pemda unit of an afirmasi type: may be proposed while its prerequisites are unmet."""
        return self.is_pemda(instansi_kind) and unit_type in self.afirmasi_unit_types


@dataclass(frozen=True, slots=True)
class PrerequisiteCheck:
    """Outcome of one prerequisite for one predicate."""

    rule: str
    label: str
    level: str
    actual: object
    required: object
    status: Status
    waived: bool = False


@dataclass(frozen=True)
class PrerequisiteResult:
    """All prerequisite outcomes of one unit for one predicate."""

    predicate: str
    checks: tuple[PrerequisiteCheck, ...]
    afirmasi: bool

    @property
    def failures(self) -> tuple[PrerequisiteCheck, ...]:
        """Rules failed or not yet recorded."""
        return tuple(c for c in self.checks if c.status != "pass")

    @property
    def passed(self) -> bool:
        """Every rule passes, or every failure is waived for an afirmasi unit."""
        return all(c.status == "pass" or c.waived for c in self.checks)


@lru_cache(maxsize=4)
def load_prerequisites(rules_id: str = DEFAULT_PREREQUISITES_ID) -> PrerequisiteRules:
    """Load ``criteria/prasyarat/<rules_id>.json``, validated strictly."""
    name = f"prasyarat/{rules_id}.json"
    path = CRITERIA_ROOT / name
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CriteriaError(name, "", "file not found") from None
    doc = JsonNode(data, name, "")
    grade_node = doc.obj("grades")
    assert grade_node is not None
    grades = {}
    for key in list(grade_node.data):
        grades[key] = tuple(str(g) for g, _ in grade_node.each(key))
    grade_node.done()
    rules = []
    for item, path_ in doc.each("rules"):
        node = JsonNode(item, name, path_)
        kind = node.text("kind")
        if kind not in ("grade", "number", "yes"):
            raise node.error("kind", "expected grade, number or yes")
        scale: tuple[str, ...] = ()
        if kind == "grade":
            scale_id = node.text("grades")
            if scale_id not in grades:
                raise node.error("grades", f"unknown grade list {scale_id!r}")
            scale = grades[scale_id]
        level = node.text("level")
        if level not in ("instansi", "unit"):
            raise node.error("level", "expected instansi or unit")
        minimum = dict(node.raw("minimum"))
        pemda_raw = node.raw("minimum_pemda", required=False)
        minimum_pemda = dict(pemda_raw) if pemda_raw else {}
        for value in list(minimum.values()) + list(minimum_pemda.values()):
            if kind == "grade" and value not in scale:
                raise node.error("minimum", f"{value!r} is not a grade of {scale}")
        rules.append(
            PrerequisiteRule(node.text("id"), level, node.text("label"), node.text("label_en"),  # type: ignore[arg-type]
                             kind, scale, minimum, minimum_pemda)
        )
        node.done()
    pemda = frozenset(str(t) for t, _ in doc.each("pemda_instansi_kinds"))
    afirmasi = frozenset(str(t) for t, _ in doc.each("afirmasi_unit_types"))
    result = PrerequisiteRules(doc.text("id"), doc.text("title"), tuple(rules), pemda, afirmasi)
    doc.done()
    return result


def _status(rule: PrerequisiteRule, actual: object, required: object) -> Status:
    if actual is None or actual == "":
        return "missing"
    if rule.kind == "yes":
        return "pass" if actual is True else "fail"
    if rule.kind == "number":
        if isinstance(actual, bool) or not isinstance(actual, (int, float)):
            return "missing"
        assert isinstance(required, (int, float))
        return "pass" if actual >= required else "fail"
    if actual not in rule.grades:
        return "missing"
    return "pass" if rule.grades.index(str(actual)) <= rule.grades.index(str(required)) else "fail"


def check_prerequisites(
    rules: PrerequisiteRules,
    predicate: str,
    values: Mapping[str, object],
    *,
    instansi_kind: str,
    unit_type: str = "",
    current_predicate: str | None = None,
    requires_predicate: str | None = None,
) -> PrerequisiteResult:
    """Check recorded values against the rules of one predicate.

    ``requires_predicate`` comes from the LKE thresholds (WBBM needs a current Menuju WBK);
    it is checked against ``current_predicate`` and reported like any prerequisite.
    """
    is_pemda = rules.is_pemda(instansi_kind)
    afirmasi = rules.is_afirmasi(instansi_kind, unit_type)
    checks = []
    for rule in rules.rules:
        table = rule.minimum_pemda if is_pemda and rule.minimum_pemda else rule.minimum
        if predicate not in table:
            continue
        required = table[predicate]
        actual = values.get(rule.id)
        status = _status(rule, actual, required)
        checks.append(
            PrerequisiteCheck(rule.id, rule.label, rule.level, actual, required, status,
                              waived=afirmasi and status != "pass")
        )
    if requires_predicate:
        held = current_predicate in (requires_predicate, predicate)
        checks.append(
            PrerequisiteCheck("predikat", f"Telah mendapatkan predikat Menuju {requires_predicate}", "unit",
                              current_predicate, requires_predicate, "pass" if held else "fail")
        )
    return PrerequisiteResult(predicate, tuple(checks), afirmasi)
