"""The shipped criteria against the regulation's own numbers and the PortalRB 2026 master list."""

from __future__ import annotations

import csv
import json
from collections import Counter

import pytest

from zi_assess.domain.loader import CRITERIA_ROOT

# Appendix A / Lampiran III: sub-area → (bobot, number of indicators)
SUB_AREAS = {
    "P1.i": (0.5, 2), "P1.ii": (1.0, 3), "P1.iii": (1.0, 3), "P1.iv": (1.5, 4),
    "P2.i": (1.0, 3), "P2.ii": (2.0, 4), "P2.iii": (0.5, 2),
    "P3.i": (0.25, 3), "P3.ii": (0.5, 3), "P3.iii": (1.25, 6), "P3.iv": (2.0, 4), "P3.v": (0.75, 1), "P3.vi": (0.25, 1),
    "P4.i": (2.5, 3), "P4.ii": (2.5, 8),
    "P5.i": (1.5, 2), "P5.ii": (1.5, 4), "P5.iii": (1.5, 4), "P5.iv": (1.5, 3), "P5.v": (1.5, 5),
    "P6.i": (1.0, 4), "P6.ii": (1.0, 6), "P6.iii": (1.0, 3), "P6.iv": (1.0, 3), "P6.v": (1.0, 3),
    "R1.i": (2.0, 2), "R1.ii": (1.0, 1), "R1.iii": (1.0, 1),
    "R2.i": (0.5, 1), "R2.ii": (1.0, 2), "R2.iii": (2.0, 3),
    "R3.i": (1.5, 1), "R3.ii": (1.5, 1), "R3.iii": (2.0, 1),
    "R4.i": (2.0, 1), "R4.ii": (1.5, 1), "R4.iii": (1.5, 1),
    "R5.i": (2.5, 1), "R5.ii": (3.0, 1), "R5.iii": (2.0, 2),
    "R6.i": (2.5, 2), "R6.ii": (2.5, 1),
}
AREAS = {"1": 8, "2": 7, "3": 10, "4": 10, "5": 15, "6": 10}
D4_INPUTS = {
    "R1.i.a": ["jumlah_agen_perubahan", "jumlah_perubahan_dibuat"],
    "R1.i.b": ["jumlah_perubahan_dibuat", "jumlah_perubahan_terintegrasi"],
    "R3.iii.a": ["pelanggaran_tahun_sebelumnya", "pelanggaran_tahun_ini", "pelanggaran_disanksi"],
    "R4.i.a": ["jumlah_sasaran_kinerja", "jumlah_sasaran_tercapai"],
    "R5.ii.a": ["pengaduan_harus_ditindaklanjuti", "pengaduan_sedang_diproses", "pengaduan_selesai"],
    "R5.iii.a": ["lhkpn_kepala_satker", "lhkpn_pejabat_wajib", "lhkpn_lainnya", "lhkpn_sudah_melapor"],
    "R5.iii.b": ["lhkasn_administrator", "lhkasn_pengawas", "lhkasn_fungsional_pelaksana", "lhkasn_sudah_melapor"],
    "R6.i.b": ["jumlah_layanan_terdaftar", "jumlah_layanan_dipermudah"],
}
# % rows have no soal of their own; their texts are the first input soal's kriteria_nilai
# (question = first line), except where Lampiran III prints its own wording.
PERCENT_TEXT_FROM_LAMPIRAN_III = {
    "R5.iii.a": ("Persentase penyampaian LHKPN", None),
    "R5.iii.b": (
        "Persentase penyampaian LHKASN",
        "Penyampaian LHKASN diatur dalam:\n1. Undang-Undang No. 28 Tahun 1999\n2. Undang-Undang No. 30 Tahun 2002\n"
        "3. Undang-Undang No. 10 Tahun 2015\n4. SE MenPANRB No. 1 Tahun 2015",
    ),
}


def text(value: str) -> str:
    return value.replace("\r\n", "\n")


@pytest.fixture(scope="module")
def master() -> dict[int, dict]:
    data = json.loads((CRITERIA_ROOT / "portalrb" / "portalrb-master-soal-lke-zi-2026.json").read_text())
    soals: dict[int, dict] = {}

    def walk(node):
        for soal in node.get("soals", []):
            soals[soal["id"]] = soal
        for child in node.get("children", []):
            walk(child)

    for root in data["data"]:
        walk(root)
    assert data["total_soal"] == len(soals) == 127
    return soals


def test_counts(criteria):
    inds = criteria.indicators
    assert len(inds) == 113
    assert Counter(i[0] for i in inds) == {"P": 87, "R": 23, "H": 3}
    assert len(criteria.sub_areas) == 42
    assert sum(len(a.aspect_areas) for a in criteria.aspects) == 12
    assert Counter(ind.scale.id for ind in inds.values()) == {
        "ya_tidak": 17, "abc": 36, "abcd": 33, "abcde": 17, "persen": 8, "survei": 2,
    }
    assert criteria.indicators["H1.b"].scale.id == "abcde"


