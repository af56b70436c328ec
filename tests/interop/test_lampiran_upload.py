"""A unit uploads the Lampiran III workbook it has: report first, then answers, notes and evidence
links in one confirmed step; again changes nothing; any error changes nothing."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.interop.test_excel_import import answer_state, audit_count, layer_values, upload
from tests.interop.test_lampiran_import import ANSWERS, EVIDENCE, NOTES, drift, make
from zi_assess.assessments.loading import load_bundle
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.models import Evidence, EvidenceLink

CSS = Path(__file__).resolve().parents[2] / "zi_assess" / "static" / "css" / "app.css"


@pytest.fixture
def draft(team, flow):
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, Layer.MANDIRI, {"P1.i.a": "Tidak", "P1.i.b": "C"})
    return a


def links_of(a) -> list[tuple[str, str, str]]:
    return [tuple(r) for r in db.session.execute(
        select(Evidence.url, Evidence.title, EvidenceLink.indicator_id).join(EvidenceLink)
        .where(Evidence.assessment_id == a.id, Evidence.removed_at.is_(None))
        .order_by(Evidence.url, EvidenceLink.indicator_id))]


def test_a_drifted_lampiran_copy_is_reported_then_imported_once(team, login, draft, tmp_path):
    client = login(team.operator)
    data, _rows = make(drift, harus="typed")
    response = upload(client, draft, data, "form kuesioner ZI 2026.xlsx")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    page = html.unescape(client.get(response.location).get_data(as_text=True))
    assert "Tata letak: Lampiran III PermenPANRB 90/2021 (lembar \"LKE ZI\")" in page
    assert "dibaca ke lapis Mandiri (kolom K dan O)" in page
    assert "'LKE ZI'!L26" in page and "Rumus berkas menghasilkan 0,00, menurut peraturan 1,00" in page
    assert "1 indikator tidak ditemukan di berkas" in page and "P1.ii.b" in page
    assert "Bukti dukung yang akan ditautkan" in page and "https://elhkpn.kpk.go.id/rekap" in page
    assert "110 baru, 2 berubah, 0 catatan" in page  # P1.i.a and P1.i.b were answered before
    (tmp_path / "report.html").write_text(page.replace('href="/static/css/app.css', f'href="file://{CSS}'))

    assert client.post(response.location).status_code == 302
    stored = layer_values(draft)
    assert stored == {k: v for k, v in ANSWERS.items() if k != "P1.ii.b"}
    answers = load_bundle(draft.id).layer_answers(Layer.MANDIRI)
    assert answers["P1.i.b"].note == NOTES["P1.i.b"] and answers["R5.iii.a"].note == NOTES["R5.iii.a"]
    assert links_of(draft) == [
        ("https://drive.example.go.id/zi/lhkpn", "Rekap LHKPN", "R5.iii.a"),
        ("https://drive.example.go.id/zi/sk-tim", "SK Tim Kerja ZI", "P1.i.a"),
        ("https://elhkpn.kpk.go.id/rekap", "Rekap LHKPN", "R5.iii.a")]
    assert audit_count("evidence.add") == 3 and audit_count("answer.import") == 1

    state, audits = answer_state(draft), audit_count("answer.change", "answer.note", "answer.import", "evidence.add")
    again = upload(client, draft, data)
    page = client.get(again.location).get_data(as_text=True)
    assert "Semua jawaban di berkas sudah sama" in page and "Bukti dukung yang akan ditautkan" not in page
    assert "Tidak ada perubahan" in client.post(again.location, follow_redirects=True).get_data(as_text=True)
    assert answer_state(draft) == state and len(links_of(draft)) == 3
    assert audit_count("answer.change", "answer.note", "answer.import", "evidence.add") == audits


def test_a_lampiran_file_with_an_error_imports_nothing_and_names_the_cell(team, login, draft, tmp_path):
    def bad(rows):
        rows[[r.node for r in rows].index("P2.ii.a")].cells["K"] = "F"
    client = login(team.operator)
    data, rows = make(bad)
    state = answer_state(draft)
    response = upload(client, draft, data)
    page = html.unescape(response.get_data(as_text=True))
    row = [r.node for r in rows].index("P2.ii.a") + 1
    assert response.status_code == 422 and "Tidak ada yang diimpor" in page
    assert f"'LKE ZI'!K{row}" in page and "'F' bukan pilihan jawaban soal ini (A, B, C)." in page
    assert answer_state(draft) == state and links_of(draft) == []
    assert not list((tmp_path / "store" / "imports").glob("*.xlsx"))


def test_the_report_speaks_english(team, login, draft, make_user):
    english = make_user("unit_operator", team.unit, locale="en")
    client = login(english)
    data, _rows = make(drift, harus="typed")
    page = html.unescape(client.get(upload(client, draft, data).location).get_data(as_text=True))
    assert "Layout: Lampiran III of PermenPANRB 90/2021 (sheet \"LKE ZI\")" in page
    assert "'LKE ZI'!L26" in page and "The file's formula gives 0.00, the regulation 1.00" in page
    assert "Rumus berkas" not in page
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_a_link_already_in_the_layer_is_not_added_again(team, login, draft, actor_for):
    from zi_assess.evidence import operations as evidence_ops

    evidence_ops.add_link(actor_for(team.operator), draft.id, ["P1.i.a"], EVIDENCE["P1.i.a"][1], "SK lama")
    db.session.commit()
    client = login(team.operator)
    response = upload(client, draft, make()[0])
    page = html.unescape(client.get(response.location).get_data(as_text=True))
    assert page.count("https://drive.example.go.id/zi/sk-tim") == 0  # already there, on the same indicator
    client.post(response.location)
    assert [r for r in links_of(draft) if "sk-tim" in r[0]] == [(EVIDENCE["P1.i.a"][1], "SK lama", "P1.i.a")]
