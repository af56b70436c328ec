"""What every page costs besides its own work (issue #15: the common per-request cost)."""

from __future__ import annotations

from sqlalchemy import event

from zi_assess.authz import allowed
from zi_assess.extensions import db


def test_a_reader_without_units_is_refused_creation_without_a_query(app, team):
    """The layout asks ``can("assessment.create")`` on every page: for a TPN or a manager the answer
    is known from the roles alone."""
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    db.session.commit()
    assert team.tpn.roles and team.national.roles and team.head.roles  # loaded with the user, as a request does
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert not allowed(team.tpn, "assessment.create")
        assert not allowed(team.national, "assessment.create")
        assert statements == []
        assert allowed(team.head, "assessment.create")  # a unit head: the unit is looked up
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(statements) == 1 and "FROM unit" in statements[0]
