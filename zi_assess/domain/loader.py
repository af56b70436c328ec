"""Load a criteria folder into a validated :class:`~zi_assess.domain.criteria.Criteria`.

Besides the strict reading of :mod:`zi_assess.domain.jsondata`, the loader checks the tree:
duplicate ids and soal ids, options that do not match their scale, sub-areas and indicators
numbered in order, and weights that add up (sub-areas → aspect-areas → areas and aspects →
components → total).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from zi_assess.domain.criteria import (
    AREA_RULES,
    HASIL_PAGE,
    Area,
    Aspect,
    AspectArea,
    Component,
    CountInput,
    Criteria,
    HasilGroup,
    Indicator,
    Option,
    PercentFormula,
    PredicateRules,
    Scale,
    SubArea,
    ZeroRule,
)
from zi_assess.domain.jsondata import CriteriaError, JsonNode, check_sum, read_json
from zi_assess.resources import CRITERIA_DIR

#: the criteria versions shipped with zi-assess (read-only: it may lie inside an installed wheel)
CRITERIA_ROOT = CRITERIA_DIR
#: versions imported at run time (the instance folder's ``criteria/``), searched after the shipped ones
_instance_root: list[Path] = []
DEFAULT_CRITERIA_ID = "permenpanrb-90-2021"
ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x")
#: folders searched for a criteria id after ``criteria/`` (the app's ``CRITERIA_PATHS`` setting)
_extra_roots: list[Path] = []


def add_criteria_roots(paths: Iterable[str | Path]) -> None:
    """Search these folders too for criteria versions by id (after the shipped ``criteria/``).

    Additive and idempotent: an id found in ``criteria/`` always means the shipped version, so a
    version already loaded (and cached) never changes its meaning.
    """
    for path in paths:
        folder = Path(path).resolve()
        if folder not in _extra_roots and folder != CRITERIA_ROOT:
            _extra_roots.append(folder)


def _load_scales(folder: Path, name: str) -> dict[str, Scale]:
    data = read_json(folder, name)
    if not isinstance(data, dict) or not data:
        raise CriteriaError(name, "", "expected an object of scales")
    scales: dict[str, Scale] = {}
    for scale_id, raw in data.items():
        node = JsonNode(raw, name, scale_id)
        kind = node.text("kind")
        label = node.text("label")
        if kind == "choice":
            values_node = node.obj("values")
            assert values_node is not None
            values = []
            for key in values_node.data:
                value = values_node.number(key)
                if not 0.0 <= value <= 1.0:
                    raise values_node.error(key, f"value {value:g} outside [0, 1]")
                values.append((key, value))
            values_node.done()
            if len(values) < 2:
                raise node.error("values", "a choice scale needs at least two options")
            scales[scale_id] = Scale(scale_id, label, "choice", values=tuple(values))
        elif kind == "survey":
            maximum = node.number("max")
            if maximum <= 0:
                raise node.error("max", "must be positive")
            unit = node.text("unit", required=False)
            if unit not in ("", "%"):
                raise node.error("unit", f"expected '%' (a percentage entered directly) or nothing, got {unit!r}")
            scales[scale_id] = Scale(scale_id, label, "survey", maximum=maximum, unit=unit)
        elif kind == "percent":
            scales[scale_id] = Scale(scale_id, label, "percent")
        else:
            raise node.error("kind", f"unknown scale kind {kind!r} (choice, percent, survey)")
        node.done()
    return scales


def _zero_rule(node: JsonNode) -> ZeroRule:
    raw = node.raw("when_denominator_zero")
    rule: ZeroRule
    if isinstance(raw, dict):
        sub = JsonNode(raw, node.file, node._sub("when_denominator_zero"))
        pair = (sub.number("numerator_zero"), sub.number("otherwise"))
        sub.done()
        rule, values = pair, pair
    elif isinstance(raw, (int, float)) and not isinstance(raw, bool):
        rule = float(raw)
        values = (rule, rule)
    else:
        raise node.error("when_denominator_zero", "expected a number or {numerator_zero, otherwise}")
    if any(not 0.0 <= v <= 1.0 for v in values):
        raise node.error("when_denominator_zero", "values must lie in [0, 1]")
    return rule


def _load_formula(node: JsonNode, input_keys: set[str]) -> PercentFormula:
    def keys(key: str, required: bool = True) -> tuple[str, ...]:
        out = []
        for item, path in node.each(key, required=required):
            if item not in input_keys:
                raise CriteriaError(node.file, path, f"{item!r} is not one of this indicator's inputs")
            out.append(item)
        return tuple(out)

    formula = PercentFormula(
        text=node.text("text"),
        numerator=keys("numerator"),
        minus=keys("minus", required=False),
        denominator=keys("denominator"),
        when_denominator_zero=_zero_rule(node),
    )
    if not formula.numerator or not formula.denominator:
        raise node.error("numerator", "numerator and denominator need at least one input")
    node.done()
    return formula


class _Builder:
    """Collects ids across files so duplicates are caught wherever they are."""

    def __init__(self, scales: dict[str, Scale], hints: dict[str, tuple[str, ...]]) -> None:
        self.scales = scales
        self.hints = hints
        self.indicators: dict[str, Indicator] = {}
        self.soal_ids: dict[int, str] = {}
        self.sub_areas: dict[str, SubArea] = {}

    def _claim_soal(self, node: JsonNode, key: str, soal_id: int | None, owner: str) -> None:
        if soal_id is None:
            return
        if soal_id in self.soal_ids:
            raise node.error(key, f"soal id {soal_id} already used by {self.soal_ids[soal_id]}")
        self.soal_ids[soal_id] = owner

    def indicator(
        self, node: JsonNode, indicator_id: str, bobot: float, parent: str, area: str | None
    ) -> Indicator:
        if indicator_id in self.indicators:
            raise node.error("letter", f"duplicate indicator id {indicator_id}")
        scale_id = node.text("scale")
        scale = self.scales.get(scale_id)
        if scale is None:
            raise node.error("scale", f"unknown scale {scale_id!r} (known: {', '.join(self.scales)})")
        question = node.text("question")
        explanation = node.text("explanation", allow_empty=True)
        soal_id = node.int_or_none("soal_id")
        external = node.raw("external", required=False)
        note = node.text("note", required=False) or ""
        if external is not None and not isinstance(external, bool):
            raise node.error("external", f"expected true or false, got {external!r}")
        options: list[Option] = []
        inputs: list[CountInput] = []
        formula = None
        if scale.kind == "choice":
            texts = {}
            for item, path in node.each("options"):
                opt = JsonNode(item, node.file, path)
                key, text = opt.text("key"), opt.text("text")
                opt.done()
                if key in texts:
                    raise CriteriaError(node.file, path, f"duplicate option {key!r}")
                texts[key] = text
            if tuple(texts) != scale.keys:
                raise node.error(
                    "options", f"options {list(texts)} do not match scale {scale_id} {list(scale.keys)}"
                )
            options = [Option(key, texts[key], value) for key, value in scale.values]
            self._claim_soal(node, "soal_id", soal_id, indicator_id)
        elif scale.kind == "percent":
            if soal_id is not None:
                raise node.error("soal_id", "a percentage indicator has soal ids on its inputs only")
            for item, path in node.each("inputs"):
                inp = JsonNode(item, node.file, path)
                count = CountInput(inp.text("key"), inp.text("label"), inp.int_or_none("soal_id"))
                if any(c.key == count.key for c in inputs):
                    raise CriteriaError(node.file, path + ".key", f"duplicate input {count.key!r}")
                self._claim_soal(inp, "soal_id", count.soal_id, f"{indicator_id}.{count.key}")
                inp.done()
                inputs.append(count)
            formula_node = node.obj("formula")
            assert formula_node is not None
            formula = _load_formula(formula_node, {c.key for c in inputs})
        else:
            self._claim_soal(node, "soal_id", soal_id, indicator_id)
        node.done()
        indicator = Indicator(
            id=indicator_id,
            letter=indicator_id.rsplit(".", 1)[1],
            question=question,
            explanation=explanation,
            scale=scale,
            bobot=bobot,
            parent=parent,
            area=area,
            options=tuple(options),
            inputs=tuple(inputs),
            formula=formula,
            soal_id=soal_id,
            data_dukung=self.hints.get(indicator_id, ()),
            external=bool(external),
            note=note,
        )
        self.indicators[indicator_id] = indicator
        return indicator

    def sub_area(self, node: JsonNode, aspect_area_id: str, area: str, index: int) -> SubArea:
        numeral = node.text("numeral")
        expected = ROMAN[index] if index < len(ROMAN) else None
        if numeral != expected:
            raise node.error("numeral", f"expected {expected!r} (sub-areas are numbered in order)")
        sub_id = f"{aspect_area_id}.{numeral}"
        if sub_id in self.sub_areas:
            raise node.error("numeral", f"duplicate sub-area id {sub_id}")
        name, bobot = node.text("name"), node.number("bobot")
        if bobot <= 0:
            raise node.error("bobot", "must be positive")
        items = list(node.each("indicators"))
        if not items:
            raise node.error("indicators", "a sub-area needs at least one indicator")
        indicators = []
        for i, (item, path) in enumerate(items):
            ind_node = JsonNode(item, node.file, path)
            letter = ind_node.text("letter")
            if letter != "abcdefghijklmnopqrstuvwxyz"[i]:
                raise ind_node.error("letter", f"expected {'abcdefghijklmnopqrstuvwxyz'[i]!r} (letters in order)")
            indicators.append(self.indicator(ind_node, f"{sub_id}.{letter}", bobot / len(items), sub_id, area))
        node.done()
        sub = SubArea(sub_id, numeral, name, bobot, tuple(indicators))
        self.sub_areas[sub_id] = sub
        return sub


def use_instance_criteria(folder: Path | None) -> None:
    """Also look for criteria versions in ``folder`` (the instance folder's ``criteria/``).

    The application and the command line call this at start with the configured instance
    folder; the domain itself reads no configuration.
    """
    wanted = [Path(folder)] if folder is not None else []
    if wanted != _instance_root:
        _instance_root[:] = wanted
        load_criteria.cache_clear()
        criteria_hash.cache_clear()


def instance_criteria_root() -> Path | None:
    """Where run-time imports are written (``None`` until :func:`use_instance_criteria`)."""
    return _instance_root[0] if _instance_root else None


def criteria_roots() -> tuple[Path, ...]:
    """The folders holding criteria versions, in lookup order: the shipped one first, then the
    instance's (run-time imports), then the extra roots of the ``CRITERIA_PATHS`` setting."""
    return (CRITERIA_ROOT, *_instance_root, *_extra_roots)


def find_criteria_folder(criteria_id: str) -> Path | None:
    """The folder of the criteria version ``criteria_id``, or None when no root has it."""
    if not criteria_id or "/" in criteria_id or "\\" in criteria_id or criteria_id.startswith("."):
        return None
    for root in criteria_roots():
        folder = root / criteria_id
        if (folder / "manifest.json").is_file():
            return folder
    return None


@lru_cache(maxsize=8)
def load_criteria(criteria: str | Path = DEFAULT_CRITERIA_ID) -> Criteria:
    """Load and validate a criteria version by id (shipped, or imported into the instance
    folder) or by the path of its folder.

    Loaded once per process and cached: criteria objects are immutable.
    """
    folder = Path(criteria) if Path(criteria).is_dir() else find_criteria_folder(str(criteria))
    if folder is None:
        raise CriteriaError(str(criteria), "", "no such criteria version")
    return _load_folder(folder)


class CriteriaChanged(Exception):
    """The files of a criteria version differ from those an assessment was opened with."""

    def __init__(self, criteria_id: str, recorded: str, current: str) -> None:
        super().__init__(
            f"criteria version {criteria_id!r} changed since the assessment recorded it (recorded hash "
            f"{recorded[:12]}…, files now {current[:12]}…): it is not scored with the changed files; restore "
            "the original files, or ship the change under a new criteria id")
        self.criteria_id = criteria_id
        self.recorded = recorded
        self.current = current


@lru_cache(maxsize=16)
def criteria_hash(criteria: str | Path = DEFAULT_CRITERIA_ID) -> str:
    """SHA-256 (hex) over the files of a criteria version, canonical: every file by its path
    relative to the folder, in path order; JSON parsed and written back with sorted keys and no
    spacing (formatting changes nothing), other text with LF line ends. Cached like
    :func:`load_criteria` (files are read at start)."""
    folder = Path(criteria) if Path(criteria).is_dir() else find_criteria_folder(str(criteria))
    if folder is None:
        raise CriteriaError(str(criteria), "", "no such criteria version")
    digest = hashlib.sha256()
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not any(
        part.startswith(".") or part == "__pycache__" for part in p.relative_to(folder).parts))
    for path in files:
        raw = path.read_bytes()
        if path.suffix == ".json":
            raw = json.dumps(json.loads(raw), sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
        else:
            raw = raw.replace(b"\r\n", b"\n")
        name = path.relative_to(folder).as_posix().encode()
        digest.update(b"%d:%s%d:" % (len(name), name, len(raw)))
        digest.update(raw)
    return digest.hexdigest()


def _load_folder(folder: Path) -> Criteria:
    manifest = JsonNode(read_json(folder, "manifest.json"), "manifest.json", "")
    criteria_id = manifest.text("id")
    if criteria_id != folder.name:
        raise manifest.error("id", f"{criteria_id!r} differs from the folder name {folder.name!r}")
    title, title_en = manifest.text("title"), manifest.text("title_en")
    legal_basis = tuple(str(item) for item, _ in manifest.each("legal_basis"))
    portal = manifest.obj("portalrb", required=False)
    portal_tahun = portal_file = None
    if portal is not None:
        portal_tahun = int(portal.number("tahun"))
        portal_file = portal.text("master_soal")
        portal.done()
    total_bobot = manifest.number("total_bobot")

    scales = _load_scales(folder, manifest.text("scales_file"))
    hints_file = manifest.text("data_dukung_file", required=False)
    hints = _load_hints(folder, hints_file) if hints_file else {}
    builder = _Builder(scales, hints)

    aspect_defs: dict[str, JsonNode] = {}
    for item, path in manifest.each("aspects", required=False):
        node = JsonNode(item, "manifest.json", path)
        aspect_id = node.text("id")
        if aspect_id in aspect_defs:
            raise node.error("id", f"duplicate aspect {aspect_id}")
        aspect_defs[aspect_id] = node
    aspect_areas: dict[str, list[AspectArea]] = {a: [] for a in aspect_defs}

    areas: list[Area] = []
    for item, path in manifest.each("areas"):
        node = JsonNode(item, "manifest.json", path)
        area_id, area_file = node.text("id"), node.text("file")
        if any(a.id == area_id for a in areas):
            raise node.error("id", f"duplicate area {area_id}")
        if area_id == HASIL_PAGE or area_id in aspect_defs:
            raise node.error("id", f"area id {area_id!r} is taken (the hasil page, or an aspect)")
        area_bobot = node.number("bobot")
        if aspect_defs:
            own = _load_area_file(folder, area_file, area_id, aspect_defs, builder)
        else:
            own = [_load_plain_area_file(folder, area_file, area_id, area_bobot, builder)]
        check_sum(node, "bobot", area_bobot, [aa.bobot for aa in own], f"area {area_id}: aspect weights")
        for aa in own:
            if aa.aspect:
                aspect_areas[aa.aspect].append(aa)
        areas.append(Area(area_id, node.text("name"), node.text("name_en"), area_bobot, tuple(own)))
        node.done()

    aspects = []
    for aspect_id, node in aspect_defs.items():
        bobot = node.number("bobot")
        children = aspect_areas[aspect_id]
        check_sum(node, "bobot", bobot, [aa.bobot for aa in children], f"aspect {aspect_id}: area weights")
        aspects.append(Aspect(aspect_id, node.text("name"), node.text("name_en"), bobot, tuple(children)))
        node.done()

    hasil_file = manifest.text("hasil_file")
    hasil_groups = _load_hasil(folder, hasil_file, builder)
    taken = {a.id for a in areas} | set(aspect_defs)
    for group in hasil_groups:
        if group.id in taken:
            raise CriteriaError(hasil_file, group.id, "hasil group id already used by an area or aspect")

    components = []
    # without aspects the pengungkit component's parts are the areas themselves
    pengungkit_parts = aspects if aspects else areas
    known_parts = {a.id: a.bobot for a in pengungkit_parts} | {g.id: g.bobot for g in hasil_groups}
    used_parts: set[str] = set()
    for item, path in manifest.each("components"):
        node = JsonNode(item, "manifest.json", path)
        parts = []
        for part, part_path in node.each("parts"):
            if part not in known_parts:
                raise CriteriaError("manifest.json", part_path, f"unknown aspect, area or hasil group {part!r}")
            if part in used_parts:
                raise CriteriaError("manifest.json", part_path, f"{part!r} belongs to two components")
            used_parts.add(part)
            parts.append(part)
        bobot = node.number("bobot")
        comp_id = node.text("id")
        check_sum(node, "bobot", bobot, [known_parts[p] for p in parts], f"component {comp_id}: part weights")
        components.append(Component(comp_id, node.text("name"), node.text("name_en"), bobot, tuple(parts)))
        node.done()
    if set(known_parts) - used_parts:
        raise manifest.error("components", f"not in any component: {sorted(set(known_parts) - used_parts)}")
    if {c.id for c in components} != {"pengungkit", "hasil"}:
        raise manifest.error("components", "expected the components 'pengungkit' and 'hasil'")
    check_sum(manifest, "total_bobot", total_bobot, [c.bobot for c in components], "component weights")

    for indicator_id in hints:
        if indicator_id not in builder.indicators:
            raise CriteriaError(hints_file, indicator_id, "unknown indicator id")

    thresholds_file = manifest.text("thresholds_file")
    predicates, area_rule, places = _load_thresholds(folder, thresholds_file, builder)
    if area_rule == "per_aspect" and not aspects:
        raise CriteriaError(thresholds_file, "area_rule", "per_aspect needs aspects (manifest.json has none)")
    manifest.done()
    return Criteria(
        id=criteria_id,
        title=title,
        title_en=title_en,
        legal_basis=legal_basis,
        components=tuple(components),
        aspects=tuple(aspects),
        areas=tuple(areas),
        hasil_groups=hasil_groups,
        scales=scales,
        predicates=predicates,
        area_rule=area_rule,
        decimal_places=places,
        portalrb_tahun=portal_tahun,
        portalrb_master_soal=portal_file,
        source_dir=str(folder),
        indicators=builder.indicators,
        sub_areas=builder.sub_areas,
    )


def _load_area_file(
    folder: Path, name: str, area_id: str, aspect_defs: dict[str, JsonNode], builder: _Builder
) -> list[AspectArea]:
    doc = JsonNode(read_json(folder, name), name, "")
    if doc.text("area") != area_id:
        raise doc.error("area", f"expected area {area_id!r} as listed in manifest.json")
    aspects_node = doc.obj("aspects")
    assert aspects_node is not None
    out = []
    for aspect_id in list(aspects_node.data):
        if aspect_id not in aspect_defs:
            raise aspects_node.error(aspect_id, "unknown aspect (see manifest.json aspects)")
        node = aspects_node.obj(aspect_id)
        assert node is not None
        aa_id = f"{aspect_id}{area_id}"
        bobot = node.number("bobot")
        subs = [
            builder.sub_area(JsonNode(item, name, path), aa_id, area_id, i)
            for i, (item, path) in enumerate(node.each("sub_areas"))
        ]
        check_sum(node, "bobot", bobot, [s.bobot for s in subs], f"{aa_id}: sub-area weights")
        out.append(AspectArea(aa_id, aspect_id, area_id, node.text("name"), bobot, tuple(subs)))
        node.done()
    aspects_node.done()
    doc.done()
    return out


def _load_plain_area_file(folder: Path, name: str, area_id: str, bobot: float, builder: _Builder) -> AspectArea:
    """An area file of a version without aspects: its sub-areas directly (``sub_areas``), read as
    the area's single part (``aspect == ""``, the area's own id)."""
    doc = JsonNode(read_json(folder, name), name, "")
    if doc.text("area") != area_id:
        raise doc.error("area", f"expected area {area_id!r} as listed in manifest.json")
    if "aspects" in doc.data:
        raise doc.error("aspects", "manifest.json defines no aspects: list the area's sub_areas directly")
    subs = [
        builder.sub_area(JsonNode(item, name, path), area_id, area_id, i)
        for i, (item, path) in enumerate(doc.each("sub_areas"))
    ]
    check_sum(doc, "sub_areas", bobot, [s.bobot for s in subs], f"area {area_id}: sub-area weights")
    part = AspectArea(area_id, "", area_id, doc.text("name"), bobot, tuple(subs))
    doc.done()
    return part


def _load_hasil(folder: Path, name: str, builder: _Builder) -> tuple[HasilGroup, ...]:
    doc = JsonNode(read_json(folder, name), name, "")
    groups: list[HasilGroup] = []
    for item, path in doc.each("groups"):
        node = JsonNode(item, name, path)
        group_id, bobot = node.text("id"), node.number("bobot")
        if any(g.id == group_id for g in groups):
            raise node.error("id", f"duplicate hasil group {group_id}")
        indicators = []
        for ind_item, ind_path in node.each("indicators"):
            ind_node = JsonNode(ind_item, name, ind_path)
            ind_id = f"{group_id}.{ind_node.text('letter')}"
            ind_bobot = ind_node.number("bobot")
            if ind_bobot <= 0:
                raise ind_node.error("bobot", "must be positive")
            indicators.append(builder.indicator(ind_node, ind_id, ind_bobot, ind_id, None))
        check_sum(node, "bobot", bobot, [i.bobot for i in indicators], f"{group_id}: indicator weights")
        groups.append(HasilGroup(group_id, node.text("name"), bobot, tuple(indicators)))
        node.done()
    doc.done()
    return tuple(groups)


def _load_hints(folder: Path, name: str) -> dict[str, tuple[str, ...]]:
    data = read_json(folder, name)
    if not isinstance(data, dict):
        raise CriteriaError(name, "", "expected an object of indicator id → list of hints")
    out = {}
    for key, items in data.items():
        if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
            raise CriteriaError(name, key, "expected a list of non-empty texts")
        out[key] = tuple(items)
    return out


def _load_thresholds(
    folder: Path, name: str, builder: _Builder
) -> tuple[dict[str, PredicateRules], str, int]:
    doc = JsonNode(read_json(folder, name), name, "")
    area_rule = doc.text("area_rule")
    if area_rule not in AREA_RULES:
        raise doc.error("area_rule", f"expected one of {', '.join(AREA_RULES)}")
    places = int(doc.number("decimal_places"))
    known_nodes = {"total", "pengungkit", "hasil"} | {
        i.parent for i in builder.indicators.values() if i.area is None
    }
    known_nodes |= {i.parent.split(".")[0] for i in builder.indicators.values() if i.area is None}
    preds_node = doc.obj("predicates")
    assert preds_node is not None
    predicates = {}
    for pred_id in list(preds_node.data):
        node = preds_node.obj(pred_id)
        assert node is not None
        mins_node = node.obj("minimums")
        assert mins_node is not None
        minimums = []
        for node_id in list(mins_node.data):
            if node_id not in known_nodes:
                raise mins_node.error(node_id, f"unknown node (known: {', '.join(sorted(known_nodes))})")
            minimums.append((node_id, mins_node.number(node_id)))
        mins_node.done()
        area_percent = node.number("area_percent")
        if not 0 <= area_percent <= 100:
            raise node.error("area_percent", "must lie in [0, 100]")
        requires = node.raw("requires_predicate")
        if requires is not None and requires not in preds_node.data:
            raise node.error("requires_predicate", f"unknown predicate {requires!r}")
        predicates[pred_id] = PredicateRules(pred_id, node.text("name"), tuple(minimums), area_percent, requires)
        node.done()
    preds_node.done()
    doc.done()
    return predicates, area_rule, places


def available_criteria() -> list[str]:
    """Ids of the criteria versions shipped, imported into the instance folder, or in the extra roots."""
    return sorted({p.parent.name for root in criteria_roots() for p in root.glob("*/manifest.json")})
