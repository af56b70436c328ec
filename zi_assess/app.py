"""The application factory: config → extensions → blueprints → CLI → error pages."""

from __future__ import annotations

import gc
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

from zi_assess import config as settings
from zi_assess.flask_app import App
from zi_assess.resources import MIGRATIONS_DIR, STATIC_DIR, TEMPLATES_DIR, TRANSLATIONS_DIR


def build_app(config: Mapping[str, Any] | None = None, *, web: bool = True) -> Flask:
    """Create the app. ``config`` (tests) overrides ``ZI_*`` variables, which override defaults.

    ``web=False`` builds the lean app of ``zi-assess report`` and ``zi-assess worker``: settings,
    logging, the database, translations and the templates, nothing else (no blueprints, no
    migrations, no other commands), so a process that renders one PDF starts in a fraction of the
    time. What it renders goes through the same code (``zi_assess.reports.documents``).

    Raises :class:`~zi_assess.config.ConfigurationError` (one line naming the setting) when the
    settings do not allow a start, e.g. ``ZI_ENV=production`` without ``ZI_SECRET_KEY``.
    """
    instance = (config or {}).get("INSTANCE_PATH") or settings.instance_path()
    app = App(
        "zi_assess",
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(STATIC_DIR),
        instance_path=str(Path(instance).resolve()),
        instance_relative_config=True,
    )
    app.config.from_mapping(settings.defaults(app.instance_path))
    app.config.from_prefixed_env("ZI")
    if config:
        app.config.from_mapping(config)
    _derive_settings(app)
    _apply_proxy_fix(app)
    app.jinja_env.add_extension("jinja2.ext.do")
    _init_observability(app)
    _init_extensions(app, web=web)
    if not web:
        from zi_assess import template_cache

        template_cache.install(app)  # a report process loads its templates compiled by an earlier one
        return app
    _register_converters(app)
    _register_blueprints(app)
    _register_cli(app)
    _register_error_pages(app)
    _register_security_headers(app)
    if app.config.get("WARM_START"):
        _warm_start(app)
    return app


def _warm_start(app: Flask) -> None:
    """What a worker would otherwise do on its first requests: compile the templates (read from
    the shared bytecode cache after the first process), configure the models' mappers, read the
    translations of every language, fingerprint the code (the result cache's key prefix) and
    make the Redis client (no connection is opened: Redis may start later); then freeze what it
    holds (``gc.freeze``)."""
    from flask_babel import force_locale, get_translations
    from sqlalchemy.orm import configure_mappers

    from zi_assess import result_cache, template_cache
    from zi_assess.i18n import LOCALES

    template_cache.install(app)
    template_cache.load_all(app)
    configure_mappers()
    result_cache.code_tag()
    with app.test_request_context():
        for locale in LOCALES:
            with force_locale(locale):
                get_translations()
        if app.config.get("REDIS_URL"):  # the result cache's client: importing redis-py is ~0.2 s
            from zi_assess.extensions import redis_client

            redis_client(socket_timeout=float(app.config["RESULT_CACHE_REDIS_TIMEOUT"]))
    # What the worker keeps for its whole life (modules, templates, criteria, mappers: ~170,000
    # objects) out of the cyclic collector's way: each full collection walked them all, ~0.1 s,
    # and under load every worker reached one at the same moment (bench_scale's p95 tails).
    # Garbage of the start-up is collected first; what is frozen is freed by reference counting
    # as before, only a cycle among it would stay.
    gc.collect()
    gc.freeze()


