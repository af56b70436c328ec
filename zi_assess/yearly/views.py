"""Year-over-year pages: start from last year's LKE, confirm what was carried, compare two years."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from zi_assess.answer_text import answer_text
from zi_assess.assessments.operations import get_bundle
from zi_assess.authz import allowed
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.forms import BaseForm
from zi_assess.i18n import current_locale
from zi_assess.reports.trends import trend_chart, unit_years
from zi_assess.web import actor
from zi_assess.yearly import operations as ops
from zi_assess.yearly.comparison import compare

bp = Blueprint("yearly", __name__, url_prefix="/penilaian/<int:assessment_id>")

CARRY_PROBLEMS = {
    "not_earlier": lambda: _("Penilaian itu bukan penilaian tahun sebelumnya dari unit ini."),
    "criteria_differ": lambda: _("Kedua tahun memakai versi kriteria yang berbeda; jawaban tidak dapat disalin. "
                                 "Bandingkan keduanya di tingkat area."),
    "not_empty": lambda: _("LKE tahun ini sudah berisi jawaban unit; salin dari tahun lalu hanya ke LKE yang "
                           "masih kosong."),
}


def _carried_rows(bundle: Any, locale: str) -> list[dict[str, Any]]:
    rows = []
    for indicator_id in bundle.unconfirmed_carried():
        indicator = bundle.criteria.indicators[indicator_id]
        row = bundle.layer_answers(Layer.MANDIRI)[indicator_id]
        rows.append({"id": indicator_id, "question": indicator.question, "page": bundle.criteria.page_of(indicator_id),
                     "answer": answer_text(indicator, row.value, locale), "note": row.note})
    return rows


@bp.get("/tahun-lalu")
@login_required
def carry_page(assessment_id: int) -> str:
    bundle = get_bundle(actor(), assessment_id)
    earlier = ops.earlier_assessments(bundle.assessment)
    can_edit = allowed(current_user, "answer.edit", bundle.assessment, layer=Layer.MANDIRI)
    return render_template("yearly/carry.html", a=bundle.assessment, criteria=bundle.criteria, earlier=earlier,
                           carried=_carried_rows(bundle, current_locale()), can_edit=can_edit, form=BaseForm(),
                           has_answers=bool(bundle.layer_answers(Layer.MANDIRI)))


@bp.post("/tahun-lalu")
@login_required
def carry(assessment_id: int) -> Response:
    form = BaseForm()
    previous = request.form.get("dari", "")
    if not form.validate() or not previous.isdigit():
        abort(400)
    try:
        result = ops.carry_over(actor(), assessment_id, int(previous))
    except ops.CarryRefused as exc:
        db.session.rollback()
        flash(CARRY_PROBLEMS[exc.code](), "error")
        return redirect(url_for(".carry_page", assessment_id=assessment_id))
    db.session.commit()
    flash(_("%(n)d jawaban dan %(e)d data dukung disalin dari tahun lalu. Periksa dan konfirmasi setiap jawaban "
            "sebelum mengirim LKE.", n=result.answers, e=result.evidence), "success")
    return redirect(url_for(".carry_page", assessment_id=assessment_id))


@bp.post("/tahun-lalu/konfirmasi")
@login_required
def confirm(assessment_id: int) -> Response:
    form = BaseForm()
    if not form.validate():
        abort(400)
    chosen = ops.confirm_carried(actor(), assessment_id, request.form.getlist("indikator"))
    db.session.commit()
    if chosen:
        flash(_("%(n)d jawaban dikonfirmasi sebagai jawaban tahun ini.", n=len(chosen)), "success")
    else:
        flash(_("Tidak ada jawaban yang dipilih."), "warning")
    return redirect(url_for(".carry_page", assessment_id=assessment_id))


@bp.get("/perbandingan")
@login_required
def comparison(assessment_id: int) -> str:
    bundle = get_bundle(actor(), assessment_id)
    earlier = ops.earlier_assessments(bundle.assessment)
    chosen = request.args.get("dengan", "")
    other_id = int(chosen) if chosen.isdigit() else (earlier[0].id if earlier else None)
    if other_id is not None and other_id not in {e.id for e in earlier}:
        abort(404)
    locale = current_locale()
    result = compare(bundle, get_bundle(actor(), other_id), locale) if other_id is not None else None
    years = unit_years(bundle.assessment.unit_id)
    title = _("Nilai total %(unit)s per tahun", unit=bundle.assessment.unit.name)
    points = [(y.year, y.total) for y in years]
    chart = trend_chart(points, bundle.assessment.criteria_id, locale, title) if len(years) > 1 else None
    return render_template("yearly/comparison.html", a=bundle.assessment, criteria=bundle.criteria, earlier=earlier,
                           other_id=other_id, c=result, chart=chart, years=years)
