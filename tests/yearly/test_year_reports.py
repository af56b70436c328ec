"""Year over year in the reports (issue 16 item 2): the LHE's appendix comparing with last year,
an instansi's trend over the years, and the recap filtered by year and comparing two years."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from types import SimpleNamespace

import openpyxl
import pytest

from zi_assess.assessments.loading import load_bundle
from zi_assess.assessments.scores import compute_scores
from zi_assess.domain.display import format_num
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.recap_years import recap_years


def pdftotext(pdf: bytes) -> str:
    """The PDF's text as poppler reads it, whitespace collapsed."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return re.sub(r"\s+", " ", out.stdout.decode("utf-8"))


def signed(change: float) -> str:
    return ("+" if change > 0 else "−") + format_num(abs(change), "id")


def total_of(assessment_id: int) -> float:
    bundle = load_bundle(assessment_id)
    assert bundle is not None
    return compute_scores(bundle).effective.total


@pytest.fixture
def years(decided, team, flow, fill, best_answers, make_unit, make_user):
    """team.unit: 2025 answered by the unit (P1.i.a "Tidak"), 2026 decided (WBK granted);
    a second unit assessed in 2026 only, a third in 2025 only."""
    last = flow.create(team.unit, team.head, year=2025)
    fill(team.operator, last, Layer.MANDIRI, best_answers | {"P1.i.a": "Tidak", "P2.i.a": "D"})
    new_unit = make_unit(team.instansi, code="UJI-2")
    fresh = flow.create(new_unit, team.tpi_lead, year=2026)
    old_unit = make_unit(team.instansi, code="UJI-3")
    gone = flow.create(old_unit, team.tpi_lead, year=2025)
    fill(make_user("unit_operator", old_unit), gone, Layer.MANDIRI, best_answers | {"P3.i.a": "Tidak"})
    return SimpleNamespace(last=last, now=decided.assessment, fresh=fresh, gone=gone)


