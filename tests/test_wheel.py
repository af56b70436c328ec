"""The wheel is the product: built from the repository, installed into a fresh virtualenv and run
from a folder far from the checkout, it scores, migrates, loads the demo, prints reports, imports
criteria into the instance folder and serves every page under gunicorn.

(The issue found a wheel without templates/ and criteria/: every page a 500, ``score`` without
criteria, PDFs without their CSS, and ``import-portalrb`` writing into the installed code.)
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.serverutil import StartupReader

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
NOT_SOURCE = shutil.ignore_patterns(".venv", ".git", "build", "dist", "*.egg-info", "instance", "__pycache__",
                                    ".pytest_cache", ".ruff_cache", ".mypy_cache", ".hypothesis", "tests",
                                    "benchmarks")
DEMO_PASSWORD = "zi-demo-2026"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(bin folder, environment, working folder) of a fresh venv holding only the built wheel."""
    base = tmp_path_factory.mktemp("wheel")
    source, dist, venv = base / "source", base / "dist", base / "venv"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "--wheel-dir", str(dist), str(source)],
         timeout=300)
    wheel = next(dist.glob("zi_assess-*.whl"))
    _run([sys.executable, "-m", "venv", str(venv)], timeout=120)
    _run([str(venv / "bin" / "pip"), "install", "-q", "--constraint", str(ROOT / "constraints.txt"), str(wheel)],
         timeout=600)
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZI_", "PYTHON", "VIRTUAL_ENV"))}
    env |= {"PATH": f"{venv / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}", "ZI_INSTANCE_PATH": str(base / "instance")}
    return venv / "bin", env, elsewhere


def _run(args, *, env=None, cwd=None, timeout=120, stdin=None):
    out = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, input=stdin)
    assert out.returncode == 0, f"{args}: exit {out.returncode}\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}"
    return out


def _package_files(bin_dir: Path) -> dict[str, float]:
    site = next((bin_dir.parent / "lib").glob("python3*/site-packages/zi_assess"))
    return {str(p.relative_to(site)): p.stat().st_mtime for p in site.rglob("*") if "__pycache__" not in p.parts}


def test_the_installed_package_carries_its_data_and_runs_far_from_the_checkout(installed):
    bin_dir, env, elsewhere = installed
    code = ("import zi_assess, zi_assess.resources as r; "
            "print(zi_assess.__file__); print(r.TEMPLATES_DIR); print(r.CRITERIA_DIR)")
    paths = _run([str(bin_dir / "python"), "-c", code], env=env, cwd=elsewhere).stdout.split()
    venv = str(bin_dir.parent)
    assert all(p.startswith(venv) for p in paths), paths
    assert Path(paths[1], "errors", "error.html").is_file() and Path(paths[2], "prasyarat").is_dir()


def test_score_from_the_wheel(installed):
    from zi_assess.domain import load_criteria
    from zi_assess.domain.answers import best_answers

    bin_dir, env, elsewhere = installed
    request = {"id": "wheel-1", "criteria": "permenpanrb-90-2021", "answers": best_answers(load_criteria())}
    out = _run([str(bin_dir / "zi-assess"), "score", "--summary", "-"], env=env, cwd=elsewhere,
               stdin=json.dumps(request))
    result = json.loads(out.stdout)
    assert result["id"] == "wheel-1" and result["complete"] is True and result["total"] == pytest.approx(100)
    checked = _run([str(bin_dir / "zi-assess"), "criteria", "check"], env=env, cwd=elsewhere).stdout
    assert "permenpanrb-90-2021: OK" in checked


