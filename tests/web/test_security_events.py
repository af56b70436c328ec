"""Security events: a log line and an audit row each, rate-limited per address and kind."""

from __future__ import annotations

import io
import json

from sqlalchemy import select

from tests.conftest import PASSWORD, second_factor_code, sign_in
from tests.web.test_evidence import upload
from tests.web.test_health_and_logs import other_app  # noqa: F401  (fixture)
from zi_assess.extensions import db
from zi_assess.models import AuditEvent


def rows(action):
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def test_csrf_failure_is_logged_and_audited(client, team, capsys):
    client.post("/bahasa/id")
    response = client.post("/masuk", data={"email": team.head.email, "password": PASSWORD}, csrf=False)
    assert response.status_code == 400
    (event,) = rows("security.csrf_failed")
    assert event.detail["path"] == "/masuk" and "CSRF" in event.detail["reason"] and event.ip == "127.0.0.1"
    assert event.request_id == response.headers["X-Request-ID"]
    assert "security event csrf_failed" in capsys.readouterr().out


def test_refused_upload_is_audited_with_its_reason(team, draft, login):
    client = login(team.operator)
    upload(client, draft.id, "virus.pdf", b"MZ\x90\x00 not a pdf")
    (event,) = rows("security.upload_refused")
    assert event.detail["reason"] == "unsupported_type" and event.detail["file"] == "virus.pdf"
    assert event.assessment_id == draft.id and event.actor_id == team.operator.id
    # a link typed wrong is the user's slip, not a security event
    client.post(f"/penilaian/{draft.id}/data-dukung", data={"indicator": "P1.i.a", "area": "1",
                "P1_i_a-url": "ftp://x", "P1_i_a-file": (io.BytesIO(b""), "")}, content_type="multipart/form-data")
    assert len(rows("security.upload_refused")) == 1


def test_refused_workflow_step_is_audited(team, flow, login):
    a = flow.create(team.unit, team.head)
    login(team.head).post(f"/penilaian/{a.id}/langkah/submit", data={})  # nothing answered yet
    (event,) = rows("security.step_refused")
    assert event.detail["step"] == "submit" and event.detail["code"] == "incomplete" and event.assessment_id == a.id


def _one_minute(monkeypatch) -> None:
    """The allowance is per calendar minute: the test's requests all fall in one (else a test
    crossing a minute's end gets a second allowance)."""
    from types import SimpleNamespace

    from zi_assess import security_events

    monkeypatch.setattr(security_events, "time", SimpleNamespace(time=lambda: 1_800_000_030.0))


def test_a_flood_is_rate_limited_per_address_and_kind(other_app, team, flow, capsys, monkeypatch):  # noqa: F811
    _one_minute(monkeypatch)
    app = other_app(SECURITY_EVENTS_PER_MINUTE=3, LOG_FORMAT="json")
    a = flow.create(team.unit, team.head)
    client = app.test_client()
    client.post("/bahasa/id")
    sign_in(client, team.manager)  # with the second factor
    for _ in range(8):
        assert client.post(f"/penilaian/{a.id}/langkah/start_tpi_review", data={}).status_code == 403
    for _ in range(5):
        client.post("/keluar", data={}, csrf=False)
    assert len(rows("permission.denied")) == 3
    assert len(rows("security.csrf_failed")) == 3
    # another address has its own allowance
    other = app.test_client()
    other.post("/bahasa/id")
    other.post("/masuk", data={"email": team.manager.email, "password": PASSWORD},
               environ_base={"REMOTE_ADDR": "198.51.100.9"})
    other.post("/masuk/kode", data={"code": second_factor_code(team.manager)},
               environ_base={"REMOTE_ADDR": "198.51.100.9"})
    other.post(f"/penilaian/{a.id}/langkah/start_tpi_review", data={}, environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert len(rows("permission.denied")) == 4
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    events = [line for line in lines if line.get("logger") == "zi_assess.security"]
    assert sum(1 for line in events if line.get("event") == "permission_denied") == 5  # 3 + "suppressed" + 1
    assert any("the rest not recorded" in line["message"] for line in events)


def test_the_limit_is_shared_through_redis(other_app, team, flow, monkeypatch):  # noqa: F811
    import pytest
    from redis import Redis

    _one_minute(monkeypatch)
    url = "redis://127.0.0.1:6379/3"
    try:
        redis = Redis.from_url(url, socket_timeout=1)
        for key in redis.scan_iter("zi:security:*"):
            redis.delete(key)
    except Exception:  # noqa: BLE001
        pytest.skip("no Redis at 127.0.0.1:6379")
    a = flow.create(team.unit, team.head)
    first, second = other_app(SECURITY_EVENTS_PER_MINUTE=2, REDIS_URL=url), other_app(SECURITY_EVENTS_PER_MINUTE=2,
                                                                                     REDIS_URL=url)
    for app in (first, second):  # two workers, one allowance
        client = app.test_client()
        client.post("/bahasa/id")
        sign_in(client, team.manager)  # with the second factor
        for _ in range(2):
            client.post(f"/penilaian/{a.id}/langkah/start_tpi_review", data={})
    assert len(rows("permission.denied")) == 2
    assert any(redis.scan_iter("zi:security:permission_denied:127.0.0.1:*"))
