"""Assessment pages: overview with the criteria tree, area forms, conflicts, gap view, history.

Views are thin: build the form, validate, call one operation, commit, redirect.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from zi_assess.assessments import history as history_log
from zi_assess.assessments import operations as ops
from zi_assess.assessments.area_page import (
    PageRead,
    area_etag,
    area_page,
    area_parts,
    not_modified,
    read_for_page,
)
from zi_assess.assessments.forms import (
    EVIDENCE_TYPED_KEY,
    AreaFormBase,
    HistoryFilterForm,
    StepForm,
    area_form_class,
    choices,
    field_key,
)
from zi_assess.assessments.loading import checked_criteria
from zi_assess.assessments.page_cache import AreaParts
from zi_assess.assessments.presenters import (
    area_indicators,
    display_answer,
    indicator_views,
    tree_rows,
)
from zi_assess.assessments.return_loop import changes_since_return, open_fixes
from zi_assess.assessments.scores import area_rule, compute_scores
from zi_assess.authz import allowed, assessment_roles, editable_layer
from zi_assess.clock import local_now
from zi_assess.domain import AnswerError, load_criteria, verdict
from zi_assess.domain.gap import GapReport, improvement_steps
from zi_assess.domain.workflow import LAYERS, Layer, Status, available_transitions
from zi_assess.extensions import db
from zi_assess.i18n import current_locale
from zi_assess.labels import predicate_name
from zi_assess.messages import answer_message
from zi_assess.models import StatusChange, User
from zi_assess.result_cache import cached
from zi_assess.web import actor, can, csrf_placeholder, revalidate_privately, with_csrf_token

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
    return render_overview(assessment_id)


def render_overview(assessment_id: int, step_form: StepForm | None = None,
                    refused: tuple[str, str] | None = None) -> str:
    """The overview; ``step_form``/``refused``: a refused workflow step, shown again with what was typed
    and (step name, message) beside its form."""
    assessment = ops.get_assessment(actor(), assessment_id)
    criteria = checked_criteria(assessment)
    # the scores of every layer: once per assessment revision (reading every answer costs most;
    # they pickle with their criteria as a reference, so every worker shares them)
    scores = cached("overview-scores", (assessment.id, assessment.created_at, assessment.revision, criteria.id,
                                        area_rule()),
                    lambda: compute_scores(ops.load_bundle(assessment_id, assessment)),
                    versioned=True)
    roles = assessment_roles(current_user, assessment)
    steps = available_transitions(Status(assessment.status), roles)
    # the columns the page shows, as plain rows (no ORM objects to build on every request)
    history = list(db.session.execute(
        select(StatusChange.transition, StatusChange.note, StatusChange.at, User.name)
        .join(User, User.id == StatusChange.actor_id)
        .where(StatusChange.assessment_id == assessment_id).order_by(StatusChange.id.desc())))
    name = predicate_name(criteria, assessment.target_predicate)

    def with_choices(form: StepForm) -> StepForm:
        form.granted.choices = choices([("ya", _("Predikat %(p)s diberikan", p=name)),
                                        ("tidak", _("Predikat %(p)s tidak diberikan", p=name))])
        return form

    returned = Status(assessment.status) == Status.RETURNED
    editable = editable_layer(current_user, assessment)
    # the tree: once per assessment revision, layer the reader may edit and language (no form in it)
    tree_key = (assessment.id, assessment.created_at, assessment.revision, criteria.id, area_rule(),
                editable, current_locale(), request.script_root)
    tree_html = cached("overview-tree", tree_key, lambda: Markup(render_template(
        "assessments/_overview_tree.html", a=assessment, criteria=criteria, scores=scores,
        rows=tree_rows(criteria, scores.effective), editable=editable)), versioned=True)
    score_html = cached("overview-score", tree_key, lambda: Markup(render_template(
        "assessments/_overview_scores.html", a=assessment, criteria=criteria, scores=scores, editable=editable)),
        versioned=True)
    verdicts_key = (*tree_key, assessment.target_predicate)
    verdicts_html = cached("overview-verdicts", verdicts_key, lambda: Markup(render_template(
        "assessments/_overview_verdicts.html", a=assessment, criteria=criteria, scores=scores)), versioned=True)
    def steps_html_now(**token: Any) -> Markup:  # the blank forms (made only when rendered) and a refused one
        return Markup(render_template(
            "assessments/_overview_steps.html", a=assessment, criteria=criteria, scores=scores, steps=steps,
            step_form=with_choices(StepForm(formdata=None)),
            refused_form=with_choices(step_form) if step_form is not None else None, refused=refused, **token))

    if refused is None:  # the blank forms: the same for every reader with these steps
        steps_key = (*verdicts_key, assessment.status, assessment.status_version, tuple(t.name for t in steps))
        steps_html = with_csrf_token(cached("overview-steps", steps_key,
                                            lambda: steps_html_now(csrf_token=csrf_placeholder), versioned=True))
    else:
        steps_html = steps_html_now()
    # the history as shown (its rows are the key: names and notes included)
    history_key = (assessment.id, tuple(tuple(change) for change in history), assessment.decision_granted,
                   assessment.tpi_eligible, assessment.target_predicate, criteria.id, current_locale(),
                   request.script_root)
    history_html = cached("overview-history", history_key, lambda: Markup(render_template(
        "assessments/_overview_history.html", a=assessment, criteria=criteria, history=history)), versioned=True)
    return render_template(
        "assessments/overview.html", a=assessment, criteria=criteria, tree_html=tree_html,
        score_html=score_html, verdicts_html=verdicts_html, steps_html=steps_html, history_html=history_html,
        prerequisites_html=_prerequisites_html(assessment),
        fixes=open_fixes(assessment_id, criteria) if returned else [],
        return_note=next((change.note for change in history if change.transition == "return_to_unit"), ""),
        changes=(list(changes_since_return(assessment_id, criteria).values())
                 if Status(assessment.status) == Status.TPI_REVIEW
                 and any(change.transition == "resubmit" for change in history) else None),
    )


def _prerequisites_html(assessment: Any) -> Markup:
    """Tabel 5 of the target predicate (prerequisite records, the unit, its instansi: all watched
    by the data revision), rendered once per revision, language and the reader's right to record."""
    may_record = (can("prerequisite.edit", assessment.unit), can("prerequisite.edit", assessment.unit.instansi))
    key = (assessment.id, assessment.created_at, assessment.year, assessment.target_predicate, assessment.criteria_id,
           may_record, current_locale(), request.script_root)
    return cached("overview-prerequisites", key, lambda: Markup(render_template(
        "assessments/_overview_prerequisites.html", a=assessment, criteria=load_criteria(assessment.criteria_id),
        prerequisites=ops.prerequisite_result(assessment))))


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
            getattr(form, f"o_{key}").data = ops.answer_fingerprint(answer.value if answer is not None else None,
                                                                    answer.note if answer is not None else "")
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
    assessment, area_revision = ops.get_area_assessment(actor(), assessment_id, area)
    if area not in load_criteria(assessment.criteria_id).page_ids:
        abort(404)
    layer = _layer_param(assessment)
    can_edit = layer is not None and layer == editable_layer(current_user, assessment)
    if request.method == "GET":
        etag = area_etag(assessment, area, layer, can_edit)
        if etag is not None and etag in request.if_none_match:
            return not_modified(etag)  # nothing on the page changed since this browser's copy
        # created_at tells two databases' assessment 1 apart (a restored backup, a test run)
        # the area page's own revision (older assessments without one: the assessment's)
        revision = area_revision if area_revision is not None else -assessment.revision
        key = (assessment.id, assessment.created_at, revision, area, layer, can_edit, current_locale(),
               request.script_root)
        typed = session.pop(EVIDENCE_TYPED_KEY, None)  # a refused link's address and title, shown again once
        loaded: list[PageRead] = []

        def render_parts() -> AreaParts:
            bundle = ops.load_bundle(assessment_id, assessment)
            form = _area_form(bundle, area, layer) if can_edit else None
            loaded.append(read_for_page(bundle, layer))
            return area_parts(bundle, area, layer, can_edit, form, typed, loaded[0].comments)

        # the cards (no form token, nothing personal): shared by every worker and server through the
        # result cache while the area page's revision is the same; a refused link's page never is
        parts = render_parts() if typed else cached("area-parts", key, render_parts, versioned=True,
                                                      size=lambda p: len(p.cards) + 4096)
        page = make_response(area_page(assessment, area, layer, can_edit, parts, None,
                                       loaded[0] if loaded else None))
        if etag is not None and not typed:
            revalidate_privately(page, etag)  # else no-store, as every signed-in page
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
                conflict_bases={field_key(c.indicator_id): ops.answer_fingerprint(c.theirs_value, c.theirs_note)
                                for c in exc.items},
                authors=_author_names(exc.items),
                views={v.id: v for v in views}, layer=layer,
                answer_text=lambda ind_id, value: display_answer(bundle.criteria.indicators[ind_id], value,
                                                                 current_locale()),
            ), 409
        except ops.ReasonRequired:
            db.session.rollback()
            form.alasan.errors.append(_("Lapis ini sudah pernah diajukan: tuliskan alasan perubahan jawaban."))
        except AnswerError as exc:
            db.session.rollback()
            key = field_key(exc.indicator)
            shown_at = (getattr(form, f"a_{key}", None) if exc.code != "note_too_long" else None) \
                or getattr(form, f"n_{key}")  # counts and notes: under the note
            shown_at.errors.append(answer_message(exc.indicator, exc.code))
    read = read_for_page(bundle, layer)
    return area_page(bundle.assessment, area, layer, can_edit,
                      area_parts(bundle, area, layer, can_edit, form, None, read.comments), form, read), status


