"""A PortalRB "master soal" JSON → a criteria folder in the format of ``criteria/permenpanrb-90-2021/``.

KemenPANRB publishes each evaluation year's LKE as a tree (komponen > sub_komponen >
area_perubahan > sub_area > soals). The file gives the tree and its weights (``bobot_maksimal``),
every soal id, question (``teks_pertanyaan``), explanation (``kriteria_nilai``), answer type,
option texts with their multipliers, and the Excel row/columns of each answer.

What it does **not** give is taken from a *template* criteria version (default: the shipped
``permenpanrb-90-2021``), matched **by position** (n-th komponen, sub_komponen, area, sub_area,
soal) and checked by soal structure (the answer type expected at each position):

- percentage indicators: PortalRB lists only their count inputs (the "Jumlah" soals). Which
  inputs form one indicator, their decision-D4 keys, the formula with its zero-denominator rule
  and the question/explanation of the % row itself come from the template;
- scale ids and labels and the survey maximum: a soal whose multipliers equal a template scale
  uses it; other multipliers become a new scale (so a changed multiplier changes the score);
- the thresholds, the hasil indicator weights (checked against the soal's ``bobot_maksimal`` when
  that is set), the names PortalRB writes in capitals (components, aspects, areas, hasil
  groups) with their English names, and the data-dukung hints.

A structure that does not match the template is an error naming the PortalRB node; the importer
never guesses. The folder it writes is then validated by the ordinary loader.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from zi_assess.domain.criteria import Criteria, Indicator, Scale
from zi_assess.domain.loader import (
    DEFAULT_CRITERIA_ID,
    ROMAN,
    find_criteria_folder,
    instance_criteria_root,
    load_criteria,
)
from zi_assess.domain.portalrb_master import (
    SURVEY_JENIS,
    MasterList,
    MasterNode,
    MasterSoal,
    PortalRbError,
    load_master,
    master_path_of,
    parse_master,
    strip_numbering,
)
from zi_assess.filenames import slug

__all__ = ["PortalRbError", "build_criteria", "import_master", "load_master", "master_path_of", "parse_master"]

# -- conversion --------------------------------------------------------------------------------


class _Scales:
    """Scales of the new version: the template's where the multipliers agree, new ones otherwise."""

    def __init__(self, template: Criteria, tahun: int) -> None:
        self.template = template
        self.tahun = tahun
        self.used: dict[str, Scale] = {}

    def _use(self, scale: Scale) -> str:
        self.used[scale.id] = scale
        return scale.id

    def choice(self, soal: MasterSoal, preferred: Scale) -> str:
        values = tuple((key, mult) for key, _label, mult in soal.skema)
        if len(values) < 2:
            raise PortalRbError(f"soal {soal.id}", f"answer type {soal.jenis!r} needs at least two options")
        candidates = [preferred, *self.template.scales.values(), *self.used.values()]
        for scale in candidates:
            if scale.kind == "choice" and scale.values == values:
                return self._use(scale)
        base = re.sub(r"[^a-z0-9]+", "_", soal.jenis.lower()).strip("_") or "pilihan"
        scale_id, n = f"{base}_{self.tahun}", 1
        while scale_id in self.used or scale_id in self.template.scales:
            n += 1
            scale_id = f"{base}_{self.tahun}_{n}"
        return self._use(Scale(scale_id, "/".join(k for k, _ in values), "choice", values=values))

    def survey(self, soal: MasterSoal, preferred: Scale) -> str:
        match = SURVEY_JENIS.match(soal.jenis.strip())
        assert match is not None
        maximum = float(match.group(1))
        if preferred.kind == "survey" and preferred.maximum == maximum:
            return self._use(preferred)
        return self._use(Scale(f"survei_0_{match.group(1)}", f"Nilai (0-{match.group(1)})", "survey", maximum=maximum))

    def percent(self, preferred: Scale) -> str:
        return self._use(preferred)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for scale in self.used.values():
            if scale.kind == "choice":
                out[scale.id] = {"label": scale.label, "kind": "choice", "values": dict(scale.values)}
            elif scale.kind == "survey":
                out[scale.id] = {"label": scale.label, "kind": "survey", "max": scale.maximum}
            else:
                out[scale.id] = {"label": scale.label, "kind": "percent"}
        return out


def _slots(indicators: tuple[Indicator, ...]) -> list[tuple[Indicator, str | None]]:
    """The soals a template sub-area expects, in order: one per indicator, one per count input."""
    slots: list[tuple[Indicator, str | None]] = []
    for ind in indicators:
        if ind.kind == "percent":
            slots.extend((ind, inp.key) for inp in ind.inputs)
        else:
            slots.append((ind, None))
    return slots


def _expect(count: int, expected: int, node: MasterNode, what: str) -> None:
    if count != expected:
        raise PortalRbError(node.label, f"has {count} {what}; the template expects {expected}")


