"""``zi-assess score`` and ``zi-assess criteria``: the pure commands.

They import the domain core only (no Flask), so they start in a few tens of milliseconds and can
score thousands of LKEs from a pipe.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from zi_assess.domain.contract import (
    IncompleteError,
    RequestError,
    describe_error,
    result_to_dict,
    score_request,
)
from zi_assess.domain.criteria import AREA_RULES
from zi_assess.domain.display import format_plain
from zi_assess.domain.jsondata import CriteriaError
from zi_assess.domain.loader import (
    DEFAULT_CRITERIA_ID,
    available_criteria,
    load_criteria,
    use_instance_criteria,
)
from zi_assess.domain.scoring import AnswerError, score

try:  # orjson parses and writes JSON several times faster; the standard library is the fallback
    import orjson

    def _loads(data: bytes | str) -> Any:
        return orjson.loads(data)

    def _dumps(obj: Any) -> bytes:
        return orjson.dumps(obj)

    JSONDecodeError: type[ValueError] = orjson.JSONDecodeError
except ImportError:  # pragma: no cover - orjson is a declared dependency
    import json

    def _loads(data: bytes | str) -> Any:
        return json.loads(data)

    def _dumps(obj: Any) -> bytes:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()

    JSONDecodeError = json.JSONDecodeError

#: below this much input a batch is scored in one process (about 400 LKEs)
PARALLEL_MIN_BYTES = 1_000_000
USAGE_ERROR = 2


class CliError(Exception):
    """Print the message on stderr and exit with code 2."""


def _json_error(exc: ValueError) -> str:
    line, col = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    msg = getattr(exc, "msg", str(exc))
    return f"invalid JSON at line {line} column {col}: {msg}" if line else f"invalid JSON: {msg}"


def _open(path: str) -> BinaryIO:
    if path == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None


def _score_one(data: bytes, args: argparse.Namespace) -> bytes:
    try:
        request = _loads(data)
    except JSONDecodeError as exc:
        raise CliError(_json_error(exc)) from None
    try:
        result = score_request(
            request, default_criteria=args.criteria, area_rule=args.area_rule,
            allow_incomplete=args.allow_incomplete,
        )
    except (AnswerError, RequestError, IncompleteError) as exc:
        raise CliError(describe_error(exc)) from None
    return _dumps(result_to_dict(result, summary=args.summary))


def _score_lines(lines: Iterable[tuple[int, bytes]], args: argparse.Namespace) -> Iterator[tuple[bytes, bool]]:
    """Score JSON Lines; yield (output line, ok) in input order."""
    for number, line in lines:
        try:
            yield _score_one(line, args), True
        except CliError as exc:
            yield _dumps({"line": number, "error": str(exc)}), False


def _numbered_lines(data: bytes, first_number: int) -> list[tuple[int, bytes]]:
    return [(n, line) for n, line in enumerate(data.split(b"\n"), start=first_number) if line.strip()]


def _batch(stream: BinaryIO, out: BinaryIO, args: argparse.Namespace) -> int:
    data = stream.read()
    # Scoring allocates many short-lived objects and no reference cycles: the cyclic collector
    # would only add pauses.
    gc.disable()
    split = data.find(b"\n", len(data) * 48 // 100) if len(data) > PARALLEL_MIN_BYTES else -1
    if split < 0 or not hasattr(os, "fork"):
        ok = True
        chunk = []
        for output, good in _score_lines(_numbered_lines(data, 1), args):
            chunk.append(output)
            ok &= good
        out.write(b"\n".join(chunk) + (b"\n" if chunk else b""))
        return 0 if ok else 1
    # Load and compile the criteria once, before the fork, so both processes start warm.
    with contextlib.suppress(CriteriaError, AnswerError):
        score(load_criteria(args.criteria or DEFAULT_CRITERIA_ID), {})
    # Two processes on two cores. The split happens on the raw bytes before any line object
    # exists, so the child shares no Python objects with the parent (no copy-on-write churn).
    # The parent also reads and writes, so the child takes a little more than half.
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: the second part
        os.close(read_fd)
        try:
            results = list(_score_lines(_numbered_lines(data[split + 1 :], data.count(b"\n", 0, split + 1) + 1), args))
            status = b"1" if all(good for _, good in results) else b"0"
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(status + b"".join(o + b"\n" for o, _ in results))
        finally:
            os._exit(0)
    os.close(write_fd)
    first = list(_score_lines(_numbered_lines(data[:split], 1), args))
    with os.fdopen(read_fd, "rb") as pipe:
        second = pipe.read()
    _, child_status = os.waitpid(pid, 0)
    if child_status != 0 or not second:
        raise CliError("batch worker process failed")
    out.write(b"".join(o + b"\n" for o, _ in first) + second[1:])
    return 0 if all(good for _, good in first) and second[:1] == b"1" else 1


def cmd_score(args: argparse.Namespace) -> int:
    stream = _open(args.file)
    out = sys.stdout.buffer
    if args.batch:
        code = _batch(stream, out, args)
    else:
        out.write(_score_one(stream.read(), args) + b"\n")
        code = 0
    out.flush()
    return code


def cmd_criteria_check(args: argparse.Namespace) -> int:
    targets = [args.dir] if args.dir else available_criteria()
    for target in targets:
        try:
            criteria = load_criteria(target)
        except CriteriaError as exc:
            raise CliError(f"{target}: {exc}") from None
        # per aspect ("87 pemenuhan, 23 reform"), or the pengungkit as a whole where there are none (52/2014)
        counts = [(sum(len(sub.indicators) for aa in aspect.aspect_areas for sub in aa.sub_areas), aspect.name.lower())
                  for aspect in criteria.aspects] or [
            (sum(len(criteria.area_indicators(area.id)) for area in criteria.areas), "pengungkit")]
        counts.append((len(criteria.hasil_indicators()), "hasil"))
        print(
            f"{criteria.id}: OK — {len(criteria.indicators)} indicators "
            f"({', '.join(f'{n} {name}' for n, name in counts)}), "
            f"{len(criteria.sub_areas)} sub-areas, bobot {format_plain(criteria.total_bobot)}"
        )
    return 0


def cmd_criteria_show(args: argparse.Namespace) -> int:
    try:
        criteria = load_criteria(args.criteria or DEFAULT_CRITERIA_ID)
    except CriteriaError as exc:
        raise CliError(str(exc)) from None
    ind = criteria.indicators.get(args.indicator_id)
    if ind is None:
        raise CliError(f"{args.indicator_id}: unknown indicator id in {criteria.id}")
    print(f"{ind.id}  [{ind.scale.label}]  bobot {format_plain(ind.bobot, 4)}  (sub-area {ind.parent})")
    print(ind.question)
    if ind.explanation:
        print(f"\nPenjelasan:\n{ind.explanation}")
    if ind.options:
        print("\nPilihan jawaban:")
        for opt in ind.options:
            print(f"  {opt.key} = {opt.value:g}  {opt.text}")
    if ind.inputs and ind.formula:
        print("\nInput (jumlah):")
        for inp in ind.inputs:
            print(f"  {inp.key}  {inp.label}  [soal {inp.soal_id}]")
        print(f"\nRumus: {ind.formula.text}")
    if ind.soal_ids:
        print(f"\nPortalRB soal id: {', '.join(map(str, ind.soal_ids))}")
    if ind.data_dukung:
        print("\nData dukung yang lazim:")
        for hint in ind.data_dukung:
            print(f"  - {hint}")
    return 0


def cmd_criteria_import_portalrb(args: argparse.Namespace) -> int:
    """Turn a PortalRB master soal JSON into a criteria version (validated like the shipped one)."""
    from zi_assess.domain.portalrb_import import PortalRbError, import_master

    try:
        criteria = import_master(args.file, args.out, args.id, args.template or DEFAULT_CRITERIA_ID)
    except (PortalRbError, CriteriaError) as exc:
        raise CliError(f"{args.file}: {exc}") from None
    soal_count = sum(len(ind.soal_ids) for ind in criteria.indicators.values())
    print(
        f"{criteria.id}: OK — {len(criteria.indicators)} indicators, {soal_count} PortalRB soals, "
        f"{len(criteria.sub_areas)} sub-areas, bobot {format_plain(criteria.total_bobot)} → {criteria.source_dir}"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="zi-assess")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("score", help="score one LKE (JSON) or many (--batch, JSON Lines)")
    p.add_argument("file", metavar="FILE|-")
    p.add_argument("--criteria", help=f"criteria version when the input names none (default {DEFAULT_CRITERIA_ID})")
    p.add_argument("--area-rule", choices=AREA_RULES, help="per-area threshold reading (default from criteria)")
    p.add_argument("--allow-incomplete", action="store_true", help="score incomplete LKEs as a preview")
    p.add_argument("--batch", action="store_true", help="JSON Lines in, JSON Lines out, same order")
    p.add_argument("--summary", action="store_true", help="omit the per-node detail")
    p.set_defaults(func=cmd_score)
    c = sub.add_parser("criteria", help="check or show criteria data")
    csub = c.add_subparsers(dest="criteria_command", required=True)
    check = csub.add_parser("check", help="validate a criteria folder (default: every shipped version)")
    check.add_argument("dir", nargs="?", metavar="DIR")
    check.set_defaults(func=cmd_criteria_check)
    show = csub.add_parser("show", help="show one indicator")
    show.add_argument("indicator_id", metavar="INDICATOR_ID")
    show.add_argument("--criteria")
    show.set_defaults(func=cmd_criteria_show)
    imp = csub.add_parser("import-portalrb", help="turn a PortalRB master soal JSON into a criteria version")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--id", help="criteria id and folder name (default portalrb-<tahun>)")
    imp.add_argument("--out", metavar="DIR", help="folder in which <id>/ is written "
                     "(default: criteria/ in the instance folder, ZI_INSTANCE_PATH)")
    imp.add_argument("--template", help=f"criteria version giving %% formulas, scales, thresholds "
                     f"(default {DEFAULT_CRITERIA_ID})")
    imp.set_defaults(func=cmd_criteria_import_portalrb)
    return parser


def main(argv: list[str]) -> int:
    from zi_assess.config import instance_criteria_dir

    args = build_parser().parse_args(argv)
    use_instance_criteria(instance_criteria_dir())
    try:
        return int(args.func(args))
    except CliError as exc:
        sys.stderr.write(f"zi-assess: error: {exc}\n")
        return USAGE_ERROR
