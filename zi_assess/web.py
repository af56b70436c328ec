"""Small helpers shared by views: the acting user, the client address, safe redirects, ``can``."""

from __future__ import annotations

import io

from flask import request, send_file
from flask_login import current_user
from werkzeug.wrappers import Response

from zi_assess.audit import Actor
from zi_assess.authz import allowed


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
