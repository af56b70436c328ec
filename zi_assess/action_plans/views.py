"""Rencana aksi pages: compose a plan from the gap planner, follow it, export it. Thin views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from zi_assess.action_plans import exports
from zi_assess.action_plans import operations as ops
from zi_assess.action_plans.forms import STATUS_LABELS, ActivityForm, quarter_label
from zi_assess.action_plans.planning import PlanSettings, compute, improvable, improvement_rows, parse_costs
from zi_assess.action_plans.progress import plan_progress
from zi_assess.assessments.operations import get_bundle
from zi_assess.assessments.scores import compute_scores
from zi_assess.authz import allowed
from zi_assess.extensions import db
from zi_assess.forms import BaseForm
from zi_assess.web import actor, download

bp = Blueprint("action_plans", __name__, url_prefix="/penilaian/<int:assessment_id>/rencana-aksi")


def _settings(bundle: Any, source: Any) -> tuple[PlanSettings, dict[str, str], list[str]]:
    predicate = source.get("predikat") or bundle.assessment.target_predicate
    if predicate not in bundle.criteria.predicates:
        abort(404)
    candidates = improvable(bundle)
    costs, errors = parse_costs(source, candidates)
    return PlanSettings(predicate, costs, source.get("eksternal") == "1"), errors, candidates


@bp.get("/susun")
@login_required
def compose(assessment_id: int) -> tuple[str, int]:
    bundle = get_bundle(actor(), assessment_id, "action_plan.view")
    settings, errors, candidates = _settings(bundle, request.args)
    result = None if errors else compute(bundle, settings)
    return render_template(
        "action_plans/compose.html", a=bundle.assessment, criteria=bundle.criteria, settings=settings,
        result=result, rows=improvement_rows(bundle, result), now_total=compute_scores(bundle).effective.total,
        errors=errors, candidates=candidates, typed=request.args, form=BaseForm(),
        can_edit=allowed(current_user, "action_plan.edit", bundle.assessment),
        existing=ops.active_plan(assessment_id),
    ), 400 if errors else 200


@bp.post("/")
@login_required
def create(assessment_id: int) -> Response | tuple[str, int]:
    bundle = get_bundle(actor(), assessment_id, "action_plan.edit")
    form = BaseForm()
    settings, errors, _candidates = _settings(bundle, request.form)
    if not form.validate() or errors:
        flash(_("Rencana tidak disimpan: periksa biaya yang diisi."), "error")
        return redirect(url_for(".compose", assessment_id=assessment_id, **request.form.to_dict()))
    try:
        ops.create_plan(actor(), assessment_id, settings, bundle=bundle)
    except ops.PlanNotReachable:
        flash(_("Tidak ada rencana yang mencapai predikat ini; lihat aturan yang tidak dapat dipenuhi."), "error")
        return redirect(url_for(".compose", assessment_id=assessment_id, **request.form.to_dict()))
    db.session.commit()
    flash(_("Rencana aksi disimpan. Atur kegiatan, penanggung jawab dan tenggatnya di bawah."), "success")
    return redirect(url_for(".show", assessment_id=assessment_id))


def _forms(progress: Any, first_year: int, bound: dict[int, ActivityForm] | None = None) -> dict[str, ActivityForm]:
    """One form per activity (prefix ``a<id>``) and one "add" form per item (prefix ``i<id>``)."""
    bound = bound or {}
    forms: dict[str, ActivityForm] = {}
    for view in progress.items:
        for activity in view.activities:
            key = f"a{activity.id}"
            forms[key] = bound.get(key) or ActivityForm(prefix=key, obj=activity, formdata=None, first_year=first_year)
        key = f"i{view.item.id}"
        forms[key] = bound.get(key) or ActivityForm(prefix=key, formdata=None, first_year=first_year)
    return forms


def _page(assessment_id: int, bound: dict[str, ActivityForm] | None = None, open_key: str | None = None,
          status: int = 200) -> tuple[str, int] | Response:
    bundle = get_bundle(actor(), assessment_id, "action_plan.view")
    plan = ops.active_plan(assessment_id)
    if plan is None:
        return redirect(url_for(".compose", assessment_id=assessment_id))
    progress = plan_progress(plan, bundle)
    first_year = bundle.assessment.year
    return render_template(
        "action_plans/show.html", a=bundle.assessment, criteria=bundle.criteria, p=progress,
        forms_by_key=_forms(progress, first_year, bound), open_key=open_key, status_labels=STATUS_LABELS,
        forms_quarter=quarter_label,
        can_edit=allowed(current_user, "action_plan.edit", bundle.assessment),
    ), status


@bp.get("/")
@login_required
def show(assessment_id: int) -> tuple[str, int] | Response:
    return _page(assessment_id)


def _save_activity(assessment_id: int, key: str, save: Callable[[ops.ActivityValues], object], done: str,
                   anchor: str) -> tuple[str, int] | Response:
    """Validate the activity form under ``key`` and ``save`` its values; a refused form comes back
    with what was typed, a missing activity or item is a 404."""
    bundle = get_bundle(actor(), assessment_id, "action_plan.edit")
    form = ActivityForm(prefix=key, first_year=bundle.assessment.year)
    if not form.validate():
        return _page(assessment_id, {key: form}, key, 400)
    try:
        save(ops.ActivityValues(**form.values()))
    except ops.ActivityNotFound:
        abort(404)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for(".show", assessment_id=assessment_id) + f"#{anchor}")


@bp.post("/kegiatan/<int:activity_id>")
@login_required
def update_activity(assessment_id: int, activity_id: int) -> tuple[str, int] | Response:
    return _save_activity(assessment_id, f"a{activity_id}",
                          lambda values: ops.update_activity(actor(), assessment_id, activity_id, values),
                          _("Kegiatan disimpan."), f"a{activity_id}")


@bp.post("/butir/<int:item_id>/kegiatan")
@login_required
def add_activity(assessment_id: int, item_id: int) -> tuple[str, int] | Response:
    return _save_activity(assessment_id, f"i{item_id}",
                          lambda values: ops.add_activity(actor(), assessment_id, item_id, values),
                          _("Kegiatan ditambahkan."), f"item-{item_id}")


@bp.get("/unduh.<kind>")
@login_required
def export(assessment_id: int, kind: str) -> Response:
    if kind not in ("pdf", "xlsx"):
        abort(404)
    bundle = get_bundle(actor(), assessment_id, "action_plan.view")
    plan = ops.active_plan(assessment_id)
    if plan is None:
        abort(404)
    progress = plan_progress(plan, bundle)
    document = exports.plan_pdf(bundle, progress) if kind == "pdf" else exports.plan_xlsx(bundle, progress)
    ops.record_download(actor(), assessment_id, kind)
    db.session.commit()
    return download(document.data, document.filename, document.mimetype)
