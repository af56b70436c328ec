"""The engine against the regulation's own numbers (Lampiran III sample, the brief's worked examples)."""

from __future__ import annotations

import pytest

from zi_assess.domain import AnswerError, score
from zi_assess.domain.answers import best_counts
from zi_assess.domain.display import format_id, format_plain


def test_all_maximum_answers_give_100_and_every_node_100_percent(criteria, best):
    sheet = score(criteria, best)
    assert sheet.complete and sheet.missing == () and sheet.warnings == ()
    assert sheet.total == pytest.approx(100.0, abs=1e-9)
    assert (sheet.pengungkit, sheet.pemenuhan, sheet.reform, sheet.hasil) == pytest.approx((60, 30, 30, 40))
    assert len(sheet.nodes) == 42 + 12 + 6 + 2 + 3 + 2 + 3
    for node_id, node in sheet.nodes.items():
        assert node.persen == pytest.approx(100.0), node_id
    assert format_id(sheet.total) == "100,00"


def test_worked_example_rencana_pembangunan_zi(criteria, best):
    # LKE-PNS 2022: P1.ii answers Ya, C, A → 0.67 (66.67 %); P1 = 3.67 (91.67 %)
    answers = best | {"P1.ii.a": "Ya", "P1.ii.b": "C", "P1.ii.c": "A"}
    sheet = score(criteria, answers)
    node = sheet.node("P1.ii")
    assert node.nilai == pytest.approx(2 / 3)
    assert (format_id(node.nilai), format_id(node.persen)) == ("0,67", "66,67")
    assert format_id(sheet.node("P1").nilai) == "3,67"
    assert format_id(sheet.node("P1").persen) == "91,67"
    assert sheet.total == pytest.approx(100 - 1 / 3)


def test_half_up_display_of_a_sub_area_mean():
    # mean(1, 0.67, 1) × 1.5 = 1.335 → "1,34" (round() would give 1.33)
    value = (1 + 0.67 + 1) / 3 * 1.5
    assert round(value, 2) == 1.33
    assert format_id(value) == "1,34" and format_plain(value) == "1.34"


