"""`zi-assess criteria import-portalrb`: the 2026 master list scores every LKE exactly as the shipped criteria."""

from __future__ import annotations

import copy
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from zi_assess.domain import load_criteria, score, verdicts
from zi_assess.domain.answers import best_answers, random_answers
from zi_assess.domain.loader import CRITERIA_ROOT
from zi_assess.domain.portalrb_import import PortalRbError, import_master, load_master, parse_master

MASTER = CRITERIA_ROOT / "portalrb" / "portalrb-master-soal-lke-zi-2026.json"
EXE = str(Path(sys.executable).with_name("zi-assess"))


@pytest.fixture(scope="module")
def shipped():
    return load_criteria()


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    return import_master(MASTER, tmp_path_factory.mktemp("criteria"))


def _lkes(shipped) -> list[dict]:
    rng = random.Random(2026)
    lkes = [best_answers(shipped)]
    for quality in (0.0, 0.3, 0.7, 0.95):
        lkes += [random_answers(shipped, rng, quality=quality) for _ in range(60)]
    for lke in list(lkes[:40]):  # incomplete previews: answers left out at random
        lkes.append({k: v for k, v in lke.items() if rng.random() < 0.8})
    best = best_answers(shipped)
    lkes += [
        best | {"R3.iii.a": {"pelanggaran_tahun_sebelumnya": 0, "pelanggaran_tahun_ini": 2, "pelanggaran_disanksi": 2}},
        best | {"R5.ii.a": {"pengaduan_harus_ditindaklanjuti": 2, "pengaduan_sedang_diproses": 0, "pengaduan_selesai": 5}},
        best | {"R1.i.a": {"jumlah_agen_perubahan": 0, "jumlah_perubahan_dibuat": 3}, "P1.i.a": "tidak", "H1.a": 0},
        {k: (v.lower() if isinstance(v, str) else v) for k, v in best.items()},
        {},
    ]
    return lkes


def test_the_2026_master_list_scores_every_test_lke_exactly_as_the_shipped_criteria(shipped, imported):
    lkes = _lkes(shipped)
    assert len(lkes) > 280
    for lke in lkes:
        ours, theirs = score(shipped, lke), score(imported, lke)
        assert theirs.total == ours.total  # exactly, not approximately
        assert theirs.nodes == ours.nodes and theirs.values == ours.values
        assert (theirs.missing, theirs.warnings) == (ours.missing, ours.warnings)
        assert {p: (v.passed, [(c.rule, c.actual) for c in v.failures]) for p, v in verdicts(theirs).items()} == \
               {p: (v.passed, [(c.rule, c.actual) for c in v.failures]) for p, v in verdicts(ours).items()}


def test_the_imported_version_has_the_same_tree_texts_and_soal_ids(shipped, imported):
    assert imported.id == "portalrb-2026" and imported.portalrb_tahun == 2026
    assert list(imported.indicators) == list(shipped.indicators)
    for ind_id, ours in shipped.indicators.items():
        theirs = imported.indicators[ind_id]
        assert (theirs.question, theirs.explanation, theirs.bobot, theirs.soal_ids, theirs.options, theirs.inputs,
                theirs.formula, theirs.scale.values, theirs.data_dukung, theirs.external) == (
            ours.question, ours.explanation, ours.bobot, ours.soal_ids, ours.options, ours.inputs, ours.formula,
            ours.scale.values, ours.data_dukung, ours.external), ind_id
    assert {s: (n.bobot, n.name) for s, n in imported.sub_areas.items()} == \
           {s: (n.bobot, n.name) for s, n in shipped.sub_areas.items()}
    assert imported.predicates == shipped.predicates
    folder = Path(imported.source_dir)
    assert (folder / "portalrb-master-soal-2026.json").read_bytes() == MASTER.read_bytes()


