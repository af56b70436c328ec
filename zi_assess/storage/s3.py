"""S3-compatible backend (AWS S3, MinIO, Ceph RGW …) through boto3.

A PUT is atomic (an object appears whole or not at all), so objects are written directly under
their key; uploads are staged in a local folder first (their type is checked on disk). Timeouts
are short and retries few: an unreachable endpoint is a quick, clear error, not a hung worker.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from flask import Response, stream_with_context
from werkzeug.http import dump_options_header

from zi_assess.storage.base import BlobMissing, Entry, Staged, Store, StoreFull, StoreUnavailable, check_key

_MISSING = {"NoSuchKey", "404", "NotFound"}
_FULL = {"QuotaExceeded", "XMinioStorageFull", "EntityTooLarge", "InsufficientStorage"}


class S3Store(Store):
    name = "s3"

    def __init__(self, *, bucket: str, prefix: str = "", staging_dir: str | Path, endpoint_url: str | None = None,
                 access_key_id: str | None = None, secret_access_key: str | None = None,
                 region: str | None = None, timeout: float = 5) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.staging_dir = Path(staging_dir)
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url or None, aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None, region_name=region or "us-east-1",
            config=Config(connect_timeout=timeout, read_timeout=max(timeout, 30),
                          retries={"max_attempts": 2, "mode": "standard"}, s3={"addressing_style": "path"}),
        )

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    @contextmanager
    def _errors(self, key: str | None) -> Iterator[None]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _MISSING and key is not None:
                raise BlobMissing(f"{key} is not in the store", key) from exc
            if code in _FULL:
                raise StoreFull(f"no room in the store ({code})", key) from exc
            raise StoreUnavailable(f"the store refused ({code or type(exc).__name__})", key) from exc
        except (BotoCoreError, OSError) as exc:
            raise StoreUnavailable(f"the store cannot be reached ({type(exc).__name__})", key) from exc

    def read(self, key: str) -> bytes:
        with self._errors(key):
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
            try:
                return bytes(body.read())
            finally:
                body.close()

    def open(self, key: str) -> BinaryIO:
        with self._errors(key):
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]  # type: ignore[no-any-return]

    def save(self, key: str, data: bytes) -> None:
        with self._errors(None):
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def commit_staged(self, staged: Staged, key: str) -> None:
        staged.file.flush()
        with self._errors(None), staged.path.open("rb") as fh:
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=fh)
        staged.path.unlink(missing_ok=True)
        staged.committed = True

    def delete(self, key: str) -> None:
        with self._errors(None):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def exists(self, key: str) -> bool:
        try:
            with self._errors(key):
                self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except BlobMissing:
            return False
        return True

    def touch(self, key: str) -> None:
        with self._errors(key):
            full = self._key(key)
            self.client.copy_object(Bucket=self.bucket, Key=full, CopySource={"Bucket": self.bucket, "Key": full},
                                    MetadataDirective="REPLACE")

    def list(self, prefix: str) -> Iterator[Entry]:
        with self._errors(None):
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                          Prefix=self.prefix + prefix)
            for page in pages:
                for obj in page.get("Contents", []):
                    yield Entry(obj["Key"][len(self.prefix):], int(obj["Size"]), obj["LastModified"].timestamp())

    def send(self, key: str, *, mimetype: str, download_name: str) -> Response:
        with self._errors(key):
            obj: dict[str, Any] = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        body = obj["Body"]

        def chunks() -> Iterator[bytes]:
            try:
                yield from body.iter_chunks(256 * 1024)
            finally:
                body.close()

        response = Response(stream_with_context(chunks()), mimetype=mimetype, direct_passthrough=True)
        response.content_length = int(obj["ContentLength"])
        response.headers["Content-Disposition"] = _attachment(download_name)
        return response

    def probe(self) -> str:
        key = f"tmp/healthz-{os.urandom(8).hex()}"
        with self._errors(None):
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=b"ok")
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
        return f"s3 {self.bucket} writable"


def _attachment(name: str) -> str:
    """``attachment; filename=…`` as Flask's send_file writes it (ASCII fallback plus RFC 5987)."""
    import unicodedata
    from urllib.parse import quote

    try:
        name.encode("ascii")
        return dump_options_header("attachment", {"filename": name})
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        return dump_options_header("attachment", {"filename": simple, "filename*": f"UTF-8''{quote(name, safe='')}"})
