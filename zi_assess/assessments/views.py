"""Assessment pages: overview with the criteria tree, area forms, conflicts, gap view, history.

Views are thin: build the form, validate, call one operation, commit, redirect.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import metadata
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from zi_assess.assessments import operations as ops
from zi_assess.assessments.forms import EVIDENCE_TYPED_KEY, AreaFormBase, StepForm, area_form_class, field_key
from zi_assess.assessments.loading import assessment_evidence
from zi_assess.assessments.page_cache import AreaParts, area_parts_cache, card_cache
from zi_assess.assessments.presenters import (
    area_indicators,
    display_answer,
    indicator_views,
    tree_rows,
)
from zi_assess.assessments.scores import EFFECTIVE, area_rule, compute_scores, page_nilai, page_persen
from zi_assess.authz import assessment_roles, editable_layer
from zi_assess.domain import AnswerError, load_criteria, verdict
from zi_assess.domain.gap import GapReport, improvement_steps
from zi_assess.domain.workflow import LAYERS, Layer, Status, available_transitions
from zi_assess.extensions import db
from zi_assess.i18n import current_locale
from zi_assess.messages import answer_message
from zi_assess.models import AreaRevision, AuditEvent, CurrentScore, StatusChange, User
from zi_assess.web import actor

bp = Blueprint("assessments", __name__, url_prefix="/penilaian")


def _bundle(assessment_id: int) -> Any:
    return ops.get_bundle(actor(), assessment_id)


def _layer_param(assessment: Any) -> Layer | None:
    """``?lapis=tpi`` shows one layer read-only; default: the user's editable layer, else effective."""
    requested = request.args.get("lapis")
    if requested in {layer.value for layer in Layer}:
        return Layer(requested)
    return editable_layer(current_user, assessment)


@bp.get("/<int:assessment_id>")
@login_required
def overview(assessment_id: int) -> str:
    bundle = _bundle(assessment_id)
    scores = compute_scores(bundle)
    assessment = bundle.assessment
    roles = assessment_roles(current_user, assessment)
    steps = available_transitions(Status(assessment.status), roles)
    history = db.session.execute(
        select(StatusChange, User.name).join(User, User.id == StatusChange.actor_id)
        .options(lazyload(StatusChange.actor))  # the name is joined above: no second join of the user
        .where(StatusChange.assessment_id == assessment_id).order_by(StatusChange.id.desc())
    ).all()
    return render_template(
        "assessments/overview.html", a=assessment, criteria=bundle.criteria, scores=scores,
        rows=tree_rows(bundle.criteria, scores.effective),
        editable=editable_layer(current_user, assessment), steps=steps, step_form=StepForm(),
        history=history, prerequisites=ops.prerequisite_result(assessment),
    )


def _area_form(bundle: Any, area: str, layer: Layer | None, formdata: Any = None) -> AreaFormBase:
    indicators = tuple(i.id for i in area_indicators(bundle.criteria, area))
    reviewer = layer in (Layer.TPI, Layer.TPN_DESK, Layer.TPN_LAPANGAN)
    form_class = area_form_class(bundle.criteria, indicators, reviewer)
    form = form_class(formdata=formdata)
    if formdata is None:
        current = bundle.layer_answers(layer) if layer else {}
        for ind_id in indicators:
            ind = bundle.criteria.indicators[ind_id]
            key = field_key(ind_id)
            answer = current.get(ind_id)
            getattr(form, f"v_{key}").data = str(answer.version) if answer is not None else ""
            getattr(form, f"n_{key}").data = answer.note if answer is not None else ""
            value = answer.value if answer is not None else None
            if ind.kind == "percent":
                for inp in ind.inputs:
                    getattr(form, f"c_{inp.key}__{key}").data = (value or {}).get(inp.key)
            else:
                getattr(form, f"a_{key}").data = value
    return form


