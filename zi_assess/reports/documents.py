"""Making a report: authorise, serve the stored rendering of a final report, or render it.

Views, the CLI and the export workers all come through here, so every path checks the same
permission, applies the same draft/final rule and writes the same audit event. The caller
commits (a stored report's row and the audit event are part of its transaction).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from zi_assess.assessments.loading import load_bundle
from zi_assess.assessments.scores import EFFECTIVE
from zi_assess.audit import Actor, record
from zi_assess.authz import allowed, authorize, instansi_for
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.filenames import slug
from zi_assess.labels import node_name
from zi_assess.models import Assessment, Instansi
from zi_assess.recap import (
    RecapKeys,
    RecapRow,
    known_criteria_ids,
    recap_criteria_ids,
    recap_keys,
    recap_rows,
    shape_of,
)
from zi_assess.recap_years import YearPair, recap_year_list, recap_year_pairs, recap_years
from zi_assess.reports import operations as ops
from zi_assess.reports import storage
from zi_assess.reports.context import (
    TEMPLATE_VERSION,
    load_changes,
    load_report_data,
    lock_change_id,
    status_label,
)
from zi_assess.reports.context_recap_years import RecapYears, recap_comparison
from zi_assess.reports.context_sanggah import stored_as
from zi_assess.reports.context_sheets import RecapContext, lke_context, recap_context
from zi_assess.reports.trends import instansi_trend
from zi_assess.resources import TEMPLATES_DIR

TEMPLATES = TEMPLATES_DIR / "reports"
KINDS = ("lhe", "lke")
#: the styles of the year-over-year sections (LHE appendix, recap trend and comparison)
YEARS_CSS = "year_comparison.css"
#: the LKE sheet's own styles (after report.css)
LKE_CSS = "lke.css"
#: how a layer is written in URLs and on the command line ("efektif": every layer merged)
LAYER_PARAMS = {"efektif": EFFECTIVE, EFFECTIVE: EFFECTIVE, **{layer.value: layer.value for layer in Layer}}
_CSS: dict[Path, tuple[float, str]] = {}


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    filename: str
    #: carries the DRAFT watermark (what it shows can still change)
    draft: bool
    #: served from storage, not rendered now
    stored: bool


def render_pdf(html: str, *, stylesheets: list[str]) -> bytes:
    """:func:`zi_assess.reports.pdf.render_pdf`, imported on first use: WeasyPrint (its native
    libraries, fonts, CSS machinery) loads only in a process that renders, not in every process
    that builds the app (web workers serving stored reports, other CLI commands).

    The layout runs on a thread of its own, started for this render and joined: WeasyPrint makes
    and drops a great many mid-sized objects, and on the main thread's heap glibc hands each batch
    back to the kernel and asks for it again (measured on the LKE: ~93,000 mmap/munmap pairs,
    0.4–0.5 s of system time); a thread's own arena keeps that memory. The HTML is built before,
    so the render needs no app or request context; its exception is raised again here. When the
    caller is interrupted while it waits (RQ's job timeout, a worker's stop, Ctrl-C), the render is
    stopped as it would have been on the caller's own thread, then the interruption goes on."""
    from zi_assess.reports.pdf import render_pdf as render

    result: list[bytes] = []
    failure: list[BaseException] = []
    done = threading.Event()

    def run() -> None:
        try:
            try:
                result.append(render(html, stylesheets=stylesheets))
            except RenderStopped:
                pass
            except BaseException as exc:  # noqa: BLE001  (raised again in the caller's thread)
                failure.append(exc)
        finally:  # also when a second RenderStopped lands in the handlers above
            done.set()

    # a daemon: should a render not stop, it never holds the process open at its exit
    thread = threading.Thread(target=run, name="zi-pdf-render", daemon=True)
    thread.start()
    # an Event, not Thread.join: on Python 3.11 a join interrupted by a signal handler's exception
    # marks the thread stopped while it still runs (the bpo-45274 fix), and a second join returns at once
    try:
        done.wait()
    except BaseException:
        # sent again until it lands: one that arrives inside a callback (a weakref's, a __del__)
        # is reported and ignored there, and the render would go on to its end
        deadline = time.monotonic() + STOP_WAIT_SECONDS
        while not done.is_set() and time.monotonic() < deadline:
            _stop(thread)
            done.wait(STOP_RETRY_SECONDS)
        _stop(thread, clear=True)  # none left pending for the thread's last instructions
        raise
    if failure:
        raise failure[0]
    return result[0]


