"""One worksheet written straight as SpreadsheetML, for exports of many plain rows (the national
recap: thousands of rows of text and figures). openpyxl builds and serialises a cell object per
value, which costs about as much as everything else of the request together; here each row is
one string. Text is always an inline string (a value starting with ``=`` stays text, never a
formula); figures are numbers, shown with two decimals or at full precision. Three styles only:
plain, the bold header on green, and ``0.00``.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import get_column_letter

from zi_assess.interop.excel_export import clean_text

#: style index of a cell (xl/styles.xml cellXfs)
PLAIN, HEADER, TWO_DECIMALS = 0, 1, 2

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PKG_REL}">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PKG_REL}">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)
_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><color rgb="FFFFFFFF"/><name val="Calibri"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="000B5D46"/><bgColor indexed="64"/></patternFill></fill>'
    "</fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>'
    '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)

#: a value with the style it is shown with (plain text and whole numbers: PLAIN)
Cell = tuple[str | int | float | None, int]


def _cell(ref: str, value: str | int | float | None, style: int) -> str:
    s = f' s="{style}"' if style else ""
    if value is None:
        return f'<c r="{ref}"{s}/>' if style else ""
    if isinstance(value, str):
        return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{escape(clean_text(value))}</t></is></c>'
    return f'<c r="{ref}"{s}><v>{value!r}</v></c>'


def worksheet(title: str, sheet_name: str, rows: Iterable[Sequence[Cell]], *, columns: int, row_count: int,
              widths: Sequence[float], freeze: str, creator: str) -> bytes:
    """The workbook: ``rows`` (the header first), each cell a (value, style) pair; ``columns`` and
    ``row_count`` (header included) for the auto-filter range; ``freeze``: the first unfrozen cell."""
    letters = [get_column_letter(n) for n in range(1, columns + 1)]
    out = io.StringIO()
    out.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}" '
              f'xmlns:r="{_REL}"><sheetViews><sheetView workbookViewId="0">')
    split_col = _column_index(freeze) - 1
    split_row = int("".join(ch for ch in freeze if ch.isdigit())) - 1
    out.write(f'<pane xSplit="{split_col}" ySplit="{split_row}" topLeftCell="{freeze}" activePane="bottomRight" '
              'state="frozen"/><selection pane="bottomRight"/></sheetView></sheetViews>'
              '<sheetFormatPr defaultRowHeight="15"/><cols>')
    for n, width in enumerate(widths, start=1):
        out.write(f'<col min="{n}" max="{n}" width="{width}" customWidth="1"/>')
    out.write("</cols><sheetData>")
    for r, row in enumerate(rows, start=1):
        out.write(f'<row r="{r}">')
        out.write("".join(_cell(f"{letters[c]}{r}", value, style) for c, (value, style) in enumerate(row)))
        out.write("</row>")
    out.write(f'</sheetData><autoFilter ref="A1:{letters[-1]}{max(row_count, 1)}"/></worksheet>')
    workbook = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN}" '
                f'xmlns:r="{_REL}"><sheets><sheet name={quoteattr(clean_text(sheet_name))} sheetId="1" r:id="rId1"/>'
                f"</sheets><definedNames><definedName name=\"_xlnm._FilterDatabase\" localSheetId=\"0\" hidden=\"1\">"
                f"{escape(_quoted(sheet_name))}!$A$1:${letters[-1]}${max(row_count, 1)}</definedName></definedNames>"
                "</workbook>")
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    core = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties '
            'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{escape(clean_text(title))}</dc:title><dc:creator>{escape(creator)}</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified></cp:coreProperties>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=5) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _ROOT_RELS)
        z.writestr("docProps/core.xml", core)
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/styles.xml", _STYLES)
        z.writestr("xl/worksheets/sheet1.xml", out.getvalue())
    return buffer.getvalue()


def _column_index(ref: str) -> int:
    n = 0
    for ch in ref:
        if not ch.isalpha():
            break
        n = n * 26 + ord(ch.upper()) - 64
    return n


def _quoted(sheet_name: str) -> str:
    return "'" + clean_text(sheet_name).replace("'", "''") + "'"
