"""Readable history: sentences in the reader's language, WIB times, filters, network details for admins only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text as sql_text
from sqlalchemy import update

from zi_assess.assessments import operations as ops
from zi_assess.extensions import db
from zi_assess.models import AuditEvent


def text(response):
    return response.get_data(as_text=True)


@pytest.fixture
def changed(team, flow, actor_for):
    """The unit answered everything; P1.i.b changed from A to B; R5.ii.a as counts; a TPI fix request."""
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, flow.Layer.MANDIRI)
    bundle = ops.load_bundle(a.id)
    mine = bundle.layer_answers(flow.Layer.MANDIRI)
    ops.save_answers(actor_for(team.head), a.id, flow.Layer.MANDIRI, [
        ops.AnswerInput("P1.i.b", "B", "catatan", mine["P1.i.b"].version),
        ops.AnswerInput("R5.ii.a", {"pengaduan_harus_ditindaklanjuti": 40, "pengaduan_sedang_diproses": 4,
                                    "pengaduan_selesai": 36}, "catatan", mine["R5.ii.a"].version),
    ])
    db.session.commit()
    flow.step(team.head, a, "submit")
    flow.step(team.tpi_lead, a, "start_tpi_review", prefill=True)
    ops.add_comment(actor_for(team.tpi), a.id, "P1.i.a", "SK belum ditandatangani.", needs_fix=True)
    db.session.commit()
    # one event at a known instant: 2026-03-01 17:30 UTC is 2026-03-02 00:30 WIB
    first = db.session.scalar(AuditEvent.__table__.select().with_only_columns(AuditEvent.id)
                              .where(AuditEvent.action == "assessment.create"))
    # audit rows are append-only (a trigger on PostgreSQL): set up as the table's owner would
    postgres = db.session.connection().dialect.name == "postgresql"
    if postgres:
        db.session.execute(sql_text("ALTER TABLE audit_event DISABLE TRIGGER zi_audit_event_append_only"))
    db.session.execute(update(AuditEvent).where(AuditEvent.id == first)
                       .values(at=datetime(2026, 3, 1, 17, 30, tzinfo=UTC)))
    if postgres:
        db.session.execute(sql_text("ALTER TABLE audit_event ENABLE TRIGGER zi_audit_event_append_only"))
    db.session.commit()
    return a


def test_indicator_history_reads_as_sentences(team, changed, login):
    client = login(team.operator)
    page = text(client.get(f"/penilaian/{changed.id}/riwayat/P1.i.b"))
    assert "Test User mengubah jawaban P1.i.b (lapis Mandiri) dari A menjadi B" in page
    assert "answer.change" not in page and "\\u2192" not in page and '"value"' not in page
    assert "203.0.113.7" not in page  # the assessors' and unit's addresses are not the unit's business
    counts = text(client.get(f"/penilaian/{changed.id}/riwayat/R5.ii.a"))
    assert "36 dari 40" in counts and "90,00 %" in counts and "pengaduan_harus_ditindaklanjuti" not in counts
    fix = text(client.get(f"/penilaian/{changed.id}/riwayat/P1.i.a"))
    assert "meminta unit memperbaiki P1.i.a" in fix and "SK belum ditandatangani." in fix
    assert '"needs_fix"' not in fix


def test_assessment_history_times_in_wib_and_filters(team, changed, login):
    client = login(team.tpi_lead)
    page = text(client.get(f"/penilaian/{changed.id}/riwayat"))
    assert "02-03-2026 00:30 WIB" in page and "membuka penilaian" in page
    assert "Test User: Kirim ke TPI" in page and "menyalin 113 jawaban dari lapis Mandiri ke lapis TPI" in page
    only_workflow = text(client.get(f"/penilaian/{changed.id}/riwayat?apa=workflow"))
    assert "membuka penilaian" in only_workflow and "mengubah jawaban" not in only_workflow
    only_p1ib = text(client.get(f"/penilaian/{changed.id}/riwayat?indikator=P1.i.b"))
    assert "P1.i.b" in only_p1ib and "mengisi jawaban P1.i.a" not in only_p1ib
    by_tpi = text(client.get(f"/penilaian/{changed.id}/riwayat?siapa={team.tpi.id}"))
    assert "meminta unit memperbaiki" in by_tpi and "mengubah jawaban" not in by_tpi
    # the day in WIB: 2 March includes the 17:30 UTC event of 1 March, 1 March does not
    assert "membuka penilaian" in text(client.get(f"/penilaian/{changed.id}/riwayat?dari=2026-03-02&sampai=2026-03-02"))
    assert "membuka penilaian" not in text(client.get(f"/penilaian/{changed.id}/riwayat?sampai=2026-03-01"))
    assert "Riwayat" in text(client.get(f"/penilaian/{changed.id}"))  # linked from the assessment's header


def test_network_details_only_for_admins(team, changed, login, actor_for):
    from zi_assess.extensions import db
    from zi_assess.models import Assessment
    from zi_assess.org import operations as org_ops

    assert "203.0.113.7" not in text(login(team.tpi_lead).get(f"/penilaian/{changed.id}/riwayat"))
    # an admin reads an assessment not yet proposed only after recording why
    org_ops.open_draft(actor_for(team.admin), db.session.get(Assessment, changed.id), "Pemeriksaan keluhan unit")
    db.session.commit()
    admin = text(login(team.admin).get(f"/penilaian/{changed.id}/riwayat"))
    assert "Alamat IP: 203.0.113.7" in admin


def test_history_in_english(team, changed, login):
    client = login(team.operator)
    client.post("/bahasa/en")
    page = text(client.get(f"/penilaian/{changed.id}/riwayat/P1.i.b"))
    assert "changed the answer to P1.i.b" in page and "from A to B" in page


def test_unknown_indicator_is_404(team, changed, login):
    assert login(team.operator).get(f"/penilaian/{changed.id}/riwayat/X9.z").status_code == 404
