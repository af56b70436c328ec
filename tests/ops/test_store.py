"""The storage interface, run against both backends (filesystem and S3 through moto's server)."""

from __future__ import annotations

import io
import time

import pytest
from flask import Flask

from zi_assess.storage import BlobMissing, StoreUnavailable, evidence_key, export_key, import_key, report_key


def test_save_read_exists_and_delete(store):
    key = report_key("ab" + "0" * 62)
    assert not store.exists(key)
    store.save(key, b"%PDF-1.7 first")
    assert store.exists(key) and store.read(key) == b"%PDF-1.7 first"
    store.save(key, b"%PDF-1.7 second")  # replaced whole
    with store.open(key) as fh:
        assert fh.read() == b"%PDF-1.7 second"
    store.delete(key)
    store.delete(key)  # deleting what is gone is no error
    assert not store.exists(key)
    with pytest.raises(BlobMissing) as missing:
        store.read(key)
    assert missing.value.key == key
    with pytest.raises(BlobMissing):
        store.open(key)


def test_list_gives_every_object_under_a_prefix_with_size_and_age(store):
    store.save(export_key("job1/001-a.pdf"), b"a")
    store.save(export_key("job1/002-b.pdf"), b"bb")
    store.save(export_key("LHE-x.zip"), b"zip")
    store.save(import_key("tok.json"), b"{}")
    listed = {entry.key: entry for entry in store.list(export_key("job1/"))}
    assert set(listed) == {"exports/job1/001-a.pdf", "exports/job1/002-b.pdf"}
    assert listed["exports/job1/002-b.pdf"].size == 2
    assert all(-5 < entry.age() < 60 for entry in listed.values())
    assert {e.key for e in store.list("exports/")} == {*listed, "exports/LHE-x.zip"}
    assert list(store.list("nothing-here/")) == []


def test_staging_is_invisible_until_committed_and_gone_when_abandoned(store):
    key = evidence_key("cd" * 32)
    with store.staging() as staged:
        staged.file.write(b"half of an upload")
        staged.file.flush()
        assert staged.path.is_file() and not store.exists(key)
        assert [e.key for e in store.list("evidence/")] == []
    assert not staged.path.exists()  # abandoned: removed
    with store.staging() as staged:
        staged.file.write(b"a whole upload")
        store.commit_staged(staged, key)
    assert store.read(key) == b"a whole upload" and not staged.path.exists()
    assert list(store.staged_files()) == []


def test_touch_makes_an_object_young_again(store):
    key = evidence_key("ef" * 32)
    store.save(key, b"content")
    before = next(iter(store.list("evidence/"))).modified
    time.sleep(1.1)
    store.touch(key)
    assert next(iter(store.list("evidence/"))).modified > before
    with pytest.raises(BlobMissing):
        store.touch(evidence_key("00" * 32))


def test_send_streams_an_attachment_and_a_missing_object_is_blob_missing(store):
    app = Flask(__name__)
    store.save(import_key("x.xlsx"), b"PK\x03\x04 workbook")
    with app.test_request_context():
        response = store.send(import_key("x.xlsx"), mimetype="application/zip", download_name="LKE Unit é.xlsx")
        response.direct_passthrough = False
        assert response.get_data() == b"PK\x03\x04 workbook" and response.content_length == 13
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert "LKE" in response.headers["Content-Disposition"]
        response.close()
        with pytest.raises(BlobMissing):
            store.send(import_key("gone.xlsx"), mimetype="application/zip", download_name="x")


def test_probe_writes_and_removes(store):
    assert store.probe()
    assert list(store.list("tmp/")) == []


def test_keys_may_start_with_any_token_character(store):
    store.save(import_key("-dash_token.json"), b"{}")  # secrets.token_urlsafe may start with - or _
    store.save(import_key("_under.json"), b"{}")
    assert store.read(import_key("-dash_token.json")) == b"{}"


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a//b", "", "evidence/../x", "./x", "a/b/"])
def test_keys_cannot_leave_the_store(store, key):
    with pytest.raises(ValueError):
        store.save(key, b"x")


def test_an_unreachable_s3_endpoint_is_store_unavailable_quickly(tmp_path):
    from tests.ops.conftest import free_port, s3_settings
    from zi_assess.storage import build_store

    down = build_store(s3_settings(f"http://127.0.0.1:{free_port()}", "p") | {"S3_TIMEOUT": 1},
                       str(tmp_path))
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        down.save(report_key("ab" * 32), b"x")
    with pytest.raises(StoreUnavailable):
        down.read(report_key("ab" * 32))
    assert time.monotonic() - started < 15


def test_a_filesystem_store_in_place_of_a_file_is_store_unavailable(tmp_path):
    from zi_assess.storage import build_store

    (tmp_path / "blocker").write_text("a file where the store folder should be")
    blocked = build_store({"STORAGE": "fs", "STORAGE_PATH": str(tmp_path / "blocker" / "store")}, str(tmp_path))
    with pytest.raises(StoreUnavailable):
        blocked.save(report_key("ab" * 32), b"x")
    with pytest.raises(StoreUnavailable):
        blocked.probe()
    with pytest.raises(StoreUnavailable):
        with blocked.staging() as staged:
            staged.file.write(io.BytesIO(b"x").read())
