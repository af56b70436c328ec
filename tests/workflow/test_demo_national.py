"""`zi-assess demo --scale national --units N`: a small national data set, consistent with what
the real operations and the scoring engine would have stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from zi_assess.assessments.loading import load_bundle
from zi_assess.assessments.scores import EFFECTIVE, compute_scores, current_score_values
from zi_assess.auth.passwords import verify_password
from zi_assess.demo import DEMO_PASSWORD, YEAR
from zi_assess.demo_national import LAYERS_AT, MARKER
from zi_assess.domain.workflow import LAYERS, Status
from zi_assess.extensions import db
from zi_assess.models import (
    Answer,
    AreaRevision,
    Assessment,
    AuditEvent,
    CurrentScore,
    Evidence,
    Instansi,
    ReviewComment,
    StatusChange,
    Unit,
    User,
)

N_UNITS = 14


@pytest.fixture
def national(runner):
    result = runner.invoke(args=["demo", "--scale", "national", "--units", str(N_UNITS), "--years", "3"])
    assert result.exit_code == 0, result.output
    assert "National data set loaded" in result.output
    db.session.expire_all()
    marker = db.session.scalar(select(Instansi.id).where(Instansi.name == MARKER))
    return list(db.session.scalars(select(Assessment).join(Unit).where(Unit.instansi_id >= marker)
                                   .order_by(Assessment.id)))


def test_organisations_accounts_and_years(national, runner):
    marker = db.session.scalar(select(Instansi.id).where(Instansi.name == MARKER))
    assert db.session.scalar(select(func.count()).select_from(Instansi).where(Instansi.id >= marker)) == 34 + 38 + 100
    units = db.session.scalars(select(Unit).where(Unit.instansi_id >= marker)).all()
    assert len(units) == N_UNITS
    assert len(national) == N_UNITS * 3
    assert {a.year for a in national} == {YEAR - 2, YEAR - 1, YEAR}
    assert all(a.status in (Status.DECIDED, Status.TPI_DONE) for a in national if a.year < YEAR)
    head = db.session.scalar(select(User).where(User.email == f"kepala.u{units[0].id}@nasional.demo.zi"))
    assert head is not None and verify_password(head.password_hash, DEMO_PASSWORD)
    assert db.session.scalar(select(User).where(User.email == "tpn@demo.zi")) is not None  # the regular demo too
    # idempotent: a second run adds nothing
    before = db.session.scalar(select(func.count()).select_from(Answer))
    again = runner.invoke(args=["demo", "--scale", "national", "--units", str(N_UNITS)])
    assert again.exit_code == 0 and "already present" in again.output
    assert db.session.scalar(select(func.count()).select_from(Answer)) == before


def test_layers_history_and_records_follow_the_status(national):
    statuses = set()
    for assessment in national:
        statuses.add(assessment.status)
        bundle = load_bundle(assessment.id)
        assert bundle is not None
        expected = LAYERS[:LAYERS_AT[assessment.status]]
        assert bundle.answered_layers() == list(expected)
        for layer in expected[1:]:  # assessor layers: the answers so far, copied, some corrected
            rows = bundle.layer_answers(layer)
            assert set(rows) == set(bundle.layer_answers(expected[0]))
            assert any(r.prefilled_from is not None for r in rows.values())
        history = db.session.scalars(select(StatusChange).where(StatusChange.assessment_id == assessment.id)
                                     .order_by(StatusChange.at, StatusChange.id)).all()
        if assessment.status == Status.DRAFT:
            assert history == []
        else:
            assert history[-1].to_status == assessment.status
            assert all(a.to_status == b.from_status for a, b in zip(history, history[1:], strict=False))
        assert assessment.status_version == len(history) + 1
        transitions = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.assessment_id == assessment.id, AuditEvent.action == "transition"))
        assert transitions == len(history)
        pages = db.session.scalars(select(AreaRevision.area).where(AreaRevision.assessment_id == assessment.id))
        assert set(pages) == set(bundle.criteria.page_ids)
        assert db.session.scalar(select(func.count()).select_from(Evidence).where(
            Evidence.assessment_id == assessment.id)) > 0
        if assessment.status == Status.RETURNED:
            assert db.session.scalar(select(func.count()).select_from(ReviewComment).where(
                ReviewComment.assessment_id == assessment.id, ReviewComment.needs_fix)) == 2
        if assessment.status == Status.DECIDED:
            assert assessment.decision_granted is not None
            if assessment.decision_granted:
                assert assessment.unit.current_predicate is not None
    assert Status.DECIDED in statuses and len(statuses) >= 3


def test_stored_scores_equal_a_fresh_rescore(national):
    """CurrentScore of every layer and of the effective LKE is what the engine computes now."""
    for assessment in national:
        bundle = load_bundle(assessment.id)
        assert bundle is not None
        scores = compute_scores(bundle)
        fresh = {EFFECTIVE: current_score_values(scores.effective)}
        fresh.update({layer.value: current_score_values(sheet) for layer, sheet in scores.layers.items()})
        stored = {row.layer: {"complete": row.complete, "answered": row.answered, "total": row.total,
                              "nodes": row.nodes, "verdicts": row.verdicts}
                  for row in db.session.scalars(select(CurrentScore).where(
                      CurrentScore.assessment_id == assessment.id))}
        assert stored == fresh, assessment


def test_national_pages_show_the_set(national, client, make_user):
    from tests.conftest import PASSWORD
    from zi_assess.models import Role

    manager = make_user(Role.NATIONAL_MANAGER)
    client.post("/bahasa/id")
    assert client.post("/masuk", data={"email": manager.email, "password": PASSWORD}).status_code == 302
    page = client.get("/dasbor/")
    assert page.status_code == 200
    assert "(Data Nasional)" in page.get_data(as_text=True)
