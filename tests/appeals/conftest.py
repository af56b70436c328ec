"""Fixtures of the sanggah tests: sign-in, the report tests' helpers for a fully assessed LKE, a
refused decision, and the year's sanggah window."""

from __future__ import annotations

from datetime import date

import pytest

from tests.reports.conftest import fill, record_prerequisites  # noqa: F401
from tests.web.conftest import login  # noqa: F401
from zi_assess.audit import SYSTEM
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.years import operations as year_ops


@pytest.fixture
def refused(team, flow, fill, best_answers, record_prerequisites):  # noqa: F811
    """team.unit's 2026 LKE taken to a TPN decision that did not grant Menuju WBK (area 2 short)."""
    weak = {i: "C" for i in ("P2.ii.b", "P2.ii.c")}
    a = flow.create(team.unit, team.head)
    fill(team.operator, a, Layer.MANDIRI, best_answers)
    flow.step(team.head, a, "submit")
    flow.step(team.tpi_lead, a, "start_tpi_review", prefill=True)
    flow.step(team.tpi_lead, a, "conclude_tpi", eligible=True, recommendation="Layak.")
    record_prerequisites(team.unit)
    flow.step(team.tpi_lead, a, "propose")
    flow.step(team.tpn, a, "start_desk", prefill=True)
    fill(team.tpn, a, Layer.TPN_DESK, weak)
    flow.step(team.tpn, a, "start_field", prefill=True)
    flow.step(team.national, a, "decide", granted=False, note="Area 2 belum memenuhi.", today=date(2026, 12, 2))
    return a


def open_window(opens: date, closes: date) -> None:
    year_ops.set_deadline(SYSTEM, "sanggah", 2026, closes, opens_on=opens)
    db.session.commit()
