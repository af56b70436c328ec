"""How the criteria's nodes, pages, rules and predicates are named for a reader.

The criteria decide what exists (how many areas, which aspects, hasil rows and predicates) and
carry the names; this module only words them in the reader's language. Areas have English
names in the criteria; components and aspects are glossary words (pengungkit, pemenuhan,
reform, hasil) and keep their Indonesian name in every language, as the rest of the product
does; hasil rows, indicators and predicates keep the criteria's own text. Pages,
PDFs and exports all name things through here (templates through the globals registered in
:func:`zi_assess.i18n.register_template_helpers`), so nothing elsewhere spells out "area 1…6",
"WBK" or "pemenuhan/reform".
"""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _

from zi_assess.domain import Criteria, load_criteria
from zi_assess.domain.criteria import HASIL_PAGE, Area


def _english() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "en"


def _criteria(criteria: Criteria | str) -> Criteria:
    return criteria if isinstance(criteria, Criteria) else load_criteria(criteria)


def localized(name: str, name_en: str) -> str:
    """The English name when the reader reads English and the criteria give one."""
    return name_en if name_en and _english() else name


def criteria_title(criteria: Criteria | str) -> str:
    """A criteria version as its readers name it: its title from the criteria's metadata (never the id)."""
    criteria = _criteria(criteria)
    return localized(criteria.title, criteria.title_en)


def area_name(area: Area) -> str:
    """An area's name in the reader's language (the criteria carry both)."""
    return localized(area.name, area.name_en)


def area_label(area: Area) -> str:
    """An area with its id: "Area 3 Penataan Sistem Manajemen SDM Aparatur"."""
    return _("Area %(id)s %(name)s", id=area.id, name=area_name(area))


def node_name(criteria: Criteria | str, node_id: str) -> str:
    """The bare name of a node: a component, aspect or area name, a hasil row's name, an
    indicator's question; ``total`` is the total. Unknown ids are returned as they are."""
    criteria = _criteria(criteria)
    if node_id == "total":
        return _("Nilai total")
    for component in criteria.components:
        if component.id == node_id:
            return component.name
    for aspect in criteria.aspects:
        if aspect.id == node_id:
            return aspect.name
        for aa in aspect.aspect_areas:
            if aa.id == node_id:
                return aa.name
    for area in criteria.areas:
        if area.id == node_id:
            return area_name(area)
    for group in criteria.hasil_groups:
        if group.id == node_id:
            return group.name
    if node_id in criteria.indicators:
        return criteria.indicators[node_id].question
    return node_id


def node_label(criteria: Criteria | str, node_id: str) -> str:
    """A node as a table row or a threshold rule names it: "Area 3 Penataan …", "Pemenuhan area 3
    Penataan …", "Komponen pengungkit", "Hasil H1 Birokrasi …", "H1.a Nilai Survey …"."""
    criteria = _criteria(criteria)
    if node_id == "total":
        return _("Nilai total")
    for component in criteria.components:
        if component.id == node_id:
            label = _("Komponen %(name)s", name=component.name.lower())
            return label[:1].upper() + label[1:]
    for area in criteria.areas:
        if area.id == node_id:
            return area_label(area)
        for aa in area.aspect_areas:
            if aa.id == node_id:
                return _("%(aspect)s area %(id)s %(name)s", aspect=node_name(criteria, aa.aspect), id=area.id,
                         name=area_name(area))
    for group in criteria.hasil_groups:
        if group.id == node_id:
            return _("Hasil %(id)s %(name)s", id=group.id, name=group.name)
    if node_id in criteria.indicators:
        return f"{node_id} {criteria.indicators[node_id].question}"
    return node_name(criteria, node_id)


def rule_label(criteria: Criteria | str, rule: str) -> str:
    """A threshold rule of :func:`zi_assess.domain.verdict.rule_list` ("total", "area:3",
    "area:P3", "H1.a" …) as a reader names it."""
    return node_label(criteria, rule.removeprefix("area:"))


def predicate_name(criteria: Criteria | str, code: str) -> str:
    """A predicate's name from the criteria ("Menuju WBK"); the code when the criteria lack it."""
    predicate = _criteria(criteria).predicates.get(code)
    return predicate.name if predicate is not None else code


def page_name(criteria: Criteria | str, page: str) -> str:
    """The title of an LKE page: its area's name, or "Hasil"."""
    criteria = _criteria(criteria)
    if page == HASIL_PAGE:
        return criteria.component("hasil").name
    return area_name(criteria.area(page))


def page_label(criteria: Criteria | str, page: str) -> str:
    """A page named with its area's id: "Area 7 Transformasi Digital Layanan", or "Hasil"."""
    criteria = _criteria(criteria)
    return page_name(criteria, page) if page == HASIL_PAGE else area_label(criteria.area(page))


def page_tab(criteria: Criteria | str, page: str) -> str:
    """The short name of a page on its tab: the area's id, or "Hasil"."""
    return page_name(criteria, page) if page == HASIL_PAGE else page


def outcome_label(criteria: Criteria | str, target: str, *, tpi_eligible: bool | None,
                  decision_granted: bool | None) -> str:
    """The outcome of an assessment so far, in words: the TPN decision naming the predicate
    ("Predikat Menuju WBK diberikan"), else the TPI conclusion, else "" (nothing decided yet)."""
    name = predicate_name(criteria, target)
    if decision_granted is not None:
        return (_("Predikat %(p)s diberikan", p=name) if decision_granted
                else _("Predikat %(p)s tidak diberikan", p=name))
    if tpi_eligible is not None:
        return (_("TPI: layak diusulkan untuk %(p)s", p=name) if tpi_eligible
                else _("TPI: belum memenuhi kriteria %(p)s (pembinaan)", p=name))
    return ""