def _indicators(node: MasterNode, template_inds: tuple[Indicator, ...], scales: _Scales,
                template_id: str) -> list[dict[str, Any]]:
    """The soals under ``node`` matched to the template's indicators (letters, inputs, formulas)."""
    if node.children:
        bobots = {child.bobot for child in node.children}
        if len(bobots) != 1 or abs(sum(c.bobot for c in node.children) - node.bobot) > 1e-9:
            raise PortalRbError(node.label, "nested sub-areas must share the sub-area's bobot equally "
                                "(zi-assess weighs the indicators of a sub-area equally)")
    soals = node.all_soals()
    slots = _slots(template_inds)
    _expect(len(soals), len(slots), node, "soals")
    out: dict[str, dict[str, Any]] = {}
    for soal, (ind, input_key) in zip(soals, slots, strict=True):
        where = f"soal {soal.id} (template {ind.id}{'.' + input_key if input_key else ''} in {template_id})"
        expected_kind = "count" if input_key else ("survey" if ind.kind == "survey" else "choice")
        if soal.kind != expected_kind:
            raise PortalRbError(where, f"answer type {soal.jenis!r} where the template has a {expected_kind} soal")
        entry = out.get(ind.id)
        if input_key is not None:
            if entry is None:
                assert ind.formula is not None
                formula = ind.formula
                zero = formula.when_denominator_zero
                entry = out[ind.id] = {
                    "letter": ind.letter, "question": ind.question, "explanation": ind.explanation,
                    "scale": scales.percent(ind.scale), "inputs": [],
                    "formula": {
                        "text": formula.text, "numerator": list(formula.numerator), "minus": list(formula.minus),
                        "denominator": list(formula.denominator),
                        "when_denominator_zero": zero if not isinstance(zero, tuple)
                        else {"numerator_zero": zero[0], "otherwise": zero[1]},
                    },
                }
            entry["inputs"].append({"key": input_key, "label": soal.text, "soal_id": soal.id})
            continue
        item: dict[str, Any] = {"letter": ind.letter, "question": soal.text, "explanation": soal.kriteria}
        if expected_kind == "survey":
            item["scale"] = scales.survey(soal, ind.scale)
        else:
            item["scale"] = scales.choice(soal, ind.scale)
            item["options"] = [{"key": key, "text": label} for key, label, _m in soal.skema]
        if ind.external:
            item["external"] = True
        item["soal_id"] = soal.id
        out[ind.id] = item
    return list(out.values())


