"""The ``zi-assess`` console script.

``score`` and ``criteria`` run on the pure domain core and never import Flask, so a pipeline
scoring thousands of LKEs pays no web-framework start-up. ``report`` and ``worker`` run on the
lean app (:func:`zi_assess.reports.cli.lean_main`: no blueprints, migrations or other commands),
so one PDF costs little more than rendering it. Every other command (``db``, ``users``,
``demo``, ``run`` …) is a Flask CLI command of the full app.
"""

from __future__ import annotations

import sys

PURE_COMMANDS = ("score", "criteria")
LEAN_COMMANDS = ("report", "worker")
#: what Flask, Werkzeug and SQLAlchemy import that a report process never runs: Werkzeug's
#: development server (with http.server, http.client and ssl, ~10 ms of a report process) and
#: asyncio (~9 ms; SQLAlchemy's utilities and its dialects' async adapters import it, and take
#: ``iscoroutine`` at import), imported on first use. Not in a worker: it lives long (its
#: start-up is paid once), so it imports its libraries unchanged
LEAN_DEFERRED: dict[str, tuple[str, ...]] = {"werkzeug.serving": ("run_simple", "is_running_from_reloader"),
                                              "asyncio": ("iscoroutine",)}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``zi-assess`` script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in PURE_COMMANDS:
        from zi_assess.cli_score import main as pure_main

        return pure_main(args)
    if argv is None and args and args[0] in LEAN_COMMANDS:  # the console script's own process
        if args[0] == "report":  # one document, then os._exit: no cyclic collection at all (lean_main)
            import gc
            import os

            gc.disable()
            # pytz's own import-speed switch: Babel's import looks up the machine's time zone, and
            # pytz then opens each of its ~600 zone files to list those present (~8 ms); its wheel
            # ships them all
            os.environ.setdefault("PYTZ_SKIPEXISTSCHECK", "1")
        from zi_assess import code_cache
        from zi_assess.config import instance_path

        code_cache.install(instance_path())  # first: the imports below generate code (dataclasses …)
    from zi_assess.config import EXIT_CONFIG, ConfigurationError
    from zi_assess.domain.loader import CriteriaChanged

    try:
        if args and args[0] in LEAN_COMMANDS:
            from zi_assess.deferred_imports import deferred

            # the whole command runs within: Flask, Werkzeug and SQLAlchemy load here, the database
            # dialect (SQLAlchemy's asyncio adapters beside it) when the app is built
            with deferred(LEAN_DEFERRED if args[0] == "report" else {}):
                from zi_assess.reports.cli import lean_main

                return lean_main(args, own_process=argv is None)
        from zi_assess.commands import app_cli

        return int(app_cli.main(args=args, prog_name="zi-assess", standalone_mode=True) or 0)
    except ConfigurationError as exc:  # one line naming the setting, no traceback
        sys.stderr.write(f"zi-assess: configuration error: {exc}\n")
        return EXIT_CONFIG
    except CriteriaChanged as exc:  # an assessment is never scored with changed criteria files
        sys.stderr.write(f"zi-assess: refused: {exc}\n")
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
