"""Thin views of the main blueprint."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from zi_assess.domain import load_criteria
from zi_assess.extensions import db
from zi_assess.i18n import LOCALES
from zi_assess.org import operations as org_ops
from zi_assess.web import actor

bp = Blueprint("main", __name__)


@bp.get("/")
def home() -> str:
    criteria = load_criteria()
    return render_template("main/home.html", criteria=criteria)


@bp.post("/bahasa/<locale>")
def set_locale(locale: str) -> Response:
    """Switch the language; a signed-in user keeps the choice for every later visit."""
    if locale in LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            org_ops.set_locale(actor(), current_user, locale)
            db.session.commit()
    target = request.form.get("next") or url_for("main.home")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("main.home")
    return redirect(target)