def build_criteria(master: MasterList, template: Criteria, criteria_id: str, master_ref: str) -> dict[str, Any]:
    """The files of the new criteria folder: relative path → JSON document."""
    roots = master.roots
    _expect(len(roots), len(template.components), _root_node(master), "komponen")
    by_component = dict(zip((c.id for c in template.components), roots, strict=True))
    if set(by_component) != {"pengungkit", "hasil"}:
        raise PortalRbError("template", "expected the components 'pengungkit' and 'hasil'")
    scales = _Scales(template, master.tahun)
    pengungkit, hasil = by_component["pengungkit"], by_component["hasil"]

    _expect(len(pengungkit.children), len(template.aspects), pengungkit, "sub_komponen")
    area_docs: dict[str, dict[str, Any]] = {a.id: {"area": a.id, "aspects": {}} for a in template.areas}
    area_bobot: dict[str, float] = dict.fromkeys(area_docs, 0.0)
    aspects_json = []
    for aspect, sub_komponen in zip(template.aspects, pengungkit.children, strict=True):
        aspects_json.append({"id": aspect.id, "name": aspect.name, "name_en": aspect.name_en,
                             "bobot": sub_komponen.bobot})
        _expect(len(sub_komponen.children), len(aspect.aspect_areas), sub_komponen, "area_perubahan")
        for aa, area_node in zip(aspect.aspect_areas, sub_komponen.children, strict=True):
            _expect(len(area_node.children), len(aa.sub_areas), area_node, "sub_area")
            if area_node.soals:
                raise PortalRbError(area_node.label, "soals directly under an area are not supported")
            subs = []
            for index, (sub, sub_node) in enumerate(zip(aa.sub_areas, area_node.children, strict=True)):
                subs.append({"numeral": ROMAN[index], "name": strip_numbering(sub_node.name),
                             "bobot": sub_node.bobot,
                             "indicators": _indicators(sub_node, sub.indicators, scales, template.id)})
            area_docs[aa.area]["aspects"][aspect.id] = {
                "name": strip_numbering(area_node.name), "bobot": area_node.bobot, "sub_areas": subs,
            }
            area_bobot[aa.area] += area_node.bobot

    _expect(len(hasil.children), len(template.hasil_groups), hasil, "sub_komponen")
    groups = []
    for group, group_node in zip(template.hasil_groups, hasil.children, strict=True):
        items = _indicators(group_node, group.indicators, scales, template.id)
        for item, ind, soal in zip(items, group.indicators, group_node.all_soals(), strict=True):
            if soal.bobot and abs(soal.bobot - ind.bobot) > 1e-9:
                raise PortalRbError(f"soal {soal.id}", f"bobot_maksimal {soal.bobot:g} differs from the template's "
                                    f"{ind.id} bobot {ind.bobot:g}")
            item["bobot"] = ind.bobot
        groups.append({"id": group.id, "name": group.name, "bobot": group_node.bobot, "indicators": items})

    files: dict[str, Any] = {}
    areas_json = []
    for area in template.areas:
        name = f"areas/{area.id}-{slug(area.name, fallback='area', lower=True, max_length=80)}.json"
        files[name] = area_docs[area.id]
        areas_json.append({"id": area.id, "name": area.name, "name_en": area.name_en,
                           "bobot": area_bobot[area.id], "file": name})
    components = []
    for comp, node in ((c, by_component[c.id]) for c in template.components):
        parts = [a["id"] for a in aspects_json] if comp.id == "pengungkit" else [g["id"] for g in groups]
        components.append({"id": comp.id, "name": comp.name, "name_en": comp.name_en, "bobot": node.bobot,
                           "parts": parts})
    hints = {ind_id: list(ind.data_dukung) for ind_id, ind in template.indicators.items() if ind.data_dukung}
    manifest: dict[str, Any] = {
        "id": criteria_id,
        "title": f"Lembar Kerja Evaluasi Zona Integritas — master soal PortalRB {master.tahun}",
        "title_en": f"Zona Integritas evaluation worksheet — PortalRB master soal {master.tahun}",
        "legal_basis": [*template.legal_basis,
                        f"Master soal LKE ZI PortalRB {master.tahun} ({master.generated_at or 'tanpa tanggal'})"],
        "portalrb": {"tahun": master.tahun, "master_soal": master_ref},
        "total_bobot": sum(node.bobot for node in roots),
        "components": components, "aspects": aspects_json, "areas": areas_json,
        "hasil_file": "hasil.json", "scales_file": "scales.json", "thresholds_file": "thresholds.json",
    }
    if hints:
        manifest["data_dukung_file"] = "data-dukung.json"
        files["data-dukung.json"] = hints
    files["manifest.json"] = manifest
    files["hasil.json"] = {"groups": groups}
    files["scales.json"] = scales.as_json()
    files["thresholds.json"] = {
        "area_rule": template.area_rule, "decimal_places": template.decimal_places,
        "predicates": {
            p.id: {"name": p.name, "area_percent": p.area_percent, "minimums": dict(p.minimums),
                   "requires_predicate": p.requires_predicate}
            for p in template.predicates.values()
        },
    }
    return files


def _root_node(master: MasterList) -> MasterNode:
    return MasterNode(0, "data", "master soal", 0.0, master.roots, ())


def import_master(
    master_path: str | Path,
    out_parent: str | Path | None = None,
    criteria_id: str | None = None,
    template: str | Path = DEFAULT_CRITERIA_ID,
) -> Criteria:
    """Write ``<out_parent>/<criteria_id>/`` from a master soal file and return it loaded.

    ``out_parent`` defaults to the instance folder's criteria directory (see
    :func:`~zi_assess.domain.loader.use_instance_criteria`), where the loader finds it by id;
    there the id must not name a version that already exists, shipped or imported.

    The folder holds the criteria files and a copy of the master list (the Excel layout of its
    answers). It is written in a temporary folder, validated by the loader and only then moved
    into place; an existing folder is never overwritten.
    """
    master = load_master(master_path)
    criteria_id = criteria_id or f"portalrb-{master.tahun}"
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,79}", criteria_id):
        raise PortalRbError("--id", "use lower-case letters, digits, '.', '_' or '-' (at most 80)")
    if out_parent is None:
        # never into the shipped criteria (they may lie inside an installed wheel)
        default = instance_criteria_root()
        if default is None:
            raise PortalRbError("--out", "no instance folder is configured; give the folder to write into")
        out_parent = default
        existing = find_criteria_folder(criteria_id)
        if existing is not None:
            raise PortalRbError(str(existing), "already exists; choose another --id or remove it first")
    parent = Path(out_parent)
    target = parent / criteria_id
    if target.exists():
        raise PortalRbError(str(target), "already exists; choose another --id or remove it first")
    template_criteria = load_criteria(template)
    master_copy = f"portalrb-master-soal-{master.tahun}.json"
    files = build_criteria(master, template_criteria, criteria_id, f"{criteria_id}/{master_copy}")
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".import-", dir=parent))
    try:
        folder = staging / criteria_id
        (folder / "areas").mkdir(parents=True)
        for name, doc in files.items():
            (folder / name).write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        shutil.copyfile(master_path, folder / master_copy)
        load_criteria.__wrapped__(folder)  # the ordinary validation, uncached: raises CriteriaError
        os.replace(folder, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return load_criteria.__wrapped__(target)
