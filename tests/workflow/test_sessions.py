"""Login, logout, throttling, copied cookies, idle timeout, cookie flags, CSRF."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from zi_assess.audit import SYSTEM
from zi_assess.extensions import db
from zi_assess.models import AuditEvent
from zi_assess.org import operations as org


def login(client, email, password=PASSWORD, ip="198.51.100.1"):
    return client.post("/masuk", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": ip})


def actions():
    return [(e.action, e.actor_email, (e.detail or {}).get("reason"))
            for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
            if e.action.startswith(("login", "logout"))]


def test_login_and_logout_are_audited(client, make_user):
    user = make_user(email="admin@test.zi")
    db.session.commit()
    response = login(client, "ADMIN@test.zi")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dasbor/")
    assert client.get("/dasbor/").status_code == 200
    assert client.post("/keluar").status_code == 302
    assert client.get("/dasbor/").status_code == 302
    bad = login(client, "admin@test.zi", "wrong password!")
    assert bad.status_code == 401 and "Email atau kata sandi salah" in bad.get_data(as_text=True)
    assert actions() == [("login", user.email, None), ("logout", user.email, None),
                         ("login.failed", "admin@test.zi", "invalid")]


def test_a_copied_cookie_stops_working_after_logout_and_after_deactivation(app, make_user):
    user = make_user(email="a@test.zi")
    db.session.commit()
    first, second = app.test_client(), app.test_client()
    login(first, "a@test.zi")
    cookie = first.get_cookie("session")
    second.set_cookie("session", cookie.value)
    assert second.get("/dasbor/").status_code == 200  # the copy works while the session lives
    first.post("/keluar")
    assert second.get("/dasbor/").status_code == 302
    login(first, "a@test.zi")
    second.set_cookie("session", first.get_cookie("session").value)
    assert second.get("/dasbor/").status_code == 200
    org.set_active(SYSTEM, user, False)
    db.session.commit()
    assert first.get("/dasbor/").status_code == 302 and second.get("/dasbor/").status_code == 302
    assert login(first, "a@test.zi").status_code == 401  # inactive accounts cannot sign in


@pytest.fixture
def app_config(app_config):
    return app_config | {"LOGIN_MAX_FAILURES_PER_ACCOUNT": 3, "LOGIN_MAX_FAILURES_PER_IP": 5}


def test_throttled_per_account(client, make_user):
    make_user(email="target@test.zi")
    db.session.commit()
    for _ in range(3):
        assert login(client, "target@test.zi", "guess guess guess").status_code == 401
    blocked = login(client, "target@test.zi")  # even the right password, for a while
    assert blocked.status_code == 429 and "Terlalu banyak percobaan" in blocked.get_data(as_text=True)
    assert login(client, "target@test.zi", ip="198.51.100.99").status_code == 429  # per account, any address


def test_throttled_per_ip_without_locking_out_other_offices(client, make_user):
    make_user(email="someone@test.zi")
    db.session.commit()
    for i in range(5):
        login(client, f"nobody{i}@test.zi", "guess guess guess", ip="203.0.113.50")
    assert login(client, "someone@test.zi", ip="203.0.113.50").status_code == 429
    assert login(client, "someone@test.zi", ip="203.0.113.51").status_code == 302


def test_throttle_counters_in_redis_are_shared(app, make_user):
    redis = pytest.importorskip("redis").Redis.from_url("redis://127.0.0.1:6379/15")
    try:
        redis.flushdb()
    except Exception:
        pytest.skip("no Redis on 127.0.0.1:6379")
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    make_user(email="r@test.zi")
    db.session.commit()
    worker_a, worker_b = app.test_client(), app.test_client()
    for client in (worker_a, worker_b, worker_a):
        assert login(client, "r@test.zi", "guess guess guess").status_code == 401
    assert int(redis.get("zi:login:account:r@test.zi")) == 3
    assert login(worker_b, "r@test.zi").status_code == 429
    redis.flushdb()
    assert login(worker_b, "r@test.zi").status_code == 302


def test_idle_sessions_expire(app, client, make_user):
    make_user(email="idle@test.zi")
    db.session.commit()
    login(client, "idle@test.zi")
    assert client.get("/dasbor/").status_code == 200
    with client.session_transaction() as session:
        session["seen"] -= app.config["SESSION_IDLE_MINUTES"] * 60 + 1
    response = client.get("/dasbor/")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]
    assert client.get("/dasbor/").status_code == 302


def test_the_session_is_not_signed_again_on_every_request(app, client, make_user):
    """The last request's time is written once a minute: within it, no new session cookie."""
    from zi_assess.auth.sessions import SEEN_STEP_SECONDS

    make_user(email="often@test.zi")
    db.session.commit()
    login(client, "often@test.zi")
    client.get("/dasbor/")
    assert "Set-Cookie" not in client.get("/dasbor/").headers
    with client.session_transaction() as session:
        session["seen"] -= SEEN_STEP_SECONDS
        written = session["seen"]
    assert "session=" in client.get("/dasbor/").headers.get("Set-Cookie", "")
    with client.session_transaction() as session:
        assert session["seen"] > written


def test_cookie_flags_and_csrf(app_config, make_user):
    from zi_assess import create_app

    secure = create_app(app_config | {"SECURE_COOKIES": True})
    with secure.app_context():
        client = secure.test_client()
        page = client.get("/masuk")
        assert page.status_code == 200
        header = page.headers["Set-Cookie"]
        assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
        assert client.post("/masuk", data={"email": "x@test.zi", "password": "y"}).status_code == 400
        assert page.headers["X-Frame-Options"] == "DENY" and "default-src 'self'" in page.headers["Content-Security-Policy"]
