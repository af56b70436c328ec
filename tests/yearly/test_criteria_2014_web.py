"""A past year under PermenPANRB 52/2014 (issue 16 item 5): an admin opens it with the older
criteria version, an area page is filled and scored, every page of it renders without an aspect
level, and the comparison with a 2021-criteria year stays at area level and says so."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.reports import pdfutil
from zi_assess.domain import load_criteria
from zi_assess.domain.answers import best_answers
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.models import Assessment

OLD = "permenpanrb-52-2014"


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _open_2014(client, unit, year: int = 2018):
    return client.post("/penilaian/baru", data={"unit": unit.id, "year": year, "target": "WBK", "criteria": OLD})


def test_admin_opens_a_past_year_with_the_2014_criteria(team, login):
    client = login(team.admin)
    page = client.get("/penilaian/baru")
    assert "Versi kriteria" in _text(page) and "PermenPANRB Nomor 52 Tahun 2014" in _text(page)
    unknown = client.post("/penilaian/baru", data={"unit": team.unit.id, "year": 2018, "target": "WBK",
                                                   "criteria": "permenpanrb-1-1999"})
    assert unknown.status_code == 422 and "Versi kriteria tidak dikenal" in _text(unknown)
    assert db.session.scalar(select(Assessment)) is None  # nothing created
    assert _open_2014(client, team.unit).status_code == 302
    created = db.session.scalars(select(Assessment)).one()
    assert (created.year, created.criteria_id) == (2018, OLD)
    # a unit head (not an admin) has no choice: the current version
    head = login(team.head)
    assert "Tahun 2014" not in _text(head.get("/penilaian/baru"))  # no version choice
    assert head.post("/penilaian/baru", data={"unit": team.unit.id, "year": 2027, "target": "WBK",
                                              "criteria": OLD}).status_code == 302
    assert db.session.scalars(select(Assessment).where(Assessment.year == 2027)).one().criteria_id \
        == load_criteria().id


def test_fill_a_2014_area_and_compare_with_a_2021_year(team, login, flow):
    client = login(team.admin)
    assert _open_2014(client, team.unit, 2019).status_code == 302
    old = db.session.scalars(select(Assessment).where(Assessment.year == 2019)).one()
    client = login(team.operator)
    area = client.get(f"/penilaian/{old.id}/area/4")
    text = _text(area)
    assert area.status_code == 200 and "Apakah pimpinan terlibat secara langsung" in text
    assert "Pemenuhan" not in text and "Reform" not in text  # no aspect level in 2014
    criteria = load_criteria(OLD)
    form = {f"a_{i.id.replace('.', '_')}": ("Ya" if i.kind == "choice" and "Ya" in i.scale.keys else "A")
            for i in criteria.area_indicators("4")}
    saved = client.post(f"/penilaian/{old.id}/area/4", data=form)
    assert saved.status_code in (200, 302), _text(saved)[:400]
    area = _text(client.get(f"/penilaian/{old.id}/area/4"))
    assert "10,00" in area  # area 4 at full marks: 10 of 10
    # the whole LKE answered: every page, export and report of it works without an aspect level
    flow.fill(team.operator, old, Layer.MANDIRI, best_answers(criteria) | {"1.i.a": "Tidak"})
    for path in ("", "/area/1", "/area/H", "/kesenjangan", "/riwayat"):
        response = client.get(f"/penilaian/{old.id}{path}")
        assert response.status_code == 200, path
        assert "Pemenuhan" not in _text(response), path
    overview = _text(client.get(f"/penilaian/{old.id}"))
    # the area row is followed by its sub-areas: no (empty) aspect row between them
    assert re.search(r"1\. Manajemen Perubahan 5,00 4,50 90,00 (12/12 )+i\. Tim Kerja 1,00 0,50 50,00 (2/2 )+ii\.", overview)
    hasil = _text(client.get(f"/penilaian/{old.id}/area/H"))
    assert "Nilai survei (0–4)" in hasil and "Persentase (0–100 %)" in hasil  # TLHP: a percentage entered directly
    # the Excel export follows PortalRB's layout, which 52/2014 never had: refused, and said so
    refused = client.get(f"/penilaian/{old.id}/lke.xlsx", follow_redirects=True)
    assert "tidak memiliki tata letak Excel PortalRB" in _text(refused)
    lke = client.get(f"/penilaian/{old.id}/lke.pdf")
    assert lke.status_code == 200 and lke.data.startswith(b"%PDF")
    lke_text = pdfutil.text(lke.data)
    assert "penguatan akuntabilitas" in lke_text.lower() and "pemenuhan" not in lke_text.lower()
    assert "Keterlibatan pimpinan" in lke_text and "NILAI TOTAL Bobot 100 · Nilai 99,50" in lke_text
    assert "Persentase 0–100 %" in lke_text
    lhe = client.get(f"/penilaian/{old.id}/lhe.pdf")
    lhe_text = pdfutil.text(lhe.data)
    assert lhe.status_code == 200 and "Pemenuhan" not in lhe_text
    assert "Area 4 Penguatan Akuntabilitas 10,00 10,00" in lhe_text  # the summary lists the areas
    assert "tidak ada pada versi kriteria ini" in lhe_text  # no per-area minimum line in the chart
    manager = login(team.manager)
    for path in ("/rekap", "/rekap.csv", "/rekap.xlsx"):
        assert manager.get(path).status_code == 200, path
    client = login(team.operator)
    # then a 2021-criteria year to compare with
    new = flow.create(team.unit, team.head, year=2022)
    flow.fill(team.operator, new, Layer.MANDIRI, best_answers(load_criteria()))
    compared = client.get(f"/penilaian/{new.id}/perbandingan?dengan={old.id}")
    text = _text(compared)
    assert compared.status_code == 200
    assert "tingkat area" in text  # different criteria: compared at area level, and said so
    assert "Per indikator" not in text
    # areas matched by name; the 2014 name shown where it differs; full marks both years: +0 points
    assert "Area 3 Penataan Sistem Manajemen SDM Aparatur (2019: Area 3 Penataan Sistem Manajemen SDM)" in text
    # area 1 was 4,5 of 5 (90 %) in 2019 and 8 of 8 in 2022: +10 percentage points
    assert re.search(r"Area 1 Manajemen Perubahan 4,50 / 5,00 \(90,00\W%\) 8,00 / 8,00 \(100,00\W%\) \+10,00", text)
    assert "hanya pada" not in text  # every area has its counterpart
    # the LHE's year appendix reads the earlier version's areas through the same name matching
    from zi_assess.assessments.operations import load_bundle
    from zi_assess.reports.context_years import year_comparison

    appendix = year_comparison(load_bundle(new.id), None, "id")
    assert appendix is not None and not appendix.same_criteria
    areas = {line.label: (line.before, line.now) for line in appendix.lines if line.level == "area"}
    assert areas["Area 1 Manajemen Perubahan"] == ("4,50", "8,00")
    assert all(before != "–" for before, _now in areas.values())  # every 2021 area found its 2019 one


def test_area_matching_by_name_with_unmatched_areas():
    """The 7-area test version against 52/2014: areas with the same or a longer name match
    whatever their ids; one found in one version only stays unmatched."""
    from pathlib import Path

    from zi_assess.domain.criteria import match_pages

    seven = load_criteria(Path(__file__).resolve().parents[1] / "fixtures" / "criteria" / "uji-tujuh-area")
    old = load_criteria(OLD)
    matches = match_pages(seven, old)
    assert matches["H"] == "H"
    names = {page: (seven.area(page).name, old.area(found).name) for page, found in matches.items() if page != "H"}
    assert all(a.casefold().startswith(b.casefold()) or b.casefold().startswith(a.casefold()) for a, b in names.values())
    assert "7" not in matches  # the seventh area has no 2014 counterpart
    assert match_pages(old, old) == {p: p for p in old.page_ids}
