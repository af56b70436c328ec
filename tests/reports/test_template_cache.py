"""The lean app's template bytecode cache (zi_assess.template_cache, issue #15): a second report
process loads the templates an earlier one compiled, the setting turns it off, a folder that
cannot be written never fails a report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from zi_assess import template_cache
from zi_assess.app import build_app


def _lean(app_config: dict[str, Any], instance: Path, **extra: Any) -> Any:
    return build_app({**app_config, "INSTANCE_PATH": str(instance), **extra}, web=False)


def _compiles(app: Any, name: str) -> int:
    """How many templates the environment compiles to load ``name`` (fresh environment)."""
    env = app.jinja_env
    calls = []
    compile_source = env.compile

    def counting(source: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return compile_source(source, *args, **kwargs)

    env.compile = counting
    with app.app_context():
        env.get_template(name)
    return len(calls)


def test_a_second_process_loads_the_compiled_templates(app_config, tmp_path):
    first = _lean(app_config, tmp_path / "instance")
    assert isinstance(first.jinja_env.bytecode_cache, template_cache.SharedBytecodeCache)
    assert _compiles(first, "reports/lhe.html") == 1
    with first.app_context():  # the templates it extends, imports and includes are compiled at render
        first.jinja_env.get_template("reports/_macros.html")
    cached = list(template_cache.cache_dir(first).glob("__jinja2_*.cache"))
    assert len(cached) >= 2

    second = _lean(app_config, tmp_path / "instance")  # a new app: its environment has no template in memory
    assert _compiles(second, "reports/lhe.html") == 0
    assert _compiles(second, "reports/_macros.html") == 0


def test_a_changed_template_is_compiled_again(app_config, tmp_path):
    loader = jinja2.DictLoader({"t.html": "one {{ x }}"})
    env = jinja2.Environment(loader=loader, bytecode_cache=template_cache.SharedBytecodeCache(str(tmp_path)))
    assert env.get_template("t.html").render(x=1) == "one 1"
    loader.mapping["t.html"] = "two {{ x }}"
    fresh = jinja2.Environment(loader=loader, bytecode_cache=template_cache.SharedBytecodeCache(str(tmp_path)))
    assert fresh.get_template("t.html").render(x=2) == "two 2"


def test_the_setting_turns_it_off_and_the_web_app_has_none(app_config, tmp_path):
    assert _lean(app_config, tmp_path / "off", TEMPLATE_CACHE=False).jinja_env.bytecode_cache is None
    assert not (tmp_path / "off" / "cache").exists()
    web = build_app({**app_config, "INSTANCE_PATH": str(tmp_path / "web")})
    assert web.jinja_env.bytecode_cache is None


def test_a_folder_that_cannot_be_written_is_no_error(app_config, tmp_path):
    app = _lean(app_config, tmp_path / "instance")
    directory = template_cache.cache_dir(app)
    directory.rmdir()  # gone after start-up (cleaned away): writing the bytecode fails, the render does not
    with app.app_context():
        assert "Laporan" in app.jinja_env.from_string("{{ 'Laporan' }}").render()
        app.jinja_env.get_template("reports/_macros.html")
    assert not directory.exists()

    (tmp_path / "blocked").mkdir()
    (tmp_path / "blocked" / "cache").write_text("a file where the folder would be")
    blocked = _lean(app_config, tmp_path / "blocked")
    assert blocked.jinja_env.bytecode_cache is None


def test_the_key_changes_with_the_environment():
    plain = jinja2.Environment()
    assert template_cache.cache_key(plain) == template_cache.cache_key(jinja2.Environment())
    assert template_cache.cache_key(plain) != template_cache.cache_key(jinja2.Environment(extensions=["jinja2.ext.do"]))