def _derive_settings(app: Flask) -> None:
    cfg = app.config
    cfg.setdefault("SQLALCHEMY_DATABASE_URI", database_uri(str(cfg["DATABASE_URL"])))
    settings.check(cfg, cfg["SQLALCHEMY_DATABASE_URI"])
    if not cfg.get("SECRET_KEY"):  # development only: production has refused to start by now
        cfg["SECRET_KEY"] = settings.load_secret_key(app.instance_path)
    cfg["SQLALCHEMY_ECHO"] = bool(cfg.get("SQL_ECHO"))
    # no ping on every checkout (a round trip per request): a connection idle a while is pinged
    # before use instead (see _ping_after_idle)
    cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": False, **cfg.get("SQLALCHEMY_ENGINE_OPTIONS", {})}
    upload_bytes = int(cfg["UPLOAD_MAX_MB"]) * 1024 * 1024
    # One upload plus the form around it; larger bodies get HTTP 413 before anything is read.
    cfg["MAX_CONTENT_LENGTH"] = upload_bytes + 1024 * 1024
    cfg["UPLOAD_MAX_BYTES"] = upload_bytes
    cfg.setdefault("WTF_CSRF_TIME_LIMIT", None)  # long LKE pages: the token lives as long as the session
    cfg["SESSION_COOKIE_HTTPONLY"] = True
    cfg["SESSION_COOKIE_SAMESITE"] = "Lax"
    cfg["SESSION_COOKIE_SECURE"] = bool(cfg["SECURE_COOKIES"])
    cfg["REMEMBER_COOKIE_SECURE"] = bool(cfg["SECURE_COOKIES"])
    if cfg["SECURE_COOKIES"]:
        # __Host-: browsers accept it only Secure, with Path=/ and no Domain (no subdomain can set it)
        if cfg.get("SESSION_COOKIE_NAME", "session") == "session":
            cfg["SESSION_COOKIE_NAME"] = "__Host-session"
        cfg.setdefault("REMEMBER_COOKIE_NAME", "__Host-remember_token")
        cfg["SESSION_COOKIE_PATH"] = cfg["REMEMBER_COOKIE_PATH"] = "/"
        cfg["SESSION_COOKIE_DOMAIN"] = cfg["REMEMBER_COOKIE_DOMAIN"] = None
    cfg["REMEMBER_COOKIE_HTTPONLY"] = True
    cfg.setdefault("BABEL_DEFAULT_LOCALE", cfg["DEFAULT_LOCALE"])
    cfg.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    from zi_assess.domain.loader import add_criteria_roots, use_instance_criteria

    use_instance_criteria(settings.instance_criteria_dir(app.instance_path))
    paths = cfg.get("CRITERIA_PATHS") or []
    add_criteria_roots([paths] if isinstance(paths, str) else paths)


def _apply_proxy_fix(app: Flask) -> None:
    """Behind ``ZI_PROXY_COUNT`` reverse proxies, trust that many X-Forwarded-For/-Proto/-Host/-Port
    entries: client addresses (login throttle, API rate limit, audit rows) and external URLs are
    then the client's, not the proxy's. Never more than there are proxies: a client could forge
    the extra entries."""
    count = int(app.config["PROXY_COUNT"])
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count)  # type: ignore[method-assign]


def _init_observability(app: Flask) -> None:
    """Logging, request ids and the health check come first: they see every request."""
    from zi_assess.observability import init_observability

    init_observability(app)


def database_uri(url: str) -> str:
    """``postgresql://…`` means PostgreSQL through psycopg 3 (the driver zi-assess installs)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLite: foreign keys on, WAL journal (readers never block the writer)."""
    module = type(dbapi_connection).__module__
    if module.startswith(("sqlite3", "pysqlite2")):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


#: a pooled connection unused for longer than this is pinged before it is handed out
PING_AFTER_IDLE_SECONDS = 10.0
_IDLE_SINCE = "zi_idle_since"