@bp.post("/<int:assessment_id>/area/<area>/autosave")
def autosave(assessment_id: int, area: str) -> Any:
    """Autosave of the area form's answers and notes (never review comments), as JSON.

    Posts the area form's fields (``a_``/``c_``/``n_``/``v_``/``o_`` and ``csrf_token``). Answers:
    200 ``{"ok": true, "fields": {"v_<key>": …, "o_<key>": …}, "sync": {"<key>": {"a": …, "n": …}}}``
    (``sync``: indicators whose stored answer differs from what was sent — a change saved elsewhere
    on a field this page did not touch); 409 ``{"ok": false, "conflicts": [ids]}`` (nothing written);
    422 ``{"ok": false, "errors": {field: message}}`` (nothing written); 401 ``{"ok": false,
    "login": url}`` when the session has ended (the page keeps the typing and restores it after login).
    """
    if not current_user.is_authenticated:
        return jsonify(ok=False, login=url_for("auth.login", next=url_for(".area", assessment_id=assessment_id,
                                                                          area=area))), 401
    assessment = ops.get_assessment(actor(), assessment_id)
    criteria = load_criteria(assessment.criteria_id)
    if area not in criteria.page_ids:
        abort(404)
    layer = editable_layer(current_user, assessment)
    if layer is None:
        return jsonify(ok=False, message=_("Lapis ini tidak dapat diubah lagi.")), 403
    bundle = ops.load_bundle(assessment_id, assessment)
    form = _area_form(bundle, area, layer, request.form)
    if not form.validate():
        return jsonify(ok=False, errors={name: " ".join(map(str, errs)) for name, errs in form.errors.items()}), 422
    items = [ops.AnswerInput(ind.id, *form.indicator_data(ind), form.base_data(ind))
             for ind in area_indicators(bundle.criteria, area)]
    try:
        ops.save_answers(actor(), assessment_id, layer, items, bundle=bundle, reason=form.alasan.data)
        db.session.commit()
    except ops.StaleAnswer as exc:
        db.session.rollback()
        return jsonify(ok=False, conflicts=[c.indicator_id for c in exc.items]), 409
    except ops.ReasonRequired:
        db.session.rollback()
        return jsonify(ok=False, errors={"alasan": _("Lapis ini sudah pernah diajukan: tuliskan alasan perubahan "
                                                     "jawaban.")}), 422
    except AnswerError as exc:
        db.session.rollback()
        return jsonify(ok=False, errors={f"n_{field_key(exc.indicator)}": answer_message(exc.indicator, exc.code)}), 422
    stored = bundle.layer_answers(layer)
    fields: dict[str, Any] = {}
    sync: dict[str, Any] = {}
    sent = {item.indicator_id: item for item in items}
    for ind in area_indicators(bundle.criteria, area):
        row, key = stored.get(ind.id), field_key(ind.id)
        value, note = (row.value, row.note) if row is not None else (None, "")
        fields[f"v_{key}"] = str(row.version) if row is not None else ""
        fields[f"o_{key}"] = ops.answer_fingerprint(value, note)
        mine = sent[ind.id]
        if row is not None and (ops.answer_fingerprint(mine.value, mine.note) != fields[f"o_{key}"]):
            sync[key] = {"a": value, "n": note}
    return jsonify(ok=True, fields=fields, sync=sync, at=local_now().strftime("%H:%M"))


