"""Recaps across units: one SQL query over the stored current scores.

Every page, PDF and export that lists units with their totals, areas and verdicts reads
:func:`recap_rows`. The scores themselves come from the domain engine; they are stored per
assessment by :func:`zi_assess.assessments.scores.refresh_current_scores` on every change.

Which columns a recap has (areas, components, predicates) is the criteria's business:
:func:`recap_shape` reads them from the criteria versions of the rows shown.

The rows are reused until the data they read change (:mod:`zi_assess.result_cache`), keyed by
the reader's scope (:func:`scope_key`) and every argument; the years live in :mod:`zi_assess.recap_years`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, and_, func, or_, select, union_all

from zi_assess.assessments.scores import EFFECTIVE
from zi_assess.authz import scope_of, visible_assessments
from zi_assess.domain import Criteria, load_criteria
from zi_assess.domain.scoring import NodeScore
from zi_assess.extensions import db
from zi_assess.labels import area_label, node_name, outcome_label, predicate_name
from zi_assess.models import Assessment, CurrentScore, Instansi, PredicateRecord, Unit, User
from zi_assess.result_cache import cached

#: sort keys every recap has; the criteria add one per component and per area ("area_<id>")
FIXED_SORT_KEYS = ("total", "unit", "instansi", "status")
#: what a node id in a sort key may look like (it becomes a JSON path)
_NODE_ID = re.compile(r"[A-Za-z0-9_.-]{1,40}")


@cache
def _node_bobot(criteria: Criteria) -> dict[str, float]:
    bobot = {c.id: c.bobot for c in criteria.components}
    bobot.update({a.id: a.bobot for a in criteria.aspects})
    bobot.update({a.id: a.bobot for a in criteria.areas})
    return bobot


@dataclass(frozen=True)
class RecapRow:
    assessment_id: int
    year: int
    target: str
    status: str
    unit_id: int
    unit_code: str
    unit_name: str
    instansi_id: int
    instansi_name: str
    #: None when nothing is answered yet (also for ``total``, ``nodes`` and ``verdicts``)
    complete: bool | None
    total: float | None
    #: nilai of the criteria's summary nodes (Criteria.summary_node_ids)
    nodes: Mapping[str, float] | None
    #: predicate code → whether its score rules are met
    verdicts: Mapping[str, bool] | None
    criteria_id: str
    #: the TPI conclusion and the TPN decision (None: not taken yet)
    tpi_eligible: bool | None = None
    decision_granted: bool | None = None
    #: the day the predicate this assessment granted (or monitored) was revoked; None: not revoked
    revoked_on: date | None = None

    @property
    def outcome(self) -> str:
        """The decision (or the TPI conclusion) in words; "" while nothing is decided."""
        return outcome_label(self.criteria_id, self.target, tpi_eligible=self.tpi_eligible,
                             decision_granted=self.decision_granted)

    @property
    def revoked(self) -> str:
        """The revocation marker, "dicabut 2028"; "" while the predicate holds (or none was granted)."""
        return _("dicabut %(year)s", year=self.revoked_on.year) if self.revoked_on is not None else ""

    def nilai(self, node_id: str) -> float | None:
        """A summary node's nilai ("pengungkit", an area id …); None when not scored or not in the criteria."""
        return None if self.nodes is None else self.nodes.get(node_id)

    def persen(self, node_id: str) -> float | None:
        """A summary node's nilai as a percentage of its bobot in the assessment's criteria."""
        nilai = self.nilai(node_id)
        bobot = _node_bobot(load_criteria(self.criteria_id)).get(node_id)
        return None if nilai is None or bobot is None else NodeScore(bobot, nilai).persen

    def passed(self, predicate: str) -> bool | None:
        """Whether the score rules of ``predicate`` are met; None when not scored or not in the criteria."""
        return None if self.verdicts is None else self.verdicts.get(predicate)


