"""Organisation pages: instansi, units, accounts and roles in the browser (real app, CSRF on)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from zi_assess.audit import SYSTEM
from zi_assess.authz import visible_assessments
from zi_assess.extensions import db
from zi_assess.models import AuditEvent, Instansi, InstansiKind, Role, RoleAssignment, Unit, User
from zi_assess.org import operations as ops


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_admin_nav_and_lists(admin_team, login):
    client = login(admin_team.admin)
    home = client.get("/dasbor/").get_data(as_text=True)
    assert 'href="/admin/instansi"' in home  # the admin section in the main navigation
    page = client.get("/admin/instansi").get_data(as_text=True)
    assert "Kementerian Uji" in page and "Pemkot Lain" in page and "Tambah instansi" in page
    assert 'href="/admin/instansi"' in client.get("/admin/pengguna").get_data(as_text=True)
    # search narrows the list
    page = client.get("/admin/instansi?q=pemkot").get_data(as_text=True)
    assert "Pemkot Lain" in page and "Kementerian Uji" not in page


def test_create_instansi_keeps_typed_values_on_error(admin_team, login):
    client = login(admin_team.admin)
    before = _count(Instansi)
    bad = client.post("/admin/instansi", data={"name": "Pemerintah Kabupaten Baru", "kind": "pemkab",
                                               "provinsi": "Jawa Barat", "kabkota": ""})
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "Isi kabupaten/kota untuk pemerintah kabupaten atau kota." in html
    assert 'value="Pemerintah Kabupaten Baru"' in html and 'value="Jawa Barat"' in html
    assert _count(Instansi) == before
    good = client.post("/admin/instansi", data={"name": "Pemerintah Kabupaten Baru", "kind": "pemkab",
                                                "provinsi": "Jawa Barat", "kabkota": "Kabupaten Bandung"})
    assert good.status_code == 302
    made = db.session.scalar(select(Instansi).where(Instansi.name == "Pemerintah Kabupaten Baru"))
    assert made.kabkota == "Kabupaten Bandung" and made.kind == InstansiKind.PEMKAB
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "instansi.create",
                                                      AuditEvent.actor_id == admin_team.admin.id))
    taken = client.post("/admin/instansi", data={"name": "Kementerian Uji", "kind": "kementerian"})
    assert taken.status_code == 400 and "Nama instansi ini sudah dipakai." in taken.get_data(as_text=True)


def test_units_with_parent_head_afirmasi_and_activation(admin_team, login, make_instansi, make_unit):
    client = login(admin_team.admin)
    instansi = admin_team.instansi
    response = client.post(f"/admin/instansi/{instansi.id}/unit-baru",
                           data={"name": "Kantor Cabang", "code": "UJI-2", "unit_type": "umum",
                                 "parent": str(admin_team.unit.id), "head_name": "Dr. Sari"})
    assert response.status_code == 302
    child = db.session.scalar(select(Unit).where(Unit.code == "UJI-2"))
    assert child.parent_id == admin_team.unit.id and child.head_name == "Dr. Sari"
    # a unit cannot be its own ancestor; the typed values stay
    cycle = client.post(f"/admin/unit/{admin_team.unit.id}",
                        data={"name": "Unit dengan nama baru", "code": "UJI-1", "unit_type": "umum",
                              "parent": str(child.id), "head_name": ""})
    assert cycle.status_code == 400
    assert "Unit dengan nama baru" in cycle.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Unit, admin_team.unit.id).parent_id is None
    duplicate = client.post(f"/admin/instansi/{instansi.id}/unit-baru",
                            data={"name": "Lagi", "code": "UJI-2", "unit_type": "umum", "parent": "0"})
    assert duplicate.status_code == 400 and "Kode unit ini sudah dipakai" in duplicate.get_data(as_text=True)
    # afirmasi: a pemda RSUD is shown as such, a K/L one is not (the rule is prerequisite data)
    pemda = make_instansi("Pemkab Afirmasi", InstansiKind.PEMKAB)
    make_unit(pemda, code="RSUD-1", unit_type="rsud")
    make_unit(instansi, code="RS-KL", unit_type="rsud")
    assert "afirmasi" in client.get(f"/admin/instansi/{pemda.id}").get_data(as_text=True)
    assert ">afirmasi<" not in client.get(f"/admin/instansi/{instansi.id}").get_data(as_text=True)
    off = client.post(f"/admin/unit/{child.id}/aktif", data={"aktif": "0"})
    assert off.status_code == 302
    db.session.expire_all()
    assert db.session.get(Unit, child.id).is_active is False


def test_paging(admin_team, login, make_unit):
    for n in range(30):
        make_unit(admin_team.instansi, code=f"P-{n:02d}")
    client = login(admin_team.admin)
    first = client.get(f"/admin/instansi/{admin_team.instansi.id}").get_data(as_text=True)
    second = client.get(f"/admin/instansi/{admin_team.instansi.id}?hal=2").get_data(as_text=True)
    assert "Halaman 1 dari 2" in first and "Halaman 2 dari 2" in second
    assert ">P-00<" in first and ">P-29<" not in first and ">P-29<" in second


def test_instansi_admin_manages_only_their_instansi(admin_team, login):
    client = login(admin_team.inst_admin)
    page = client.get("/admin/instansi").get_data(as_text=True)
    assert "Kementerian Uji" in page and "Pemkot Lain" not in page and "Tambah instansi" not in page
    assert client.get(f"/admin/instansi/{admin_team.other_instansi.id}").status_code == 404
    assert client.get(f"/admin/unit/{admin_team.other_unit.id}").status_code == 404
    assert client.post("/admin/instansi", data={"name": "X", "kind": "lembaga"}).status_code == 403
    users = client.get("/admin/pengguna").get_data(as_text=True)
    assert admin_team.operator.email in users and admin_team.other_head.email not in users
    assert admin_team.tpn.email not in users
    assert client.get(f"/admin/pengguna/{admin_team.other_head.id}").status_code == 404
    assert client.get(f"/admin/pengguna/{admin_team.admin.id}").status_code == 404
    # roles only inside their instansi, never national ones
    detail = client.get(f"/admin/pengguna/{admin_team.operator.id}").get_data(as_text=True)
    assert 'value="admin"' not in detail and 'value="tpn_evaluator"' not in detail
    assert f'value="u:{admin_team.other_unit.id}"' not in detail
    refused = client.post(f"/admin/pengguna/{admin_team.operator.id}",
                          data={"role": "unit_head", "scope": f"u:{admin_team.other_unit.id}"})
    assert refused.status_code == 400  # not a choice offered: nothing written
    given = client.post(f"/admin/pengguna/{admin_team.operator.id}",
                        data={"role": "tpi_evaluator", "scope": f"i:{admin_team.instansi.id}"})
    assert given.status_code == 302
    assert admin_team.operator.has_role(Role.TPI_EVALUATOR)


def test_instansi_admin_reads_no_assessment(admin_team, draft, login):
    """Like the national admin, an instansi admin neither scores nor reads the units' drafts."""
    from zi_assess.authz import allowed, can_view

    assert not can_view(admin_team.inst_admin, draft)
    assert not allowed(admin_team.inst_admin, "answer.edit", draft)
    client = login(admin_team.inst_admin)
    assert client.get(f"/penilaian/{draft.id}").status_code == 404


