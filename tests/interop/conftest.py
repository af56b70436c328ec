"""Fixtures of the interop tests: a private import folder, signed-in clients, proposed assessments,
and LibreOffice (installed from Debian when missing and possible)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import _test_config, sign_in

GOOD_INSTANSI = {"opini_bpk": "WTP", "sakip_instansi": "BB", "indeks_rb": "BB", "spip_level": 3}
GOOD_UNIT = {"layanan_utama": True, "tl_apip_bpk_persen": 100, "lhkpn_persen": 100, "lhkasn_persen": 100,
             "bulan_membangun_zi": 13, "sakip_unit": "BB"}
LIBREOFFICE_PACKAGE = "libreoffice-calc-nogui"


@pytest.fixture
def app_config(_schema: str, tmp_path: Path) -> dict[str, Any]:
    return _test_config(_schema, tmp_path)


@pytest.fixture
def login(app: Any) -> Callable[[Any], Any]:
    """A test client signed in as ``user``."""

    def signed_in(user: Any) -> Any:
        client = app.test_client()
        sign_in(client, user)
        return client

    return signed_in


@pytest.fixture
def propose(flow: Any) -> Callable[..., Any]:
    """Take an assessment through the real workflow up to "proposed" (TPI answers optional)."""
    from zi_assess.audit import SYSTEM
    from zi_assess.extensions import db
    from zi_assess.org import operations as org

    def run(unit: Any, head: Any, tpi_lead: Any, mandiri: dict[str, Any] | None = None,
            tpi: dict[str, Any] | None = None, prepare: Callable[[Any], None] | None = None, **create: Any) -> Any:
        a = flow.create(unit, head, **create)
        flow.fill(head, a, flow.Layer.MANDIRI, mandiri)
        if prepare is not None:  # e.g. evidence, added while the unit still edits its LKE
            prepare(a)
            db.session.commit()
        flow.step(head, a, "submit")
        flow.step(tpi_lead, a, "start_tpi_review")
        if tpi:
            flow.fill(tpi_lead, a, flow.Layer.TPI, tpi)
        flow.step(tpi_lead, a, "conclude_tpi", eligible=True)
        org.record_prerequisites(SYSTEM, a.year, GOOD_INSTANSI, instansi=unit.instansi)
        org.record_prerequisites(SYSTEM, a.year, GOOD_UNIT, unit=unit)
        db.session.commit()
        flow.step(tpi_lead, a, "propose")
        return a

    return run


def _ensure_libreoffice() -> str | None:
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary:
        return binary
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True, env=env, timeout=600)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", LIBREOFFICE_PACKAGE],
                   check=False, capture_output=True, env=env, timeout=1800)
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="session")
def libreoffice(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Path]:
    """Recalculate an xlsx headless with LibreOffice; returns the converted file's path."""
    binary = _ensure_libreoffice()
    if binary is None:
        pytest.skip(f"LibreOffice is missing and cannot be installed here (not root): "
                    f"apt-get install {LIBREOFFICE_PACKAGE}")
    profile = tmp_path_factory.mktemp("lo-profile")

    def convert(path: Path) -> Path:
        out = path.parent / "recalculated"
        result = subprocess.run(
            [binary, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "xlsx",
             "--outdir", str(out), str(path)], capture_output=True, text=True, timeout=300,
        )
        converted = out / path.name
        assert result.returncode == 0 and converted.exists(), result.stderr
        return converted

    return convert
