"""``zi-assess lke import ASSESSMENT_ID FILE --layer L [--dry-run] [--locale id|en]``.

Imports an LKE workbook (zi-assess's own export or the circulating Lampiran III "LKE ZI" sheet)
into one layer, the way the web import does: the same reading, the same per-row report (printed),
all or nothing. Exit code 0 when imported (or, with ``--dry-run``, when it could be), 2 when
refused: the file, a cell, the layer or the assessment — nothing is written then.

The command acts as no person: an account that exists only in memory (never added to the
session) and holds the role that writes ``--layer`` on the assessment's unit. authz still
decides whether that layer is open now; audit events carry the address ``cli``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import gettext as _

from zi_assess.domain.workflow import LAYER_ROLES, LAYERS, Layer
from zi_assess.i18n import LOCALES


def _importer(assessment: Any, layer: Layer, locale: str) -> Any:
    """The command line as the team that writes ``layer`` on this assessment's unit (in memory only)."""
    from zi_assess.audit import Actor
    from zi_assess.models import Role, RoleAssignment, User
    from zi_assess.models.users import INSTANSI_ROLES, UNIT_ROLES

    role = Role(sorted(LAYER_ROLES[layer])[0])
    if role in UNIT_ROLES:
        assignment = RoleAssignment(role=role, unit_id=assessment.unit_id)
    elif role in INSTANSI_ROLES:
        assignment = RoleAssignment(role=role, instansi_id=assessment.unit.instansi_id)
    else:
        assignment = RoleAssignment(role=role)
    user = User(name="zi-assess command line", email="", is_active=True, locale=locale, roles=[assignment])
    return Actor(user, "cli")


def _severity(severity: str) -> str:
    return {"error": _("GALAT"), "warning": _("PERINGATAN"), "info": _("INFO")}[severity]


def report_lines(report: Any) -> list[str]:
    """The per-row report as plain text lines (the web page's findings table)."""
    lines = []
    for finding in report.findings:
        where = finding.where or "–"
        indicator = finding.indicator_id or "–"
        lines.append(f"{_severity(finding.severity):<10} {where:<16} {indicator:<12} {finding.message}")
    return lines


def _refuse(message: str) -> None:
    click.echo(message, err=True)
    raise click.exceptions.Exit(2)


def _run(assessment_id: int, path: Path, layer: Layer, dry_run: bool, locale: str) -> None:
    from zi_assess.assessments.operations import NotFound, StaleAnswer, load_bundle
    from zi_assess.authz import PermissionDenied, authorize
    from zi_assess.extensions import db
    from zi_assess.interop import operations as ops
    from zi_assess.interop.excel_import import Expected, read_workbook
    from zi_assess.interop.layout import LayoutError, layout_for
    from zi_assess.interop.upload import UploadRejected
    from zi_assess.messages import LAYER_NAMES, STATUS_NAMES

    bundle = load_bundle(assessment_id)
    if bundle is None:
        _refuse(_("Tidak ada penilaian dengan ID %(id)d.", id=assessment_id))
        return
    assessment = bundle.assessment
    actor = _importer(assessment, layer, locale)
    layer_name = str(LAYER_NAMES.get(layer.value, layer.value))
    try:
        authorize(actor.user, "answer.edit", assessment, layer=layer)
    except PermissionDenied:
        _refuse(_("Lapis %(layer)s tidak dapat diubah sekarang (status penilaian: %(status)s). Tidak ada yang "
                  "diimpor.", layer=layer_name, status=STATUS_NAMES.get(assessment.status.value,
                                                                          assessment.status.value)))
    data = path.read_bytes()
    try:
        report = read_workbook(data, bundle.criteria, layout_for(bundle.criteria.id), layer,
                               max_bytes=int(current_app.config["UPLOAD_MAX_BYTES"]),
                               expected=Expected(assessment.unit.code, assessment.year, bundle.criteria.id))
    except UploadRejected as exc:
        _refuse(f"{path.name}: {exc.message}")
        return
    except LayoutError:
        _refuse(_("Versi kriteria penilaian ini tidak memiliki tata letak Excel PortalRB."))
        return
    layout = _("Lampiran III (lembar \"%(sheet)s\")", sheet=report.sheet) if report.layout == "lampiran" else _(
        "PortalRB (lembar \"%(sheet)s\")", sheet=report.sheet)
    click.echo(_("Berkas %(file)s: tata letak %(layout)s, dibaca ke lapis %(layer)s (kolom %(answer)s dan "
                 "%(note)s) penilaian %(id)d, %(unit)s %(year)d.", file=path.name, layout=layout, layer=layer_name,
                 answer=report.answer_col, note=report.note_col, id=assessment.id, unit=assessment.unit.code,
                 year=assessment.year))
    for line in report_lines(report):
        click.echo(line)
    click.echo(_("%(errors)d galat, %(warnings)d peringatan.", errors=len(report.errors),
                 warnings=len(report.warnings)))
    if not report.ok:
        _refuse(_("Tidak ada yang diimpor: berkas memuat %(n)d galat.", n=len(report.errors)))
    changes = ops.import_changes(bundle, layer, report)
    links = ops.evidence_changes(bundle, layer, report)
    counts = {kind: sum(1 for c in changes if c.kind == kind) for kind in ("new", "changed", "note", "same")}
    click.echo(_("Perubahan: %(new)d baru, %(changed)d berubah, %(note)d catatan, %(same)d sama; %(links)d tautan "
                 "bukti dukung.", links=len(links), **counts))
    if dry_run:
        click.echo(_("Uji coba (--dry-run): tidak ada yang disimpan."))
        return
    try:
        result = ops.apply_import(actor, assessment.id, layer, report, filename=path.name[:200],
                                  sha256=hashlib.sha256(data).hexdigest(), versions=ops.seen_versions(bundle, layer))
    except (StaleAnswer, NotFound, PermissionDenied):
        db.session.rollback()
        _refuse(_("Tidak ada yang diimpor: penilaian berubah selama impor. Jalankan perintahnya kembali."))
        return
    db.session.commit()
    if not result.changed:
        click.echo(_("Tidak ada perubahan: semua jawaban di berkas sama dengan yang tersimpan."))
        return
    click.echo(_("Diimpor ke lapis %(layer)s: %(n)d jawaban, %(links)d tautan bukti dukung.", layer=layer_name,
                 n=len(result.answers), links=len(result.links)))


lke_group = click.Group("lke", help="LKE workbooks (Excel): import into a layer.")


@lke_group.command("import")
@click.argument("assessment_id", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--layer", required=True, type=click.Choice([layer.value for layer in LAYERS]),
              help="layer to import into (must be the one open now)")
@click.option("--dry-run", is_flag=True, help="validate and print the report; write nothing")
@click.option("--locale", default="id", show_default=True, type=click.Choice(LOCALES), help="language of the report")
@with_appcontext
def import_command(assessment_id: int, file: Path, layer: str, dry_run: bool, locale: str) -> None:
    """Import an LKE workbook (PortalRB export or Lampiran III "LKE ZI") into one layer: all or nothing."""
    with force_locale(locale):
        _run(assessment_id, file, Layer(layer), dry_run, locale)


commands = [lke_group]
