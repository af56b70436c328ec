from __future__ import annotations

import pytest
from sqlalchemy import event

from zi_assess.extensions import db
from zi_assess.recap import recap_rows


def test_recap_is_scoped_sorted_and_one_query(team, flow, best_answers, make_unit):
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, flow.Layer.MANDIRI)
    flow.create(make_unit(team.instansi, code="UJI-2"), team.tpi_lead)  # nothing answered yet
    other = flow.create(team.other_unit, team.other_head)
    flow.fill(team.other_head, other, flow.Layer.MANDIRI, best_answers | {"H1.a": 2.0})
    assert team.manager.roles  # the signed-in user's roles are loaded with the user
    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        rows = recap_rows(team.manager)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert [(r.unit_code, r.total) for r in rows] == [("UJI-1", pytest.approx(100)), ("UJI-2", None)]
    assert rows[0].complete and rows[0].wbk_passed and rows[0].areas == pytest.approx((8, 7, 10, 10, 15, 10))
    admin_rows = recap_rows(team.admin, sort="unit", descending=False)
    assert [r.unit_name for r in admin_rows] == ["Unit 1", "Unit 2", "Unit 3"]
    assert recap_rows(team.admin, search="lain")[0].total == pytest.approx(100 - 17.5 + 8.75)
    assert recap_rows(team.national) == []  # nothing proposed yet
