"""Evidence upload, links, attachment and download (always as an attachment, with permission)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from zi_assess.assessments.forms import (
    EVIDENCE_TYPED_KEY,
    AttachForm,
    DetachForm,
    EvidenceForm,
    EvidenceTargetForm,
    choices,
    field_key,
)
from zi_assess.evidence import operations as ops
from zi_assess.evidence.storage import EvidenceRejected
from zi_assess.extensions import db
from zi_assess.messages import evidence_message
from zi_assess.security_events import security_event
from zi_assess.storage import get_store
from zi_assess.web import actor

bp = Blueprint("evidence", __name__)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc: RequestEntityTooLarge) -> Response | RequestEntityTooLarge:
    """An upload over the request limit: back to its card with the reason, not a 413 dead end.

    The body was never read, so the card comes from the query string the upload button adds
    (``?indicator=…&area=…``); the page's script keeps the typed title and puts it back."""
    if request.endpoint != "evidence.upload" or not request.view_args:
        return exc
    indicator = request.args.get("indicator", "")[:16]
    message = evidence_message("too_large")
    session[EVIDENCE_TYPED_KEY] = {"indicator": indicator, "url": "", "title": "", "error": message}
    flash(message, "error")
    assessment_id = request.view_args["assessment_id"]
    area = request.args.get("area", "")
    target = (url_for("assessments.area", assessment_id=assessment_id, area=area) if area.isalnum() and len(area) < 4
              else url_for("assessments.overview", assessment_id=assessment_id))
    return redirect(f"{target}#ind-{indicator.replace('.', '_')}")


def _refused(assessment_id: int, indicator: str, form: EvidenceForm, message: str) -> Response:
    """Say why, at the top and on the card, and show the typed address and title again."""
    flash(message, "error")
    session[EVIDENCE_TYPED_KEY] = {"indicator": indicator, "url": (form.url.raw_data or [""])[0][:2000],
                                   "title": (form.title.raw_data or [""])[0][:200], "error": message}
    return _back(assessment_id, indicator)


def _back(assessment_id: int, indicator_id: str | None) -> Response:
    area = request.form.get("area")
    target = (url_for("assessments.area", assessment_id=assessment_id, area=area) if area
              else url_for("assessments.overview", assessment_id=assessment_id))
    return redirect(f"{target}#ind-{(indicator_id or '').replace('.', '_')}")


@bp.post("/penilaian/<int:assessment_id>/data-dukung")
@login_required
def upload(assessment_id: int) -> Response:
    target = EvidenceTargetForm()
    if not target.validate():
        abort(400)
    indicator = target.indicator.data or ""
    form = EvidenceForm(prefix=field_key(indicator))
    if not form.validate():
        return _refused(assessment_id, indicator, form,
                        " ".join(str(e) for errors in form.errors.values() for e in errors))
    upload_file = form.file.data
    try:
        if upload_file and upload_file.filename:
            ops.add_file(actor(), assessment_id, [indicator], upload_file.stream, upload_file.filename,
                         form.title.data or "")
        elif form.url.data:
            ops.add_link(actor(), assessment_id, [indicator], form.url.data, form.title.data or "")
        else:
            raise EvidenceRejected("nothing")
        db.session.commit()
    except EvidenceRejected as exc:
        db.session.rollback()
        if upload_file and upload_file.filename:
            if security_event(actor(), "upload_refused", assessment_id=assessment_id, detail={
                    "reason": exc.code, "detail": exc.detail[:200], "file": upload_file.filename[:200],
                    "indicator": indicator}):
                db.session.commit()
        return _refused(assessment_id, indicator, form, evidence_message(exc.code))
    flash(_("Data dukung ditambahkan ke indikator %(id)s.", id=indicator), "success")
    return _back(assessment_id, indicator)


@bp.post("/penilaian/<int:assessment_id>/data-dukung/lampirkan")
@login_required
def attach(assessment_id: int) -> Response:
    form = AttachForm()
    picked = request.form.get("evidence", "")
    form.evidence.choices = choices([(int(picked), "")] if picked.isdigit() else [])
    if not form.validate():
        abort(400)
    try:
        ops.attach(actor(), form.evidence.data, form.indicator.data)
        db.session.commit()
    except EvidenceRejected as exc:
        db.session.rollback()
        flash(evidence_message(exc.code), "error")
    return _back(assessment_id, form.indicator.data)


@bp.post("/penilaian/<int:assessment_id>/data-dukung/lepas")
@login_required
def detach(assessment_id: int) -> Response:
    form = DetachForm()
    evidence_id, _sep, indicator = (form.detach.data or "").partition(":")
    if not form.validate() or not evidence_id.isdigit():
        abort(400)
    ops.detach(actor(), int(evidence_id), indicator)
    db.session.commit()
    flash(_("Data dukung dilepas dari indikator %(id)s.", id=indicator), "success")
    return _back(assessment_id, indicator)


@bp.get("/data-dukung/<int:evidence_id>/unduh")
@login_required
def download(evidence_id: int) -> Response:
    evidence, key = ops.evidence_for_download(actor(), evidence_id)
    ops.record_download(actor(), evidence)
    db.session.commit()
    response = get_store().send(key, mimetype=evidence.blob.content_type if evidence.blob else
                                "application/octet-stream", download_name=evidence.filename or "data-dukung")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    # never rendered as a page of this site, whatever a browser makes of the bytes
    response.headers["Content-Security-Policy"] = "sandbox"
    return response
