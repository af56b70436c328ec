"""Importing the Lampiran III workbook units really have ("LKE ZI"): placed by hierarchy, confirmed by
question text, tolerant of drifted copies, honest about every row and every formula that disagrees."""

from __future__ import annotations

import io
import random
from typing import Any

import openpyxl
import pytest

from tests.fixtures.lampiran_workbook import Row, build_rows, find, render
from zi_assess.domain import load_criteria
from zi_assess.domain.answers import random_answers
from zi_assess.domain.workflow import Layer
from zi_assess.interop.excel_import import read_workbook
from zi_assess.interop.layout import layout_for
from zi_assess.interop.upload import UploadRejected

CRITERIA = load_criteria()
MAX_BYTES = 20 * 1024 * 1024
COUNTS = {
    "R1.i.a": {"jumlah_agen_perubahan": 8, "jumlah_perubahan_dibuat": 6},
    "R1.i.b": {"jumlah_perubahan_dibuat": 6, "jumlah_perubahan_terintegrasi": 5},
    "R3.iii.a": {"pelanggaran_tahun_sebelumnya": 4, "pelanggaran_tahun_ini": 1, "pelanggaran_disanksi": 1},
    "R4.i.a": {"jumlah_sasaran_kinerja": 12, "jumlah_sasaran_tercapai": 9},
    "R5.ii.a": {"pengaduan_harus_ditindaklanjuti": 30, "pengaduan_sedang_diproses": 3, "pengaduan_selesai": 27},
    "R5.iii.a": {"lhkpn_kepala_satker": 1, "lhkpn_pejabat_wajib": 4, "lhkpn_lainnya": 2, "lhkpn_sudah_melapor": 6},
    "R5.iii.b": {"lhkasn_administrator": 3, "lhkasn_pengawas": 5, "lhkasn_fungsional_pelaksana": 20,
                 "lhkasn_sudah_melapor": 25},
    "R6.i.b": {"jumlah_layanan_terdaftar": 10, "jumlah_layanan_dipermudah": 7},
}
ANSWERS: dict[str, Any] = random_answers(CRITERIA, random.Random(3), quality=0.6) | COUNTS | {
    "H1.a": 3.72, "H2.a": 3.5, "P1.i.a": "Ya", "P1.i.b": "B", "P1.iii.a": "C", "P2.i.b": "A", "P2.i.c": "D"}
NOTES = {"P1.i.b": "Anggota tim ditunjuk kepala kantor.", "R5.iii.a": "Data dari e-LHKPN per 31 Maret."}
EVIDENCE = {"P1.i.a": ("SK Tim Kerja ZI", "https://drive.example.go.id/zi/sk-tim"),
            "R5.iii.a": ("Rekap LHKPN", "https://drive.example.go.id/zi/lhkpn\nhttps://elhkpn.kpk.go.id/rekap")}


def make(edit=None, *, answers: dict[str, Any] | None = None, harus: str = "formula", **render_options: Any
         ) -> tuple[bytes, list[Row]]:
    """A Lampiran III workbook (built, drifted by ``edit``, rendered) and its final rows."""
    rows = build_rows(CRITERIA, ANSWERS if answers is None else answers, NOTES, EVIDENCE, harus=harus)
    if edit is not None:
        edit(rows)
    return render(CRITERIA, rows, **render_options), rows


def read(app, data: bytes, layer: Layer = Layer.MANDIRI):
    with app.test_request_context():
        return read_workbook(data, CRITERIA, layout_for(CRITERIA.id), layer, max_bytes=MAX_BYTES)


def codes(report, severity: str | None = None) -> dict[str, list[str]]:
    """Finding code → the cells it names."""
    out: dict[str, list[str]] = {}
    for f in report.findings:
        if severity is None or f.severity == severity:
            out.setdefault(f.code, []).append(f.where)
    return out


def values(report) -> dict[str, Any]:
    return {k: a.value for k, a in report.answers.items() if a.value is not None}


