"""The bulk onboarding page (national admin): template, upload, report, then import all or nothing."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.file import FileField, FileRequired
from werkzeug.wrappers import Response

from zi_assess.authz import authorize
from zi_assess.extensions import db
from zi_assess.forms import BaseForm
from zi_assess.interop import pending
from zi_assess.onboarding.operations import apply_plan
from zi_assess.onboarding.reading import NotReadable, Plan, build_plan, read_table
from zi_assess.onboarding.template import template_xlsx
from zi_assess.org.invitations import mail_invitation
from zi_assess.web import actor

bp = Blueprint("onboarding", __name__, url_prefix="/admin/impor")
#: pending uploads of this page are kept with this (non-)assessment id and layer
PENDING_ID, PENDING_KIND = 0, "onboarding"

NOT_READABLE = {
    "header": _l("Baris pertama harus berisi nama kolom templat (jenis_baris, instansi, …). Unduh templatnya."),
    "too_many": _l("Berkas memuat lebih dari 5.000 baris; bagi menjadi beberapa berkas."),
    "encoding": _l("Berkas CSV harus berenkode UTF-8."),
    "not_csv": _l("Isi berkas ini bukan teks CSV."),
}


class OnboardingForm(BaseForm):
    table = FileField(_l("Berkas (.xlsx atau .csv)"), validators=[FileRequired(_l("Pilih berkas yang akan diimpor."))],
                      render_kw={"accept": ".xlsx,.csv"})


class ConfirmForm(BaseForm):
    """Only the CSRF token."""


def not_readable_message(code: str) -> str:
    from zi_assess.interop.upload import MESSAGES

    if code in NOT_READABLE:
        return str(NOT_READABLE[code])
    return str(MESSAGES.get(code, MESSAGES["corrupt"])) % {"mb": current_app.config["UPLOAD_MAX_MB"]}


def _plan(data: bytes, filename: str) -> Plan:
    return build_plan(read_table(data, filename), filename)


@bp.get("/templat.xlsx")
@login_required
def template() -> Response:
    authorize(actor().user, "org.national")
    import io

    return send_file(io.BytesIO(template_xlsx()), download_name="templat-onboarding-zi-assess.xlsx", as_attachment=True,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/", methods=["GET", "POST"])
@login_required
def import_upload() -> str | Response | tuple[str, int]:
    authorize(actor().user, "org.national")
    form = OnboardingForm()
    if not form.validate_on_submit():
        return render_template("onboarding/upload.html", form=form), 400 if form.errors else 200
    upload = form.table.data
    data = upload.read(int(current_app.config["UPLOAD_MAX_BYTES"]) + 1)
    filename = (upload.filename or "onboarding.xlsx")[:200]
    if len(data) > int(current_app.config["UPLOAD_MAX_BYTES"]):
        form.table.errors = [not_readable_message("too_large")]
        return render_template("onboarding/upload.html", form=form), 400
    try:
        plan = _plan(data, filename)
    except NotReadable as exc:
        form.table.errors = [not_readable_message(exc.code)]
        return render_template("onboarding/upload.html", form=form), 400
    token = None
    if plan.ok and plan.changes:
        token = pending.save(data, user_id=current_user.id, assessment_id=PENDING_ID, layer=PENDING_KIND,
                             filename=filename, seen_versions={}).token
    html = render_template("onboarding/report.html", plan=plan, token=token, confirm=ConfirmForm())
    return (html, 422) if not plan.ok else html


@bp.post("/<token>")
@login_required
def import_confirm(token: str) -> Response:
    who = actor()
    authorize(who.user, "org.national")
    found = pending.load(token, user_id=current_user.id, assessment_id=PENDING_ID)
    back = redirect(url_for("onboarding.import_upload"))
    if found is None or found[0].layer != PENDING_KIND or not ConfirmForm().validate_on_submit():
        flash(_("Unggahan tidak ditemukan atau sudah kedaluwarsa. Unggah berkasnya kembali."), "warning")
        return back
    stored, data = found
    pending.discard(token)
    try:
        plan = _plan(data, stored.filename)
    except NotReadable as exc:
        flash(not_readable_message(exc.code), "error")
        return back
    if not plan.ok:  # the database changed since the report was shown
        flash(_("Berkas tidak lagi lolos pemeriksaan; tidak ada yang disimpan. Unggah kembali untuk melihat "
                "laporannya."), "error")
        return back
    invitations = apply_plan(who, plan)
    db.session.commit()
    failed = [user.email for user, token_ in invitations if not mail_invitation(user, token_)]
    counts = plan.counts()
    flash(_("Impor selesai: %(i)s instansi, %(u)s unit, %(a)s akun baru, %(r)s peran.",
            i=counts["instansi_create"] + counts["instansi_update"], u=counts["unit_create"] + counts["unit_update"],
            a=counts["user_create"], r=counts["role_create"]), "success")
    if failed:
        flash(_("Undangan tidak terkirim ke: %(emails)s. Kirim ulang dari halaman akunnya.",
                emails=", ".join(failed)), "warning")
    return redirect(url_for("org.user_list"))
