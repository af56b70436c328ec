"""The inbox, its unread count in the header, and the preferences page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from zi_assess.authz import authorize
from zi_assess.extensions import db
from zi_assess.models import Notification
from zi_assess.notifications import operations as ops
from zi_assess.notifications import texts
from zi_assess.notifications.forms import PreferencesForm
from zi_assess.web import actor

bp = Blueprint("notifications", __name__, url_prefix="/notifikasi")
PAGE_SIZE = 30


@bp.app_context_processor
def _unread() -> dict[str, Any]:
    def unread_notifications() -> int:
        if not current_user.is_authenticated:
            return 0
        return ops.unread_count(current_user.id)

    return {"unread_notifications": unread_notifications}


@bp.get("/")
@login_required
def inbox() -> str:
    authorize(current_user, "profile.edit", current_user)
    page = max(1, request.args.get("halaman", 1, type=int) or 1)
    rows = list(db.session.scalars(select(Notification).where(Notification.user_id == current_user.id)
                                   .order_by(Notification.id.desc()).offset((page - 1) * PAGE_SIZE)
                                   .limit(PAGE_SIZE + 1)))
    items = [(n, texts.title(n.kind, n.params), texts.body(n.kind, n.params).split("\n")[1:])
             for n in rows[:PAGE_SIZE]]
    return render_template("notifications/inbox.html", items=items, page=page, more=len(rows) > PAGE_SIZE,
                           kind_names=texts.KIND_NAMES)


@bp.post("/<int:notification_id>/baca")
@login_required
def open_one(notification_id: int) -> Response:
    """Mark one as read and open what it is about."""
    row = db.session.get(Notification, notification_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    ops.mark_read(actor(), notification_id)
    db.session.commit()
    if row.assessment_id is not None:
        return redirect(url_for("assessments.overview", assessment_id=row.assessment_id))
    return redirect(url_for("notifications.inbox"))


@bp.post("/baca-semua")
@login_required
def read_all() -> Response:
    ops.mark_read(actor())
    db.session.commit()
    return redirect(url_for("notifications.inbox"))


@bp.route("/preferensi", methods=["GET", "POST"])
@login_required
def preferences() -> str | Response:
    """Per kind: in the inbox, by e-mail, both or neither."""
    authorize(current_user, "profile.edit", current_user)
    form = PreferencesForm()
    if form.validate_on_submit():
        ops.set_preferences(actor(), form.choices())
        db.session.commit()
        flash(_("Pilihan pemberitahuan disimpan."), "success")
        return redirect(url_for("notifications.preferences"))
    if request.method == "GET":
        saved = ops.preferences([current_user.id])
        for kind, in_app, email in form.rows():
            pref = saved.get((current_user.id, kind))
            in_app.data, email.data = (pref.in_app, pref.email) if pref else (True, True)
    return render_template("notifications/preferences.html", form=form, kind_names=texts.KIND_NAMES)
