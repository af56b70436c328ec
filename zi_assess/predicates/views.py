"""Pemantauan: predicate history per unit, monitorings due, revocation. Thin views."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from zi_assess.authz import allowed, visible_units
from zi_assess.clock import local_date
from zi_assess.extensions import db
from zi_assess.forms import BaseForm
from zi_assess.messages import predicate_message
from zi_assess.models import PredicateRecord, Unit
from zi_assess.predicates import operations as ops
from zi_assess.web import actor

bp = Blueprint("predicates", __name__, url_prefix="/pemantauan")


def _visible_records() -> tuple[list[PredicateRecord], dict[int, Unit]]:
    units = {u.id: u for u in db.session.scalars(visible_units(current_user))}
    return ops.records_of(list(units)), units


def _page(error: str | None = None, typed: Any = None, status: int = 200) -> tuple[str, int]:
    records, units = _visible_records()
    done = ops.monitorings_by_record([r.id for r in records])
    rows = [{"record": r, "unit": units[r.unit_id], "monitorings": done.get(r.id, []),
             "can_revoke": r.revoked_on is None and allowed(current_user, "predicate.revoke", units[r.unit_id])}
            for r in records]
    due = [{"due": d, "unit": units[d.record.unit_id],
            "can_start": allowed(current_user, "assessment.create", units[d.record.unit_id])}
           for d in ops.due(records, done=done)]
    return render_template("predicates/index.html", rows=rows, due=due, error=error, typed=typed or {},
                           form=BaseForm(), today=local_date()), status


@bp.get("/")
@login_required
def index() -> tuple[str, int]:
    return _page()


def _record(record_id: int) -> PredicateRecord:
    held = db.session.get(PredicateRecord, record_id)
    if held is None or held.unit_id not in {u.id for u in db.session.scalars(visible_units(current_user))}:
        abort(404)
    return held


@bp.post("/<int:record_id>/mulai")
@login_required
def start(record_id: int) -> Response | tuple[str, int]:
    if not BaseForm().validate():
        abort(400)
    held = _record(record_id)
    try:
        monitoring = ops.start_monitoring(actor(), held.id, ops.next_monitoring_year(held))
    except ops.PredicateRefused as exc:
        db.session.rollback()
        return _page(predicate_message(exc.code), status=422)
    db.session.commit()
    flash(_("Penilaian pemantauan %(year)s dibuka; unit mengisinya dan TPI menilainya.", year=monitoring.year),
          "success")
    return redirect(url_for("assessments.overview", assessment_id=monitoring.id))


@bp.post("/<int:record_id>/cabut")
@login_required
def revoke(record_id: int) -> Response | tuple[str, int]:
    if not BaseForm().validate():
        abort(400)
    held = _record(record_id)
    if request.form.get("yakin") != "1":
        return _page(_("Centang konfirmasi: pencabutan predikat final."), request.form, 422)
    try:
        ops.revoke(actor(), held.id, request.form.get("alasan") or "")
    except ops.PredicateRefused as exc:
        db.session.rollback()
        return _page(predicate_message(exc.code), request.form, 422)
    db.session.commit()
    flash(_("Predikat dicabut."), "success")
    return redirect(url_for(".index"))
