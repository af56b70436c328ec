"""Cached area pages never show stale data: every change bumps the assessment's revision."""

from __future__ import annotations

from zi_assess.assessments import operations as ops
from zi_assess.assessments.loading import assessment_evidence
from zi_assess.domain.workflow import Layer
from zi_assess.evidence import operations as evidence_ops
from zi_assess.extensions import db
from zi_assess.models import Assessment


def revision(assessment_id):
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id).revision


def test_every_operation_bumps_the_revision(team, flow, actor_for, best_answers):
    a = flow.create(team.unit, team.head)
    steps = [
        lambda: ops.save_answer(actor_for(team.operator), a.id, Layer.MANDIRI, "P1.i.a", "Ya"),
        lambda: evidence_ops.add_link(actor_for(team.operator), a.id, ["P1.i.a"], "https://x.example/sk", "SK"),
        lambda: evidence_ops.attach(actor_for(team.operator), evidence_id(a.id), "P1.i.b"),
        lambda: evidence_ops.detach(actor_for(team.operator), evidence_id(a.id), "P1.i.b"),
        lambda: flow.fill(team.operator, a, Layer.MANDIRI, {k: v for k, v in best_answers.items() if k != "P1.i.a"}),
        lambda: ops.transition(actor_for(team.head), a.id, "submit"),
        lambda: ops.transition(actor_for(team.tpi), a.id, "start_tpi_review", prefill=True),
        lambda: ops.add_comment(actor_for(team.tpi), a.id, "P1.i.a", "Perbaiki", needs_fix=True),
    ]
    for step in steps:
        before = revision(a.id)
        step()
        db.session.commit()
        assert revision(a.id) > before


def evidence_id(assessment_id):
    return assessment_evidence(assessment_id)[0].id


def test_a_cached_page_shows_the_change_made_elsewhere(team, flow, login, actor_for):
    a = flow.create(team.unit, team.head)
    client = login(team.operator)
    assert "belum dijawab" in client.get(f"/penilaian/{a.id}/area/1").get_data(as_text=True)
    ops.save_answer(actor_for(team.head), a.id, Layer.MANDIRI, "P1.i.b", "B", "ditulis kepala")
    db.session.commit()
    page = client.get(f"/penilaian/{a.id}/area/1").get_data(as_text=True)
    assert "ditulis kepala" in page and 'value="B" checked' in page
    # the same page for a reader (no form) and in English are different entries
    english = login(team.manager)
    english.post("/bahasa/en")
    other = english.get(f"/penilaian/{a.id}/area/1").get_data(as_text=True)
    assert 'id="area-form"' not in other and "Explanation" in other


def test_a_save_in_one_area_keeps_the_other_areas_cached_but_their_scores_current(team, flow, login, actor_for):
    from sqlalchemy import select

    from zi_assess.models import AreaRevision

    a = flow.create(team.unit, team.head)

    def area_revisions():
        db.session.expire_all()
        return dict(db.session.execute(select(AreaRevision.area, AreaRevision.revision)
                                       .where(AreaRevision.assessment_id == a.id)).all())

    before = area_revisions()
    assert set(before) == {"1", "2", "3", "4", "5", "6", "H"}
    client = login(team.operator)
    client.get(f"/penilaian/{a.id}/area/2")
    ops.save_answer(actor_for(team.operator), a.id, Layer.MANDIRI, "P1.i.a", "Ya")
    db.session.commit()
    after = area_revisions()
    assert after["1"] == before["1"] + 1 and all(after[k] == before[k] for k in after if k != "1")
    page = client.get(f"/penilaian/{a.id}/area/2").get_data(as_text=True)
    # area 2's cards come from the cache, its running scores from the stored scores: P1.i a = 0,25 of area 1
    assert "0,25" in page