#: how long an interrupted caller waits for its render to stop (it is inside Pango or zlib till then)
STOP_WAIT_SECONDS = 30
#: how often the stop is sent again meanwhile
STOP_RETRY_SECONDS = 0.2


class RenderStopped(BaseException):
    """Raised inside a render thread whose caller was interrupted (not an ``Exception``: nothing in
    WeasyPrint catches it on the way out)."""


def _stop(thread: threading.Thread, *, clear: bool = False) -> None:
    """Raise :class:`RenderStopped` in ``thread`` at its next Python instruction (WeasyPrint's layout
    is Python; a call into Pango or zlib finishes first); ``clear``: withdraw one still pending."""
    import ctypes

    assert thread.ident is not None
    exc = None if clear else ctypes.py_object(RenderStopped)
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), exc)


def parse_layer(value: str | None) -> str:
    """A layer as given in a URL or option (default: effective); ValueError when unknown."""
    key = LAYER_PARAMS.get((value or "efektif").strip().lower())
    if key is None:
        raise ValueError(value)
    return key


def stylesheet(name: str = "report.css") -> str:
    """A report stylesheet's text (re-read when the file changes)."""
    path = TEMPLATES / name
    mtime = path.stat().st_mtime
    cached = _CSS.get(path)
    if cached is None or cached[0] != mtime:
        cached = _CSS[path] = (mtime, path.read_text(encoding="utf-8"))
    return cached[1]


def html_for(template: str, locale: str, **context: object) -> str:
    """Render a report template in ``locale``. Context processors are skipped on purpose:
    workers render without a request, and templates get only the plain context given."""
    with force_locale(locale):
        return current_app.jinja_env.get_template(template).render(**context)


def filename(kind: str, assessment: Assessment, layer_key: str) -> str:
    code = slug(assessment.unit.code, fallback=f"unit{assessment.unit_id}")
    suffix = "" if layer_key == EFFECTIVE else f"-{layer_key}"
    return f"{kind.upper()}-{code}-{assessment.year}{suffix}.pdf"


@dataclass(frozen=True)
class ReportTarget:
    """One assessment report as asked for: who may read it was checked, and whether it is final."""

    assessment: Assessment
    kind: str
    layer: str
    #: the status change that locked what it shows (None: a draft)
    lock: int | None
    filename: str
    #: the layer its stored rendering is kept under (an effective LHE with a decided sanggah: apart)
    store_layer: str


def report_target(actor: Actor, assessment_id: int, kind: str, layer_key: str) -> ReportTarget:
    """Authorise reading an assessment's report and say whether it is final (NotFound otherwise)."""
    if kind not in KINDS:
        raise ValueError(kind)
    assessment = ops.get_assessment(actor, assessment_id)
    changes = load_changes(assessment_id)
    lock = lock_change_id(str(getattr(assessment.status, "value", assessment.status)), changes, layer_key)
    lock, store_layer = stored_as(assessment_id, kind, layer_key, lock)
    return ReportTarget(assessment, kind, layer_key, lock, filename(kind, assessment, layer_key), store_layer)


def stored(actor: Actor, target: ReportTarget, locale: str, *, audit_download: bool = True) -> Rendered | None:
    """The stored rendering of a final report, if it is there intact (its download is audited)."""
    existing = (storage.find(target.assessment.id, target.kind, target.store_layer, locale, target.lock)
                if target.lock is not None else None)
    pdf = storage.read(existing) if existing is not None else None
    if pdf is None:
        return None
    if audit_download:
        ops.record_download(actor, target.assessment.id, kind=target.kind, layer=target.layer, draft=False,
                            stored=True)
    return Rendered(pdf, target.filename, draft=False, stored=True)


