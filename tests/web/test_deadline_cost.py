"""What the deadline day's requests cost (issue #15 item 5), counted in SQL statements: a read of
an unchanged area page is a 304 after two queries (the account, the assessment); a note's autosave
and the read after it stay under fixed ceilings, whatever the number of answers. And the cache
rule: signed-in pages are no-store, the area page alone is kept privately and revalidated."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from tests.web.test_area_revalidation import _fields
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db

#: the account, the assessment (with its unit and instansi and the area page's revision)
REVALIDATION_QUERIES = 2
#: the account, the assessment, its answers, whether the layer was submitted, the UPDATE at the
#: version read, the audit chain (lock, last hash, row), the revisions (assessment, area page),
#: the layer's and the effective LKE's current scores (one upsert), the data revision the result
#: cache keys on (zi_assess.result_cache: bumped before the commit)
AUTOSAVE_QUERIES = 12
#: the account (with its unread notifications and the data revision the result cache keys on, in
#: one statement), the assessment, its answers, comments, evidence, current scores, whether the
#: layer was submitted (the cards are kept in the result cache, which every worker and server shares)
READ_AFTER_SAVE_QUERIES = 7


@contextmanager
def counted():
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _page(client, path):
    page = client.get(path)
    assert page.status_code == 200
    return page, _fields(page.get_data(as_text=True))


def test_a_revalidated_area_page_costs_two_queries(team, flow, login, best_answers):
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, Layer.MANDIRI, best_answers)
    client = login(team.operator)
    path = f"/penilaian/{a.id}/area/1"
    etag = client.get(path).headers["ETag"]
    db.session.remove()  # a request of its own, as under gunicorn: nothing held from the last one
    with counted() as statements:
        again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert len(statements) <= REVALIDATION_QUERIES, statements


def test_an_autosave_and_the_read_after_it_stay_within_their_query_ceilings(team, flow, login, best_answers):
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, Layer.MANDIRI, best_answers)
    client = login(team.operator)
    path = f"/penilaian/{a.id}/area/1"
    page, form = _page(client, path)
    etag = page.headers["ETag"]
    for n in range(2):  # the second save is like the first: nothing grows with the saves
        db.session.remove()
        with counted() as statements:
            saved = client.post(path + "/autosave", data=form | {"n_P1_i_a": f"catatan {n}"},
                                headers={"Accept": "application/json", "X-Requested-With": "fetch"})
        assert saved.status_code == 200 and saved.get_json()["ok"], saved.get_data(as_text=True)[:300]
        assert len(statements) <= AUTOSAVE_QUERIES, "\n".join(statements)
        form |= saved.get_json()["fields"] | {"n_P1_i_a": f"catatan {n}"}
        db.session.remove()
        with counted() as statements:
            read = client.get(path, headers={"If-None-Match": etag})
        assert read.status_code == 200 and f"catatan {n}" in read.get_data(as_text=True)
        assert len(statements) <= READ_AFTER_SAVE_QUERIES, "\n".join(statements)
        etag = read.headers["ETag"]
    # the ceilings hold with every protection on: the audit chain holds both changes with their notes
    from zi_assess.audit_chain import verify_chain

    assert verify_chain().broken is None


def test_signed_in_pages_are_no_store_except_the_area_page_revalidated_privately(team, flow, login):
    a = flow.create(team.unit, team.head)
    client = login(team.operator)
    path = f"/penilaian/{a.id}/area/1"
    assert client.get(f"/penilaian/{a.id}").headers["Cache-Control"] == "no-store"
    first = client.get(path)
    assert first.headers["Cache-Control"] == "private, no-cache" and first.headers["ETag"]
    confirmed = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert confirmed.status_code == 304 and confirmed.headers["Cache-Control"] == "private, no-cache"
    # a page with a message shown once has no validator: no-store like every other signed-in page
    _page_, form = _page(client, path)
    assert client.post(path, data=form | {"n_P1_i_a": "catatan"}).status_code == 302
    shown = client.get(path)
    assert "ETag" not in shown.headers and shown.headers["Cache-Control"] == "no-store"
    # the validator belongs to the session: after signing out and in again it confirms nothing
    out = client.post("/keluar", data={"csrf_token": _fields(client.get(path).get_data(as_text=True))["csrf_token"]})
    assert out.status_code == 302 and out.headers["Clear-Site-Data"] == '"cache"'
    again = login(team.operator)
    fresh = again.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != first.headers["ETag"]


def test_a_pooled_connection_is_pinged_only_after_sitting_idle(app, monkeypatch):
    """No round trip per request for a ping: a connection in steady use is handed out as it is (one
    closed under it fails that request once), one idle longer than PING_AFTER_IDLE_SECONDS is
    pinged and replaced when the server has closed it."""
    import pytest
    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.pool import NullPool

    from zi_assess import app as app_module

    engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL: the server ends a pooled connection")
    db.session.remove()
    killer = create_engine(engine.url, poolclass=NullPool)

    def pooled_pid_ended():
        with engine.connect() as conn:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with killer.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
        return pid

    ended = pooled_pid_ended()
    with pytest.raises(OperationalError), engine.connect() as conn:  # used just now: not pinged
        conn.exec_driver_sql("SELECT 1")
    ended = pooled_pid_ended()
    monkeypatch.setattr(app_module, "PING_AFTER_IDLE_SECONDS", 0.0)  # every connection counts as idle
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() != ended
    killer.dispose()