@pytest.mark.parametrize(
    ("indicator", "counts", "expected"),
    [
        ("R1.i.a", {"jumlah_agen_perubahan": 2, "jumlah_perubahan_dibuat": 2}, 1.0),
        ("R1.i.a", {"jumlah_agen_perubahan": 4, "jumlah_perubahan_dibuat": 1}, 0.25),
        ("R1.i.a", {"jumlah_agen_perubahan": 0, "jumlah_perubahan_dibuat": 3}, 0.0),
        ("R1.i.b", {"jumlah_perubahan_dibuat": 1, "jumlah_perubahan_terintegrasi": 1}, 1.0),
        ("R1.i.b", {"jumlah_perubahan_dibuat": 0, "jumlah_perubahan_terintegrasi": 0}, 0.0),
        ("R3.iii.a", {"pelanggaran_tahun_sebelumnya": 1, "pelanggaran_tahun_ini": 0, "pelanggaran_disanksi": 1}, 1.0),
        ("R3.iii.a", {"pelanggaran_tahun_sebelumnya": 4, "pelanggaran_tahun_ini": 1, "pelanggaran_disanksi": 0}, 0.75),
        ("R3.iii.a", {"pelanggaran_tahun_sebelumnya": 2, "pelanggaran_tahun_ini": 5, "pelanggaran_disanksi": 5}, 0.0),
        ("R3.iii.a", {"pelanggaran_tahun_sebelumnya": 0, "pelanggaran_tahun_ini": 0, "pelanggaran_disanksi": 0}, 1.0),
        ("R3.iii.a", {"pelanggaran_tahun_sebelumnya": 0, "pelanggaran_tahun_ini": 2, "pelanggaran_disanksi": 2}, 0.0),
        ("R4.i.a", {"jumlah_sasaran_kinerja": 8, "jumlah_sasaran_tercapai": 6}, 0.75),
        ("R4.i.a", {"jumlah_sasaran_kinerja": 0, "jumlah_sasaran_tercapai": 0}, 0.0),
        # R5.ii.a: selesai ÷ harus (the brief's sample 1, 1, 1 → 100 %), harus = 0 → 100 %
        ("R5.ii.a", {"pengaduan_harus_ditindaklanjuti": 1, "pengaduan_sedang_diproses": 1, "pengaduan_selesai": 1}, 1.0),
        ("R5.ii.a", {"pengaduan_harus_ditindaklanjuti": 10, "pengaduan_sedang_diproses": 3, "pengaduan_selesai": 7}, 0.7),
        ("R5.ii.a", {"pengaduan_harus_ditindaklanjuti": 0, "pengaduan_sedang_diproses": 0, "pengaduan_selesai": 0}, 1.0),
        ("R5.iii.a", {"lhkpn_kepala_satker": 1, "lhkpn_pejabat_wajib": 1, "lhkpn_lainnya": 1, "lhkpn_sudah_melapor": 3}, 1.0),
        ("R5.iii.a", {"lhkpn_kepala_satker": 1, "lhkpn_pejabat_wajib": 2, "lhkpn_lainnya": 1, "lhkpn_sudah_melapor": 3}, 0.75),
        ("R5.iii.a", {"lhkpn_kepala_satker": 0, "lhkpn_pejabat_wajib": 0, "lhkpn_lainnya": 0, "lhkpn_sudah_melapor": 0}, 1.0),
        ("R5.iii.b", {"lhkasn_administrator": 2, "lhkasn_pengawas": 3, "lhkasn_fungsional_pelaksana": 5, "lhkasn_sudah_melapor": 9}, 0.9),
        ("R5.iii.b", {"lhkasn_administrator": 0, "lhkasn_pengawas": 0, "lhkasn_fungsional_pelaksana": 0, "lhkasn_sudah_melapor": 0}, 1.0),
        ("R6.i.b", {"jumlah_layanan_terdaftar": 5, "jumlah_layanan_dipermudah": 2}, 0.4),
        ("R6.i.b", {"jumlah_layanan_terdaftar": 0, "jumlah_layanan_dipermudah": 0}, 0.0),
    ],
)
def test_percent_formulas(criteria, best, indicator, counts, expected):
    sheet = score(criteria, best | {indicator: counts})
    assert sheet.values[indicator] == pytest.approx(expected)
    ind = criteria.indicators[indicator]
    assert sheet.indicator_nilai(indicator) == pytest.approx(expected * ind.bobot)
    assert sheet.total == pytest.approx(100 - (1 - expected) * ind.bobot)
    assert sheet.warnings == ()


def test_numerator_above_denominator_is_capped_with_a_warning(criteria, best):
    counts = {"pengaduan_harus_ditindaklanjuti": 2, "pengaduan_sedang_diproses": 0, "pengaduan_selesai": 5}
    sheet = score(criteria, best | {"R5.ii.a": counts})
    assert sheet.values["R5.ii.a"] == 1.0
    assert [(w.indicator, w.code) for w in sheet.warnings] == [("R5.ii.a", "numerator_above_denominator")]
    assert sheet.total == pytest.approx(100.0)


def test_answers_are_case_insensitive(criteria, best):
    answers = {k: (v.lower() if isinstance(v, str) else v) for k, v in best.items()}
    answers["P1.i.a"] = " YA "
    assert score(criteria, answers).total == pytest.approx(100.0)


def test_incomplete_preview_skips_unanswered_as_the_workbook_does(criteria, best):
    answers = dict(best)
    del answers["P1.ii.a"]  # P1.ii: mean over the two answered (both best) → still full
    answers["P1.i.a"] = None  # explicit null = unanswered
    for ind in criteria.sub_areas["P1.iv"].indicators:
        del answers[ind.id]  # a sub-area with no answers is 0
    partial = dict(best_counts(criteria.indicators["R1.i.a"]))
    partial.pop("jumlah_agen_perubahan")
    answers["R1.i.a"] = partial  # a count missing → not answered
    sheet = score(criteria, answers)
    assert not sheet.complete
    assert sheet.missing == ("P1.i.a", "P1.ii.a", "P1.iv.a", "P1.iv.b", "P1.iv.c", "P1.iv.d", "R1.i.a")
    assert sheet.node("P1.ii").nilai == pytest.approx(1.0)
    assert sheet.node("P1.iv").nilai == 0.0
    assert sheet.node("P1.i").nilai == pytest.approx(0.5)
    assert sheet.node("R1.i").nilai == pytest.approx(2.0)
    assert sheet.total == pytest.approx(100 - 1.5)


