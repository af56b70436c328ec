"""The sanggah page: file (unit head), answer per indicator (TPN), decide once (national manager)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from zi_assess.answer_text import answer_text
from zi_assess.appeals import operations as ops
from zi_assess.assessments.operations import get_bundle
from zi_assess.authz import allowed
from zi_assess.extensions import db
from zi_assess.forms import BaseForm
from zi_assess.i18n import current_locale
from zi_assess.messages import sanggah_message
from zi_assess.web import actor

bp = Blueprint("appeals", __name__, url_prefix="/penilaian/<int:assessment_id>/sanggah")

#: rows of indicators on the filing form
ROWS = 5


def _page(assessment_id: int, *, typed: Any = None, error: str | None = None, status: int = 200) -> tuple[str, int]:
    bundle = get_bundle(actor(), assessment_id)
    appeal = ops.appeal_of(assessment_id)
    a = bundle.assessment
    locale = current_locale()
    items = []
    if appeal is not None:
        values = bundle.effective_values()
        for item in appeal.items:
            indicator = bundle.criteria.indicators[item.indicator_id]
            items.append({"item": item, "indicator": indicator,
                          "decided": answer_text(indicator, values.get(item.indicator_id), locale),
                          "answer": answer_text(indicator, item.answer, locale) if item.answer is not None else None})
    return render_template(
        "appeals/sanggah.html", a=a, criteria=bundle.criteria, appeal=appeal, items=items, rows=ROWS,
        window_open=ops.window_open(bundle), typed=typed or {}, error=error, form=BaseForm(),
        scores=ops.sanggah_scores(bundle, appeal) if appeal is not None else None,
        can_file=allowed(current_user, "sanggah.file", a), can_respond=allowed(current_user, "sanggah.respond", a),
        can_decide=allowed(current_user, "sanggah.decide", a),
    ), status


@bp.get("/")
@login_required
def show(assessment_id: int) -> tuple[str, int]:
    return _page(assessment_id)


def _refused(assessment_id: int, exc: ops.SanggahRefused) -> tuple[str, int]:
    db.session.rollback()
    return _page(assessment_id, typed=request.form, error=sanggah_message(exc.code, exc.detail), status=422)


@bp.post("/")
@login_required
def file(assessment_id: int) -> Response | tuple[str, int]:
    if not BaseForm().validate():
        return _page(assessment_id, typed=request.form, error=_("Formulir kedaluwarsa; kirim lagi."), status=400)
    items = []
    for row in range(ROWS):
        indicator = (request.form.get(f"indikator_{row}") or "").strip()
        if not indicator:
            continue
        urls = tuple(u.strip() for u in (request.form.get(f"tautan_{row}") or "").splitlines() if u.strip())
        items.append(ops.ItemInput(indicator, request.form.get(f"alasan_{row}") or "", urls))
    try:
        ops.file_appeal(actor(), assessment_id, request.form.get("ringkasan") or "", items)
    except ops.SanggahRefused as exc:
        return _refused(assessment_id, exc)
    db.session.commit()
    flash(_("Sanggah diajukan; TPN akan menanggapi setiap indikator."), "success")
    return redirect(url_for(".show", assessment_id=assessment_id))


@bp.post("/butir/<int:item_id>")
@login_required
def respond(assessment_id: int, item_id: int) -> Response | tuple[str, int]:
    if not BaseForm().validate():
        return _page(assessment_id, typed=request.form, error=_("Formulir kedaluwarsa; kirim lagi."), status=400)
    answer = (request.form.get("jawaban") or "").strip() or None
    try:
        ops.respond(actor(), assessment_id, item_id, request.form.get("tanggapan") or "", answer)
    except ops.SanggahRefused as exc:
        return _refused(assessment_id, exc)
    db.session.commit()
    flash(_("Tanggapan disimpan."), "success")
    return redirect(url_for(".show", assessment_id=assessment_id))


@bp.post("/putusan")
@login_required
def decide(assessment_id: int) -> Response | tuple[str, int]:
    if not BaseForm().validate():
        return _page(assessment_id, typed=request.form, error=_("Formulir kedaluwarsa; kirim lagi."), status=400)
    choice = request.form.get("putusan")
    if choice not in ("terima", "tolak") or request.form.get("yakin") != "1":
        return _page(assessment_id, typed=request.form, status=422,
                     error=_("Pilih putusan dan centang konfirmasi: putusan sanggah final."))
    try:
        ops.decide(actor(), assessment_id, choice == "terima", request.form.get("catatan") or "")
    except ops.SanggahRefused as exc:
        return _refused(assessment_id, exc)
    db.session.commit()
    flash(_("Putusan sanggah dicatat (final)."), "success")
    return redirect(url_for(".show", assessment_id=assessment_id))
