"""The versioned result cache (zi_assess.result_cache): hits, invalidation by every kind of write,
the read-first rule, reader scopes, Redis shared between apps, Redis down, switched off."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select, text

from tests.conftest import sign_in
from zi_assess import create_app, result_cache
from zi_assess.extensions import db
from zi_assess.models import AuditEvent, Instansi, Notification, Unit
from zi_assess.models.base import utcnow
from zi_assess.recap import recap_rows
from zi_assess.result_cache import LocalStore, cached, written_tables

REDIS_DB = 13  # this test module's own Redis database (flushed by the fixture)
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"


def stored_revision() -> tuple[int, str] | None:
    """The data_revision row as another connection sees it (committed state)."""
    with db.engine.connect() as conn:
        row = conn.execute(text("SELECT revision, epoch FROM data_revision WHERE id = 1")).first()
    return (row[0], row[1]) if row else None


class Counter:
    """A computation that says how often it ran."""

    def __init__(self, value: Any = "v") -> None:
        self.value, self.runs = value, 0

    def __call__(self) -> Any:
        self.runs += 1
        return f"{self.value}{self.runs}"


@pytest.fixture
def written(make_instansi):
    """A first committed write, so the revision row exists (each test starts from empty tables)."""
    instansi = make_instansi("Awal")
    db.session.commit()
    assert stored_revision() is not None
    return instansi


# -- which statements write what -------------------------------------------------------------------


@pytest.mark.parametrize(("statement", "tables"), [
    ("SELECT * FROM assessment FOR UPDATE", set()),
    ("INSERT INTO assessment (id) VALUES (1)", {"assessment"}),
    ('DELETE FROM "unit" WHERE id = 1', {"unit"}),
    ("UPDATE answer SET note = 'x' FROM assessment WHERE answer.assessment_id = assessment.id",
     {"answer", "assessment"}),
    ("DELETE FROM answer USING current_score WHERE 1 = 1", {"answer", "current_score"}),
    ("COPY current_score (id, total) FROM STDIN", {"current_score"}),
    ("COPY (SELECT * FROM unit) TO STDOUT", set()),
    ("TRUNCATE audit_event, public.instansi, unit RESTART IDENTITY CASCADE", {"audit_event", "instansi", "unit"}),
    ("WITH gone AS (DELETE FROM predicate_record RETURNING id) SELECT count(*) FROM gone", {"predicate_record"}),
    ("INSERT INTO notification (user_id) SELECT id FROM unit ON CONFLICT DO NOTHING", {"notification"}),
])
def test_the_tables_a_statement_writes(statement, tables):
    assert set(written_tables(statement)) == tables
    assert result_cache.writes_watched(statement) == bool(tables & result_cache.WATCHED_TABLES)


# -- hits, misses and every kind of write ----------------------------------------------------------


def test_a_result_is_computed_once_per_revision(app, written):
    compute = Counter()
    assert cached("t", 1, compute) == "v1"
    assert cached("t", 1, compute) == "v1" and compute.runs == 1
    assert cached("t", 2, compute) == "v2"  # another key
    cache = result_cache.the_cache()
    assert cache is not None and cache.hits == 1 and cache.misses == 2


def test_an_orm_write_bumps_the_revision(app, written):
    compute, before = Counter(), stored_revision()
    cached("t", 1, compute)
    written.name = "Diubah"
    db.session.commit()
    assert stored_revision()[0] == before[0] + 1
    assert cached("t", 1, compute) == "v2"


def test_raw_sql_and_core_writes_bump_the_revision(app, written):
    compute, before = Counter(), stored_revision()
    cached("t", 1, compute)
    db.session.commit()
    db.session.execute(text("UPDATE instansi SET name = 'Lewat SQL' WHERE id = :id"), {"id": written.id})
    db.session.commit()
    assert stored_revision()[0] == before[0] + 1
    assert cached("t", 1, compute) == "v2"
    db.session.commit()
    with db.engine.begin() as conn:  # no session at all
        conn.execute(Instansi.__table__.update().values(name="Lewat Core"))
    assert stored_revision()[0] == before[0] + 2
    assert cached("t", 1, compute) == "v3"


def test_bulk_writes_of_the_national_loader_bump_the_revision(app, written):
    """COPY on PostgreSQL goes through the driver's own cursor; executemany elsewhere."""
    from zi_assess.demo_bulk import BulkWriter

    before = stored_revision()
    writer = BulkWriter()
    first = writer.next_id(Unit)
    writer.write(Unit, [{"id": first + n, "instansi_id": written.id, "parent_id": None, "name": f"Bulk {n}",
                         "code": f"BULK-{n}", "unit_type": "umum", "is_active": True, "created_at": utcnow()}
                        for n in range(3)])
    db.session.commit()
    assert stored_revision()[0] == before[0] + 1
    assert db.session.query(Unit).filter(Unit.code.like("BULK-%")).count() == 3


