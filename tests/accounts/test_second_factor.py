"""TOTP second factor (RFC 6238): enrolment with a QR code and recovery codes, the code after the
password, single use within the window, required for admin, TPI, TPN and managers."""

from __future__ import annotations

import base64
import re

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, second_factor_code
from zi_assess.auth import totp
from zi_assess.extensions import db
from zi_assess.models import AuditEvent, RecoveryCode, User


def test_rfc_6238_reference_values():
    secret = base64.b32encode(b"12345678901234567890").decode()  # RFC 6238 appendix B, SHA-1
    assert [totp.code_at(secret, t // 30) for t in (59, 1111111109, 1234567890, 2000000000)] == [
        "287082", "081804", "005924", "279037"]
    assert totp.matching_step(secret, "081804", last_step=None, now=1111111109) == 1111111109 // 30
    assert totp.matching_step(secret, "081804", last_step=1111111109 // 30, now=1111111109) is None  # used
    assert totp.matching_step(secret, "081804", last_step=None, now=1111111109 + 95) is None  # too late


def _secret_of(page: str) -> str:
    return re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")


@pytest.mark.parametrize("role", ["admin", "tpi", "tpi_lead", "tpn", "manager", "national"])
def test_required_roles_are_sent_to_enrolment_until_enrolled(app, team, role):
    user = getattr(team, role)
    client = app.test_client()
    assert client.post("/masuk", data={"email": user.email, "password": PASSWORD}).status_code == 302
    response = client.get("/dasbor/")
    assert response.status_code == 302 and response.location.endswith("/akun/dua-faktor")
    page = client.get("/akun/dua-faktor").get_data(as_text=True)
    assert "data:image/svg+xml" in page and "mewajibkan" in page
    secret = _secret_of(page)
    assert client.post("/akun/dua-faktor", data={"code": "000000" if totp.code_at(secret, totp.current_step())
                                                 != "000000" else "111111"}).status_code == 400
    done = client.post("/akun/dua-faktor", data={"code": totp.code_at(secret, totp.current_step())})
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done.get_data(as_text=True))
    assert done.status_code == 200 and len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/dasbor/").status_code == 200
    stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)  # hashed


def test_unit_staff_may_choose_it_and_then_need_it(app, team):
    client = app.test_client()
    assert client.post("/masuk", data={"email": team.operator.email, "password": PASSWORD}).status_code == 302
    assert client.get("/dasbor/").status_code == 200  # optional
    assert "tidak aktif (pilihan)" in client.get("/akun/").get_data(as_text=True)
    secret = _secret_of(client.get("/akun/dua-faktor").get_data(as_text=True))
    assert client.post("/akun/dua-faktor", data={"code": totp.code_at(secret, totp.current_step())}).status_code == 200
    fresh = app.test_client()
    response = fresh.post("/masuk", data={"email": team.operator.email, "password": PASSWORD})
    assert response.location.endswith("/masuk/kode")
    assert fresh.get("/dasbor/").status_code == 302  # not signed in before the code


def test_everyone_with_mfa_required_all(app, team):
    app.config["MFA_REQUIRED_ALL"] = True
    client = app.test_client()
    client.post("/masuk", data={"email": team.operator.email, "password": PASSWORD})
    assert client.get("/dasbor/").location.endswith("/akun/dua-faktor")


def test_a_code_works_once_and_wrong_codes_are_throttled(app, team):
    user = team.admin
    code = second_factor_code(user)
    client = app.test_client()
    client.post("/masuk", data={"email": user.email, "password": PASSWORD})
    assert client.post("/masuk/kode", data={"code": code}).status_code == 302
    assert client.get("/dasbor/").status_code == 200
    again = app.test_client()
    again.post("/masuk", data={"email": user.email, "password": PASSWORD})
    assert again.post("/masuk/kode", data={"code": code}).status_code == 401  # replayed
    for _ in range(4):
        assert again.post("/masuk/kode", data={"code": "12345x"}).status_code == 401
    assert again.post("/masuk/kode", data={"code": second_factor_code(user)}).status_code == 429
    reasons = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "login.failed")).all()
    assert reasons.count({"reason": "second_factor"}) == 5


def test_a_recovery_code_signs_in_once(app, team):
    client = app.test_client()
    client.post("/masuk", data={"email": team.operator.email, "password": PASSWORD})
    secret = _secret_of(client.get("/akun/dua-faktor").get_data(as_text=True))
    page = client.post("/akun/dua-faktor", data={"code": totp.code_at(secret, totp.current_step())})
    first = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", page.get_data(as_text=True))[0]
    for expected in (302, 401):
        other = app.test_client()
        other.post("/masuk", data={"email": team.operator.email, "password": PASSWORD})
        assert other.post("/masuk/kode", data={"code": first.upper()}).status_code == expected
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.used_at.is_not(None))) == 1


def test_the_code_page_needs_the_password_first(app, team):
    response = app.test_client().get("/masuk/kode")
    assert response.status_code == 302 and response.location.endswith("/masuk")


def test_the_cli_resets_a_lost_second_factor(app, team, runner):
    second_factor_code(team.admin)
    result = runner.invoke(args=["users", "reset-mfa", team.admin.email])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert not db.session.get(User, team.admin.id).has_second_factor
