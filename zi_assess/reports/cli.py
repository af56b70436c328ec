"""``zi-assess report lhe|lke|recap`` and ``zi-assess worker`` (the RQ worker of PDF reports).

Both run on the lean app (``build_app(web=False)``): ``zi_assess.cli`` sends them to
:func:`lean_main` without building the web application; ``flask --app wsgi report …`` still works
on the full app.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from zi_assess.i18n import LOCALES


def _reader() -> Any:
    """The command line acts as zi-assess itself (authz's rule for the system: it reads every
    report and recap), and its audit events say so ("system:cli")."""
    from zi_assess.audit import system_actor

    return system_actor("cli")


def _write(path: str, pdf: bytes) -> None:
    Path(path).write_bytes(pdf)
    click.echo(f"{path}: {len(pdf):,} bytes")


def _assessment_pdf(kind: str, assessment_id: int, output: str, layer: str, locale: str) -> None:
    from zi_assess.assessments.operations import NotFound
    from zi_assess.extensions import db
    from zi_assess.reports import documents

    try:
        layer_key = documents.parse_layer(layer)
    except ValueError:
        raise click.BadParameter(f"unknown layer {layer!r} (efektif, mandiri, tpi, tpn_desk, tpn_lapangan)",
                                 param_hint="--layer") from None
    try:
        rendered = documents.assessment_report(_reader(), assessment_id, kind, layer_key, locale)
    except NotFound:
        raise click.ClickException(f"no assessment with id {assessment_id}") from None
    db.session.commit()
    _write(output, rendered.pdf)
    state = "draft, watermarked" if rendered.draft else ("final, from storage" if rendered.stored else "final, stored")
    click.echo(f"{rendered.filename} ({state})")


report_group = click.Group("report", help="Render PDF reports (LHE, LKE sheet, recap).")

_output = click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="PDF file to write")
_locale = click.option("--locale", default="id", show_default=True, type=click.Choice(LOCALES),
                       help="language of the report")


@report_group.command("lhe")
@click.argument("assessment_id", type=int)
@_output
@click.option("--layer", default="efektif", show_default=True, help="evaluating layer: efektif, tpi, …")
@_locale
@with_appcontext
def lhe_command(assessment_id: int, output: str, layer: str, locale: str) -> None:
    """Laporan Hasil Evaluasi of one assessment."""
    _assessment_pdf("lhe", assessment_id, output, layer, locale)


@report_group.command("lke")
@click.argument("assessment_id", type=int)
@_output
@click.option("--layer", default="efektif", show_default=True,
              help="answers shown: efektif, mandiri, tpi, tpn_desk, tpn_lapangan")
@_locale
@with_appcontext
def lke_command(assessment_id: int, output: str, layer: str, locale: str) -> None:
    """The LKE sheet of one assessment (official columns)."""
    _assessment_pdf("lke", assessment_id, output, layer, locale)


@report_group.command("recap")
@click.option("--instansi", "instansi_id", type=int, default=None, help="instansi id (default: national)")
@click.option("--year", type=int, default=None)
@click.option("--status", default=None, help="only assessments in this workflow status")
@click.option("--sort", default="total", show_default=True)
@click.option("--ascending", is_flag=True)
@_output
@_locale
@with_appcontext
def recap_command(instansi_id: int | None, year: int | None, status: str | None, sort: str, ascending: bool,
                  output: str, locale: str) -> None:
    """Recap of an instansi's units (or national): totals, areas, verdicts, chart."""
    from zi_assess.assessments.operations import NotFound
    from zi_assess.extensions import db
    from zi_assess.reports import documents

    filters = documents.RecapFilters(instansi_id, year, status, None, sort, not ascending)
    try:
        rendered = documents.recap_pdf(_reader(), filters, locale)
    except NotFound:
        raise click.ClickException(f"no instansi with id {instansi_id}") from None
    db.session.commit()
    _write(output, rendered.pdf)


#: seconds the worker's pub/sub thread waits for a message at a time (bounds how long a stop waits for it)
PUBSUB_WAIT = 1.0


