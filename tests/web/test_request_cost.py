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


def test_a_signed_in_page_reads_the_account_its_unread_count_and_the_data_revision_at_once(team, flow, login):
    """One statement, the first of every signed-in request: the account with its roles, the unread
    count the header shows, the data revision the result cache keys on (each a statement before)."""
    from zi_assess.notifications import notify

    a = flow.create(team.unit, team.head)
    notify("submitted", a, [team.tpi], actor="Kepala Unit")
    db.session.commit()
    client = login(team.tpi)
    statements: list[str] = []
    listener = lambda *args: statements.append(" ".join(args[2].split()))  # noqa: E731
    for path in ("/dasbor/", f"/penilaian/{a.id}", "/rekap"):
        client.get(path)  # warm: nothing below is a first-time cost
        db.session.remove()
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            page = client.get(path)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert page.status_code == 200, path
        assert '<span class="count-badge" aria-label="1 belum dibaca">1</span>' in page.get_data(as_text=True)
        first = statements[0]
        assert "FROM user_account" in first and "FROM notification" in first and "FROM data_revision" in first
        assert not [s for s in statements[1:] if "FROM notification" in s or "FROM data_revision" in s], path


def test_notifications_written_in_the_request_count_at_once(app, team, flow):
    """The unread count read with the account is dropped as soon as the request writes one."""
    from zi_assess.audit import Actor
    from zi_assess.auth.sessions import load_user
    from zi_assess.notifications import notify
    from zi_assess.notifications import operations as ops

    a = flow.create(team.unit, team.head)
    notify("submitted", a, [team.tpi], actor="Kepala Unit")
    db.session.commit()
    cookie = f"{team.tpi.id}:{team.tpi.session_token}"
    with app.test_request_context("/dasbor/"):
        db.session.remove()
        user = load_user(cookie)
        a = db.session.merge(a)
        assert user is not None and ops.unread_count(user.id) == 1
        notify("proposed", a, [user], actor="Ketua TPI")
        db.session.flush()
        assert ops.unread_count(user.id) == 2
        db.session.commit()
    with app.test_request_context("/dasbor/"):
        db.session.remove()
        user = load_user(cookie)
        assert user is not None and ops.unread_count(user.id) == 2
        ops.mark_read(Actor(user, "127.0.0.1"))
        assert ops.unread_count(user.id) == 0
        db.session.rollback()
