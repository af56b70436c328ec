"""Changing the password (other sessions end) and resetting it by e-mail (single-use link)."""

from __future__ import annotations

import re
import time

from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.smtp import body_text
from zi_assess.extensions import db
from zi_assess.mail import wait_for_background_mail
from zi_assess.models import AuditEvent

NEW = "lembayung senja di pantai"


def test_change_needs_the_current_password_and_ends_other_sessions(app, make_user, login):
    user = make_user()
    other = app.test_client()
    assert other.post("/masuk", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert other.get("/dasbor/").status_code == 200
    client = login(user)
    wrong = client.post("/akun/kata-sandi", data={"current_password": "bukan ini", "new_password": NEW,
                                                   "confirm": NEW})
    assert wrong.status_code == 400 and "Kata sandi saat ini salah" in wrong.get_data(as_text=True)
    mismatch = client.post("/akun/kata-sandi", data={"current_password": PASSWORD, "new_password": NEW,
                                                      "confirm": NEW + "x"})
    assert mismatch.status_code == 400 and "tidak sama" in mismatch.get_data(as_text=True)
    ok = client.post("/akun/kata-sandi", data={"current_password": PASSWORD, "new_password": NEW, "confirm": NEW})
    assert ok.status_code == 302
    assert client.get("/dasbor/").status_code == 200  # this session goes on
    assert other.get("/dasbor/").status_code == 302  # the other one ended
    fresh = app.test_client()
    assert fresh.post("/masuk", data={"email": user.email, "password": PASSWORD}).status_code == 401
    assert fresh.post("/masuk", data={"email": user.email, "password": NEW}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "password.change")) == 1


def test_a_refused_new_password_keeps_the_old_one(app, make_user, login):
    user = make_user()
    client = login(user)
    response = client.post("/akun/kata-sandi", data={"current_password": PASSWORD, "new_password": "pendek",
                                                      "confirm": "pendek"})
    assert response.status_code == 400 and "terlalu pendek" in response.get_data(as_text=True)
    assert app.test_client().post("/masuk", data={"email": user.email, "password": PASSWORD}).status_code == 302


def _reset_link(smtp_server) -> str:
    wait_for_background_mail()
    (message,) = smtp_server.messages
    match = re.search(r"http://localhost(/atur-ulang-sandi/\S+)", body_text(message))
    assert match, body_text(message)
    return match.group(1)


def test_reset_by_mail_works_once(app, make_user, smtp_server):
    app.config.update(smtp_server.config)
    user = make_user(email="siti@unit.go.id")
    client = app.test_client()
    assert "Lupa kata sandi" in client.get("/masuk").get_data(as_text=True)
    response = client.post("/lupa-sandi", data={"email": "Siti@Unit.go.id"})
    assert response.status_code == 302
    path = _reset_link(smtp_server)
    assert smtp_server.messages[0]["To"] == f"Test User <{user.email}>"
    assert client.get(path).status_code == 200
    weak = client.post(path, data={"new_password": "abc", "confirm": "abc"})
    assert weak.status_code == 400 and "terlalu pendek" in weak.get_data(as_text=True)
    assert client.post(path, data={"new_password": NEW, "confirm": NEW}).status_code == 302
    assert client.get(path).status_code == 404  # used
    assert client.post(path, data={"new_password": NEW, "confirm": NEW}).status_code == 404
    assert app.test_client().post("/masuk", data={"email": user.email, "password": NEW}).status_code == 302


def test_known_and_unknown_addresses_get_the_same_answer(app, make_user, smtp_server):
    app.config.update(smtp_server.config)
    make_user(email="ada@unit.go.id")
    answers = []
    for email in ("ada@unit.go.id", "tidak-ada@unit.go.id"):
        client = app.test_client()
        started = time.perf_counter()
        response = client.post("/lupa-sandi", data={"email": email}, follow_redirects=True)
        answers.append((response.status_code, response.request.path, response.get_data(as_text=True)
                        .split('<main', 1)[1].split("</main>", 1)[0], time.perf_counter() - started))
    (status_a, path_a, page_a, _ta), (status_b, path_b, page_b, _tb) = answers
    assert (status_a, path_a) == (status_b, path_b) == (200, "/masuk")
    strip = re.compile(r'csrf_token[^>]*>')
    assert strip.sub("", page_a) == strip.sub("", page_b)
    wait_for_background_mail()
    assert [m["To"] for m in smtp_server.messages] == ["Test User <ada@unit.go.id>"]


def test_reset_requests_are_throttled_per_address(app, make_user, smtp_server):
    app.config.update(smtp_server.config, RESET_MAX_PER_ACCOUNT=2)
    make_user(email="ada@unit.go.id")
    for _ in range(4):
        assert app.test_client().post("/lupa-sandi", data={"email": "ada@unit.go.id"}).status_code == 302
    wait_for_background_mail()
    assert len(smtp_server.messages) == 2


def test_a_bad_address_is_refused_in_the_users_language(app):
    client = app.test_client()
    client.post("/bahasa/en")
    response = client.post("/lupa-sandi", data={"email": "bukan-email"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Invalid email address." in page and "bukan-email" in page
