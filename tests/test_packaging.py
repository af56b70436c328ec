"""The distribution's metadata: every package listed, dependencies declared, bounded and pinned."""

from __future__ import annotations

import ast
import configparser
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from zi_assess import resources

ROOT = Path(__file__).resolve().parents[1]
#: data, not code: its versions are dates and every newer one is at least as right
UNBOUNDED = {"tzdata"}


def _options() -> configparser.SectionProxy:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    return parser["options"]


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip() and not line.strip().startswith("#")]


def _requirements() -> list[Requirement]:
    return [Requirement(line) for line in _lines(_options()["install_requires"])]


def _pins() -> dict[str, str]:
    pins = {}
    for line in _lines((ROOT / "constraints.txt").read_text()):
        name, _, version = line.partition("==")
        pins[canonicalize_name(name)] = version
    return pins


def test_every_python_package_and_both_data_folders_are_in_the_distribution():
    listed = set(_lines(_options()["packages"]))
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "zi_assess").rglob("__init__.py")}
    assert on_disk <= listed, f"add to setup.cfg [options] packages: {sorted(on_disk - listed)}"
    mapping = dict(line.replace(" ", "").split("=") for line in _lines(_options()["package_dir"]))
    assert mapping == {"zi_assess.templates": "templates", "zi_assess.criteria_data": "criteria"}
    assert {"zi_assess.templates", "zi_assess.criteria_data"} <= listed


def test_in_a_checkout_the_shipped_files_are_the_top_level_folders():
    assert resources.TEMPLATES_DIR == ROOT / "templates" and (resources.TEMPLATES_DIR / "base.html").is_file()
    assert resources.CRITERIA_DIR == ROOT / "criteria"
    assert (resources.CRITERIA_DIR / "prasyarat").is_dir() and (resources.STATIC_DIR / "css" / "app.css").is_file()
    assert (resources.MIGRATIONS_DIR / "env.py").is_file()


def test_dependencies_have_upper_bounds_and_are_pinned_within_them():
    pins = _pins()
    for req in _requirements():
        name = canonicalize_name(req.name)
        if name not in UNBOUNDED:
            assert any(spec.operator in ("<", "<=", "~=", "==") for spec in req.specifier), f"{req} has no upper bound"
        assert name in pins, f"{req.name} is not pinned in constraints.txt"
        assert req.specifier.contains(pins[name], prereleases=True), f"{req.name}=={pins[name]} outside {req}"


def test_every_directly_imported_distribution_is_declared():
    declared = {canonicalize_name(r.name) for r in _requirements()}
    owners = packages_distributions()
    imported: set[str] = set()
    for path in (ROOT / "zi_assess").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"zi_assess", "__future__"}
    missing = {name: owners.get(name) for name in third_party
               if not {canonicalize_name(d) for d in owners.get(name, [])} & declared}
    assert not missing, f"imported but not in install_requires: {missing}"


def test_the_license_file_is_the_mit_license_the_metadata_names():
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    assert parser["metadata"]["license"] == "MIT" and parser["metadata"]["license_files"] == "LICENSE"
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "Permission is hereby granted, free of charge" in text


def test_the_top_level_holds_only_what_was_agreed():
    allowed = {"zi_assess", "templates", "criteria", "tests", "setup.cfg", "wsgi.py", "pyproject.toml", "Makefile",
               "README.md", "LICENSE", ".ci", "benchmarks", "deploy", "constraints.txt", ".gitignore", ".git"}
    ignored = {".venv", "instance", "build", "dist", "zi_assess.egg-info", ".pytest_cache", ".ruff_cache",
               ".mypy_cache", ".hypothesis", "__pycache__"}
    present = {p.name for p in ROOT.iterdir()} - ignored
    assert present <= allowed, sorted(present - allowed)
    assert set(tomllib.loads((ROOT / "pyproject.toml").read_text())) == {"build-system"}
