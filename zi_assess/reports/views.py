"""Report pages and downloads (thin: parse → one call → commit → respond)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from zi_assess.authz import PermissionDenied, allowed, authorize, instansi_for
from zi_assess.clock import local_date
from zi_assess.extensions import db
from zi_assess.i18n import LOCALES, current_locale
from zi_assess.models import Assessment, ExportJob, Instansi, RenderJob, Unit
from zi_assess.recap import reader_key
from zi_assess.reports import documents, jobs, renders
from zi_assess.reports import operations as ops
from zi_assess.reports.context import status_label
from zi_assess.reports.forms import BulkExportForm, choices, filter_problem, recap_filter_form
from zi_assess.result_cache import cached
from zi_assess.storage import get_store
from zi_assess.web import actor

bp = Blueprint("reports", __name__)


def _locale() -> str:
    """Reports are written in the reader's language (their account's, else the page's)."""
    locale = getattr(current_user, "locale", None)
    return locale if locale in LOCALES else current_locale()


def _pdf(rendered: documents.Rendered) -> Response:
    response = Response(rendered.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{rendered.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _problem(message: str, code: int = 400) -> tuple[str, int]:
    return render_template("reports/problem.html", message=message, code=code), code


def _assessment_pdf(kind: str, assessment_id: int) -> Response | tuple[str, int]:
    try:
        layer = documents.parse_layer(request.args.get("lapis"))
    except ValueError:
        return _problem(_("Lapis “%(value)s” tidak dikenal. Pilih efektif, mandiri, tpi, tpn_desk atau tpn_lapangan.",
                          value=request.args.get("lapis", "")))
    outcome = renders.assessment_download(actor(), assessment_id, kind, layer, _locale(), request.full_path.rstrip("?"))
    return _outcome(outcome)


def _outcome(outcome: documents.Rendered | RenderJob | renders.Limited) -> Response | tuple[str, int]:
    """The PDF when it is ready, else the progress page of its rendering (or 429 when asked too often)."""
    db.session.commit()
    if isinstance(outcome, documents.Rendered):
        return _pdf(outcome)
    if isinstance(outcome, renders.Limited):
        message = _("Terlalu banyak permintaan laporan dalam satu menit. Coba lagi dalam %(seconds)s detik.",
                    seconds=outcome.retry_after)
        body, code = _problem(message, 429)
        response = Response(body, status=code, mimetype="text/html")
        response.headers["Retry-After"] = str(outcome.retry_after)
        return response
    return _render_progress(outcome)


def _render_progress(job: RenderJob) -> Response:
    state = renders.progress(job)
    body = render_template("reports/render_progress.html", job=job, p=state,
                           status_url=url_for(".render_status", job_id=job.id),
                           retry_url=url_for(".render_retry", job_id=job.id))
    response = Response(body, status=200 if state["failed"] else 202, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/laporan/render/<job_id>/status")
@login_required
def render_status(job_id: str) -> Response:
    """The state of a rendering, for the progress page's script."""
    response = jsonify(renders.progress(_render_job(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/laporan/render/<job_id>/ulang")
@login_required
def render_retry(job_id: str) -> Response:
    """Queue a failed rendering again, then back to the report (its progress page)."""
    job = _render_job(job_id)
    url = job.url
    renders.requeue(actor(), job)
    db.session.commit()
    return redirect(url)


def _render_job(job_id: str) -> RenderJob:
    job = db.session.get(RenderJob, job_id)
    if job is None or not allowed(current_user, "render.follow", job):
        abort(404)
    return job


@bp.get("/penilaian/<int:assessment_id>/lke.pdf")
@login_required
def lke_pdf(assessment_id: int) -> Response | tuple[str, int]:
    """The LKE sheet (``?lapis=efektif|mandiri|tpi|tpn_desk|tpn_lapangan``)."""
    return _assessment_pdf("lke", assessment_id)


@bp.get("/penilaian/<int:assessment_id>/lhe.pdf")
@login_required
def lhe_pdf(assessment_id: int) -> Response | tuple[str, int]:
    """The Laporan Hasil Evaluasi (default: of the effective LKE; ``?lapis=tpi`` for the TPI's)."""
    return _assessment_pdf("lhe", assessment_id)


# -- recap ------------------------------------------------------------------------------------


@bp.get("/rekap")
@login_required
def recap() -> str:
    form, filters = recap_filter_form(current_user)  # a bad field shows its error; the others still apply
    documents.recap_scope(actor(), filters.instansi_id)  # authorization stays outside the cache
    page = request.args.get("halaman", 1, type=int)
    # the form shows the query string as given, and the current year when none is
    # (the form's own fields only: other parameters change nothing and must not each make an entry)
    asked = sorted((k, v) for k, v in request.args.items(multi=True) if k in form.data)
    key = (reader_key(current_user), asked, filters, page, _locale(), local_date().year, request.script_root)
    content = cached("recap-page", key, lambda: _recap_content(form, filters, page))
    return render_template("reports/recap_page.html", content=content)


def _recap_content(form: Any, filters: documents.RecapFilters, page: int) -> Markup:
    """The recap page without its layout: once per data revision, reader (scope and roles),
    query string and language (:mod:`zi_assess.result_cache`)."""
    lines = documents.recap_summary_lines(actor(), filters)
    context = documents.recap(actor(), filters, _locale(), page=page, lines=lines)
    years = documents.recap_years_context(actor(), filters, _locale(), *lines)
    # an empty "tahun=" (every year) is kept: without it the links would fall back to the current year
    query = {k: v for k, v in request.args.items() if k in form.data and (v or k == "tahun")}
    instansi = db.session.get(Instansi, filters.instansi_id) if filters.instansi_id else None
    return Markup(render_template("reports/_recap_content.html", form=form, r=context, query=query, filters=filters,
                                 instansi=instansi, y=years))


@bp.get("/rekap.pdf")
@login_required
def recap_pdf() -> Response | tuple[str, int]:
    form, filters = recap_filter_form(current_user)
    if form.errors:
        return _problem(filter_problem(form))
    return _outcome(renders.recap_download(actor(), filters, _locale(), request.full_path.rstrip("?")))


# -- bulk export --------------------------------------------------------------------------------


def _year_choice(instansi_id: int, asked: Any) -> int:
    """The year asked for, else the instansi's latest assessment year, else this year."""
    try:
        return int(asked)
    except (TypeError, ValueError):
        latest = db.session.scalar(select(func.max(Assessment.year)).join(Unit, Unit.id == Assessment.unit_id)
                                   .where(Unit.instansi_id == instansi_id))
        return int(latest) if latest else local_date().year


@bp.route("/ekspor/lhe", methods=["GET", "POST"])
@login_required
def bulk() -> Response | str | tuple[str, int]:
    """Choose units of one instansi (or all of them) and start a ZIP of their LHE."""
    authorize(current_user, "export.lhe")
    exportable = db.session.scalars(instansi_for(current_user, "export.lhe")).all()
    if not exportable:
        return _problem(_("Belum ada instansi yang unitnya dapat diekspor."), 200)
    form = BulkExportForm()
    wanted = form.instansi.data if request.method == "POST" else request.args.get("instansi", type=int)
    instansi = next((i for i in exportable if i.id == wanted), None)
    if instansi is None:
        if request.method == "POST":  # a forged instansi id: it does not exist for this user
            raise PermissionDenied("export.lhe", "not a manager of this instansi", hide=True)
        instansi = exportable[0]
    year = _year_choice(instansi.id, form.tahun.data if request.method == "POST" else request.args.get("tahun"))
    units = db.session.execute(
        select(Unit.id, Unit.code, Unit.name, Assessment.status, Assessment.id)
        .outerjoin(Assessment, (Assessment.unit_id == Unit.id) & (Assessment.year == year))
        .where(Unit.instansi_id == instansi.id).order_by(Unit.name)
    ).all()
    form.units.choices = choices((u[0], f"{u[1]} — {u[2]}") for u in units)
    listed = [(u[0], u[1], u[2], status_label(getattr(u[3], "value", u[3])) if u[3] else "", u[4]) for u in units]
    if form.validate_on_submit():
        unit_ids = None if form.everything.data else form.units.data
        try:
            job = ops.create_export_job(actor(), instansi.id, year, unit_ids, locale=_locale(), backend=jobs.backend())
        except ops.InvalidExport as exc:
            form.units.errors = [_("Pilih minimal satu unit, atau ekspor semua unit instansi ini.")
                                 if exc.code == "no_units" else _("Unit yang dipilih bukan unit instansi ini.")]
        else:
            db.session.commit()
            jobs.start(job)
            return redirect(url_for(".bulk_status", job_id=job.id))
    form.instansi.data, form.tahun.data = instansi.id, year
    recent = db.session.scalars(select(ExportJob).where(ExportJob.created_by_id == current_user.id)
                                .order_by(ExportJob.created_at.desc()).limit(8)).all()
    return render_template("reports/bulk_form.html", form=form, choices=exportable, instansi=instansi, year=year,
                           units=listed, recent=[(j.id, j.created_at, j.status, j.total, j.year) for j in recent],
                           job_labels=job_labels())


def job_labels() -> dict[str, str]:
    return {"queued": _("Menunggu"), "running": _("Berjalan"), "zipping": _("Menyusun ZIP"), "done": _("Selesai"),
            "failed": _("Gagal")}


@bp.get("/ekspor/lhe/<job_id>")
@login_required
def bulk_status(job_id: str) -> str:
    job = ops.get_export_job(actor(), job_id)
    return render_template("reports/bulk_progress.html", job_id=job.id, p=_progress(job), job_labels=job_labels())


def _progress(job: ExportJob) -> dict[str, Any]:
    if job.status in ("queued", "running") and jobs.reap(job.id):  # a worker died mid-report: retry or fail it
        db.session.refresh(job)
    data = jobs.progress(job)
    data["download"] = url_for(".bulk_download", job_id=job.id) if jobs.zip_key(job) else None
    data["finished"] = job.status in ("done", "failed")
    return data


@bp.get("/ekspor/lhe/<job_id>/status")
@login_required
def bulk_status_json(job_id: str) -> Response:
    job = ops.get_export_job(actor(), job_id)
    response = jsonify(_progress(job))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/ekspor/lhe/<job_id>/unduh")
@login_required
def bulk_download(job_id: str) -> Response:
    job = ops.get_export_job(actor(), job_id)
    key = jobs.zip_key(job)
    if key is None or job.zip_name is None:
        abort(404)
    response = get_store().send(key, mimetype="application/zip", download_name=job.zip_name)
    response.headers["Cache-Control"] = "private, no-store"
    return response
