"""Every setting and its default. The only module that reads the environment.

Environment variables are prefixed ``ZI_`` (``ZI_DATABASE_URL``, ``ZI_REDIS_URL`` …); Flask's
``from_prefixed_env`` parses JSON values, so ``ZI_UPLOAD_MAX_MB=50`` is a number.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def defaults(instance_path: str) -> dict[str, Any]:
    """Defaults, before ``ZI_*`` variables and the mapping given to ``create_app``."""
    instance = Path(instance_path)
    return {
        # SQLite under instance/ is the embedded default (WAL and foreign keys are switched on).
        "DATABASE_URL": f"sqlite:///{instance / 'zi-assess.db'}",
        "SECRET_KEY": None,
        "CRITERIA": "permenpanrb-90-2021",
        "PREREQUISITES": "permenpanrb-5-2024",
        "AREA_RULE": None,  # None: the criteria's own default (area_total)
        "UPLOAD_MAX_MB": 20,
        "EVIDENCE_DIR": str(instance / "evidence"),
        "REPORT_DIR": str(instance / "reports"),
        "EXPORT_DIR": str(instance / "exports"),
        "REPORT_QUEUE": "zi-assess-reports",  # RQ queue of bulk-export jobs (when REDIS_URL is set)
        "REPORT_WORKER_MAX_JOBS": 200,  # a worker process restarts after this many reports (memory)
        "REPORT_JOB_TIMEOUT": 300,  # seconds one report may take in a worker before it is failed
        "REPORT_POOL_SIZE": 1,  # threads rendering bulk exports in-process when there is no Redis
        "REPORT_TIMEZONE": "Asia/Jakarta",  # dates printed on reports
        "IMPORT_DIR": str(instance / "imports"),  # uploaded LKE workbooks awaiting confirmation
        "IMPORT_TTL_MINUTES": 60,
        "REDIS_URL": None,
        "PORTALRB_API_PREFIX": "/api/portalrb",
        "PORTALRB_RATE_LIMIT_PER_MINUTE": 120,
        "SESSION_IDLE_MINUTES": 30,
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
        "LOGIN_MAX_FAILURES_PER_IP": 50,
        "LOGIN_FAILURE_WINDOW_SECONDS": 900,
        "SECURE_COOKIES": False,
        "DEFAULT_LOCALE": "id",
        "SQL_ECHO": False,
        # Outgoing e-mail (invitations, password resets, notifications); no server: only logged
        "MAIL_SERVER": None,
        "MAIL_PORT": 25,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_FROM": "zi-assess <no-reply@localhost>",
        "MAIL_TIMEOUT": 10,
    }


def load_secret_key(instance_path: str) -> str:
    """A stable secret key kept in the instance folder, created on first start."""
    path = Path(instance_path) / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        return key


def test_database_url() -> str | None:
    """``ZI_TEST_DATABASE_URL``: run the test suite on this database (PostgreSQL in CI)."""
    return os.environ.get("ZI_TEST_DATABASE_URL") or None


def environment() -> dict[str, str]:
    """The process environment (for the few callers that pass it on to subprocesses)."""
    return dict(os.environ)
