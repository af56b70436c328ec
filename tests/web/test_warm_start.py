"""A web worker starts warm (ZI_WARM_START): every template loaded, compiled once for all processes."""

from __future__ import annotations

import jinja2
import pytest

from zi_assess import create_app


@pytest.fixture(autouse=True)
def _unfrozen():
    """A warm app freezes the process's objects (gc.freeze); the test process gets them back."""
    import gc

    yield
    gc.unfreeze()


@pytest.fixture
def compiles(monkeypatch) -> list[str]:
    """The names of the templates Jinja compiles from source."""
    seen: list[str] = []
    compile_source = jinja2.Environment.compile

    def counted(self, source, name=None, filename=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(name)
        return compile_source(self, source, name, filename, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    return seen


def test_a_warm_app_holds_every_template_compiled_once_for_all(app_config, compiles, tmp_path):
    config = {**app_config, "WARM_START": True, "INSTANCE_PATH": str(tmp_path / "instance")}
    first = create_app(config)
    names = first.jinja_env.list_templates()
    assert len(names) > 50 and "dashboard/index.html" in names and "reports/lhe.html" in names
    assert set(compiles) >= set(names)  # the first process compiled every one of them
    assert all(any(key[1] == name for key in first.jinja_env.cache) for name in names)  # and keeps them
    stored = list((tmp_path / "instance").glob("cache/jinja/*/*"))
    assert len(stored) >= len(names)
    compiles.clear()
    second = create_app(config)  # another worker: the same templates, read compiled
    assert compiles == []
    assert all(any(key[1] == name for key in second.jinja_env.cache) for name in names)
    with second.test_client() as client:
        assert client.get("/masuk").status_code == 200 and compiles == []


def test_a_cold_app_loads_templates_when_asked(app_config, compiles):
    cold = create_app(app_config)  # the tests' own apps start cold
    assert len(cold.jinja_env.cache) == 0
    with cold.test_client() as client:
        assert client.get("/masuk").status_code == 200
    assert "auth/login.html" in compiles or any("login" in (n or "") for n in compiles)


def test_a_warm_app_has_its_redis_client_before_the_first_request(app_config, tmp_path):
    """Importing redis-py cost a worker's first cached page ~0.2 s; no connection is opened."""
    from zi_assess.extensions import _redis_for

    _redis_for.cache_clear()
    url = "redis://127.0.0.1:1/0"  # nothing listens: making the client must not connect
    create_app({**app_config, "WARM_START": True, "INSTANCE_PATH": str(tmp_path / "instance"), "REDIS_URL": url})
    assert _redis_for.cache_info().currsize == 1  # made (and redis-py imported) at start
    _redis_for.cache_clear()


def test_a_warm_app_freezes_what_it_holds(app_config, tmp_path):
    """Start-up objects leave the cyclic collector's way (each full collection walked them all)."""
    import gc

    gc.unfreeze()
    create_app({**app_config, "WARM_START": True, "INSTANCE_PATH": str(tmp_path / "instance")})
    assert gc.get_freeze_count() > 50_000
