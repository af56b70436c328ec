"""Forms that never lose or garble input: number attributes, decimal comma, conflicts per field, autosave."""

from __future__ import annotations

import re

from tests.web.test_area_forms import area_data, stored


def text(response):
    return response.get_data(as_text=True)


def test_count_inputs_have_plain_min_step_and_numeric_keypad(team, flow, login):
    a = flow.create(team.unit, team.head)
    page = text(login(team.operator).get(f"/penilaian/{a.id}/area/5"))
    field = re.search(r'<input type="number" id="c_pengaduan_selesai__R5_ii_a"[^>]*>', page).group(0)
    assert ' min="0"' in field and ' step="1"' in field and ' inputmode="numeric"' in field
    assert "&#34;" not in field and "'\"" not in field


def test_survey_accepts_a_decimal_comma_and_shows_it_back(team, flow, login):
    a = flow.create(team.unit, team.head)
    client = login(team.operator)
    response = client.post(f"/penilaian/{a.id}/area/H", data=area_data("H", {"H1.a": "3,72", "H2.a": "3.5"}))
    assert response.status_code == 302, text(response)[:300]
    rows = stored(a.id)
    assert rows["H1.a"].value == 3.72 and rows["H2.a"].value == 3.5
    page = text(client.get(f"/penilaian/{a.id}/area/H"))
    field = re.search(r'<input type="text" id="a_H1_a"[^>]*>', page).group(0)
    assert 'value="3,72"' in field and 'inputmode="decimal"' in field
    client.post("/bahasa/en")
    assert 'value="3.72"' in re.search(r'<input type="text" id="a_H1_a"[^>]*>',
                                       text(client.get(f"/penilaian/{a.id}/area/H"))).group(0)


def test_a_garbled_number_is_refused_and_kept(team, flow, login):
    a = flow.create(team.unit, team.head)
    client = login(team.operator)
    response = client.post(f"/penilaian/{a.id}/area/H", data=area_data("H", {"H1.a": "3,7,2"}))
    assert response.status_code == 422
    assert 'value="3,7,2"' in text(response)
    assert "H1.a" not in stored(a.id)


def page_hidden(page: str, prefix: str) -> dict[str, str]:
    return dict(re.findall(rf'<input type="hidden" name="({prefix}_\w+)" value="([^"]*)">', page))


def test_two_tabs_changing_different_fields_both_win(team, flow, login, best_answers):
    from zi_assess.domain import load_criteria

    area5 = {i.id: best_answers[i.id] for i in load_criteria().area_indicators("5")}
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, flow.Layer.MANDIRI, area5)
    client = login(team.operator)
    page = text(client.get(f"/penilaian/{a.id}/area/5"))
    versions = {k: int(v) for k, v in ((k[2:].replace("_", ".", 2), v) for k, v in page_hidden(page, "v").items())}
    base = page_hidden(page, "o")
    assert len(base) == 22
    # someone else changes the answer of P5.i.a meanwhile
    team.head.name = "Budi Kepala"
    flow.fill(team.head, a, flow.Layer.MANDIRI, {"P5.i.a": "B"})
    # this tab changes only the note of P5.i.a and sends its (old) answer along
    data = area_data("5", area5, versions, notes={k: "catatan" for k in area5} | {"P5.i.a": "catatan baru"}) | base
    response = client.post(f"/penilaian/{a.id}/area/5", data=data)
    assert response.status_code == 302, text(response)[:2000]
    row = stored(a.id)["P5.i.a"]
    assert (row.value, row.note) == ("B", "catatan baru")  # their answer, my note


def test_a_field_both_sides_changed_conflicts_and_names_who(team, flow, login, best_answers):
    from zi_assess.domain import load_criteria

    area5 = {i.id: best_answers[i.id] for i in load_criteria().area_indicators("5")}
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, flow.Layer.MANDIRI, area5)
    client = login(team.operator)
    page = text(client.get(f"/penilaian/{a.id}/area/5"))
    versions = {k[2:].replace("_", ".", 2): int(v) for k, v in page_hidden(page, "v").items()}
    base = page_hidden(page, "o")
    team.head.name = "Budi Kepala"
    flow.fill(team.head, a, flow.Layer.MANDIRI, {"P5.i.a": "B"})
    data = area_data("5", area5 | {"P5.i.a": "C"}, versions, notes={k: "catatan" for k in area5}) | base
    response = client.post(f"/penilaian/{a.id}/area/5", data=data)
    assert response.status_code == 409
    body = text(response)
    assert "Versi tersimpan oleh Budi Kepala" in body and "P5.i.a" in body
    assert body.count('class="conflict-item"') == 1  # only the field both changed
    assert stored(a.id)["P5.i.a"].value == "B"
    # the same user in another tab is named as such
    from zi_assess.assessments import operations as ops
    from zi_assess.audit import Actor
    from zi_assess.extensions import db

    row = stored(a.id)["P5.i.a"]
    ops.save_answers(Actor(team.operator), a.id, flow.Layer.MANDIRI, [ops.AnswerInput("P5.i.a", "B", "lain", row.version)])
    db.session.commit()
    again = client.post(f"/penilaian/{a.id}/area/5", data=data)
    assert again.status_code == 409 and "Anda sendiri" in text(again)
