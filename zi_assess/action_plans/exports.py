"""The action plan as a PDF (through the one PDF renderer) and as an Excel workbook."""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from zi_assess.action_plans.forms import STATUS_LABELS, quarter_label
from zi_assess.action_plans.progress import PlanProgress
from zi_assess.assessments.loading import AssessmentBundle
from zi_assess.clock import format_local, local_now
from zi_assess.filenames import slug
from zi_assess.i18n import current_locale
from zi_assess.interop.excel_export import set_text
from zi_assess.labels import predicate_name
from zi_assess.models import Assessment
from zi_assess.reports.documents import html_for, stylesheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Document:
    data: bytes
    filename: str
    mimetype: str


def _name(assessment: Assessment, extension: str) -> str:
    code = slug(assessment.unit.code, fallback=f"unit{assessment.unit_id}")
    return f"RENCANA-AKSI-{code}-{assessment.year}.{extension}"


def due_text(activity: object) -> str:
    due_date = getattr(activity, "due_date", None)
    if due_date is not None:
        return due_date.strftime("%d-%m-%Y")
    return quarter_label(getattr(activity, "due_quarter", None))


def plan_pdf(bundle: AssessmentBundle, progress: PlanProgress) -> Document:
    from zi_assess.reports.pdf import render_pdf  # WeasyPrint loads only in processes that render

    locale = current_locale()
    html = html_for("reports/action_plan.html", locale, a=bundle.assessment, criteria=bundle.criteria, p=progress,
                    predicate=predicate_name(bundle.criteria, progress.plan.predicate), status_labels=STATUS_LABELS,
                    due_text=due_text, printed=format_local(local_now()), lang=locale)
    pdf = render_pdf(html, stylesheets=[stylesheet("action_plan.css")])
    return Document(pdf, _name(bundle.assessment, "pdf"), "application/pdf")


def plan_xlsx(bundle: AssessmentBundle, progress: PlanProgress) -> Document:
    wb = Workbook()
    ws = wb.active
    ws.title = _("Rencana aksi")[:31]
    assessment = bundle.assessment
    set_text(ws.cell(row=1, column=1), _("Rencana aksi untuk predikat %(p)s — %(unit)s, %(year)s",
                                          p=predicate_name(bundle.criteria, progress.plan.predicate),
                                          unit=assessment.unit.name, year=assessment.year))
    ws.cell(row=1, column=1).font = Font(bold=True, size=12)
    set_text(ws.cell(row=2, column=1), _("Nilai sekarang %(now)s · proyeksi %(proj)s · jika semua selesai %(full)s",
                                          now=f"{progress.now.sheet.total:.2f}",
                                          proj=f"{progress.projection.sheet.total:.2f}",
                                          full=f"{progress.complete.sheet.total:.2f}"))
    headers = [_("Indikator"), _("Area"), _("Jawaban saat disusun"), _("Jawaban yang dituju"), _("Biaya"),
               _("Tambahan nilai"), _("Kegiatan"), _("Penanggung jawab (PIC)"), _("Tenggat"), _("Status"),
               _("Tautan bukti"), _("Catatan bukti")]
    for col, name in enumerate(headers, start=1):
        cell = ws.cell(row=4, column=col)
        set_text(cell, name)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="0B5D46")
    row = 5
    for view in progress.items:
        for activity in view.activities:
            values: list[object] = [view.item.indicator_id, view.page, view.current_text, view.expected_text,
                                    view.item.cost, round(view.item.gain, 4), activity.description, activity.pic,
                                    due_text(activity), str(STATUS_LABELS[activity.status]),
                                    activity.evidence_url or "", activity.evidence_note or ""]
            for col, value in enumerate(values, start=1):
                cell = ws.cell(row=row, column=col)
                if isinstance(value, str):
                    set_text(cell, value)
                else:
                    cell.value = value
                cell.alignment = Alignment(vertical="top", wrap_text=col in (7, 12))
            row += 1
    for col, width in enumerate([11, 6, 22, 22, 7, 10, 50, 22, 16, 13, 40, 40], start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "B5"
    summary = wb.create_sheet(_("Kemajuan per area")[:31])
    for col, name in enumerate([_("Area"), _("Selesai"), _("Jumlah"), _("Persen")], start=1):
        set_text(summary.cell(row=1, column=col), name)
        summary.cell(row=1, column=col).font = Font(bold=True)
    for r, area in enumerate(progress.areas, start=2):
        set_text(summary.cell(row=r, column=1), area.label)
        summary.cell(row=r, column=2).value = area.done
        summary.cell(row=r, column=3).value = area.total
        summary.cell(row=r, column=4).value = round(area.percent / 100, 4)
        summary.cell(row=r, column=4).number_format = "0.00%"
    summary.column_dimensions["A"].width = 48
    wb.properties.creator = "zi-assess"
    out = io.BytesIO()
    wb.save(out)
    return Document(out.getvalue(), _name(assessment, "xlsx"), XLSX)
