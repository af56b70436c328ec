"""The evaluation-year pages (national admin): step deadlines, the proposal window, proposal quotas."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from zi_assess.assessments.forms import choices
from zi_assess.authz import authorize
from zi_assess.clock import local_date
from zi_assess.domain.workflow import PROPOSED_OR_LATER
from zi_assess.extensions import db
from zi_assess.messages import STEP_NAMES, org_message
from zi_assess.models import Assessment, Deadline, Instansi, ProposalQuota, Unit
from zi_assess.web import actor
from zi_assess.years import operations as ops
from zi_assess.years.forms import InstansiWindowForm, QuotaForm, WindowsForm, YearForm

bp = Blueprint("years", __name__, url_prefix="/admin/tahun")


def _known_years() -> list[int]:
    years = {local_date().year}
    for column in (Deadline.year, ProposalQuota.year, Assessment.year):
        years.update(db.session.scalars(select(column).distinct()))
    return sorted(years, reverse=True)


@bp.route("/", methods=["GET", "POST"])
@login_required
def year_list() -> str | Response | tuple[str, int]:
    authorize(actor().user, "org.national")
    form = YearForm()
    if form.validate_on_submit():
        return redirect(url_for("years.year_detail", year=form.year.data))
    html = render_template("years/list.html", years=_known_years(), form=form)
    return (html, 400) if form.errors else html


def _instansi_choices() -> list[Any]:
    return choices((i.id, i.name) for i in db.session.scalars(select(Instansi).order_by(Instansi.name)))


def _forms(year: int) -> tuple[WindowsForm, InstansiWindowForm, QuotaForm]:
    which = request.form.get("form") if request.method == "POST" else None
    windows = WindowsForm(formdata=None if which != "windows" else request.form)
    per_instansi = InstansiWindowForm(formdata=None if which != "instansi" else request.form)
    quota = QuotaForm(formdata=None if which != "quota" else request.form)
    per_instansi.instansi.choices = quota.instansi.choices = _instansi_choices()
    per_instansi.step.choices = choices((s, str(STEP_NAMES[s])) for s in ops.DEADLINE_STEPS)
    if which != "windows":
        for step in ops.DEADLINE_STEPS:
            row = db.session.scalar(select(Deadline).where(Deadline.scope_key == Deadline.key(step, year, None)))
            if row is not None:
                getattr(windows, f"{step}_opens").data = row.opens_on
                getattr(windows, f"{step}_closes").data = row.closes_on
    return windows, per_instansi, quota


def _save(year: int, which: str | None, forms: tuple[WindowsForm, InstansiWindowForm, QuotaForm]) -> bool:
    """Apply the posted form; True when saved (the caller commits), else its errors are on the form."""
    who = actor()
    windows, per_instansi, quota = forms
    try:
        if which == "windows" and windows.validate():
            for step in ops.DEADLINE_STEPS:
                opens, closes = getattr(windows, f"{step}_opens"), getattr(windows, f"{step}_closes")
                if closes.data is None and opens.data is not None:
                    closes.errors = [*closes.errors, _("Isi tanggal penutupan.")]
                    raise ops.InvalidInput("deadline_closes")
                if closes.data is None:
                    ops.clear_deadline(who, step, year)
                else:
                    ops.set_deadline(who, step, year, closes.data, opens_on=opens.data)
            return True
        if which == "instansi" and per_instansi.validate():
            instansi = db.session.get(Instansi, per_instansi.instansi.data)
            if instansi is None:
                abort(404)
            ops.set_deadline(who, per_instansi.step.data or "", year, per_instansi.closes_on.data,
                             opens_on=per_instansi.opens_on.data, instansi=instansi)
            return True
        if which == "quota" and quota.validate():
            instansi = db.session.get(Instansi, quota.instansi.data)
            if instansi is None:
                abort(404)
            ops.set_quota(who, year, instansi, quota.max_units.data or 0, quota.basis.data)
            return True
    except ops.InvalidInput as exc:
        db.session.rollback()
        form = {"windows": windows, "instansi": per_instansi, "quota": quota}[which or "windows"]
        if exc.code != "deadline_closes":
            form.form_errors.append(year_message(exc.code))
    return False


def year_message(code: str) -> str:
    messages = {
        "deadline_order": _("Tanggal pembukaan harus sebelum atau sama dengan tanggal penutupan."),
        "year": _("Tahun 2021–2099."),
        "quota_number": _("Isi kuota dengan bilangan bulat 0 atau lebih."),
    }
    return messages.get(code) or org_message(code)


@bp.route("/<int:year>", methods=["GET", "POST"])
@login_required
def year_detail(year: int) -> str | Response | tuple[str, int]:
    authorize(actor().user, "org.national")
    if year not in ops.YEARS:
        abort(404)
    forms = _forms(year)
    if request.method == "POST":
        which = request.form.get("form")
        if _save(year, which, forms):
            db.session.commit()
            flash(_("Pengaturan tahun %(year)s disimpan.", year=year), "success")
            return redirect(url_for("years.year_detail", year=year))
    windows, per_instansi, quota = forms
    overrides = list(db.session.scalars(select(Deadline).where(Deadline.year == year, Deadline.instansi_id.is_not(None))
                                        .order_by(Deadline.instansi_id, Deadline.step)))
    quotas = list(db.session.scalars(select(ProposalQuota).where(ProposalQuota.year == year)))
    used = dict(db.session.execute(
        select(Unit.instansi_id, func.count()).select_from(Assessment).join(Unit, Unit.id == Assessment.unit_id)
        .where(Assessment.year == year, Assessment.status.in_([s.value for s in PROPOSED_OR_LATER]))
        .group_by(Unit.instansi_id)).all())
    names = dict(db.session.execute(select(Instansi.id, Instansi.name)).all())
    failed = bool(request.method == "POST")
    html = render_template("years/detail.html", year=year, windows=windows, per_instansi=per_instansi, quota=quota,
                           overrides=overrides, quotas=sorted(quotas, key=lambda q: names.get(q.instansi_id, "")),
                           used=used, names=names, steps=ops.DEADLINE_STEPS)
    return (html, 400) if failed else html


@bp.post("/<int:year>/hapus-batas/<int:deadline_id>")
@login_required
def deadline_remove(year: int, deadline_id: int) -> Response:
    row = db.session.get(Deadline, deadline_id)
    if row is None or row.year != year:
        abort(404)
    instansi = db.session.get(Instansi, row.instansi_id) if row.instansi_id else None
    ops.clear_deadline(actor(), row.step, year, instansi=instansi)  # (CSRF-checked like every post)
    db.session.commit()
    flash(_("Batas waktu dihapus."), "success")
    return redirect(url_for("years.year_detail", year=year))


@bp.post("/<int:year>/hapus-kuota/<int:quota_id>")
@login_required
def quota_remove(year: int, quota_id: int) -> Response:
    row = db.session.get(ProposalQuota, quota_id)
    if row is None or row.year != year:
        abort(404)
    ops.clear_quota(actor(), row)
    db.session.commit()
    flash(_("Kuota dihapus."), "success")
    return redirect(url_for("years.year_detail", year=year))
