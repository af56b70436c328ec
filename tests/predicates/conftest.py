"""Fixtures of the predicate tests: a decided (granted) assessment, its monitoring, sign-in, and
the test SMTP server."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.reports.conftest import decided, fill, record_prerequisites  # noqa: F401
from tests.smtp import smtp_server  # noqa: F401  (fixture)
from tests.web.conftest import login  # noqa: F401
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.models import PredicateRecord
from zi_assess.predicates import operations as ops


def held_record(unit_id):
    return db.session.scalars(select(PredicateRecord).where(PredicateRecord.unit_id == unit_id)).one()


@pytest.fixture
def monitored(decided, team, flow, fill, best_answers, actor_for):  # noqa: F811
    """The granted unit's 2028 monitoring, filled with weaker answers and concluded by the TPI."""
    held = held_record(team.unit.id)
    monitoring = ops.start_monitoring(actor_for(team.tpi_lead), held.id, 2028)
    db.session.commit()
    weak = best_answers | {i: "C" for i in ("P2.ii.b", "P2.ii.c")}
    fill(team.operator, monitoring, Layer.MANDIRI, weak)
    flow.step(team.head, monitoring, "submit")
    flow.step(team.tpi_lead, monitoring, "start_tpi_review", prefill=True)
    return held, monitoring
