"""Shared steps of the bulk-export tests (in-process pool and RQ)."""

from __future__ import annotations

import io
import time
import zipfile
from typing import Any


def start_export(client: Any, instansi_id: int, unit_ids: list[int] | None, year: int = 2026) -> str:
    """Submit the bulk-export form; returns the progress page's path."""
    data: dict[str, Any] = {"instansi": instansi_id, "tahun": year}
    if unit_ids is None:
        data["everything"] = "1"
    else:
        data["units"] = unit_ids
        data["selected"] = "1"
    response = client.post("/ekspor/lhe", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"]


def wait_until_finished(client: Any, progress_path: str, timeout: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status = client.get(progress_path + "/status").get_json()
        if status["finished"]:
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.2)


def zip_members(client: Any, status: dict[str, Any]) -> dict[str, bytes]:
    response = client.get(status["download"])
    assert response.status_code == 200 and response.mimetype == "application/zip"
    data = response.data
    response.close()  # send_file streams from an open file
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