def test_every_weight_of_appendix_a(criteria):
    assert {s.id: (s.bobot, len(s.indicators)) for s in criteria.sub_areas.values()} == SUB_AREAS
    assert {a.id: a.bobot for a in criteria.areas} == AREAS
    for area in criteria.areas:
        assert [aa.bobot for aa in area.aspect_areas] == [AREAS[area.id] / 2] * 2
    assert {a.id: a.bobot for a in criteria.aspects} == {"P": 30, "R": 30}
    assert {g.id: g.bobot for g in criteria.hasil_groups} == {"H1": 22.5, "H2": 17.5}
    assert {i.id: i.bobot for i in criteria.hasil_indicators()} == {"H1.a": 17.5, "H1.b": 5.0, "H2.a": 17.5}
    assert {c.id: c.bobot for c in criteria.components} == {"pengungkit": 60, "hasil": 40}
    assert criteria.total_bobot == 100
    # effective weight of an indicator = sub-area bobot ÷ its indicator count
    assert criteria.indicators["P4.ii.a"].bobot == pytest.approx(0.3125)
    assert criteria.indicators["P3.i.a"].bobot == pytest.approx(0.25 / 3)


def test_answer_values_of_d3(criteria):
    scales = {sid: dict(s.values) for sid, s in criteria.scales.items() if s.kind == "choice"}
    assert scales == {
        "ya_tidak": {"Ya": 1, "Tidak": 0},
        "abc": {"A": 1, "B": 0.5, "C": 0},
        "abcd": {"A": 1, "B": 0.67, "C": 0.33, "D": 0},
        "abcde": {"A": 1, "B": 0.75, "C": 0.5, "D": 0.25, "E": 0},
    }
    assert criteria.scales["survei"].maximum == 4


def test_thresholds_of_d8(criteria):
    wbk, wbbm = criteria.predicates["WBK"], criteria.predicates["WBBM"]
    assert dict(wbk.minimums) == {"total": 75, "pengungkit": 40, "H1": 18.25, "H1.a": 15.75, "H1.b": 2.5, "H2": 14}
    assert dict(wbbm.minimums) == {"total": 85, "pengungkit": 48, "H1": 19.5, "H1.a": 15.75, "H1.b": 3.75, "H2": 15.75}
    assert (wbk.area_percent, wbbm.area_percent) == (60, 75)
    assert (wbk.requires_predicate, wbbm.requires_predicate) == (None, "WBK")
    assert criteria.area_rule == "area_total"


def test_percent_inputs_of_d4(criteria):
    percent = {i.id: [c.key for c in i.inputs] for i in criteria.indicators.values() if i.kind == "percent"}
    assert percent == D4_INPUTS
    r3 = criteria.indicators["R3.iii.a"].formula
    assert r3.minus == ("pelanggaran_tahun_ini",) and "pelanggaran_disanksi" not in r3.scored_keys
    assert criteria.indicators["R5.iii.a"].formula.denominator == (
        "lhkpn_kepala_satker", "lhkpn_pejabat_wajib", "lhkpn_lainnya",
    )


def test_question_and_option_texts_match_the_portalrb_master_list(criteria, master):
    used: list[int] = []
    for ind in criteria.indicators.values():
        if ind.kind == "percent":
            first = master[ind.inputs[0].soal_id]
            for inp in ind.inputs:
                soal = master[inp.soal_id]
                assert inp.label == text(soal["teks_pertanyaan"]), (ind.id, inp.key)
                assert soal["jenis_jawaban"].lower() == "jumlah"
                used.append(inp.soal_id)
            question, explanation = PERCENT_TEXT_FROM_LAMPIRAN_III.get(ind.id, (None, None))
            kriteria = text(first["kriteria_nilai"])
            if question is None:
                assert f"{ind.question}\n{ind.explanation}".strip() == kriteria, ind.id
            else:
                assert ind.question == question
                assert ind.explanation == (explanation or kriteria)
            continue
        soal = master[ind.soal_id]
        used.append(ind.soal_id)
        assert ind.question == text(soal["teks_pertanyaan"]), ind.id
        assert ind.explanation == text(soal["kriteria_nilai"]), ind.id
        expected = {k["key"]: (text(k["label"]), k["multiplier"]) for k in soal["skema_penilaian"]}
        assert {o.key: (o.text, o.value) for o in ind.options} == expected, ind.id
        if ind.kind == "survey":
            assert soal["jenis_jawaban"] == "0-4" and soal["bobot_maksimal"] == ind.bobot
    assert sorted(used) == sorted(master) == list(range(1, 128))


def test_soal_map_agrees(criteria):
    with (CRITERIA_ROOT / "portalrb" / "portalrb-soal-map-2026.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    by_soal = {}
    for ind in criteria.indicators.values():
        for soal_id in ind.soal_ids:
            by_soal[soal_id] = ind.id
    assert {int(r["soal_id"]): r["domain_id"] for r in rows} == by_soal


def test_every_indicator_has_evidence_hints(criteria):
    for ind in criteria.indicators.values():
        assert 2 <= len(ind.data_dukung) <= 4, ind.id
