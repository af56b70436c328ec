"""One evaluation through the browser, every role in turn (Debian Chromium, headless)."""

from __future__ import annotations

import re

import pytest

from zi_assess.audit import SYSTEM
from zi_assess.domain import load_criteria
from zi_assess.domain.workflow import Layer, Status
from zi_assess.extensions import db
from zi_assess.models import Assessment
from zi_assess.org import operations as org

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CRITERIA = load_criteria()


def choose(page, indicator_id: str, option: str) -> None:
    key = indicator_id.replace(".", "_")
    page.locator(f"#ind-{key} input[type=radio][value='{option}']").check()


def save_area(page) -> None:
    page.click("#area-form .save-bar button[type=submit]")
    page.wait_for_selector(".flash-success")


def step(page, base: str, assessment_id: int, name: str) -> None:
    page.goto(f"{base}/penilaian/{assessment_id}")
    page.locator(f"form[action$='/langkah/{name}'] button[type=submit]").click()
    page.wait_for_selector(".flash-success")


def test_a_whole_evaluation_in_the_browser(team, flow, best_answers, new_page, live_server, tmp_path):
    assessment = flow.create(team.unit, team.head)
    area1 = {i.id for i in CRITERIA.area_indicators("1")}
    flow.fill(team.operator, assessment, Layer.MANDIRI, {k: v for k, v in best_answers.items() if k not in area1})
    org.record_prerequisites(SYSTEM, 2026, {"opini_bpk": "WTP", "sakip_instansi": "BB", "indeks_rb": "BB",
                                            "spip_level": 3}, instansi=team.instansi)
    org.record_prerequisites(SYSTEM, 2026, {"layanan_utama": True, "tl_apip_bpk_persen": 100, "lhkpn_persen": 100,
                                            "lhkasn_persen": 100, "bulan_membangun_zi": 14, "sakip_unit": "BB"},
                             unit=team.unit)
    db.session.commit()
    aid = assessment.id

    # 1. The unit operator fills area 1 through the UI and uploads evidence.
    page = new_page(team.operator)
    page.goto(f"/penilaian/{aid}/area/1")
    for ind in CRITERIA.area_indicators("1"):
        if ind.kind == "choice":
            choose(page, ind.id, ind.scale.keys[0])
        else:
            key = ind.id.replace(".", "_")
            for inp in ind.inputs:
                page.fill(f"#c_{inp.key}__{key}", "3")
    page.fill("#n_P1_i_a", "SK Tim ZI Nomor 12/2026 terlampir.")
    assert page.locator("#dirty-note").is_visible()  # the unsaved-changes warning is armed
    save_area(page)
    assert page.locator("#ind-P1_i_a .badge.warn").count() == 0
    pdf = tmp_path / "sk-tim.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n")
    page.locator("#ind-P1_i_a details.add-evidence summary").click()
    page.set_input_files("#file-P1_i_a", str(pdf))
    page.fill("#title-P1_i_a", "SK Tim ZI")
    page.locator("#ind-P1_i_a button[form='evidence-form'][value='P1.i.a']").click()
    page.wait_for_selector("text=Data dukung ditambahkan")
    assert page.locator("#ind-P1_i_a .evidence a", has_text="SK Tim ZI").count() == 1

    # 2. The head checks the list and submits.
    head = new_page(team.head)
    head.goto(f"/penilaian/{aid}/kirim")
    assert "Semua 113 indikator sudah dijawab" in head.content()
    head.locator("form[action$='/langkah/submit'] button").click()
    head.wait_for_selector("text=Langkah berhasil")

    # 3. TPI starts from the unit's answers, changes two and returns one indicator.
    tpi = new_page(team.tpi)
    step(tpi, live_server, aid, "start_tpi_review")
    tpi.goto(f"/penilaian/{aid}/area/1")
    assert tpi.locator("#ind-P1_i_a .badge.info", has_text="disalin").count() == 1
    choose(tpi, "P1.i.b", "B")
    choose(tpi, "P1.iii.a", "C")
    tpi.fill("#k_P1_i_a", "SK belum ditandatangani pimpinan.")
    tpi.check("#f_P1_i_a")
    save_area(tpi)
    assert tpi.locator("#ind-P1_i_b tr.differs").count() == 1
    tpi.goto(f"/penilaian/{aid}")
    tpi.fill("form[action$='/langkah/return_to_unit'] textarea[name=note]", "Perbaiki SK Tim.")
    tpi.locator("form[action$='/langkah/return_to_unit'] button").click()
    tpi.wait_for_selector("text=Langkah berhasil")

    # 4. The unit fixes it and resubmits.
    page.goto(f"/penilaian/{aid}/area/1")
    assert page.locator("#ind-P1_i_a.has-fix").count() == 1
    page.fill("#alasan", "Perbaikan sesuai catatan TPI.")  # the layer was submitted once
    page.fill("#n_P1_i_a", "SK Tim ZI yang sudah ditandatangani terlampir.")
    save_area(page)
    head.goto(f"/penilaian/{aid}/kirim")
    head.locator("form[action$='/langkah/resubmit'] button").click()
    head.wait_for_selector("text=Langkah berhasil")

    # 5. The TPI lead concludes and proposes.
    lead = new_page(team.tpi_lead)
    lead.goto(f"/penilaian/{aid}")
    form = lead.locator("form[action$='/langkah/conclude_tpi']")
    form.locator("input[value=ya]").check()
    form.locator("textarea[name=recommendation]").fill("Layak diusulkan ke TPN.")
    form.locator("button").click()
    lead.wait_for_selector("text=Langkah berhasil")
    step(lead, live_server, aid, "propose")

    # 6. TPN scores at the desk (surveys) and in the field.
    tpn = new_page(team.tpn)
    step(tpn, live_server, aid, "start_desk")
    tpn.goto(f"/penilaian/{aid}/area/H")
    tpn.fill("#a_H1_a", "3.7")
    tpn.fill("#a_H2_a", "3.5")
    save_area(tpn)
    step(tpn, live_server, aid, "start_field")
    tpn.goto(f"/penilaian/{aid}/area/H")
    tpn.fill("#a_H2_a", "3.4")
    save_area(tpn)

    # 7. The national manager decides; the instansi's manager sees the verdict.
    national = new_page(team.national)
    national.goto(f"/penilaian/{aid}")
    decide = national.locator("form[action$='/langkah/decide']")
    decide.locator("input[value=ya]").check()
    decide.locator("input[name=confirm]").check()
    decide.locator("button").click()
    national.wait_for_selector("text=Langkah berhasil")

    manager = new_page(team.manager)
    manager.goto("/dasbor/")
    row = manager.locator("tr", has_text=team.unit.name)
    assert "Diputuskan" in row.inner_text()
    manager.goto(f"/penilaian/{aid}")
    body = manager.content()
    assert "Menuju WBK" in body and "Memenuhi" in body
    db.session.expire_all()
    final = db.session.get(Assessment, aid)
    assert final.status == Status.DECIDED and final.decision_granted
    total = re.search(r'class="big-number">([\d,]+)', body).group(1)
    assert total == manager.locator(".big-number").first.inner_text().split()[0]


def test_phone_layout_has_no_horizontal_scroll(team, draft_for_browser, new_page):
    page = new_page(team.operator, 390, 844)
    for path in ("/dasbor/", f"/penilaian/{draft_for_browser.id}", f"/penilaian/{draft_for_browser.id}/area/5"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, path


def test_keyboard_reaches_the_answers(team, draft_for_browser, new_page):
    page = new_page(team.operator)
    page.goto(f"/penilaian/{draft_for_browser.id}/area/1")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "radio":
            break
    assert page.evaluate("document.activeElement.name") == "a_P1_i_a"
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.querySelector('input[name=a_P1_i_a]:checked').value") == "Tidak"
    unlabeled = page.evaluate("""[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
        .filter(el => !el.labels?.length && !el.getAttribute('aria-label') && !el.closest('fieldset legend, label'))
        .filter(el => !(el.type === 'radio' && el.closest('fieldset')))
        .map(el => el.name || el.id)""")
    assert unlabeled == []


@pytest.fixture
def draft_for_browser(team, flow):
    return flow.create(team.unit, team.head)