@bp.route("/<int:assessment_id>/area/<area>", methods=["GET", "POST"])
@login_required
def area(assessment_id: int, area: str) -> Any:
    assessment = ops.get_assessment(actor(), assessment_id)
    if area not in load_criteria(assessment.criteria_id).page_ids:
        abort(404)
    layer = _layer_param(assessment)
    can_edit = layer is not None and layer == editable_layer(current_user, assessment)
    if request.method == "GET":
        etag = _area_etag(assessment, area, layer, can_edit)
        if etag is not None and etag in request.if_none_match:
            return _not_modified(etag)  # nothing on the page changed since this browser's copy
        # created_at tells two databases' assessment 1 apart (a restored backup, a test run)
        key = (assessment.id, assessment.created_at, _area_revision(assessment, area), area, layer, can_edit,
               current_locale())
        typed = session.pop(EVIDENCE_TYPED_KEY, None)  # a refused link's address and title, shown again once
        parts = None if typed else area_parts_cache.get(key)
        if parts is None:
            bundle = ops.load_bundle(assessment_id, assessment)
            form = _area_form(bundle, area, layer) if can_edit else None
            parts = _area_parts(bundle, area, layer, can_edit, form, typed)
            if not typed:
                area_parts_cache.put(key, parts)
        page = make_response(_area_page(assessment, area, layer, can_edit, parts, None))
        if etag is not None and not typed:
            page.set_etag(etag)
            page.headers["Cache-Control"] = "private, no-cache"  # kept by the browser, always revalidated
        return page
    if not can_edit:
        abort(403)
    bundle = ops.load_bundle(assessment_id, assessment)
    form = _area_form(bundle, area, layer, request.form)
    status = 422
    if form.validate():
        try:
            _save_area(form, bundle, area, layer)
            db.session.commit()
            flash(_("Jawaban area ini tersimpan."), "success")
            return redirect(url_for(".area", assessment_id=assessment_id, area=area))
        except ops.StaleAnswer as exc:
            db.session.rollback()
            bundle = ops.load_bundle(assessment_id)
            views = indicator_views(bundle, compute_scores(bundle), area, layer, current_locale())
            return render_template(
                "assessments/conflict.html", a=bundle.assessment, area=area, form=form, conflicts=exc.items,
                conflict_versions={field_key(c.indicator_id): c.theirs_version for c in exc.items},
                views={v.id: v for v in views}, layer=layer,
                answer_text=lambda ind_id, value: display_answer(bundle.criteria.indicators[ind_id], value,
                                                                 current_locale()),
            ), 409
        except AnswerError as exc:
            db.session.rollback()
            key = field_key(exc.indicator)
            shown_at = getattr(form, f"a_{key}", None) or getattr(form, f"n_{key}")  # counts: under the note
            shown_at.errors.append(answer_message(exc.indicator, exc.code))
    return _area_page(bundle.assessment, area, layer, can_edit, _area_parts(bundle, area, layer, can_edit, form),
                      form), status


def _area_etag(assessment: Any, area: str, layer: Layer | None, can_edit: bool) -> str | None:
    """A validator of the whole area page as this session sees it, or None when it must be rendered.

    ``Assessment.revision`` is bumped by every change to what the page shows (answers of any
    area — the running scores —, evidence, comments, status); the rest is who looks (account,
    roles, language, the session's CSRF token in the form) and the code. A page with a message
    to show once (flash, a refused evidence link) has none.
    """
    if session.get("_flashes") or EVIDENCE_TYPED_KEY in session:
        return None
    generate_csrf()  # the session's token exists before it is part of the validator
    roles = sorted((r.role.value, r.unit_id or 0, r.instansi_id or 0) for r in current_user.roles)
    seen = (_code_version(), assessment.id, assessment.created_at.isoformat(), assessment.revision, area,
            layer.value if layer else "", can_edit, current_locale(), current_user.id, roles,
            session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), ""))
    return "a-" + hashlib.blake2b(repr(seen).encode(), digest_size=16).hexdigest()


@cache
def _code_version() -> str:
    try:
        return metadata.version("zi-assess")
    except metadata.PackageNotFoundError:
        return "0"


def _not_modified(etag: str) -> Response:
    response = Response(status=304)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _area_parts(bundle: Any, area: str, layer: Layer | None, can_edit: bool, form: AreaFormBase | None,
                typed: dict[str, str] | None = None) -> AreaParts:
    """Render the cards, tabs and running scores of one area page."""
    scores = compute_scores(bundle)
    evidence = assessment_evidence(bundle.assessment.id)
    views = indicator_views(bundle, scores, area, layer, current_locale(), evidence)
    context = dict(a=bundle.assessment, criteria=bundle.criteria, area=area, layer=layer,
                   can_edit=can_edit, form=form, views=views, scores=scores, typed=typed or {})
    return AreaParts(
        cards=_cards(context) if not typed else Markup(render_template("assessments/_area_cards.html", **context)),
        evidence_choices=tuple((ev.id, ev.title) for ev in evidence),
        indicator_choices=tuple((v.key, v.id, v.question[:60]) for v in views),
    )


