"""PermenPANRB 52/2014 as a criteria version: the LKE of its Lampiran (pp. 26–43, scanned) and the
predicate rules of Bab III B.4, checked against the regulation's own numbers."""

from __future__ import annotations

import json
import shutil
from math import fsum
from pathlib import Path

import pytest

from zi_assess.domain.contract import result_to_dict, score_request
from zi_assess.domain.jsondata import CriteriaError
from zi_assess.domain.loader import CRITERIA_ROOT, _load_folder, available_criteria, load_criteria
from zi_assess.domain.scoring import score
from zi_assess.domain.verdict import verdicts

ID = "permenpanrb-52-2014"
FOLDER = CRITERIA_ROOT / ID
# the LKE's "PROSES (60)" block: area → bobot, and sub-area → (bobot, number of questions)
AREAS = {"1": 5, "2": 5, "3": 15, "4": 10, "5": 15, "6": 10}
SUB_AREAS = {
    "1.i": (1, 2), "1.ii": (1, 3), "1.iii": (2, 3), "1.iv": (1, 4),
    "2.i": (1.5, 3), "2.ii": (2, 4), "2.iii": (1.5, 2),
    "3.i": (2, 3), "3.ii": (2, 3), "3.iii": (3, 6), "3.iv": (4, 4), "3.v": (3, 1), "3.vi": (1, 1),
    "4.i": (5, 3), "4.ii": (5, 8),
    "5.i": (3, 2), "5.ii": (3, 4), "5.iii": (3, 4), "5.iv": (3, 4), "5.v": (3, 5),
    "6.i": (3, 4), "6.ii": (3, 5), "6.iii": (4, 3),
}
# "HASIL (40)": I. 20 = survey 15 + TLHP 5; II. 20 = survey 20
HASIL = {"H1.a": 15, "H1.b": 5, "H2.a": 20}


@pytest.fixture(scope="module")
def c2014():
    return load_criteria(ID)


def _best(criteria):
    return {i.id: (i.scale.keys[0] if i.kind == "choice" else i.scale.maximum) for i in criteria.indicators.values()}


def _worst(criteria):
    return {i.id: (i.scale.keys[-1] if i.kind == "choice" else 0) for i in criteria.indicators.values()}


def test_every_weight_sums_in_the_files():
    """Read the JSON itself (not the loader): sub-areas → areas → pengungkit 60, hasil rows →
    groups → 40, components → 100."""
    manifest = json.loads((FOLDER / "manifest.json").read_text())
    assert "aspects" not in manifest
    seen = {}
    for area in manifest["areas"]:
        data = json.loads((FOLDER / area["file"]).read_text())
        assert data["area"] == area["id"] and "aspects" not in data
        subs = data["sub_areas"]
        assert fsum(s["bobot"] for s in subs) == area["bobot"] == AREAS[area["id"]]
        for sub in subs:
            seen[f"{area['id']}.{sub['numeral']}"] = (sub["bobot"], len(sub["indicators"]))
    assert seen == SUB_AREAS
    components = {c["id"]: c for c in manifest["components"]}
    assert fsum(a["bobot"] for a in manifest["areas"]) == components["pengungkit"]["bobot"] == 60
    hasil = json.loads((FOLDER / "hasil.json").read_text())
    for group in hasil["groups"]:
        assert fsum(i["bobot"] for i in group["indicators"]) == group["bobot"] == 20
    assert {f"{g['id']}.{i['letter']}": i["bobot"] for g in hasil["groups"] for i in g["indicators"]} == HASIL
    assert fsum(g["bobot"] for g in hasil["groups"]) == components["hasil"]["bobot"] == 40
    assert fsum(c["bobot"] for c in manifest["components"]) == manifest["total_bobot"] == 100


def test_loads_without_an_aspect_level(c2014):
    assert ID in available_criteria()
    assert not c2014.has_aspects and c2014.aspects == ()
    assert len(c2014.indicators) == 81 + 3
    assert c2014.component("pengungkit").parts == ("1", "2", "3", "4", "5", "6")
    assert c2014.summary_node_ids == ("pengungkit", "hasil", "1", "2", "3", "4", "5", "6")
    for area in c2014.areas:
        (part,) = area.aspect_areas  # the area's one part: no node of its own
        assert (part.id, part.aspect, part.bobot) == (area.id, "", area.bobot)
        assert area.sub_areas == part.sub_areas
    assert c2014.indicator("3.iv.c").scale.keys == ("A", "B", "C", "D", "E")
    assert c2014.indicator("1.i.a").question.startswith("Apakah unit kerja telah membentuk tim")
    assert c2014.indicator("H1.b").scale.maximum == 100 and c2014.indicator("H1.a").external
    # the scan's illegible page is flagged in the data, not passed off as certain
    assert "resolusi rendah" in c2014.indicator("3.iii.d").note
    assert c2014.page_ids == ("1", "2", "3", "4", "5", "6", "H")


