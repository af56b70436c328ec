"""The area page in Chromium: decimal comma, live values while typing, autosave through a session expiry."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from zi_assess.assessments.loading import load_bundle
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def mandiri(assessment_id):
    db.session.expire_all()
    return load_bundle(assessment_id).layer_answers(Layer.MANDIRI)


def test_decimal_comma_live_values_and_autosave_through_a_session_expiry(team, flow, new_page):
    a = flow.create(team.unit, team.head)
    page = new_page(team.operator)
    page.goto(f"/penilaian/{a.id}/area/H")
    page.fill("#a_H1_a", "3,72")
    # the indicator's value while typing: 3,72 ÷ 4 × its bobot, before any save
    card = page.locator("#ind-H1_a")
    assert card.locator("[data-live-nilai]").inner_text() != "–"
    page.wait_for_selector("#save-state.ok")
    assert "Tersimpan otomatis" in page.inner_text("#save-state")
    assert mandiri(a.id)["H1.a"].value == 3.72
    page.reload()
    assert page.input_value("#a_H1_a") == "3,72"

    # the session ends; the next autosave is refused, the typing is kept in the browser
    page.context.clear_cookies()
    page.fill("#n_H1_b", "laporan kinerja menyusul")
    page.wait_for_selector("#save-state.bad")
    assert "Sesi Anda berakhir" in page.inner_text("#save-state")
    assert getattr(mandiri(a.id).get("H1.b"), "note", "") == ""
    page.goto(f"/penilaian/{a.id}/area/H")  # → the login page, then back here
    page.wait_for_url("**/masuk**")
    page.fill("#email", team.operator.email)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"**/penilaian/{a.id}/area/H")
    assert page.input_value("#n_H1_b") == "laporan kinerja menyusul"  # restored from the browser
    page.wait_for_selector("#save-state.ok")
    assert mandiri(a.id)["H1.b"].note == "laporan kinerja menyusul"


def test_live_percentage_while_typing_counts(team, flow, new_page):
    a = flow.create(team.unit, team.head)
    page = new_page(team.operator)
    page.goto(f"/penilaian/{a.id}/area/5")
    page.fill("#c_pengaduan_harus_ditindaklanjuti__R5_ii_a", "40")
    page.fill("#c_pengaduan_sedang_diproses__R5_ii_a", "4")
    page.fill("#c_pengaduan_selesai__R5_ii_a", "36")
    assert page.inner_text("#ind-R5_ii_a [data-live-percent]") == "90,00 %"


def test_an_oversized_file_is_stopped_in_the_browser(app, team, flow, new_page, tmp_path):
    a = flow.create(team.unit, team.head)
    big = tmp_path / "besar.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * (app.config["UPLOAD_MAX_BYTES"] + 10))
    page = new_page(team.operator)
    page.goto(f"/penilaian/{a.id}/area/1")
    page.click("#ind-P1_i_a details.add-evidence summary")
    page.set_input_files("#file-P1_i_a", str(big))
    page.fill("#title-P1_i_a", "SK Tim")
    page.click("#ind-P1_i_a button[form=evidence-form]")
    error = page.locator("#ind-P1_i_a .upload-error")
    error.wait_for(state="visible")
    assert "terlalu besar" in error.inner_text()
    assert page.url.endswith(f"/penilaian/{a.id}/area/1")  # nothing was sent
    assert page.input_value("#title-P1_i_a") == "SK Tim"
