"""A store that refuses (read-only folder, S3 endpoint down, disk full): a friendly 503/507 page with
the request id, nothing written that points at a missing file, and the rest of the app works."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import _test_config
from tests.ops.conftest import free_port, s3_settings
from tests.web.test_evidence import PDF, upload
from zi_assess.extensions import db
from zi_assess.models import AuditEvent, Evidence, EvidenceBlob
from zi_assess.storage import StoreFull, build_store
from zi_assess.storage.base import Staged, translate_os_errors
from zi_assess.storage.fs import FsStore


def _read_only(folder: Path):
    """chmod for ordinary users; root ignores modes, so also the immutable attribute (ext4)."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o555)
    immutable = False
    if os.geteuid() == 0:
        if not shutil.which("chattr") or subprocess.run(["chattr", "+i", str(folder)],
                                                        capture_output=True).returncode != 0:
            pytest.skip("running as root on a filesystem without chattr +i: cannot make a folder read-only")
        immutable = True
    return immutable


@pytest.fixture(params=["read-only folder", "s3 endpoint down"])
def app_config(request, _schema, tmp_path):
    config = _test_config(_schema, tmp_path)
    if request.param == "s3 endpoint down":
        yield config | s3_settings(f"http://127.0.0.1:{free_port()}", "down") | {
            "S3_TIMEOUT": 1, "STORAGE_STAGING_PATH": str(tmp_path / "staging")}
        return
    store = tmp_path / "ro-store"
    immutable = _read_only(store)
    yield config | {"STORAGE_PATH": str(store)}
    if immutable:
        subprocess.run(["chattr", "-i", str(store)], check=True)
    store.chmod(0o755)


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_an_upload_is_refused_with_a_503_and_nothing_is_written(app, team, draft, login):
    client = login(team.operator)
    events = count(AuditEvent)
    response = upload(client, draft.id, "SK Tim ZI.pdf", PDF)
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and "Penyimpanan berkas sedang tidak dapat dijangkau" in page
    assert response.headers["X-Request-ID"] in page  # "Kode permintaan" to quote when reporting
    assert count(Evidence) == 0 and count(EvidenceBlob) == 0 and count(AuditEvent) == events
    # the rest of the application keeps working
    assert client.get(f"/penilaian/{draft.id}/area/1").status_code == 200
    assert client.get("/").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["checks"]["storage"]["status"] == "fail"
    assert health.get_json()["checks"]["database"]["status"] == "ok"


def test_a_workbook_upload_is_refused_with_a_503(app, team, draft, login):
    from tests.interop.test_excel_import import as_bytes, workbook
    from tests.interop.test_excel_import import upload as upload_workbook

    client = login(team.operator)
    response = upload_workbook(client, draft, as_bytes(workbook(client, draft)))
    assert response.status_code == 503, response.status_code
    assert "Penyimpanan berkas" in response.get_data(as_text=True)


class FullStore(FsStore):
    """A real filesystem store whose staging files are on /dev/full: every write fails with the
    kernel's ENOSPC, as on a full disk."""

    def staging(self):  # type: ignore[override]
        from contextlib import contextmanager

        @contextmanager
        def full():
            handle = open("/dev/full", "wb")  # noqa: SIM115
            try:
                yield Staged(handle, Path("/dev/full"))
            finally:
                try:
                    handle.close()
                except OSError:
                    pass

        return full()


def test_a_full_disk_is_a_507(app, team, draft, login, tmp_path):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with pytest.raises(StoreFull), translate_os_errors(None), open("/dev/full", "wb") as fh:
        fh.write(b"x" * 10)
        fh.flush()
    app.extensions["zi_store"] = FullStore(tmp_path / "full")
    client = login(team.operator)
    response = upload(client, draft.id, "SK Tim ZI.pdf", PDF)
    page = response.get_data(as_text=True)
    assert response.status_code == 507 and "Penyimpanan berkas penuh" in page
    assert count(Evidence) == 0 and count(EvidenceBlob) == 0
    assert client.get(f"/penilaian/{draft.id}/area/1").status_code == 200


def test_build_store_refuses_nothing_at_import_time(tmp_path):
    # building a store talks to nothing: an app starts even when its store is down
    build_store(s3_settings(f"http://127.0.0.1:{free_port()}", "x"), str(tmp_path))
