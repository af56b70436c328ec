"""The whole application on ZI_STORAGE=s3 (moto's server): evidence up and down, a stored report,
and a pending import confirmed by a second server that shares only the bucket and the database."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from tests.conftest import FreshContextClient, _test_config
from tests.ops.conftest import s3_settings
from tests.web.test_evidence import PDF, upload
from zi_assess import create_app
from zi_assess.extensions import db
from zi_assess.models import Evidence, StoredReport
from zi_assess.storage import evidence_key, get_store, report_key


@pytest.fixture
def app_config(_schema, tmp_path, s3_endpoint):
    return _test_config(_schema, tmp_path) | s3_settings(s3_endpoint, f"e2e-{tmp_path.name}") | {
        "STORAGE_PATH": None, "STORAGE_STAGING_PATH": str(tmp_path / "staging")}


def test_evidence_is_uploaded_to_the_bucket_and_downloaded_from_it(app, team, draft, login, tmp_path, runner):
    client = login(team.operator)
    response = upload(client, draft.id, "SK Tim ZI.pdf", PDF, title="SK Tim ZI")
    assert "Data dukung ditambahkan" in response.get_data(as_text=True)
    evidence = db.session.scalar(select(Evidence))
    key = evidence_key(hashlib.sha256(PDF).hexdigest())
    assert get_store().name == "s3" and get_store().read(key) == PDF
    assert not (tmp_path / "store").exists() and list((tmp_path / "staging").iterdir()) == []
    with client.get(f"/data-dukung/{evidence.id}/unduh") as download:
        assert download.status_code == 200 and download.data == PDF
        assert download.headers["Content-Disposition"].startswith("attachment;")
        assert download.headers["Content-Length"] == str(len(PDF))
    verified = runner.invoke(args=["storage", "verify"])
    assert verified.exit_code == 0 and "1 objects present and intact" in verified.output
    get_store().save(key, b"%PDF-1.4 altered")
    assert runner.invoke(args=["storage", "verify"]).exit_code == 1


def test_a_final_report_is_stored_in_the_bucket_and_served_from_it(app, team, decided, login, monkeypatch):
    client = login(team.manager)
    first = client.get(f"/penilaian/{decided.id}/lhe.pdf")
    assert first.status_code == 200
    row = db.session.scalar(select(StoredReport))
    assert get_store().read(report_key(row.sha256)) == first.data

    def no_rendering(*args, **kwargs):
        raise AssertionError("a stored report must not be rendered again")

    monkeypatch.setattr("zi_assess.reports.documents.render_pdf", no_rendering)
    assert client.get(f"/penilaian/{decided.id}/lhe.pdf").data == first.data


def test_a_pending_import_saved_by_one_server_is_confirmed_by_another(app, app_config, tmp_path):
    from zi_assess.interop import pending

    with app.test_request_context():
        saved = pending.save(b"PK\x03\x04 workbook", user_id=7, assessment_id=3, layer="mandiri",
                             filename="lke.xlsx", seen_versions={"P1.i.a": 2})
    other = create_app(app_config | {"STORAGE_STAGING_PATH": str(tmp_path / "other-staging")})
    other.test_client_class = FreshContextClient
    try:
        with other.test_request_context():
            found = pending.load(saved.token, user_id=7, assessment_id=3)
            assert found is not None and found[1] == b"PK\x03\x04 workbook"
            assert found[0].seen_versions == {"P1.i.a": 2}
            assert pending.load(saved.token, user_id=8, assessment_id=3) is None  # someone else's
            pending.discard(saved.token)
            assert pending.load(saved.token, user_id=7, assessment_id=3) is None
    finally:
        with other.app_context():
            db.engine.dispose()


def test_healthz_checks_the_bucket(app, client):
    body = client.get("/healthz").get_json()
    assert body["checks"]["storage"]["status"] == "ok" and body["checks"]["storage"]["detail"].startswith("s3 ")