def assessment_report(actor: Actor, assessment_id: int, kind: str, layer_key: str, locale: str, *,
                      audit_download: bool = True) -> Rendered:
    """The LHE or LKE of one assessment: stored if final and already rendered, else rendered now
    (and stored if final). ``audit_download`` False: a rendering for later downloads, audited then."""
    target = report_target(actor, assessment_id, kind, layer_key)
    found = stored(actor, target, locale, audit_download=audit_download)
    if found is not None:
        return found
    lock, name = target.lock, target.filename
    changes = load_changes(assessment_id)
    existing = storage.find(assessment_id, kind, target.store_layer, locale, lock) if lock is not None else None
    bundle = load_bundle(assessment_id)
    assert bundle is not None
    data = load_report_data(bundle, changes)
    draft = lock is None
    years = None
    with force_locale(locale):
        if kind == "lhe":
            # the LHE's own modules: an LKE process does not import them (or declare their models)
            from zi_assess.reports.context_lhe import lhe_context
            from zi_assess.reports.context_sanggah import sanggah_context
            from zi_assess.reports.context_years import year_comparison

            upto = None if layer_key == EFFECTIVE else Layer(layer_key)
            context: object = lhe_context(data, upto, draft=draft, locale=locale, lock_change=lock)
            years = year_comparison(bundle, upto, locale)
            sanggah = sanggah_context(data, upto, locale)
        else:
            context, sanggah = lke_context(data, layer_key, draft=draft, locale=locale), None
    sheets = [stylesheet()]
    if years:
        sheets.append(stylesheet(YEARS_CSS))
    if kind == "lke":
        sheets.append(stylesheet(LKE_CSS))
    pdf = render_pdf(html_for(f"reports/{kind}.html", locale, r=context, yoy=years, sanggah=sanggah),
                     stylesheets=sheets)
    if lock is not None:
        sha256 = storage.write(pdf)
        if existing is not None:
            ops.repair_report(actor, existing, sha256=sha256, size=len(pdf))
        else:
            ops.store_report(actor, bundle.assessment, kind=kind, layer=target.store_layer, locale=locale,
                             lock_change_id=lock, criteria_id=bundle.criteria.id,
                             template_version=TEMPLATE_VERSION, sha256=sha256, size=len(pdf))
    if audit_download:
        ops.record_download(actor, assessment_id, kind=kind, layer=layer_key, draft=draft, stored=False)
    return Rendered(pdf, name, draft=draft, stored=False)


#: lines on one recap page (the national recap of a year has 5,000)
RECAP_PAGE_SIZE = 100


@dataclass(frozen=True)
class RecapFilters:
    instansi_id: int | None = None
    year: int | None = None
    status: str | None = None
    search: str | None = None
    sort: str = "total"
    descending: bool = True
    #: compare ``year`` with this year (issue 16); None: no comparison
    compare_year: int | None = None

    def describe(self) -> str:
        parts = []
        if self.year:
            parts.append(_("Tahun %(year)s", year=self.year))
        else:
            parts.append(_("Semua tahun"))
        if self.compare_year and self.year and self.compare_year != self.year:
            parts.append(_("dibandingkan dengan %(year)s", year=self.compare_year))
        if self.status:
            parts.append(_("Status: %(status)s", status=status_label(self.status)))
        if self.search:
            parts.append(_("Pencarian: “%(q)s”", q=self.search))
        order = _("menurun") if self.descending else _("menaik")
        parts.append(_("Urut: %(key)s (%(order)s)", key=sort_label(self.sort), order=order))
        return " · ".join(parts)


