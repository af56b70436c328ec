"""Saving an area: typed values survive errors, stale saves get a 409 with both versions."""

from __future__ import annotations

import re

from sqlalchemy import select

from zi_assess.assessments.loading import load_bundle
from zi_assess.domain import load_criteria
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.models import Answer

CRITERIA = load_criteria()


def area_data(area: str, answers: dict, versions: dict | None = None, notes: dict | None = None) -> dict:
    data = {}
    for ind in (CRITERIA.hasil_indicators() if area == "H" else CRITERIA.area_indicators(area)):
        key = ind.id.replace(".", "_")
        value = answers.get(ind.id)
        if ind.kind == "percent":
            for inp in ind.inputs:
                data[f"c_{inp.key}__{key}"] = "" if value is None else str(value.get(inp.key, ""))
        else:
            data[f"a_{key}"] = "" if value is None else str(value)
        data[f"n_{key}"] = (notes or {}).get(ind.id, "")
        data[f"v_{key}"] = str((versions or {}).get(ind.id, ""))
    return data


def stored(assessment_id, layer=Layer.MANDIRI):
    db.session.expire_all()
    return load_bundle(assessment_id).layer_answers(layer)


def test_save_an_area_then_change_one_answer(team, flow, login, best_answers):
    a = flow.create(team.unit, team.head)
    client = login(team.operator)
    area5 = {i.id: best_answers[i.id] for i in CRITERIA.area_indicators("5")}
    response = client.post(f"/penilaian/{a.id}/area/5", data=area_data("5", area5, notes={"P5.i.a": "kampanye"}))
    assert response.status_code == 302
    rows = stored(a.id)
    assert len(rows) == 22 and rows["P5.i.a"].note == "kampanye" and rows["R5.ii.a"].value == area5["R5.ii.a"]
    versions = {k: r.version for k, r in rows.items()}
    changed = dict(area5, **{"P5.i.a": "B"})
    assert client.post(f"/penilaian/{a.id}/area/5", data=area_data("5", changed, versions,
                                                                   {"P5.i.a": "kampanye"})).status_code == 302
    rows = stored(a.id)
    assert rows["P5.i.a"].value == "B" and rows["P5.i.a"].version == versions["P5.i.a"] + 1
    assert rows["P5.i.b"].version == versions["P5.i.b"]  # unchanged rows are not rewritten
    page = client.get(f"/penilaian/{a.id}/area/5").get_data(as_text=True)
    assert 'value="B" checked' in page


