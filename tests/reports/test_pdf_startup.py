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