@dataclass(frozen=True)
class RecapColumn:
    """One criteria-defined column of a recap."""

    #: node id (component, aspect, area) or predicate code
    key: str
    #: "component", "aspect", "area" or "predicate"
    kind: str
    #: full name: "Pengungkit", "Area 3 Penataan Sistem Manajemen SDM Aparatur", "Menuju WBK"
    label: str
    #: header of a narrow column: "Pengungkit", "A3", "WBK"
    short: str
    #: the recap's sort key for this column (None: not sortable)
    sort: str | None = None


@dataclass(frozen=True)
class RecapShape:
    """The columns of a recap, from the criteria versions of its rows (the configured one first)."""

    criteria_ids: tuple[str, ...]
    #: each component followed by those of its parts that are aspects
    nodes: tuple[RecapColumn, ...]
    areas: tuple[RecapColumn, ...]
    predicates: tuple[RecapColumn, ...]

    @property
    def components(self) -> tuple[RecapColumn, ...]:
        return tuple(c for c in self.nodes if c.kind == "component")

    @property
    def primary(self) -> Criteria:
        """The first criteria version (thresholds for charts come from it)."""
        return load_criteria(self.criteria_ids[0])


@dataclass(frozen=True)
class RecapKeys:
    """What a recap query reads out of the stored JSON (summary node ids, predicate codes) and
    how it may be sorted — the ids alone, with no names, so no language is needed."""

    nodes: tuple[str, ...]
    predicates: tuple[str, ...]
    sort_keys: tuple[str, ...]


def recap_keys(criteria_ids: Sequence[str]) -> RecapKeys:
    """Every summary node and predicate of these criteria versions, and the sort keys they give."""
    nodes: dict[str, None] = {}
    predicates: dict[str, None] = {}
    sort_keys: dict[str, None] = dict.fromkeys(FIXED_SORT_KEYS)
    for criteria in (load_criteria(c) for c in criteria_ids):
        nodes.update(dict.fromkeys(n for n in criteria.summary_node_ids if _NODE_ID.fullmatch(n)))
        predicates.update(dict.fromkeys(p for p in criteria.predicates if _NODE_ID.fullmatch(p)))
        sort_keys.update(dict.fromkeys(c.id for c in criteria.components if _NODE_ID.fullmatch(c.id)))
        sort_keys.update(dict.fromkeys(f"area_{a.id}" for a in criteria.areas if _NODE_ID.fullmatch(a.id)))
    return RecapKeys(tuple(nodes), tuple(predicates), tuple(sort_keys))


def recap_criteria_ids(rows: Iterable[RecapRow] = ()) -> tuple[str, ...]:
    """The configured criteria version, then every other version the rows were scored with."""
    out = [current_app.config["CRITERIA"]]
    for row in rows:
        if row.criteria_id not in out:
            out.append(row.criteria_id)
    return tuple(out)


def scope_key(user: User) -> tuple[Any, ...]:
    """What restricts the assessments ``user`` sees (:func:`zi_assess.authz.scope_of`), as a cache key
    part: readers with the same scope share results, any other never sees them."""
    scope = scope_of(user)
    return (scope.everything, scope.proposed_only_everywhere, tuple(sorted(scope.unit_ids)),
            tuple(sorted(scope.instansi_ids)), tuple(sorted(scope.assessment_ids)))


def reader_key(user: User) -> tuple[Any, ...]:
    """:func:`scope_key` and the reader's roles (with their units and instansi): the key part of a
    cached page, whose links and buttons also follow the permissions the roles give."""
    roles = sorted((str(getattr(a.role, "value", a.role)), a.unit_id or 0, a.instansi_id or 0) for a in user.roles)
    return (*scope_key(user), tuple(roles))


def known_criteria_ids() -> tuple[str, ...]:
    """The configured criteria version and every version an assessment uses (sort choices)."""
    configured = current_app.config["CRITERIA"]
    return cached("criteria-ids", configured, lambda: _known_criteria_ids(configured))


