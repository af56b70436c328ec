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
