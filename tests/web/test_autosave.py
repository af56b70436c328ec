"""The autosave endpoint: answers and notes saved as JSON, never review comments; clear answers
for a conflict, a refused value and an ended session."""

from __future__ import annotations

import re

from tests.web.test_area_forms import area_data, stored


def hidden(page: str, prefix: str) -> dict[str, str]:
    return dict(re.findall(rf'<input type="hidden" name="({prefix}_\w+)" value="([^"]*)">', page))


def test_autosave_saves_and_returns_the_new_versions(team, flow, login):
    a = flow.create(team.unit, team.head)
    client = login(team.operator)
    page = client.get(f"/penilaian/{a.id}/area/H").get_data(as_text=True)
    assert f'data-autosave-url="/penilaian/{a.id}/area/H/autosave"' in page
    data = area_data("H", {"H1.a": "3,72"}, notes={"H1.b": "sedang disusun"}) | hidden(page, "o")
    response = client.post(f"/penilaian/{a.id}/area/H/autosave", data=data)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert body["ok"] and body["fields"]["v_H1_a"] == "1" and body["sync"] == {}
    rows = stored(a.id)
    assert rows["H1.a"].value == 3.72 and rows["H1.b"].note == "sedang disusun" and rows["H1.b"].value is None
    # the next autosave with the returned versions and fingerprints goes through without a conflict
    again = data | body["fields"] | {"a_H1_a": "3,80"}
    assert client.post(f"/penilaian/{a.id}/area/H/autosave", data=again).get_json()["ok"]
    assert stored(a.id)["H1.a"].value == 3.8


def test_autosave_never_posts_review_comments(team, flow, login):
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, flow.Layer.MANDIRI)
    flow.step(team.head, a, "submit")
    flow.step(team.tpi_lead, a, "start_tpi_review", prefill=True)
    client = login(team.tpi)
    page = client.get(f"/penilaian/{a.id}/area/H").get_data(as_text=True)
    versions = {k[2:].replace("_", ".", 1): v for k, v in hidden(page, "v").items()}
    data = area_data("H", {"H1.a": "3", "H1.b": "A", "H2.a": "3"}, versions) | hidden(page, "o") | {
        "k_H1_a": "komentar", "f_H1_a": "y"}
    assert client.post(f"/penilaian/{a.id}/area/H/autosave", data=data).get_json()["ok"]
    from zi_assess.assessments import operations as ops

    assert ops.open_fix_requests(a.id) == []


def test_autosave_refusals_are_json(team, flow, login):
    a = flow.create(team.unit, team.head)
    client = login(team.operator)
    bad = client.post(f"/penilaian/{a.id}/area/H/autosave", data=area_data("H", {"H1.a": "9"}))
    assert bad.status_code == 422 and "a_H1_a" in bad.get_json()["errors"]
    assert "H1.a" not in stored(a.id)
    client.delete_cookie("session")  # the session ended
    ended = client.post(f"/penilaian/{a.id}/area/H/autosave", data=area_data("H", {"H1.a": "3"}))
    assert ended.status_code in (400, 401)
    assert "H1.a" not in stored(a.id)