@event.listens_for(Engine, "checkin")
def _idle_since(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info[_IDLE_SINCE] = time.monotonic()


@event.listens_for(Engine, "checkout")
def _ping_after_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """Ping a connection that sat in the pool a while (a database restart, a firewall's idle
    timeout) before a request uses it; one that fails is replaced by a new one (SQLAlchemy retries
    the checkout on DisconnectionError). A connection in steady use is not pinged: under load
    that saves one round trip per request. One closed while in use fails its request once, and
    SQLAlchemy then replaces every pooled connection opened before the failure.
    """
    idle_since = record.info.get(_IDLE_SINCE)
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        alive = proxy._pool._dialect.do_ping(dbapi_connection)  # what pool_pre_ping runs
    except Exception as exc:  # the driver's error: the connection is gone
        raise DisconnectionError(str(exc)) from exc
    if not alive:
        raise DisconnectionError("ping failed")


def _init_extensions(app: Flask, *, web: bool = True) -> None:
    import zi_assess.models
    from zi_assess import extensions
    from zi_assess.extensions import babel, db
    from zi_assess.i18n import select_locale

    if web:  # every model registered (migrations, create_all); the lean app declares those it uses when first asked for
        zi_assess.models.load_all()
    db.init_app(app)
    from zi_assess import (
        result_cache,  # registers the revision hooks on every connection
        transactions,  # noqa: F401  (reads outside a transaction on PostgreSQL)
    )

    result_cache.init_app(app)
    if web:  # Alembic (~0.3 s of imports) only where `db upgrade` or the health check may need it
        from flask_migrate import Migrate

        # render_as_batch: SQLite can only ALTER a table by copying it; Alembic's batch mode does that.
        Migrate(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)
    if web:  # sessions, sign-in and forms: the lean app serves no request (no Flask-WTF, Flask-Login)
        extensions.csrf.init_app(app)
        extensions.login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    from zi_assess.i18n import register_template_helpers

    register_template_helpers(app)
    if web:
        from zi_assess.web import assessment_header, can, nav_links

        app.jinja_env.globals["nav_links"] = nav_links
        app.jinja_env.globals["assessment_header"] = assessment_header
    else:  # the PDF templates never ask; zi_assess.web (Flask-Login) is imported only if one does
        can = _lean_can
    app.jinja_env.globals["can"] = can  # permission questions of templates go to authz
    app.jinja_env.globals["FAVICON_URI"] = _favicon_uri(app)


def _lean_can(action: str, obj: object = None) -> bool:
    from zi_assess.web import can

    return can(action, obj)


def _favicon_uri(app: Flask) -> str:
    """The icon as a data: URI in every page (no request a closing page might abandon)."""
    from urllib.parse import quote

    svg = (Path(app.static_folder or "") / "favicon.svg").read_text(encoding="utf-8").strip()
    return "data:image/svg+xml," + quote(svg, safe=" =:/#,.")


#: modules that define a ``bp`` blueprint, registered in this order
BLUEPRINT_MODULES = (
    "zi_assess.health",
    "zi_assess.main.views",
    "zi_assess.auth.views",
    "zi_assess.auth.account_views",
    "zi_assess.notifications.views",
    "zi_assess.queues.views",
    "zi_assess.dashboard.views",
    "zi_assess.assessments.views",
    "zi_assess.assessments.workflow_views",
    "zi_assess.evidence.views",
    "zi_assess.interop.views",
    "zi_assess.interop.api",
    "zi_assess.reports.views",
    "zi_assess.action_plans.views",
    "zi_assess.yearly.views",
    "zi_assess.appeals.views",
    "zi_assess.predicates.views",
    "zi_assess.org.views",
    "zi_assess.org.invitations",
    "zi_assess.years.views",
    "zi_assess.onboarding.views",
    "zi_assess.org.prerequisite_views",
)


def _register_converters(app: Flask) -> None:
    from zi_assess.main.errors import register_converters

    register_converters(app)


def _register_blueprints(app: Flask) -> None:
    from importlib import import_module

    from zi_assess.auth.sessions import init_sessions

    init_sessions(app)
    for module in BLUEPRINT_MODULES:
        app.register_blueprint(import_module(module).bp)


def _register_cli(app: Flask) -> None:
    from zi_assess.commands import register_commands

    register_commands(app)


def _register_error_pages(app: Flask) -> None:
    from zi_assess.main.errors import register_error_pages

    register_error_pages(app)


def _register_security_headers(app: Flask) -> None:
    from flask import request, session

    from zi_assess.web import PRIVATE_REVALIDATE

    @app.after_request
    def _headers(response):  # type: ignore[no-untyped-def]
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        )
        # pages of a signed-in user are never kept by a browser or proxy cache (shared computers),
        # except one revalidated privately: private, no-cache with a session-bound ETag
        # (zi_assess.web.revalidate_privately — the area page)
        if request.endpoint != "static" and session.get("_user_id") and \
                "no-store" not in response.headers.get("Cache-Control", "") and \
                not (response.headers.get("Cache-Control") == PRIVATE_REVALIDATE and response.get_etag()[0]):
            response.headers["Cache-Control"] = "no-store"
        return response
