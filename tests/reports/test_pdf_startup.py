"""Start-up of a rendering process: WeasyPrint loads only where a PDF is rendered, and without
``ctypes.util.find_library`` (which runs ldconfig, gcc and ld in subprocesses for every name)."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _python(code: str, tmp_path) -> str:
    env = {"ZI_DATABASE_URL": f"sqlite:///{tmp_path / 'start.db'}", "ZI_INSTANCE_PATH": str(tmp_path / "instance"),
           "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip()


def test_building_the_app_does_not_load_weasyprint(tmp_path):
    out = _python("""
        import sys
        from zi_assess import create_app
        create_app()
        print("weasyprint" in sys.modules, "openpyxl" in sys.modules)
    """, tmp_path)
    assert out.split()[0] == "False"


def test_weasyprint_loads_its_libraries_without_find_library(tmp_path):
    out = _python("""
        import ctypes.util
        calls = []
        real = ctypes.util.find_library
        ctypes.util.find_library = lambda name: calls.append(name) or real(name)
        from zi_assess.reports import pdf
        assert ctypes.util.find_library is not real  # put back: our counting wrapper
        rendered = pdf.render_pdf("<p>Halo</p>")
        print(len(calls), rendered[:5].decode())
    """, tmp_path)
    assert out == "0 %PDF-"


def test_the_report_command_starts_without_the_web_application(tmp_path):
    """``zi-assess report`` builds the lean app: no blueprints, no Alembic, no openpyxl (#15), and
    SQLAlchemy's asyncio adapters do not import asyncio."""
    _python("""
        from zi_assess import create_app
        from zi_assess.extensions import db
        with create_app().app_context():
            db.create_all()
    """, tmp_path)
    out = _python(f"""
        import sys
        from zi_assess.cli import main
        try:
            code = main(["report", "lhe", "1", "-o", {str(tmp_path / "lhe.pdf")!r}])
        except SystemExit as exit:  # click's standalone mode ends the command with sys.exit
            code = exit.code
        loaded = [m for m in ("alembic", "flask_migrate", "openpyxl", "zi_assess.main.views",
                              "zi_assess.assessments.views", "zi_assess.interop.cli", "werkzeug.serving",
                              "http.server", "fontTools.subset", "asyncio") if m in sys.modules]
        import werkzeug.serving  # imported when asked for: the real module
        print(code, loaded or "none", werkzeug.serving.is_running_from_reloader.__module__)
    """, tmp_path)
    # "no assessment with id 1", after a start that loaded none of them
    assert out.endswith("1 none werkzeug.serving")


def test_a_render_pauses_the_garbage_collector_and_collects_once_after():
    import gc
    import weakref

    from zi_assess.reports import bounds

    class Node:
        pass

    assert gc.isenabled()
    collections: list[int] = []

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    with bounds.gc_paused():
        assert not gc.isenabled()
        cycle = Node()
        cycle.self = cycle  # type: ignore[attr-defined]
        alive = weakref.ref(cycle)
        del cycle
        assert alive() is not None  # a cycle: only the collector frees it
        gc.callbacks.append(record)
    gc.callbacks.remove(record)
    assert gc.isenabled() and alive() is None
    # the youngest generation only: what the paused collector let pile up, not what older reports left
    assert collections == [0]


def test_the_report_process_ends_with_its_exit_code_and_output(tmp_path):
    """The console script ends a report process with os._exit: the code and the message still come out."""
    _python("""
        from zi_assess import create_app
        from zi_assess.extensions import db
        with create_app().app_context():
            db.create_all()
    """, tmp_path)
    env = {"ZI_DATABASE_URL": f"sqlite:///{tmp_path / 'start.db'}", "ZI_INSTANCE_PATH": str(tmp_path / "instance"),
           "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "zi_assess.cli", "report", "lhe", "1", "-o", str(tmp_path / "x.pdf")],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1 and "no assessment with id 1" in result.stderr


def test_pdf_streams_are_compressed_at_level_6_and_still_read():
    """pydyf asks zlib for level 9; the helper makes it 6 (issue #15: a measurable share of a
    render for files ~2 % larger). pypdf reads the text back."""
    import zlib
    from io import BytesIO

    import pydyf
    from pypdf import PdfReader

    from zi_assess.reports import pdf

    stream = pydyf.Stream([b"BT /F1 9 Tf (Laporan Hasil Evaluasi) Tj ET"] * 200, compress=True)
    raw = b"\n".join([b"BT /F1 9 Tf (Laporan Hasil Evaluasi) Tj ET"] * 200)
    level6 = zlib.compressobj(level=6)
    assert pdf.STREAM_COMPRESSION == 6
    assert (level6.compress(raw) + level6.flush()) in stream.data
    assert pydyf.zlib.decompress(zlib.compress(b"x")) == b"x"  # the rest of zlib is zlib
    text = PdfReader(BytesIO(pdf.render_pdf("<p>Ringkasan nilai 87,5</p>"))).pages[0].extract_text()
    assert "Ringkasan nilai 87,5" in text


def test_weasyprint_loads_without_fonttools_subsetter_until_it_is_used(tmp_path):
    """fontTools' subsetter and variable-font instancer are imported by WeasyPrint but only used
    without HarfBuzz-subset or with variable fonts: stand-ins until first use, then the real modules."""
    out = _python("""
        import sys
        from zi_assess.reports import pdf
        from weasyprint.pdf import fonts
        before = [m for m in ("fontTools.subset", "fontTools.varLib.instancer") if m in sys.modules]
        rendered = pdf.render_pdf("<p>Halo</p>")
        after = [m for m in ("fontTools.subset", "fontTools.varLib.instancer") if m in sys.modules]
        options = fonts.subset.Options()  # the first use imports the real module
        import fontTools.subset
        from fontTools.varLib.instancer import instantiateVariableFont
        print(before or "none", after or "none", rendered[:5].decode(), type(options) is fontTools.subset.Options,
              fonts.instantiateVariableFont.__name__, callable(instantiateVariableFont),
              type(sys.modules["fontTools.subset"]).__name__)
    """, tmp_path)
    assert out == "none none %PDF- True instantiateVariableFont True module"


def test_weasyprint_loads_the_woff2_decoder_only_for_a_woff2_font(tmp_path):
    """The report fonts are TrueType files: a render with them (report.css's @font-face) never
    imports fontTools' WOFF2 decoder and Brotli; WeasyPrint's first use of it imports the real one."""
    from zi_assess.resources import TEMPLATES_DIR

    css = (TEMPLATES_DIR / "reports" / "report.css").read_text(encoding="utf-8")
    out = _python(f"""
        import sys
        from zi_assess.reports import pdf
        from weasyprint.text import fonts
        rendered = pdf.render_pdf("<p>Halo <b>tebal</b></p>", stylesheets=[{css!r}])
        loaded = [m for m in ("fontTools.ttLib.woff2", "brotli") if m in sys.modules]
        decompress = fonts.woff2.decompress  # the first use imports the real module
        print(loaded or "none", rendered[:5].decode(), decompress.__module__,
              type(sys.modules["fontTools.ttLib.woff2"]).__name__)
    """, tmp_path)
    assert out == "none %PDF- fontTools.ttLib.woff2 module"


def test_a_deferred_function_imports_its_module_when_called():
    import sys

    from zi_assess.deferred_imports import DeferredModule, deferred

    sys.modules.pop("colorsys", None)
    with deferred({"colorsys": ("rgb_to_hsv",)}):
        from colorsys import rgb_to_hsv

        assert isinstance(sys.modules["colorsys"], DeferredModule)
    assert "colorsys" not in sys.modules  # the stand-in is gone; its function still works
    assert rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
    assert type(sys.modules["colorsys"]).__name__ == "module"


def test_a_report_process_skips_pytz_zone_file_checks_which_its_wheel_makes_needless(tmp_path):
    """pytz's import-speed switch (``PYTZ_SKIPEXISTSCHECK``) is set in a ``zi-assess report``
    process only, and what it skips finds nothing missing: every zone pytz lists has its file."""
    import pytz

    assert len(pytz.all_timezones) == len(pytz._all_timezones_unchecked)  # checked here: all present
    _python("""
        from zi_assess import create_app
        from zi_assess.extensions import db
        with create_app().app_context():
            db.create_all()
    """, tmp_path)
    out = _python(f"""
        import os, sys
        real_exit = os._exit
        def report_and_exit(code):
            print(code, os.environ.get("PYTZ_SKIPEXISTSCHECK"))
            sys.stdout.flush()
            real_exit(0)
        os._exit = report_and_exit
        sys.argv = ["zi-assess", "report", "lhe", "1", "-o", {str(tmp_path / "lhe.pdf")!r}]
        from zi_assess.cli import main
        main()
    """, tmp_path)
    assert out.endswith("1 1")  # "no assessment with id 1", in a process with the switch on