def _author_names(items: list[ops.ConflictItem]) -> dict[int, str]:
    """Who saved the other side of each conflict: a name, or "you" for the user's own other tab."""
    ids = {c.theirs_author_id for c in items if c.theirs_author_id is not None}
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}
    if current_user.id in names:
        names[current_user.id] = _("Anda sendiri (di tab atau perangkat lain)")
    return names
def _save_area(form: AreaFormBase, bundle: Any, area: str, layer: Layer) -> None:
    items = []
    keep_theirs = {key for key, value in request.form.items() if key.startswith("pilih_") and value == "theirs"}
    for ind in area_indicators(bundle.criteria, area):
        if f"pilih_{field_key(ind.id)}" in keep_theirs:
            continue
        value, note, version = form.indicator_data(ind)
        items.append(ops.AnswerInput(ind.id, value, note, version, form.base_data(ind)))
    ops.save_answers(actor(), bundle.assessment.id, layer, items, bundle=bundle, reason=form.alasan.data)
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


@bp.get("/<int:assessment_id>/riwayat")
@login_required
def assessment_history(assessment_id: int) -> str:
    return _history_page(assessment_id, None)


@bp.get("/<int:assessment_id>/riwayat/<indicator_id>")
@login_required
def history(assessment_id: int, indicator_id: str) -> str:
    return _history_page(assessment_id, indicator_id)


