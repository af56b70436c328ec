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
        first = len(statements)
        assert recap_rows(team.manager) == rows  # the same result again: from the result cache
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # the data revision the result cache keys on (read once per transaction), then the one recap query;
    # the second call reads nothing
    assert first == len(statements) == 2 and "data_revision" in statements[0]
    assert [(r.unit_code, r.total) for r in rows] == [("UJI-1", pytest.approx(100)), ("UJI-2", None)]
    assert rows[0].complete and rows[0].passed("WBK") and rows[0].passed("WBBM")
    assert [rows[0].nilai(a) for a in "123456"] == pytest.approx([8, 7, 10, 10, 15, 10])
    assert rows[0].nilai("pengungkit") == pytest.approx(60) and rows[0].persen("5") == pytest.approx(100)
    assert rows[1].nilai("1") is None and rows[1].passed("WBK") is None
    # the admin reads no draft without a logged reason (tests/org): like the national manager here
    assert recap_rows(team.admin, sort="unit", descending=False) == []
    assert recap_rows(team.other_tpi_lead, search="lain")[0].total == pytest.approx(100 - 17.5 + 8.75)
    assert recap_rows(team.national) == []  # nothing proposed yet


def test_recap_sorts_by_an_area_or_a_component_stored_as_json(team, flow, best_answers, make_unit, make_user):
    strong_area_1 = flow.create(team.unit, team.head)
    flow.fill(team.operator, strong_area_1, flow.Layer.MANDIRI)
    second = make_unit(team.instansi, code="UJI-2")
    head = make_user("unit_head", second)
    weak_area_1 = flow.create(second, head)
    flow.fill(head, weak_area_1, flow.Layer.MANDIRI, best_answers | {"P1.i.a": "Tidak", "H1.a": 4.0})
    flow.create(make_unit(team.instansi, code="UJI-3"), team.tpi_lead)  # not scored: always last
    by_area = [r.unit_code for r in recap_rows(team.manager, sort="area_1", descending=False)]
    assert by_area == ["UJI-2", "UJI-1", "UJI-3"]
    assert [r.unit_code for r in recap_rows(team.manager, sort="area_1")] == ["UJI-1", "UJI-2", "UJI-3"]
    assert [r.unit_code for r in recap_rows(team.manager, sort="pengungkit", descending=False)][:2] == \
        ["UJI-2", "UJI-1"]
    # a key that is no node sorts nothing differently from the total, and is never SQL
    assert [r.unit_code for r in recap_rows(team.manager, sort="1'); DROP TABLE unit; --")][-1] == "UJI-3"
