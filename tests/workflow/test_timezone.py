"""ZI_TIMEZONE (Asia/Jakarta): deadlines, pages, PDFs and Excel files use the users' clock, not UTC.

The database keeps UTC. Tests that must not depend on the hour they run at use a zone 14 hours
ahead of UTC against one 12 hours behind: their calendar dates differ at every moment.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from flask_babel import force_locale, format_date

from tests.conftest import sign_in as sign_in_with_code
from tests.reports import pdfutil
from zi_assess.assessments import operations as ops
from zi_assess.audit import SYSTEM
from zi_assess.clock import format_local, local_date, to_local
from zi_assess.domain.workflow import Status
from zi_assess.extensions import db
from zi_assess.years import operations as years

AHEAD, BEHIND = "Pacific/Kiritimati", "Etc/GMT+12"  # UTC+14 and UTC−12


@pytest.fixture
def app_config(app_config, request):
    marker = request.node.get_closest_marker("timezone")
    return app_config | ({"TIMEZONE": marker.args[0]} if marker else {})


def sign_in(client, user):
    sign_in_with_code(client, user)
    return client


def test_conversion_helpers(app):
    assert app.config["TIMEZONE"] == "Asia/Jakarta"
    evening = datetime(2026, 6, 30, 16, 30, tzinfo=UTC)
    assert to_local(evening).isoformat() == "2026-06-30T23:30:00+07:00"
    assert local_date(evening) == date(2026, 6, 30)
    assert local_date(datetime(2026, 6, 30, 17, 30, tzinfo=UTC)) == date(2026, 7, 1)
    assert to_local(datetime(2026, 6, 30, 17, 30)).day == 1  # SQLite's naive timestamps are UTC
    assert format_local(evening, "%d-%m-%Y %H:%M %Z") == "30-06-2026 23:30 WIB"
    assert format_local(None) == ""


def test_a_deadline_closes_at_midnight_in_jakarta_not_in_utc(team, flow):
    years.set_deadline(SYSTEM, "submit", 2026, date(2026, 6, 30))
    db.session.commit()
    on_time, late = flow.create(team.unit, team.head), flow.create(team.other_unit, team.other_head)
    flow.fill(team.operator, on_time, flow.Layer.MANDIRI)
    flow.fill(team.other_head, late, flow.Layer.MANDIRI)
    # 23:30 WIB on the closing day is 16:30 UTC: on time
    flow.step(team.head, on_time, "submit", now=datetime(2026, 6, 30, 16, 30, tzinfo=UTC))
    assert Status(on_time.status) == Status.SUBMITTED
    # 00:30 WIB the next day is still 30 June in UTC (17:30): late
    with pytest.raises(ops.WorkflowRefused) as info:
        flow.step(team.other_head, late, "submit", now=datetime(2026, 6, 30, 17, 30, tzinfo=UTC))
    assert (info.value.code, info.value.detail) == ("deadline", "submit")


@pytest.mark.timezone("UTC")
def test_the_zone_is_a_setting(team, flow):
    """The same 17:30 UTC submission is on time where the deadline is read in UTC."""
    years.set_deadline(SYSTEM, "submit", 2026, date(2026, 6, 30))
    db.session.commit()
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, flow.Layer.MANDIRI)
    flow.step(team.head, a, "submit", now=datetime(2026, 6, 30, 17, 30, tzinfo=UTC))
    assert Status(a.status) == Status.SUBMITTED


def test_pages_show_stored_times_in_wib(team, flow, client):
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, flow.Layer.MANDIRI, {"P1.i.a": "Ya"})
    page = sign_in(client, team.head).get(f"/penilaian/{a.id}/riwayat/P1.i.a")
    assert page.status_code == 200, page.status_code
    assert " WIB" in page.get_data(as_text=True) and " UTC" not in page.get_data(as_text=True)


def _dates(zone: str, locale: str) -> str:
    with force_locale(locale):
        return format_date(datetime.now(ZoneInfo(zone)).date(), "long")


@pytest.mark.timezone(AHEAD)
def test_pdfs_are_dated_in_the_configured_zone(team, flow, client, app):
    a = flow.create(team.unit, team.head)
    text = pdfutil.text(sign_in(client, team.head).get(f"/penilaian/{a.id}/lke.pdf").data)
    with app.test_request_context():
        ahead, behind = _dates(AHEAD, "id"), _dates(BEHIND, "id")
    assert ahead != behind
    assert ahead in text and behind not in text


@pytest.mark.timezone(AHEAD)
def test_excel_exports_state_the_local_time_and_zone(team, flow, client):
    a = flow.create(team.unit, team.head)
    response = sign_in(client, team.head).get(f"/penilaian/{a.id}/lke.xlsx")
    assert response.status_code == 200
    cells = [str(c.value) for row in openpyxl.load_workbook(io.BytesIO(response.data))["Info"].iter_rows()
             for c in row if c.value is not None]
    today_ahead = datetime.now(ZoneInfo(AHEAD)).strftime("%Y-%m-%d")
    stamp = next(c for c in cells if c.endswith(" +14"))
    assert stamp.startswith(today_ahead), cells
