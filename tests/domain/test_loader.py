"""Strict criteria validation: every error names the file and the key path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from zi_assess.domain.jsondata import CriteriaError
from zi_assess.domain.loader import CRITERIA_ROOT, _load_folder

AREA1 = "areas/1-manajemen-perubahan.json"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "permenpanrb-90-2021"
    shutil.copytree(CRITERIA_ROOT / "permenpanrb-90-2021", target)
    return target


def edit(folder: Path, name: str, change) -> None:
    path = folder / name
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def load_error(folder: Path) -> CriteriaError:
    with pytest.raises(CriteriaError) as info:
        _load_folder(folder)
    return info.value


def test_the_copy_loads(folder):
    assert len(_load_folder(folder).indicators) == 113


def test_unknown_key(folder):
    edit(folder, AREA1, lambda d: d["aspects"]["P"]["sub_areas"][1]["indicators"][0].update(bobot_x=1))
    err = load_error(folder)
    assert (err.file, err.path) == (AREA1, "aspects.P.sub_areas[1].indicators[0].bobot_x")
    assert "unknown key" in str(err)


def test_missing_key(folder):
    edit(folder, AREA1, lambda d: d["aspects"]["R"]["sub_areas"][0].pop("bobot"))
    err = load_error(folder)
    assert (err.file, err.path, err.problem) == (AREA1, "aspects.R.sub_areas[0].bobot", "missing key")


def test_sub_area_weights_must_add_up(folder):
    edit(folder, AREA1, lambda d: d["aspects"]["P"]["sub_areas"][0].update(bobot=0.6))
    err = load_error(folder)
    assert (err.file, err.path) == (AREA1, "aspects.P.bobot")
    assert "add up to 4.1, expected 4" in str(err)


def test_area_weights_must_add_up(folder):
    edit(folder, "manifest.json", lambda d: d["areas"][4].update(bobot=14))
    err = load_error(folder)
    assert (err.file, err.path) == ("manifest.json", "areas[4].bobot")


def test_aspect_and_component_weights_must_add_up(folder):
    edit(folder, "manifest.json", lambda d: d["aspects"][0].update(bobot=31))
    assert load_error(folder).path == "aspects[0].bobot"


def test_hasil_weights_must_add_up(folder):
    edit(folder, "hasil.json", lambda d: d["groups"][0]["indicators"][1].update(bobot=6))
    err = load_error(folder)
    assert (err.file, err.path) == ("hasil.json", "groups[0].bobot")


def test_duplicate_soal_id(folder):
    edit(folder, AREA1, lambda d: d["aspects"]["P"]["sub_areas"][0]["indicators"][1].update(soal_id=1))
    err = load_error(folder)
    assert "soal id 1 already used by P1.i.a" in str(err)


def test_indicator_letters_must_be_in_order(folder):
    edit(folder, AREA1, lambda d: d["aspects"]["P"]["sub_areas"][0]["indicators"][1].update(letter="a"))
    err = load_error(folder)
    assert err.path == "aspects.P.sub_areas[0].indicators[1].letter"


def test_options_must_match_the_scale(folder):
    edit(folder, AREA1, lambda d: d["aspects"]["P"]["sub_areas"][0]["indicators"][1]["options"].pop())
    err = load_error(folder)
    assert err.path == "aspects.P.sub_areas[0].indicators[1].options"


def test_formula_inputs_must_exist(folder):
    def change(d):
        d["aspects"]["R"]["sub_areas"][0]["indicators"][0]["formula"]["numerator"] = ["jumlah_x"]

    edit(folder, AREA1, change)
    err = load_error(folder)
    assert err.path == "aspects.R.sub_areas[0].indicators[0].formula.numerator[0]"


def test_unknown_scale_and_invalid_json(folder):
    edit(folder, AREA1, lambda d: d["aspects"]["P"]["sub_areas"][0]["indicators"][0].update(scale="abcdef"))
    assert "unknown scale 'abcdef'" in str(load_error(folder))
    (folder / "scales.json").write_text('{"ya_tidak": ')
    err = load_error(folder)
    assert err.file == "scales.json" and "line 1 column" in str(err)


def test_hints_for_unknown_indicators(folder):
    edit(folder, "data-dukung.json", lambda d: d.update({"P9.i.z": ["x"]}))
    err = load_error(folder)
    assert (err.file, err.path) == ("data-dukung.json", "P9.i.z")


def test_external_surveys_are_flagged_and_the_flag_is_optional(folder):
    criteria = _load_folder(folder)
    assert [i.id for i in criteria.indicators.values() if i.external] == ["H1.a", "H2.a"]
    edit(folder, AREA1, lambda d: d["aspects"]["P"]["sub_areas"][0]["indicators"][0].update(external=True))
    edit(folder, "hasil.json", lambda d: d["groups"][1]["indicators"][0].pop("external"))
    flags = {i.id: i.external for i in _load_folder(folder).indicators.values()}
    assert (flags["P1.i.a"], flags["H1.a"], flags["H2.a"], flags["P1.i.b"]) == (True, True, False, False)
    edit(folder, "hasil.json", lambda d: d["groups"][0]["indicators"][0].update(external="ya"))
    err = load_error(folder)
    assert (err.file, err.path) == ("hasil.json", "groups[0].indicators[0].external")
    assert "expected true or false" in str(err)


def test_criteria_pickle_as_a_reference_and_scores_with_them():
    """Scores shared between workers (zi_assess.result_cache) carry their criteria by id: the
    unpickled sheet points at the very criteria object this process loaded."""
    import pickle

    from zi_assess.domain import load_criteria
    from zi_assess.domain.answers import best_answers
    from zi_assess.domain.scoring import score
    from zi_assess.domain.verdict import verdicts

    criteria = load_criteria("permenpanrb-90-2021")  # by id, as assessments load theirs
    assert pickle.loads(pickle.dumps(criteria)) is criteria
    assert len(pickle.dumps(criteria)) < 200  # the id, not the 113 indicators
    sheet = score(criteria, best_answers(criteria))
    again = pickle.loads(pickle.dumps(sheet))
    assert again.criteria is criteria and again.total == sheet.total and again.missing == sheet.missing
    assert verdicts(again) == verdicts(sheet)
