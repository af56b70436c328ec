"""Admin pages for PortalRB API keys: shown once, stored hashed, revocable, CSRF-protected."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, second_factor_code
from zi_assess import create_app
from zi_assess.extensions import db
from zi_assess.models import ApiKey, AuditEvent

KEY = re.compile(r"zik_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")


def test_only_admins_reach_the_key_pages(team, login):
    assert login(team.admin).get("/admin/kunci-api").status_code == 200
    for user in (team.manager, team.tpi_lead, team.head, team.national):
        assert login(user).get("/admin/kunci-api").status_code == 403
        assert login(user).post("/admin/kunci-api", data={"instansi": team.instansi.id, "name": "x"}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(ApiKey)) == 0


def test_a_new_key_is_shown_once_stored_hashed_and_revocable(team, login, client):
    admin = login(team.admin)
    created = admin.post("/admin/kunci-api", data={"instansi": team.instansi.id, "name": "  PortalRB   2026 "})
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    plain = KEY.findall(created.get_data(as_text=True))
    assert len(set(plain)) == 1
    plain = plain[0]
    key = db.session.scalar(select(ApiKey))
    assert key.name == "PortalRB 2026" and key.instansi_id == team.instansi.id and key.created_by_id == team.admin.id
    assert key.secret_hash == hashlib.sha256(plain.encode()).hexdigest() and plain.split("_", 2)[2] not in str(
        [key.secret_hash, key.prefix, key.name])
    listing = admin.get("/admin/kunci-api").get_data(as_text=True)
    assert plain not in listing and f"zik_{key.prefix}_…" in listing
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("api_key.%"))).all()
    assert [e.action for e in events] == ["api_key.create"] and plain not in str(events[0].after)

    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/portalrb/pengusulan/unit-wbk", headers=headers).status_code == 404  # valid, no data
    assert admin.post(f"/admin/kunci-api/{key.id}/cabut").status_code == 302
    assert admin.post(f"/admin/kunci-api/{key.id}/cabut").status_code == 302  # twice: no second event
    assert client.get("/api/portalrb/pengusulan/unit-wbk", headers=headers).status_code == 401
    db.session.refresh(key)
    assert key.revoked_at is not None
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "api_key.revoke")) == 1
    assert "dicabut" in admin.get("/admin/kunci-api").get_data(as_text=True)
    assert admin.post("/admin/kunci-api/999/cabut").status_code == 404


@pytest.mark.parametrize(("data", "message"), [
    ({"instansi": "", "name": "x"}, "Pilih instansi."),
    ({"instansi": "1", "name": " "}, "Isi nama kunci."),
    ({"instansi": "999", "name": "x"}, "Bukan pilihan yang sah."),
])
def test_invalid_key_forms_create_nothing(team, login, data, message):
    response = login(team.admin).post("/admin/kunci-api", data=data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ApiKey)) == 0


@pytest.fixture
def csrf_app(app_config):
    app = create_app(app_config)  # its own client: it adds no CSRF token by itself
    yield app
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


def test_key_forms_need_the_csrf_token(team, csrf_app):
    db.session.commit()  # the second app reads through its own connections
    code = second_factor_code(team.admin)  # the admin's second factor (enrolled here)
    client = csrf_app.test_client()
    page = client.get("/masuk").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post("/masuk", data={"email": team.admin.email, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    page = client.get("/masuk/kode").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert client.post("/masuk/kode", data={"code": code,
                                            "csrf_token": token}).status_code == 302
    refused = client.post("/admin/kunci-api", data={"instansi": team.instansi.id, "name": "tanpa token"})
    assert refused.status_code == 400  # CSRFProtect refuses before the view runs
    assert db.session.scalar(select(func.count()).select_from(ApiKey)) == 0
    form = client.get("/admin/kunci-api").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    assert client.post("/admin/kunci-api", data={"instansi": team.instansi.id, "name": "ok",
                                                 "csrf_token": token}).status_code == 201
    key = db.session.scalar(select(ApiKey))
    assert client.post(f"/admin/kunci-api/{key.id}/cabut").status_code == 400  # no token: nothing revoked
    db.session.refresh(key)
    assert key.revoked_at is None