def _worker_class() -> Any:
    from rq import SimpleWorker

    class ReportWorker(SimpleWorker):  # type: ignore[misc]
        """Runs reports in its own process (fonts and stylesheets stay loaded between reports)
        and remembers whether it was asked to stop, so a stop is not mistaken for a restart."""

        stopping = False

        def request_stop(self, signum: Any, frame: Any) -> None:
            self.stopping = True
            super().request_stop(signum, frame)

        def subscribe(self) -> None:
            """RQ's subscription to the worker's command channel, its thread waiting at most
            :data:`PUBSUB_WAIT` seconds at a time instead of RQ's 60. RQ's teardown sends
            UNSUBSCRIBE, then stops and joins that thread; when the thread reads the reply first
            (no channel left) and loops back, before the stop flag is cleared, it waits in
            ``get_message`` for a new subscription for its whole ``sleep_time``, and redis-py
            8.2's ``stop`` joins it without a timeout: an idle worker then took 60 s to stop.
            Messages still arrive at once; an idle worker's pub/sub thread wakes once a second."""
            self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
            self.pubsub = self.connection.pubsub()
            self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
            self.pubsub_thread = self.pubsub.run_in_thread(
                sleep_time=PUBSUB_WAIT, daemon=True, exception_handler=getattr(self, "_pubsub_exception_handler", None))

        def unsubscribe(self) -> None:
            """RQ's, with the pub/sub thread told to stop first: the reply to UNSUBSCRIBE, which
            wakes it, then ends its loop at once (RQ clears the flag after sending, so the thread
            usually went back to wait, for up to :data:`PUBSUB_WAIT`)."""
            thread = self.pubsub_thread
            if thread is not None:
                try:
                    thread.stop(timeout=0)  # redis-py 8.2: clears its flag (joined below, in RQ's unsubscribe)
                except TypeError:
                    thread.stop()  # earlier redis-py (setup.cfg allows 5.0): stop() only clears the flag
            super().unsubscribe()

    return ReportWorker


@click.command("worker")
@click.option("--burst", is_flag=True, help="exit when the queue is empty")
@click.option("--max-jobs", type=int, default=None, help="restart after this many reports (default: setting)")
@with_appcontext
def worker_command(burst: bool, max_jobs: int | None) -> None:
    """Run an RQ worker for PDF reports: single ones first, then bulk exports (needs ZI_REDIS_URL).

    After REPORT_WORKER_MAX_JOBS reports the process replaces itself with a fresh one, so the
    memory WeasyPrint accumulates is returned to the system.
    """
    import gc

    from zi_assess.reports import jobs, pdf

    assert pdf.render_pdf  # WeasyPrint, its fonts and stylesheets load now, not in the first report
    from zi_assess import code_cache

    code_cache.save()
    if _OWN_PROCESS:
        gc.freeze()  # what start-up built stays: the collector never walks it again (bounds.gc_paused)
    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("ZI_REDIS_URL is not set; without Redis, exports run inside the web process")
    connection = jobs.redis_connection()
    reaped = jobs.reap()  # reports whose worker died (this one, restarted by systemd, or another)
    if reaped:
        click.echo(f"worker: {reaped} report(s) of stopped workers queued again or failed")
    limit = max_jobs or int(current_app.config["REPORT_WORKER_MAX_JOBS"])
    from rq import Queue

    from zi_assess.reports import renders

    # single reports someone waits for first, then the bulk exports
    worker = _worker_class()([Queue(renders.now_queue_name(), connection=connection), jobs.queue(connection)],
                             connection=connection)
    worker.work(burst=burst, max_jobs=limit, with_scheduler=False)
    if burst or worker.stopping:
        return
    click.echo(f"worker: {limit} reports done, restarting")
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])


commands = [report_group, worker_command]
#: the command is this process (the console script): process-wide settings of the garbage
#: collector and the quick exit apply, not in a caller that runs it in its own process (tests)
_OWN_PROCESS = False


def lean_main(args: list[str], *, own_process: bool = False) -> int:
    """``zi-assess report …`` and ``zi-assess worker`` on the lean app (see :mod:`zi_assess.cli`).

    ``own_process`` (the console script, not a caller in the same process): a report process
    renders with the cyclic garbage collector off and ends with ``os._exit`` once its file is
    written, its connections closed and its output flushed. The kernel frees the memory at once;
    the interpreter would first take every object of the app and WeasyPrint apart one by one
    (measured: ~0.2 s CPU after an LHE). A worker freezes what its start-up built. Both compile
    the code libraries generate at run time through :mod:`zi_assess.code_cache`.
    """
    import gc

    global _OWN_PROCESS
    _OWN_PROCESS = own_process

    from zi_assess import code_cache

    if own_process:  # generated code compiled by earlier processes (zi_assess.cli.main installed it first)
        from zi_assess.config import instance_path

        code_cache.install(instance_path())
    from flask.cli import ScriptInfo

    from zi_assess.app import build_app

    report = bool(args) and args[0] == "report"
    if report and own_process:
        # One document, then the process ends: the cyclic collector would only walk WeasyPrint's
        # objects again and again (a quarter of the render time); the exit frees them all.
        gc.disable()
    built: list[Flask] = []

    def create() -> Flask:
        built.append(build_app(web=False))
        return built[-1]

    group = click.Group("zi-assess", commands=commands, help="Render PDF reports; run the report worker.")
    try:
        return int(group.main(args=args, prog_name="zi-assess", obj=ScriptInfo(create_app=create, set_debug_flag=False),
                              standalone_mode=True) or 0)
    except SystemExit as done:
        code_cache.save()
        if not (own_process and report):
            raise
        _exit_now(built, done.code if isinstance(done.code, int) else (0 if done.code is None else 1))
        raise  # pragma: no cover  (not reached)


def _exit_now(apps: list[Flask], code: int) -> None:
    """What the interpreter's exit would do that matters (close connections, flush output), then end."""
    import logging

    from zi_assess.extensions import db

    for app in apps:
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
