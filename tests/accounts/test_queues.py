"""The TPI, TPN and managers' queues: search, filters, sort, paging, deadline and days left,
current score and verdict, changes since the last look, and a query count that does not grow."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from zi_assess.audit import SYSTEM
from zi_assess.clock import local_date
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.org import operations as org


def units_on(page: str) -> list[str]:
    return re.findall(r'<td><a href="/penilaian/\d+">([^<]+)</a>', page)


@pytest.fixture
def submitted(team, flow, make_unit):
    """Three submitted assessments of the team's instansi (one fully answered) and one elsewhere."""
    made = []
    for code in ("ALFA", "BETA", "GAMA"):
        unit = team.unit if code == "ALFA" else make_unit(team.instansi, code=code)
        unit.name = f"Kantor {code.title()}"
        made.append(flow.create(unit, team.tpi_lead))
    flow.fill(team.operator, made[0], Layer.MANDIRI)  # scores: complete, meets WBK
    for a in made:
        a.status = "submitted"
    other = flow.create(team.other_unit, team.other_tpi_lead)
    other.status = "submitted"
    db.session.commit()
    return made


def test_the_tpi_queue_with_filters_sort_and_scores(team, submitted, login):
    org.set_deadline(SYSTEM, "propose", 2026, local_date() + timedelta(days=5), instansi=team.instansi)
    db.session.commit()
    client = login(team.tpi)
    page = client.get("/antrean/tpi")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and sorted(units_on(html)) == ["Kantor Alfa", "Kantor Beta", "Kantor Gama"]
    assert "5 hari lagi" in html and '<span class="badge ok">ya</span>' in html
    assert units_on(client.get("/antrean/tpi?q=beta").get_data(as_text=True)) == ["Kantor Beta"]
    assert units_on(client.get("/antrean/tpi?urut=score").get_data(as_text=True))[0] == "Kantor Alfa"
    assert units_on(client.get("/antrean/tpi?urut=unit").get_data(as_text=True)) == [
        "Kantor Alfa", "Kantor Beta", "Kantor Gama"]
    assert units_on(client.get("/antrean/tpi?batas=overdue").get_data(as_text=True)) == []
    assert len(units_on(client.get("/antrean/tpi?batas=week").get_data(as_text=True))) == 3
    assert units_on(client.get("/antrean/tpi?status=draft").get_data(as_text=True)) == []
    assert units_on(client.get("/antrean/tpi?saya=1").get_data(as_text=True)) == []
    assert units_on(client.get(f"/antrean/tpi?instansi={team.other_instansi.id}").get_data(as_text=True)) == []


def test_changes_since_the_last_look_are_marked(team, submitted, login, flow):
    client = login(team.tpi)
    assert "berubah</span>" not in client.get("/antrean/tpi").get_data(as_text=True)  # first look
    flow.step(team.tpi_lead, submitted[1], "start_tpi_review")
    html = client.get("/antrean/tpi").get_data(as_text=True)
    assert re.findall(r'>([^<]+)</a>\s*<span class="badge warn">berubah', html) == ["Kantor Beta"]
    assert "berubah</span>" not in client.get("/antrean/tpi").get_data(as_text=True)  # seen now


def test_who_gets_which_queue(team, submitted, login):
    assert login(team.operator).get("/antrean/tpi").status_code == 403
    assert login(team.manager).get("/antrean/tpi").status_code == 403
    manager = login(team.manager)
    assert len(units_on(manager.get("/antrean/manager").get_data(as_text=True))) == 3
    assert login(team.tpn).get("/antrean/").location.endswith("/antrean/tpn")
    assert units_on(login(team.tpn).get("/antrean/tpn").get_data(as_text=True)) == []  # none proposed


def test_paging(team, flow, make_unit, login):
    for n in range(27):
        a = flow.create(make_unit(team.instansi, code=f"P{n:02d}"), team.tpi_lead)
        a.status = "submitted"
    db.session.commit()
    client = login(team.tpi)
    first = client.get("/antrean/tpi?urut=unit").get_data(as_text=True)
    second = client.get("/antrean/tpi?urut=unit&halaman=2").get_data(as_text=True)
    assert len(units_on(first)) == 25 and len(units_on(second)) == 2
    assert "27 penilaian" in first and "halaman 2 dari 2" in second


def _statements(app, client, url):
    count = {"n": 0}

    def before(*_args):
        count["n"] += 1

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return count["n"]


def test_the_query_count_does_not_grow_with_the_rows(app, team, flow, make_unit, login):
    org.set_deadline(SYSTEM, "propose", 2026, date(2026, 12, 31))
    client = login(team.tpi)

    def add(n):
        for _ in range(n):
            a = flow.create(make_unit(team.instansi), team.tpi_lead)
            a.status = "submitted"
        db.session.commit()

    add(2)
    few = _statements(app, client, "/antrean/tpi")
    add(20)
    many = _statements(app, client, "/antrean/tpi")
    assert few == many, (few, many)
