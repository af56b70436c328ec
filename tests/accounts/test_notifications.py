"""Notifications: inbox with unread count, e-mail after commit (read from a real SMTP server),
per-user choice per kind, deadline reminders sent once."""

from __future__ import annotations

from datetime import date
from email.header import decode_header, make_header
from email.utils import parseaddr

from sqlalchemy import func, select

from tests.smtp import body_text
from zi_assess.assessments import operations as ops
from zi_assess.audit import SYSTEM, Actor
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.mail import wait_for_background_mail
from zi_assess.models import Notification, SentReminder
from zi_assess.notifications import notify
from zi_assess.org import operations as org


def inbox_of(user):
    return [(n.kind, n.read_at is None) for n in db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))]


def mails(smtp_server):
    wait_for_background_mail()
    return [(parseaddr(m["To"])[1], str(make_header(decode_header(m["Subject"]))), body_text(m))
            for m in smtp_server.messages]


def test_every_step_tells_who_is_concerned(app, team, flow, smtp_server):
    app.config.update(smtp_server.config)
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, Layer.MANDIRI)
    flow.step(team.head, a, "submit")
    assert inbox_of(team.tpi) == [("submitted", True)] and inbox_of(team.tpi_lead) == [("submitted", True)]
    assert inbox_of(team.head) == [] and inbox_of(team.other_tpi_lead) == []  # not the actor, not elsewhere
    flow.step(team.tpi_lead, a, "start_tpi_review")
    assert inbox_of(team.tpi)[-1] == ("assigned", True)
    ops.add_comment(Actor(team.tpi, None), a.id, "P1.i.a", "SK Tim belum ditandatangani.", needs_fix=True)
    db.session.commit()
    flow.step(team.tpi, a, "return_to_unit", note="Lengkapi SK.")
    assert inbox_of(team.operator) == [("returned", True)]
    received = mails(smtp_server)
    returned = [m for m in received if m[0] == team.operator.email]
    (to, subject, text), = returned
    assert "dikembalikan" in subject and "P1.i.a: SK Tim belum ditandatangani." in text
    assert "Lengkapi SK." in text and f"/penilaian/{a.id}" in text
    flow.step(team.head, a, "resubmit")
    assert inbox_of(team.tpi)[-1] == ("resubmitted", True)


def test_decided_carries_the_outcome_in_the_readers_language(app, team, flow, smtp_server, make_user):
    app.config.update(smtp_server.config)
    english = make_user("unit_operator", team.unit, locale="en")
    a = flow.create(team.unit, team.head)
    a.decision_granted = True
    notify("decided", a, [english], granted=True, actor="Tim Nasional")
    db.session.commit()
    (to, subject, text), = mails(smtp_server)
    assert subject.startswith("[zi-assess] Decision:") and "obtained" in subject


def test_no_mail_before_commit_and_none_after_rollback(app, team, flow, smtp_server):
    app.config.update(smtp_server.config)
    a = flow.create(team.unit, team.head)
    notify("submitted", a, [team.tpi], actor="x")
    db.session.rollback()
    assert mails(smtp_server) == []
    notify("submitted", a, [team.tpi], actor="x")
    db.session.flush()
    assert mails(smtp_server) == []
    db.session.commit()
    assert len(mails(smtp_server)) == 1


def test_preferences_choose_the_channel_per_kind(app, team, flow, smtp_server, login):
    app.config.update(smtp_server.config)
    client = login(team.tpi)
    page = client.get("/notifikasi/preferensi")
    assert page.status_code == 200 and "LKE dikirim unit" in page.get_data(as_text=True)
    form = {"submitted-in_app": "y", "returned-email": "y"}  # submitted: inbox only; the rest off but one
    assert client.post("/notifikasi/preferensi", data=form).status_code == 302
    a = flow.create(team.unit, team.head)
    notify("submitted", a, [team.tpi], actor="x")
    notify("resubmitted", a, [team.tpi], actor="x")
    db.session.commit()
    assert inbox_of(team.tpi) == [("submitted", True)]
    assert mails(smtp_server) == []


def test_inbox_unread_count_and_marking_read(app, team, flow, login):
    a = flow.create(team.unit, team.head)
    notify("submitted", a, [team.tpi], actor="Kepala Unit")
    notify("proposed", a, [team.tpi], actor="Ketua TPI")
    db.session.commit()
    client = login(team.tpi)
    page = client.get("/dasbor/").get_data(as_text=True)
    assert '<span class="count-badge" aria-label="2 belum dibaca">2</span>' in page
    inbox = client.get("/notifikasi/").get_data(as_text=True)
    assert f"{team.unit.name} mengirim LKE 2026 untuk dinilai" in inbox
    first = db.session.scalar(select(Notification.id).order_by(Notification.id))
    opened = client.post(f"/notifikasi/{first}/baca")
    assert opened.status_code == 302 and opened.location.endswith(f"/penilaian/{a.id}")
    assert "aria-label=\"1 belum dibaca\"" in client.get("/notifikasi/").get_data(as_text=True)
    other = login(team.tpi_lead)
    assert other.post(f"/notifikasi/{first}/baca").status_code == 404  # not theirs
    client = login(team.tpi)
    client.post("/notifikasi/baca-semua")
    assert "count-badge" not in client.get("/notifikasi/").get_data(as_text=True)


def test_deadline_reminders_go_once(app, team, flow, smtp_server, runner):
    app.config.update(smtp_server.config, REMINDER_DAYS=[7, 1])
    a = flow.create(team.unit, team.head)  # draft: the unit still has to submit
    org.set_deadline(SYSTEM, "submit", 2026, date(2026, 3, 31))
    db.session.commit()
    assert "0 reminders" in runner.invoke(args=["notify", "due", "--today", "2026-03-20"]).output  # 11 days
    for _ in range(2):  # a timer running twice a day sends it once
        result = runner.invoke(args=["notify", "due", "--today", "2026-03-25"])
    assert result.exit_code == 0 and "0 reminders" in result.output
    assert sorted(k for k, _ in inbox_of(team.operator)) == ["deadline"]
    runner.invoke(args=["notify", "due", "--today", "2026-03-30"])  # 1 day left: the last reminder
    assert [k for k, _ in inbox_of(team.head)] == ["deadline", "deadline"]
    assert db.session.scalar(select(func.count()).select_from(SentReminder)) == 2
    subjects = [s for to, s, _ in mails(smtp_server) if to == team.head.email]
    assert subjects == ["[zi-assess] 6 hari lagi: batas pengiriman LKE Unit 1 pada 31-03-2026".replace(
        "Unit 1", a.unit.name), f"[zi-assess] 1 hari lagi: batas pengiriman LKE {a.unit.name} pada 31-03-2026"]