def test_writes_elsewhere_and_rollbacks_leave_the_revision(app, written, make_user):
    user = make_user()
    db.session.commit()
    before = stored_revision()
    db.session.add(Notification(user_id=user.id, kind="test", params={}))
    db.session.commit()  # notification: no cached result reads it
    written.name = "Dibatalkan"
    db.session.flush()
    db.session.rollback()
    assert stored_revision() == before


def test_a_transaction_that_wrote_computes_without_the_cache(app, written):
    compute = Counter()
    written.name = "Belum disimpan"  # unflushed
    assert cached("t", 1, compute) == "v1"
    db.session.flush()  # flushed, not committed: other readers must never get what it sees
    assert cached("t", 1, compute) == "v2"
    db.session.rollback()
    assert cached("t", 1, compute) == "v3" and cached("t", 1, compute) == "v3"


def test_the_revision_is_read_before_the_result_is_computed(app, written):
    """A writer committing during the computation: the result is stored under the revision read
    before, so the next transaction (new revision) computes again: never stale under a newer key."""
    runs = []

    def compute() -> str:
        runs.append(1)
        if len(runs) == 1:
            with db.engine.begin() as conn:  # another transaction commits meanwhile
                conn.execute(Instansi.__table__.update().values(name="Sementara itu"))
        return f"v{len(runs)}"

    assert cached("t", 1, compute) == "v1"
    assert cached("t", 1, compute) == "v1"  # same transaction, same revision
    db.session.commit()
    assert cached("t", 1, compute) == "v2"


def test_an_emptied_table_starts_a_new_epoch(app, written):
    compute = Counter()
    cached("t", 1, compute)
    old = stored_revision()
    db.session.commit()
    db.session.execute(text("DELETE FROM data_revision"))
    written.name = "Setelah pemulihan"
    db.session.commit()
    new = stored_revision()
    assert new is not None and new[1] != old[1] and new[0] == 1
    assert cached("t", 1, compute) == "v2"


# -- scopes: what restricts rows is in the key --------------------------------------------------------


def test_readers_never_see_rows_cached_for_another_scope(app, team, flow):
    mine = flow.create(team.unit, team.head)
    theirs = flow.create(team.other_unit, team.other_head)
    flow.fill(team.operator, mine, flow.Layer.MANDIRI)
    flow.fill(team.other_head, theirs, flow.Layer.MANDIRI)
    ours = recap_rows(team.manager)  # cached for the instansi manager's scope
    assert [r.unit_code for r in ours] == ["UJI-1"]
    assert [r.unit_code for r in recap_rows(team.other_tpi_lead)] == ["LAIN-1"]
    assert [r.unit_code for r in recap_rows(team.manager)] == ["UJI-1"]
    assert recap_rows(team.national) == []  # nothing proposed: the national scope is its own key


def test_cached_pages_follow_the_reader_and_the_data(app, client, team, flow):
    a = flow.create(team.unit, team.head)
    other = flow.create(team.other_unit, team.other_head)
    flow.fill(team.operator, a, flow.Layer.MANDIRI)
    flow.fill(team.other_head, other, flow.Layer.MANDIRI)
    db.session.get(Unit, team.unit.id).name = "Balai Kita"
    db.session.get(Unit, team.other_unit.id).name = "Dinas Mereka"
    db.session.commit()
    sign_in(client, team.manager)
    for _ in range(2):  # computed, then served from the cache
        page = client.get("/rekap?tahun=2026").get_data(as_text=True)
        assert "Balai Kita" in page and "Dinas Mereka" not in page
    assert "Dinas Mereka" not in client.get("/dasbor/").get_data(as_text=True)
    client.post("/keluar")
    sign_in(client, team.other_tpi_lead)  # the same query string, another instansi
    page = client.get("/rekap?tahun=2026").get_data(as_text=True)
    assert "Dinas Mereka" in page and "Balai Kita" not in page
    client.post("/keluar")
    db.session.get(Unit, team.unit.id).name = "Balai Berganti Nama"
    db.session.commit()
    sign_in(client, team.manager)
    page = client.get("/rekap?tahun=2026").get_data(as_text=True)
    assert "Balai Berganti Nama" in page and "Balai Kita" not in page
    assert "csrf_token" not in result_cache_values(app)


def result_cache_values(app: Any) -> str:
    """Everything the local store holds, as text (to show no CSRF token is ever cached)."""
    cache = app.extensions[result_cache.EXTENSION]
    return " ".join(str(value) for value, _size in cache.local._items.values())