@pytest.mark.parametrize(
    ("indicator", "answer", "code"),
    [
        ("X9.i.a", "A", "unknown_indicator"),
        ("P1.i.a", "A", "invalid_option"),
        ("P1.i.b", "D", "invalid_option"),
        ("P1.i.b", 1, "invalid_type"),
        ("H1.a", 4.01, "invalid_survey"),
        ("H1.a", -0.1, "invalid_survey"),
        ("H2.a", "3.6", "invalid_survey"),
        ("H2.a", True, "invalid_survey"),
        ("R1.i.a", {"jumlah_agen_perubahan": -1, "jumlah_perubahan_dibuat": 1}, "invalid_count"),
        ("R1.i.a", {"jumlah_agen_perubahan": 1.5, "jumlah_perubahan_dibuat": 1}, "invalid_count"),
        ("R1.i.a", {"jumlah_agen_perubahan": "2", "jumlah_perubahan_dibuat": 1}, "invalid_count"),
        ("R1.i.a", {"jumlah_agen": 1, "jumlah_perubahan_dibuat": 1}, "unknown_input"),
        ("R1.i.a", "A", "invalid_type"),
    ],
)
def test_bad_answers_are_refused_naming_the_indicator(criteria, best, indicator, answer, code):
    with pytest.raises(AnswerError) as info:
        score(criteria, best | {indicator: answer})
    assert (info.value.indicator, info.value.code) == (indicator, code)
    assert str(info.value).startswith(indicator + ": ")


def test_integral_float_counts_and_survey_scores_are_accepted(criteria, best):
    answers = best | {"R1.i.a": {"jumlah_agen_perubahan": 2.0, "jumlah_perubahan_dibuat": 2}, "H1.a": 3.6, "H2.a": 3}
    sheet = score(criteria, answers)
    assert sheet.node("H1.a").nilai == pytest.approx(15.75)
    assert sheet.node("H2.a").nilai == pytest.approx(13.125)
    assert sheet.values["R1.i.a"] == 1.0


def test_sums_do_not_depend_on_the_order_of_the_answers(criteria):
    """One summation (fsum of contributions): the same answers in any order give the same floats."""
    import random

    from zi_assess.domain.answers import random_answers

    rng = random.Random(4)
    for _ in range(50):
        answers = random_answers(criteria, rng, quality=0.4)
        items = list(answers.items())
        rng.shuffle(items)
        shuffled = dict(items)
        sheet = score(criteria, answers)
        assert score(criteria, shuffled).upper_nilai == sheet.upper_nilai
        assert score(criteria, shuffled, careful=True).upper_nilai == sheet.upper_nilai
        assert [n.nilai for n in score(criteria, shuffled).nodes.values()] == [n.nilai for n in sheet.nodes.values()]


def test_which_path_a_sheet_took(criteria, best):
    """``fast_path``: complete answers as files hold them take the one-pass path; a preview, a null
    answer or a refused answer take the reference (which raises the precise error)."""
    typed = best | {"P1.i.a": " ya ", "P1.i.b": "a\t", "H1.a": 4, "H2.a": 3.25,
                    "R1.i.a": {"jumlah_agen_perubahan": 2.0, "jumlah_perubahan_dibuat": 5}}
    sheet = score(criteria, typed)
    assert sheet.fast_path and sheet.complete
    assert [w.indicator for w in sheet.warnings] == ["R1.i.a"]
    assert not score(criteria, typed, careful=True).fast_path
    assert not score(criteria, best | {"P1.i.a": None}).fast_path
    partial = dict(best)
    del partial["H2.a"]
    assert not score(criteria, partial).fast_path
    with pytest.raises(AnswerError):
        score(criteria, best | {"P1.i.a": "ya ya"})
