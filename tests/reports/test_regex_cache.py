"""Regular expressions compiled once and kept on disk (zi_assess.regex_cache, issue #15): a
second process parses none of the patterns the first did, the patterns it makes behave as those
``re`` makes, and a file another user could write, or one that does not load, is never used."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

from zi_assess import regex_cache

SCRIPT = """
    import sys
    from zi_assess import code_cache, regex_cache
    assert code_cache.install(sys.argv[1])
    import re
    from re import _parser
    parsed = []
    parse = _parser.parse
    _parser.parse = lambda *args: parsed.append(args) or parse(*args)
    import sqlalchemy, jinja2  # their modules compile patterns at import
    pattern = re.compile(r"(?P<code>[A-Z]\\d+)\\.(?P<sub>[ivx]+)", re.I)
    assert pattern.match("p1.ii").groupdict() == {"code": "p1", "sub": "ii"}
    assert re.compile(rb"a+").fullmatch(b"aaa")
    print(len(regex_cache._entries), regex_cache._added, len(parsed))
    code_cache.save()
"""


def _run(instance: Path, **env: str) -> tuple[int, int, int]:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(SCRIPT), str(instance)], capture_output=True,
                            text=True, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path), **env},
                            timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    known, added, parsed = result.stdout.split()
    return int(known), int(added), int(parsed)


def test_a_second_process_parses_no_pattern_the_first_did(tmp_path):
    known, added, parsed = _run(tmp_path)
    assert added > 50 and known == added == parsed  # SQLAlchemy and Jinja alone compile dozens
    assert len(list((tmp_path / "cache" / "code").glob("re-*.marshal"))) == 1
    assert _run(tmp_path) == (known, 0, 0)


def test_a_cache_file_others_may_write_or_that_does_not_load_is_ignored(tmp_path):
    known, _, _ = _run(tmp_path)
    [path] = (tmp_path / "cache" / "code").glob("re-*.marshal")
    path.chmod(0o666)
    assert _run(tmp_path) == (known, known, known)  # refused: every pattern parsed again
    path.chmod(0o600)
    path.write_bytes(b"not marshal data")
    assert _run(tmp_path) == (known, known, known)
    import marshal

    path.write_bytes(marshal.dumps({("a", 0): (0, ["not a number"], 0, {}, ())}))
    assert _run(tmp_path) == (known, known, known)


def test_the_setting_turns_it_off(tmp_path):
    result = subprocess.run([sys.executable, "-c", "import sys, re; from zi_assess import code_cache, regex_cache; "
                             "code_cache.install(sys.argv[1]); print(regex_cache._path, re._compiler.compile.__module__)",
                             str(tmp_path)], capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path), "ZI_TEMPLATE_CACHE": "false"})
    assert result.stdout.split() == ["None", "re._compiler"], result.stderr


PATTERNS = [(r"(?P<year>\d{4})-(?P<month>\d\d)", 0), (r"^\s*#.*$", re.M), (r"[a-zé]+", re.I | re.U),
            (r"(a)(?:b)(c)?", 0), (rb"\x00[\x01-\x7f]+", 0), (r"(?x) a  b # spaced", 0), (r"", 0),
            (r"(?s).+", 0), (r"\bzona\b", re.A)]


def test_a_pattern_from_the_cache_is_the_one_re_makes():
    original = regex_cache._original or re._compiler.compile  # type: ignore[attr-defined]
    for source, flag in PATTERNS:
        flags = int(flag)  # as re._compile passes them
        theirs = original(source, flags)
        first, cached = regex_cache._compile(source, flags), regex_cache._compile(source, flags)
        for pattern in (first, cached):  # translated now, then from the entry
            assert type(pattern) is type(theirs)
            assert (pattern.pattern, pattern.flags, pattern.groups, dict(pattern.groupindex)) == (
                theirs.pattern, theirs.flags, theirs.groups, dict(theirs.groupindex))
            text = "2026-12 # zona Zona \u00e9\n" if isinstance(source, str) else b"\x00abc"
            assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in theirs.finditer(text)]