def _cards(context: dict[str, Any]) -> Markup:
    """The indicator cards, each reused while what it shows is the same: after a save only the
    card of the indicator saved is rendered again (the page around it and its sums are cheap).

    A card shows its IndicatorView (answer, note, version, score, earlier layers, evidence,
    comments) and the form fields of its indicator, in the page's layer, edit mode and language;
    that is its key. The template renders the cards one after the other after a preamble
    (translated labels), so the page is the preamble followed by the cards.
    """
    a, form = context["a"], context["form"]
    base = (a.id, a.created_at, context["criteria"].id, context["area"], context["layer"], context["can_edit"],
            current_locale())
    preamble = card_cache.get(("preamble", *base))
    if preamble is None:
        preamble = Markup(render_template("assessments/_area_cards.html", **dict(context, views=[])))
        card_cache.put(("preamble", *base), preamble)
    out = [str(preamble)]
    for view in context["views"]:
        fields = tuple((f.name, f.data) for f in form if f.name.endswith("_" + view.key)) if form is not None else ()
        key = ("card", *base, repr(view), fields)
        card = card_cache.get(key)
        if card is None:
            whole = render_template("assessments/_area_cards.html", **dict(context, views=[view]))
            card = Markup(whole[len(preamble):])
            card_cache.put(key, card)
        out.append(str(card))
    return Markup("".join(out))


def _area_revision(assessment: Any, area: str) -> int:
    """The area page's own revision (older assessments without one: the assessment's)."""
    revision = db.session.scalar(select(AreaRevision.revision).where(
        AreaRevision.assessment_id == assessment.id, AreaRevision.area == area))
    return revision if revision is not None else -assessment.revision


def _area_page(assessment: Any, area: str, layer: Layer | None, can_edit: bool, parts: AreaParts,
               form: AreaFormBase | None) -> str:
    """The page around the cards: tabs and running scores come from the stored current scores."""
    criteria = load_criteria(assessment.criteria_id)
    current = {row.layer: (row.total, row.nodes, row.verdicts) for row in db.session.execute(
        select(CurrentScore.layer, CurrentScore.total, CurrentScore.nodes, CurrentScore.verdicts)
        .where(CurrentScore.assessment_id == assessment.id))}
    shown = current.get(layer.value if layer else EFFECTIVE)
    running = [(key, page_nilai(criteria, current[key][1], area), current[key][0])
               for key in (*(lay.value for lay in LAYERS), EFFECTIVE) if key in current]
    effective = current.get(EFFECTIVE)
    passed = [(code, effective[2].get(code)) for code in criteria.predicates] if effective else []
    return render_template("assessments/area.html", a=assessment, criteria=criteria, area=area,
                           pages=criteria.page_ids, layer=layer, can_edit=can_edit, parts=parts, form=form,
                           layers=LAYERS, running=running, passed=passed,
                           tab_persen=page_persen(criteria, shown[1]) if shown else None)


def _save_area(form: AreaFormBase, bundle: Any, area: str, layer: Layer) -> None:
    items = []
    keep_theirs = {key for key, value in request.form.items() if key.startswith("pilih_") and value == "theirs"}
    for ind in area_indicators(bundle.criteria, area):
        if f"pilih_{field_key(ind.id)}" in keep_theirs:
            continue
        value, note, version = form.indicator_data(ind)
        items.append(ops.AnswerInput(ind.id, value, note, version))
    ops.save_answers(actor(), bundle.assessment.id, layer, items, bundle=bundle)
    for ind in area_indicators(bundle.criteria, area):
        comment, needs_fix = form.comment_data(ind)
        if comment:
            ops.add_comment(actor(), bundle.assessment.id, ind.id, comment, needs_fix=needs_fix, bundle=bundle)


@bp.get("/<int:assessment_id>/kesenjangan")
@login_required
def gap(assessment_id: int) -> str:
    bundle = _bundle(assessment_id)
    scores = compute_scores(bundle)
    predicate = request.args.get("predikat") or bundle.assessment.target_predicate
    if predicate not in scores.verdicts:
        abort(404)
    requested = request.args.get("lapis")
    layer = Layer(requested) if requested in {lay.value for lay in Layer} else None
    sheet = scores.layer(layer) if layer is not None else scores.effective
    if sheet is None:  # that layer has no answers yet
        layer, sheet = None, scores.effective
    answers = bundle.layer_values(layer) if layer is not None else bundle.effective_values()
    steps = improvement_steps(bundle.criteria, answers, area_rule=area_rule())
    report = GapReport(verdict(sheet, predicate), sheet, steps)
    return render_template("assessments/gap.html", a=bundle.assessment, criteria=bundle.criteria, report=report,
                           predicate=predicate, layer=layer, top=steps[:15], layers=LAYERS)


@bp.get("/<int:assessment_id>/riwayat/<indicator_id>")
@login_required
def history(assessment_id: int, indicator_id: str) -> str:
    bundle = _bundle(assessment_id)
    indicator = bundle.criteria.indicators.get(indicator_id)
    if indicator is None:
        abort(404)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.assessment_id == assessment_id, AuditEvent.indicator_id == indicator_id)
        .order_by(AuditEvent.id.desc())
    ).all()
    return render_template("assessments/history.html", a=bundle.assessment, indicator=indicator, events=events)
