"""The area page around its form: the validator (ETag) of the page as a session sees it, the
indicator cards (cached one by one), and the tabs and running scores from the stored figures."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from typing import Any

from flask import (
    Response,
    current_app,
    render_template,
    request,
    session,
)
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import select

from zi_assess.assessments import operations as ops
from zi_assess.assessments.forms import (
    EVIDENCE_TYPED_KEY,
    AreaFormBase,
)
from zi_assess.assessments.loading import assessment_evidence
from zi_assess.assessments.page_cache import AreaParts, card_cache
from zi_assess.assessments.presenters import (
    comments_by_indicator,
    indicator_views,
)
from zi_assess.assessments.return_loop import changes_since_return, fixes_per_page, fixes_per_page_of, open_fixes
from zi_assess.assessments.scores import EFFECTIVE, compute_scores, page_nilai, page_persen
from zi_assess.domain import load_criteria
from zi_assess.domain.workflow import LAYERS, Layer, Status
from zi_assess.extensions import db
from zi_assess.i18n import current_locale
from zi_assess.models import Answer, CurrentScore
from zi_assess.result_cache import cached
from zi_assess.web import revalidate_privately


def area_etag(assessment: Any, area: str, layer: Layer | None, can_edit: bool) -> str | None:
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


def not_modified(etag: str) -> Response:
    return revalidate_privately(Response(status=304), etag)


@dataclass(frozen=True)
class PageRead:
    """What a request that loaded the whole assessment already knows for the page around the cards."""

    comments: dict[str, list[Any]]
    answered: set[str]


def read_for_page(bundle: Any, layer: Layer | None) -> PageRead:
    """The assessment's comments (one query) and the indicators answered in ``layer`` (any layer
    when None), from a loaded bundle: the page needs no second read of either."""
    rows = bundle.layer_answers(layer).values() if layer is not None else \
        [row for lay in bundle.answers for row in bundle.layer_answers(lay).values()]
    return PageRead(comments_by_indicator(bundle.assessment.id),
                     {row.indicator_id for row in rows if row.value is not None and row.value != {}})


def area_parts(bundle: Any, area: str, layer: Layer | None, can_edit: bool, form: AreaFormBase | None,
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
        cards=cards(context) if not typed else Markup(render_template("assessments/_area_cards.html", **context)),
        evidence_choices=tuple((ev.id, ev.title) for ev in evidence),
        indicator_choices=tuple((v.key, v.id, v.question[:60]) for v in views),
    )


def cards(context: dict[str, Any]) -> Markup:
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


#: the ``?lapis=`` values that name a layer
LAYER_VALUES = frozenset(layer.value for layer in Layer)


def area_page(assessment: Any, area: str, layer: Layer | None, can_edit: bool, parts: AreaParts,
               form: AreaFormBase | None, read: PageRead | None = None) -> str:
    """The page around the cards: tabs and running scores come from the stored current scores.
    ``read``: answers and comments this request already read (else they are queried, or taken
    from the result cache while the assessment's revision is the same)."""
    criteria = load_criteria(assessment.criteria_id)
    lapis = request.args.get("lapis")  # kept in the tabs' links as given
    if read is None and (lapis is None or lapis in LAYER_VALUES):
        key = (assessment.id, assessment.created_at, assessment.revision, criteria.id, area, layer, can_edit,
               current_locale(), lapis, request.script_root)
        around = cached("area-around", key, lambda: surroundings(assessment, criteria, area, layer, can_edit, None),
                        versioned=True)
    else:  # (a ?lapis= that names no layer is never a key: no one can fill the cache by inventing them)
        around = surroundings(assessment, criteria, area, layer, can_edit, read)
    pages = list(criteria.page_ids)
    following = pages[pages.index(area) + 1] if pages.index(area) + 1 < len(pages) else None
    return render_template("assessments/area.html", a=assessment, criteria=criteria, area=area,
                           next_page=following, pages=criteria.page_ids, layer=layer, can_edit=can_edit,
                           parts=parts, form=form, layers=LAYERS, **around)


def surroundings(assessment: Any, criteria: Any, area: str, layer: Layer | None, can_edit: bool,
                 read: PageRead | None) -> dict[str, Any]:
    """What the page shows around the cards, all of it read from data that bumps
    ``Assessment.revision`` when it changes: answers (the tab counts), current scores (running
    sums, tab percentages, verdicts), open fix requests and whether the layer was ever submitted;
    the tabs and the running scores rendered (in the request's language, with its ``?lapis=``)."""
    current = {row.layer: (row.total, row.nodes, row.verdicts) for row in db.session.execute(
        select(CurrentScore.layer, CurrentScore.total, CurrentScore.nodes, CurrentScore.verdicts)
        .where(CurrentScore.assessment_id == assessment.id))}
    shown = current.get(layer.value if layer else EFFECTIVE)
    effective = current.get(EFFECTIVE)
    context = dict(a=assessment, criteria=criteria, area=area, layer=layer, pages=criteria.page_ids,
                   answered=answered_per_page(assessment.id, criteria, layer,
                                              read.answered if read is not None else None),
                   running=[(key, page_nilai(criteria, current[key][1], area), current[key][0])
                            for key in (*(lay.value for lay in LAYERS), EFFECTIVE) if key in current],
                   passed=[(code, effective[2].get(code)) for code in criteria.predicates] if effective else [],
                   fix_pages=fixes_per_page_of(read.comments, criteria) if read is not None
                   else fixes_per_page(open_fixes(assessment.id, criteria)),
                   tab_persen=page_persen(criteria, shown[1]) if shown else None)
    return {
        "needs_reason": can_edit and layer is not None and ops.layer_was_submitted(assessment.id, layer),
        # the tabs (the page's own ?lapis= in their links) and the running scores, rendered here
        "tabs_html": Markup(render_template("assessments/_area_tabs.html", **context)),
        "side_html": Markup(render_template("assessments/_area_side.html", **context)),
    }


def answered_per_page(assessment_id: int, criteria: Any, layer: Layer | None,
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
