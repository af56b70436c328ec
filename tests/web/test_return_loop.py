"""The return loop: the unit sees what to fix (panel, tab markers, cards); after resubmission the
reviewer sees what changed since the return, per indicator (answer, note, evidence)."""

from __future__ import annotations

import pytest

from zi_assess.assessments import operations as ops
from zi_assess.extensions import db


def text(response):
    return response.get_data(as_text=True)


def card_of(page, key):
    """One indicator card's markup, from its opening tag to its end."""
    start = page.rindex("<article", 0, page.index(f'id="ind-{key}"'))
    return page[start:page.index("</article>", start)]


@pytest.fixture
def returned(team, flow, actor_for):
    """Submitted, reviewed by the TPI and returned with a fix request on P1.i.a and on R6.i.a."""
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, flow.Layer.MANDIRI)
    flow.step(team.head, a, "submit")
    flow.step(team.tpi_lead, a, "start_tpi_review", prefill=True)
    ops.add_comment(actor_for(team.tpi), a.id, "P1.i.a", "SK Tim belum ditandatangani.", needs_fix=True)
    ops.add_comment(actor_for(team.tpi), a.id, "R6.i.a", "Lampirkan survei.", needs_fix=True)
    ops.add_comment(actor_for(team.tpi), a.id, "P1.i.b", "Bagus.", needs_fix=False)
    db.session.commit()
    flow.step(team.tpi, a, "return_to_unit", note="Lengkapi dua indikator.")
    return a


def test_unit_sees_the_fix_panel_on_overview_and_dashboard(team, returned, login):
    client = login(team.operator)
    overview = text(client.get(f"/penilaian/{returned.id}"))
    panel = overview[overview.index('id="perlu-diperbaiki"'):]
    assert "Perlu diperbaiki (2 indikator)" in panel
    assert "SK Tim belum ditandatangani." in panel and "Lampirkan survei." in panel
    assert "Lengkapi dua indikator." in panel  # the return's own note
    assert "Bagus." not in panel[:panel.index("</section>")]  # a plain comment is not a fix request
    assert f'/penilaian/{returned.id}/area/1#ind-P1_i_a' in panel and f'/penilaian/{returned.id}/area/6#ind-R6_i_a' in panel
    # the panel sits above the scores, not at the bottom of the page
    assert overview.index('id="perlu-diperbaiki"') < overview.index('id="h-score"')
    dashboard = text(client.get("/dasbor/"))
    assert "Perlu diperbaiki (2 indikator)" in dashboard and "SK Tim belum ditandatangani." in dashboard


def test_area_tabs_and_cards_carry_the_marker(team, returned, login):
    client = login(team.operator)
    page = text(client.get(f"/penilaian/{returned.id}/area/1"))
    tabs = page[page.index('class="area-tabs"'):page.index("</nav>", page.index('class="area-tabs"'))]
    assert tabs.count("1 perbaiki") == 2  # area 1 and area 6
    card = card_of(page, "P1_i_a")
    assert "has-fix" in card and "perlu diperbaiki</span>" in card
    assert "has-fix" not in card_of(page, "P1_i_b")


def test_no_panel_before_a_return(team, flow, login):
    a = flow.create(team.unit, team.head)
    client = login(team.operator)
    assert 'id="perlu-diperbaiki"' not in text(client.get(f"/penilaian/{a.id}"))
    assert "perbaiki</span>" not in text(client.get(f"/penilaian/{a.id}/area/1"))


def test_reviewer_sees_what_changed_since_the_return(team, flow, returned, login, actor_for):
    from zi_assess.evidence import operations as evidence_ops

    bundle = ops.load_bundle(returned.id)
    mine = bundle.layer_answers(flow.Layer.MANDIRI)
    ops.save_answers(actor_for(team.operator), returned.id, flow.Layer.MANDIRI, [
        ops.AnswerInput("P1.i.a", "Tidak", "catatan", mine["P1.i.a"].version),       # answer changed
        ops.AnswerInput("P2.i.a", mine["P2.i.a"].value, "SK diperbarui", mine["P2.i.a"].version),  # note only
    ], reason="Perbaikan sesuai catatan TPI.")
    evidence_ops.add_link(actor_for(team.operator), returned.id, ["R6.i.a"], "https://drive.example/survei", "Survei")
    db.session.commit()
    flow.step(team.head, returned, "resubmit")

    client = login(team.tpi)
    overview = text(client.get(f"/penilaian/{returned.id}"))
    panel = overview[overview.index('id="h-changed"'):]
    panel = panel[:panel.index("</section>")]
    assert "Diubah unit sejak dikembalikan (3 indikator)" in panel
    p1 = panel[panel.index("P1.i.a"):panel.index("</li>", panel.index("P1.i.a"))]
    assert ">jawaban<" in p1 and ">catatan<" not in p1
    p2 = panel[panel.index("P2.i.a"):panel.index("</li>", panel.index("P2.i.a"))]
    assert ">catatan<" in p2 and ">jawaban<" not in p2
    r6 = panel[panel.index("R6.i.a"):panel.index("</li>", panel.index("R6.i.a"))]
    assert ">data dukung<" in r6
    assert "P1.i.b" not in panel  # untouched
    area = text(client.get(f"/penilaian/{returned.id}/area/1"))
    card = card_of(area, "P1_i_a")
    assert "has-change" in card and "diubah sejak dikembalikan" in card and "jawaban" in card
    assert "diubah sejak dikembalikan" not in card_of(area, "P1_i_b")
    # the fixes were resolved by the resubmission: no fix panel any more
    assert 'id="perlu-diperbaiki"' not in overview


def test_resubmitted_without_changes_says_so(team, flow, returned, login):
    flow.step(team.head, returned, "resubmit")
    client = login(team.tpi)
    assert "Unit tidak mengubah apa pun sejak dikembalikan." in text(client.get(f"/penilaian/{returned.id}"))


def test_area_tabs_completion_apart_from_score_and_next_area(team, flow, login):
    from zi_assess.domain import load_criteria
    from zi_assess.domain.answers import best_answers

    a = flow.create(team.unit, team.head)
    area1 = [i.id for i in load_criteria().area_indicators("1")]
    flow.fill(team.operator, a, flow.Layer.MANDIRI, {k: best_answers(load_criteria())[k] for k in area1[:3]})
    client = login(team.operator)
    page = text(client.get(f"/penilaian/{a.id}/area/1"))
    tabs = page[page.index('class="area-tabs"'):page.index("</nav>", page.index('class="area-tabs"'))]
    assert f">3/{len(area1)}</span>" in tabs and "nilai " in tabs
    assert "Area berikutnya: Area 2" in page
    last = text(client.get(f"/penilaian/{a.id}/area/H"))
    assert "Area berikutnya" not in last and "Kembali ke ringkasan" in last
    # the operator may not submit: no submit button anywhere, and the dashboard says "check" only
    assert "Periksa & kirim" not in last
    assert "Periksa kelengkapan" in text(client.get("/dasbor/"))
    submit = text(client.get(f"/penilaian/{a.id}/kirim"))
    assert "Pengiriman dilakukan oleh kepala unit." in submit and "Kirim ke TPI</button>" not in submit
    head = login(team.head)
    assert "Periksa & kirim" in text(head.get("/dasbor/"))
    assert "Pengiriman dilakukan oleh kepala unit." not in text(head.get(f"/penilaian/{a.id}/kirim"))