def test_validation_errors_keep_what_was_typed(team, flow, login):
    a = flow.create(team.unit, team.head)
    client = login(team.operator)
    data = area_data("H", {"H1.a": 4.5, "H1.b": "Z"}, notes={"H1.a": "catatan panjang yang tidak boleh hilang"})
    response = client.post(f"/penilaian/{a.id}/area/H", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Periksa kembali isian berikut" in body and "Isi nilai survei antara 0 dan 4" in body
    assert "catatan panjang yang tidak boleh hilang" in body and 'value="4.5"' in body
    assert stored(a.id) == {}
    counts = area_data("1", {"R1.i.a": {"jumlah_agen_perubahan": -3, "jumlah_perubahan_dibuat": 2}})
    response = client.post(f"/penilaian/{a.id}/area/1", data=counts)
    assert response.status_code == 422 and "Isi bilangan bulat 0 atau lebih" in response.get_data(as_text=True)
    assert stored(a.id) == {}


def test_percent_warning_is_shown(team, flow, login):
    a = flow.create(team.unit, team.head)
    client = login(team.operator)
    counts = {"R5.ii.a": {"pengaduan_harus_ditindaklanjuti": 2, "pengaduan_sedang_diproses": 0, "pengaduan_selesai": 5}}
    assert client.post(f"/penilaian/{a.id}/area/5", data=area_data("5", counts)).status_code == 302
    page = client.get(f"/penilaian/{a.id}/area/5").get_data(as_text=True)
    assert "pembilang melebihi penyebut; dibatasi 100%" in page and "100,00 %" in page


def test_stale_save_gets_409_with_both_versions_and_a_choice(team, flow, login, actor_for):
    from zi_assess.assessments import operations as ops

    a = flow.create(team.unit, team.head)
    ops.save_answer(actor_for(team.head), a.id, Layer.MANDIRI, "P1.i.b", "A", "versi kepala")
    db.session.commit()
    seen = {"P1.i.b": stored(a.id)["P1.i.b"].version}
    ops.save_answer(actor_for(team.head), a.id, Layer.MANDIRI, "P1.i.b", "C", "kepala mengubah lagi",
                    seen_version=seen["P1.i.b"])
    db.session.commit()
    client = login(team.operator)
    mine = area_data("1", {"P1.i.a": "Ya", "P1.i.b": "B"}, seen, {"P1.i.b": "versi operator"})
    conflict = client.post(f"/penilaian/{a.id}/area/1", data=mine)
    body = conflict.get_data(as_text=True)
    assert conflict.status_code == 409
    assert "versi operator" in body and "kepala mengubah lagi" in body and "Versi Anda" in body
    assert stored(a.id)["P1.i.b"].value == "C" and "P1.i.a" not in stored(a.id)  # nothing written
    # the conflict page re-posts everything typed, with the versions just seen; keep mine
    current = stored(a.id)["P1.i.b"].version
    resolved = dict(mine, **{"v_P1_i_b": str(current), "pilih_P1_i_b": "mine"})
    assert client.post(f"/penilaian/{a.id}/area/1", data=resolved).status_code == 302
    rows = stored(a.id)
    assert (rows["P1.i.b"].value, rows["P1.i.b"].note, rows["P1.i.a"].value) == ("B", "versi operator", "Ya")


def test_conflict_shows_counts_as_people_write_them(team, flow, login, actor_for):
    from zi_assess.assessments import operations as ops

    a = flow.create(team.unit, team.head)
    ops.save_answer(actor_for(team.head), a.id, Layer.MANDIRI, "R1.i.a",
                    {"jumlah_agen_perubahan": 10, "jumlah_perubahan_dibuat": 4}, "")
    db.session.commit()
    seen = {"R1.i.a": stored(a.id)["R1.i.a"].version}
    ops.save_answer(actor_for(team.head), a.id, Layer.MANDIRI, "R1.i.a",
                    {"jumlah_agen_perubahan": 10, "jumlah_perubahan_dibuat": 7}, "", seen_version=seen["R1.i.a"])
    db.session.commit()
    mine = area_data("1", {"R1.i.a": {"jumlah_agen_perubahan": 12, "jumlah_perubahan_dibuat": 6}}, seen)
    conflict = login(team.operator).post(f"/penilaian/{a.id}/area/1", data=mine)
    body = conflict.get_data(as_text=True)
    assert conflict.status_code == 409
    assert "6 dari 12 → 50,00 %" in body
    assert "7 dari 10 → 70,00 %" in body and "{" not in body.split("<main")[1]


def test_conflict_choosing_theirs_keeps_theirs(team, flow, login, actor_for):
    from zi_assess.assessments import operations as ops

    a = flow.create(team.unit, team.head)
    ops.save_answer(actor_for(team.head), a.id, Layer.MANDIRI, "P1.i.b", "A", "kepala")
    db.session.commit()
    client = login(team.operator)
    current = stored(a.id)["P1.i.b"].version
    data = dict(area_data("1", {"P1.i.b": "C"}, {"P1.i.b": current}), pilih_P1_i_b="theirs")
    assert client.post(f"/penilaian/{a.id}/area/1", data=data).status_code == 302
    assert stored(a.id)["P1.i.b"].value == "A"


def test_submit_is_blocked_until_complete_and_then_read_only(team, flow, login, best_answers):
    a = flow.create(team.unit, team.head)
    partial = dict(best_answers)
    partial.pop("P6.v.c")
    flow.fill(team.operator, a, Layer.MANDIRI, partial)
    client = login(team.head)
    page = client.get(f"/penilaian/{a.id}/kirim").get_data(as_text=True)
    assert "1 indikator belum dijawab" in page and "P6.v.c" in page
    refused = client.post(f"/penilaian/{a.id}/langkah/submit", data={}, follow_redirects=True)
    assert "Belum semua indikator dijawab" in refused.get_data(as_text=True)
    flow.fill(team.operator, a, Layer.MANDIRI, {"P6.v.c": "A"})
    done = client.post(f"/penilaian/{a.id}/langkah/submit", data={}, follow_redirects=True)
    assert "Langkah berhasil: Kirim ke TPI" in done.get_data(as_text=True)
    area = client.get(f"/penilaian/{a.id}/area/1").get_data(as_text=True)
    assert 'id="area-form"' not in area and "hanya baca" in area
    assert client.post(f"/penilaian/{a.id}/area/1", data=area_data("1", {"P1.i.a": "Tidak"})).status_code == 403
    assert db.session.scalar(select(Answer.value).where(Answer.indicator_id == "P1.i.a")) == "Ya"


def test_reviewer_sees_earlier_layers_and_returns_one_indicator(team, flow, login, best_answers):
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, Layer.MANDIRI)
    flow.step(team.head, a, "submit")
    client = login(team.tpi)
    started = client.post(f"/penilaian/{a.id}/langkah/start_tpi_review", data={"prefill": "y"}, follow_redirects=True)
    assert "Langkah berhasil" in started.get_data(as_text=True)
    page = client.get(f"/penilaian/{a.id}/area/1").get_data(as_text=True)
    assert "disalin dari" in page and "Catatan penilai untuk unit" in page and "Mandiri" in page
    versions = {k: r.version for k, r in stored(a.id, Layer.TPI).items()}
    answers = {i.id: best_answers[i.id] for i in CRITERIA.area_indicators("1")} | {"P1.i.b": "B"}
    data = area_data("1", answers, versions) | {"k_P1_i_a": "Unggah SK yang ditandatangani.", "f_P1_i_a": "y"}
    assert client.post(f"/penilaian/{a.id}/area/1", data=data).status_code == 302
    assert stored(a.id, Layer.TPI)["P1.i.b"].value == "B"
    page = client.get(f"/penilaian/{a.id}/area/1").get_data(as_text=True)
    assert "berbeda" in page and "perlu diperbaiki" in page
    returned = client.post(f"/penilaian/{a.id}/langkah/return_to_unit", data={"note": "Perbaiki P1.i.a"},
                           follow_redirects=True)
    assert "Langkah berhasil: Kembalikan ke unit" in returned.get_data(as_text=True)
    unit_page = login(team.operator).get(f"/penilaian/{a.id}/area/1").get_data(as_text=True)
    assert "Unggah SK yang ditandatangani." in unit_page and 'id="area-form"' in unit_page


