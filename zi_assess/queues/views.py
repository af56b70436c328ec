"""``/antrean/<queue>``: the TPI, TPN and managers' queues."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from zi_assess.authz import allowed, authorize, visible_units
from zi_assess.clock import local_date
from zi_assess.domain.workflow import Layer, Status
from zi_assess.extensions import db
from zi_assess.models import Instansi, Unit
from zi_assess.queues import operations as ops
from zi_assess.queues.query import PAGE_SIZE, QUEUE_STATUSES, SORTS, Filters, page
from zi_assess.web import actor

bp = Blueprint("queues", __name__, url_prefix="/antrean")

#: queue → what authz is asked about it, and its title
QUEUES: dict[str, tuple[Any, Any]] = {
    "tpi": (Layer.TPI, _l("Antrean TPI")),
    "tpn": (Layer.TPN_DESK, _l("Antrean TPN")),
    "manager": ("manager", _l("Antrean manajer")),
}
SORT_NAMES = {"deadline": _l("Batas waktu"), "age": _l("Terlama menunggu"), "unit": _l("Nama unit"),
              "score": _l("Nilai tertinggi"), "changed": _l("Baru berubah")}


def queues_of(user: Any) -> list[str]:
    return [name for name, (obj, _title) in QUEUES.items() if allowed(user, "review.queue", obj)]


@bp.app_context_processor
def _queue_links() -> dict[str, Any]:
    return {"queue_names": lambda: queues_of(current_user) if current_user.is_authenticated else []}


@bp.get("/")
@login_required
def index() -> Response:
    mine = queues_of(current_user)
    if not mine:
        abort(403)
    return redirect(url_for("queues.queue", name=mine[0]))


def _filters() -> Filters:
    args = request.args
    instansi = args.get("instansi", type=int)
    return Filters(q=args.get("q", "")[:100], status=args.get("status", ""), instansi_id=instansi,
                   target=args.get("target", "")[:24], deadline=args.get("batas", ""),
                   mine=args.get("saya") == "1", sort=args.get("urut", "deadline"),
                   page=max(1, args.get("halaman", 1, type=int) or 1))


@bp.get("/<name>")
@login_required
def queue(name: str) -> str:
    if name not in QUEUES:
        abort(404)
    obj, title = QUEUES[name]
    authorize(current_user, "review.queue", obj)
    f = _filters()
    rows, count = page(current_user, name, f, local_date())
    instansi = db.session.scalars(select(Instansi).where(Instansi.id.in_(
        visible_units(current_user, select(Unit.instansi_id)))).order_by(Instansi.name)).all()
    statuses = QUEUE_STATUSES[name] or tuple(Status)
    pages = max(1, -(-count // PAGE_SIZE))
    html = render_template("queues/queue.html", name=name, title=title, rows=rows, count=count, f=f,
                           pages=pages, instansi=instansi, statuses=statuses, sorts=SORTS, sort_names=SORT_NAMES,
                           queues=[(q, QUEUES[q][1]) for q in queues_of(current_user)])
    # after rendering: the commit expires the loaded rows, and reading them again would cost a query each
    ops.mark_seen(actor(), name)
    db.session.commit()
    return html