def sort_label(key: str) -> str:
    """A recap sort key as the filters describe it ("nilai total", "area 3", "pengungkit")."""
    names = {"total": _("nilai total"), "unit": _("nama unit"), "instansi": _("instansi"), "status": _("status")}
    if key in names:
        return names[key]
    if key.startswith("area_"):
        return _("area %(n)s", n=key.removeprefix("area_"))
    return node_name(current_app.config["CRITERIA"], key).lower()


def recap_sort_keys() -> tuple[str, ...]:
    """Every sort key a recap offers: fixed ones, then the components and areas of the criteria in use."""
    return recap_keys(known_criteria_ids()).sort_keys


def recap_scope(actor: Actor, instansi_id: int | None) -> Instansi | None:
    """The instansi a recap covers: the one asked for, else national (None) for national readers,
    else the actor's first instansi by name. PermissionDenied when the actor reads no recap."""
    user = actor.user
    if instansi_id is not None:
        instansi = db.session.get(Instansi, instansi_id)
        if instansi is None:
            raise ops.NotFound(instansi_id)
        authorize(user, "recap.view", instansi)
        return instansi
    if allowed(user, "recap.national"):
        return None
    authorize(user, "recap.view")
    assert user is not None
    return db.session.scalars(instansi_for(user, "recap.view").limit(1)).first()


def recap_lines(actor: Actor, filters: RecapFilters, *, keys: RecapKeys | None = None, limit: int | None = None,
                offset: int = 0) -> tuple[list[RecapRow], Instansi | None]:
    """The recap rows the actor may see under ``filters``, and the instansi covered (None: national).
    The recap page, its PDF and the CSV/XLSX exports all read this. ``keys``: the figures read
    (default: every criteria version's); ``limit``/``offset``: one page of rows."""
    instansi = recap_scope(actor, filters.instansi_id)
    assert actor.user is not None
    keys = keys or recap_keys(known_criteria_ids())
    rows = recap_rows(actor.user, instansi_id=instansi.id if instansi else None, year=filters.year,
                      status=filters.status or None, search=filters.search or None,
                      sort=filters.sort if filters.sort in keys.sort_keys else "total",
                      descending=filters.descending, keys=keys, limit=limit, offset=offset)
    return rows, instansi


def recap_summary_lines(actor: Actor, filters: RecapFilters) -> tuple[list[RecapRow], Instansi | None]:
    """Every recap row under ``filters`` with its total and verdicts only, in a cheap order (the
    page's summary, chart and year comparison; the shown page is read with its figures apart)."""
    keys = recap_keys(known_criteria_ids())
    return recap_lines(actor, replace(filters, sort="unit", descending=False),
                       keys=RecapKeys((), keys.predicates, keys.sort_keys))


