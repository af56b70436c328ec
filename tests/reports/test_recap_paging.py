"""The recap page at national scale: lines shown a page at a time, while the unit count, the
average, the verdict counts and the chart cover every row; the PDF keeps every line. The
dashboard's review queues show the oldest few and how many wait, with a link to the full queue."""

from __future__ import annotations

import re

import pytest

from tests.reports import pdfutil
from zi_assess.dashboard import views as dashboard
from zi_assess.extensions import db
from zi_assess.reports import documents


def _codes(page: str) -> list[str]:
    return re.findall(r'<td class="recap-unit"><strong>([^<]+)</strong>', page)


def _big_numbers(page: str) -> list[str]:
    return re.findall(r'<p class="big-number">([^<]+)</p>', page)


@pytest.fixture
def five_units(decided, team, flow, make_unit):
    for n in range(2, 6):
        flow.create(make_unit(team.instansi, code=f"UJI-{n}"), team.tpi_lead)  # nothing answered yet
    db.session.commit()


def test_the_recap_page_is_paged_and_its_figures_cover_every_row(five_units, team, login, monkeypatch):
    monkeypatch.setattr(documents, "RECAP_PAGE_SIZE", 2)
    client = login(team.manager)
    pages = [client.get(f"/rekap?urut=unit&arah=naik&halaman={n}").get_data(as_text=True) for n in (1, 2, 3)]
    assert [_codes(p) for p in pages] == [["UJI-1", "UJI-2"], ["UJI-3", "UJI-4"], ["UJI-5"]]
    for page in pages:  # units, average (of the one scored), verdict counts: every row, on every page
        assert _big_numbers(page)[:2] == ["5", "91,90"]
        assert "<svg" in page
    assert "halaman 1 dari 3" in pages[0] and "halaman=2" in pages[0] and "Sebelumnya" not in pages[0]
    assert "halaman 3 dari 3" in pages[2] and "Berikutnya" not in pages[2]
    assert "urut=unit" in pages[1] and "halaman=3" in pages[1]  # the filters stay in the page links
    # past the last page: the last one; nonsense: the first
    assert _codes(client.get("/rekap?urut=unit&arah=naik&halaman=99").get_data(as_text=True)) == ["UJI-5"]
    assert _codes(client.get("/rekap?urut=unit&arah=naik&halaman=x").get_data(as_text=True)) == ["UJI-1", "UJI-2"]
    # a sort link starts again at the first page
    assert "halaman=" not in re.search(r'<th scope="col"><a href="([^"]+)"', pages[1]).group(1)
    text = pdfutil.text(client.get("/rekap.pdf?urut=unit&arah=naik").data)
    assert all(f"UJI-{n}" in text for n in range(1, 6))


def test_one_page_has_no_pager(decided, team, login):
    page = login(team.manager).get("/rekap").get_data(as_text=True)
    assert _codes(page) == ["UJI-1"] and "halaman 1 dari" not in page


def test_the_dashboard_queue_shows_the_oldest_and_links_the_rest(team, flow, make_unit, login, monkeypatch):
    monkeypatch.setattr(dashboard, "QUEUE_ROWS", 2)
    for n in range(3):
        a = flow.create(team.unit if n == 0 else make_unit(team.instansi, code=f"Q-{n}"), team.tpi_lead)
        a.status = "submitted"
        db.session.commit()
    page = login(team.tpi).get("/dasbor/").get_data(as_text=True)
    section = page[page.index('aria-label="Antrean TPI"'):]
    section = section[:section.index("</section>")]
    assert section.count('<tr><td><a href="/penilaian/') == 2
    assert "2 penilaian terlama dari 3" in section and 'href="/antrean/tpi"' in section
