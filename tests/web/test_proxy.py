"""Behind a reverse proxy (ZI_PROXY_COUNT=1) the client is the client, not nginx.

Without ProxyFix every request came from the proxy's address: one office's typos locked the whole
ministry out of the login form, every API caller without a key shared one rate-limit bucket,
audit rows named the proxy, and external URLs were the proxy's internal http address.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, FreshContextClient
from zi_assess import create_app
from zi_assess.extensions import db
from zi_assess.models import AuditEvent

PROXY = "127.0.0.1"  # what the app sees as the peer: the nginx in front of it
PUBLIC = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "zi.example.go.id", "X-Forwarded-Port": "443"}


@pytest.fixture
def app_config(app_config):
    return app_config | {"PROXY_COUNT": 1, "LOGIN_MAX_FAILURES_PER_ACCOUNT": 3, "LOGIN_MAX_FAILURES_PER_IP": 5,
                         "PORTALRB_RATE_LIMIT_PER_MINUTE": 3}


def via_proxy(client, method, path, client_ip, **kwargs):
    headers = {"X-Forwarded-For": client_ip, **PUBLIC, **kwargs.pop("headers", {})}
    return client.open(path, method=method, headers=headers, environ_base={"REMOTE_ADDR": PROXY}, **kwargs)


def sign_in(client, email, client_ip, password=PASSWORD):
    # a browser on https sends the page it posts from (Flask-WTF checks it on https, as it should)
    return via_proxy(client, "POST", "/masuk", client_ip, data={"email": email, "password": password},
                     headers={"Referer": "https://zi.example.go.id/masuk"})


def test_login_throttle_counts_per_client_not_per_proxy(client, make_user):
    make_user("admin", email="someone@test.zi")
    db.session.commit()
    for i in range(5):
        assert sign_in(client, f"nobody{i}@test.zi", "203.0.113.50", "guess guess guess").status_code == 401
    assert sign_in(client, "someone@test.zi", "203.0.113.50").status_code == 429
    assert sign_in(client, "someone@test.zi", "198.51.100.7").status_code == 302  # another office signs in


def test_without_proxy_count_everyone_is_the_proxy(app_config, make_user):
    """The failure the setting fixes: the same requests with ZI_PROXY_COUNT=0 lock the other office out."""
    make_user("admin", email="someone@test.zi")
    db.session.commit()
    plain = create_app(app_config | {"PROXY_COUNT": 0})
    plain.test_client_class = FreshContextClient  # posts carry a real CSRF token, as from a page
    try:
        client = plain.test_client()
        for i in range(5):
            sign_in(client, f"nobody{i}@test.zi", "203.0.113.50", "guess guess guess")
        assert sign_in(client, "someone@test.zi", "198.51.100.7").status_code == 429
        with plain.app_context():
            failures = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login.failed"))
            assert {e.ip for e in failures} == {PROXY}
    finally:
        with plain.app_context():
            db.engine.dispose()


def test_audit_rows_hold_the_client_address(client, make_user):
    user = make_user("admin", email="audited@test.zi")
    db.session.commit()
    assert sign_in(client, user.email, "198.51.100.23").status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login"))
    assert event.ip == "198.51.100.23"


def test_only_the_entry_the_proxy_added_is_trusted(client, make_user):
    """A client's own X-Forwarded-For entries are not believed: nginx appends the real peer last."""
    user = make_user("admin", email="forger@test.zi")
    db.session.commit()
    assert sign_in(client, user.email, "10.9.9.9, 198.51.100.61").status_code == 302
    assert db.session.scalar(select(AuditEvent.ip).where(AuditEvent.action == "login")) == "198.51.100.61"


def test_api_rate_limit_buckets_anonymous_callers_per_client(client):
    first = [via_proxy(client, "GET", "/api/portalrb/pengusulan/unit-wbk", "203.0.113.80").status_code
             for _ in range(4)]
    assert first == [401, 401, 401, 429]
    assert via_proxy(client, "GET", "/api/portalrb/pengusulan/unit-wbk", "203.0.113.81").status_code == 401
    buckets = {e.actor_email for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("api.%")))}
    assert buckets == {"api-anon:203.0.113.80", "api-anon:203.0.113.81"}


def test_external_urls_are_the_public_https_address(client):
    document = via_proxy(client, "GET", "/api/portalrb/openapi.json", "203.0.113.90").get_json()
    assert document["servers"] == [{"url": "https://zi.example.go.id/api/portalrb"}]
    assert client.get("/api/portalrb/openapi.json").get_json()["servers"] == [{"url": "http://localhost/api/portalrb"}]
