"""PDF speed (issue #6): LHE render, stored re-download, bulk export with two RQ workers.

Goals on this 2-core machine, for a 113-indicator assessment with realistic notes (100–400
characters on every answer, four layers, review comments):

* LHE p50 ≤ 1.0 s, and ≤ 1.1 × the bare WeasyPrint render of the same HTML (so loading,
  scoring and templating cost at most 10 %);
* re-download of a stored (final) report ≤ 20 ms through the web view;
* bulk export ≥ 80 reports per minute with 2 ``zi-assess worker`` processes, each ≤ 200 MB peak;
* every PDF ≤ 300 KB.

Whole processes, taking turns for ≥ 5 rounds (``--rounds``), on the demo's decided four-layer
assessment: ``zi-assess report lhe ID -o f.pdf`` ≤ 0.6 × and ``zi-assess report lke ID -o f.pdf``
≤ 0.7 × the reference (``benchmarks/pdf_reference.py``: a plain 113-row, 5-column WeasyPrint table,
start-up included), each render process ≤ 200 MB at its peak (max RSS, ``os.wait4``); the bulk
export with two workers ≥ 2 × the reports per minute of two processes rendering the reference.
``--processes-only`` runs just that comparison (no Redis).

What a report process costs, and what was cut (issue #15): ``zi-assess report`` and ``zi-assess
worker`` build the lean app (``build_app(web=False)``: no blueprints, Alembic, openpyxl or other
commands); a report process renders with the cyclic GC off and ends with ``os._exit`` once its file
is written (the interpreter's teardown cost ~0.2 s); workers freeze their start-up objects and
collect once per report; the LHE's chart carries its texts as HTML (WeasyPrint lays SVG text out
letter by letter). What is left of an LHE process is roughly a third each: importing Flask,
SQLAlchemy and the models; importing WeasyPrint (the reference pays that too); the render. The
LKE was 28 landscape pages of table cells (three times the reference's text) before the rebuild
described below.

LHE and bulk after issue #15's start-up work (2026-12-04, the machine busy, load 4–7): the page
margin boxes have a fixed width (WeasyPrint no longer lays their content out several times per
page), report processes load their templates compiled (``zi_assess.template_cache``) and
WeasyPrint's C declarations and type names as parsed by an earlier process
(``zi_assess.reports.cffi_types``: pycparser is not even imported), and PDF streams are compressed
at zlib level 6 instead of 9. Instructions of the whole ``zi-assess report lhe`` process (demo's
decided assessment, 6 pages; ``valgrind --tool=callgrind``, bytecode compiled, caches warm):
7.41 G → 6.52 G (7.37 margin boxes, 7.09 templates, 6.92 declarations, 6.88 zlib, 6.52 type
names), the reference 8.99 G: 0.82 → 0.73 ×. ``--processes-only --rounds 5``, runs alternated
with the tree before: LHE CPU 0.81 and 0.84 × the reference (before: 0.89 and 0.89 ×), wall 0.84
and 1.40 × (a load spike; before 0.84 and 0.94 ×), peak 115 MB. The PDFs are pixel-identical
(``pdftoppm -r 50``, the LHE also at 150 dpi), byte-identical apart from dates and ids until the
zlib level (LHE 34.8 → 35.4 KB, LKE 140.0 → 143.4 KB). Bulk (``bench_bulk.py --units 20 --workers
1,2``, SQLite, one round each): two workers 120.6 reports/min, 1.83 × two reference processes
(before: 111.9 /min, 1.54 ×); one worker 2.14 × one reference process (before 1.69 ×); worker peak
128–130 MB (single rounds: noisy). The LHE's layout and writing (~0.3 s of ~1.0 s CPU): its
tables (``table-layout: fixed``) measured no slower than the same rows as blocks of inline blocks
or floats, whitespace between tags costs nothing, the chart's SVG and its HTML labels ~10 ms
each; most of the rest is text, so the template was left as it is.
Goal not reached: LHE ≤ 0.6 × (what is left of a process: ~0.38 s building the lean app, ~0.19 s
importing WeasyPrint, ~0.08 s data and HTML, ~0.38 s the render).

The lean app's start-up (issue #15, item 3; 2026-12-04, load 1.2–2.8): a report process
compiled ~2,500 snippets of source that libraries generate (dataclasses' methods, ForwardRefs,
SQLAlchemy's annotations and wrappers, cssselect2's selectors), ~10 % of its instructions; it
now takes their code objects from ``<instance>/cache/code`` (``zi_assess.code_cache``, installed
before the first import). The lean app no longer imports Flask-WTF, WTForms or Flask-Login, and
a report process runs without the cyclic GC from its first line. ``valgrind --tool=callgrind``
of the whole ``zi-assess report … 3 -o f.pdf`` (demo db, bytecode compiled, caches warm): LHE
6.53 → 6.06 (code cache) → 6.01 (no WTForms/Flask-Login) → 5.83 G (cache before the first
import, GC off), LKE 8.79 → 8.22 → 8.18 → 7.99 G; ``pdf_reference.py`` 9.01 G: LHE 0.65 ×,
LKE 0.89 ×. ``--processes-only --rounds 5``, two runs alternated with the tree before: LHE CPU
0.68 and 0.68 × the reference (before 0.78 and 0.79 ×), LKE 0.81 and 0.83 × (before 0.95 and
0.93 ×), peaks 116/117 MB as before. Left: importing Flask, SQLAlchemy (its PostgreSQL dialect
even on SQLite, for ``JSONB``) and declaring and configuring the 38 models.

Last measured (2026-12-04 16:00, all of the above merged, the machine idle, load 0.2–0.5;
``--processes-only --rounds 5``, two runs): ``report lhe`` 0.68 and 0.70 × the reference (CPU
0.92–0.96 s against 1.35–1.37 s), ``report lke`` 0.81 and 0.86 ×, peaks 116 and 117 MB; bulk
(``bench_bulk.py``, two workers) 1.95 × two reference processes with 20 LHE, 1.83 and 1.90 × with
40, worker peak 129 MB. Goals not reached: LHE ≤ 0.6 ×, LKE ≤ 0.7 ×, bulk ≥ 2 ×.

Imports a report process does not need (issue #15, item 3; 2026-12-04 17:00–17:55, the machine
shared, load 0.6–1.7 on 2 cores): WeasyPrint imports fontTools' subsetter and variable-font
instancer (~45 ms) that it uses only without HarfBuzz-subset or for variable fonts; they are
stand-ins until first use (``zi_assess.deferred_imports``, as Werkzeug's development server in a
``report`` process). SQLAlchemy's PostgreSQL dialect is no longer imported on SQLite: JSON
documents are a ``TypeDecorator`` (JSONB on PostgreSQL, as the variant was; the two partial
indexes' ``postgresql_*`` options are given once that dialect is used, ``models.base``). Callgrind,
whole ``zi-assess report … 3 -o f.pdf`` (demo db, bytecode compiled, caches warm): LHE 5.82 →
5.59 (fontTools) → 5.51 (PostgreSQL dialect) → 5.48 G (development server), LKE 8.00 → 7.77 →
7.68 → 7.65 G; ``pdf_reference.py`` 9.00 G: LHE 0.65 → 0.61 ×, LKE 0.89 → 0.85 ×.
``--processes-only --rounds 5``, alternated with the tree before (2d9349b), load 0.8–1.0: before
LHE CPU 0.72 ×, LKE 0.86 × (1.16 and 1.39 s against 1.62 s), after 0.64–0.65 × and 0.80–0.81 ×
in three runs (1.03–1.05 and 1.29–1.31 s against 1.59–1.65 s; the reference itself took 1.6 s
of CPU where it took 1.35 s on the idle machine at 16:00), peaks 116/117 → 104/105 MB. The PDFs'
text and pages at 50 dpi are the same (but the date). Bulk (``bench_bulk.py --units 20 --workers
1,2 --rounds 1``): not changed by this work (a worker's start-up is not measured), and not
measurable this evening: two reference processes rendered no faster than one (the other core
busy), so the ratios (1.36 ×, then 3.72 ×) say nothing; one worker 1.91 and 2.07 × one reference
process, worker peak 118–119 MB. A worker's cyclic collection after each report costs ~20 ms of
~400 ms, nearly all of it freeing the report's ~45,600 objects in cycles (freezing what survives
each time saved ~5 ms but would keep whatever of it later becomes garbage: not done).
What is left of an LHE process, measured: importing Flask, click and SQLAlchemy ~0.22 s; declaring the 38
models ~90 ms and configuring them ~35 ms (spread thin over SQLAlchemy's declarative machinery, no
hot spot); WeasyPrint's import ~0.15 s (of which ~40 ms parse its user-agent and presentational-hint
stylesheets at module level; the reference pays it too); the stylesheets ~35 ms; the render
~0.38 s (style computation and HTML parsing ~a quarter of it). Goals not reached: LHE ≤ 0.6 ×,
LKE ≤ 0.7 × (the LKE's render of 66,000 characters, ~0.65 s, is most of what separates it),
bulk ≥ 2 × not measured reliably. Seen while testing, before and after this work alike (2d9349b
too): RQ's worker now and then waits 60 s in its teardown (``unsubscribe`` → redis-py's pub/sub
thread ``stop`` joins a ``get_message`` waiting ``sleep_time=60`` for a subscription), which fails
``test_bulk_rq.py::…restarts_after_max_jobs…`` and ``test_render_rq.py::…longer_than_the_timeout…``
and makes ``bench_bulk.py`` print "did not stop within 60 s of SIGTERM".

The LKE sheet (issue #15, item 3): plain blocks instead of a table (``reports/lke.html`` with
``lke.css``: one pre-line block per indicator naming its figures, no repeated column header, an
explanation that says what the options say printed once), 28 → 17 pages; the layout runs on a
thread of its own (``documents.render_pdf``: on the main thread's heap glibc unmapped and mapped
memory again ~93,000 times, system time 0.43–0.50 → 0.10–0.15 s). Measured 2026-12-04 (load 2–3.4
on 2 cores; three ``--processes-only`` runs of five rounds alternated with three of the tree
before): ``report lke`` 1.01–1.02 × the reference in CPU, 1.42–1.45 s (before 2.26–2.28 ×,
3.18–3.30 s), peak 117 MB (before 148 MB); one process under ``valgrind --tool=callgrind``:
9.65 G instructions (before 19.17 G). The 0.7 × goal is not reached: the LKE pays the app's
start-up (Flask, SQLAlchemy, the models: ~0.4 s CPU), WeasyPrint's import (~0.2 s, as the
reference does), loading (~0.1 s) and the render of its 66,000 characters of official text, twice
the reference's (~0.6 s; WeasyPrint draws text glyph by glyph in Python). With the LHE's start-up
work above (same commands): callgrind 8.71 G instructions (main at 4072a81), 0.97 × the
reference's 8.98 G; one ``--processes-only --rounds 5`` run (main at e1d71cd, load 4.1): LKE CPU
0.93 ×, wall 1.12 ×, 117 MB.

Third session (issue #15, items 3 and 4; 2026-12-04 19:13–21:00, the machine shared with another
engineer's test runs, load 1.0–2.9 on 2 cores). A report process now: imports asyncio only when
something runs a coroutine (SQLAlchemy's utilities and its SQLite dialect's async adapter import
it; the lean deferral spans the whole ``report`` command); takes its ~240 regular expressions
as compiled by an earlier process (``zi_assess.regex_cache``, beside the code cache: ``re``
parsed each pattern in Python, ~18 ms); declares only the models its report uses (``zi_assess.
models`` gives its names on first use, the web app calls ``load_all``: an LHE or LKE leaves out
11 of the 38 models); sets pytz's ``PYTZ_SKIPEXISTSCHECK`` (Babel's import looked up the time
zone, and pytz opened each of its ~600 zone files, ~8 ms); leaves fontTools' WOFF2 decoder and
Brotli out (no measurable change). Callgrind, whole ``zi-assess report … 3 -o f.pdf`` (demo db,
bytecode compiled, caches warm, ±10 M from run to run): LHE 5.48 → 5.36 (asyncio, regexes) →
5.24 (models) → 5.19 G (pytz), LKE 7.65 → 7.51 → 7.41 → 7.35 G; ``pdf_reference.py`` 9.00 G:
LHE 0.61 → 0.58 ×, LKE 0.85 → 0.82 ×. ``--processes-only --rounds 5``, two runs alternated with
the tree before (8db91ee), load 1.3–1.8: after LHE CPU 0.60 and 0.60 × (0.76 s against 1.26 s,
0.64 against 1.06 s), LKE 0.74 and 0.75 ×, peaks 101/102 MB; before LHE 0.63 and 0.64 ×, LKE
0.76 and 0.78 ×, peaks 104/105 MB. ``/usr/bin/time`` of five LHE and reference processes: user
0.59–0.63 against 1.02–1.08 s (0.58 ×), system 0.07–0.11 against 0.06–0.09 s (the render
thread's Pango starts ~90 short-lived GLib threads for fontconfig matches). The PDFs are
pixel-identical at 50 dpi (``pdftoppm``, 6 LHE and 17 LKE pages) and of the same size.
Workers: after a report, ``bounds.gc_paused`` collects generation 0 only (everything the report
made is there, the collector having been off): 11.2/16.0 ms (min/median) instead of 23.6/30.8 ms
of a ~300 ms LHE in a warm loop, RSS and tracked objects flat over 60 reports. RQ's 60 s stop:
its teardown sends UNSUBSCRIBE, then stops and joins redis-py's pub/sub thread; the thread often
reads the reply first, loops back before its flag is cleared and waits ``sleep_time=60`` for a
new subscription (every time in the burst workers measured). ``ReportWorker`` subscribes with a 1 s wait and
clears the thread's flag before unsubscribing: a burst worker's teardown 1.0 s → 0 s (60 s with
RQ's own), tests force the interleaving and stop real idle workers. Bulk (``bench_bulk.py
--units 20 --workers 1,2 --rounds 1 --redis-url …/12``, two runs alternated with 8db91ee): two
workers 2.05 and 1.79 × two reference processes (209.6 and 286.7 /min against 102.3 and 160.2),
before 1.48 and 1.60 × (the reference's two-process rate moved 102–160 /min with the other
engineer's load: 20 reports take 4–6 s, too short to say more); one worker 1.89 and 1.85 ×
(before 2.07 and 1.93 ×); worker peak 116–118 MB. With ``--units 40`` (20:19–20:24, the other
engineer's whole test suite running): two workers 1.85 × (196.6 against 106.5 /min), before 3.82 ×
(273.3 against 71.6: two reference processes slower than one, i.e. meaningless); a worker did not
stop within 60 s of SIGTERM three times in the old tree's six bulk rounds, never in this work's six.
``--processes-only`` again at 20:17–20:19 (that suite running, load 1.4–1.8): LHE CPU 0.63 and
0.62 × (before 0.64 and 0.66 ×), LKE 0.74 and 0.77 × (before 0.75 and 0.78 ×).
Goals: LHE ≤ 0.6 × reached in instructions (callgrind 0.58 ×) but not reliably in the bench (0.60 ×
on a quieter machine, 0.62–0.63 × under the other engineer's load); LKE ≤ 0.7 × not
(0.74–0.77 ×; callgrind of a process stopped at each step: interpreter and caches 0.20 G, Flask
and click 0.35, SQLAlchemy and the lean app 0.77, WeasyPrint 0.53, then the models it uses, data,
HTML, the render of 17 pages of text and the PDF 5.55 G); bulk ≥ 2 × seen in one of three runs, not
established. Left, measured: the assessments' operations package imports every
operation module (~40 ms of imports, half of them unused by a report; not in this work's files);
FontConfiguration() loads the system's fontconfig configuration (~8 ms) and the report fonts'
@font-face ~7 ms; each @font-face fetch builds an ``email.message`` (2 ms); WeasyPrint's
presentational-hints stylesheet is parsed at import (~5 ms; the reference pays it too).

After the merge with the web work (main at aa690b3, 20:47–20:50, nothing else running, load 1.3–1.7):
``--processes-only --rounds 5``: reference 1.29 s CPU, ``report lhe`` 0.76 s (0.59 ×), ``report
lke`` 0.93 s (0.72 ×), peaks 101/102 MB; ``bench_bulk.py --units 20 --workers 1,2 --rounds 1``: one
worker 117.0 reports/min (1.68 × one reference process), two 255.2/min (1.86 × two), worker peak
116–117 MB, 0 failed, no 60 s stop. Goals: LHE met in this run, LKE and bulk not.

Fourth session (issue #15, item 3; 2026-12-04 22:01–23:10, the machine shared with another
engineer's work, load 0.5–2.7 on 2 cores). Callgrind of the render alone (each phase on a thread
of its own) put the LKE's 4.75 G render-thread instructions at: stylesheets 0.16 G, HTML 0.22,
layout 2.62, drawing and writing the PDF 1.85 — the last mostly WeasyPrint's glyph-by-glyph loop
in Python (``draw_first_line``: four cffi reads and a string append per glyph, 77,000 glyphs). Now:
``zi_assess.reports.glyphs`` draws a line's runs with the glyph array read at once (``struct``) and
a glyph record's operators worked out once per font and size; a line is drawn with the Pango layout
it was laid out with (WeasyPrint made a new one and shaped the text again), and is set to
single-paragraph mode only when it holds a paragraph separator (setting it made Pango lay a kept
layout out again); the LKE's level rows lose their ``<b>`` (the paragraph is bold: each inline
element is more text boxes to lay out and draw); an LKE process no longer imports the LHE's context,
year-comparison and sanggah modules, the appeals operations or the answer and workflow operations
(``zi_assess.assessments.operations`` loads those on first use), nor declares the models only they
use. WeasyPrint's own functions stay for ellipses, unknown or raised glyphs, colour/bitmap/SVG fonts,
justified lines and any WeasyPrint but 70.x. Callgrind, whole ``zi-assess report … 3 -o f.pdf``
(demo db, bytecode compiled, caches warm): LKE 7.34 → 6.57 (glyph loop) → 6.41 (level codes) → 6.33
(kept layouts) → 6.24 (imports) → 5.99 G (single-paragraph mode); LHE 5.17 → 5.08 → 5.06 → 4.97 G;
``pdf_reference.py`` 9.00 G: LKE 0.82 → 0.67 ×, LHE 0.57 → 0.55 ×. The PDFs: the LHE's six pages
pixel-identical at 50 dpi and its text the same; the LKE's text the same, 15 pixels or fewer differ
on five of its 17 pages at 50 dpi (a level row's code and label are one run now, so Pango kerns
across the space between them), 70.9 → 70.2 KB; the drawing changes are byte-identical in the
uncompressed PDF (tests compare them with WeasyPrint's own functions). Peak memory 102 → 104 MB
(kept layouts). ``--processes-only --rounds 5``, two runs alternated with the tree before
(bc69aa3), 22:53–22:55, load 1.4–2.3: after LKE CPU 0.65 and 0.65 × (0.91 and 0.92 s against 1.41
and 1.43 s), LHE 0.58 and 0.57 ×; before LKE 0.79 and 0.77 ×, LHE 0.62 and 0.60 × (an earlier
after-run at 22:48, load 2.4: LKE 0.65 ×, LHE 0.57 ×; a later one at 23:07, load 0.5–0.7: LKE 0.65 ×,
LHE 0.58 ×, the reference 1.36 s of CPU). Bulk (``bench_bulk.py --units 20 --workers
1,2 --rounds 1 --redis-url …/12``, 22:55–22:56, load 2.5–2.7): two workers 2.54 × two reference
processes (202.2 against 79.5 /min), before 1.53 × (166.2 against 109.0): the two reference
processes rendered at 1.3–1.7 × one (the other core busy), so the ratio is noise-bound; one worker
2.29 × (before 1.99 ×); worker peak 118–119 MB (before 117–118). Goals: LKE ≤ 0.7 × and LHE ≤ 0.6 ×
met in these runs (in instructions 0.67 and 0.55 ×); bulk ≥ 2 × seen in one run, not established.
Tried, not kept: each line of an indicator as a block of its own (one Pango shaping per line instead
of three, but the blocks cost more: layout +0.63 G); no ``break-inside: avoid`` (−0.16 G, but
indicators would split across pages); no bottom border (−0.06 G, a visible change); no
``break-after: avoid`` (−0.01 G); the whitespace between the blocks (−0.01 G); ``font-kerning: none``
(−0.05 G, a visible change); Pango font descriptions kept by style (−0.05 G; with one Pango context
shared too −0.085 G: a copy of WeasyPrint's ``Layout.setup`` for ~1 %). Measured, left: the four page
margin boxes cost ~0.26 G on 17 pages; an indicator's two ``<b>`` (code and answer) ~0.5 G (the look
needs them).

After the merge (main, 23:17–23:19, the machine otherwise idle, load 1.1–1.5): ``--processes-only
--rounds 5`` three runs: LKE CPU 0.66, 0.66, 0.66 ×; LHE 0.63, 0.58, 0.58 × (reference 1.35–1.37 s);
peaks 102/104 MB. Bulk, two runs: two workers 287.0 and 287.2 reports/min against two reference
processes' 127.5 and 125.5 (2.25 and 2.29 ×), one worker 2.31 and 2.18 ×, worker peak 118–119 MB,
0 failed. ``ZI_PDF_FAST_TEXT=false`` leaves WeasyPrint's own text drawing (the same PDF, slower).

Run with ``make bench-pdf`` (needs Redis at 127.0.0.1:6379; uses a throw-away SQLite database).
The bare baseline imports WeasyPrint here on purpose: it is what the helper is measured against.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"
WORDS = ("unit kerja telah melaksanakan kegiatan sosialisasi pembangunan zona integritas secara berkala dengan "
         "bukti notulen daftar hadir dan dokumentasi foto serta laporan monitoring evaluasi triwulan tim penilai "
         "internal meminta perbaikan dokumen SK penetapan agen perubahan survei kepuasan masyarakat inovasi "
         "pelayanan publik pengaduan tindak lanjut rencana aksi pimpinan komitmen").split()
PASSWORD = "bench sandi laporan kuat"  # the password rules refuse a word with a year after it


def note(rng: random.Random) -> str:
    size = rng.randint(100, 400)
    words: list[str] = []
    while len(" ".join(words)) < size:
        words.append(rng.choice(WORDS))
    return (" ".join(words))[:size].rstrip().capitalize() + "."


def seed(app: Any, units: int, rng: random.Random) -> dict[str, Any]:
    """One assessment answered by every layer (the LHE under test) and ``units`` others for the export."""
    from zi_assess.assessments import operations as aops
    from zi_assess.audit import SYSTEM, Actor
    from zi_assess.demo import GOOD_PREREQUISITES_INSTANSI, GOOD_PREREQUISITES_UNIT
    from zi_assess.domain import load_criteria
    from zi_assess.domain.answers import random_answers
    from zi_assess.domain.workflow import Layer
    from zi_assess.extensions import db
    from zi_assess.models import InstansiKind, Predicate, Role
    from zi_assess.org import operations as org

    criteria = load_criteria()
    instansi = org.create_instansi(SYSTEM, "Kementerian Bench", InstansiKind.KEMENTERIAN)
    org.record_prerequisites(SYSTEM, 2026, GOOD_PREREQUISITES_INSTANSI, instansi=instansi)

    def user(email: str, role: Role, **scope: Any) -> Actor:
        account = org.create_user(SYSTEM, email, email.split("@")[0].title(), PASSWORD)
        org.assign_role(SYSTEM, account, role, **scope)
        return Actor(account, "127.0.0.1")

    lead = user("ketua.tpi@bench.zi", Role.TPI_LEAD, instansi=instansi)
    tpi = user("tpi@bench.zi", Role.TPI_EVALUATOR, instansi=instansi)
    manager = user("manajer@bench.zi", Role.MANAGER, instansi=instansi)
    tpn = user("tpn@bench.zi", Role.TPN_EVALUATOR)
    national = user("nasional@bench.zi", Role.NATIONAL_MANAGER)

    def fill(actor: Actor, assessment_id: int, layer: Layer, answers: dict[str, Any]) -> None:
        bundle = aops.load_bundle(assessment_id)
        current = bundle.layer_answers(layer)
        aops.save_answers(actor, assessment_id, layer, [
            aops.AnswerInput(ind, value, note(rng), current[ind].version if ind in current else None)
            for ind, value in answers.items()])

    def worse(answers: dict[str, Any], share: float) -> dict[str, Any]:
        out = {}
        for ind_id, value in answers.items():
            ind = criteria.indicators[ind_id]
            if ind.kind == "choice" and rng.random() < share:
                keys = ind.scale.keys
                out[ind_id] = keys[min(len(keys) - 1, keys.index(value) + 1)]
        return out

    created = []
    for n in range(units + 1):
        unit = org.create_unit(SYSTEM, instansi, f"Kantor Pelayanan Bench {n:03d}", f"KPB-{n:03d}")
        org.record_prerequisites(SYSTEM, 2026, GOOD_PREREQUISITES_UNIT, unit=unit)
        head = user(f"kepala{n}@bench.zi", Role.UNIT_HEAD, unit=unit)
        a = aops.create_assessment(head, unit, 2026, Predicate.WBK)
        answers = random_answers(criteria, rng, quality=0.8)
        fill(head, a.id, Layer.MANDIRI, answers)
        aops.transition(head, a.id, "submit")
        aops.transition(lead, a.id, "start_tpi_review", prefill=True)
        changes = worse(answers, 0.15)
        fill(tpi, a.id, Layer.TPI, changes)
        for ind_id in list(changes)[:8]:
            aops.add_comment(tpi, a.id, ind_id, note(rng), needs_fix=False)
        created.append(a.id)
        if n == 0:  # the LHE under test goes on to the national layers
            aops.transition(lead, a.id, "conclude_tpi", eligible=True, recommendation=note(rng))
            aops.transition(lead, a.id, "propose")
            aops.transition(tpn, a.id, "start_desk", prefill=True)
            fill(tpn, a.id, Layer.TPN_DESK, worse(answers | changes, 0.05))
            aops.transition(tpn, a.id, "start_field", prefill=True)
            fill(tpn, a.id, Layer.TPN_LAPANGAN, {"H1.a": 3.61, "H2.a": 3.48})
        db.session.commit()
    return {"lhe": created[0], "export": created[1:], "manager": manager.user.id, "national": national.user.id,
            "instansi": instansi.id}


def p50(values: list[float]) -> float:
    return statistics.median(values)


def bench_lhe(app: Any, ids: dict[str, Any], runs: int) -> dict[str, Any]:
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from zi_assess.assessments.scores import EFFECTIVE
    from zi_assess.audit import Actor
    from zi_assess.extensions import db
    from zi_assess.models import User
    from zi_assess.reports import documents
    from zi_assess.reports.context import load_report_data
    from zi_assess.reports.context_lhe import lhe_context
    from zi_assess.reports.pdf import STATIC_URL

    actor = Actor(db.session.get(User, ids["manager"]), "127.0.0.1")
    documents.assessment_report(actor, ids["lhe"], "lhe", EFFECTIVE, "id")  # warm-up: fonts, templates
    db.session.rollback()
    from flask_babel import force_locale

    from zi_assess.assessments.loading import load_bundle

    with force_locale("id"):
        context = lhe_context(load_report_data(load_bundle(ids["lhe"])), None, draft=True, locale="id")
    html = documents.html_for("reports/lhe.html", "id", r=context)
    css = documents.stylesheet()
    cached_fonts = FontConfiguration()
    cached_sheet = weasyprint.CSS(string=css, base_url=STATIC_URL, font_config=cached_fonts)
    # The three renders take turns, so a slower or faster spell of this shared machine touches all
    # three alike (timed one after the other, drift alone moved the ratio by ±25 %).
    full, cpu, bare, bare_cached = [], [], [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        rendered = documents.assessment_report(actor, ids["lhe"], "lhe", EFFECTIVE, "id")
        db.session.commit()
        full.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        start = time.perf_counter()
        fonts = FontConfiguration()
        weasyprint.HTML(string=html, base_url=STATIC_URL).write_pdf(
            stylesheets=[weasyprint.CSS(string=css, base_url=STATIC_URL, font_config=fonts)], font_config=fonts)
        bare.append(time.perf_counter() - start)
        # the same, with the stylesheet and fonts parsed once (as the helper does): what is left is ours
        start = time.perf_counter()
        weasyprint.HTML(string=html, base_url=STATIC_URL).write_pdf(stylesheets=[cached_sheet],
                                                                    font_config=cached_fonts)
        bare_cached.append(time.perf_counter() - start)
    assert rendered.draft  # status tpn_field: rendered every time (drafts are never stored)
    from io import BytesIO

    from pypdf import PdfReader

    return {"lhe_p50_s": p50(full), "lhe_min_s": min(full), "lhe_cpu_p50_s": p50(cpu),
            "bare_p50_s": p50(bare), "bare_min_s": min(bare), "bare_cached_p50_s": p50(bare_cached),
            "ratio_p50": p50(full) / p50(bare), "lhe_kb": len(rendered.pdf) / 1024, "findings": context.finding_count,
            "pages": len(PdfReader(BytesIO(rendered.pdf)).pages)}


def bench_stored(app: Any, ids: dict[str, Any], runs: int) -> dict[str, Any]:
    from zi_assess.assessments import operations as aops
    from zi_assess.audit import Actor
    from zi_assess.extensions import db
    from zi_assess.models import User

    national = Actor(db.session.get(User, ids["national"]), "127.0.0.1")
    aops.transition(national, ids["lhe"], "decide", granted=True, today=date(2026, 12, 9))
    db.session.commit()
    from zi_assess.auth import totp
    from zi_assess.models.base import utcnow

    manager = db.session.get(User, ids["manager"])  # a manager signs in with a second factor
    if manager.totp_secret is None:
        manager.totp_secret, manager.totp_enabled_at = totp.new_secret(), utcnow()
    db.session.commit()
    client = app.test_client()
    signed_in = client.post("/masuk", data={"email": "manajer@bench.zi", "password": PASSWORD})
    if signed_in.location.endswith("/masuk/kode"):
        signed_in = client.post("/masuk/kode", data={"code": totp.code_at(manager.totp_secret, totp.current_step())})
    assert signed_in.status_code == 302 and "/masuk" not in signed_in.location, signed_in.location
    # the first download of a final report renders it: in the background when a queue is set (the
    # person gets a progress page, 202), so it is rendered here as the worker would, then stored
    from zi_assess.assessments.scores import EFFECTIVE
    from zi_assess.reports import documents

    first_start = time.perf_counter()
    queued = client.get(f"/penilaian/{ids['lhe']}/lhe.pdf")
    if queued.status_code == 202:
        documents.assessment_report(national, ids["lhe"], "lhe", EFFECTIVE, "id", audit_download=False)
        db.session.commit()
    first = client.get(f"/penilaian/{ids['lhe']}/lhe.pdf")
    first_s = time.perf_counter() - first_start
    assert first.status_code == 200, first.status_code
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        again = client.get(f"/penilaian/{ids['lhe']}/lhe.pdf")
        times.append(time.perf_counter() - start)
        assert again.data == first.data
    return {"first_download_s": first_s, "stored_p50_ms": p50(times) * 1000, "stored_max_ms": max(times) * 1000,
            "final_kb": len(first.data) / 1024}


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def bench_bulk(app: Any, ids: dict[str, Any], env: dict[str, str], workers: int) -> dict[str, Any]:
    from rq import Worker
    from sqlalchemy import func, select

    from zi_assess.audit import Actor
    from zi_assess.extensions import db
    from zi_assess.models import Assessment, ExportItem, ExportJob, User
    from zi_assess.reports import jobs
    from zi_assess.reports import operations as ops

    exe = str(Path(sys.executable).with_name("zi-assess"))
    procs = [subprocess.Popen([exe, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for _ in range(workers)]
    try:
        queue = jobs.queue()
        deadline = time.monotonic() + 60
        while len(Worker.all(queue=queue)) < workers:  # started and listening (start-up not counted)
            assert time.monotonic() < deadline, "workers did not start"
            time.sleep(0.2)
        actor = Actor(db.session.get(User, ids["manager"]), "127.0.0.1")
        unit_ids = list(db.session.scalars(select(Assessment.unit_id).where(Assessment.id.in_(ids["export"]))))
        start = time.perf_counter()
        job = ops.create_export_job(actor, ids["instansi"], 2026, unit_ids, locale="id", backend="rq")
        db.session.commit()
        jobs.start(job)
        while True:
            db.session.expire_all()
            state = db.session.get(ExportJob, job.id)
            if state.status in ("done", "failed"):
                break
            time.sleep(0.1)
        wall = time.perf_counter() - start
        peaks = [peak_rss_mb(p.pid) for p in procs]
        sizes = [s for s in db.session.scalars(select(ExportItem.size).where(ExportItem.job_id == job.id)) if s]
        failed = db.session.scalar(select(func.count()).where(ExportItem.job_id == job.id,
                                                              ExportItem.status == "failed"))
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:  # a warm shutdown that never came: the figures stand
                print(f"worker {proc.pid} did not stop within 60 s of SIGTERM: killed", file=sys.stderr)
                proc.kill()
                proc.wait()
        jobs.queue().delete(delete_jobs=True)
    return {"reports": len(unit_ids), "failed": failed, "wall_s": wall, "per_minute": len(unit_ids) / wall * 60,
            "worker_peak_mb": max(peaks), "largest_kb": max(sizes) / 1024, "zip_kb": (state.zip_size or 0) / 1024}


# -- whole processes: `zi-assess report` against a plain WeasyPrint reference ----------------------

REFERENCE = Path(__file__).resolve().parent / "pdf_reference.py"


def run_process(argv: list[str], env: dict[str, str]) -> dict[str, float]:
    """Run one process to its end: wall time, CPU time (user + system) and peak memory (max RSS),
    read from the kernel's accounting of that child (``os.wait4``)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {err[-2000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}


