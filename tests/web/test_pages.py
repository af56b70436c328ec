"""Every page for the roles that use it, and the pages each role may not open."""

from __future__ import annotations

import pytest

from zi_assess.extensions import db


def text(response):
    return response.get_data(as_text=True)


def test_home_and_login_pages(client):
    home = client.get("/")
    assert home.status_code == 200 and "Evaluasi Zona Integritas" in text(home)
    assert client.get("/masuk").status_code == 200
    assert client.get("/dasbor/").status_code == 302


@pytest.mark.parametrize("role", ["operator", "head", "tpi", "tpi_lead", "manager", "tpn", "national", "admin"])
def test_dashboard_for_every_role(team, draft, login, role):
    client = login(getattr(team, role))
    page = client.get("/dasbor/")
    assert page.status_code == 200
    body = text(page)
    if role in ("operator", "head"):
        assert "Penilaian unit Anda" in body and team.unit.name in body
    if role in ("tpi", "tpi_lead"):
        assert "Antrean TPI" in body
    if role == "tpn":
        assert "Antrean TPN" in body and team.unit.name not in body  # nothing proposed yet
    if role in ("manager", "national", "admin"):
        assert "Rekap unit" in body
    if role == "manager":
        assert team.unit.name in body and team.other_unit.name not in body
    assert "Peran: " + ROLE_TITLES[role] in body  # the role's name, not its code


ROLE_TITLES = {"operator": "Operator unit", "head": "Kepala unit", "tpi": "Evaluator TPI", "tpi_lead": "Ketua TPI",
               "manager": "Manajer instansi", "tpn": "Evaluator TPN", "national": "Manajer nasional",
               "admin": "Administrator"}


def test_every_role_has_a_name():
    from zi_assess.messages import ROLE_NAMES
    from zi_assess.models.users import Role

    assert set(ROLE_NAMES) == {role.value for role in Role}


def test_assessment_pages_render(team, draft, login):
    client = login(team.operator)
    overview = client.get(f"/penilaian/{draft.id}")
    assert overview.status_code == 200 and "Lembar Kerja Evaluasi" in text(overview)
    for area in ("1", "2", "3", "4", "5", "6", "H"):
        page = client.get(f"/penilaian/{draft.id}/area/{area}")
        assert page.status_code == 200, area
        assert 'id="area-form"' in text(page)
    assert "Unit kerja telah membentuk tim" in text(client.get(f"/penilaian/{draft.id}/area/1"))
    assert client.get(f"/penilaian/{draft.id}/area/7").status_code == 404
    assert client.get(f"/penilaian/{draft.id}/area/1?lapis=tpi").status_code == 200
    gap = client.get(f"/penilaian/{draft.id}/kesenjangan")
    assert gap.status_code == 200 and "Analisis kesenjangan" in text(gap) and "Nilai total" in text(gap)
    # only area 1 is answered: area 2's rule names its unanswered indicators instead of "nothing helps"
    assert "Belum dijawab di bawah aturan ini: 15 indikator (P2.i.a, P2.i.b" in text(gap)
    assert client.get(f"/penilaian/{draft.id}/kesenjangan?predikat=WBBM").status_code == 200
    history = client.get(f"/penilaian/{draft.id}/riwayat/P1.i.a")
    assert history.status_code == 200 and "mengisi jawaban P1.i.a" in text(history) and "answer.change" not in text(history)
    submit = client.get(f"/penilaian/{draft.id}/kirim")
    assert submit.status_code == 200 and "belum dijawab" in text(submit) and "dilakukan oleh kepala unit" in text(submit)
    assert "disabled" in text(login(team.head).get(f"/penilaian/{draft.id}/kirim"))  # incomplete: not yet


def test_other_units_assessments_do_not_exist_for_you(team, draft, login, flow):
    client = login(team.other_head)
    for path in (f"/penilaian/{draft.id}", f"/penilaian/{draft.id}/area/1", f"/penilaian/{draft.id}/kirim",
                 f"/penilaian/{draft.id}/kesenjangan", f"/penilaian/{draft.id}/riwayat/P1.i.a"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/penilaian/{draft.id}/area/1", data={}).status_code == 404
    assert client.get("/penilaian/9999").status_code == 404
    from sqlalchemy import select

    from zi_assess.models import AuditEvent

    denied = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "permission.denied")).all()
    assert len(denied) >= 5 and denied[0].actor_email == team.other_head.email


def test_tpn_cannot_see_before_proposal_and_readers_cannot_write(team, draft, login):
    assert login(team.tpn).get(f"/penilaian/{draft.id}").status_code == 404
    client = login(team.manager)
    assert client.get(f"/penilaian/{draft.id}").status_code == 200
    page = client.get(f"/penilaian/{draft.id}/area/1")
    assert page.status_code == 200 and 'id="area-form"' not in text(page)  # read only
    assert client.post(f"/penilaian/{draft.id}/area/1", data={"a_P1_i_a": "Tidak"}).status_code == 403
    assert client.post(f"/penilaian/{draft.id}/langkah/submit", data={}).status_code == 403


def test_new_assessment_page(team, login):
    client = login(team.head)
    page = client.get("/penilaian/baru")
    assert page.status_code == 200 and team.unit.name in text(page)
    created = client.post("/penilaian/baru", data={"unit": team.unit.id, "year": 2027, "target": "WBK"})
    assert created.status_code == 302
    again = client.post("/penilaian/baru", data={"unit": team.unit.id, "year": 2027, "target": "WBK"})
    assert again.status_code == 422 and "sudah memiliki penilaian" in text(again)
    assert login(team.operator).get("/penilaian/baru").status_code == 403