def test_a_survey_score_of_zero_is_an_answer(team, flow, login):
    """0 is a survey score like any other: saved, shown back, scored (it was dropped as unanswered)."""
    a = flow.create(team.unit, team.head)
    client = login(team.operator)
    response = client.post(f"/penilaian/{a.id}/area/H", data=area_data("H", {"H1.a": "0", "H1.b": "A", "H2.a": "0.00"}))
    assert response.status_code == 302
    rows = stored(a.id)
    assert (rows["H1.a"].value, rows["H1.b"].value, rows["H2.a"].value) == (0.0, "A", 0.0)
    page = client.get(f"/penilaian/{a.id}/area/H").get_data(as_text=True)
    assert page.count("belum dijawab") == 0
    for key in ("a_H1_a", "a_H2_a"):
        # shown back as typed: "0" (SQLite hands a whole JSON number back as an int) or "0.0"
        assert re.search(rf'name="{key}"[^>]*value="0([.,]0+)?"', page), key


def test_a_note_over_the_limit_is_refused_naming_the_indicator_and_kept(team, flow, login, app, actor_for):
    import pytest

    from zi_assess.assessments import operations as ops
    from zi_assess.domain import AnswerError

    app.config["NOTE_MAX_CHARS"] = 50
    a = flow.create(team.unit, team.head)
    client = login(team.operator)
    long_note = "Bukti sosialisasi tersedia lengkap di folder bersama unit." * 2  # 116 characters
    data = area_data("H", {"H1.a": 3.5}, notes={"H1.a": long_note, "H1.b": "pendek"})
    response = client.post(f"/penilaian/{a.id}/area/H", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "H1.a: catatan terlalu panjang; paling banyak 50 karakter." in body
    assert long_note in body and 'value="3.5"' in body  # what was typed is still there
    assert stored(a.id) == {}
    # the operation refuses it too (every writer goes through it: area form, Excel import, demo)
    with pytest.raises(AnswerError) as refused:
        ops.save_answers(actor_for(team.operator), a.id, Layer.MANDIRI, [ops.AnswerInput("H1.a", 3.5, long_note)])
    assert (refused.value.indicator, refused.value.code) == ("H1.a", "note_too_long")
    db.session.rollback()
    assert stored(a.id) == {}
