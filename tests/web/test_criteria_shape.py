"""The criteria decide the shape: a test-only version with seven areas and a third predicate
(tests/fixtures/criteria/uji-tujuh-area, found through CRITERIA_PATHS) goes through opening,
the area forms, scoring, the stored scores, the workflow to a decision, the recap page, the
CSV/XLSX exports and the three PDFs — with the seventh area and the third predicate in each."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from tests.reports.pdfutil import text as pdf_text
from zi_assess.assessments import operations as ops
from zi_assess.domain import load_criteria, score, verdicts
from zi_assess.domain.answers import best_answers
from zi_assess.domain.criteria import HASIL_PAGE
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.models import AreaRevision, Assessment, CurrentScore

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "criteria"
CRITERIA_ID = "uji-tujuh-area"
AREA_7 = "Transformasi Digital Layanan"
THIRD = "Menuju Zona Prima"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "CRITERIA": CRITERIA_ID, "CRITERIA_PATHS": [str(FIXTURES)]}


@pytest.fixture
def criteria(app: Any) -> Any:
    return load_criteria(CRITERIA_ID)


@pytest.fixture
def best(criteria: Any) -> dict[str, Any]:
    return best_answers(criteria)


def page_form(criteria: Any, page: str, answers: dict[str, Any]) -> dict[str, str]:
    """What the area form posts for one page of the criteria (nothing saved yet: no versions)."""
    data = {}
    for ind in criteria.page_indicators(page):
        key = ind.id.replace(".", "_")
        value = answers[ind.id]
        if ind.kind == "percent":
            for inp in ind.inputs:
                data[f"c_{inp.key}__{key}"] = str(value[inp.key])
        else:
            data[f"a_{key}"] = str(value)
        data[f"n_{key}"] = f"catatan {ind.id}"
        data[f"v_{key}"] = ""
    return data


def csv_rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.data.decode("utf-8")[1:])))


@pytest.fixture
def opened(team: Any, login: Any, criteria: Any) -> Any:
    """The unit head opens an assessment toward the third predicate through the form."""
    client = login(team.head)
    form = client.get("/penilaian/baru").get_data(as_text=True)
    assert THIRD in form and 'value="PRIMA"' in form  # the criteria's predicates are the choices
    response = client.post("/penilaian/baru", data={"unit": team.unit.id, "year": 2026, "target": "PRIMA"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assessment = db.session.scalar(select(Assessment).where(Assessment.unit_id == team.unit.id))
    assert (assessment.criteria_id, assessment.target_predicate) == (CRITERIA_ID, "PRIMA")
    return assessment


def test_the_shipped_criteria_are_not_shadowed_and_the_fixture_is_found(app, criteria):
    assert criteria.source_dir == str(FIXTURES / CRITERIA_ID)
    assert load_criteria().id == "permenpanrb-90-2021" and len(load_criteria().areas) == 6
    assert [a.id for a in criteria.areas] == list("1234567") and criteria.page_ids[-1] == HASIL_PAGE
    assert list(criteria.predicates) == ["WBK", "WBBM", "PRIMA"]


def test_opening_refuses_a_predicate_the_criteria_do_not_have(team, login, actor_for):
    client = login(team.head)
    refused = client.post("/penilaian/baru", data={"unit": team.unit.id, "year": 2026, "target": "WBX"})
    assert refused.status_code == 422 and 'value="2026"' in refused.get_data(as_text=True)  # typed year kept
    with pytest.raises(ops.WorkflowRefused) as raised:
        ops.create_assessment(actor_for(team.head), team.unit, 2026, "WBX")
    assert raised.value.code == "predicate"
    assert db.session.scalar(select(Assessment)) is None


def test_every_page_is_a_form_and_the_stored_scores_follow_the_criteria(team, login, opened, criteria, best):
    client = login(team.operator)
    a = opened
    assert {r.area for r in db.session.scalars(select(AreaRevision).where(AreaRevision.assessment_id == a.id))} \
        == set(criteria.page_ids)
    for page in criteria.page_ids:
        body = client.get(f"/penilaian/{a.id}/area/{page}").get_data(as_text=True)
        assert f'href="/penilaian/{a.id}/area/7"' in body and AREA_7 in body  # the tabs come from the criteria
        for ind in criteria.page_indicators(page):
            assert f'id="ind-{ind.id.replace(".", "_")}"' in body
        response = client.post(f"/penilaian/{a.id}/area/{page}", data=page_form(criteria, page, best))
        assert response.status_code == 302, (page, response.get_data(as_text=True)[:500])
    assert client.get(f"/penilaian/{a.id}/area/8").status_code == 404
    assert client.get(f"/penilaian/{a.id}/area/6").status_code == 200

    db.session.expire_all()
    stored = db.session.get(CurrentScore, (a.id, "effective"))
    sheet = score(criteria, best)
    assert stored.complete and stored.answered == len(criteria.indicators) == 32
    assert stored.total == pytest.approx(100) == pytest.approx(sheet.total)
    assert stored.nodes == pytest.approx({"pengungkit": 60, "P": 30, "R": 30, "hasil": 40, "1": 8, "2": 7, "3": 10,
                                          "4": 10, "5": 10, "6": 8, "7": 7})
    assert stored.verdicts == {"WBK": True, "WBBM": True, "PRIMA": True}

    page = client.get(f"/penilaian/{a.id}/area/7").get_data(as_text=True)
    assert re.search(r"Menuju Zona Prima: <span class=\"badge ok\">", page)  # the running verdicts
    assert ">nilai 100 %</span>" in page  # the tab's own figure, from the stored nodes

    # one worse answer in area 7 fails the third predicate's area rule (90 %) and only that one
    ind = criteria.page_indicators("7")[0]
    changed = page_form(criteria, "7", best | {ind.id: "Tidak"})
    versions = ops.load_bundle(a.id).layer_answers(Layer.MANDIRI)
    changed.update({f"v_{i.id.replace('.', '_')}": str(versions[i.id].version) for i in criteria.page_indicators("7")})
    assert client.post(f"/penilaian/{a.id}/area/7", data=changed).status_code == 302
    db.session.expire_all()
    stored = db.session.get(CurrentScore, (a.id, "effective"))
    assert stored.nodes["7"] == pytest.approx(7 - 3.5 / 2) and stored.verdicts == {"WBK": True, "WBBM": True,
                                                                                   "PRIMA": False}
    overview = client.get(f"/penilaian/{a.id}").get_data(as_text=True)
    assert "Area 7 Transformasi Digital Layanan" in overview and THIRD in overview
    gap = client.get(f"/penilaian/{a.id}/kesenjangan?predikat=PRIMA").get_data(as_text=True)
    assert "Area 7 Transformasi Digital Layanan" in gap and ind.id in gap  # the failing rule and its fix


def test_a_third_predicate_goes_through_the_workflow_to_a_decision(team, flow, opened, best, record_prereq):
    a = opened
    team.unit.current_predicate = "WBBM"  # Zona Prima requires Menuju WBBM (thresholds.json)
    flow.fill(team.operator, a, Layer.MANDIRI, best)
    flow.step(team.head, a, "submit")
    flow.step(team.tpi_lead, a, "start_tpi_review", prefill=True)
    flow.step(team.tpi_lead, a, "conclude_tpi", eligible=True, recommendation="Layak.")
    record_prereq(team.unit)
    flow.step(team.tpi_lead, a, "propose")
    flow.step(team.tpn, a, "start_desk", prefill=True)
    flow.step(team.tpn, a, "start_field", prefill=True)
    flow.step(team.national, a, "decide", granted=True, today=date(2026, 12, 9))
    db.session.expire_all()
    assert db.session.get(Assessment, a.id).unit.current_predicate == "PRIMA"
    assert verdicts(score(load_criteria(CRITERIA_ID), best))["PRIMA"].passed


@pytest.fixture
def record_prereq() -> Any:
    from zi_assess.audit import SYSTEM
    from zi_assess.demo import GOOD_PREREQUISITES_INSTANSI, GOOD_PREREQUISITES_UNIT
    from zi_assess.org import operations as org

    def record(unit: Any) -> None:
        org.record_prerequisites(SYSTEM, 2026, GOOD_PREREQUISITES_INSTANSI, instansi=unit.instansi)
        org.record_prerequisites(SYSTEM, 2026, GOOD_PREREQUISITES_UNIT, unit=unit)
        db.session.commit()

    return record


@pytest.fixture
def scored(team: Any, flow: Any, opened: Any, best: dict[str, Any], criteria: Any, make_unit: Any,
           make_user: Any) -> Any:
    """Two units of the instansi: one at its best, one weak in area 7 (fails Zona Prima)."""
    flow.fill(team.operator, opened, Layer.MANDIRI, best)
    weak_unit = make_unit(team.instansi, code="UJI-2")
    head = make_user("unit_head", weak_unit)
    weak = flow.create(weak_unit, head, target="WBK")
    area_7 = {i.id for i in criteria.page_indicators("7")}
    flow.fill(head, weak, Layer.MANDIRI, {k: ("Tidak" if k in area_7 and v == "Ya" else v) for k, v in best.items()})
    return opened, weak


def test_recap_page_dashboard_and_exports_have_the_seventh_area_and_third_predicate(team, login, scored):
    client = login(team.manager)
    page = client.get("/rekap").get_data(as_text=True)
    assert 'title="Area 7 Transformasi Digital Layanan"' in page and "urut=area_7" in page
    assert f"Memenuhi {THIRD}" in page and ">PRIMA</th>" in page
    ordered = client.get("/rekap?urut=area_7&arah=naik").get_data(as_text=True)
    assert re.findall(r'<td class="recap-unit"><strong>([^<]+)</strong>', ordered) == ["UJI-2", "UJI-1"]
    assert "Urutkan menurut" in page and 'value="area_7"' in page  # a sort choice of the criteria

    dashboard = client.get("/dasbor/").get_data(as_text=True)
    assert ">A7 %</th>" in dashboard and ">PRIMA</th>" in dashboard

    rows = csv_rows(client.get("/rekap.csv?urut=unit&arah=naik"))
    header = rows[0]
    assert header[8:] == ["Nilai total", "Nilai total (presisi penuh)", "Pengungkit", "Pemenuhan", "Reform", "Hasil",
                          *(f"Area {a.id} {a.name}" for a in load_criteria(CRITERIA_ID).areas),
                          "Menuju WBK", "Menuju WBBM", THIRD, "Predikat dicabut"]
    body = {r[1]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert body["UJI-1"][f"Area 7 {AREA_7}"] == "7.00" and body["UJI-1"][THIRD] == "memenuhi"
    assert body["UJI-2"][THIRD] == "belum memenuhi" and body["UJI-2"]["Predikat tujuan"] == "WBK"
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/rekap.xlsx").data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == header and f"Area 7 {AREA_7}" in values[0]


def test_the_pdfs_have_the_seventh_area_and_third_predicate(team, login, scored):
    best_one, weak = scored
    client = login(team.manager)
    lke = client.get(f"/penilaian/{best_one.id}/lke.pdf")
    assert lke.status_code == 200 and lke.mimetype == "application/pdf"
    lke_text = pdf_text(lke.data)
    assert "P7 TRANSFORMASI DIGITAL LAYANAN" in lke_text and "R7.i.c" in lke_text and THIRD in lke_text
    assert "H1.b Persentase tindak lanjut hasil pemeriksaan (TLHP)" in lke_text

    lhe_text = pdf_text(client.get(f"/penilaian/{weak.id}/lhe.pdf").data)
    assert "Min. PRIMA" in lhe_text and f"Area 7 {AREA_7}" in lhe_text
    assert f"{THIRD} — BELUM MEMENUHI" in lhe_text
    assert "90 % untuk Menuju Zona Prima" in lhe_text  # the chart's lines, from the criteria

    recap_pdf = client.get("/rekap.pdf")
    assert recap_pdf.status_code == 200
    recap_text = pdf_text(recap_pdf.data)
    assert f"Memenuhi {THIRD}: 1" in recap_text and "A7" in recap_text and f"A7 Area 7 {AREA_7}" in recap_text


def test_a_recap_over_two_criteria_versions_has_the_columns_of_both(team, login, scored, actor_for, make_unit,
                                                                    make_user):
    from zi_assess.domain import DEFAULT_CRITERIA_ID

    shipped = load_criteria(DEFAULT_CRITERIA_ID)
    unit = make_unit(team.instansi, code="UJI-90")
    head = make_user("unit_head", unit)
    a = ops.create_assessment(actor_for(head), unit, 2026, "WBK", criteria_id=DEFAULT_CRITERIA_ID)
    ops.save_answers(actor_for(head), a.id, Layer.MANDIRI,
                     [ops.AnswerInput(k, v) for k, v in best_answers(shipped).items()])
    db.session.commit()
    rows = csv_rows(login(team.manager).get("/rekap.csv"))
    body = {r[1]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert body["UJI-90"]["Area 6 Peningkatan Kualitas Pelayanan Publik"] == "10.00"  # its own bobot 10
    assert body["UJI-1"]["Area 6 Peningkatan Kualitas Pelayanan Publik"] == "8.00"
    assert body["UJI-90"][f"Area 7 {AREA_7}"] == "" and body["UJI-90"][THIRD] == ""  # not in its criteria
    assert body["UJI-90"]["Menuju WBBM"] == "memenuhi"
    page = login(team.manager).get("/rekap?urut=area_7&arah=naik").get_data(as_text=True)
    assert re.findall(r'<td class="recap-unit"><strong>([^<]+)</strong>', page) == ["UJI-2", "UJI-1", "UJI-90"]
