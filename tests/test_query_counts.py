"""Each page reads the database a fixed number of times, whatever the number of units: the query
count of every page of the national benchmark (``make bench-scale``) is the same with a small
and a larger national data set (SQL statements counted with ``before_cursor_execute``)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, func, select

from tests.conftest import _empty_tables, sign_in
from zi_assess.audit import Actor
from zi_assess.dashboard import views as dashboard
from zi_assess.demo import DEMO_PASSWORD, YEAR
from zi_assess.demo_national import load_national
from zi_assess.extensions import db
from zi_assess.interop import operations as iops
from zi_assess.models import Assessment, Instansi, Unit, User
from zi_assess.reports import documents

#: (account, path); ASSESSMENT is the demo's decided assessment (KP Surabaya)
PAGES = [
    ("manajer.nasional@demo.zi", "/dasbor/"),
    ("tpn@demo.zi", "/dasbor/"),
    ("ketua.tpi@demo.zi", "/dasbor/"),
    ("manajer.nasional@demo.zi", f"/rekap?tahun={YEAR}&urut=area_3&arah=naik"),
    ("manajer.nasional@demo.zi", f"/rekap?tahun={YEAR}&status=proposed&urut=area_3&arah=naik&halaman=2"),
    ("manajer.nasional@demo.zi", "/rekap?status=proposed&cari=kantor&urut=pengungkit"),
    ("manajer.nasional@demo.zi", f"/rekap?instansi=PEMKOT&tahun={YEAR}&cari=contoh&urut=pengungkit"),
    ("manajer.nasional@demo.zi", f"/rekap?tahun={YEAR}"),
    ("manajer.nasional@demo.zi", f"/rekap.xlsx?tahun={YEAR}"),
    # the recap over every year, comparing two years (page and exports), an instansi's trend (issue 16)
    ("manajer.nasional@demo.zi", "/rekap?tahun="),
    ("manajer.nasional@demo.zi", f"/rekap?tahun={YEAR}&banding={YEAR - 1}&urut=unit"),
    ("manajer.nasional@demo.zi", f"/rekap.xlsx?tahun={YEAR}&banding={YEAR - 1}"),
    ("manajer.nasional@demo.zi", f"/rekap.csv?tahun={YEAR - 2}&banding={YEAR}"),
    ("manajer.nasional@demo.zi", f"/rekap?instansi=PEMKOT&tahun={YEAR}&banding={YEAR - 1}"),
    ("manajer.nasional@demo.zi", f"/rekap.xlsx?tahun={YEAR}&status=proposed"),
    ("tpn@demo.zi", "/penilaian/ASSESSMENT"),
    ("tpn@demo.zi", "/penilaian/ASSESSMENT/area/1"),
    ("kepala.surabaya@demo.zi", "/dasbor/"),
    ("API", f"/api/portalrb/pengusulan/unit-wbk?tahun={YEAR}"),
]


def _counts(app: Any, units: int) -> dict[str, int]:
    _empty_tables(db)
    load_national(units=units, years=3, echo=lambda _line: None)
    pemkot = db.session.scalar(select(Instansi.id).where(Instansi.name == "Pemerintah Kota Contoh"))
    admin = db.session.scalar(select(User).where(User.email == "admin@demo.zi"))
    _key, plain = iops.create_api_key(Actor(admin, "127.0.0.1"), pemkot, "PortalRB")
    assessment = db.session.scalar(select(Assessment.id).join(Unit).where(Unit.code == "KP-SBY"))
    db.session.commit()
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    counts = {}
    client = app.test_client()
    for email, page in PAGES:
        path = page.replace("ASSESSMENT", str(assessment)).replace("PEMKOT", str(pemkot))
        headers = {}
        if email == "API":
            headers = {"Authorization": f"Bearer {plain}"}
        else:
            client.delete_cookie("session")
            sign_in(client, db.session.scalar(select(User).where(User.email == email)), DEMO_PASSWORD)
        client.get(path, headers=headers)  # warm (criteria, templates, caches of earlier revisions)
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            statements.clear()
            response = client.get(path, headers=headers)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert response.status_code == 200, (email, path, response.status_code)
        counts[f"{email} {page}"] = len(statements)
    return counts


@pytest.mark.slow
def test_page_queries_do_not_grow_with_the_number_of_units(app, monkeypatch):
    # pages and dashboard queues as short as the small set, so the larger one is paged and cut
    monkeypatch.setattr(documents, "RECAP_PAGE_SIZE", 3)
    monkeypatch.setattr(dashboard, "QUEUE_ROWS", 2)
    small = _counts(app, 2)
    large = _counts(app, 12)
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 5 + 12  # the demo's and the larger set
    assert small == large
    assert all(n <= 12 for n in large.values()), sorted(large.items(), key=lambda kv: -kv[1])[:6]
