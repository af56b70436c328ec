"""Assessment pages: overview with the criteria tree, area forms, conflicts, gap view, history.

Views are thin: build the form, validate, call one operation, commit, redirect.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
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
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from zi_assess.assessments import history as history_log
from zi_assess.assessments import operations as ops
from zi_assess.assessments.forms import (
    EVIDENCE_TYPED_KEY,
    AreaFormBase,
    HistoryFilterForm,
    StepForm,
    area_form_class,
    choices,
    field_key,
)
from zi_assess.assessments.loading import assessment_evidence
from zi_assess.assessments.page_cache import AreaParts, area_parts_cache, card_cache
from zi_assess.assessments.presenters import (
    area_indicators,
    comments_by_indicator,
    display_answer,
    indicator_views,
    tree_rows,
)
from zi_assess.assessments.return_loop import changes_since_return, fixes_per_page, fixes_per_page_of, open_fixes
from zi_assess.assessments.scores import EFFECTIVE, area_rule, compute_scores, page_nilai, page_persen
from zi_assess.authz import allowed, assessment_roles, editable_layer
from zi_assess.clock import local_now
from zi_assess.domain import AnswerError, load_criteria, verdict
from zi_assess.domain.gap import GapReport, improvement_steps
from zi_assess.domain.workflow import LAYERS, Layer, Status, available_transitions
from zi_assess.extensions import db
from zi_assess.i18n import current_locale
from zi_assess.labels import predicate_name
from zi_assess.messages import answer_message
from zi_assess.models import Answer, CurrentScore, StatusChange, User
from zi_assess.web import actor, revalidate_privately

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
    blank = StepForm(formdata=None)
    name = predicate_name(bundle.criteria, assessment.target_predicate)
    for form in (blank, step_form):
        if form is not None:
            form.granted.choices = choices([("ya", _("Predikat %(p)s diberikan", p=name)),
                                            ("tidak", _("Predikat %(p)s tidak diberikan", p=name))])
    returned = Status(assessment.status) == Status.RETURNED
    return render_template(
        "assessments/overview.html", a=assessment, criteria=bundle.criteria, scores=scores,
        rows=tree_rows(bundle.criteria, scores.effective),
        editable=editable_layer(current_user, assessment), steps=steps, step_form=blank, refused_form=step_form,
        refused=refused,
        history=history, prerequisites=ops.prerequisite_result(assessment),
        fixes=open_fixes(assessment_id, bundle.criteria) if returned else [],
        return_note=next((change.note for change, _name in history if change.transition == "return_to_unit"), ""),
        changes=(list(changes_since_return(assessment_id, bundle.criteria).values())
                 if Status(assessment.status) == Status.TPI_REVIEW
                 and any(change.transition == "resubmit" for change, _name in history) else None),
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
        etag = _area_etag(assessment, area, layer, can_edit)
        if etag is not None and etag in request.if_none_match:
            return _not_modified(etag)  # nothing on the page changed since this browser's copy
        # created_at tells two databases' assessment 1 apart (a restored backup, a test run)
        # the area page's own revision (older assessments without one: the assessment's)
        revision = area_revision if area_revision is not None else -assessment.revision
        key = (assessment.id, assessment.created_at, revision, area, layer, can_edit, current_locale())
        typed = session.pop(EVIDENCE_TYPED_KEY, None)  # a refused link's address and title, shown again once
        parts = None if typed else area_parts_cache.get(key)
        read = None
        if parts is None:
            bundle = ops.load_bundle(assessment_id, assessment)
            form = _area_form(bundle, area, layer) if can_edit else None
            read = _read_for_page(bundle, layer)
            parts = _area_parts(bundle, area, layer, can_edit, form, typed, read.comments)
            if not typed:
                area_parts_cache.put(key, parts)
        page = make_response(_area_page(assessment, area, layer, can_edit, parts, None, read))
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
    read = _read_for_page(bundle, layer)
    return _area_page(bundle.assessment, area, layer, can_edit,
                      _area_parts(bundle, area, layer, can_edit, form, None, read.comments), form, read), status


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
    return revalidate_privately(Response(status=304), etag)


@dataclass(frozen=True)
class _PageRead:
    """What a request that loaded the whole assessment already knows for the page around the cards."""

    comments: dict[str, list[Any]]
    answered: set[str]


def _read_for_page(bundle: Any, layer: Layer | None) -> _PageRead:
    """The assessment's comments (one query) and the indicators answered in ``layer`` (any layer
    when None), from a loaded bundle: the page needs no second read of either."""
    rows = bundle.layer_answers(layer).values() if layer is not None else \
        [row for lay in bundle.answers for row in bundle.layer_answers(lay).values()]
    return _PageRead(comments_by_indicator(bundle.assessment.id),
                     {row.indicator_id for row in rows if row.value is not None and row.value != {}})


def _area_parts(bundle: Any, area: str, layer: Layer | None, can_edit: bool, form: AreaFormBase | None,
                typed: dict[str, str] | None = None, comments: dict[str, list[Any]] | None = None) -> AreaParts:
    """Render the cards, tabs and running scores of one area page."""
    scores = compute_scores(bundle)
    evidence = assessment_evidence(bundle.assessment.id)
    views = indicator_views(bundle, scores, area, layer, current_locale(), evidence, comments)
    if Status(bundle.assessment.status) == Status.TPI_REVIEW:
        changes = changes_since_return(bundle.assessment.id, bundle.criteria)
        for view in views:
            view.changed = changes[view.id].kinds if view.id in changes else []
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


def _area_page(assessment: Any, area: str, layer: Layer | None, can_edit: bool, parts: AreaParts,
               form: AreaFormBase | None, read: _PageRead | None = None) -> str:
    """The page around the cards: tabs and running scores come from the stored current scores.
    ``read``: answers and comments this request already read (else they are queried)."""
    criteria = load_criteria(assessment.criteria_id)
    current = {row.layer: (row.total, row.nodes, row.verdicts) for row in db.session.execute(
        select(CurrentScore.layer, CurrentScore.total, CurrentScore.nodes, CurrentScore.verdicts)
        .where(CurrentScore.assessment_id == assessment.id))}
    shown = current.get(layer.value if layer else EFFECTIVE)
    running = [(key, page_nilai(criteria, current[key][1], area), current[key][0])
               for key in (*(lay.value for lay in LAYERS), EFFECTIVE) if key in current]
    effective = current.get(EFFECTIVE)
    passed = [(code, effective[2].get(code)) for code in criteria.predicates] if effective else []
    needs_reason = can_edit and layer is not None and ops.layer_was_submitted(assessment.id, layer)
    pages = list(criteria.page_ids)
    following = pages[pages.index(area) + 1] if pages.index(area) + 1 < len(pages) else None
    return render_template("assessments/area.html", a=assessment, criteria=criteria, area=area,
                           answered=_answered_per_page(assessment.id, criteria, layer,
                                                       read.answered if read is not None else None),
                           next_page=following,
                           pages=criteria.page_ids, layer=layer, can_edit=can_edit, parts=parts, form=form,
                           layers=LAYERS, running=running, passed=passed,
                           needs_reason=needs_reason,
                           fix_pages=fixes_per_page_of(read.comments, criteria) if read is not None
                           else fixes_per_page(open_fixes(assessment.id, criteria)),
                           tab_persen=page_persen(criteria, shown[1]) if shown else None)


def _answered_per_page(assessment_id: int, criteria: Any, layer: Layer | None,
                       answered: set[str] | None = None) -> dict[str, tuple[int, int]]:
    """Per page of the criteria: (indicators answered in ``layer`` — in any layer when None —, indicators).
    ``answered``: those indicators, when the request already knows them."""
    if answered is None:
        query = select(Answer.indicator_id, Answer.value).where(Answer.assessment_id == assessment_id)
        if layer is not None:
            query = query.where(Answer.layer == layer)
        answered = {ind for ind, value in db.session.execute(query) if value is not None and value != {}}
    out: dict[str, tuple[int, int]] = {}
    for page in criteria.page_ids:
        inds = criteria.page_indicators(page)
        out[page] = (sum(1 for i in inds if i.id in answered), len(inds))
    return out


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