def _known_criteria_ids(configured: str) -> tuple[str, ...]:
    # a loose index scan (one probe of ix_assessment_criteria_id per version), not a DISTINCT over every assessment
    versions = select(func.min(Assessment.criteria_id).label("id")).cte("versions", recursive=True)
    following = select(func.min(Assessment.criteria_id)).where(Assessment.criteria_id > versions.c.id).scalar_subquery()
    versions = versions.union_all(select(following).where(versions.c.id.is_not(None)))
    used = db.session.scalars(select(versions.c.id).where(versions.c.id.is_not(None)).order_by(versions.c.id))
    out = [configured]
    out.extend(c for c in used if c not in out)
    return tuple(out)


def recap_shape(criteria_ids: Sequence[str]) -> RecapShape:
    """Columns of a recap over these criteria versions, named in the current language; a column
    several versions share (same node id or predicate code) appears once, as the first names it."""
    nodes: dict[str, RecapColumn] = {}
    areas: dict[str, RecapColumn] = {}
    predicates: dict[str, RecapColumn] = {}
    for criteria in (load_criteria(c) for c in criteria_ids):
        aspects = {a.id for a in criteria.aspects}
        for component in criteria.components:
            nodes.setdefault(component.id, RecapColumn(component.id, "component", node_name(criteria, component.id),
                                                       node_name(criteria, component.id), component.id))
            for part in component.parts:
                if part in aspects:
                    nodes.setdefault(part, RecapColumn(part, "aspect", node_name(criteria, part),
                                                       node_name(criteria, part)))
        for area in criteria.areas:
            areas.setdefault(area.id, RecapColumn(area.id, "area", area_label(area), f"A{area.id}", f"area_{area.id}"))
        for code in criteria.predicates:
            predicates.setdefault(code, RecapColumn(code, "predicate", predicate_name(criteria, code), code))
    return RecapShape(tuple(criteria_ids), tuple(nodes.values()), tuple(areas.values()), tuple(predicates.values()))


def shape_of(rows: Iterable[RecapRow]) -> RecapShape:
    """The recap shape of these rows (see :func:`recap_shape`)."""
    return recap_shape(recap_criteria_ids(rows))


def _sort_column(sort: str) -> Any:
    score = CurrentScore
    fixed = {"total": score.total, "unit": Unit.name, "instansi": Instansi.name, "status": Assessment.status}
    if sort in fixed:
        return fixed[sort]
    node = sort.removeprefix("area_")
    if _NODE_ID.fullmatch(node):
        return score.nodes[node].as_float()
    return score.total


def recap_rows(
    user: User,
    *,
    instansi_id: int | None = None,
    year: int | None = None,
    status: str | None = None,
    search: str | None = None,
    sort: str = "total",
    descending: bool = True,
    limit: int | None = None,
    keys: RecapKeys | None = None,
    offset: int = 0,
) -> list[RecapRow]:
    """Units the user may see, with the effective score of their assessment (one query).

    ``keys``: the figures to read (default: those of the configured criteria version; pass
    ``recap_keys(known_criteria_ids())`` when assessments of other versions may be listed). The
    database extracts each from the stored JSON, so no row's document is parsed in Python.
    ``sort``: one of :data:`FIXED_SORT_KEYS`, a component id ("pengungkit") or ``area_<id>``
    (see :attr:`RecapKeys.sort_keys`); anything else sorts by total. ``limit``/``offset``: one page.
    """
    keys = keys or recap_keys(recap_criteria_ids())
    asked = (instansi_id, year, status, search, sort, descending, limit, keys, offset)
    return list(cached("recap-rows", (scope_key(user), *asked), lambda: _recap_rows(user, *asked)))