def recap(actor: Actor, filters: RecapFilters, locale: str, page: int | None = None,
          lines: tuple[list[RecapRow], Instansi | None] | None = None) -> RecapContext:
    """The recap of an instansi (or national), as shown on the page and in the PDF.

    ``page``: the page shows :data:`RECAP_PAGE_SIZE` lines; only those are read with their figures,
    while the unit count, average, verdict counts and chart still cover every row (read with the
    verdicts alone: ``lines``, :func:`recap_summary_lines`, when the caller has them). None: every
    line (the PDF; ``lines``: :func:`recap_lines`, when the caller has them)."""
    keys = recap_keys(known_criteria_ids())
    if page is None:  # every line with its figures (``lines``: read so already)
        rows, instansi = lines if lines is not None else recap_lines(actor, filters, keys=keys)
    else:
        rows, instansi = lines if lines is not None else recap_summary_lines(actor, filters)
    shown, pages = None, 1
    if page is not None:
        pages = max(1, -(-len(rows) // RECAP_PAGE_SIZE))
        page = min(max(1, page), pages)
        shown, _instansi = recap_lines(actor, filters, keys=keys, limit=RECAP_PAGE_SIZE,
                                       offset=(page - 1) * RECAP_PAGE_SIZE)
        if pages == 1:  # every row on the page: the chart's bars in the page's order
            rows = shown
    with force_locale(locale):
        return recap_context(rows, scope=instansi.name if instansi else _("Nasional"), filters=filters.describe(),
                             shape=shape_of(rows), locale=locale, national=instansi is None, shown=shown,
                             page=page or 1, pages=pages)


def recap_pdf(actor: Actor, filters: RecapFilters, locale: str) -> Rendered:
    lines = recap_lines(actor, filters)
    context = recap(actor, filters, locale, lines=lines)
    years = recap_years_context(actor, filters, locale, *lines)
    pdf = render_pdf(html_for("reports/recap.html", locale, r=context, y=years),
                     stylesheets=[stylesheet(), stylesheet(YEARS_CSS)])
    record(actor, "report.recap", detail={"instansi": filters.instansi_id, "year": filters.year,
                                          "status": filters.status, "units": context.units})
    scope = slug(context.scope, fallback="rekap")
    compared = f"-{filters.compare_year}" if compared_years(filters) else ""
    return Rendered(pdf, f"REKAP-{scope}{'-' + str(filters.year) if filters.year else ''}{compared}.pdf", draft=False,
                    stored=False)


# -- the recap's years (issue 16) -------------------------------------------------------------------


def compared_years(filters: RecapFilters) -> tuple[int, int] | None:
    """(earlier, later) when ``filters`` ask for a valid comparison of two years, else None."""
    if filters.compare_year is None or filters.year is None or filters.compare_year == filters.year:
        return None
    return min(filters.year, filters.compare_year), max(filters.year, filters.compare_year)


def recap_pairs(actor: Actor, filters: RecapFilters, rows: list[RecapRow],
                instansi: Instansi | None) -> list[YearPair] | None:
    """Each unit in both compared years (None: no comparison asked for, or not a valid one).
    ``rows, instansi``: :func:`recap_lines` under the same filters (its year's rows are reused)."""
    years = compared_years(filters)
    if years is None:
        return None
    assert actor.user is not None and filters.year is not None
    keys = recap_keys(recap_criteria_ids())  # the totals are compared: no need to look for other criteria
    return recap_year_pairs(actor.user, years[0], years[1], known={filters.year: rows},
                            instansi_id=instansi.id if instansi else None, status=filters.status or None,
                            search=filters.search or None,
                            sort=filters.sort if filters.sort in keys.sort_keys else "total",
                            descending=filters.descending, keys=keys)


def recap_years_context(actor: Actor, filters: RecapFilters, locale: str, rows: list[RecapRow],
                        instansi: Instansi | None) -> RecapYears:
    """The years of a recap: those there are, what is wrong with the ones asked for, the comparison,
    and (for one instansi) its trend. ``rows, instansi``: :func:`recap_lines` under ``filters``."""
    assert actor.user is not None
    available = recap_year_list(actor.user, instansi_id=instansi.id if instansi else None)
    with force_locale(locale):
        listed = ", ".join(str(y) for y in sorted(available)) or _("belum ada")
        notices = []
        if filters.compare_year is not None and filters.year is None:
            notices.append(_("Pilih tahun evaluasi yang akan dibandingkan dengan %(year)s.", year=filters.compare_year))
        elif filters.compare_year is not None and filters.compare_year == filters.year:
            notices.append(_("Tahun pembanding sama dengan tahun evaluasi; pilih dua tahun yang berbeda."))
        for year in (filters.year, filters.compare_year if compared_years(filters) else None):
            if year is not None and year not in available:
                notices.append(_("Tidak ada penilaian pada tahun %(year)s. Tahun yang ada: %(years)s.", year=year,
                                 years=listed))
        pairs = recap_pairs(actor, filters, rows, instansi)
        years = compared_years(filters)
        comparison = recap_comparison(pairs, *years, locale) if pairs is not None and years else None
        trend = None
        if instansi is not None:
            trend = instansi_trend(recap_years(actor.user, instansi_id=instansi.id), current_app.config["CRITERIA"],
                                   locale, instansi.name)
    return RecapYears(tuple(available), tuple(notices), comparison, trend)