def test_lhe_has_an_appendix_comparing_with_last_year(years, team, login):
    client = login(team.manager)
    response = client.get(f"/penilaian/{years.now.id}/lhe.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdftotext(response.data)
    assert "Lampiran: perbandingan dengan tahun 2025" in text
    before, now = total_of(years.last.id), total_of(years.now.id)
    change = signed(now - before)
    assert re.search(rf"Nilai total {re.escape(format_num(before, 'id'))} {re.escape(format_num(now, 'id'))} "
                     rf"{re.escape(change)}", text), text[text.index("Lampiran"):][:600]
    # per indicator: what changed, with both years' answers; the rest by code
    assert re.search(r"P1\.i\.a .{0,200}2025: Tidak → 2026: Ya", text)
    assert "Jawaban sama" in text and "indikator dengan jawaban yang berubah" in text
    # the trend over the years: one chart, its figures as a table
    assert "Tren nilai per tahun" in text and response.data.count(b"/Subtype /Image") == 0
    # the first year has nothing to compare with
    first = pdftotext(client.get(f"/penilaian/{years.last.id}/lhe.pdf").data)
    assert "Lampiran: perbandingan" not in first and "Laporan Hasil Evaluasi".upper() in first.upper()


def test_comparison_page_links_the_pdf(years, team, login):
    page = login(team.manager).get(f"/penilaian/{years.now.id}/perbandingan").get_data(as_text=True)
    assert f'href="/penilaian/{years.now.id}/lhe.pdf"' in page and "lampiran perbandingan 2025" in page


def _table_rows(html: str) -> dict[str, list[str]]:
    """The trend table of the recap page: row label → figures per year."""
    section = html[html.index('id="trend-heading"'):]
    section = section[:section.index("</table>")]
    return {m.group(1): re.findall(r'<td class="num">([^<]*)</td>', m.group(2))
            for m in re.finditer(r'<th scope="row">([^<]+)</th>(.*?)</tr>', section, re.S)}


def test_instansi_recap_shows_its_trend_over_the_years(years, team, login):
    figures = {f.year: f for f in recap_years(team.manager, instansi_id=team.instansi.id)}
    assert [(y, f.assessed, f.proposed, f.granted.get("WBK", 0)) for y, f in figures.items()] == \
        [(2025, 2, 0, 0), (2026, 2, 1, 1)]
    expected_2025 = (total_of(years.last.id) + total_of(years.gone.id)) / 2
    assert figures[2025].average == pytest.approx(expected_2025)
    html = login(team.manager).get(f"/rekap?instansi={team.instansi.id}").get_data(as_text=True)
    rows = _table_rows(html)
    assert rows["Unit dinilai"] == ["2", "2"] and rows["Diusulkan ke TPN"] == ["0", "1"]
    assert rows["Predikat Menuju WBK diberikan"] == ["0", "1"]
    assert rows["Rata-rata nilai total"][0] == format_num(expected_2025, "id")
    assert html.count('role="img"') >= 3  # the two trend charts (and the recap's own)
    assert "Jumlah unit Kementerian Uji per tahun evaluasi" in html


def test_recap_filters_by_year_default_the_current_one(years, team, login):
    client = login(team.manager)
    units = lambda html: re.findall(r'<td class="recap-unit"><strong>([^<]+)</strong>', html)  # noqa: E731
    assert sorted(units(client.get("/rekap").get_data(as_text=True))) == ["UJI-1", "UJI-2"]  # 2026 (today)
    assert sorted(units(client.get("/rekap?tahun=2025").get_data(as_text=True))) == ["UJI-1", "UJI-3"]
    assert len(units(client.get("/rekap?tahun=").get_data(as_text=True))) == 4  # every year


def test_recap_compares_two_years_in_page_pdf_and_exports(years, team, login):
    client = login(team.manager)
    before, now = total_of(years.last.id), total_of(years.now.id)
    html = client.get("/rekap?tahun=2026&banding=2025").get_data(as_text=True)
    assert "Perbandingan 2025 dan 2026" in html
    section = html[html.index('id="compare-heading"'):]
    section = section[:section.index("</table>")]
    rows = {m.group(1): re.findall(r'<td class="num[^"]*">([^<]*)</td>|<td>([^<]*)</td>', m.group(2))
            for m in re.finditer(r"<tr><td><strong>([^<]+)</strong>(.*?)</tr>", section, re.S)}
    cells = {code: [a or b for a, b in found] for code, found in rows.items()}
    assert cells["UJI-1"] == [format_num(before, "id"), format_num(now, "id"), signed(now - before), ""]
    assert cells["UJI-2"][-1] == "hanya dinilai 2026" and cells["UJI-3"][-1] == "hanya dinilai 2025"
    assert cells["UJI-2"][0] == "–" and cells["UJI-3"][1] == "–"
    assert "1 unit dinilai di kedua tahun, 1 hanya 2025, 1 hanya 2026." in html
    # the download links carry both years, and the workbook gets a comparison sheet
    link = re.search(r'href="(/rekap\.xlsx\?[^"]+)"', html).group(1).replace("&amp;", "&")
    assert "banding=2025" in link and "tahun=2026" in link
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(link).data))
    assert workbook.sheetnames == ["Rekap", "Perbandingan 2025-2026"]
    sheet = list(workbook["Perbandingan 2025-2026"].iter_rows(values_only=True))
    assert sheet[0][3:] == ("Nilai total 2025", "Nilai total 2026", "Perubahan", "Keterangan")
    by_code = {row[1]: row for row in sheet[1:]}
    assert by_code["UJI-1"][3:6] == (round(before, 2), round(now, 2), round(now - before, 2))
    assert by_code["UJI-2"][3] is None and by_code["UJI-2"][6] == "hanya dinilai 2026"
    assert [row[1] for row in workbook["Rekap"].iter_rows(values_only=True)][1:] == ["UJI-1", "UJI-2"]
    text = client.get("/rekap.csv?tahun=2026&banding=2025").get_data(as_text=True).lstrip("\ufeff")
    csv_rows = {r[1]: r for r in list(csv.reader(io.StringIO(text)))[1:]}
    assert csv_rows["UJI-3"][3:] == [f"{round(total_of(years.gone.id), 2):.2f}", "", "", "hanya dinilai 2025"]
    pdf = pdftotext(client.get("/rekap.pdf?tahun=2026&banding=2025").data)
    assert "Perbandingan 2025 dan 2026" in pdf and "hanya dinilai 2025" in pdf
    assert f"{format_num(before, 'id')} {format_num(now, 'id')} {signed(now - before)}" in pdf
    assert "Tren per tahun evaluasi" in pdf


@pytest.mark.parametrize(("query", "message"), [
    ("tahun=2026&banding=2026", "pilih dua tahun yang berbeda"),
    ("tahun=2019", "Tidak ada penilaian pada tahun 2019. Tahun yang ada: 2025, 2026."),
    ("tahun=2026&banding=2019", "Tidak ada penilaian pada tahun 2019."),
    ("tahun=&banding=2025", "Pilih tahun evaluasi yang akan dibandingkan dengan 2025."),
    ("tahun=2026&banding=dua", 'href="#banding">Bandingkan dengan tahun:'),
])
def test_bad_years_get_a_message_and_the_page_still_renders(years, team, login, query, message):
    client = login(team.manager)
    response = client.get(f"/rekap?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and message in html, query
    assert "Rekapitulasi Hasil Evaluasi" in html
    if "banding=2019" in query:  # the comparison still lists the units of the year that has data
        assert html.count("hanya dinilai 2026") == 2


def test_year_texts_in_english(years, team, login):
    team.manager.locale = "en"
    db.session.commit()
    client = login(team.manager)
    html = client.get(f"/rekap?instansi={team.instansi.id}&tahun=2026&banding=2026").get_data(as_text=True)
    assert "choose two different years" in html and "Units assessed" in html and "Trend over the evaluation years" in html
    html = client.get("/rekap?tahun=2026&banding=2025").get_data(as_text=True)
    assert "Comparison of 2025 and 2026" in html and "assessed in 2026 only" in html
    assert "Appendix: comparison with 2025" in pdftotext(client.get(f"/penilaian/{years.now.id}/lhe.pdf").data)
