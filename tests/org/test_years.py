"""The evaluation year: step deadlines (national and per instansi), the proposal window, quotas."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from zi_assess.assessments import operations as aops
from zi_assess.audit import SYSTEM
from zi_assess.domain.workflow import Layer, Status
from zi_assess.extensions import db
from zi_assess.models import AuditEvent, Deadline, ProposalQuota, Role
from zi_assess.org import operations as org
from zi_assess.years import operations as years

GOOD_INSTANSI = {"opini_bpk": "WTP", "sakip_instansi": "BB", "indeks_rb": "BB", "spip_level": 3}
GOOD_UNIT = {"layanan_utama": True, "tl_apip_bpk_persen": 100, "lhkpn_persen": 100, "lhkasn_persen": 100,
             "bulan_membangun_zi": 13, "sakip_unit": "BB"}


def test_national_windows_set_and_cleared_on_the_page(admin_team, login):
    client = login(admin_team.admin)
    assert "2026" in client.get("/admin/tahun/").get_data(as_text=True)
    response = client.post("/admin/tahun/2026", data={"form": "windows", "submit_opens": "2026-01-01",
                                                       "submit_closes": "2026-04-30", "propose_opens": "2026-05-01",
                                                       "propose_closes": "2026-05-31"})
    assert response.status_code == 302
    windows = {d.step: (d.opens_on, d.closes_on) for d in db.session.scalars(select(Deadline))}
    assert windows == {"submit": (date(2026, 1, 1), date(2026, 4, 30)),
                       "propose": (date(2026, 5, 1), date(2026, 5, 31))}
    page = client.get("/admin/tahun/2026").get_data(as_text=True)
    assert 'value="2026-05-31"' in page and "jendela pengusulan" in page
    # opening after closing: refused, typed dates kept, nothing changed
    bad = client.post("/admin/tahun/2026", data={"form": "windows", "submit_opens": "2026-03-01",
                                                  "submit_closes": "2026-04-30", "propose_opens": "2026-07-01",
                                                  "propose_closes": "2026-06-30"})
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "Tanggal pembukaan harus sebelum" in html and 'value="2026-07-01"' in html
    db.session.expire_all()
    assert db.session.scalar(select(Deadline).where(Deadline.step == "submit")).opens_on == date(2026, 1, 1)
    # a closing date is needed when an opening date is given
    half = client.post("/admin/tahun/2026", data={"form": "windows", "submit_opens": "2026-03-01",
                                                   "submit_closes": "", "propose_closes": "2026-05-31"})
    assert half.status_code == 400 and "Isi tanggal penutupan." in half.get_data(as_text=True)
    # both empty: the window goes
    cleared = client.post("/admin/tahun/2026", data={"form": "windows", "propose_closes": "2026-06-30"})
    assert cleared.status_code == 302
    db.session.expire_all()
    assert [(d.step, d.closes_on) for d in db.session.scalars(select(Deadline))] == [("propose", date(2026, 6, 30))]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "deadline.clear"))


def test_an_instansi_window_and_a_quota_on_the_page(admin_team, login):
    client = login(admin_team.admin)
    response = client.post("/admin/tahun/2026", data={"form": "instansi", "instansi": str(admin_team.instansi.id),
                                                       "step": "propose", "closes_on": "2026-06-30"})
    assert response.status_code == 302
    row = db.session.scalar(select(Deadline))
    assert row.instansi_id == admin_team.instansi.id and row.closes_on == date(2026, 6, 30)
    quota = client.post("/admin/tahun/2026", data={"form": "quota", "instansi": str(admin_team.instansi.id),
                                                    "max_units": "2", "basis": "B/14/PW.00/2022"})
    assert quota.status_code == 302
    page = client.get("/admin/tahun/2026").get_data(as_text=True)
    assert "B/14/PW.00/2022" in page and admin_team.instansi.name in page
    bad = client.post("/admin/tahun/2026", data={"form": "quota", "instansi": str(admin_team.instansi.id),
                                                  "max_units": "-1", "basis": "surat baru"})
    assert bad.status_code == 400 and 'value="surat baru"' in bad.get_data(as_text=True)
    assert db.session.scalar(select(ProposalQuota)).max_units == 2
    removed = client.post(f"/admin/tahun/2026/hapus-batas/{row.id}")
    assert removed.status_code == 302 and db.session.scalar(select(Deadline)) is None


def test_only_the_national_admin_sets_the_year(admin_team, login):
    for user in (admin_team.inst_admin, admin_team.national, admin_team.tpi_lead):
        client = login(user)
        assert client.get("/admin/tahun/2026").status_code == 403
        assert client.post("/admin/tahun/2026", data={"form": "quota", "instansi": str(admin_team.instansi.id),
                                                       "max_units": "9"}).status_code == 403
    assert db.session.scalar(select(ProposalQuota)) is None


def _ready_to_propose(team, flow, make_unit, code):
    unit = make_unit(team.instansi, code=code)
    org.assign_role(SYSTEM, team.head, Role.UNIT_HEAD, unit=unit)
    org.assign_role(SYSTEM, team.operator, Role.UNIT_OPERATOR, unit=unit)
    org.record_prerequisites(SYSTEM, 2026, GOOD_UNIT, unit=unit)
    db.session.commit()
    a = flow.create(unit, team.head)
    flow.fill(team.operator, a, Layer.MANDIRI)
    flow.step(team.head, a, "submit")
    flow.step(team.tpi_lead, a, "start_tpi_review", prefill=True)
    flow.step(team.tpi_lead, a, "conclude_tpi", eligible=True, recommendation="Layak.")
    return a


def test_the_quota_refuses_one_proposal_too_many(admin_team, flow, make_unit):
    team = admin_team
    org.record_prerequisites(SYSTEM, 2026, GOOD_INSTANSI, instansi=team.instansi)
    years.set_quota(SYSTEM, 2026, team.instansi, 1, "uji")
    db.session.commit()
    first = _ready_to_propose(team, flow, make_unit, "Q-1")
    second = _ready_to_propose(team, flow, make_unit, "Q-2")
    flow.step(team.tpi_lead, first, "propose")
    with pytest.raises(aops.WorkflowRefused) as refused:
        flow.step(team.tpi_lead, second, "propose")
    assert refused.value.code == "quota"
    db.session.rollback()
    years.set_quota(SYSTEM, 2026, team.instansi, 2)
    db.session.commit()
    assert flow.step(team.tpi_lead, second, "propose").assessment.status == Status.PROPOSED
