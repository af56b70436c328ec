"""`zi-assess score` and `zi-assess criteria` as a user runs them (the installed console script)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from zi_assess.domain import load_criteria, score, verdicts
from zi_assess.domain.answers import best_answers
from zi_assess.domain.contract import ScoreResult, result_to_dict, verdict_to_dict
from zi_assess.domain.display import format_plain

EXE = str(Path(sys.executable).with_name("zi-assess"))


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([EXE, *args], input=stdin, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def best() -> dict:
    return best_answers(load_criteria())


def test_score_one_lke_from_stdin(best):
    out = run("score", "-", stdin=json.dumps({"id": "u-1", "answers": best}))
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["id"] == "u-1" and result["criteria"] == "permenpanrb-90-2021" and result["complete"]
    assert result["total"] == pytest.approx(100)
    assert result["areas"]["5"] == {"bobot": 15.0, "nilai": pytest.approx(15.0), "persen": pytest.approx(100)}
    assert result["nodes"]["P1.i"]["bobot"] == 0.5 and "H1" in result["nodes"]
    assert result["verdicts"] == {"WBK": {"passed": True, "failures": []}, "WBBM": {"passed": True, "failures": []}}


def test_score_file_with_failures_and_area_rule(tmp_path, best):
    answers = best | {"R5.i.a": "E"}
    path = tmp_path / "lke.json"
    path.write_text(json.dumps({"answers": answers}))
    loose = json.loads(run("score", str(path)).stdout)
    assert loose["verdicts"]["WBBM"]["passed"]
    strict = json.loads(run("score", "--area-rule", "per_aspect", "--summary", str(path)).stdout)
    assert "nodes" not in strict
    assert strict["verdicts"]["WBBM"]["failures"] == [
        {"rule": "area:R5", "actual": pytest.approx(5.0), "required": 5.625, "shortfall": pytest.approx(0.625)}
    ]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ('{"answers": {', "invalid JSON at line 1 column"),
        ('{"answers": {"P1.i.a": "Ya",\n "P1.i.b": X}}', "invalid JSON at line 2 column"),
        ('{"answers": {"Z1.i.a": "A"}}', "Z1.i.a: unknown indicator id"),
        ('{"answers": {"P1.i.b": "Ya"}}', "P1.i.b: 'Ya' is not an option of A/B/C"),
        ('{"answers": {"R1.i.a": {"jumlah_agen_perubahan": -2, "jumlah_perubahan_dibuat": 1}}}',
         "R1.i.a: jumlah_agen_perubahan must not be negative"),
        ('{"answers": {"R1.i.a": {"jumlah_agen_perubahan": 2.5, "jumlah_perubahan_dibuat": 1}}}',
         "R1.i.a: jumlah_agen_perubahan must be a whole number"),
        ('{"answers": {"H1.a": 4.2}}', "H1.a: survey score 4.2 outside 0–4"),
        ('{"answers": {"P1.i.a": "Ya"}}', "incomplete LKE: 112 indicator(s) unanswered: P1.i.b, P1.ii.a"),
        ('[1, 2]', "expected a JSON object"),
        ('{"answer": {}}', "unknown key 'answer'"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_nothing_on_stdout(payload, message):
    out = run("score", "-", stdin=payload)
    assert out.returncode == 2
    assert out.stdout == ""
    assert message in out.stderr
    assert out.stderr.count("\n") == 1


def test_allow_incomplete_scores_a_preview():
    out = run("score", "--allow-incomplete", "-", stdin='{"answers": {"P1.i.a": "ya"}}')
    result = json.loads(out.stdout)
    assert out.returncode == 0 and not result["complete"] and len(result["missing"]) == 112
    assert result["total"] == pytest.approx(0.5)  # P1.i = mean of the answered indicator × 0.5


def test_batch_keeps_order_and_reports_bad_lines(best):
    lines = [
        json.dumps({"id": 1, "answers": best}),
        '{"id": 2, "answers": ',
        json.dumps({"id": 3, "answers": best | {"H2.a": 3.2}}),
        json.dumps({"id": 4, "answers": {"P1.i.a": "Ya"}}),
    ]
    out = run("score", "--batch", "--summary", "-", stdin="\n".join(lines) + "\n")
    assert out.returncode == 1
    results = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r.get("id") for r in results] == [1, None, 3, None]
    assert results[1]["line"] == 2 and "invalid JSON" in results[1]["error"]
    assert results[3]["line"] == 4 and "incomplete LKE" in results[3]["error"]
    assert results[2]["verdicts"]["WBBM"]["failures"][0]["rule"] == "H2"
    assert all("nodes" not in r for r in results)


def test_large_batch_is_split_across_processes_in_order(tmp_path, best):
    path = tmp_path / "many.jsonl"
    with path.open("w") as fh:
        for i in range(600):
            fh.write(json.dumps({"id": i, "answers": best | {"H1.a": round(i % 400 / 100, 2)}}) + "\n")
    out = run("score", "--batch", "--summary", str(path))
    assert out.returncode == 0, out.stderr
    results = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["id"] for r in results] == list(range(600))
    assert results[123]["total"] == pytest.approx(100 - 17.5 + 1.23 / 4 * 17.5)


def test_criteria_check_and_show(tmp_path):
    out = run("criteria", "check")
    assert out.returncode == 0
    assert "permenpanrb-90-2021: OK — 113 indicators (87 pemenuhan, 23 reform, 3 hasil), 42 sub-areas" in out.stdout
    assert "permenpanrb-52-2014: OK — 84 indicators (81 pengungkit, 3 hasil), 23 sub-areas" in out.stdout
    show = run("criteria", "show", "P1.i.b")
    assert "Penentuan anggota Tim dipilih melalui prosedur/mekanisme yang jelas" in show.stdout
    assert "B = 0.5" in show.stdout and "PortalRB soal id: 2" in show.stdout
    assert run("criteria", "show", "P9.z.z").returncode == 2
    broken = tmp_path / "permenpanrb-90-2021"
    broken.mkdir()
    (broken / "manifest.json").write_text("{}")
    out = run("criteria", "check", str(broken))
    assert out.returncode == 2 and "manifest.json: id: missing key" in out.stderr


def test_a_survey_score_of_zero_is_an_answer(best):
    lines = [json.dumps({"id": i, "answers": best | {"H1.a": zero, "H2.a": zero}}) for i, zero in enumerate((0, 0.0))]
    out = run("score", "--batch", "-", stdin="\n".join(lines) + "\n")
    assert out.returncode == 0, out.stderr
    for result in map(json.loads, out.stdout.splitlines()):
        assert result["complete"] and result["missing"] == []
        assert result["total"] == pytest.approx(65.0) and result["nodes"]["H1.a"]["nilai"] == 0.0


def real_world_lke(criteria, rng: random.Random) -> dict:
    """Answers as real files hold them: mixed case, padding, independent counts, whole floats."""
    answers = {}
    for ind_id, ind in criteria.indicators.items():
        if ind.kind == "choice":
            key = rng.choice(ind.scale.keys)
            answers[ind_id] = rng.choice([key, key.lower(), key.upper(), f" {key} ", f"{key.lower()}\t"])
        elif ind.kind == "survey":
            answers[ind_id] = rng.choice([rng.randint(0, 4), round(rng.uniform(0, 4), 2)])
        else:
            answers[ind_id] = {i.key: rng.choice([0, rng.randint(0, 30), float(rng.randint(0, 30))]) for i in ind.inputs}
    return answers


@pytest.mark.parametrize(("options", "count"), [(["--summary"], 300), (["--area-rule", "per_aspect"], 60)])
def test_batch_output_is_what_the_careful_path_gives(tmp_path, options, count):
    """The batch takes the fast path; its JSON must be exactly the reference roll-up's, warnings and
    verdicts (from full RuleChecks, not the batch summaries) included."""
    criteria = load_criteria()
    rng = random.Random(1010)
    requests = [{"id": i, "answers": real_world_lke(criteria, rng)} for i in range(count)]
    path = tmp_path / "real.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in requests))
    out = run("score", "--batch", *options, str(path))
    assert out.returncode == 0, out.stderr
    results = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(results) == count
    area_rule = "per_aspect" if "per_aspect" in options else None
    warned = 0
    for request, result in zip(requests, results, strict=True):
        sheet = score(criteria, request["answers"], area_rule=area_rule, careful=True)
        expected = result_to_dict(ScoreResult(request["id"], sheet), summary="--summary" in options)
        expected["verdicts"] = {p: verdict_to_dict(v) for p, v in verdicts(sheet).items()}
        assert result == json.loads(json.dumps(expected)), request["id"]
        assert score(criteria, request["answers"], area_rule=area_rule).fast_path
        warned += bool(result["warnings"])
    assert warned > count // 2  # numerators above their denominators: the common case in real files


def test_a_boundary_lke_through_the_command():
    """Area 2 exactly 4.195 on paper meets WBK's 4.20 (the issue's example), by the command too."""
    from fractions import Fraction

    from tests.domain.exact import BoundarySearch, node_buckets

    criteria = load_criteria()
    answers = best_answers(criteria) | BoundarySearch(node_buckets(criteria, "2")).find(Fraction("4.195"))
    out = run("score", "--summary", "-", stdin=json.dumps({"answers": answers}))
    result = json.loads(out.stdout)
    assert format_plain(result["areas"]["2"]["nilai"]) == "4.20"
    assert result["verdicts"]["WBK"]["passed"], result["verdicts"]["WBK"]
