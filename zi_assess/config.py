"""Every setting and its default. The only module that reads the environment.

Environment variables are prefixed ``ZI_`` (``ZI_DATABASE_URL``, ``ZI_REDIS_URL`` …); Flask's
``from_prefixed_env`` parses JSON values, so ``ZI_UPLOAD_MAX_MB=50`` is a number.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from zi_assess.resources import PACKAGE_DIR

#: ``ZI_ENV`` values; production refuses to start with development conveniences (see ``check``)
ENVIRONMENTS = ("development", "production")
LOG_FORMATS = ("json", "text")
DEFAULT_TIMEZONE = "Asia/Jakarta"
#: exit status of a command refused for its configuration (sysexits' EX_CONFIG): the boot
#: script retries while the database starts, but never on this
EXIT_CONFIG = 78


class ConfigurationError(RuntimeError):
    """A setting that makes the application refuse to start; the message is one line naming it."""


def instance_path() -> str:
    """The instance folder: ``ZI_INSTANCE_PATH``, else ``instance/`` beside a checkout, else
    ``<prefix>/var/zi_assess-instance`` for an installed wheel (Flask's own conventions).

    Everything written at run time lives there (database, secret key, evidence, reports,
    imported criteria versions), never in the installed code.
    """
    given = os.environ.get("ZI_INSTANCE_PATH")
    if given:
        return str(Path(given).expanduser().resolve())
    checkout = PACKAGE_DIR.parent
    if (checkout / "setup.cfg").is_file():
        return str(checkout / "instance")
    return str(Path(sys.prefix) / "var" / "zi_assess-instance")


def instance_criteria_dir(instance: str | None = None) -> Path:
    """Criteria versions imported at run time (``zi-assess criteria import-portalrb``)."""
    return Path(instance or instance_path()) / "criteria"


def defaults(instance_path: str) -> dict[str, Any]:
    """Defaults, before ``ZI_*`` variables and the mapping given to ``create_app``."""
    instance = Path(instance_path)
    return {
        # SQLite under instance/ is the embedded default (WAL and foreign keys are switched on).
        "DATABASE_URL": f"sqlite:///{instance / 'zi-assess.db'}",
        "SECRET_KEY": None,  # development: generated once into instance/secret_key; production: required
        "ENV": "development",  # "production" checks the settings at start (see ``check``)
        "PROXY_COUNT": 0,  # reverse proxies in front (nginx: 1) whose X-Forwarded-* headers are trusted
        "TIMEZONE": None,  # every date and time shown or printed, and deadlines (default Asia/Jakarta)
        "LOG_FORMAT": None,  # "json" or "text" lines on stdout (default: json in production)
        "LOG_LEVEL": "INFO",
        "CRITERIA": "permenpanrb-90-2021",  # the criteria version new assessments are opened with
        # more folders holding criteria versions (one sub-folder per id), searched after criteria/;
        # ZI_CRITERIA_PATHS='["/srv/zi/criteria"]'
        "CRITERIA_PATHS": [],
        "PREREQUISITES": "permenpanrb-5-2024",
        "AREA_RULE": None,  # None: the criteria's own default (area_total)
        "UPLOAD_MAX_MB": 20,
        # Where files are kept (evidence, stored reports, export ZIPs, pending imports): "fs" or "s3"
        "STORAGE": "fs",
        "STORAGE_PATH": None,  # fs: the store's folder (None: the instance folder); may be shared by servers
        "STORAGE_STAGING_PATH": None,  # s3: local folder for uploads being received (None: <instance>/tmp)
        "S3_ENDPOINT_URL": None,  # None: AWS; e.g. http://minio:9000
        "S3_BUCKET": None,
        "S3_PREFIX": "",
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": None,  # None: boto3's own chain (environment, instance role)
        "S3_SECRET_ACCESS_KEY": None,
        "S3_TIMEOUT": 5,  # seconds to connect; an unreachable store is a quick 503, not a hung worker
        # zi-assess maint sweep
        "STORAGE_GRACE_MINUTES": 1440,  # temporaries and files no row references are removed after this
        "EXPORT_RETENTION_DAYS": 7,  # finished bulk exports (ZIP and rows) are purged after this
        "EXPORT_JOB_TIMEOUT_MINUTES": 120,  # an unfinished bulk export older than this is failed
        "CLAMAV_SOCKET": None,  # clamd's UNIX socket path or tcp://host:port: every evidence upload is scanned
        "CLAMAV_TIMEOUT": 30,  # seconds to wait for clamd
        "PDF_ACTIVE_CONTENT": "refuse",  # PDFs with JavaScript/launch/open actions/embedded files: refuse or flag
        "IMAGE_MAX_MEGAPIXELS": 50,  # images declaring more pixels (header) are refused
        "REPORT_QUEUE": "zi-assess-reports",  # RQ queue of bulk-export jobs (when REDIS_URL is set)
        "REPORT_WORKER_MAX_JOBS": 200,  # a worker process restarts after this many reports (memory)
        "REPORT_JOB_TIMEOUT": 60,  # seconds one report may take in a worker before it is failed (RQ job_timeout)
        "REPORT_POOL_SIZE": 1,  # threads rendering bulk exports in-process when there is no Redis
        # renders at once per host and queue (RQ: a Redis semaphore shared by the workers of the host;
        # without Redis: the threads of the in-process pool)
        "REPORT_RENDER_CONCURRENCY": 2,
        # how long a download request waits for its report before it answers with the progress page
        "REPORT_WAIT_SECONDS": 1.0,
        "REPORT_RENDER_RATE_PER_MINUTE": 20,  # new renderings one user may ask for per minute (then 429)
        # languages the final reports of a workflow step are rendered in ahead of any download
        "REPORT_PRERENDER_LOCALES": ["id"],
        # compiled templates kept in <instance>/cache/jinja between processes (zi_assess.template_cache)
        "TEMPLATE_CACHE": True,
        # a web app loads every template (compiled, through the same cache) and configures the models
        # as it starts: the first requests a new worker serves are not the slow ones
        "WARM_START": True,
        "NOTE_MAX_CHARS": 4000,  # longest note of an answer (area form, API, Excel import)
        "REPORT_TIMEZONE": None,  # old name of TIMEZONE, still read when TIMEZONE is not set
        "IMPORT_TTL_MINUTES": 60,
        "REDIS_URL": None,
        # national results (recap rows, year figures, dashboard ranking and queues, recap exports) reused
        # until the data they read change (zi_assess.result_cache); ZI_RESULT_CACHE=false: always computed
        "RESULT_CACHE": True,
        "RESULT_CACHE_MAX_ENTRIES": 512,  # per worker process
        "RESULT_CACHE_MAX_MB": 64,  # per worker process (estimated); Redis keeps its own
        "RESULT_CACHE_TTL_SECONDS": 3600,  # in Redis (results of older revisions expire by themselves)
        "RESULT_CACHE_REDIS_TIMEOUT": 0.5,  # seconds; a Redis that fails is left alone for 30 s
        "PORTALRB_API_PREFIX": "/api/portalrb",
        "PORTALRB_RATE_LIMIT_PER_MINUTE": 120,
        "SESSION_IDLE_MINUTES": 30,
        "SESSION_ABSOLUTE_HOURS": 12,  # a session ends this long after its login, however active
        # security events (CSRF failures, refused uploads, denials, refused steps) audited per address and kind
        "SECURITY_EVENTS_PER_MINUTE": 20,
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
        "LOGIN_MAX_FAILURES_PER_IP": 50,
        "LOGIN_FAILURE_WINDOW_SECONDS": 900,
        # password-reset mails per address, and reset requests per client address, per window
        "RESET_MAX_PER_ACCOUNT": 3,
        "RESET_MAX_PER_IP": 20,
        "RESET_WINDOW_SECONDS": 3600,
        # every account needs a second factor (otherwise: admin, TPI, TPN and managers)
        "MFA_REQUIRED_ALL": False,
        # deadline reminders this many days before each step's deadline (``zi-assess notify due``)
        "REMINDER_DAYS": [7, 1],
        # the address users reach zi-assess at, for links in e-mails sent outside a request
        "PUBLIC_URL": None,
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


def check(cfg: MutableMapping[str, Any], database_uri: str) -> None:
    """Validate the settings and fill in the derived ones (``TIMEZONE``, ``LOG_FORMAT``).

    With ``ZI_ENV=production`` a missing secret key, a SQLite database or cookies not marked
    secure stop the start: each is fine on a laptop and a silent failure on a server (sessions
    that end on every restart or differ between servers, a database file inside a container,
    session cookies sent over plain HTTP). Raises :class:`ConfigurationError`.
    """
    env = str(cfg.get("ENV") or "development").strip().lower()
    if env not in ENVIRONMENTS:
        raise ConfigurationError(f"ZI_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    cfg["ENV"] = env
    if cfg.get("SECRET_KEY") is not None and not isinstance(cfg["SECRET_KEY"], str | bytes):
        cfg["SECRET_KEY"] = str(cfg["SECRET_KEY"])  # ZI_SECRET_KEY=123… is parsed as a JSON number
    cfg["TIMEZONE"] = _timezone(cfg.get("TIMEZONE") or cfg.get("REPORT_TIMEZONE") or DEFAULT_TIMEZONE)
    cfg["REPORT_TIMEZONE"] = cfg["TIMEZONE"]
    proxies = cfg.get("PROXY_COUNT") or 0
    if isinstance(proxies, bool) or not isinstance(proxies, int) or not 0 <= proxies <= 10:
        raise ConfigurationError(f"ZI_PROXY_COUNT must be a whole number from 0 to 10, not {proxies!r}")
    log_format = str(cfg.get("LOG_FORMAT") or ("json" if env == "production" else "text")).lower()
    if log_format not in LOG_FORMATS:
        raise ConfigurationError(f"ZI_LOG_FORMAT must be json or text, not {log_format!r}")
    cfg["LOG_FORMAT"] = log_format
    storage = str(cfg.get("STORAGE") or "fs").lower()
    if storage not in ("fs", "s3"):
        raise ConfigurationError(f"ZI_STORAGE must be fs or s3, not {storage!r}")
    if storage == "s3" and not cfg.get("S3_BUCKET"):
        raise ConfigurationError("ZI_S3_BUCKET must be set when ZI_STORAGE=s3")
    cfg["STORAGE"] = storage
    pdf_policy = str(cfg.get("PDF_ACTIVE_CONTENT") or "refuse").lower()
    if pdf_policy not in ("refuse", "flag"):
        raise ConfigurationError(f"ZI_PDF_ACTIVE_CONTENT must be refuse or flag, not {pdf_policy!r}")
    cfg["PDF_ACTIVE_CONTENT"] = pdf_policy
    if env != "production":
        return
    if not cfg.get("SECRET_KEY"):
        raise ConfigurationError("ZI_SECRET_KEY must be set when ZI_ENV=production "
                                 "(the same long random value on every server; none is generated)")
    if len(str(cfg["SECRET_KEY"])) < 32:
        raise ConfigurationError("ZI_SECRET_KEY is too short for ZI_ENV=production (use at least 32 characters)")
    if database_uri.startswith("sqlite"):
        raise ConfigurationError("ZI_DATABASE_URL must name a PostgreSQL database when ZI_ENV=production, "
                                 "not SQLite")
    if cfg.get("SECURE_COOKIES") is not True:
        raise ConfigurationError("ZI_SECURE_COOKIES must be true when ZI_ENV=production (serve it over HTTPS)")


def _timezone(name: Any) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(f"ZI_TIMEZONE: unknown time zone {name!r} (for example Asia/Jakarta)") from None
    return str(name)


def load_secret_key(instance_path: str) -> str:
    """Development only: a stable secret key kept in the instance folder, created on first start."""
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
