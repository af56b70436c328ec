"""A revocation is seen: the unit's people are told (inbox and e-mail after the commit, as each
chooses), the dashboards and recaps (page, PDF, CSV, XLSX) mark "dicabut <year>", and the unit's
predicate history (dashboard, unit page) lists the grant, the monitorings and the revocation."""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import date
from email.header import decode_header, make_header
from email.utils import parseaddr

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.smtp import body_text
from zi_assess.extensions import db
from zi_assess.mail import wait_for_background_mail
from zi_assess.models import Notification, NotificationPreference
from zi_assess.predicates import operations as ops

REASON = "Area 2 menurun di bawah ambang batas."


def mails(smtp_server):
    wait_for_background_mail()
    return [(parseaddr(m["To"])[1], str(make_header(decode_header(m["Subject"]))), body_text(m))
            for m in smtp_server.messages]


def revoked_kinds(user):
    return [n.params for n in db.session.scalars(
        select(Notification).where(Notification.user_id == user.id, Notification.kind == "revoked"))]


@pytest.fixture
def concluded(monitored, team, flow):
    held, monitoring = monitored
    flow.step(team.tpi_lead, monitoring, "conclude_tpi", eligible=False, recommendation="Area 2 menurun.")
    return held, monitoring


def _revoke(team, actor_for, held):
    ops.revoke(actor_for(team.national), held.id, REASON, today=date(2028, 11, 20))


def test_revoking_tells_the_unit_in_the_inbox_and_by_mail_after_the_commit(app, concluded, team, actor_for,
                                                                            smtp_server, login):
    app.config.update(smtp_server.config)
    held, monitoring = concluded
    wait_for_background_mail()
    smtp_server.messages.clear()
    # the operator wants this kind in the inbox only
    db.session.add(NotificationPreference(user_id=team.operator.id, kind="revoked", in_app=True, email=False))
    db.session.commit()
    _revoke(team, actor_for, held)
    wait_for_background_mail()
    assert smtp_server.messages == []  # nothing before the commit
    db.session.commit()
    for user in (team.head, team.operator, team.manager):
        (params,) = revoked_kinds(user)
        assert params["predicate"] == "WBK" and params["reason"] == REASON and params["year"] == 2028
    assert revoked_kinds(team.national) == [] and revoked_kinds(team.other_head) == []
    received = {to: (subject, text) for to, subject, text in mails(smtp_server)}
    assert set(received) == {team.head.email, team.manager.email}  # the operator chose the inbox only
    subject, text = received[team.head.email]
    assert subject == "[zi-assess] Predikat WBK Unit 1 dicabut setelah pemantauan 2028"
    assert f"Alasan pencabutan: {REASON}" in text and f"/penilaian/{monitoring.id}" in text
    page = login(team.head).get("/notifikasi/").get_data(as_text=True)
    assert "Predikat WBK Unit 1 dicabut setelah pemantauan 2028" in page


def test_a_refused_revocation_tells_nobody(app, monitored, team, actor_for, smtp_server):
    app.config.update(smtp_server.config)
    held, _monitoring = monitored
    wait_for_background_mail()
    smtp_server.messages.clear()
    with pytest.raises(ops.PredicateRefused):
        _revoke(team, actor_for, held)  # not concluded yet
    db.session.rollback()
    assert revoked_kinds(team.head) == [] and mails(smtp_server) == []


def test_dashboards_and_recaps_mark_the_revocation_with_its_year(concluded, decided, team, actor_for, login):
    held, monitoring = concluded
    head = login(team.head).get("/dasbor/").get_data(as_text=True)
    assert "dicabut" not in head.lower()
    _revoke(team, actor_for, held)
    db.session.commit()

    head = login(team.head).get("/dasbor/").get_data(as_text=True)
    assert "Predikat dicabut 20-11-2028" in head
    history = head[head.index('id="h-predicates"'):]
    assert "2026" in history and "2028" in history and "tidak memenuhi" in history and "Dicabut 20-11-2028" in history
    # the instansi manager sees the granting assessment's row and the monitoring's; the national
    # manager the granting one (a monitoring ends with the TPI and is never proposed)
    for reader, rows in ((team.manager, 2), (team.national, 1)):
        page = login(reader).get("/dasbor/").get_data(as_text=True)
        assert page.count('<span class="badge bad revoked">dicabut 2028</span>') == rows

    client = login(team.manager)
    assert "dicabut 2028" in client.get("/rekap").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(client.get("/rekap.csv?tahun=").get_data(as_text=True).lstrip("\ufeff"))))
    column = rows[0].index("Predikat dicabut")
    assert sorted(r[column] for r in rows[1:]) == ["dicabut 2028", "dicabut 2028"]
    sheet = load_workbook(io.BytesIO(client.get("/rekap.xlsx?tahun=").data)).active
    header = [c.value for c in sheet[1]]
    marks = [sheet.cell(row=r, column=header.index("Predikat dicabut") + 1).value for r in (2, 3)]
    assert marks == ["dicabut 2028", "dicabut 2028"]
    pdf = client.get("/rekap.pdf?tahun=")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf", pdf.get_data(as_text=True)[:300]
    printed = subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True).stdout.decode()
    assert "dicabut 2028" in printed


def test_a_unit_without_revocation_has_no_marker_and_its_page_lists_its_history(decided, team, login):
    page = login(team.admin).get(f"/admin/unit/{team.unit.id}").get_data(as_text=True)
    history = page[page.index('id="h-predicates"'):]
    assert "WBK" in history and "2026" in history and "Berlaku" in history
    other = login(team.admin).get(f"/admin/unit/{team.other_unit.id}").get_data(as_text=True)
    assert "belum pernah memperoleh predikat" in other
    rows = list(csv.reader(io.StringIO(login(team.manager).get("/rekap.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][rows[0].index("Predikat dicabut")] == ""
