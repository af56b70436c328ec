"""Small helpers shared by views: the acting user, the client address, safe redirects, ``can``."""

from __future__ import annotations

import io
from typing import Any

from flask import current_app, render_template, request, send_file
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from zi_assess.audit import Actor
from zi_assess.authz import allowed, assessment_roles
from zi_assess.result_cache import LocalStore, cached


def client_ip() -> str | None:
    return request.remote_addr


def actor() -> Actor:
    """The signed-in user and the request's address, for operations."""
    user = current_user._get_current_object() if current_user.is_authenticated else None
    return Actor(user, client_ip())


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def can(action: str, obj: object = None) -> bool:
    """Whether the signed-in user may do ``action`` (on ``obj``): templates show a link or a button
    only when the page behind it would let the user in (the same :func:`zi_assess.authz.authorize`)."""
    user = current_user._get_current_object() if current_user.is_authenticated else None
    return allowed(user, action, obj)


#: the app's store of navigation links per set of roles, language and page (about 2 kB each)
NAV_LINKS = "zi_nav_links"


def nav_links() -> Markup:
    """The main navigation's links (``_nav_links.html``): which a user sees follows from their
    roles alone, and which is current from the page's endpoint. Rendered once per worker for each
    combination; the unread count, the name and the sign-out form (its CSRF token) stay live."""
    from flask_babel import get_locale  # (zi_assess.i18n imports this module)

    user = current_user._get_current_object()
    roles = tuple(sorted((r.role.value, r.unit_id or 0, r.instansi_id or 0) for r in user.roles))
    key = repr((roles, str(get_locale()), request.endpoint, request.blueprint, request.script_root))
    store = current_app.extensions.get(NAV_LINKS)
    if store is None:
        store = current_app.extensions[NAV_LINKS] = LocalStore(max_entries=4096, max_bytes=16 * 1024 * 1024)
    found, links = store.get(key)
    if not found:
        links = Markup(render_template("_nav_links.html"))
        store.put(key, links, len(links) + len(key) + 200)
    return links  # type: ignore[no-any-return]


def assessment_header(assessment: Any) -> Markup:
    """The heading of every assessment page (``assessments/_header.html``: unit, status, target,
    the page links and downloads). What a reader may open there follows from the roles they hold
    on the assessment now (authz.assessment_roles: status and scope included), so it is rendered
    once per those roles, language and data revision (the assessment, its unit and instansi are
    watched tables) and kept in the result cache."""
    from flask_babel import get_locale  # (zi_assess.i18n imports this module)

    user = current_user._get_current_object()
    key = (assessment.id, assessment.created_at, tuple(sorted(assessment_roles(user, assessment))),
           str(get_locale()), request.script_root)
    return cached("assessment-header", key, lambda: Markup(render_template(
        "assessments/_header.html", a=assessment)))


#: stands for the session's CSRF token in markup kept in the result cache (never a token itself)
CSRF_PLACEHOLDER = "zi-csrf-token-placeholder-4f9c2a"


def csrf_placeholder() -> str:
    """``csrf_token`` for a template rendered once and kept: see :func:`with_csrf_token`."""
    return CSRF_PLACEHOLDER


def with_csrf_token(html: Markup) -> Markup:
    """Kept markup with this session's CSRF token put in where it was rendered with the placeholder."""
    from flask_wtf.csrf import generate_csrf

    return Markup(html.replace(CSRF_PLACEHOLDER, generate_csrf())) if CSRF_PLACEHOLDER in html else html


#: the only Cache-Control a signed-in page may carry besides no-store (see revalidate_privately)
PRIVATE_REVALIDATE = "private, no-cache"


def revalidate_privately(response: Response, etag: str) -> Response:
    """Let the browser keep this signed-in page and confirm its copy with ``If-None-Match``.

    The rule for signed-in pages (zi_assess.app._register_security_headers): ``no-store``, so a
    shared computer keeps nothing — except a page sent through here: ``private, no-cache`` (no
    proxy stores it; the browser asks before every reuse) with an ETag that must depend on the
    session (the account and the session's CSRF token: another person or a new login never has a
    copy confirmed) and on the page's version. Signing out also tells the browser to drop its
    copies (``Clear-Site-Data``). Only the area page uses it (the deadline day's re-reads).
    """
    response.set_etag(etag)
    response.headers["Cache-Control"] = PRIVATE_REVALIDATE
    return response


def download(data: bytes, name: str, mimetype: str) -> Response:
    """Bytes made for this user (an export): an attachment the browser and proxies never cache."""
    response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response
