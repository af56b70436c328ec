"""gunicorn settings for the benchmarks' servers: each worker, once it has loaded (and warmed) the
app, leaves a file named by its pid in ``$BENCH_READY_DIR``, so a benchmark can wait for all of
them before it measures (a worker still starting would otherwise serve the first page's requests
and count its start-up in that page's latency)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def post_worker_init(worker: Any) -> None:
    folder = os.environ.get("BENCH_READY_DIR")
    if folder and os.path.isdir(folder):  # the benchmark removes it once all are ready
        Path(folder, str(worker.pid)).touch()