def _history_page(assessment_id: int, indicator_id: str | None) -> str:
    """The assessment's history as sentences, filterable; one indicator's when ``indicator_id`` is given."""
    assessment = ops.get_assessment(actor(), assessment_id)
    criteria = load_criteria(assessment.criteria_id)
    if indicator_id is not None and indicator_id not in criteria.indicators:
        abort(404)
    form = HistoryFilterForm(request.args, meta={"csrf": False})
    form.siapa.choices = choices([("", _("Semua orang")), *((str(i), n) for i, n in history_log.people(assessment_id))])
    form.apa.choices = choices([("", _("Semua jenis")),
                                *((key, str(name)) for key, name in history_log.KIND_NAMES.items())])
    form.indikator.choices = choices([("", _("Semua indikator")), *((i, i) for i in criteria.indicators)])
    if indicator_id is not None:
        form.indikator.data = indicator_id
    valid = form.validate()
    filters = history_log.HistoryFilters(
        who=int(form.siapa.data) if valid and (form.siapa.data or "").isdigit() else None,
        kind=form.apa.data or None if valid else None,
        since=form.dari.data if valid else None, until=form.sampai.data if valid else None,
        indicator=indicator_id or (form.indikator.data or None if valid else None),
        accesses=allowed(current_user, "history.accesses", assessment),
    )
    entries = history_log.history(assessment_id, criteria, assessment.target_predicate, filters, current_locale())
    return render_template("assessments/history.html", a=assessment, criteria=criteria,
                           indicator=criteria.indicators.get(indicator_id or ""), entries=entries, form=form,
                           network=allowed(current_user, "audit.network"), limit=history_log.LIMIT,
                           zone_name=local_now().strftime("%Z"))
