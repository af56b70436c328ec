"""CSRF protection is on in every test, as in production; these prove the token is required.

The test client adds a real token to each post (as a browser sends the one of the page it
posts); ``csrf=False`` sends none, and a post may bring its own (wrong) token.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from zi_assess.extensions import db
from zi_assess.models import Answer, Assessment

MESSAGE = "Formulir ini kedaluwarsa atau tidak dikirim dari halaman zi-assess"


def answers(assessment_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Answer).where(Answer.assessment_id == assessment_id))


def test_csrf_protection_is_on_in_tests(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True


@pytest.mark.parametrize("token", [None, "bukan-token-yang-sah"])
def test_a_form_post_without_a_valid_token_is_refused_in_indonesian_and_changes_nothing(team, draft, login, token):
    client = login(team.operator)
    before = answers(draft.id)
    data = {"a_P1_i_a": "Tidak"} if token is None else {"a_P1_i_a": "Tidak", "csrf_token": token}
    response = client.post(f"/penilaian/{draft.id}/area/1", data=data, csrf=False)
    assert response.status_code == 400
    assert MESSAGE in response.get_data(as_text=True)
    assert answers(draft.id) == before


def test_the_english_page_says_it_in_english(team, login):
    client = login(team.head)
    client.post("/bahasa/en")
    response = client.post("/penilaian/baru", data={"unit": team.unit.id, "year": 2027, "target": "WBK"}, csrf=False)
    assert response.status_code == 400 and "This form has expired" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Assessment)) == 0


def test_the_same_post_with_the_pages_token_goes_through(team, login):
    client = login(team.head)
    page = client.get("/penilaian/baru").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    response = client.post("/penilaian/baru", data={"unit": team.unit.id, "year": 2027, "target": "WBK"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Assessment)) == 1


def test_signing_out_needs_the_token_too(team, login):
    client = login(team.head)
    assert client.post("/keluar", csrf=False).status_code == 400
    assert client.get("/dasbor/").status_code == 200  # still signed in
    assert client.post("/keluar").status_code == 302
    assert client.get("/dasbor/").status_code == 302
