"""The criteria tree of one LKE version, as frozen dataclasses.

A criteria version is data (``criteria/<id>/``); :mod:`zi_assess.domain.loader` turns it into
these objects. Nothing here knows about files, the web or the database.

Tree (ids per decision D2)::

    component  pengungkit (60) ─ aspect P / R (30) ─ aspect-area P1…R6 ─ sub-area P1.i ─ indicator P1.i.a
               hasil (40)      ─ hasil group H1 / H2                                 ─ indicator H1.a
    area 1…6   = aspect-area P<n> + R<n> (the "area pengungkit" of the thresholds)

A version without aspects (PermenPANRB 52/2014 has no pemenuhan/reform split) has ``aspects == ()``;
its pengungkit component's parts are the areas, and each area holds exactly one aspect-area with
``aspect == ""`` and the area's own id — the area's sub-areas, not a node of its own
(:attr:`Criteria.has_aspects` tells callers whether there is an aspect level to show)::

    component  pengungkit (60) ─ area 1…6 ─ sub-area 1.i ─ indicator 1.i.a
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ScaleKind = Literal["choice", "percent", "survey"]
AREA_RULES: tuple[str, ...] = ("area_total", "per_aspect")
#: the LKE page holding every hasil indicator (the other pages are the areas pengungkit, by id)
HASIL_PAGE = "H"


@dataclass(frozen=True, slots=True)
class Scale:
    """An answer type: how an answer becomes a value in [0, 1] (decision D3)."""

    id: str
    label: str
    kind: ScaleKind
    #: choice scales: option key → value, in display order (best first)
    values: tuple[tuple[str, float], ...] = ()
    #: survey scales: the highest score (4 for IPAK/IPKP)
    maximum: float = 0.0
    #: survey scales: "%" when the number is a percentage entered directly (52/2014's TLHP row,
    #: 0–100), "" for a survey score
    unit: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        """Option keys in display order."""
        return tuple(key for key, _ in self.values)


@dataclass(frozen=True, slots=True)
class Option:
    """One answer option of a choice indicator, with its full text."""

    key: str
    text: str
    value: float


@dataclass(frozen=True, slots=True)
class CountInput:
    """One count ("Jumlah") entered for a percentage indicator (decision D4)."""

    key: str
    label: str
    soal_id: int | None


#: value used when the denominator is zero: a constant, or depending on the numerator
ZeroRule = float | tuple[float, float]


@dataclass(frozen=True, slots=True)
class PercentFormula:
    """value = (Σ numerator − Σ minus) ÷ Σ denominator, clamped to [0, 1]."""

    text: str
    numerator: tuple[str, ...]
    minus: tuple[str, ...]
    denominator: tuple[str, ...]
    #: a float, or (value if the numerator is zero, value otherwise)
    when_denominator_zero: ZeroRule

    @property
    def scored_keys(self) -> frozenset[str]:
        """Inputs that enter the formula (the others are recorded only)."""
        return frozenset(self.numerator + self.minus + self.denominator)


@dataclass(frozen=True, slots=True)
class Indicator:
    """One LKE row that takes an answer."""

    id: str
    letter: str
    question: str
    explanation: str
    scale: Scale
    #: the indicator's share of the total at value 1 (sub-area bobot ÷ number of indicators,
    #: or the explicit bobot of a hasil indicator)
    bobot: float
    #: id of the node whose nilai this indicator feeds (sub-area, or itself for hasil)
    parent: str
    #: id of its area pengungkit ("1"…"6" in PermenPANRB 90/2021), None for hasil
    area: str | None
    options: tuple[Option, ...] = ()
    inputs: tuple[CountInput, ...] = ()
    formula: PercentFormula | None = None
    soal_id: int | None = None
    data_dukung: tuple[str, ...] = ()
    #: an external survey (IPAK, IPKP): its value comes from outside the unit, so the gap
    #: planner does not move it unless told to
    external: bool = False
    #: a transcription note (e.g. a passage of a scanned regulation that could not be read for sure)
    note: str = ""

    @property
    def kind(self) -> ScaleKind:
        """The scale's kind: choice, percent or survey."""
        return self.scale.kind

    @property
    def soal_ids(self) -> tuple[int, ...]:
        """Every PortalRB soal id of this indicator (its own, or its count inputs')."""
        if self.inputs:
            return tuple(i.soal_id for i in self.inputs if i.soal_id is not None)
        return (self.soal_id,) if self.soal_id is not None else ()


@dataclass(frozen=True, slots=True)
class SubArea:
    """A sub-area: nilai = mean of its indicators' values × bobot."""

    id: str
    numeral: str
    name: str
    bobot: float
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True, slots=True)
class AspectArea:
    """One area within one aspect, e.g. P1 (pemenuhan of Manajemen Perubahan); in a version without
    aspects, the single part of an area (``aspect == ""``, id = the area's id)."""

    id: str
    aspect: str
    area: str
    name: str
    bobot: float
    sub_areas: tuple[SubArea, ...]


@dataclass(frozen=True, slots=True)
class Aspect:
    """Pemenuhan (P) or Reform (R)."""

    id: str
    name: str
    name_en: str
    bobot: float
    aspect_areas: tuple[AspectArea, ...]


@dataclass(frozen=True, slots=True)
class HasilGroup:
    """A hasil row (H1, H2): nilai = Σ of its indicators' value × their own bobot."""

    id: str
    name: str
    bobot: float
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True, slots=True)
class Area:
    """An area pengungkit across both aspects (weights 8/7/10/10/15/10)."""

    id: str
    name: str
    name_en: str
    bobot: float
    aspect_areas: tuple[AspectArea, ...]

    @property
    def sub_areas(self) -> tuple[SubArea, ...]:
        """Every sub-area of the area, in order (pemenuhan then reform where there are aspects)."""
        return tuple(sub for aa in self.aspect_areas for sub in aa.sub_areas)