def test_role_guards_last_admin_and_own_admin(admin_team, login, make_user):
    client = login(admin_team.admin)
    own = next(a for a in admin_team.admin.roles if a.role == Role.ADMIN)
    response = client.post(f"/admin/peran/{own.id}/cabut", follow_redirects=True)
    assert "tidak dapat mencabut peran administrator Anda sendiri" in response.get_data(as_text=True)
    assert _count(RoleAssignment) and db.session.get(RoleAssignment, own.id) is not None
    self_off = client.post(f"/admin/pengguna/{admin_team.admin.id}/aktif", data={"aktif": "0"},
                           follow_redirects=True)
    assert "tidak dapat menonaktifkan akun Anda sendiri" in self_off.get_data(as_text=True)
    # a second admin may deactivate the first; then the second is the last active admin
    second = make_user("admin")
    client = login(second)
    assert client.post(f"/admin/pengguna/{admin_team.admin.id}/aktif", data={"aktif": "0"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, admin_team.admin.id).is_active is False
    second = db.session.get(User, second.id)
    with pytest.raises(ops.InvalidInput) as refused:
        ops.set_active(SYSTEM, second, False)
    assert refused.value.code == "last_admin"
    with pytest.raises(ops.InvalidInput) as refused:
        ops.revoke_role(SYSTEM, next(a for a in second.roles if a.role == Role.ADMIN))
    assert refused.value.code == "last_admin"
    # with the first active again, the second's admin role can go
    ops.set_active(SYSTEM, db.session.get(User, admin_team.admin.id), True)
    ops.revoke_role(SYSTEM, next(a for a in second.roles if a.role == Role.ADMIN))
    db.session.commit()
    assert not db.session.get(User, second.id).has_role(Role.ADMIN)


def test_deactivated_user_is_signed_out_at_the_next_request(admin_team, login, app):
    victim = admin_team.operator
    victim_client = app.test_client()
    from tests.conftest import PASSWORD

    victim_client.post("/masuk", data={"email": victim.email, "password": PASSWORD})
    assert victim_client.get("/dasbor/").status_code == 200
    client = login(admin_team.admin)
    assert client.post(f"/admin/pengguna/{victim.id}/aktif", data={"aktif": "0"}).status_code == 302
    assert victim_client.get("/dasbor/").status_code == 302
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.deactivate"))


def test_admin_reads_a_draft_only_with_a_logged_reason(admin_team, draft, login, make_user):
    client = login(admin_team.admin)
    assert client.get(f"/penilaian/{draft.id}").status_code == 404
    assert draft.id not in {a.id for a in db.session.scalars(visible_assessments(admin_team.admin))}
    unit_page = client.get(f"/admin/unit/{admin_team.unit.id}").get_data(as_text=True)
    assert f"/admin/penilaian/{draft.id}/buka" in unit_page
    short = client.post(f"/admin/penilaian/{draft.id}/buka", data={"reason": "lihat"})
    assert short.status_code == 400 and 'lihat</textarea>' in short.get_data(as_text=True)
    assert client.get(f"/penilaian/{draft.id}").status_code == 404
    opened = client.post(f"/admin/penilaian/{draft.id}/buka",
                         data={"reason": "Tiket dukungan #4411: unit minta bantuan membaca skor"})
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/penilaian/{draft.id}")
    assert client.get(f"/penilaian/{draft.id}").status_code == 200
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.draft_access"))
    assert event.assessment_id == draft.id and event.actor_id == admin_team.admin.id
    assert event.detail["reason"].startswith("Tiket dukungan #4411")
    # still no scoring: the mandiri layer stays the unit's
    from zi_assess.authz import allowed

    assert not allowed(db.session.get(User, admin_team.admin.id), "answer.edit", draft)
    # the reason opens it for this admin only; only admins give reasons
    second = make_user("admin")
    assert login(second).get(f"/penilaian/{draft.id}").status_code == 404
    assert login(admin_team.operator).get(f"/admin/penilaian/{draft.id}/buka").status_code == 403
