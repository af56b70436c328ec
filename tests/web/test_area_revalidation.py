"""An unchanged area page costs next to nothing: the browser revalidates its copy (ETag → 304),
and every change that shows on the page — anywhere in the assessment — gives a new validator."""

from __future__ import annotations

from zi_assess.assessments import operations as ops
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db


def _get(client, path, etag=None):
    return client.get(path, headers={"If-None-Match": etag} if etag else {})


def test_an_unchanged_page_is_not_sent_again(team, flow, login, actor_for):
    a = flow.create(team.unit, team.head)
    client = login(team.operator)
    path = f"/penilaian/{a.id}/area/1"
    first = _get(client, path)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "private, no-cache"  # web.revalidate_privately
    etag = first.headers["ETag"].strip('"')
    again = _get(client, path, f'"{etag}"')
    assert again.status_code == 304 and again.data == b""
    # a save in another area changes the running scores shown here: the page is sent again
    ops.save_answer(actor_for(team.head), a.id, Layer.MANDIRI, "P3.i.a", "Ya", "area 3")
    db.session.commit()
    changed = _get(client, path, f'"{etag}"')
    assert changed.status_code == 200 and changed.headers["ETag"].strip('"') != etag
    # another account (other menu, other CSRF token) never gets this browser's copy confirmed
    other = login(team.head)
    assert _get(other, path, changed.headers["ETag"]).status_code == 200


def test_a_page_with_a_message_is_always_sent(team, flow, login):
    a = flow.create(team.unit, team.head)
    client = login(team.operator)
    path = f"/penilaian/{a.id}/area/1"
    etag = _get(client, path).headers["ETag"]
    page = client.get(path)
    form = {k: v for k, v in _fields(page.get_data(as_text=True)).items()}
    form["n_P1_i_a"] = "catatan baru"
    assert client.post(path, data=form).status_code == 302
    shown = _get(client, path, etag)  # shows "saved" once: no validator
    assert shown.status_code == 200 and "ETag" not in shown.headers
    assert "catatan baru" in shown.get_data(as_text=True)
    assert _get(client, path, shown.headers.get("ETag") or etag).status_code == 200
    fresh = _get(client, path)
    assert _get(client, path, fresh.headers["ETag"]).status_code == 304


def _fields(html):
    import re

    fields = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        fields.setdefault(name, value)
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', html):
        fields[name] = value
    return fields


def test_cards_are_rendered_one_by_one_and_only_the_changed_one_again(app, team, flow, actor_for, best_answers):
    from flask import render_template

    from zi_assess.assessments import area_page, views
    from zi_assess.assessments.loading import assessment_evidence
    from zi_assess.assessments.page_cache import card_cache
    from zi_assess.assessments.presenters import indicator_views
    from zi_assess.assessments.scores import compute_scores
    from zi_assess.evidence import operations as evidence_ops

    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, Layer.MANDIRI, best_answers)
    evidence_ops.add_link(actor_for(team.operator), a.id, ["P1.i.a"], "https://x.example/sk", "SK Tim")
    db.session.commit()

    def both():
        bundle = ops.load_bundle(a.id)
        form = views._area_form(bundle, "1", Layer.MANDIRI)
        scores = compute_scores(bundle)
        cards = indicator_views(bundle, scores, "1", Layer.MANDIRI, "id", assessment_evidence(a.id))
        context = dict(a=bundle.assessment, criteria=bundle.criteria, area="1", layer=Layer.MANDIRI, can_edit=True,
                       form=form, views=cards, scores=scores, typed={})
        return str(area_page.cards(context)), render_template("assessments/_area_cards.html", **context), len(cards)

    with app.test_request_context("/"):
        card_cache.clear()
        one_by_one, whole, n = both()
        assert one_by_one == whole and "SK Tim" in whole
        assert len(card_cache._items) == n + 1  # the cards and the preamble
        ops.save_answer(actor_for(team.operator), a.id, Layer.MANDIRI, "P1.i.b", best_answers["P1.i.b"], "baru",
                        seen_version=ops.load_bundle(a.id).layer_answers(Layer.MANDIRI)["P1.i.b"].version)
        db.session.commit()
        one_by_one, whole, _n = both()
        assert one_by_one == whole and "baru" in whole
        assert len(card_cache._items) == n + 2  # only the card saved was rendered again
