"""The domain core imports no web, database, form or PDF library.

Checked twice: each domain module's source is parsed (an import hidden in a function body is
found too), and each module is imported in a fresh interpreter where those libraries cannot be
imported at all (what it pulls in, directly or through another module, fails loudly).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import zi_assess.domain

FORBIDDEN = {
    "flask", "flask_sqlalchemy", "flask_wtf", "flask_login", "flask_babel", "flask_migrate", "werkzeug", "jinja2",
    "sqlalchemy", "alembic", "psycopg", "wtforms", "weasyprint", "redis", "rq", "openpyxl",
}
DOMAIN = Path(zi_assess.domain.__file__).parent
MODULES = sorted(f"zi_assess.domain.{p.stem}" for p in DOMAIN.glob("*.py") if p.stem != "__init__")

#: installed before the domain module is imported: any import of a forbidden library raises
BLOCKER = """
import importlib.abc, sys
FORBIDDEN = {forbidden!r}

class Forbidden(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in FORBIDDEN:
            raise ImportError(f"the domain core may not import {{name}}")
        return None

sys.meta_path.insert(0, Forbidden())
assert not [m for m in sys.modules if m.split(".")[0] in FORBIDDEN]
import importlib
importlib.import_module({module!r})
print("pure")
"""


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_domain_modules_import_nothing_forbidden():
    files = sorted(DOMAIN.rglob("*.py"))
    assert len(files) >= 6 and DOMAIN / "planner" / "search.py" in files
    for path in files:
        assert not imported_roots(path) & FORBIDDEN, path.name


def _import_blocked(module: str) -> subprocess.CompletedProcess[str]:
    code = BLOCKER.format(forbidden=sorted(FORBIDDEN), module=module)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_every_domain_module_imports_with_those_libraries_unimportable():
    assert len(MODULES) >= 10
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = dict(zip(MODULES, pool.map(_import_blocked, MODULES), strict=True))
    failed = {m: out.stderr.strip().splitlines()[-1:] for m, out in outcomes.items()
              if out.returncode != 0 or out.stdout.strip() != "pure"}
    assert failed == {}


def test_the_blocker_catches_an_impure_module(tmp_path):
    """The check above can fail: a module that pulls in SQLAlchemy through another one is caught."""
    (tmp_path / "impure_helper.py").write_text("import sqlalchemy\n")
    (tmp_path / "impure.py").write_text("import impure_helper\n")
    code = f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n" + BLOCKER.format(
        forbidden=sorted(FORBIDDEN), module="impure")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode != 0 and "may not import sqlalchemy" in out.stderr


@pytest.mark.parametrize("entry", ["zi_assess.cli_score"])
def test_score_command_does_not_load_flask(entry):
    code = (
        f"import sys; import {entry}; "
        f"bad = [m for m in sys.modules if m.split('.')[0] in {sorted(FORBIDDEN)!r}]; print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
