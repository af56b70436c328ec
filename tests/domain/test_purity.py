"""The domain core imports no web, database, form or PDF library (parsed, not imported)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import zi_assess.domain

FORBIDDEN = {
    "flask", "flask_sqlalchemy", "flask_wtf", "flask_login", "flask_babel", "sqlalchemy", "wtforms", "weasyprint",
}
DOMAIN = Path(zi_assess.domain.__file__).parent


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


def test_score_command_does_not_load_flask():
    code = (
        "import sys; from zi_assess.cli_score import main; "
        f"bad = [m for m in sys.modules if m.split('.')[0] in {sorted(FORBIDDEN)!r}]; print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