def test_cli_writes_a_valid_version_once_and_never_loads_flask(tmp_path):
    out = subprocess.run([EXE, "criteria", "import-portalrb", str(MASTER), "--out", str(tmp_path), "--id", "prb-26"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("prb-26: OK — 113 indicators, 127 PortalRB soals, 42 sub-areas, bobot 100.00")
    check = subprocess.run([EXE, "criteria", "check", str(tmp_path / "prb-26")], capture_output=True, text=True)
    assert check.returncode == 0 and "prb-26: OK" in check.stdout
    again = subprocess.run([EXE, "criteria", "import-portalrb", str(MASTER), "--out", str(tmp_path), "--id", "prb-26"],
                           capture_output=True, text=True)
    assert again.returncode == 2 and "already exists" in again.stderr
    code = (
        "import sys; from zi_assess.cli_score import main; "
        f"rc = main(['criteria', 'import-portalrb', {str(MASTER)!r}, '--out', {str(tmp_path)!r}, '--id', 'x-1']); "
        "print(rc, [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'openpyxl')])"
    )
    probe = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert probe.stdout.strip().endswith("0 []"), probe.stdout


def _edited(tmp_path: Path, change) -> Path:
    data = json.loads(MASTER.read_text())
    declared = data["total_soal"]
    change(data)
    if data["total_soal"] == declared:  # keep the count honest unless the case is about it
        data["total_soal"] = len(parse_master({**data, "total_soal": None}).soals) if _parses(data) else declared
    path = tmp_path / "master.json"
    path.write_text(json.dumps(data))
    return path


def _parses(data: dict) -> bool:
    try:
        parse_master({**data, "total_soal": None})
    except PortalRbError:
        return False
    return True


def _sub_area(data: dict, node_id: int) -> dict:
    def walk(node):
        if node["id"] == node_id and node["level"] == "sub_area":
            return node
        for child in node.get("children", []):
            found = walk(child)
            if found:
                return found
        return None

    return next(x for x in map(walk, data["data"]) if x)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: _sub_area(d, 5)["soals"].pop(), "sub_area 'ii. Rencana Pembangunan Zona Integritas' (id 5): has 2 soals; the template expects 3"),
        (lambda d: _sub_area(d, 36)["soals"][0].update(jenis_jawaban="ABC"), "soal 88 (template R1.i.a.jumlah_agen_perubahan"),
        (lambda d: _sub_area(d, 55).update(bobot_maksimal=1.5), "nested sub-areas must share the sub-area's bobot equally"),
        (lambda d: d["data"][1]["children"][0]["soals"][0].update(bobot_maksimal=20), "bobot_maksimal 20 differs from the template's H1.a bobot 17.5"),
        (lambda d: d["data"][0]["children"].pop(), "has 1 sub_komponen; the template expects 2"),
        (lambda d: d.update(total_soal=120), "total_soal: says 120 but the tree holds 127 soals"),
        (lambda d: _sub_area(d, 4)["soals"][1].update(id=1), "soal 1: soal id used twice"),
        (lambda d: _sub_area(d, 4)["soals"][0].pop("excel_baris"), "excel_baris: missing key"),
        (lambda d: _sub_area(d, 4).update(bobot_maksimal=0.75), "sub-area weights add up to 4.25, expected 4"),
    ],
)
def test_a_master_list_that_does_not_fit_is_refused_and_writes_nothing(tmp_path, change, message):
    out = tmp_path / "out"
    with pytest.raises(ValueError) as info:  # PortalRbError, or the loader's CriteriaError
        import_master(_edited(tmp_path, change), out)
    assert message in str(info.value)
    assert not out.exists() or list(out.iterdir()) == []


def test_changed_multipliers_become_a_new_scale_and_change_the_score(tmp_path, shipped):
    def halve(d):
        for item in _sub_area(d, 4)["soals"][1]["skema_penilaian"]:  # P1.i.b: A/B/C
            if item["key"] == "B":
                item["multiplier"] = 0.6

    criteria = import_master(_edited(tmp_path, halve), tmp_path / "out", "changed")
    assert criteria.indicators["P1.i.b"].scale.id == "abc_2026"
    assert dict(criteria.indicators["P1.i.b"].scale.values) == {"A": 1, "B": 0.6, "C": 0}
    assert criteria.indicators["P1.ii.b"].scale.id == "abc"
    answers = best_answers(shipped) | {"P1.i.b": "B"}
    assert score(criteria, answers).total - score(shipped, answers).total == pytest.approx(0.1 * 0.25)


def test_bad_files_are_named(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"tahun": 2026,\n "data": [')
    with pytest.raises(PortalRbError, match="invalid JSON at line 2"):
        load_master(broken)
    with pytest.raises(PortalRbError, match="cannot read"):
        load_master(tmp_path / "missing.json")
    with pytest.raises(PortalRbError, match="expected a JSON object"):
        parse_master([])
    with pytest.raises(PortalRbError, match="--id"):
        import_master(MASTER, tmp_path, "Bad Id!")
    unknown_keys = copy.deepcopy(json.loads(MASTER.read_text()))
    unknown_keys["extra"] = {"ignored": True}
    assert len(parse_master(unknown_keys).soals) == 127
