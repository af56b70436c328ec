"""What the PDFs print: tables within the margins, predicate names, the criteria's title, the
draft watermark in the report's language, percentage answers as people read them."""

from __future__ import annotations

import re

import pytest

from tests.reports import pdfutil
from zi_assess.domain import load_criteria
from zi_assess.domain.workflow import Layer

MM = 72 / 25.4
#: A4 portrait: right page margin (report.css @page) and a table cell's right padding
RIGHT_MARGIN, CELL_PADDING = 15 * MM, 1.6 * MM


def _page_with(pdf: bytes, needle: str) -> int:
    for number, page in enumerate(pdfutil.reader(pdf).pages, start=1):
        if needle in re.sub(r"\s+", " ", page.extract_text() or ""):
            return number
    raise AssertionError(f"{needle!r} on no page")


@pytest.mark.parametrize("locale", ["id", "en"])
def test_the_lhe_summary_table_stays_within_the_text_width(decided, team, make_user, login, locale):
    reader = make_user("manager", team.instansi, locale=locale)
    pdf = login(reader).get(f"/penilaian/{decided.id}/lhe.pdf").data
    heading = {"id": "Ringkasan nilai", "en": "Score summary"}[locale]
    width, words = pdfutil.words(pdf, _page_with(pdf, heading))
    top = next(w.y_min for w in words if w.text == "WBBM")  # the header of the last column
    bottom = next(w.y_min for w in words if w.y_min > top and w.text in ("Angka", "Red"))  # the note below
    table = [w for w in words if top <= w.y_min < bottom]
    assert len(table) > 60
    # the last column's figures are right-aligned against its cell's padding, inside the margin
    right = max(w.x_max for w in table)
    assert right <= width - RIGHT_MARGIN - CELL_PADDING + 0.5, (right, width - RIGHT_MARGIN)
    assert right >= width - RIGHT_MARGIN - CELL_PADDING - 3  # and the table spans the text width


def test_reports_and_pages_name_the_predicate_once(decided, team, login):
    client = login(team.manager)
    texts = [pdfutil.text(client.get(f"/penilaian/{decided.id}/{kind}.pdf").data) for kind in ("lhe", "lke")]
    texts.append(re.sub(r"\s+", " ", client.get(f"/penilaian/{decided.id}/kesenjangan").get_data(as_text=True)))
    for text in texts:
        assert "Menuju WBK" in text
        assert not re.search(r"menuju (predikat )?Menuju", text, re.IGNORECASE)
    assert "Pembangunan Zona Integritas predikat Menuju WBK" in texts[0]
    assert "Analisis kesenjangan Menuju WBK" in texts[2]


def test_english_reports_name_the_predicate_once(decided, team, make_user, login):
    client = login(make_user("manager", team.instansi, locale="en"))
    lhe = pdfutil.text(client.get(f"/penilaian/{decided.id}/lhe.pdf").data)
    assert "the Menuju WBK predicate" in lhe and not re.search(r"towards (the )?Menuju", lhe)


@pytest.mark.parametrize("locale", ["id", "en"])
def test_the_criteria_are_named_by_their_title_not_their_id(decided, team, make_user, login, locale):
    criteria = load_criteria()
    client = login(make_user("manager", team.instansi, locale=locale))
    lhe = pdfutil.text(client.get(f"/penilaian/{decided.id}/lhe.pdf").data)
    lke = pdfutil.text(client.get(f"/penilaian/{decided.id}/lke.pdf").data)
    title = criteria.title if locale == "id" else criteria.title_en
    word = "Kriteria" if locale == "id" else "Criteria"
    assert f"{word} {title}" in lhe and f"{word}: {title}" in lke
    for text in (lhe, lke):
        assert criteria.id not in text


@pytest.mark.parametrize(("locale", "word"), [("id", "DRAF"), ("en", "DRAFT")])
def test_the_draft_watermark_is_in_the_reports_language(team, flow, fill, best_answers, make_user, login, locale,
                                                        word):
    a = flow.create(team.unit, team.head)
    fill(team.operator, a, Layer.MANDIRI, dict(list(best_answers.items())[:40]))
    client = login(make_user("manager", team.instansi, locale=locale))
    for kind in ("lhe", "lke"):
        pdf = client.get(f"/penilaian/{a.id}/{kind}.pdf").data
        assert pdfutil.watermark(pdf) == word and pdfutil.watermark(pdf, pdfutil.pages(pdf)) == word
        if locale == "id":
            assert "DRAFT" not in pdfutil.text(pdf)


def test_a_final_report_has_no_watermark(decided, team, login):
    pdf = login(team.manager).get(f"/penilaian/{decided.id}/lhe.pdf").data
    assert all(pdfutil.watermark(pdf, page) == "" for page in range(1, pdfutil.pages(pdf) + 1))


def test_lke_percentage_answers_read_as_counts_and_percentage(decided, team, best_answers, login, app):
    from zi_assess.answer_text import answer_text

    criteria = load_criteria()
    text = pdfutil.text(login(team.manager).get(f"/penilaian/{decided.id}/lke.pdf").data)
    percent = [ind for ind in criteria.indicators.values() if ind.kind == "percent"]
    assert percent
    for ind in percent:
        with app.test_request_context():
            expected = answer_text(ind, best_answers[ind.id], "id")
        assert re.search(r"\d+ dari \d+ → \d+,\d\d %", expected), expected
        start = text.index(f"{ind.id} ")
        assert expected in text[start:start + 2000], ind.id