@dataclass(frozen=True, slots=True)
class Component:
    """Pengungkit (60) or Hasil (40)."""

    id: str
    name: str
    name_en: str
    bobot: float
    parts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PredicateRules:
    """Score minimums of one predicate (decision D8)."""

    id: str
    name: str
    #: minimum nilai per node id ("total", "pengungkit", "H1", "H1.a", …), in report order
    minimums: tuple[tuple[str, float], ...]
    #: every area pengungkit must reach this percentage of its bobot (0: no per-area rule)
    area_percent: float
    #: predicate the unit must already hold (WBBM needs WBK)
    requires_predicate: str | None


@dataclass(frozen=True, eq=False)
class Criteria:
    # eq=False: criteria are compared and hashed by identity (one object per loaded version)
    """A complete, validated criteria version."""

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        """Pickled by reference, as its id: unpickling loads (or finds loaded) the same version, so
        scores kept in a shared cache never carry a copy of the criteria."""
        return (_criteria_by_id, (self.id,))

    id: str
    title: str
    title_en: str
    legal_basis: tuple[str, ...]
    components: tuple[Component, ...]
    aspects: tuple[Aspect, ...]
    areas: tuple[Area, ...]
    hasil_groups: tuple[HasilGroup, ...]
    scales: dict[str, Scale]
    predicates: dict[str, PredicateRules]
    area_rule: str
    decimal_places: int
    portalrb_tahun: int | None = None
    portalrb_master_soal: str | None = None
    source_dir: str = ""
    indicators: dict[str, Indicator] = field(default_factory=dict)
    sub_areas: dict[str, SubArea] = field(default_factory=dict)

    @property
    def has_aspects(self) -> bool:
        """Whether the pengungkit is split into aspects (pemenuhan/reform); False for 52/2014."""
        return bool(self.aspects)

    @property
    def total_bobot(self) -> float:
        """Sum of the component weights (100)."""
        return sum(c.bobot for c in self.components)

    def indicator(self, indicator_id: str) -> Indicator:
        """The indicator with this id; KeyError if unknown."""
        return self.indicators[indicator_id]

    def area(self, area_id: str) -> Area:
        """The area pengungkit with this id; KeyError if unknown."""
        for area in self.areas:
            if area.id == area_id:
                return area
        raise KeyError(area_id)

    def area_indicators(self, area_id: str) -> tuple[Indicator, ...]:
        """Indicators of one area pengungkit, in the order of its aspects (pemenuhan then reform)."""
        area = self.area(area_id)
        return tuple(
            ind for aa in area.aspect_areas for sub in aa.sub_areas for ind in sub.indicators
        )

    def hasil_indicators(self) -> tuple[Indicator, ...]:
        """Indicators of the hasil component (H1.a, H1.b, H2.a)."""
        return tuple(ind for g in self.hasil_groups for ind in g.indicators)

    @property
    def page_ids(self) -> tuple[str, ...]:
        """The LKE's pages in order: one per area pengungkit (by area id), then :data:`HASIL_PAGE`."""
        return (*(a.id for a in self.areas), HASIL_PAGE)

    def page_of(self, indicator_id: str) -> str:
        """The page an indicator is shown on: its area's id, or :data:`HASIL_PAGE`."""
        return self.indicators[indicator_id].area or HASIL_PAGE

    def page_indicators(self, page: str) -> tuple[Indicator, ...]:
        """Indicators of one page (see :attr:`page_ids`); KeyError for an unknown page."""
        return self.hasil_indicators() if page == HASIL_PAGE else self.area_indicators(page)

    def component(self, component_id: str) -> Component:
        """The component with this id ("pengungkit", "hasil"); KeyError if unknown."""
        for component in self.components:
            if component.id == component_id:
                return component
        raise KeyError(component_id)

    @property
    def summary_node_ids(self) -> tuple[str, ...]:
        """The nodes a recap lists beside the total: each component followed by those of its
        parts that are aspects, then every area pengungkit ("pengungkit", "P", "R", "hasil", "1"…"6")."""
        aspects = {a.id for a in self.aspects}
        out: list[str] = []
        for component in self.components:
            out.append(component.id)
            out.extend(part for part in component.parts if part in aspects)
        out.extend(a.id for a in self.areas)
        return tuple(out)


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def match_pages(now: Criteria, before: Criteria) -> dict[str, str]:
    """This year's page id → the earlier criteria's page of the same area, by name: equal names
    (case and spaces aside) first, then one name the start of the other; the hasil pages match
    each other. A page without a counterpart is left out (each earlier page is used once)."""
    matches = {HASIL_PAGE: HASIL_PAGE} if HASIL_PAGE in before.page_ids else {}
    free = {a.id: _name_key(a.name) for a in before.areas}
    names = {a.id: _name_key(a.name) for a in now.areas}
    for same_start in (False, True):
        for page, name in names.items():
            if page in matches:
                continue
            found = next((old for old, old_name in free.items() if old_name == name
                          or (same_start and (old_name.startswith(name) or name.startswith(old_name)))), None)
            if found is not None:
                matches[page] = found
                del free[found]
    return matches


def _criteria_by_id(criteria_id: str) -> Criteria:
    from zi_assess.domain.loader import load_criteria

    return load_criteria(criteria_id)