def demo_instance(tmp: Path) -> tuple[dict[str, str], int]:
    """A SQLite instance with the demo data; the id of its decided four-layer assessment."""
    import sqlite3

    exe = str(Path(sys.executable).with_name("zi-assess"))
    env = {**os.environ, "ZI_DATABASE_URL": f"sqlite:///{tmp / 'demo.db'}", "ZI_INSTANCE_PATH": str(tmp / "instance"),
           "ZI_SECRET_KEY": "bench-" + "x" * 32}
    for argv in ([exe, "db", "upgrade"], [exe, "demo"]):
        subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with sqlite3.connect(tmp / "demo.db") as con:
        row = con.execute(
            "SELECT a.id FROM assessment a WHERE a.status = 'decided' AND "
            "(SELECT COUNT(DISTINCT layer) FROM answer WHERE assessment_id = a.id) = 4 ORDER BY a.id").fetchone()
    assert row, "the demo has no decided assessment answered by four layers"
    return env, row[0]


def forget_stored(tmp: Path) -> None:
    """A decided assessment's reports are final and kept: forget them, so each run renders."""
    import sqlite3

    with sqlite3.connect(tmp / "demo.db") as con:
        con.execute("DELETE FROM stored_report")


def compile_bytecode() -> None:
    """Compile zi-assess's modules once, as installing the wheel does: in a source checkout run
    with ``PYTHONDONTWRITEBYTECODE`` every process would otherwise compile ~300 modules again
    (WeasyPrint's, installed by pip, are compiled already)."""
    import compileall

    import zi_assess

    compileall.compile_dir(str(Path(zi_assess.__file__).parent), quiet=1)


