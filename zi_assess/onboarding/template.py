"""The onboarding template workbook (downloaded from the import page): the table with examples and a
sheet naming every allowed value."""

from __future__ import annotations

import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from zi_assess.models import InstansiKind, Role, UnitType
from zi_assess.onboarding.reading import COLUMNS, SHEET

EXAMPLES = (
    ("instansi", "Pemerintah Kabupaten Contoh", "pemkab", "Jawa Barat", "Kabupaten Contoh", "", "", "", "", "", "",
     "", "", ""),
    ("unit", "Pemerintah Kabupaten Contoh", "", "", "", "RSUD-01", "RSUD Kabupaten Contoh", "rsud", "", "dr. Sari",
     "", "", "", ""),
    ("pengguna", "Pemerintah Kabupaten Contoh", "", "", "", "RSUD-01", "", "", "", "", "operator.rsud@contoh.go.id",
     "Budi Operator", "id", "unit_operator"),
    ("pengguna", "Pemerintah Kabupaten Contoh", "", "", "", "", "", "", "", "", "inspektorat@contoh.go.id",
     "Wati Ketua TPI", "id", "tpi_lead"),
)


def template_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in EXAMPLES:
        sheet.append(list(row))
    for column, width in zip("ABCDEFGHIJKLMN", (12, 34, 16, 18, 22, 12, 30, 16, 12, 18, 32, 24, 8, 18), strict=True):
        sheet.column_dimensions[column].width = width
    notes = book.create_sheet(_("Petunjuk"))
    notes.append([_("Kolom"), _("Isi")])
    notes.append(["jenis_baris", "instansi, unit, pengguna"])
    notes.append(["jenis_instansi", ", ".join(k.value for k in InstansiKind)])
    notes.append(["provinsi / kabupaten_kota", _("wajib untuk pemerintah daerah / pemkab dan pemkot")])
    notes.append(["jenis_unit", ", ".join(t.value for t in UnitType)])
    notes.append(["kode_induk", _("kode unit induk di instansi yang sama (boleh kosong)")])
    notes.append(["bahasa", "id, en"])
    notes.append(["peran", ", ".join(r.value for r in Role)])
    notes.append([_("lingkup"), _("peran unit: instansi dan kode_unit; peran instansi: instansi; peran nasional: "
                                  "keduanya kosong")])
    notes.append([_("akun baru"), _("mendapat undangan lewat surel untuk mengatur kata sandinya")])
    notes.column_dimensions["A"].width = 26
    notes.column_dimensions["B"].width = 90
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
