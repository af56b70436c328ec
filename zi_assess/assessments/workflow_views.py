"""Workflow pages: open an assessment, the submit checklist, and every workflow step."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from zi_assess.assessments import operations as ops
from zi_assess.assessments.forms import NewAssessmentForm, StepForm, choices
from zi_assess.assessments.loading import assessment_evidence
from zi_assess.assessments.scores import compute_scores
from zi_assess.assessments.views import render_overview
from zi_assess.authz import authorize, creatable_units, is_admin
from zi_assess.clock import local_date
from zi_assess.domain import load_criteria
from zi_assess.domain.loader import available_criteria
from zi_assess.domain.workflow import TRANSITIONS, Layer
from zi_assess.extensions import db
from zi_assess.messages import workflow_message
from zi_assess.models import Unit
from zi_assess.security_events import security_event
from zi_assess.web import actor

bp = Blueprint("workflow", __name__, url_prefix="/penilaian")


@bp.route("/baru", methods=["GET", "POST"])
@login_required
def new() -> Any:
    authorize(current_user, "assessment.create")  # 403 when there is no unit to open an assessment for
    units = db.session.scalars(creatable_units(current_user).order_by(Unit.name)).all()
    form = NewAssessmentForm()
    form.unit.choices = choices((u.id, f"{u.name} ({u.code})") for u in units)
    current = current_app.config["CRITERIA"]
    criteria = load_criteria(current)
    if is_admin(current_user):  # an admin may open a past year with the criteria version of its time
        # "Lembar Kerja … — PermenPANRB Nomor 52 Tahun 2014": the regulation names the version
        form.criteria.choices = choices((cid, load_criteria(cid).title.rpartition(" — ")[2])
                                        for cid in available_criteria())
    else:
        del form.criteria
    form.target.choices = choices((code, rules.name) for code, rules in criteria.predicates.items())
    if request.method == "GET":
        form.year.data = local_date().year
        form.target.data = next(iter(criteria.predicates))
        if "criteria" in form:
            form.criteria.data = current
    chosen = (form.criteria.data if "criteria" in form else None) or current
    if form.validate_on_submit() and _known_criteria(form, chosen):
        unit = db.session.get(Unit, form.unit.data)
        try:
            assessment = ops.create_assessment(actor(), unit, form.year.data, form.target.data, chosen)
            db.session.commit()
        except ops.WorkflowRefused as exc:
            db.session.rollback()
            if exc.code == "exists":
                form.year.errors.append(_("Unit ini sudah memiliki penilaian untuk tahun tersebut."))
            else:
                form.target.errors.append(workflow_message(exc.code))
        else:
            flash(_("Penilaian dibuka. Mulailah dari halaman pertamanya."), "success")
            return redirect(url_for("assessments.overview", assessment_id=assessment.id))
    status = 422 if form.errors else 200
    return render_template("assessments/new.html", form=form), status


def _known_criteria(form: NewAssessmentForm, criteria_id: str) -> bool:
    """Whether the chosen criteria version exists (else an error on the field)."""
    if criteria_id in available_criteria():
        return True
    form.criteria.errors = [_("Versi kriteria tidak dikenal.")]
    return False


@bp.get("/<int:assessment_id>/kirim")
@login_required
def submit_page(assessment_id: int) -> str:
    bundle = ops.get_bundle(actor(), assessment_id)
    scores = compute_scores(bundle)
    sheet = scores.layer(Layer.MANDIRI)
    missing = list(sheet.missing) if sheet is not None else list(bundle.criteria.indicators)
    with_evidence = {link.indicator_id for ev in assessment_evidence(assessment_id) for link in ev.links}
    without_evidence = [i for i in bundle.criteria.indicators if i not in with_evidence and i not in missing]
    name = "resubmit" if bundle.assessment.status == "returned" else "submit"
    return render_template("assessments/submit.html", a=bundle.assessment, criteria=bundle.criteria,
                           missing=missing, without_evidence=without_evidence, step=name, form=StepForm(),
                           open_fixes=ops.open_fix_requests(assessment_id), carried=bundle.unconfirmed_carried())


@bp.post("/<int:assessment_id>/langkah/<name>")
@login_required
def step(assessment_id: int, name: str) -> Response | tuple[str, int]:
    if name not in TRANSITIONS:
        abort(404)
    form = StepForm()
    if not form.validate():
        abort(400)
    seen = int(form.seen.data) if (form.seen.data or "").isdigit() else None
    choice = {"ya": True, "tidak": False}
    if name == "decide" and form.granted.data in choice and not form.confirm.data:
        form.confirm.errors = [_("Centang konfirmasi untuk mencatat keputusan.")]
        return _refused(assessment_id, name, form, _("Keputusan belum dicatat: konfirmasi belum dicentang."))
    try:
        result = ops.transition(
            actor(), assessment_id, name, seen_status_version=seen, note=form.note.data or "",
            eligible=choice.get(form.eligible.data or ""), recommendation=form.recommendation.data,
            granted=choice.get(form.granted.data or ""), prefill=bool(form.prefill.data),
        )
        db.session.commit()
    except ops.WorkflowRefused as exc:
        db.session.rollback()
        if security_event(actor(), "step_refused", assessment_id=assessment_id,
                          detail={"step": name, "code": exc.code, "detail": str(exc.detail)[:200]}):
            db.session.commit()
        if name in ("submit", "resubmit"):
            flash(workflow_message(exc.code, exc.detail), "error")
            return redirect(url_for(".submit_page", assessment_id=assessment_id))
        if exc.code == "missing_conclusion":
            form.eligible.errors = [workflow_message(exc.code, exc.detail)]
        elif exc.code == "missing_decision":
            form.granted.errors = [workflow_message(exc.code, exc.detail)]
        return _refused(assessment_id, name, form, workflow_message(exc.code, exc.detail))
    if result.changed:
        flash(workflow_message("done", name), "success")
    else:
        flash(_("Langkah ini sudah dilakukan sebelumnya; tidak ada yang berubah."), "info")
    return redirect(url_for("assessments.overview", assessment_id=assessment_id))


def _refused(assessment_id: int, name: str, form: StepForm, message: str) -> Any:
    """The overview again, the refused step's form keeping everything typed, with the reason (422)."""
    return render_overview(assessment_id, form, (name, message)), 422
