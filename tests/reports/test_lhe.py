"""The Laporan Hasil Evaluasi: figures, verdicts, findings, layers, drafts and stored renderings."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from tests.reports import pdfutil
from tests.reports.conftest import MANDIRI_NOTES, TPI_COMMENT, TPI_NOTES
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.models import AuditEvent, StoredReport


def test_lhe_holds_the_figures_verdicts_failing_rules_and_findings(decided, team, login):
    client = login(team.manager)
    response = client.get(f"/penilaian/{decided.id}/lhe.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert 'attachment; filename="LHE-UJI-1-2026.pdf"' == response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    pdf = response.data
    text = pdfutil.text(pdf)
    assert 4 <= pdfutil.pages(pdf) <= 12
    assert pdfutil.reader(pdf).metadata.title == "Laporan Hasil Evaluasi — Unit 1 (2026)"
    # identity
    for part in ("Kementerian Uji", "Unit 1 (UJI-1)", "Menuju WBK", "TPN — evaluasi lapangan", "Diputuskan"):
        assert part in text
    # summary: effective total 91,90 (engine: 91.9016…), area 2 6,78 (96,81 %), minimums of both predicates
    assert "Nilai total 100,00 91,90 91,90 % 75,00 85,00" in text
    assert "Area 2 Penataan Tatalaksana 7,00 6,78 96,81 % 4,20 5,25" in text
    assert "H1.a Nilai Survey Persepsi Korupsi (Survei Eksternal) 17,50 15,75 90,00 % 15,75 15,75" in text
    # verdicts: WBK met; WBBM fails three rules, each with its shortfall
    assert "Menuju WBK target — MEMENUHI" in text
    assert "Menuju WBBM — BELUM MEMENUHI" in text and "Belum memenuhi 3 ambang batas nilai Menuju WBBM." in text
    assert "Hasil H1 Birokrasi yang Bersih dan Akuntabel 18,25 19,50 1,25" in text
    assert "Capaian Kinerja Lebih Baik dari pada Capaian Kinerja Sebelumnya 2,50 3,75 1,25" in text
    assert "Hasil H2 Pelayanan Publik yang Prima 14,00 15,75 1,75" in text
    assert "Prasyarat: Opini BPK atas laporan keuangan instansi: terpenuhi; Predikat SAKIP instansi: terpenuhi;" in text
    # findings with the unit's note, the assessor's note and the review comment
    assert "P1.i.b" in text and MANDIRI_NOTES["P1.i.b"] in text
    assert TPI_NOTES["P2.i.a"] in text and TPI_COMMENT in text
    assert "Jawaban: C (TPI) · terbaik: A" in text
    # layer comparison and largest differences
    assert "Mandiri TPI TPN desk TPN lapangan" in text
    assert ("Perbedaan terbesar antarlapis Indikator Mandiri TPI TPN desk TPN lapangan Δ nilai "
            "H1.a Nilai Survey Persepsi Korupsi (Survei Eksternal) 3,00 3,00 3,60 3,60 +2,63 "
            "P2.i.a SOP mengacu pada peta proses bisnis instansi A C C C −0,22") in text
    # recommendations, recorded conclusions, evaluators and signatures
    assert "Kesimpulan dan rekomendasi TPI: layak diusulkan. Layak diusulkan ke TPN." in text
    assert "Keputusan TPN: predikat diberikan. Memenuhi ambang batas Menuju WBK." in text
    assert "Nilai memenuhi seluruh ambang batas Menuju WBK" in text
    assert "Tim Penilai Nasional" in text
    assert "DRAF" not in text  # decided: final
    # header and footer on every page but the cover
    assert text.count("Halaman") >= pdfutil.pages(pdf) and f"dari {pdfutil.pages(pdf)}" in text


def test_lhe_of_the_tpi_layer_stops_at_the_tpi_answers(decided, team, login):
    pdf = login(team.tpi_lead).get(f"/penilaian/{decided.id}/lhe.pdf?lapis=tpi").data
    text = pdfutil.text(pdf)
    assert "Lapis penilai Tim Penilai Internal (TPI)" in text
    # H1.a is still the unit's 3,0 (13,13 of 17,50): the TPN's 3,6 came later
    assert "H1.a Nilai Survey Persepsi Korupsi (Survei Eksternal) 17,50 13,13" in text
    assert "Mandiri TPI" in text and "TPN desk" not in text
    assert "Keputusan TPN" not in text


def test_english_locale_formats_numbers_the_english_way(decided, team, make_user, login):
    reader = make_user("manager", team.instansi, locale="en")
    text = pdfutil.text(login(reader).get(f"/penilaian/{decided.id}/lhe.pdf").data)
    assert "100.00 91.90 91.90 % 75.00 85.00" in text
    assert "Evaluation Report" in text and "Area 2 Business process management 7.00 6.78 96.81 %" in text


def test_a_draft_carries_the_watermark_and_is_not_stored(team, flow, fill, best_answers, login):
    a = flow.create(team.unit, team.head)
    fill(team.operator, a, Layer.MANDIRI, dict(list(best_answers.items())[:60]))
    pdf = login(team.operator).get(f"/penilaian/{a.id}/lhe.pdf").data
    text = pdfutil.text(pdf)
    assert "DRAF — penilaian masih dapat berubah" in text and pdfutil.watermark(pdf) == "DRAF"
    assert "53 indikator belum dijawab" in text
    assert db.session.scalar(select(StoredReport)) is None


def test_final_report_is_rendered_once_then_served_from_storage(decided, team, login, monkeypatch, app):
    client = login(team.manager)
    first = client.get(f"/penilaian/{decided.id}/lhe.pdf").data
    row = db.session.scalar(select(StoredReport))
    assert row.kind == "lhe" and row.layer == "effective" and row.locale == "id"
    assert row.criteria_id == "permenpanrb-90-2021" and row.sha256 == hashlib.sha256(first).hexdigest()

    def no_rendering(*args, **kwargs):
        raise AssertionError("a stored report must not be rendered again")

    monkeypatch.setattr("zi_assess.reports.documents.render_pdf", no_rendering)
    second = client.get(f"/penilaian/{decided.id}/lhe.pdf").data
    assert second == first
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.download")).all()
    assert [e.detail["stored"] for e in events] == [False, True]


def test_a_stored_file_that_was_altered_is_rendered_again(decided, team, login, app):
    from zi_assess.storage import get_store, report_key

    client = login(team.manager)
    client.get(f"/penilaian/{decided.id}/lhe.pdf")
    row = db.session.scalar(select(StoredReport))
    get_store().save(report_key(row.sha256), b"%PDF-1.7 tampered")
    again = client.get(f"/penilaian/{decided.id}/lhe.pdf").data
    assert again.startswith(b"%PDF") and b"tampered" not in again
    db.session.expire_all()
    repaired = db.session.scalar(select(StoredReport))
    assert repaired.id == row.id and repaired.sha256 == hashlib.sha256(again).hexdigest()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.repair")) is not None


def test_a_stored_file_missing_from_the_store_is_a_clear_error_not_a_new_rendering(decided, team, login, app,
                                                                                   monkeypatch, caplog):
    from zi_assess.storage import get_store, report_key

    client = login(team.manager)
    first = client.get(f"/penilaian/{decided.id}/lhe.pdf")
    assert first.status_code == 200
    row = db.session.scalar(select(StoredReport))
    get_store().delete(report_key(row.sha256))
    events_before = db.session.scalar(select(func.count()).select_from(AuditEvent))

    def no_rendering(*args, **kwargs):
        raise AssertionError("a report whose stored file is missing must not be rendered again")

    monkeypatch.setattr("zi_assess.reports.documents.render_pdf", no_rendering)
    for _attempt in range(2):
        response = client.get(f"/penilaian/{decided.id}/lhe.pdf")
        page = response.get_data(as_text=True)
        assert response.status_code == 503 and "tidak ditemukan di penyimpanan" in page
        assert response.headers["X-Request-ID"] in page
    assert f"stored report {row.id}" in caplog.text and report_key(row.sha256) in caplog.text
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events_before
    assert db.session.scalar(select(StoredReport)).sha256 == row.sha256


def test_other_units_and_anonymous_users_get_nothing(decided, team, client, login):
    assert client.get(f"/penilaian/{decided.id}/lhe.pdf").status_code in (302, 401)
    assert login(team.other_head).get(f"/penilaian/{decided.id}/lhe.pdf").status_code == 404
    assert client.get("/penilaian/999999/lhe.pdf").status_code == 404


@pytest.mark.parametrize("layer", ["tpx", "../etc"])
def test_an_unknown_layer_is_a_clear_400(decided, team, login, layer):
    response = login(team.manager).get(f"/penilaian/{decided.id}/lke.pdf?lapis={layer}")
    assert response.status_code == 400
    assert "tidak dikenal" in response.get_data(as_text=True)


def test_recommendations_prioritise_what_the_gap_view_ranks_first(team, flow, login):
    import random

    from zi_assess.domain import load_criteria, score, verdict
    from zi_assess.domain.answers import random_answers
    from zi_assess.domain.gap import improvement_steps, steps_for_rule

    criteria = load_criteria()
    answers = random_answers(criteria, random.Random(7), quality=0.35)
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, Layer.MANDIRI, answers)
    failing = verdict(score(criteria, answers), "WBK").failures
    assert failing, "the answers must fail Menuju WBK for this test to say anything"
    steps = improvement_steps(criteria, answers)
    pdf = login(team.head).get(f"/penilaian/{a.id}/lhe.pdf").data
    text = pdfutil.text(pdf)
    assert pdfutil.watermark(pdf) == "DRAF"
    checked = 0
    for check in failing:
        best = steps_for_rule(steps, check.node)[:3]
        if best:
            assert f"Prioritaskan indikator {', '.join(s.indicator for s in best)}." in text, check
            checked += 1
    assert checked >= 1
