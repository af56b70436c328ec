"""The outcome everywhere: the TPI conclusion and the TPN decision on the overview, the dashboard,
the recap (page, PDF, XLSX, CSV) and the status history; the decision form names the predicate,
shows what the scores say, asks for confirmation and keeps what was typed when refused."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from datetime import date

import pytest
from openpyxl import load_workbook

from zi_assess.audit import SYSTEM
from zi_assess.extensions import db
from zi_assess.org import operations as org

GOOD_INSTANSI = {"opini_bpk": "WTP", "sakip_instansi": "BB", "indeks_rb": "BB", "spip_level": 3}
GOOD_UNIT = {"layanan_utama": True, "tl_apip_bpk_persen": 100, "lhkpn_persen": 100, "lhkasn_persen": 100,
             "bulan_membangun_zi": 13, "sakip_unit": "BB"}


def text(response):
    return response.get_data(as_text=True)


@pytest.fixture
def in_field(team, flow):
    """An assessment in the TPN field layer, concluded eligible by the TPI with a recommendation."""
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, flow.Layer.MANDIRI)
    flow.step(team.head, a, "submit")
    flow.step(team.tpi_lead, a, "start_tpi_review", prefill=True)
    flow.step(team.tpi_lead, a, "conclude_tpi", eligible=True, recommendation="Pertahankan inovasi layanan.")
    org.record_prerequisites(SYSTEM, 2026, GOOD_INSTANSI, instansi=team.instansi)
    org.record_prerequisites(SYSTEM, 2026, GOOD_UNIT, unit=team.unit)
    db.session.commit()
    flow.step(team.tpi_lead, a, "propose")
    flow.step(team.tpn, a, "start_desk", prefill=True)
    flow.step(team.tpn, a, "start_field", prefill=True)
    return a


def test_decision_form_names_the_predicate_shows_the_verdict_and_asks_to_confirm(team, in_field, login):
    client = login(team.national)
    page = text(client.get(f"/penilaian/{in_field.id}"))
    form = page[page.index('id="step-decide"'):page.index("</form>", page.index('id="step-decide"'))]
    assert "Predikat Menuju WBK diberikan" in form and "Predikat Menuju WBK tidak diberikan" in form
    assert "unit ini memenuhi syarat nilai Menuju WBK" in form  # best answers: the scores pass
    assert 'name="confirm"' in form
    # without the confirmation nothing is decided and the typed note is kept
    refused = client.post(f"/penilaian/{in_field.id}/langkah/decide",
                          data={"granted": "ya", "note": "SK menyusul.", "seen": str(in_field.status_version)})
    assert refused.status_code == 422
    body = text(refused)
    assert "konfirmasi belum dicentang" in body and "SK menyusul." in body
    assert re.search(r'<input checked id="granted-0" name="granted" type="radio" value="ya">', body)
    db.session.refresh(in_field)
    assert in_field.status == "tpn_field" and in_field.decision_granted is None
    done = client.post(f"/penilaian/{in_field.id}/langkah/decide", data={
        "granted": "ya", "note": "SK menyusul.", "confirm": "y", "seen": str(in_field.status_version)})
    assert done.status_code == 302
    db.session.refresh(in_field)
    assert in_field.decision_granted is True


def test_conclude_without_conclusion_keeps_the_recommendation(team, flow, login):
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, flow.Layer.MANDIRI)
    flow.step(team.head, a, "submit")
    flow.step(team.tpi_lead, a, "start_tpi_review", prefill=True)
    client = login(team.tpi_lead)
    refused = client.post(f"/penilaian/{a.id}/langkah/conclude_tpi",
                          data={"recommendation": "Perkuat survei internal.", "seen": str(a.status_version)})
    assert refused.status_code == 422
    body = text(refused)
    assert "Perkuat survei internal." in body and "Pilih kesimpulan TPI." in body


@pytest.fixture
def decided(team, flow, in_field):
    flow.step(team.national, in_field, "decide", granted=True, note="Selamat.", today=date(2026, 12, 9))
    return in_field


def test_outcome_on_overview_history_and_dashboard(team, decided, login):
    client = login(team.head)
    page = text(client.get(f"/penilaian/{decided.id}"))
    card = page[page.index('id="h-outcome"'):page.index("</section>", page.index('id="h-outcome"'))]
    assert "Predikat Menuju WBK diberikan" in card and "09-12-2026" in card and "Selamat." in card
    assert "Memenuhi kriteria untuk diusulkan ke TPN" in card and "Pertahankan inovasi layanan." in card
    history = page[page.index('id="h-history"'):]
    assert "Predikat Menuju WBK diberikan —" in history and "TPI: layak diusulkan untuk Menuju WBK —" in history
    dashboard = text(client.get("/dasbor/"))
    assert "Predikat Menuju WBK diberikan" in dashboard
    manager = login(team.manager)
    assert "Predikat Menuju WBK diberikan" in text(manager.get("/dasbor/"))


def test_outcome_in_the_recap_page_csv_and_xlsx(team, decided, login):
    client = login(team.manager)
    assert "Predikat Menuju WBK diberikan" in text(client.get("/rekap"))
    rows = list(csv.reader(io.StringIO(client.get("/rekap.csv").get_data(as_text=True).lstrip("\ufeff"))))
    column = rows[0].index("Keputusan")
    assert rows[1][column] == "Predikat Menuju WBK diberikan"
    sheet = load_workbook(io.BytesIO(client.get("/rekap.xlsx").data)).active
    header = [c.value for c in sheet[1]]
    assert sheet.cell(row=2, column=header.index("Keputusan") + 1).value == "Predikat Menuju WBK diberikan"


def test_outcome_in_the_recap_pdf(app, team, decided, login):
    from zi_assess.recap import recap_rows, shape_of
    from zi_assess.reports.context_sheets import recap_context

    with app.test_request_context():
        rows = recap_rows(team.manager)
        context = recap_context(rows, scope="Uji", filters="", shape=shape_of(rows), locale="id", national=False)
        assert context.lines[0].outcome == "Predikat Menuju WBK diberikan"
    client = login(team.manager)
    pdf = client.get("/rekap.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    printed = subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True).stdout.decode()
    assert "diberikan" in printed


def test_dashboard_chart_names_the_year_when_a_unit_appears_twice(team, flow, login, best_answers):
    for year in (2025, 2026):
        a = flow.create(team.unit, team.head, year=year)
        flow.fill(team.operator, a, flow.Layer.MANDIRI, {"P1.i.a": "Ya"})
    chart = text(login(team.manager).get("/dasbor/"))
    chart = chart[chart.index('<figure class="chart">'):chart.index("</figure>")]
    assert f"{team.unit.name} (2025)" in chart and f"{team.unit.name} (2026)" in chart


def test_gap_view_labels_external_surveys_and_ranks_them_last(team, flow, login, best_answers):
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, flow.Layer.MANDIRI, best_answers | {"H1.a": 1.0, "P1.i.a": "Tidak"})
    page = text(login(team.operator).get(f"/penilaian/{a.id}/kesenjangan"))
    top = page[page.index("Langkah dengan tambahan nilai total terbesar"):]
    assert "survei eksternal" in top and top.index("P1.i.a") < top.index("H1.a")
