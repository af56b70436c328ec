"""The workflow through the real operations and database: locking, layers, snapshots, refusals."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from zi_assess.assessments import operations as ops
from zi_assess.assessments.loading import load_bundle
from zi_assess.assessments.scores import compute_scores
from zi_assess.audit import SYSTEM
from zi_assess.authz import PermissionDenied
from zi_assess.domain import AnswerError
from zi_assess.domain.workflow import Layer, Status
from zi_assess.extensions import db
from zi_assess.models import (
    Answer,
    Assessment,
    AuditEvent,
    CurrentScore,
    Predicate,
    ScoreSnapshot,
    StatusChange,
    UnitType,
)
from zi_assess.org import operations as org
from zi_assess.years import operations as years

GOOD_INSTANSI = {"opini_bpk": "WTP", "sakip_instansi": "BB", "indeks_rb": "BB", "spip_level": 3}
GOOD_UNIT = {"layanan_utama": True, "tl_apip_bpk_persen": 100, "lhkpn_persen": 100, "lhkasn_persen": 100,
             "bulan_membangun_zi": 13, "sakip_unit": "BB"}


def count(model, **where):
    query = select(func.count()).select_from(model)
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    return db.session.scalar(query)


def status_of(assessment):
    db.session.expire_all()
    return db.session.get(Assessment, assessment.id).status


def test_submit_needs_a_complete_mandiri_layer_and_changes_nothing_when_refused(team, flow, best_answers):
    a = flow.create(team.unit, team.head)
    partial = dict(best_answers)
    partial.pop("H2.a")
    flow.fill(team.operator, a, Layer.MANDIRI, partial)
    with pytest.raises(ops.WorkflowRefused) as info:
        flow.step(team.head, a, "submit")
    assert (info.value.code, info.value.detail) == ("incomplete", "mandiri")
    db.session.rollback()
    assert status_of(a) == Status.DRAFT and count(StatusChange) == 0 and count(ScoreSnapshot) == 0


def test_operator_fills_head_submits_layer_locks_and_score_is_snapshotted(team, flow, actor_for):
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, Layer.MANDIRI)
    with pytest.raises(PermissionDenied):
        flow.step(team.operator, a, "submit")  # the operator fills, the head submits
    db.session.rollback()
    assert flow.step(team.head, a, "submit").changed
    assert status_of(a) == Status.SUBMITTED
    with pytest.raises(PermissionDenied):
        ops.save_answer(actor_for(team.operator), a.id, Layer.MANDIRI, "P1.i.a", "Tidak", seen_version=1)
    db.session.rollback()
    snaps = db.session.scalars(select(ScoreSnapshot).order_by(ScoreSnapshot.id)).all()
    assert [(s.layer, s.transition, s.criteria_id) for s in snaps] == [
        ("mandiri", "submit", "permenpanrb-90-2021"), ("effective", "submit", "permenpanrb-90-2021")]
    assert snaps[0].total == pytest.approx(100) and snaps[0].result["verdicts"]["WBK"]["passed"]


def test_submitting_twice_creates_one_transition(team, flow):
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, Layer.MANDIRI)
    seen = db.session.get(Assessment, a.id).status_version
    assert flow.step(team.head, a, "submit", seen_status_version=seen).changed
    again = flow.step(team.head, a, "submit", seen_status_version=seen)
    assert not again.changed
    assert count(StatusChange) == 1 and count(AuditEvent, action="transition") == 1


def test_a_stale_step_from_an_old_page_is_refused(team, flow):
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, Layer.MANDIRI)
    flow.step(team.head, a, "submit")
    flow.step(team.tpi, a, "start_tpi_review")
    old_version = db.session.get(Assessment, a.id).status_version
    ops.add_comment(flow_actor(team.tpi), a.id, "P1.i.a", "Perbaiki SK.", needs_fix=True)
    flow.step(team.tpi, a, "return_to_unit")
    flow.step(team.head, a, "resubmit")  # back in tpi_review, one version later
    ops.add_comment(flow_actor(team.tpi), a.id, "P1.i.b", "Lengkapi notulen.", needs_fix=True)
    with pytest.raises(ops.WorkflowRefused) as info:  # allowed now, but not from the page seen before
        flow.step(team.tpi, a, "return_to_unit", seen_status_version=old_version)
    assert info.value.code == "stale"
    assert db.session.get(Assessment, a.id).status == "tpi_review"
    current = db.session.get(Assessment, a.id).status_version
    assert flow.step(team.tpi, a, "return_to_unit", seen_status_version=current).changed


def flow_actor(user):
    from zi_assess.audit import Actor

    return Actor(user, "203.0.113.7")


def test_full_path_with_layers_prefill_and_effective_answers(team, flow, best_answers):
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, Layer.MANDIRI)
    flow.step(team.head, a, "submit")
    flow.step(team.tpi_lead, a, "start_tpi_review", prefill=True)
    bundle = load_bundle(a.id)
    tpi = bundle.layer_answers(Layer.TPI)
    assert len(tpi) == 113 and all(x.prefilled_from == Layer.MANDIRI for x in tpi.values())
    # TPI changes two answers and returns one indicator
    flow.fill(team.tpi, a, Layer.TPI, {"P1.i.b": "B", "P2.i.a": "C"})
    ops.add_comment(flow_actor(team.tpi), a.id, "P1.i.a", "SK Tim belum ditandatangani.", needs_fix=True)
    db.session.commit()
    flow.step(team.tpi, a, "return_to_unit", note="Lengkapi SK.")
    assert status_of(a) == Status.RETURNED
    flow.fill(team.operator, a, Layer.MANDIRI, {"P1.i.a": "Ya"})
    flow.step(team.head, a, "resubmit")
    assert status_of(a) == Status.TPI_REVIEW and not ops.open_fix_requests(a.id)
    with pytest.raises(ops.WorkflowRefused):
        flow.step(team.tpi_lead, a, "conclude_tpi")  # needs the eligibility decision
    db.session.rollback()
    flow.step(team.tpi_lead, a, "conclude_tpi", eligible=True, recommendation="Layak diusulkan.")
    org.record_prerequisites(SYSTEM, 2026, GOOD_INSTANSI, instansi=team.instansi)
    org.record_prerequisites(SYSTEM, 2026, GOOD_UNIT, unit=team.unit)
    db.session.commit()
    flow.step(team.tpi_lead, a, "propose")
    flow.step(team.tpn, a, "start_desk", prefill=True)
    flow.fill(team.tpn, a, Layer.TPN_DESK, {"H1.a": 3.6})
    flow.step(team.tpn, a, "start_field")  # no prefill: the field layer starts empty
    flow.fill(team.tpn, a, Layer.TPN_LAPANGAN, {"H2.a": 3.2, "P2.i.a": "A"})
    flow.step(team.national, a, "decide", granted=True, today=date(2026, 12, 9))

    bundle = load_bundle(a.id)
    assert bundle.assessment.status == Status.DECIDED and bundle.assessment.decision_granted
    assert bundle.assessment.unit.current_predicate == Predicate.WBK
    assert bundle.assessment.unit.predicate_granted_on == date(2026, 12, 9)
    effective = {ind: layer for ind, (layer, _a) in bundle.effective.items()}
    assert effective["P2.i.a"] == Layer.TPN_LAPANGAN and effective["H2.a"] == Layer.TPN_LAPANGAN
    assert effective["H1.a"] == Layer.TPN_DESK and effective["P1.i.b"] == Layer.TPN_DESK  # prefilled copy
    assert bundle.effective["P1.i.b"][1].value == "B"
    scores = compute_scores(bundle)
    assert scores.layer(Layer.MANDIRI).total == pytest.approx(100)
    assert not scores.layer(Layer.TPN_LAPANGAN).complete  # its own two answers only
    assert scores.effective.complete
    expected = 100 - 0.25 * 0.5 - (17.5 - 3.6 / 4 * 17.5) - (17.5 - 3.2 / 4 * 17.5)
    assert scores.effective.total == pytest.approx(expected)
    current = db.session.get(CurrentScore, (a.id, "effective"))
    assert current.total == pytest.approx(expected) and current.complete
    # every layer is locked now
    for layer in Layer:
        with pytest.raises(PermissionDenied):
            ops.save_answer(flow_actor(team.tpn), a.id, layer, "P1.i.a", "Tidak")
        db.session.rollback()
    assert [c.transition for c in db.session.scalars(select(StatusChange).order_by(StatusChange.id))] == [
        "submit", "start_tpi_review", "return_to_unit", "resubmit", "conclude_tpi", "propose", "start_desk",
        "start_field", "decide"]
    locked = {(s.layer, s.transition) for s in db.session.scalars(select(ScoreSnapshot))}
    assert {("mandiri", "submit"), ("mandiri", "resubmit"), ("tpi", "conclude_tpi"), ("tpn_desk", "start_field"),
            ("tpn_lapangan", "decide"), ("effective", "decide")} <= locked


def test_propose_needs_eligibility_and_prerequisites_unless_afirmasi(make_instansi, make_unit, make_user, flow):
    from zi_assess.models import InstansiKind

    pemkot = make_instansi("Pemkot Uji", InstansiKind.PEMKOT)
    rsud = make_unit(pemkot, unit_type=UnitType.RSUD)
    umum = make_unit(pemkot)
    lead = make_user("tpi_lead", pemkot)
    for unit in (rsud, umum):
        head = make_user("unit_head", unit)
        a = flow.create(unit, head)
        flow.fill(head, a, Layer.MANDIRI)
        flow.step(head, a, "submit")
        flow.step(lead, a, "start_tpi_review")
        flow.step(lead, a, "conclude_tpi", eligible=True, recommendation="ok")
        if unit is rsud:
            flow.step(lead, a, "propose")  # afirmasi: may be proposed while prerequisites are unmet
            assert status_of(a) == Status.PROPOSED
        else:
            with pytest.raises(ops.WorkflowRefused) as info:
                flow.step(lead, a, "propose")
            assert info.value.code == "prerequisites"
            db.session.rollback()


def test_not_eligible_cannot_be_proposed_and_deadlines_apply(team, flow):
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, Layer.MANDIRI)
    years.set_deadline(SYSTEM, "submit", 2026, date(2026, 5, 31), opens_on=date(2026, 1, 1))
    db.session.commit()
    with pytest.raises(ops.WorkflowRefused) as info:
        flow.step(team.head, a, "submit", today=date(2026, 6, 1))
    assert (info.value.code, info.value.detail) == ("deadline", "submit")
    db.session.rollback()
    years.set_deadline(SYSTEM, "submit", 2026, date(2026, 6, 30), instansi=team.instansi)  # instansi window wins
    db.session.commit()
    flow.step(team.head, a, "submit", today=date(2026, 6, 1))
    flow.step(team.tpi, a, "start_tpi_review")
    flow.step(team.tpi_lead, a, "conclude_tpi", eligible=False, recommendation="Perlu pembinaan.")
    with pytest.raises(ops.WorkflowRefused) as info:
        flow.step(team.tpi_lead, a, "propose")
    assert info.value.code == "not_eligible"


def test_invalid_answers_are_refused_and_nothing_is_saved(team, flow, actor_for):
    a = flow.create(team.unit, team.head)
    items = [ops.AnswerInput("P1.i.a", "Ya"), ops.AnswerInput("P1.i.b", "Z")]
    with pytest.raises(AnswerError):
        ops.save_answers(actor_for(team.operator), a.id, Layer.MANDIRI, items)
    db.session.rollback()
    assert count(Answer) == 0
    saved = ops.save_answers(actor_for(team.operator), a.id, Layer.MANDIRI,
                             [ops.AnswerInput("P1.i.a", "ya", " catatan "), ops.AnswerInput("H1.a", 3.6)])
    db.session.commit()
    assert [(s.indicator_id, s.value, s.note) for s in saved] == [("P1.i.a", "Ya", "catatan"), ("H1.a", 3.6, "")]


def test_one_assessment_per_unit_and_year(team, flow, actor_for):
    flow.create(team.unit, team.head)
    with pytest.raises(ops.WorkflowRefused) as info:
        ops.create_assessment(actor_for(team.head), team.unit, 2026, Predicate.WBK)
    assert info.value.code == "exists"