def test_full_marks_score_100_and_meet_both_predicates(c2014):
    for careful in (False, True):
        sheet = score(c2014, _best(c2014), careful=careful)
        assert sheet.complete and sheet.fast_path is not careful
        assert (sheet.total, sheet.pengungkit, sheet.hasil) == (100.0, 60.0, 40.0)
        assert sheet.pemenuhan is None and sheet.reform is None
        assert {a: n.nilai for a, n in sheet.areas.items()} == {a: float(b) for a, b in AREAS.items()}
        assert all(sheet.node(s).nilai == b for s, (b, _n) in SUB_AREAS.items())
    results = verdicts(sheet)
    assert results["WBK"].passed and results["WBBM"].passed


def test_thresholds_are_bab_iii_b4(c2014):
    """WBK: total 75, hasil 'bersih dan bebas KKN' 18 with survey 13.5 and TLHP 3.5; WBBM: total
    85, the same, and 'kualitas pelayanan publik' 16; no pengungkit or per-area minimum."""
    assert dict(c2014.predicates["WBK"].minimums) == {"total": 75.0, "H1": 18.0, "H1.a": 13.5, "H1.b": 3.5}
    assert dict(c2014.predicates["WBBM"].minimums) == {
        "total": 85.0, "H1": 18.0, "H1.a": 13.5, "H1.b": 3.5, "H2": 16.0}
    assert c2014.predicates["WBBM"].requires_predicate == "WBK"
    rules = [c.rule for c in verdicts(score(c2014, _best(c2014)))["WBK"].checks]
    assert rules == ["total", "H1", "H1.a", "H1.b"]  # no area rules
    # survey 3.6/4 → 13.5 and TLHP 90 % → 4.5: H1 = 18, exactly at every minimum
    answers = _best(c2014) | {"H1.a": 3.6, "H1.b": 90}
    sheet = score(c2014, answers)
    assert sheet.node("H1").nilai == pytest.approx(18.0)
    assert all(v.passed for v in verdicts(sheet).values())
    # TLHP 70 % → 3.5 meets its own minimum, but H1 = 17 < 18 (13.5 + 3.5 does not reach 18)
    assert [c.rule for c in verdicts(score(c2014, answers | {"H1.b": 70}))["WBK"].failures] == ["H1"]
    assert [c.rule for c in verdicts(score(c2014, answers | {"H1.b": 69}))["WBK"].failures] == ["H1", "H1.b"]
    # the survey one step below 13.5 (3.59/4 → 13.46)
    assert [c.rule for c in verdicts(score(c2014, answers | {"H1.a": 3.59}))["WBK"].failures] == ["H1", "H1.a"]
    # WBBM's own rule: H2 ≥ 16 (survey 3.2/4 → 16 passes, 3.19 → 15.95 fails)
    assert verdicts(score(c2014, answers | {"H2.a": 3.2}))["WBBM"].passed
    assert [c.rule for c in verdicts(score(c2014, answers | {"H2.a": 3.19}))["WBBM"].failures] == ["H2"]


def test_the_scoring_contract_has_no_aspects_for_2014(c2014):
    out = result_to_dict(score_request({"criteria": ID, "answers": _best(c2014)}))
    assert (out["criteria"], out["total"], out["pemenuhan"], out["reform"]) == (ID, 100.0, None, None)
    assert set(out["areas"]) == set(AREAS) and "P" not in out["nodes"]


def test_all_zero_lke(c2014):
    sheet = score(c2014, _worst(c2014))
    assert sheet.complete and sheet.total == 0.0 and all(n.nilai == 0 for n in sheet.areas.values())
    wbk = verdicts(sheet)["WBK"]
    assert [c.rule for c in wbk.failures] == ["total", "H1", "H1.a", "H1.b"]


def _edited_copy(tmp_path: Path, name: str, change) -> Path:
    """A copy of the 52/2014 folder with one JSON file changed."""
    folder = tmp_path / ID
    shutil.copytree(FOLDER, folder)
    path = folder / name
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    return folder


def test_an_area_file_with_aspects_is_refused_without_aspects_in_the_manifest(tmp_path: Path):
    folder = _edited_copy(tmp_path, "areas/1-manajemen-perubahan.json", lambda d: d.update(aspects={}))
    with pytest.raises(CriteriaError, match="defines no aspects"):
        _load_folder(folder)


def test_a_wrong_sub_area_weight_is_refused(tmp_path: Path):
    folder = _edited_copy(tmp_path, "areas/4-penguatan-akuntabilitas.json",
                          lambda d: d["sub_areas"][0].update(bobot=4.5))
    with pytest.raises(CriteriaError, match="area 4: sub-area weights add up to 9.5"):
        _load_folder(folder)


def test_per_aspect_rule_needs_aspects(tmp_path: Path):
    folder = _edited_copy(tmp_path, "thresholds.json", lambda d: d.update(area_rule="per_aspect"))
    with pytest.raises(CriteriaError, match="per_aspect needs aspects"):
        _load_folder(folder)


def test_a_survey_unit_other_than_percent_is_refused(tmp_path: Path):
    folder = _edited_copy(tmp_path, "scales.json", lambda d: d["persen_langsung"].update(unit="poin"))
    with pytest.raises(CriteriaError, match="expected '%'"):
        _load_folder(folder)
