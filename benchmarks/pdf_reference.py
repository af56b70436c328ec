"""The reference the report renders are measured against: a plain WeasyPrint table report.

A standalone script (imports WeasyPrint and nothing of zi-assess): 113 rows of 5 columns
(number, code, question, value, a 200-character note), A4 portrait, 9 pt, one ``<table>`` with
a repeated header, written to a file. ``benchmarks/bench_pdf.py`` runs it as a whole process,
start-up included, exactly as it runs ``zi-assess report``.

    python benchmarks/pdf_reference.py out.pdf            # one report
    python benchmarks/pdf_reference.py out.pdf --repeat 20  # 20 in one process (a bulk worker's share)
"""

from __future__ import annotations

import random
import sys
from html import escape

ROWS = 113
NOTE_CHARS = 200
WORDS = ("unit kerja telah melaksanakan kegiatan sosialisasi pembangunan zona integritas secara berkala dengan "
         "bukti notulen daftar hadir dan dokumentasi foto serta laporan monitoring evaluasi triwulan").split()


def text(rng: random.Random, size: int) -> str:
    words: list[str] = []
    while len(" ".join(words)) < size:
        words.append(rng.choice(WORDS))
    return " ".join(words)[:size].rstrip().capitalize() + "."


def html() -> str:
    rng = random.Random(113)
    rows = "".join(
        f"<tr><td>{n}</td><td>R{n // 20 + 1}.{n % 7 + 1}.a</td><td>{escape(text(rng, 90))}</td>"
        f"<td class=num>{rng.randint(0, 100)},00 %</td><td>{escape(text(rng, NOTE_CHARS))}</td></tr>"
        for n in range(1, ROWS + 1))
    return f"""<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Reference</title><style>
@page {{ size: A4; margin: 18mm 15mm; }}
html {{ font-family: sans-serif; font-size: 9pt; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: .5pt solid #999; padding: 1mm; text-align: left; vertical-align: top; }}
td.num {{ text-align: right; }}
</style></head><body><h1>Reference report</h1><table>
<thead><tr><th style="width:6%">No</th><th style="width:10%">Kode</th><th style="width:30%">Pertanyaan</th>
<th style="width:10%">Nilai</th><th>Catatan</th></tr></thead><tbody>{rows}</tbody></table></body></html>"""


def main() -> int:
    import weasyprint

    args = sys.argv[1:]
    repeat = 1
    if "--repeat" in args:
        at = args.index("--repeat")
        repeat = int(args[at + 1])
        del args[at:at + 2]
    out = args[0] if args else "reference.pdf"
    for _ in range(repeat):
        weasyprint.HTML(string=html()).write_pdf(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