def test_the_recap_export_is_built_once_per_revision(app, client, team, flow, monkeypatch):
    from zi_assess.interop import views

    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, flow.Layer.MANDIRI)
    built = []
    real = views.to_xlsx
    monkeypatch.setattr(views, "to_xlsx", lambda *args, **kw: built.append(1) or real(*args, **kw))
    sign_in(client, team.manager)
    first = client.get("/rekap.xlsx?tahun=2026")
    assert first.status_code == 200 and client.get("/rekap.xlsx?tahun=2026").data == first.data
    assert len(built) == 1
    db.session.get(Unit, team.unit.id).name = "Nama Baru"
    db.session.commit()
    assert client.get("/rekap.xlsx?tahun=2026").data != first.data and len(built) == 2
    # every download is audited with the rows of the file it got, the cached ones too
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.recap_xlsx")
                                .order_by(AuditEvent.id)).all()
    assert [(e.actor_id, e.detail["rows"]) for e in events] == [(team.manager.id, 1)] * 3


# -- storage: local bounds, Redis shared, Redis down, switched off -----------------------------------------


def test_the_local_store_is_bounded_in_entries_and_bytes():
    store = LocalStore(max_entries=3, max_bytes=1000)
    for n in range(5):
        store.put(f"k{n}", n, 10)
    assert len(store) == 3 and store.get("k0") == (False, None) and store.get("k4") == (True, 4)
    store.put("big", "x", 200)
    store.put("bigger", "y", 200)
    assert store.bytes <= 1000
    store.put("huge", "z", 600)  # more than a quarter of the store: not kept
    assert store.get("huge") == (False, None)


@pytest.fixture
def redis_db():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    yield client
    client.flushdb()


def test_redis_shares_results_between_apps(app_config, redis_db, make_instansi):
    first = create_app({**app_config, "REDIS_URL": REDIS_URL})
    second = create_app({**app_config, "REDIS_URL": REDIS_URL})
    with first.app_context():
        make_instansi("Bersama")
        db.session.commit()
        one = Counter("satu")
        assert cached("shared", 1, one) == "satu1"
    assert any(b":shared:" in key for key in redis_db.keys())
    with second.app_context():
        two = Counter("dua")
        assert cached("shared", 1, two) == "satu1" and two.runs == 0  # read from Redis
        db.session.execute(text("UPDATE instansi SET name = 'Berubah'"))
        db.session.commit()
        assert cached("shared", 1, two) == "dua1"
    with first.app_context():
        assert cached("shared", 1, one) == "dua1" and one.runs == 1  # the other app's result
        db.session.remove()
    for app in (first, second):
        with app.app_context():
            db.engine.dispose()


def test_a_redis_that_is_down_means_computing(app_config, make_instansi):
    down = create_app({**app_config, "REDIS_URL": "redis://127.0.0.1:1/0", "RESULT_CACHE_REDIS_TIMEOUT": 0.2})
    with down.app_context():
        make_instansi("Tanpa Redis")
        db.session.commit()
        compute = Counter()
        assert cached("t", 1, compute) == "v1"
        assert cached("t", 1, compute) == "v1"  # the local store still serves it
        cache = down.extensions[result_cache.EXTENSION]
        assert cache.redis() is None  # left alone for a while after the failure
        db.session.remove()
        db.engine.dispose()


def test_switched_off_everything_is_computed(app_config, make_instansi):
    off = create_app({**app_config, "RESULT_CACHE": False})
    with off.app_context():
        make_instansi("Mati")
        db.session.commit()
        compute = Counter()
        assert [cached("t", 1, compute) for _ in range(3)] == ["v1", "v2", "v3"]
        db.session.remove()
        db.engine.dispose()


def test_the_switch_reads_the_environment(app_config, monkeypatch):
    monkeypatch.setenv("ZI_RESULT_CACHE", "false")
    config = {k: v for k, v in app_config.items() if k != "RESULT_CACHE"}
    assert create_app(config).extensions[result_cache.EXTENSION].enabled is False


def test_the_overview_tree_lives_as_long_as_the_assessment_revision(app, client, team, flow):
    a = flow.create(team.unit, team.head)
    cache = app.extensions[result_cache.EXTENSION]
    sign_in(client, team.head)

    def overview() -> str:
        """The page without its forms' CSRF tokens (signed anew every second)."""
        page = client.get(f"/penilaian/{a.id}").get_data(as_text=True)
        return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', page)

    empty = overview()
    hits = cache.hits
    assert overview() == empty
    # the scores, the tree, the score card, the verdicts, the steps (per assessment revision), the
    # history (per its rows), Tabel 5 and the heading (per data revision)
    assert cache.hits == hits + 8
    db.session.execute(text("UPDATE unit SET name = name"))  # a write elsewhere: the first six are kept
    db.session.commit()
    client.get(f"/penilaian/{a.id}")
    assert cache.hits == hits + 14  # (Tabel 5 and the heading read the unit: computed again)
    flow.fill(team.operator, a, flow.Layer.MANDIRI)  # answers: a new assessment revision
    filled = overview()
    assert filled != empty and cache.hits == hits + 15  # (the history has the same rows)
