"""Excel export and import of an assessment, recap exports, and the admin's API-key pages (thin views)."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from zi_assess.assessments import operations as assessment_ops
from zi_assess.assessments.loading import AssessmentBundle
from zi_assess.authz import authorize, editable_layer
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.filenames import slug
from zi_assess.interop import operations as ops
from zi_assess.interop import pending
from zi_assess.interop.excel_export import build_workbook
from zi_assess.interop.excel_import import Expected, ImportReport, read_workbook
from zi_assess.interop.forms import ApiKeyForm, ConfirmForm, ImportUploadForm
from zi_assess.interop.layout import LayoutError, layout_for
from zi_assess.interop.recap_export import add_comparison_sheet, comparison_csv, export_bytes, to_csv, to_xlsx
from zi_assess.interop.sources import export_data
from zi_assess.interop.upload import UploadRejected
from zi_assess.messages import layer_short
from zi_assess.models import ApiKey, Instansi
from zi_assess.recap import scope_key
from zi_assess.reports.documents import compared_years, recap_lines, recap_pairs, recap_scope
from zi_assess.reports.forms import filter_problem, recap_filter_form
from zi_assess.web import actor, download

bp = Blueprint("interop", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _overview(assessment_id: int) -> str:
    try:
        return url_for("assessments.overview", assessment_id=assessment_id)
    except BuildError:
        return url_for("interop.import_upload", assessment_id=assessment_id)


# -- Excel export ------------------------------------------------------------------------------


@bp.get("/penilaian/<int:assessment_id>/lke.xlsx")
@login_required
def export_xlsx(assessment_id: int) -> Response:
    bundle = assessment_ops.get_bundle(actor(), assessment_id)
    try:
        data = build_workbook(export_data(bundle, current_user))
    except LayoutError:
        flash(_("Versi kriteria penilaian ini tidak memiliki tata letak Excel PortalRB."), "warning")
        return redirect(_overview(assessment_id))
    ops.record_export(actor(), "lke_xlsx", assessment_id=assessment_id, detail={"layers": "all"})
    db.session.commit()
    unit = bundle.assessment.unit
    return download(data, f"LKE-{slug(unit.code, fallback='unit')}-{bundle.assessment.year}.xlsx", XLSX)


# -- Excel import ------------------------------------------------------------------------------


def _import_target(assessment_id: int) -> tuple[AssessmentBundle, Layer]:
    """The assessment and the one layer the user may import into now (answer.edit, or 403/404)."""
    bundle = assessment_ops.get_bundle(actor(), assessment_id)
    layer = editable_layer(current_user, bundle.assessment)
    authorize(current_user, "answer.edit", bundle.assessment, layer=layer)
    assert layer is not None
    return bundle, layer


def _read(bundle: AssessmentBundle, layer: Layer, data: bytes) -> ImportReport:
    assessment = bundle.assessment
    return read_workbook(
        data, bundle.criteria, layout_for(bundle.criteria.id), layer,
        max_bytes=int(current_app.config["UPLOAD_MAX_BYTES"]),
        expected=Expected(assessment.unit.code, assessment.year, bundle.criteria.id),
    )


def _page(bundle: AssessmentBundle, layer: Layer) -> dict[str, Any]:
    answer_col, note_col = layout_for(bundle.criteria.id).cells[0].columns(layer)
    return {"assessment": bundle.assessment, "layer": layer, "layer_name": layer_short(layer.value),
            "answer_col": answer_col, "note_col": note_col, "max_mb": current_app.config["UPLOAD_MAX_MB"]}


def _report_page(bundle: AssessmentBundle, layer: Layer, report: ImportReport, *, filename: str,
                 token: str | None, status: int = 200) -> tuple[str, int]:
    changes = ops.import_changes(bundle, layer, report) if report.ok else []
    links = ops.evidence_changes(bundle, layer, report) if report.ok else []
    counts = {kind: sum(1 for c in changes if c.kind == kind) for kind in ("new", "changed", "note", "same")}
    page = _page(bundle, layer) | {"answer_col": report.answer_col, "note_col": report.note_col}
    return render_template(
        "interop/import_report.html", **page, report=report, filename=filename, token=token,
        changes=[c for c in changes if c.kind != "same"], counts=counts, links=links, criteria=bundle.criteria,
        form=ConfirmForm(),
    ), status


@bp.route("/penilaian/<int:assessment_id>/impor", methods=["GET", "POST"])
@login_required
def import_upload(assessment_id: int) -> Response | tuple[str, int] | str:
    bundle, layer = _import_target(assessment_id)
    try:
        layout_for(bundle.criteria.id)
    except LayoutError:
        flash(_("Versi kriteria penilaian ini tidak memiliki tata letak Excel PortalRB."), "warning")
        return redirect(_overview(assessment_id))
    form = ImportUploadForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("interop/import_upload.html", **_page(bundle, layer), form=form), status
    upload = form.workbook.data
    data = upload.read(int(current_app.config["UPLOAD_MAX_BYTES"]) + 1)
    filename = upload.filename or "lke.xlsx"
    try:
        report = _read(bundle, layer, data)
    except UploadRejected as exc:
        form.workbook.errors = [exc.message]
        return render_template("interop/import_upload.html", **_page(bundle, layer), form=form), 422
    if not report.ok:
        return _report_page(bundle, layer, report, filename=filename, token=None, status=422)
    stored = pending.save(data, user_id=current_user.id, assessment_id=assessment_id, layer=layer.value,
                          filename=filename, seen_versions=ops.seen_versions(bundle, layer))
    return redirect(url_for("interop.import_review", assessment_id=assessment_id, token=stored.token))


def _pending_report(assessment_id: int, token: str) -> Response | tuple[AssessmentBundle, Layer, Any, bytes,
                                                                             ImportReport]:
    """The upload behind ``token`` read against the layer the user may import into now, or a redirect
    back to the upload page (upload expired, the assessment moved to another layer, file refused)."""
    bundle, layer = _import_target(assessment_id)
    back = redirect(url_for("interop.import_upload", assessment_id=assessment_id))
    found = pending.load(token, user_id=current_user.id, assessment_id=assessment_id)
    if found is None:
        flash(_("Unggahan tidak ditemukan atau sudah kedaluwarsa. Unggah berkasnya kembali."), "warning")
        return back
    stored, data = found
    if stored.layer != layer.value:
        pending.discard(token)
        flash(_("Impor dibatalkan karena tahap penilaian berubah. Unggah berkasnya kembali."), "warning")
        return back
    try:
        report = _read(bundle, layer, data)
    except UploadRejected as exc:
        pending.discard(token)
        flash(exc.message, "error")
        return back
    return bundle, layer, stored, data, report


@bp.get("/penilaian/<int:assessment_id>/impor/<token>")
@login_required
def import_review(assessment_id: int, token: str) -> Response | tuple[str, int]:
    found = _pending_report(assessment_id, token)
    if isinstance(found, Response):
        return found
    bundle, layer, stored, _data, report = found
    return _report_page(bundle, layer, report, filename=stored.filename, token=token if report.ok else None)


@bp.post("/penilaian/<int:assessment_id>/impor/<token>")
@login_required
def import_confirm(assessment_id: int, token: str) -> Response | tuple[str, int]:
    found = _pending_report(assessment_id, token)  # the CSRF token is checked app-wide (CSRFProtect)
    if isinstance(found, Response):
        return found
    bundle, layer, stored, data, report = found
    if not report.ok:
        return _report_page(bundle, layer, report, filename=stored.filename, token=None, status=422)
    try:
        result = ops.apply_import(actor(), assessment_id, layer, report, filename=stored.filename,
                                  sha256=hashlib.sha256(data).hexdigest(), versions=stored.seen_versions)
    except assessment_ops.StaleAnswer as exc:
        db.session.rollback()
        pending.discard(token)
        flash(_("Tidak ada yang diimpor: %(n)d jawaban diubah orang lain sejak laporan validasi ditampilkan "
                "(%(ids)s). Unggah berkasnya kembali.", n=len(exc.items),
                ids=", ".join(i.indicator_id for i in exc.items[:5])), "error")
        return redirect(url_for("interop.import_upload", assessment_id=assessment_id))
    db.session.commit()
    pending.discard(token)
    if result.answers:
        flash(_("%(n)d jawaban diimpor ke lapis %(layer)s.", n=len(result.answers),
                layer=layer_short(layer.value)), "success")
    if result.links:
        flash(_("%(n)d tautan bukti dukung ditambahkan atau dikaitkan.", n=len(result.links)), "success")
    if not result.changed:
        flash(_("Tidak ada perubahan: semua jawaban di berkas sama dengan yang tersimpan."), "success")
    return redirect(_overview(assessment_id))


@bp.post("/penilaian/<int:assessment_id>/impor/<token>/batal")
@login_required
def import_cancel(assessment_id: int, token: str) -> Response:
    _import_target(assessment_id)
    if pending.load(token, user_id=current_user.id, assessment_id=assessment_id):
        pending.discard(token)
        flash(_("Impor dibatalkan; tidak ada yang diubah."), "success")
    return redirect(url_for("interop.import_upload", assessment_id=assessment_id))


# -- recap exports -----------------------------------------------------------------------------


def _recap_download(kind: str) -> Response | tuple[str, int]:
    """The recap page's rows, under the page's own filters (same query string), as CSV or XLSX."""
    form, filters = recap_filter_form(current_user)
    if form.errors:
        return render_template("reports/problem.html", message=filter_problem(form), code=400), 400
    instansi = recap_scope(actor(), filters.instansi_id)  # authorization stays outside the cache
    decimal_comma = request.args.get("desimal") == "koma"
    years = compared_years(filters)
    title = _("Rekap penilaian Zona Integritas")

    def build() -> tuple[bytes, int]:
        rows, instansi = recap_lines(actor(), filters)
        pairs = recap_pairs(actor(), filters, rows, instansi)
        if pairs is not None and years is not None:  # two years compared: the comparison (CSV) or a second sheet
            if kind == "csv":
                return comparison_csv(pairs, *years, decimal_comma=decimal_comma), len(rows)
            return add_comparison_sheet(to_xlsx(rows, title), pairs, *years), len(rows)
        return (to_csv(rows, decimal_comma=decimal_comma) if kind == "csv" else to_xlsx(rows, title)), len(rows)

    # the file first, under the revision the request began with; then its audit row, in the same transaction
    data, row_count = export_bytes(
        kind, (scope_key(current_user), instansi.id if instansi else None, filters, decimal_comma), build)
    ops.record_export(actor(), f"recap_{kind}", detail={
        "instansi": instansi.id if instansi else None, "rows": row_count, "query": request.query_string.decode()[:300],
    })
    # named before the commit expires the instansi (it would be loaded again)
    name = f"rekap-{slug(instansi.name, fallback='instansi') if instansi else 'nasional'}"
    db.session.commit()
    if years is not None:
        name += f"-{years[0]}-{years[1]}"
    if kind == "csv":
        return download(data, f"{name}.csv", "text/csv; charset=utf-8")
    return download(data, f"{name}.xlsx", XLSX)


@bp.get("/rekap.csv")
@login_required
def recap_csv() -> Response | tuple[str, int]:
    return _recap_download("csv")


@bp.get("/rekap.xlsx")
@login_required
def recap_xlsx() -> Response | tuple[str, int]:
    return _recap_download("xlsx")


# -- API keys (admin) --------------------------------------------------------------------------


def _keys_page(form: ApiKeyForm, created: tuple[ApiKey, str] | None = None, status: int = 200) -> tuple[str, int]:
    keys = db.session.scalars(select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.id.desc())).all()
    prefix = current_app.config["PORTALRB_API_PREFIX"].rstrip("/")
    return render_template("interop/api_keys.html", form=form, keys=keys, created=created, api_prefix=prefix,
                           base_url=request.host_url.rstrip("/") + prefix), status


def _key_form() -> ApiKeyForm:
    form = ApiKeyForm()
    form.instansi.choices = [(i.id, i.name) for i in db.session.scalars(select(Instansi).order_by(Instansi.name))]
    return form


@bp.route("/admin/kunci-api", methods=["GET", "POST"])
@login_required
def api_keys() -> tuple[str, int] | Response:
    authorize(current_user, "api_keys.manage")
    form = _key_form()
    if not form.validate_on_submit():
        return _keys_page(form, status=422 if request.method == "POST" else 200)
    key, plain = ops.create_api_key(actor(), form.instansi.data, form.name.data or "")
    db.session.commit()
    page, status = _keys_page(_key_form(), created=(key, plain), status=201)
    response = current_app.make_response((page, status))
    response.headers["Cache-Control"] = "no-store"  # the key is shown once and must not be cached
    return response


@bp.post("/admin/kunci-api/<int:key_id>/cabut")
@login_required
def api_key_revoke(key_id: int) -> Response:
    authorize(current_user, "api_keys.manage")
    if ConfirmForm().validate_on_submit():
        key = ops.revoke_api_key(actor(), key_id)
        db.session.commit()
        flash(_("Kunci %(prefix)s dicabut; PortalRB tidak dapat lagi memakainya.", prefix=key.prefix), "success")
    return redirect(url_for("interop.api_keys"))
