"""Inviting a person: the account, the e-mail with a single-use link, the set-password page."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.smtp import _free_port, body_text, smtp_server  # noqa: F401  (fixture)
from zi_assess.extensions import db
from zi_assess.models import AuditEvent, Role, User


def _link(message) -> str:
    match = re.search(r"http://localhost(/undangan/\S+)", body_text(message))
    assert match, body_text(message)
    return match.group(1)


def test_invite_set_password_and_sign_in(admin_team, login, app, smtp_server):  # noqa: F811
    app.config.update(smtp_server.config)
    client = login(admin_team.admin)
    response = client.post("/admin/pengguna", data={"email": "Siti@Unit.go.id ", "name": "Siti Rahma",
                                                    "locale": "en"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "siti@unit.go.id"))
    assert user is not None and user.name == "Siti Rahma"
    (message,) = smtp_server.messages
    assert message["To"].endswith("<siti@unit.go.id>")
    assert message["Subject"] == "Invitation to zi-assess"  # in the invited person's language
    link = _link(message)
    # a role added from the account page
    added = client.post(f"/admin/pengguna/{user.id}", data={"role": "unit_operator",
                                                           "scope": f"u:{admin_team.unit.id}"})
    assert added.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).has_role(Role.UNIT_OPERATOR)
    # the invited person has no password yet
    client.delete_cookie("session")
    assert client.post("/masuk", data={"email": "siti@unit.go.id", "password": "x" * 14}).status_code == 401
    page = client.get(link)
    assert page.status_code == 200 and "siti@unit.go.id" in page.get_data(as_text=True)
    short = client.post(link, data={"password": "pendek-11ch", "confirm": "pendek-11ch"})
    assert short.status_code == 400 and "minimal 12 karakter" in short.get_data(as_text=True)
    mismatch = client.post(link, data={"password": "kata-sandi-panjang", "confirm": "lain-sekali-12"})
    assert mismatch.status_code == 400 and "Kedua kata sandi tidak sama." in mismatch.get_data(as_text=True)
    done = client.post(link, data={"password": "kata-sandi-panjang", "confirm": "kata-sandi-panjang"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/masuk")
    assert client.get(link).status_code == 404  # single use
    signed_in = client.post("/masuk", data={"email": "siti@unit.go.id", "password": "kata-sandi-panjang"})
    assert signed_in.status_code == 302
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"user.create", "user.invite", "role.assign", "user.invite_accepted"} <= actions


def test_a_new_invitation_retires_the_old_link(admin_team, login, app, smtp_server):  # noqa: F811
    app.config.update(smtp_server.config)
    client = login(admin_team.admin)
    client.post("/admin/pengguna", data={"email": "budi@unit.go.id", "name": "Budi", "locale": "id"})
    user = db.session.scalar(select(User).where(User.email == "budi@unit.go.id"))
    assert client.post(f"/admin/pengguna/{user.id}/undang").status_code == 302
    first, second = smtp_server.messages
    assert first["Subject"] == "Undangan ke zi-assess"
    client.delete_cookie("session")
    assert client.get(_link(first)).status_code == 404
    assert client.get(_link(second)).status_code == 200


def test_mail_failure_writes_nothing_and_keeps_the_form(admin_team, login, app):
    app.config.update({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": _free_port(), "MAIL_TIMEOUT": 2})
    client = login(admin_team.admin)
    before = db.session.scalar(select(func.count()).select_from(User))
    response = client.post("/admin/pengguna", data={"email": "gagal@unit.go.id", "name": "Gagal Kirim",
                                                    "locale": "id"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Surel undangan tidak dapat dikirim" in html and 'value="Gagal Kirim"' in html
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_bad_email_and_taken_email(admin_team, login):
    client = login(admin_team.admin)
    bad = client.post("/admin/pengguna", data={"email": "bukan-surel", "name": "X", "locale": "id"})
    assert bad.status_code == 400 and "Alamat surel tidak sah." in bad.get_data(as_text=True)
    taken = client.post("/admin/pengguna", data={"email": admin_team.operator.email, "name": "X", "locale": "id"})
    assert taken.status_code == 400 and "sudah dipakai akun lain" in taken.get_data(as_text=True)