def bench_processes(rounds: int) -> dict[str, Any]:
    """LHE, LKE (``zi-assess report … -o f.pdf``) and the reference, each a whole process, taking
    turns round by round (drift on a shared machine touches all three alike)."""
    tmp = Path(tempfile.mkdtemp(prefix="zi-bench-proc-"))
    compile_bytecode()
    try:
        env, assessment_id = demo_instance(tmp)
        exe = str(Path(sys.executable).with_name("zi-assess"))
        commands = {
            "lhe": [exe, "report", "lhe", str(assessment_id), "-o", str(tmp / "lhe.pdf")],
            "lke": [exe, "report", "lke", str(assessment_id), "-o", str(tmp / "lke.pdf")],
            "reference": [sys.executable, str(REFERENCE), str(tmp / "reference.pdf")],
        }
        for argv in commands.values():  # warm the page cache and the font cache once
            forget_stored(tmp)
            run_process(argv, env)
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in commands}
        order = list(commands)
        for number in range(rounds):
            for name in order[number % 3:] + order[: number % 3]:
                forget_stored(tmp)
                runs[name].append(run_process(commands[name], env))
        out: dict[str, Any] = {"assessment": assessment_id}
        for name, values in runs.items():
            out[name] = {key: statistics.median(v[key] for v in values) for key in ("wall", "cpu", "rss_mb")}
            out[name]["rss_max_mb"] = max(v["rss_mb"] for v in values)
        out["pages"] = {name: _pages(tmp / f"{name}.pdf") for name in commands}
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def bench_reference_bulk(processes: int, reports: int) -> dict[str, Any]:
    """``processes`` processes rendering the reference ``reports`` times in all: reports/min."""
    tmp = Path(tempfile.mkdtemp(prefix="zi-bench-ref-"))
    try:
        share = max(1, reports // processes)
        start = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, str(REFERENCE), str(tmp / f"r{n}.pdf"), "--repeat", str(share)])
                 for n in range(processes)]
        for proc in procs:
            assert proc.wait() == 0
        wall = time.perf_counter() - start
        return {"reports": share * processes, "wall_s": wall, "per_minute": share * processes / wall * 60}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def print_processes(figures: dict[str, Any], bulk: dict[str, Any] | None, reference_bulk: dict[str, Any] | None,
                    line: Any) -> None:
    ref, lhe, lke = figures["reference"], figures["lhe"], figures["lke"]
    pages = figures["pages"]
    print(f"\nWhole processes, medians (demo assessment {figures['assessment']}, decided, four layers; "
          f"pages: LHE {pages['lhe']}, LKE {pages['lke']}, reference {pages['reference']})")
    for name, figure in (("reference (113 × 5 table, 9 pt)", ref), ("zi-assess report lhe", lhe),
                         ("zi-assess report lke", lke)):
        print(f"  {name:<34} wall {figure['wall']:6.2f} s   CPU {figure['cpu']:6.2f} s   "
              f"peak {figure['rss_max_mb']:5.0f} MB")
    for name, figure, goal in (("LHE", lhe, 0.6), ("LKE", lke, 0.7)):
        line(f"{name} / reference, wall", f"{figure['wall'] / ref['wall']:.2f} ×", figure["wall"] / ref["wall"] <= goal,
             f"≤ {goal} ×")
        line(f"{name} / reference, CPU", f"{figure['cpu'] / ref['cpu']:.2f} ×", figure["cpu"] / ref["cpu"] <= goal,
             f"≤ {goal} ×")
    peak = max(lhe["rss_max_mb"], lke["rss_max_mb"])
    line("render process peak memory (max RSS)", f"{peak:.0f} MB", peak <= 200, "≤ 200 MB")
    if bulk and reference_bulk:
        ratio = bulk["per_minute"] / reference_bulk["per_minute"]
        line("bulk LHE vs reference, 2 processes each", f"{ratio:.2f} ×", ratio >= 2,
             f"≥ 2 × ({bulk['per_minute']:.0f} vs {reference_bulk['per_minute']:.0f} /min)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="LHE renders to time")
    parser.add_argument("--units", type=int, default=60, help="reports in the bulk export (0: no bulk run)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database and PDFs")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the whole-process comparison (≥ 5)")
    parser.add_argument("--processes-only", action="store_true",
                        help="only the whole-process comparison with the reference (no Redis needed)")
    args = parser.parse_args()

    def line(label: str, value: str, ok: bool, goal: str) -> None:
        print(f"{label:<44} {value:>14}   {'ok  ' if ok else 'MISS'} (goal {goal})")

    processes = bench_processes(max(5, args.rounds))
    if args.processes_only:
        print(f"load average: {os.getloadavg()[0]:.2f} (2 cores)")
        print_processes(processes, None, None, line)
        OUT.mkdir(exist_ok=True)
        (OUT / "bench-pdf-processes.json").write_text(json.dumps(processes, indent=2))
        return 0

    from flask_migrate import upgrade

    from zi_assess import create_app
    from zi_assess.extensions import db

    tmp = Path(tempfile.mkdtemp(prefix="zi-bench-pdf-"))
    config = {"DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}", "SECRET_KEY": "bench",
              "STORAGE_PATH": str(tmp / "store"), "REDIS_URL": args.redis_url,
              "REPORT_QUEUE": f"zi-bench-{uuid.uuid4().hex[:8]}", "WTF_CSRF_ENABLED": False,
              "FAST_PASSWORD_HASHING": True, "REPORT_PRERENDER_LOCALES": []}
    env = {**os.environ, **{f"ZI_{k}": str(v) for k, v in config.items() if k != "WTF_CSRF_ENABLED"}}
    app = create_app(config)
    rng = random.Random(2026)
    with app.app_context():
        upgrade()
        seed_start = time.perf_counter()
        ids = seed(app, args.units, rng)
        print(f"seeded {args.units + 1} assessments in {time.perf_counter() - seed_start:.1f} s ({tmp})")
        lhe = bench_lhe(app, ids, args.runs)
        bulk = bench_bulk(app, ids, env, args.workers) if args.units else None
        reference_bulk = bench_reference_bulk(args.workers, args.units) if args.units else None
        stored = bench_stored(app, ids, args.runs * 2)
        db.session.remove()

    print(f"load average before the figures below: {os.getloadavg()[0]:.2f} (2 cores)")

    print(f"\nLHE: 113 indicators, 4 layers, notes 100–400 characters, {lhe['findings']} findings, "
          f"{lhe['pages']} pages")
    line("LHE render p50 (load + score + HTML + PDF)", f"{lhe['lhe_p50_s']:.3f} s", lhe["lhe_p50_s"] <= 1.0,
         "≤ 1.0 s")
    line("LHE render p50, CPU time of the process", f"{lhe['lhe_cpu_p50_s']:.3f} s", True, "other load excluded")
    line("bare WeasyPrint render of the same HTML p50", f"{lhe['bare_p50_s']:.3f} s", True, "reference")
    line("ratio LHE / bare", f"{lhe['ratio_p50']:.2f} ×", lhe["ratio_p50"] <= 1.1, "≤ 1.1 ×")
    line("bare render, stylesheet and fonts parsed once", f"{lhe['bare_cached_p50_s']:.3f} s", True, "reference")
    cached_ratio = lhe["lhe_p50_s"] / lhe["bare_cached_p50_s"]
    line("ratio LHE / that", f"{cached_ratio:.2f} ×", cached_ratio <= 1.1, "≤ 1.1 ×")
    line("LHE PDF size (draft)", f"{lhe['lhe_kb']:.0f} KB", lhe["lhe_kb"] <= 300, "≤ 300 KB")
    line("final LHE: first download (render + store)", f"{stored['first_download_s']:.3f} s", True, "—")
    line("final LHE: stored re-download p50", f"{stored['stored_p50_ms']:.1f} ms", stored["stored_p50_ms"] <= 20,
         "≤ 20 ms")
    if bulk:
        line(f"bulk: {bulk['reports']} LHE with {args.workers} RQ workers", f"{bulk['per_minute']:.0f} /min",
             bulk["per_minute"] >= 80, "≥ 80 /min")
        line("bulk: wall time", f"{bulk['wall_s']:.1f} s", bulk["failed"] == 0, "no failed report")
        line("bulk: worker peak memory (VmHWM)", f"{bulk['worker_peak_mb']:.0f} MB", bulk["worker_peak_mb"] <= 200,
             "≤ 200 MB")
        line("bulk: largest PDF", f"{bulk['largest_kb']:.0f} KB", bulk["largest_kb"] <= 300, "≤ 300 KB")
    print_processes(processes, bulk, reference_bulk, line)
    OUT.mkdir(exist_ok=True)
    (OUT / "bench-pdf.json").write_text(json.dumps({"lhe": lhe, "stored": stored, "bulk": bulk, "processes": processes,
                                                    "reference_bulk": reference_bulk}, indent=2))
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
