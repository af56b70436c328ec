"""Answers read as people write them, percentage answers with their counts and the percentage."""

from __future__ import annotations

from flask_babel import force_locale

from zi_assess.answer_text import answer_text, percent_answer
from zi_assess.domain import load_criteria

CRITERIA = load_criteria()
R5 = CRITERIA.indicators["R5.ii.a"]


def test_percentage_answers_show_counts_labels_and_the_percentage(app):
    counts = {"pengaduan_harus_ditindaklanjuti": 40, "pengaduan_sedang_diproses": 4, "pengaduan_selesai": 36}
    with app.test_request_context(), force_locale("id"):
        shown = percent_answer(R5, counts, "id")
        assert shown.summary == "36 dari 40 → 90,00 %"
        assert [count for _label, count in shown.inputs] == [40, 4, 36]
        assert all(label and "_" not in label for label, _count in shown.inputs)
        assert answer_text(R5, counts, "id") == "36 dari 40 → 90,00 %"
    with app.test_request_context(), force_locale("en"):
        assert answer_text(R5, counts, "en") == "36 of 40 → 90.00 %"


def test_capped_and_incomplete_percentages(app):
    with app.test_request_context(), force_locale("id"):
        over = percent_answer(R5, {"pengaduan_harus_ditindaklanjuti": 2, "pengaduan_sedang_diproses": 0,
                                   "pengaduan_selesai": 5}, "id")
        assert over.capped and over.percent == 100.0 and over.summary == "5 dari 2 → 100,00 %"
        missing = percent_answer(R5, {"pengaduan_harus_ditindaklanjuti": 2}, "id")
        assert missing.percent is None and missing.summary == "–"


def test_other_answers(app):
    with app.test_request_context():
        assert answer_text(CRITERIA.indicators["H1.a"], 0, "id") == "0,00"  # a survey 0 is an answer
        assert answer_text(CRITERIA.indicators["P1.i.a"], "Ya", "id") == "Ya"
        assert answer_text(CRITERIA.indicators["P1.i.a"], None, "id") == "–"


def test_the_lke_pdf_prints_percentage_answers_with_their_counts(app):
    from zi_assess.domain import load_criteria, score
    from zi_assess.reports.context import Fmt, answer_text

    criteria = load_criteria()
    value = {"pengaduan_harus_ditindaklanjuti": 40, "pengaduan_sedang_diproses": 4, "pengaduan_selesai": 36}
    sheet = score(criteria, {"R5.ii.a": value})
    with app.test_request_context():
        printed = answer_text(criteria.indicators["R5.ii.a"], value, Fmt("id"), sheet)
    assert "36 dari 40" in printed and "90,00 %" in printed and "pengaduan_" not in printed
