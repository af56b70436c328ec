"""Recap exports (CSV, XLSX): one row per unit from recap_rows, same filters as the recap page, scoped, safe."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from zi_assess.audit import SYSTEM
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.models import AuditEvent
from zi_assess.org import operations as org


@pytest.fixture
def units(team, flow, best_answers):
    evil = org.create_unit(SYSTEM, team.instansi, '=AA+HYPERLINK("http://evil.example","x")', "UJI-2")
    empty = org.create_unit(SYSTEM, team.instansi, "Balai Kosong", "UJI-3")
    a = flow.create(team.unit, team.head)
    flow.fill(team.head, a, Layer.MANDIRI)
    b = flow.create(evil, team.tpi_lead)  # nothing answered: no scores yet
    flow.create(empty, team.tpi_lead, year=2025)
    other = flow.create(team.other_unit, team.other_head)
    flow.fill(team.other_head, other, Layer.MANDIRI, best_answers | {"H1.a": 2.0})
    return a, b


def read_csv(response) -> list[list[str]]:
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_has_one_row_per_visible_unit_with_full_precision(team, login, units):
    response = login(team.manager).get("/rekap.csv?tahun=")  # every year (default: the current one)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "rekap-Kementerian-Uji.csv" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][:9] == ["Instansi", "Kode unit", "Unit", "Tahun", "Predikat tujuan", "Status", "Keputusan",
                           "Lengkap", "Nilai total"]
    assert rows[0][-3:] == ["Menuju WBK", "Menuju WBBM", "Predikat dicabut"]
    body = {r[1]: r for r in rows[1:]}
    assert set(body) == {"UJI-1", "UJI-2", "UJI-3"}  # not the other instansi's unit
    assert rows[0][9] == "Nilai total (presisi penuh)"
    assert body["UJI-1"][8] == "100.00" and body["UJI-1"][9] == "100.0"  # as the app shows it, and raw
    assert body["UJI-1"][14:20] == ["8.00", "7.00", "10.00", "10.00", "15.00", "10.00"]
    assert body["UJI-1"][-3:] == ["memenuhi", "memenuhi", ""] and body["UJI-1"][7] == "ya" and body["UJI-1"][6] == ""
    assert body["UJI-2"][2] == "'=AA+HYPERLINK(\"http://evil.example\",\"x\")"  # never a live formula
    assert body["UJI-2"][8] == "" and body["UJI-2"][5] == "Penilaian mandiri"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export.recap_csv"))
    assert event.actor_id == team.manager.id and event.detail["rows"] == 3


def test_filters_and_sorting_follow_the_recap_page(team, login, units):
    client = login(team.manager)
    # every year unless the query names one (the recap's default is the current year)
    every = lambda query: query if "tahun=" in query else f"tahun=&{query}"  # noqa: E731
    codes = lambda query: [r[1] for r in read_csv(client.get(f"/rekap.csv?{every(query)}"))[1:]]  # noqa: E731
    # the recap page's own parameters (reports/forms.py RecapFilterForm) …
    assert codes("tahun=2025") == ["UJI-3"] and codes("cari=kosong") == ["UJI-3"]
    assert codes("status=draft&urut=unit&arah=naik") == ["UJI-2", "UJI-3", "UJI-1"]  # by unit name
    assert codes("urut=unit") == ["UJI-1", "UJI-3", "UJI-2"]  # descending unless arah=naik, as on the page
    assert codes(f"instansi={team.instansi.id}&urut=total&arah=turun")[0] == "UJI-1"
    assert codes("status=decided") == []
    # the same query string gives the recap page's units in the page's order
    for query in ("tahun=2025", "status=draft&urut=unit&arah=naik", "urut=unit", "cari=uji-2"):
        page = client.get(f"/rekap?{every(query)}").get_data(as_text=True)
        assert re.findall(r'<td class="recap-unit"><strong>([^<]+)</strong>', page) == codes(query), query
    # the page's download buttons carry its filters
    page = client.get("/rekap?tahun=&status=draft&urut=unit&arah=naik").get_data(as_text=True)
    for link in re.findall(r'href="(/rekap\.(?:csv|xlsx)\?[^"]+)"', page):
        assert client.get(link.replace("&amp;", "&")).status_code == 200
    csv_link = re.search(r'href="(/rekap\.csv\?[^"]+)"', page).group(1).replace("&amp;", "&")
    assert [r[1] for r in read_csv(client.get(csv_link))[1:]] == ["UJI-2", "UJI-3", "UJI-1"]
    assert re.search(r'href="/rekap\.xlsx\?[^"]*status=draft', page)
    # a hand-edited filter is refused with the reason, not silently dropped
    bad = client.get("/rekap.csv?urut=bogus&tahun=abc")
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Filter rekap tidak sah" in text and "Tahun" in text and "Urutkan" in text


def test_xlsx_matches_the_csv_and_keeps_text_as_text(team, login, units):
    client = login(team.manager)
    response = client.get("/rekap.xlsx?tahun=&urut=unit&arah=naik")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    ws = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["UJI-2", "UJI-3", "UJI-1"]
    assert rows[3][8] == 100.0 and ws["I4"].number_format == "0.00"
    assert ws["C2"].data_type == "s" and ws["C2"].value.startswith("=AA+HYPERLINK")
    csv_rows = read_csv(client.get("/rekap.csv?tahun=&urut=unit&arah=naik"))
    unquoted = [[c[1:] if c.startswith("'=") else c for c in r] for r in csv_rows[1:]]  # the CSV's guard
    assert [["" if v is None else v for v in r[:8]] for r in rows[1:]] == \
           [[r[0], r[1], r[2], int(r[3]), *r[4:8]] for r in unquoted]


def test_recap_exports_are_scoped_to_the_users_rights(team, login, units, make_user):
    assert login(team.head).get("/rekap.csv").status_code == 403
    # another instansi and one that does not exist get the same answer: not one of your choices
    for instansi_id in (team.other_instansi.id, 9999):
        refused = login(team.manager).get(f"/rekap.csv?instansi={instansi_id}")
        assert refused.status_code == 400 and "Instansi: Bukan pilihan yang sah." in refused.get_data(as_text=True)
    # the admin reads no unit's draft without a logged reason (tests/org): the national recap is empty yet
    assert read_csv(login(team.admin).get("/rekap.csv"))[1:] == []
    assert "rekap-nasional.csv" in login(team.admin).get("/rekap.csv").headers["Content-Disposition"]
    assert read_csv(login(team.national).get("/rekap.csv"))[1:] == []  # nothing proposed yet
    other_manager = make_user("manager", team.other_instansi)
    assert {r[1] for r in read_csv(login(other_manager).get("/rekap.csv"))[1:]} == {"LAIN-1"}


def test_csv_numbers_rounded_as_shown_with_a_decimal_comma_option(team, login, units):
    import math

    client = login(team.manager)
    dot = {r[1]: r for r in read_csv(client.get("/rekap.csv"))[1:]}
    total = dot["UJI-1"][8]
    assert re.fullmatch(r"\d+\.\d\d", total)  # never 28.120749999999997
    comma = client.get("/rekap.csv?desimal=koma").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(comma), delimiter=";"))
    by_code = {r[1]: r for r in rows[1:]}
    assert by_code["UJI-1"][8] == total.replace(".", ",")
    assert math.isclose(float(by_code["UJI-1"][9].replace(",", ".")), float(dot["UJI-1"][9]))
    page = client.get("/rekap").get_data(as_text=True)
    assert "desimal=koma" in page


def test_rounding_is_half_up_on_the_decimal_value():
    from zi_assess.interop.recap_export import _csv_number, _rounded

    assert _csv_number(_rounded(28.120749999999997), False) == "28.12"
    assert _csv_number(_rounded(1.335), True) == "1,34"
    assert _csv_number(_rounded(4.194999999999999), False) == "4.20"