def test_import_portalrb_writes_into_the_instance_folder_not_the_package(installed):
    bin_dir, env, elsewhere = installed
    before = _package_files(bin_dir)
    master = next((bin_dir.parent / "lib").glob(
        "python3*/site-packages/zi_assess/criteria_data/portalrb/portalrb-master-soal-lke-zi-2026.json"))
    out = _run([str(bin_dir / "zi-assess"), "criteria", "import-portalrb", str(master), "--id", "prb-wheel"],
               env=env, cwd=elsewhere)
    assert str(Path(env["ZI_INSTANCE_PATH"]) / "criteria" / "prb-wheel") in out.stdout
    assert _package_files(bin_dir) == before
    checked = _run([str(bin_dir / "zi-assess"), "criteria", "check"], env=env, cwd=elsewhere).stdout
    assert "prb-wheel: OK" in checked  # the loader finds the instance's versions by id


def test_migrate_demo_report_and_serve_every_page(installed):
    bin_dir, env, elsewhere = installed
    cli = str(bin_dir / "zi-assess")
    _run([cli, "db", "upgrade"], env=env, cwd=elsewhere)
    assert "kepala.jakarta@demo.zi" in _run([cli, "demo"], env=env, cwd=elsewhere, timeout=300).stdout
    database = Path(env["ZI_INSTANCE_PATH"]) / "zi-assess.db"
    with sqlite3.connect(database) as conn:
        assessment_id, unit_name = conn.execute(
            "SELECT a.id, u.name FROM assessment a JOIN unit u ON u.id = a.unit_id WHERE u.code = 'KW-JKT' "
            "ORDER BY a.id LIMIT 1").fetchone()
    pdf = elsewhere / "lhe.pdf"
    _run([cli, "report", "lhe", str(assessment_id), "-o", str(pdf)], env=env, cwd=elsewhere, timeout=300)
    text = re.sub(r"\s+", " ", _run(["pdftotext", str(pdf), "-"]).stdout)
    assert unit_name in text and "Laporan Hasil Evaluasi" in text

    log: list[str] = []
    with subprocess.Popen([str(bin_dir / "gunicorn"), "--bind", "127.0.0.1:0", "--workers", "1",
                           "--access-logfile", "-", "zi_assess:create_app()"],
                          env=env, cwd=elsewhere, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as server:
        reader = StartupReader(server, log)
        reader.start()
        try:
            assert reader.found.wait(60), "".join(log)
            _browse(reader.address, assessment_id)
        finally:
            server.terminate()
            access_log = server.stdout.read()
            server.wait(timeout=30)
            reader.join(timeout=10)
    output = "".join(log) + access_log
    assert "Traceback" not in output and '" 500 ' not in output, output[-3000:]
    assert f'"GET /penilaian/{assessment_id}/area/1 HTTP/1.1" 200' in access_log  # --access-logfile -


def _browse(base: str, assessment_id: int) -> None:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(path: str) -> tuple[int, str, str]:
        try:
            with opener.open(base + path, timeout=60) as response:
                return response.status, response.headers.get_content_type(), response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get_content_type(), error.read().decode("utf-8", "replace")

    status, _, login_page = get("/masuk")
    assert status == 200 and "Masuk" in login_page
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "email": "kepala.jakarta@demo.zi",
                                   "password": DEMO_PASSWORD}).encode()
    with opener.open(base + "/masuk", data=form, timeout=60) as response:  # follows the redirect
        assert response.status == 200 and response.url.endswith("/dasbor/")
    for path, kind in ((f"/penilaian/{assessment_id}", "text/html"), (f"/penilaian/{assessment_id}/area/1", "text/html"),
                       (f"/penilaian/{assessment_id}/lke.pdf", "application/pdf"), ("/static/css/app.css", "text/css"),
                       ("/healthz", "application/json")):
        status, content_type, _ = get(path)
        waited = 0
        while status == 202 and waited < 180:  # a PDF not stored yet: the progress page, until rendered
            time.sleep(2)
            waited += 2
            status, content_type, _ = get(path)
        assert (status, content_type) == (200, kind), path
    status, _, page = get("/halaman-yang-tidak-ada")
    assert status == 404 and "Halaman tidak ditemukan" in page and "Kode permintaan" in page
