"""The layout's rules, checked on the source: no import cycle between packages, every package
imports on its own, operations never end the transaction, permission questions go to authz."""

from __future__ import annotations

import ast
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import zi_assess

PACKAGE = Path(zi_assess.__file__).parent
ROOT = PACKAGE.parent
#: feature packages (one folder each) whose modules must import on their own
FEATURES = ("assessments", "auth", "dashboard", "evidence", "interop", "main", "maint", "org", "reports", "storage")


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _imports(path: Path) -> set[str]:
    """Every zi_assess module ``path`` imports, at the top or inside a function (not for type checking only)."""
    tree = ast.parse(path.read_text(), str(path))
    typing_only = {id(n) for block in ast.walk(tree)
                   if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
                   for n in ast.walk(block)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return {name for name in found if name.startswith("zi_assess.")}


def _unit(module: str) -> str | None:
    """The package (``zi_assess.reports``) or top-level module (``zi_assess.authz``) a module belongs to."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) >= 2 else None


def package_graph() -> dict[str, set[str]]:
    units = {_unit(m) for m in _modules()} - {None}
    graph: dict[str, set[str]] = {}
    for module, path in _modules().items():
        source = _unit(module)
        if source is None:
            continue
        targets = {_unit(name) for name in _imports(path)} & units
        graph.setdefault(source, set()).update(targets - {source})
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_between_packages():
    """assessments ↔ evidence and auth ↔ org used to import each other (function-level imports included)."""
    graph = package_graph()
    assert {"zi_assess.assessments", "zi_assess.evidence", "zi_assess.auth", "zi_assess.org"} <= set(graph)
    assert cycles(graph) == []
    assert "zi_assess.evidence" not in graph["zi_assess.assessments"]
    assert "zi_assess.org" not in graph["zi_assess.auth"]


def test_the_cycle_finder_finds_cycles():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def _import_alone(package: str) -> subprocess.CompletedProcess[str]:
    modules = sorted(m for m in _modules() if m == package or m.startswith(package + "."))
    code = "import importlib, sys\n" + "".join(
        f"importlib.import_module({m!r})\n" for m in [package, *modules])
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)


def test_each_feature_package_imports_alone():
    """A fresh interpreter imports the package first, then each of its modules: no partial-import errors."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = dict(zip(FEATURES, pool.map(_import_alone, [f"zi_assess.{f}" for f in FEATURES]), strict=True))
    failed = {name: out.stderr.strip().splitlines()[-1:] for name, out in outcomes.items() if out.returncode}
    assert failed == {}


def test_operations_never_commit_or_roll_back():
    """The request (or the CLI command, or the worker) owns the transaction; operations flush and
    use savepoints (zi_assess.extensions.savepoint) for a write that may lose a race."""
    writers = [p for m, p in _modules().items() if m.endswith(".operations") or ".operations." in m] + [
        PACKAGE / "audit.py"]
    assert len(writers) >= 6
    offenders = {}
    for path in writers:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    node.func.attr in ("commit", "rollback"):
                offenders.setdefault(path.relative_to(ROOT).as_posix(), []).append(node.lineno)
    assert offenders == {}


def test_permission_questions_go_to_authz():
    """Only authz (and the models it reads) ask which roles a user holds; templates ask ``can()``."""
    asking = {m for m, p in _modules().items() if "has_role(" in p.read_text()}
    assert asking <= {"zi_assess.authz", "zi_assess.models.users"}
    templates = [p for p in (ROOT / "templates").rglob("*.html") if "has_role" in p.read_text()]
    assert templates == []
