"""Generated code compiled once and kept on disk (zi_assess.code_cache, issue #15): a second
process takes the code objects an earlier one compiled, they are those the builtins would have
made, and a file another user could write, or one that does not load, is never used."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from types import CodeType

from zi_assess import code_cache

SCRIPT = """
    import sys
    from zi_assess import code_cache
    assert code_cache.install(sys.argv[1])
    import dataclasses, typing
    import sqlalchemy  # patched when it loads: its generated functions go through the cache

    @dataclasses.dataclass(frozen=True, order=True)
    class Point:
        x: int
        y: int = 2

    assert repr(Point(1)) == "Point(x=1, y=2)" and Point(1) < Point(2) and hash(Point(1)) == hash(Point(1, 2))
    assert typing.ForwardRef("list[int]").__forward_code__.co_filename == "<string>"
    assert sys.modules["sqlalchemy.util.langhelpers"].compile is code_cache._compile
    print(len(code_cache._codes), code_cache._added)
    code_cache.save()
"""


def _run(instance: Path, **env: str) -> tuple[int, int]:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(SCRIPT), str(instance)], capture_output=True,
                            text=True, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path), **env},
                            timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    known, added = result.stdout.split()
    return int(known), int(added)


def test_a_second_process_compiles_nothing_the_first_did(tmp_path):
    known, added = _run(tmp_path)
    assert added > 100 and known == added  # SQLAlchemy's import alone generates hundreds
    files = list((tmp_path / "cache" / "code").glob("code-*.marshal"))
    assert len(files) == 1
    assert _run(tmp_path) == (known, 0)


def test_a_cache_file_others_may_write_or_that_does_not_load_is_ignored(tmp_path):
    known, _ = _run(tmp_path)
    [path] = (tmp_path / "cache" / "code").glob("code-*.marshal")
    path.chmod(0o666)
    assert _run(tmp_path) == (known, known)  # refused: everything compiled again
    path.chmod(0o600)
    path.write_bytes(b"not marshal data")
    assert _run(tmp_path) == (known, known)


def test_the_setting_turns_it_off(tmp_path):
    result = subprocess.run([sys.executable, "-c", "import sys; from zi_assess import code_cache; "
                             "print(code_cache.install(sys.argv[1]))", str(tmp_path)],
                            capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path), "ZI_TEMPLATE_CACHE": "false"})
    assert result.stdout.strip() == "False" and not (tmp_path / "cache").exists()


def _same(a: CodeType, b: CodeType) -> bool:
    """Code objects compare by their instructions, constants, names, flags and positions."""
    return a == b and a.co_flags == b.co_flags and a.co_filename == b.co_filename


def test_the_code_is_what_the_builtins_compile_with_the_callers_future_flags():
    source = "def f(x: int) -> list[int]:\n    return [x]\n"
    # this module has ``from __future__ import annotations``: the builtin's code keeps them as text
    namespace: dict[str, object] = {}
    code_cache._exec(source, namespace)
    assert namespace["f"].__annotations__ == {"x": "int", "return": "list[int]"}  # type: ignore[attr-defined]
    assert _same(code_cache._compile(source, "<x>", "exec"), compile(source, "<x>", "exec"))
    assert code_cache._eval("  1 + 2") == 3
    # anything but a plain text call is the builtin's business
    assert code_cache._compile(source, "<x>", "exec", dont_inherit=True) is not code_cache._compile(source, "<x>",
                                                                                                    "exec")


def test_a_nested_caller_shares_the_entry_of_the_same_flags():
    """CO_NESTED (a function inside a function) is no compiler flag: same code, same entry."""
    def nested() -> object:
        return code_cache._compile("1 + 1", "<n>", "eval")

    assert nested() is code_cache._compile("1 + 1", "<n>", "eval")
