"""Every role's pages in Chromium: the return loop, the outcome, and a 390 px phone check."""

from __future__ import annotations

import pytest

from zi_assess.assessments import operations as ops
from zi_assess.audit import SYSTEM, Actor
from zi_assess.extensions import db
from zi_assess.org import operations as org

pytestmark = [pytest.mark.browser, pytest.mark.slow]
GOOD_INSTANSI = {"opini_bpk": "WTP", "sakip_instansi": "BB", "indeks_rb": "BB", "spip_level": 3}
GOOD_UNIT = {"layanan_utama": True, "tl_apip_bpk_persen": 100, "lhkpn_persen": 100, "lhkasn_persen": 100,
             "bulan_membangun_zi": 13, "sakip_unit": "BB"}


def test_the_return_loop_in_the_browser(team, flow, new_page):
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, flow.Layer.MANDIRI)
    flow.step(team.head, a, "submit")
    flow.step(team.tpi_lead, a, "start_tpi_review", prefill=True)
    ops.add_comment(Actor(team.tpi), a.id, "P3.ii.a", "Unggah SK pola mutasi.", needs_fix=True)
    db.session.commit()
    flow.step(team.tpi, a, "return_to_unit", note="Satu indikator perlu diperbaiki.")

    unit = new_page(team.operator)
    panel = unit.locator(".fix-panel")
    assert "Unggah SK pola mutasi." in panel.inner_text()  # on the dashboard, without scrolling a 3,700 px page
    unit.goto(f"/penilaian/{a.id}")
    assert unit.locator(".fix-panel").bounding_box()["y"] < 700
    unit.locator(".fix-panel a", has_text="P3.ii.a").click()
    unit.wait_for_url("**/area/3#ind-P3_ii_a")
    assert unit.locator(".area-tabs a[aria-current=page] .tab-fix").inner_text() == "1 perbaiki"
    assert "perlu diperbaiki" in unit.locator("#ind-P3_ii_a .indicator-head").inner_text()
    unit.fill("#alasan", "Perbaikan sesuai catatan TPI.")  # the layer was submitted once
    unit.fill("#n_P3_ii_a", "SK pola mutasi sudah diunggah.")
    unit.wait_for_selector("#save-state.ok")

    flow.step(team.head, a, "resubmit")
    reviewer = new_page(team.tpi)
    reviewer.goto(f"/penilaian/{a.id}")
    changed = reviewer.locator("section[aria-labelledby=h-changed]").inner_text()
    assert "P3.ii.a" in changed and "catatan" in changed


def test_the_outcome_in_the_browser(team, flow, new_page):
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, flow.Layer.MANDIRI)
    flow.step(team.head, a, "submit")
    flow.step(team.tpi_lead, a, "start_tpi_review", prefill=True)
    flow.step(team.tpi_lead, a, "conclude_tpi", eligible=True, recommendation="Layak.")
    org.record_prerequisites(SYSTEM, 2026, GOOD_INSTANSI, instansi=team.instansi)
    org.record_prerequisites(SYSTEM, 2026, GOOD_UNIT, unit=team.unit)
    db.session.commit()
    flow.step(team.tpi_lead, a, "propose")
    flow.step(team.tpn, a, "start_desk", prefill=True)
    flow.step(team.tpn, a, "start_field", prefill=True)
    national = new_page(team.national)
    national.goto(f"/penilaian/{a.id}")
    decide = national.locator("#step-decide")
    assert "memenuhi syarat nilai Menuju WBK" in decide.inner_text()
    decide.locator("input[value=ya]").check()
    decide.locator("button").click()  # no confirmation ticked: refused, choice kept
    assert national.locator("#step-decide input[value=ya]").is_checked()
    national.locator("#step-decide input[name=confirm]").check()
    national.locator("#step-decide button").click()
    national.wait_for_selector("text=Langkah berhasil")
    unit = new_page(team.head)
    assert "Predikat Menuju WBK diberikan" in unit.inner_text("main")
    unit.goto(f"/penilaian/{a.id}")
    assert "Predikat Menuju WBK diberikan" in unit.inner_text("#h-outcome")


def test_every_main_page_fits_a_390_px_phone(team, flow, new_page, tmp_path):
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, flow.Layer.MANDIRI)
    other = flow.create(team.other_unit, team.other_head)
    flow.fill(team.other_head, other, flow.Layer.MANDIRI, {"P1.i.a": "Ya"})
    flow.step(team.head, a, "submit")
    pages = {
        team.operator: ["/dasbor/", f"/penilaian/{a.id}", f"/penilaian/{a.id}/area/1", f"/penilaian/{a.id}/area/5",
                        f"/penilaian/{a.id}/area/H", f"/penilaian/{a.id}/riwayat",
                        f"/penilaian/{a.id}/riwayat/R5.ii.a", f"/penilaian/{a.id}/kesenjangan"],
        team.tpi_lead: ["/dasbor/", "/rekap", f"/penilaian/{a.id}"],
        team.national: ["/dasbor/", "/rekap"],
        team.admin: [f"/penilaian/{a.id}/riwayat"],
    }
    too_wide = []
    for user, paths in pages.items():
        page = new_page(user, width=390, height=844)
        for path in paths:
            page.goto(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            page.screenshot(path=str(tmp_path / f"{user.id}-{path.strip('/').replace('/', '_') or 'home'}.png"),
                            full_page=False)
            if width > 390:
                too_wide.append((user.email, path, width))
    assert too_wide == []