def _recap_rows(user: User, instansi_id: int | None, year: int | None, status: str | None, search: str | None,
                sort: str, descending: bool, limit: int | None, keys: RecapKeys, offset: int) -> list[RecapRow]:
    score = CurrentScore
    n_nodes = len(keys.nodes)
    column = _sort_column(sort)
    ordered = column.desc() if descending else column.asc()
    order = (ordered.nulls_last(), Unit.name, Assessment.id)

    revoked = _revocations()

    def joined(query: Select[Any]) -> Select[Any]:
        return query.select_from(Assessment).join(Unit, Unit.id == Assessment.unit_id).join(
            Instansi, Instansi.id == Unit.instansi_id).outerjoin(
            score, and_(score.assessment_id == Assessment.id, score.layer == EFFECTIVE)).outerjoin(
            revoked, revoked.c.assessment_id == Assessment.id)

    def filtered(query: Select[Any]) -> Select[Any]:
        query = visible_assessments(user, query.select_from(Assessment))
        query = query.join(Instansi, Instansi.id == Unit.instansi_id).outerjoin(
            score, and_(score.assessment_id == Assessment.id, score.layer == EFFECTIVE)).outerjoin(
            revoked, revoked.c.assessment_id == Assessment.id)
        if instansi_id is not None:
            query = query.where(Unit.instansi_id == instansi_id)
        if year is not None:
            query = query.where(Assessment.year == year)
        if status:
            query = query.where(Assessment.status == status)
        if search:
            pattern = f"%{search.strip().lower()}%"
            query = query.where(or_(Unit.name.ilike(pattern), Unit.code.ilike(pattern),
                                    Instansi.name.ilike(pattern)))
        return query

    figures_of = select(
        Assessment.id, Assessment.year, Assessment.target_predicate, Assessment.status,
        Unit.id, Unit.code, Unit.name, Instansi.id, Instansi.name,
        score.complete, score.total, Assessment.criteria_id, Assessment.tpi_eligible, Assessment.decision_granted,
        *(score.nodes[node].as_float() for node in keys.nodes),
        *(score.verdicts[code].as_boolean() for code in keys.predicates),
        revoked.c.revoked_on,
    )
    if limit:
        # Rank on the sort keys alone, then read the figures (JSON lookups) of the rows kept only:
        # a national dashboard ranks 15,000 assessments to show 200.
        top = filtered(select(Assessment.id)).order_by(*order).limit(limit).offset(offset or None).subquery()
        query = joined(figures_of).where(Assessment.id.in_(select(top.c.id))).order_by(*order)
    else:
        query = filtered(figures_of).order_by(*order)
    rows = []
    for r in db.session.connection().execute(query):  # Core rows: no ORM loading step for plain columns
        scored = r[10] is not None
        figures = r[14:14 + n_nodes]
        passed = r[14 + n_nodes:-1]
        rows.append(RecapRow(
            assessment_id=r[0], year=r[1], target=str(r[2]),
            status=r[3].value if hasattr(r[3], "value") else str(r[3]), unit_id=r[4], unit_code=r[5],
            unit_name=r[6], instansi_id=r[7], instansi_name=r[8], complete=r[9], total=r[10],
            nodes={k: v for k, v in zip(keys.nodes, figures, strict=True) if v is not None} if scored else None,
            verdicts={k: v for k, v in zip(keys.predicates, passed, strict=True) if v is not None} if scored else None,
            criteria_id=r[11], tpi_eligible=r[12], decision_granted=r[13], revoked_on=_day(r[-1]),
        ))
    return rows


def _revocations() -> Any:
    """(assessment_id, revoked_on) of every assessment whose granted or monitored predicate was revoked."""
    held = PredicateRecord
    rows = union_all(
        select(held.assessment_id.label("assessment_id"), held.revoked_on.label("revoked_on"))
        .where(held.revoked_on.is_not(None), held.assessment_id.is_not(None)),
        select(held.revoked_after_id, held.revoked_on)
        .where(held.revoked_on.is_not(None), held.revoked_after_id.is_not(None)),
    ).subquery()
    return (select(rows.c.assessment_id, func.max(rows.c.revoked_on).label("revoked_on"))
            .group_by(rows.c.assessment_id).subquery("revoked"))


def _day(value: Any) -> date | None:
    """A date as Core returns it from an aggregate (SQLite: an ISO string)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