def saved(wb: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def row_of(rows: list[Row], node: str, kind: str | None = None, key: str = "") -> int:
    """The sheet row number of a node once every drift is applied (rows are 1-based)."""
    return find(rows, node, kind, key) + 1


def test_a_clean_copy_gives_every_answer_note_and_link(app):
    report = read(app, make()[0])
    assert report.layout == "lampiran" and report.sheet == "LKE ZI" and report.ok
    assert values(report) == ANSWERS and len(report.answers) == 113
    assert report.answers["P1.i.b"].note == NOTES["P1.i.b"] and report.answers["R5.iii.a"].note == NOTES["R5.iii.a"]
    assert [(link.indicator_id, link.url, link.title) for link in report.links] == [
        ("P1.i.a", "https://drive.example.go.id/zi/sk-tim", "SK Tim Kerja ZI"),
        ("R5.iii.a", "https://drive.example.go.id/zi/lhkpn", "Rekap LHKPN"),
        ("R5.iii.a", "https://elhkpn.kpk.go.id/rekap", "Rekap LHKPN")]
    # the file's own formulas agree with the regulation: nothing to report but the sheets not read
    assert codes(report) == {"other_sheets": [""]}
    assert 127 == len(report.rows)  # every soal: 105 choice/survey rows and 22 count rows


def drift(rows: list[Row]) -> None:
    """A copy passed between units for years."""
    rows[2:2] = [Row("blank"), Row("blank")]  # everything moves down
    rows.insert(find(rows, "P2.ii", "sub_area"), Row("comment", cells={"G": "Catatan: diisi oleh Tim Kerja ZI"}))
    del rows[find(rows, "P1.ii.b")]  # letters now skip: a., c.
    rows[find(rows, "P1.iii.c")].cells["F"] = "c. "
    rows[find(rows, "P1.iv.b")].cells["F"] = "B."
    rows[find(rows, "P3.iii", "sub_area")].cells["E"] = " iii "
    aspect = rows[find(rows, "P", "aspect")]
    aspect.cells = {"A": 9, "C": "I. PEMENUHAN", "H": 30}
    aspect.merge = ("C", "G")
    area = rows[find(rows, "P2", "area")]
    area.cells = {"A": 7, "D": "2. PENATAAN TATALAKSANA", "H": 3.5}
    area.merge = ("D", "G")
    merged = rows[find(rows, "P2.i.a")]
    merged.cells["F"] = "a. " + merged.cells.pop("G")
    merged.merge = ("F", "G")
    question = rows[find(rows, "P3.i.a")]
    question.cells["G"] = "  " + question.cells["G"].upper().replace(" ", "  ") + "."
    rows[find(rows, "P1.i.a")].cells["K"] = "ya"
    rows[find(rows, "P1.i.b")].cells["K"] = "b"
    rows[find(rows, "P2.i.b")].cells["K"] = " A "
    rows[find(rows, "P4.ii", "sub_area")].range_drop = 1  # AVERAGE(L…) stops one indicator short


def test_a_drifted_copy_is_read_by_position_and_text(app):
    data, rows = make(drift, harus="typed")
    report = read(app, data)
    assert report.ok, report.errors
    expected = {k: v for k, v in ANSWERS.items() if k != "P1.ii.b"}
    assert values(report) == expected
    found = codes(report)
    assert found["indicator_not_found"] == [""] and report.findings[
        [f.code for f in report.findings].index("indicator_not_found")].indicator_id == "P1.ii.b"
    assert found["typed_total"] == [f"'LKE ZI'!K{row_of(rows, 'R5.iii.a', 'harus')}",
                                    f"'LKE ZI'!K{row_of(rows, 'R5.iii.b', 'harus')}"]
    assert sorted(f.message for f in report.findings if f.code == "normalised") == [
        "' A ' dibaca sebagai 'A'.", "'b' dibaca sebagai 'B'.", "'ya' dibaca sebagai 'Ya'."]
    # where the file's formulas and the regulation part: " A " counts 0 in Excel, and the short AVERAGE
    differs = {f.indicator_id: f for f in report.findings if f.code == "file_formula_differs"}
    assert set(differs) == {"P2.i.b", "P4.ii", "total"}  # sub-areas, areas and components above are not repeated
    assert differs["P2.i.b"].where == f"'LKE ZI'!L{row_of(rows, 'P2.i.b')}"
    assert differs["P2.i.b"].message == ("Rumus berkas menghasilkan 0,00, menurut peraturan 1,00; zi-assess memakai "
                                         "nilai menurut peraturan.")
    assert differs["P4.ii"].where == f"'LKE ZI'!L{row_of(rows, 'P4.ii', 'sub_area')}"
    assert differs["total"].where == f"'LKE ZI'!L{row_of(rows, 'total', 'total_line')}"
    assert {f.severity for f in report.findings if f.code == "file_formula_differs"} == {"warning"}
    assert "unplaced_row" not in found and "placed_by_text" not in found


def test_a_typed_total_that_disagrees_with_its_parts_refuses_the_file(app):
    def wrong_total(rows: list[Row]) -> None:
        rows[find(rows, "R5.iii.a", "harus")].cells["K"] = 8  # the parts add to 7
    data, rows = make(wrong_total, harus="typed")
    report = read(app, data)
    assert not report.ok
    [error] = report.errors
    assert error.code == "total_mismatch" and error.where == f"'LKE ZI'!K{row_of(rows, 'R5.iii.a', 'harus')}"
    assert error.message == "Jumlah yang harus melaporkan diketik 8, tetapi rinciannya berjumlah 7."


def test_a_formula_total_with_a_wrong_range_is_reported(app):
    def short_sum(rows: list[Row]) -> None:
        rows[find(rows, "R5.iii.b", "harus")].range_drop = 1  # =SUM(K…) without the last group
    data, rows = make(short_sum)
    report = read(app, data)
    assert report.ok and values(report) == ANSWERS  # the regulation adds every group
    differs = {f.where: f.message for f in report.findings if f.code == "file_formula_differs"}
    assert differs[f"'LKE ZI'!K{row_of(rows, 'R5.iii.b', 'harus')}"] == (
        "Rumus berkas menghasilkan 8, menurut peraturan 28; zi-assess memakai nilai menurut peraturan.")
    assert "typed_total" not in codes(report)


def test_numbers_typed_as_text_are_read_with_a_warning_naming_the_cell(app):
    def as_text(rows: list[Row]) -> None:
        rows[find(rows, "R4.i.a", "count", "jumlah_sasaran_kinerja")].cells["K"] = "12"
        rows[find(rows, "H1.a")].cells["K"] = "3,72"
    data, rows = make(as_text)
    report = read(app, data)
    assert report.ok and values(report) == ANSWERS
    text = {f.where: f.message for f in report.findings if f.code == "text_number"}
    count_cell = f"'LKE ZI'!K{row_of(rows, 'R4.i.a', 'count', 'jumlah_sasaran_kinerja')}"
    survey_cell = f"'LKE ZI'!K{row_of(rows, 'H1.a')}"
    assert set(text) == {count_cell, survey_cell}
    assert text[survey_cell].startswith(f"{survey_cell} berisi angka yang diketik sebagai teks ('3,72'); zi-assess "
                                        "membacanya sebagai 3.72, tetapi Excel tidak menghitungnya")
    differs = {f.indicator_id: f.message for f in report.findings if f.code == "file_formula_differs"}
    assert "Rumus berkas menghasilkan #VALUE!" in differs["H1.a"]  # Excel's own answer to "3,72"/4
    assert "R4.i" in differs  # the count Excel skipped leaves R4.i.a out of the file's sub-area mean


def test_a_marker_that_disagrees_with_the_question_text_is_placed_by_the_text(app):
    def swapped(rows: list[Row]) -> None:
        b, c = find(rows, "P1.iv.b"), find(rows, "P1.iv.c")
        rows[b], rows[c] = rows[c], rows[b]  # rows moved, markers left: "b." now heads c's question
        rows[b].cells["F"], rows[c].cells["F"] = "b.", "c."
    report = read(app, make(swapped)[0])
    assert report.ok and values(report) == ANSWERS
    moved = [f for f in report.findings if f.code == "placed_by_text"]
    assert sorted(f.indicator_id for f in moved) == ["P1.iv.b", "P1.iv.c"]
    assert all(f.severity == "warning" for f in moved)


def test_count_rows_are_matched_by_their_labels_not_their_order(app):
    def reordered(rows: list[Row]) -> None:
        first = find(rows, "R5.iii.b", "count", "lhkasn_administrator")
        rows[first:first + 4] = list(reversed(rows[first:first + 4]))
    report = read(app, make(reordered)[0])
    assert report.ok and values(report)["R5.iii.b"] == COUNTS["R5.iii.b"]


def test_a_marker_in_another_column_and_a_missing_component_row(app):
    def moved(rows: list[Row]) -> None:
        row = rows[find(rows, "P6.i.b")]
        row.cells["E"] = row.cells.pop("F")  # "b." typed one column to the left
        del rows[find(rows, "hasil", "komponen")]  # no "B. HASIL": the group titles still say where we are
    report = read(app, make(moved)[0])
    assert report.ok and values(report) == ANSWERS
    assert "placed_by_text" not in codes(report) and "unplaced_row" not in codes(report)


@pytest.mark.parametrize("answer", ["A", None])
def test_a_row_whose_text_is_no_indicators_is_reported_never_guessed(app, answer):
    def garbled(rows: list[Row]) -> None:
        row = rows[find(rows, "P2.iii.b")]
        row.cells["G"] = "Pertanyaan tambahan dari instansi sendiri"
        if answer is None:
            row.cells.pop("K", None)
        else:
            row.cells["K"] = answer
    data, rows = make(garbled)
    report = read(app, data)
    [finding] = [f for f in report.findings if f.code == "unplaced_row"]
    assert finding.where == f"'LKE ZI'!G{row_of(rows, 'P2.iii.b')}"
    assert finding.severity == ("error" if answer else "warning")
    assert "P2.iii.b" not in report.answers


def test_only_the_lampiran_sheet_is_read_and_other_workbooks_are_refused(app):
    report = read(app, make()[0])
    assert report.ok and [f.message for f in report.findings if f.code == "other_sheets"] == [
        "Hanya lembar LKE ZI yang dibaca; lembar lain (Utama, Ctt Eval) diabaikan."]
    wb = openpyxl.load_workbook(io.BytesIO(make(extra_sheets=False)[0]))
    wb["LKE ZI"].title = "Form Kuesioner"  # named otherwise, it is still found by its hierarchy
    assert values(read(app, saved(wb))) == ANSWERS
    wb["Form Kuesioner"]["B3"], wb["Form Kuesioner"]["C3"] = "Daftar", None  # no "A. PENGUNGKIT": not an LKE
    with pytest.raises(UploadRejected) as refused:
        read(app, saved(wb))
    assert refused.value.code == "layout"


def test_an_evaluator_reads_the_same_columns_into_their_layer(app):
    report = read(app, make()[0], Layer.TPI)
    assert report.layer == Layer.TPI and report.answer_col == "K" and values(report) == ANSWERS


@pytest.mark.slow
def test_the_generated_copies_hold_what_excel_would_compute(libreoffice, tmp_path):
    """The generator stores the formulas' values itself; LibreOffice, recomputing the same file, agrees
    (so the comparisons above test the import against what a real file holds)."""
    def quirks(rows: list[Row]) -> None:
        drift(rows)
        rows[find(rows, "R4.i.a", "count", "jumlah_sasaran_kinerja")].cells["K"] = "12"
        rows[find(rows, "H1.a")].cells["K"] = "3,72"
        rows[find(rows, "R5.iii.b", "harus")].range_drop = 1
    data, rows = make(quirks, harus="formula")
    path = tmp_path / "lampiran.xlsx"
    path.write_bytes(data)
    ours = openpyxl.load_workbook(io.BytesIO(data), data_only=True)["LKE ZI"]
    theirs = openpyxl.load_workbook(libreoffice(path), data_only=True)["LKE ZI"]
    compared = 0
    for row in ours.iter_rows(min_col=11, max_col=13):
        for cell in row:
            if cell.data_type == "s" and not str(cell.value).startswith("#"):
                continue
            expected, actual = cell.value, theirs[cell.coordinate].value
            if isinstance(expected, float):
                assert actual == pytest.approx(expected, abs=1e-9), cell.coordinate
            else:
                assert actual == expected or (expected in (None, "") and actual in (None, "")), (cell.coordinate,
                                                                                                 expected, actual)
            compared += 1
    assert compared > 300
    survey = f"L{row_of(rows, 'H1.a')}"
    assert ours[survey].value == theirs[survey].value == "#VALUE!"  # "3,72" typed as text


def test_a_sheet_named_lke_zi_without_any_indicator_is_refused(app):
    wb = openpyxl.Workbook()
    wb.active.title = "LKE ZI"
    wb.active["B3"], wb.active["J3"], wb.active["K3"] = "Daftar hadir", "Ya/Tidak", "Ya"
    with pytest.raises(UploadRejected) as refused:
        read(app, saved(wb))
    assert refused.value.code == "layout"
