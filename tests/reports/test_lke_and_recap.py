"""The LKE sheet (official columns, every row, % inputs) and the recap (page, filters, PDF)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.reports import pdfutil
from tests.reports.conftest import MANDIRI_NOTES, TPI_NOTES
from zi_assess.domain import load_criteria
from zi_assess.domain.workflow import Layer, Status
from zi_assess.extensions import db
from zi_assess.models import AuditEvent, StatusChange, StoredReport
from zi_assess.reports.context import lock_change_id


def test_lke_names_the_figures_in_every_row_and_has_every_row(decided, team, login):
    pdf = login(team.manager).get(f"/penilaian/{decided.id}/lke.pdf").data
    text = pdfutil.text(pdf)
    # blocks, not a table: no column header (repeated per page before), each row names its figures
    assert "Penilaian Bobot Penjelasan" not in text
    criteria = load_criteria()
    official_order = [ind.id for aspect in criteria.aspects for aa in aspect.aspect_areas for sub in aa.sub_areas
                      for ind in sub.indicators] + [ind.id for ind in criteria.hasil_indicators()]
    assert sorted(official_order) == sorted(criteria.indicators)
    positions = []
    for ind_id in official_order:  # Pemenuhan 1–6, then Reform 1–6, then Hasil (PortalRB's tree)
        match = re.search(rf"(?<![\w.]){re.escape(ind_id)}(?![\w.])", text)
        assert match, ind_id
        positions.append(match.start())
        # code, question, then the figures of that row: bobot, answer, nilai, %
        question = criteria.indicators[ind_id].question
        row = text[match.start():match.start() + len(question) + 200]
        assert row.startswith(f"{ind_id} {' '.join(question.split())} — Bobot "), row[:200]
        assert re.search(r"— Bobot \d+,\d\d · Jawaban: .+? · Nilai \d+,\d\d · \d+,\d\d %", row), row[:300]
    assert positions == sorted(positions)  # every indicator, in LKE order
    for row in ("A Pengungkit Bobot 60,00 · Nilai", "P Pemenuhan Bobot 30,00 · Nilai",
                "P1 MANAJEMEN PERUBAHAN Bobot 4,00 · Nilai", "P1.i Penyusunan Tim Kerja Bobot 0,50 · Nilai",
                "B Hasil Bobot 40,00 · Nilai", "H1 Birokrasi yang Bersih dan Akuntabel Bobot 22,50 · Nilai",
                "NILAI TOTAL Bobot 100 · Nilai 91,90"):
        assert row in text, row
    # a % indicator shows its count inputs right below it
    start = text.index("R1.i.a")
    assert text.index("Jumlah Agen Perubahan: ", start) < text.index("R1.i.b", start)
    assert "Jumlah Perubahan yang dibuat: 1" in text
    # answers, the layer that gave them, notes, values
    assert f"Catatan: {MANDIRI_NOTES['P1.i.b']}" in text and f"Catatan: {TPI_NOTES['P2.i.a']}" in text
    assert "Bobot 0,33 · Jawaban: C (TPI) · Nilai 0,11 · 33,00 %" in text  # P2.i.a: C of A–D is worth 0,33 of its 0,33
    assert "Memenuhi ambang batas Menuju WBK" in text


def test_lke_prints_an_explanation_only_when_the_options_do_not_say_it(decided, team, login):
    from zi_assess.reports.context_sheets import same_text

    criteria = load_criteria()
    text = pdfutil.text(login(team.manager).get(f"/penilaian/{decided.id}/lke.pdf").data)
    # P1.i.b: its explanation ("a. Jika dengan prosedur … b. Jika …") is its options: printed once, as the options
    same = criteria.indicators["P1.i.b"]
    assert same_text(same.explanation, [f"{o.key}. {o.text}" for o in same.options])
    assert text.count("Jika dengan prosedur/mekanisme yang jelas dan mewakili seluruh unsur") == 1
    assert "A. Jika dengan prosedur/mekanisme" in text and "a. Jika dengan prosedur/mekanisme" not in text
    p1ib = text[text.index("P1.i.b "):text.index("P1.ii ")]
    assert "Penjelasan:" not in p1ib and "Pilihan Jawaban:" not in p1ib
    # P1.i.a says more than "Ya / Tidak": explanation and options are both printed, each named
    other = criteria.indicators["P1.i.a"]
    assert not same_text(other.explanation, ["Ya", "Tidak"])
    p1ia = text[text.index("P1.i.a "):text.index("P1.i.b ")]
    assert f"Penjelasan: {' '.join(other.explanation.split())} Pilihan Jawaban: Ya / Tidak" in p1ia
    # every row: the explanation is printed once at most, and only where it differs from the options
    differing = [i for i in criteria.indicators.values() if i.explanation.strip()
                 and not same_text(i.explanation, [o.key if o.text == o.key else f"{o.key}. {o.text}"
                                                   for o in i.options] if i.kind == "choice" else [])]
    assert text.count("Penjelasan: ") == len(differing)


def test_same_text_ignores_letter_case_and_spacing_only():
    from zi_assess.reports.context_sheets import same_text

    assert same_text("a. Jika semua  b. Jika\nsebagian", ["A. Jika semua", "B. Jika sebagian"])
    assert not same_text("a. Jika semua b. Jika sebagian besar", ["A. Jika semua", "B. Jika sebagian"])
    assert not same_text("Ya, jika tim dibentuk.", ["Ya", "Tidak"])
    assert not same_text("", ["Ya", "Tidak"])


def test_lke_of_one_layer_shows_that_layers_answers(decided, team, login):
    client = login(team.manager)
    mandiri = pdfutil.text(client.get(f"/penilaian/{decided.id}/lke.pdf?lapis=mandiri").data)
    tpi = pdfutil.text(client.get(f"/penilaian/{decided.id}/lke.pdf?lapis=tpi").data)
    assert "Jawaban: Penilaian mandiri (unit)" in mandiri and "Jawaban: Tim Penilai Internal (TPI)" in tpi
    assert TPI_NOTES["P2.i.a"] not in mandiri and TPI_NOTES["P2.i.a"] in tpi
    # answers the TPI layer copied from the unit name the layer that gave them: "Jawaban: A (Mandiri) · Nilai 0,25"
    copied = r"Jawaban: (Ya|Tidak|[A-E]) \(Mandiri\) · Nilai \d+,\d\d · \d+,\d\d %"
    assert re.search(copied, tpi)
    assert not re.search(copied, mandiri)  # own answers: no source
    assert re.search(r"Jawaban: (Ya|Tidak|[A-E]) · Nilai \d+,\d\d · \d+,\d\d %", mandiri)
    stored = {(r.kind, r.layer) for r in db.session.scalars(select(StoredReport))}
    assert stored == {("lke", "mandiri"), ("lke", "tpi")}


def test_returned_lke_is_a_draft_until_resubmitted_then_a_new_final(team, flow, fill, best_answers, actor_for):
    from zi_assess.assessments import operations as ops
    from zi_assess.reports.context import load_changes

    a = flow.create(team.unit, team.head)
    fill(team.operator, a, Layer.MANDIRI, best_answers)
    assert lock_change_id(Status.DRAFT.value, [], "mandiri") is None
    flow.step(team.head, a, "submit")
    first = lock_change_id(Status.SUBMITTED.value, load_changes(a.id), "mandiri")
    assert first is not None and lock_change_id(Status.SUBMITTED.value, load_changes(a.id), "effective") is None
    flow.step(team.tpi_lead, a, "start_tpi_review")
    ops.add_comment(actor_for(team.tpi), a.id, "P1.i.a", "Perbaiki.", needs_fix=True)
    db.session.commit()
    flow.step(team.tpi, a, "return_to_unit")
    assert lock_change_id(Status.RETURNED.value, load_changes(a.id), "mandiri") is None  # editable again
    flow.step(team.head, a, "resubmit")
    second = lock_change_id(Status.TPI_REVIEW.value, load_changes(a.id), "mandiri")
    resubmit = db.session.scalar(select(StatusChange.id).where(StatusChange.transition == "resubmit"))
    assert second == resubmit and second != first
    assert lock_change_id(Status.TPI_REVIEW.value, load_changes(a.id), "tpi") is None


def test_recap_page_filters_sorts_and_links_the_pdf(decided, team, flow, make_unit, login):
    second = make_unit(team.instansi, code="UJI-2")
    flow.create(second, team.tpi_lead)  # nothing answered yet
    client = login(team.manager)
    page = client.get("/rekap").get_data(as_text=True)
    assert "Rekapitulasi Hasil Evaluasi — Kementerian Uji" in page
    assert "UJI-1" in page and "UJI-2" in page and "91,90" in page and "<svg" in page
    assert "LAIN-1" not in page  # another instansi
    assert "/rekap.pdf" in page and "/ekspor/lhe?instansi=" in page
    page = client.get("/rekap?status=decided").get_data(as_text=True)
    assert "UJI-1" in page and "UJI-2" not in page
    page = client.get("/rekap?cari=uji-2").get_data(as_text=True)
    table = page[page.index('class="table compact recap-table"'):]  # (the instansi's trend above: every unit)
    assert "UJI-2" in table and "91,90" not in table
    page = client.get("/rekap?urut=unit&arah=naik").get_data(as_text=True)
    assert page.index("UJI-1") < page.index("UJI-2")
    page = client.get("/rekap?urut=unit&arah=turun").get_data(as_text=True)
    assert page.index("UJI-2") < page.index("UJI-1", page.index("<tbody"))
    bad = client.get("/rekap?tahun=abc&urut=drop+table")
    assert bad.status_code == 200 and "error-summary" in bad.get_data(as_text=True)

    response = client.get("/rekap.pdf?status=decided")
    text = pdfutil.text(response.data)
    assert response.mimetype == "application/pdf"
    assert "Rekapitulasi Hasil Evaluasi — Kementerian Uji" in text and "Status: Diputuskan" in text
    assert "UJI-1 Unit 1" in text and "91,90" in text and "Memenuhi" in text and "UJI-2" not in text


def test_national_recap_and_who_may_see_it(decided, team, login, client):
    page = login(team.national).get("/rekap").get_data(as_text=True)
    assert "Rekapitulasi Hasil Evaluasi — Nasional" in page and "Kementerian Uji" in page
    text = pdfutil.text(client.get("/rekap.pdf").data)
    assert "Nasional" in text and "UJI-1" in text
    client.post("/keluar")
    assert login(team.operator).get("/rekap").status_code == 403
    client.post("/keluar")
    assert login(team.manager).get(f"/rekap?instansi={team.other_instansi.id}").status_code == 200
    # a foreign instansi is not a choice: the form refuses it and the page shows the manager's own
    assert "Pemkot Lain" not in client.get(f"/rekap?instansi={team.other_instansi.id}").get_data(as_text=True)


@pytest.mark.parametrize("kind", ["lhe", "lke", "recap"])
def test_cli_renders_every_report(decided, team, runner, tmp_path, kind):
    out = tmp_path / f"{kind}.pdf"
    args = ["report", kind, str(decided.id)] if kind != "recap" else ["report", "recap", "--instansi",
                                                                    str(team.instansi.id)]
    result = runner.invoke(args=[*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = pdfutil.text(out.read_bytes())
    assert "91,90" in text and "Unit 1" in text
    # no made-up administrator: the command reads as zi-assess itself and is audited as such
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action.in_(("report.download", "report.recap")))
                              .order_by(AuditEvent.id.desc()))
    assert (event.actor_email, event.actor_id) == ("system:cli", None)
    if kind == "lhe":
        again = runner.invoke(args=[*args, "-o", str(out)])
        assert "final, from storage" in again.output


def test_cli_reports_bad_ids_and_layers(runner, app, tmp_path):
    result = runner.invoke(args=["report", "lhe", "4242", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and "no assessment with id 4242" in result.output
    result = runner.invoke(args=["report", "lke", "1", "--layer", "tpx", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and "unknown layer" in result.output
    result = runner.invoke(args=["report", "lhe", "1", "--locale", "fr", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0


def test_lke_prints_a_survey_score_of_zero_as_an_answer(team, flow, fill, best_answers, login):
    a = flow.create(team.unit, team.head)
    fill(team.operator, a, Layer.MANDIRI, best_answers | {"H1.a": 0, "H2.a": 0.0})
    text = pdfutil.text(login(team.head).get(f"/penilaian/{a.id}/lke.pdf").data)
    h1a, h1b, h2a = (text.index(f"{row} ", text.index("B Hasil")) for row in ("H1.a", "H1.b", "H2.a"))
    for row in (text[h1a:h1b], text[h2a:]):  # answer 0,00 from the unit, nilai 0,00, 0,00 % (not "–": unanswered)
        assert "Jawaban: 0,00 (Mandiri) · Nilai 0,00 · 0,00 %" in row and "Pilihan Jawaban: Nilai survei 0–4" in row, \
            row[:300]
    assert "(belum lengkap)" not in text and "NILAI TOTAL Bobot 100 · Nilai 65,00" in text
