"""App, client and database fixtures, and callable factories (Indico style).

The database is SQLite in a temporary folder, or the server named by ``ZI_TEST_DATABASE_URL``
(PostgreSQL in CI). The schema is built once per session by running the real migrations;
each test starts from empty tables.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text
from werkzeug.datastructures import MultiDict

from zi_assess import create_app
from zi_assess.config import test_database_url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return test_database_url() or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def _schema(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Drop everything, then `zi-assess db upgrade` (so the migrations are what is tested)."""
    from flask_migrate import upgrade

    from zi_assess.extensions import db

    instance = tmp_path_factory.mktemp("instance")
    app = create_app(_test_config(database_url, instance))
    with app.app_context():
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        db.engine.dispose()
    return database_url


def _test_config(database_url: str, instance: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "FAST_PASSWORD_HASHING": True,
        "STORAGE_PATH": str(instance / "store"),
        "REDIS_URL": None,
        # a download waits for its rendering (tests that look at the progress page set 0)
        "REPORT_WAIT_SECONDS": 120,
        "REPORT_PRERENDER_LOCALES": [],  # no renderings ahead after workflow steps (tests that want them set it)
        "WARM_START": False,  # every test makes an app; the warm start has tests of its own
    }


@pytest.fixture
def app_config(_schema: str, tmp_path) -> dict[str, Any]:
    """Override keys in a test module with its own ``app_config`` fixture."""
    return _test_config(_schema, tmp_path)


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class FreshContextClient(FlaskClient):
    """Each request gets its own app context (fresh ``g`` and database session), as in
    production, even though the test itself holds one for its factories.

    CSRF protection is on in tests as in production. Like a browser that took the hidden
    ``csrf_token`` from the page it posts, this client adds a real token to every form post
    (a header for JSON or raw bodies) — signed exactly as Flask-WTF signs the one it renders,
    and checked by the app as usual. A post that brings its own ``csrf_token`` keeps it, and
    ``csrf=False`` sends none: that is how a test proves the token is required.
    """

    def open(self, *args: Any, csrf: bool = True, **kwargs: Any) -> Any:
        from zi_assess.extensions import db

        if has_app_context():
            db.session.commit()  # what the test set up is visible to the request (and holds no lock)
        if csrf and str(kwargs.get("method", "GET")).upper() in UNSAFE_METHODS:
            kwargs = self._with_csrf_token(kwargs)
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        """The signed token the pages of this client's session carry (creating the session's raw token)."""
        from itsdangerous import URLSafeTimedSerializer

        config = self.application.config
        field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        with self.session_transaction() as session:
            if field not in session:
                session[field] = hashlib.sha1(os.urandom(64)).hexdigest()
            raw = session[field]
        secret = config.get("WTF_CSRF_SECRET_KEY") or self.application.secret_key
        return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)

    def _with_csrf_token(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        field = self.application.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        data = kwargs.get("data")
        if data is None and "json" not in kwargs:
            return {**kwargs, "data": {field: self.csrf_token()}}
        if isinstance(data, Mapping):
            if field in data:
                return kwargs
            # a plain dict stays one (its tuple values are files, which a MultiDict would split)
            form: Any = data.copy() if isinstance(data, MultiDict) else dict(data)
            form[field] = self.csrf_token()
            return {**kwargs, "data": form}
        headers = dict(kwargs.get("headers") or {})
        if not any(name.lower() in ("x-csrftoken", "x-csrf-token") for name in headers):
            headers["X-CSRFToken"] = self.csrf_token()
        return {**kwargs, "headers": headers}


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Any]:
    from zi_assess.dashboard.views import unit_card_cache
    from zi_assess.extensions import db

    unit_card_cache.clear()
    app = create_app(app_config)
    app.test_client_class = FreshContextClient
    with app.app_context():
        _empty_tables(db)
        yield app
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def _empty_tables(db: Any) -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def runner(app: Any) -> Any:
    return app.test_cli_runner()


# -- factories -------------------------------------------------------------------------------

PASSWORD = "correct horse battery"


def second_factor_code(user: Any) -> str:
    """A valid code of ``user``'s second factor, computed from the secret as the phone app does:
    the earliest time step the server still accepts (a code works once). Roles that need a second
    factor are enrolled first (as their first sign-in would make them). Only a test signing the
    same person in more than twice within 30 s has the used-step marker cleared."""
    from zi_assess.auth import totp
    from zi_assess.extensions import db
    from zi_assess.models import User
    from zi_assess.models.base import utcnow

    user = db.session.get(User, user.id)
    if not user.has_second_factor:
        user.totp_secret, user.totp_enabled_at, user.totp_last_step = totp.new_secret(), utcnow(), None
    now = totp.current_step()  # this step's code stays good for 30 to 60 s
    step = now if user.totp_last_step is None else max(now, user.totp_last_step + 1)
    if step > now + totp.DRIFT_STEPS:
        user.totp_last_step, step = None, now
    db.session.commit()
    return totp.code_at(user.totp_secret, step)


