"""GET /healthz, request ids (header, error page, audit rows) and the JSON log lines."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, FreshContextClient
from zi_assess import create_app
from zi_assess.extensions import db
from zi_assess.models import AuditEvent

CHECKS = {"database", "migrations", "redis", "storage"}


@pytest.fixture
def other_app(app_config):
    """A second app with changed settings; its engine is closed after the test."""
    made = []

    def make(**changes):
        made.append(create_app(app_config | changes))
        made[-1].test_client_class = FreshContextClient  # posts carry a real CSRF token, as from a page
        return made[-1]

    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def test_healthz_reports_every_check_without_login_or_cookie(client):
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "ok", body
    assert set(body["checks"]) == CHECKS
    assert body["checks"]["database"]["status"] == "ok" and body["checks"]["migrations"]["status"] == "ok"
    assert body["checks"]["redis"] == {"status": "skipped", "detail": "ZI_REDIS_URL not set",
                                       "ms": body["checks"]["redis"]["ms"]}
    assert "Set-Cookie" not in response.headers and response.headers["Cache-Control"] == "no-store"


def test_a_signed_in_probe_does_not_renew_the_session_either(client, make_user):
    make_user(email="probe@test.zi")
    db.session.commit()
    client.post("/masuk", data={"email": "probe@test.zi", "password": PASSWORD})
    assert "Set-Cookie" not in client.get("/healthz").headers


def test_unwritable_storage_is_a_503(other_app, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the evidence folder should be")
    response = other_app(STORAGE_PATH=str(blocker / "store")).test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "fail" and body["checks"]["storage"]["status"] == "fail"
    assert body["checks"]["database"]["status"] == "ok"


def test_a_database_without_the_schema_is_a_503_naming_the_fix(other_app, tmp_path):
    response = other_app(DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}").test_client().get("/healthz")
    body = response.get_json()
    assert response.status_code == 503 and body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["migrations"]["status"] == "fail"
    assert "zi-assess db upgrade" in body["checks"]["migrations"]["detail"]


def test_an_unreachable_redis_is_a_503_that_names_no_address(other_app):
    response = other_app(REDIS_URL="redis://127.0.0.1:1/0").test_client().get("/healthz")
    body = response.get_json()
    assert response.status_code == 503 and body["checks"]["redis"] == {
        "status": "fail", "detail": "ConnectionError", "ms": body["checks"]["redis"]["ms"]}
    assert "127.0.0.1" not in response.get_data(as_text=True)


def test_a_sane_request_id_is_kept_and_anything_else_replaced(client):
    assert client.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c.2026:01"}).headers["X-Request-ID"] == \
        "lb-7f3a9c.2026:01"
    for bad in ("short", "has spaces in it", "x" * 65, "new\nline-injected", "<script>alert(1)</script>"):
        given = client.get("/healthz", environ_base={"HTTP_X_REQUEST_ID": bad}).headers["X-Request-ID"]
        assert given != bad and len(given) == 32 and given.isalnum()
    first, second = (client.get("/").headers["X-Request-ID"] for _ in range(2))
    assert first != second


def test_the_error_page_shows_the_request_id(client):
    response = client.get("/tidak-ada", headers={"X-Request-ID": "support-case-4711"})
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and "support-case-4711" in page and "Kode permintaan" in page


def test_audit_rows_carry_the_request_id(client, make_user):
    make_user(email="rid@test.zi")
    db.session.commit()
    client.post("/masuk", data={"email": "rid@test.zi", "password": "wrong wrong wrong"},
                headers={"X-Request-ID": "req-failed-login-1"})
    client.post("/masuk", data={"email": "rid@test.zi", "password": PASSWORD},
                headers={"X-Request-ID": "req-good-login-2"})
    rows = db.session.execute(select(AuditEvent.action, AuditEvent.request_id)
                              .where(AuditEvent.action.like("login%")).order_by(AuditEvent.id)).all()
    assert [tuple(r) for r in rows] == [("login.failed", "req-failed-login-1"), ("login", "req-good-login-2")]
    assert db.session.scalar(select(AuditEvent.request_id).where(AuditEvent.action == "user.create")) is None


def _json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_one_json_line_per_request_with_the_request_fields(other_app, make_user, capsys):
    user = make_user(email="logged@test.zi")
    db.session.commit()
    client = other_app(LOG_FORMAT="json").test_client()
    capsys.readouterr()
    client.get("/masuk")
    client.post("/masuk", data={"email": "logged@test.zi", "password": PASSWORD})
    client.get("/dasbor/", headers={"X-Request-ID": "dash-board-0001"})
    requests = [entry for entry in _json_lines(capsys.readouterr().out) if entry["logger"] == "zi_assess.request"]
    assert [(e["method"], e["path"], e["status"]) for e in requests] == [
        ("GET", "/masuk", 200), ("POST", "/masuk", 302), ("GET", "/dasbor/", 200)]
    dashboard = requests[2]
    assert dashboard["request_id"] == "dash-board-0001" and dashboard["user_id"] == user.id
    assert dashboard["level"] == "INFO" and isinstance(dashboard["duration_ms"], float)
    assert dashboard["ts"].endswith("+00:00") and dashboard["ip"] == "127.0.0.1"
    assert "user_id" not in requests[0] and requests[1]["user_id"] == user.id  # the request that signs in


def test_application_records_are_json_lines_with_the_request_id(other_app, capsys):
    client = other_app(LOG_FORMAT="json", REDIS_URL="redis://127.0.0.1:1/0").test_client()
    capsys.readouterr()
    client.get("/healthz", headers={"X-Request-ID": "probe-000000042"})
    entries = _json_lines(capsys.readouterr().out)
    warning = next(e for e in entries if e["level"] == "WARNING")
    assert warning["logger"] == "zi_assess" and "redis" in warning["message"]
    assert warning["request_id"] == "probe-000000042"


def test_text_format_for_a_terminal(other_app, capsys):
    client = other_app(LOG_FORMAT="text").test_client()
    capsys.readouterr()
    client.get("/healthz", headers={"X-Request-ID": "text-line-0001"})
    line = next(x for x in capsys.readouterr().out.splitlines() if "zi_assess.request" in x)
    assert "[text-line-0001] GET /healthz 200" in line and not line.startswith("{")
