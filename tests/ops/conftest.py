"""Store fixtures: the filesystem backend in a temporary folder and the S3 backend against moto's
server (a real HTTP endpoint started by the test session on a free port)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.reports.conftest import decided, fill, record_prerequisites  # noqa: F401
from tests.web.conftest import draft, login  # noqa: F401

BUCKET = "zi-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server in a thread, with the test bucket."""
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=url, aws_access_key_id="test", aws_secret_access_key="test",
                 region_name="us-east-1").create_bucket(Bucket=BUCKET)
    yield url
    server.stop()


def s3_settings(endpoint: str, prefix: str) -> dict[str, Any]:
    return {"STORAGE": "s3", "S3_ENDPOINT_URL": endpoint, "S3_BUCKET": BUCKET, "S3_PREFIX": prefix,
            "S3_ACCESS_KEY_ID": "test", "S3_SECRET_ACCESS_KEY": "test", "S3_TIMEOUT": 2}


@pytest.fixture(params=["fs", "s3"])
def backend_settings(request: pytest.FixtureRequest, tmp_path: Any) -> dict[str, Any]:
    """The storage settings of one backend (each test gets its own folder or bucket prefix)."""
    if request.param == "fs":
        return {"STORAGE": "fs", "STORAGE_PATH": str(tmp_path / "store")}
    endpoint = request.getfixturevalue("s3_endpoint")
    return s3_settings(endpoint, f"t-{tmp_path.name}") | {"STORAGE_STAGING_PATH": str(tmp_path / "staging")}


@pytest.fixture
def store(backend_settings: dict[str, Any], tmp_path: Any) -> Any:
    from zi_assess.storage import build_store

    return build_store(backend_settings, str(tmp_path / "instance"))