def sign_in(client: Any, user: Any, password: str = PASSWORD, *, expect: int = 302) -> Any:
    """Sign ``user`` in on ``client`` through the real pages: the password, then — for roles that
    need it, or anyone enrolled — the second factor with a computed code. Returns the last response."""
    from zi_assess.auth import mfa
    from zi_assess.extensions import db
    from zi_assess.models import User

    account = db.session.get(User, user.id)
    if mfa.required(account) and not account.has_second_factor:
        second_factor_code(account)  # enrols
    response = client.post("/masuk", data={"email": user.email, "password": password})
    if response.status_code == 302 and response.location.endswith("/masuk/kode"):
        response = client.post("/masuk/kode", data={"code": second_factor_code(account)})
    assert response.status_code == expect, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def make_instansi(app: Any) -> Callable[..., Any]:
    from zi_assess.audit import SYSTEM
    from zi_assess.models import InstansiKind
    from zi_assess.org import operations as ops

    counter = iter(range(1, 10_000))

    def make(name: str | None = None, kind: InstansiKind = InstansiKind.KEMENTERIAN) -> Any:
        return ops.create_instansi(SYSTEM, name or f"Instansi {next(counter)}", kind)

    return make


@pytest.fixture
def make_unit(app: Any, make_instansi: Callable[..., Any]) -> Callable[..., Any]:
    from zi_assess.audit import SYSTEM
    from zi_assess.models import UnitType
    from zi_assess.org import operations as ops

    counter = iter(range(1, 10_000))

    def make(instansi: Any = None, *, unit_type: UnitType = UnitType.UMUM, code: str | None = None) -> Any:
        n = next(counter)
        return ops.create_unit(SYSTEM, instansi or make_instansi(), f"Unit {n}", code or f"U{n}",
                               unit_type=unit_type)

    return make


@pytest.fixture
def make_user(app: Any) -> Callable[..., Any]:
    from zi_assess.audit import SYSTEM
    from zi_assess.models import Role
    from zi_assess.org import operations as ops

    counter = iter(range(1, 10_000))

    def make(role: str | None = None, scope: Any = None, *, email: str | None = None, locale: str = "id") -> Any:
        from zi_assess.models import Instansi, Unit

        user = ops.create_user(SYSTEM, email or f"user{next(counter)}@test.zi", "Test User", PASSWORD, locale=locale)
        if role:
            ops.assign_role(SYSTEM, user, Role(role), unit=scope if isinstance(scope, Unit) else None,
                            instansi=scope if isinstance(scope, Instansi) else None)
        return user

    return make


@pytest.fixture
def actor_for() -> Callable[[Any], Any]:
    from zi_assess.audit import Actor

    return lambda user: Actor(user, "203.0.113.7")


@pytest.fixture
def best_answers() -> dict[str, Any]:
    from zi_assess.domain import load_criteria
    from zi_assess.domain.answers import best_answers as build

    return build(load_criteria())


@pytest.fixture
def team(make_instansi, make_unit, make_user) -> Any:
    """One instansi with one unit and a user for every role (plus a second, unrelated unit)."""
    from types import SimpleNamespace

    instansi = make_instansi("Kementerian Uji")
    unit = make_unit(instansi, code="UJI-1")
    other_instansi = make_instansi("Pemkot Lain")
    other_unit = make_unit(other_instansi, code="LAIN-1")
    return SimpleNamespace(
        instansi=instansi, unit=unit, other_instansi=other_instansi, other_unit=other_unit,
        operator=make_user("unit_operator", unit), head=make_user("unit_head", unit),
        tpi=make_user("tpi_evaluator", instansi), tpi_lead=make_user("tpi_lead", instansi),
        manager=make_user("manager", instansi), tpn=make_user("tpn_evaluator"),
        national=make_user("national_manager"), admin=make_user("admin"),
        other_head=make_user("unit_head", other_unit), other_tpi_lead=make_user("tpi_lead", other_instansi),
    )


@pytest.fixture
def flow(app: Any, actor_for: Callable[[Any], Any], best_answers: dict[str, Any]) -> Any:
    """Drive an assessment through the workflow with the real operations."""
    from types import SimpleNamespace

    from zi_assess.assessments import operations as ops
    from zi_assess.domain.workflow import Layer
    from zi_assess.extensions import db
    from zi_assess.models import Predicate

    def create(unit: Any, user: Any, year: int = 2026, target: Predicate = Predicate.WBK) -> Any:
        assessment = ops.create_assessment(actor_for(user), unit, year, target)
        db.session.commit()
        return assessment

    def fill(user: Any, assessment: Any, layer: Layer, answers: dict[str, Any] | None = None) -> None:
        bundle = ops.load_bundle(assessment.id)
        current = bundle.layer_answers(layer)
        items = [ops.AnswerInput(ind, value, "catatan", current[ind].version if ind in current else None)
                 for ind, value in (best_answers if answers is None else answers).items()]
        ops.save_answers(actor_for(user), assessment.id, layer, items)
        db.session.commit()

    def step(user: Any, assessment: Any, name: str, **kwargs: Any) -> Any:
        result = ops.transition(actor_for(user), assessment.id, name, **kwargs)
        db.session.commit()
        return result

    return SimpleNamespace(create=create, fill=fill, step=step, Layer=Layer)


def pytest_report_header(config: pytest.Config) -> str:
    return f"database: {test_database_url() or 'sqlite (temporary)'}"
