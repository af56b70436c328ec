"""Language choice and number formatting for templates (Bahasa Indonesia first, English second)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, has_request_context, request, session, url_for
from flask_babel import Domain
from flask_babel import lazy_gettext as _l
from jinja2 import pass_eval_context
from markupsafe import Markup

from zi_assess.domain.display import format_minimum, format_num, format_pct

LOCALES = ("id", "en")


def select_locale() -> str:
    """The signed-in user's language, else the session's choice, else the browser's, else id
    (outside a request — a CLI command, a worker — the default language)."""
    if not has_request_context():
        return str(current_app.config.get("DEFAULT_LOCALE") or "id")
    from flask_login import current_user  # here: the lean app (reports, workers) never imports Flask-Login

    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in LOCALES:
        return str(user_locale)
    chosen = session.get("locale")
    if chosen in LOCALES:
        return str(chosen)
    return request.accept_languages.best_match(LOCALES, default="id") or "id"


def current_locale() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale else "id"


class RequestDomain(Domain):
    """Flask-Babel's message domain, keeping the request's translations beside the locale they
    are for. Its own lookup walks several context proxies and writes the locale's name out on
    every call (about 85,000 instructions per translated string; a page has dozens); kept, a
    string costs a tenth of that. ``force_locale`` sets another locale object, which is looked
    up again (and the request's own once it ends)."""

    def get_translations(self) -> Any:
        try:
            space = g._flask_babel  # Flask-Babel's per-request namespace (made by its first lookup)
        except (AttributeError, RuntimeError):
            return super().get_translations()
        kept = getattr(space, "zi_translations", None)
        if kept is not None and kept[0] is getattr(space, "babel_locale", None):
            return kept[1]
        translations = super().get_translations()  # (sets babel_locale)
        space.zi_translations = (getattr(space, "babel_locale", None), translations)
        return translations


#: the one message domain (installed on the shared Babel object by register_template_helpers)
REQUEST_DOMAIN = RequestDomain()


def _translations() -> Any:
    """The request's translations (see :class:`RequestDomain`)."""
    return REQUEST_DOMAIN.get_translations()


@pass_eval_context
def _template_gettext(eval_ctx: Any, string: str, **variables: Any) -> str:
    """``_()``/``gettext()`` in templates: what Jinja's i18n extension does (newstyle: always a
    format string, escaped where the template autoescapes) in one call instead of three."""
    text = REQUEST_DOMAIN.get_translations().ugettext(string)
    if eval_ctx.autoescape:
        text = Markup(text)
    if not variables and "%" not in text:
        return text  # (what formatting with nothing would give)
    return text % variables  # type: ignore[no-any-return]


def register_template_helpers(app: Flask) -> None:
    """``|num`` (95,63 / 95.63), ``|pct`` (66,67 %) and ``|minimum`` filters, locale-aware, and
    ``|localtime`` (a stored UTC timestamp in ``ZI_TIMEZONE``)."""
    from zi_assess.extensions import babel

    babel.domain_instance = REQUEST_DOMAIN  # (the shared Babel object: every app)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda text: _translations().ugettext(text),
        lambda singular, plural, n: _translations().ungettext(singular, plural, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext)

    @app.template_filter("num")
    def _num(value: Any, places: int = 2) -> str:
        return format_num(None if value in (None, "") else float(value), current_locale(), places)

    @app.template_filter("pct")
    def _pct(value: Any, places: int = 2) -> str:
        return format_pct(None if value is None else float(value), current_locale(), places)

    @app.template_filter("localtime")
    def _localtime(value: Any, fmt: str = "%d-%m-%Y %H:%M") -> str:
        from zi_assess.clock import format_local

        return format_local(value, fmt)

    @app.template_filter("minimum")
    def _minimum(value: Any) -> str:
        return format_minimum(float(value), current_locale())

    @app.context_processor
    def _locale_context() -> dict[str, Any]:
        return {"current_locale": current_locale(), "locales": LOCALES}

    from zi_assess import labels, messages

    app.jinja_env.globals.update(
        STATUS_NAMES=messages.STATUS_NAMES, STEP_NAMES=messages.STEP_NAMES, LAYER_NAMES=messages.LAYER_NAMES,
        ROLE_NAMES=messages.ROLE_NAMES,
        # the criteria's own names for what they define (areas, pages, rules, predicates)
        node_name=labels.node_name, node_label=labels.node_label, rule_label=labels.rule_label,
        predicate_name=labels.predicate_name, page_name=labels.page_name, page_label=labels.page_label,
        page_tab=labels.page_tab, outcome_label=labels.outcome_label,
        report_links=report_links,
        has_endpoint=lambda name: name in current_app.view_functions,
    )


#: download links shown on assessment pages, when the blueprint that serves them is installed
REPORT_LINKS = (
    ("reports.lke_pdf", _l("LKE (PDF)")),
    ("reports.lhe_pdf", _l("LHE (PDF)")),
    ("interop.export_xlsx", _l("LKE (Excel)")),
)
IMPORT_LINK = ("interop.import_upload", _l("Impor Excel"))


def report_links(assessment: Any) -> list[tuple[str, str]]:
    """Downloads for anyone who sees the assessment; the Excel import for whoever can edit now."""
    from zi_assess.web import can

    views = current_app.view_functions
    links = [(url_for(endpoint, assessment_id=assessment.id), str(label))
             for endpoint, label in REPORT_LINKS if endpoint in views and can("assessment.view", assessment)]
    endpoint, label = IMPORT_LINK
    if endpoint in views and can("answer.edit", assessment):
        links.append((url_for(endpoint, assessment_id=assessment.id), str(label)))
    return links
