"""Year over year (issue 16 item 2): start from last year's LKE, confirm, compare years."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from zi_assess.assessments import operations as aops
from zi_assess.assessments.loading import load_bundle
from zi_assess.domain import load_criteria
from zi_assess.domain.answers import best_answers
from zi_assess.domain.workflow import Layer
from zi_assess.evidence import operations as eops
from zi_assess.extensions import db
from zi_assess.models import AuditEvent, Evidence, EvidenceBlob
from zi_assess.yearly import operations as yops


@pytest.fixture
def two_years(team, flow, actor_for):
    """Last year's LKE fully answered with notes, a file and a link as evidence; this year's empty."""
    criteria = load_criteria()
    answers = best_answers(criteria) | {"P1.i.a": "Tidak"}
    last = flow.create(team.unit, team.head, year=2025)
    flow.fill(team.operator, last, Layer.MANDIRI, answers)
    eops.add_file(actor_for(team.operator), last.id, ["P1.i.a", "P1.i.b"], io.BytesIO(b"%PDF-1.4\n% SK tim\n%%EOF\n"),
                  "sk-tim.pdf", "SK Tim ZI")
    eops.add_link(actor_for(team.operator), last.id, ["P2.i.a"], "https://drive.example.go.id/sop", "SOP")
    db.session.commit()
    this = flow.create(team.unit, team.head, year=2026)
    return last, this


def test_carry_copies_answers_notes_and_evidence_by_reference(two_years, team, login):
    last, this = two_years
    blobs = db.session.scalar(select(func.count()).select_from(EvidenceBlob))
    client = login(team.operator)
    response = client.post(f"/penilaian/{this.id}/tahun-lalu", data={"dari": str(last.id)})
    assert response.status_code == 302
    bundle = load_bundle(this.id)
    rows = bundle.layer_answers(Layer.MANDIRI)
    assert len(rows) == len(load_criteria().indicators)
    assert rows["P1.i.a"].value == "Tidak" and rows["P1.i.a"].note == "catatan"
    assert all(r.carried_from_id == last.id for r in rows.values())
    copied = db.session.scalars(select(Evidence).where(Evidence.assessment_id == this.id)).all()
    assert {(e.filename, e.url) for e in copied} == {(None, "https://drive.example.go.id/sop"), ("sk-tim.pdf", None)}
    assert {link.indicator_id for e in copied for link in e.links} == {"P1.i.a", "P1.i.b", "P2.i.a"}
    assert db.session.scalar(select(func.count()).select_from(EvidenceBlob)) == blobs  # no file copied
    original = db.session.scalars(select(Evidence).where(Evidence.assessment_id == last.id,
                                                         Evidence.filename == "sk-tim.pdf")).one()
    assert next(e for e in copied if e.filename).blob_sha256 == original.blob_sha256
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "answer.carry")).one()
    assert event.detail["copied"] == len(rows) and event.detail["evidence"] == 2
    page = client.get(f"/penilaian/{this.id}/tahun-lalu").get_data(as_text=True)
    assert f"Jawaban disalin yang belum dikonfirmasi ({len(rows)})" in page
    area = client.get(f"/penilaian/{this.id}/area/1").get_data(as_text=True)
    assert "dari tahun lalu, belum dikonfirmasi" in area


def test_submit_waits_until_every_carried_answer_is_confirmed(two_years, team, flow, login, actor_for):
    last, this = two_years
    client = login(team.operator)
    client.post(f"/penilaian/{this.id}/tahun-lalu", data={"dari": str(last.id)})
    with pytest.raises(aops.WorkflowRefused) as refused:
        flow.step(team.head, this, "submit")
    assert refused.value.code == "unconfirmed_carried"
    db.session.rollback()
    submit_page = login(team.head).get(f"/penilaian/{this.id}/kirim").get_data(as_text=True)
    assert "belum dikonfirmasi" in submit_page

    # changing an answer confirms it; the rest are confirmed on the carry page
    bundle = load_bundle(this.id)
    row = bundle.layer_answers(Layer.MANDIRI)["P1.i.a"]
    aops.save_answers(actor_for(team.operator), this.id, Layer.MANDIRI,
                      [aops.AnswerInput("P1.i.a", "Ya", "baru", row.version)])
    db.session.commit()
    assert "P1.i.a" not in load_bundle(this.id).unconfirmed_carried()
    client = login(team.operator)
    pending = load_bundle(this.id).unconfirmed_carried()
    confirmed = client.post(f"/penilaian/{this.id}/tahun-lalu/konfirmasi", data={"indikator": pending})
    assert confirmed.status_code == 302
    db.session.expire_all()
    assert load_bundle(this.id).unconfirmed_carried() == []
    assert flow.step(team.head, this, "submit").changed


def test_carry_is_refused_into_a_started_lke_and_from_a_later_year(two_years, team, flow, login, actor_for):
    last, this = two_years
    flow.fill(team.operator, this, Layer.MANDIRI, {"P1.i.a": "Ya"})
    client = login(team.operator)
    response = client.post(f"/penilaian/{this.id}/tahun-lalu", data={"dari": str(last.id)}, follow_redirects=True)
    assert "hanya ke LKE yang masih kosong" in response.get_data(as_text=True)
    assert len(load_bundle(this.id).layer_answers(Layer.MANDIRI)) == 1
    with pytest.raises(yops.CarryRefused) as refused:
        yops.carry_over(actor_for(team.operator), last.id, this.id)
    assert refused.value.code == "not_earlier"
    db.session.rollback()
    # readers may not carry
    assert login(team.tpi).post(f"/penilaian/{this.id}/tahun-lalu", data={"dari": str(last.id)}).status_code == 403


def test_comparison_page_shows_both_years_per_area_and_indicator(two_years, team, flow, login):
    last, this = two_years
    flow.fill(team.operator, this, Layer.MANDIRI, best_answers(load_criteria()))
    page = login(team.manager).get(f"/penilaian/{this.id}/perbandingan")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Nilai total 2025" in html and "2026" in html
    assert "(1 berubah)" in html  # P1.i.a went from Tidak to Ya
    assert "<svg" in html  # the unit's totals per year
    assert login(team.other_head).get(f"/penilaian/{this.id}/perbandingan").status_code == 404
