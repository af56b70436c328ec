"""Headers and the session cookie: no-store for signed-in pages, CSP base-uri 'none', a
__Host- cookie with secure cookies, and an absolute session lifetime besides the idle one."""

from __future__ import annotations

import time

from tests.conftest import PASSWORD
from tests.web.test_health_and_logs import other_app  # noqa: F401  (fixture)


def test_signed_in_responses_are_no_store_and_csp_forbids_base(client, login, team):
    anonymous = client.get("/masuk")
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
    assert "base-uri 'none'" in anonymous.headers["Content-Security-Policy"]
    signed_in = login(team.head)
    for path in ("/", "/rekap", "/tidak-ada"):
        response = signed_in.get(path)
        assert response.headers.get("Cache-Control") == "no-store", (path, response.status_code)
    with signed_in.get("/static/css/app.css") as static:
        assert "no-store" not in static.headers.get("Cache-Control", "")


def test_secure_cookies_use_a_host_prefixed_session_cookie(other_app, team):  # noqa: F811
    app = other_app(SECURE_COOKIES=True)
    response = app.test_client().get("/masuk", base_url="https://zi.example")  # the form's CSRF token: a session
    assert response.status_code == 200
    cookies = [v for k, v in response.headers.items() if k == "Set-Cookie"]
    (session_cookie,) = [c for c in cookies if c.startswith("__Host-session=")]
    attributes = [part.strip().lower() for part in session_cookie.split(";")]
    assert "secure" in attributes and "path=/" in attributes and "httponly" in attributes
    assert not any(a.startswith("domain=") for a in attributes)
    plain = other_app(SECURE_COOKIES=False).test_client().get("/masuk")
    assert plain.headers["Set-Cookie"].startswith("session=")


def test_sessions_end_after_the_absolute_lifetime_however_active(other_app, team):  # noqa: F811
    app = other_app(SESSION_ABSOLUTE_HOURS=1, SESSION_IDLE_MINUTES=30)
    client = app.test_client()
    client.post("/bahasa/id")
    assert client.post("/masuk", data={"email": team.head.email, "password": PASSWORD}).status_code == 302
    with client.session_transaction() as session:
        assert abs(session["login_at"] - time.time()) < 60
        session["login_at"] -= 3600 - 120  # signed in 58 minutes ago, active all along
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session["login_at"] -= 300  # now 63 minutes
    ended = client.get("/rekap")
    assert ended.status_code == 302 and "/masuk" in ended.headers["Location"]
    page = client.get(ended.headers["Location"]).get_data(as_text=True)
    assert "sudah terlalu lama" in page
