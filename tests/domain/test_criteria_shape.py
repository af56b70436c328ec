"""The criteria's shape as the rest of the product reads it: pages, summary nodes, extra roots."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from zi_assess.domain import score
from zi_assess.domain.answers import best_answers
from zi_assess.domain.criteria import HASIL_PAGE
from zi_assess.domain.jsondata import CriteriaError
from zi_assess.domain.loader import (
    CRITERIA_ROOT,
    _load_folder,
    add_criteria_roots,
    available_criteria,
    criteria_roots,
    load_criteria,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "criteria"


def test_pages_and_summary_nodes_of_the_shipped_criteria(criteria):
    assert criteria.page_ids == ("1", "2", "3", "4", "5", "6", HASIL_PAGE)
    assert criteria.page_of("P3.ii.a") == "3" and criteria.page_of("R6.i.a") == "6" and criteria.page_of("H1.b") == "H"
    assert [i.id for i in criteria.page_indicators("H")] == ["H1.a", "H1.b", "H2.a"]
    assert criteria.page_indicators("5") == criteria.area_indicators("5")
    assert sum(len(criteria.page_indicators(p)) for p in criteria.page_ids) == len(criteria.indicators)
    assert criteria.summary_node_ids == ("pengungkit", "P", "R", "hasil", "1", "2", "3", "4", "5", "6")
    assert criteria.area("4").bobot == 10 and criteria.component("hasil").bobot == 40
    with pytest.raises(KeyError):
        criteria.page_indicators("7")
    # every summary node is a node the engine scores
    assert set(criteria.summary_node_ids) <= set(score(criteria, best_answers(criteria)).upper_nilai)


def test_extra_roots_find_a_version_by_id_without_shadowing_the_shipped_ones(tmp_path):
    with pytest.raises(CriteriaError):
        load_criteria.__wrapped__("uji-tujuh-area-salinan")
    shutil.copytree(FIXTURES / "uji-tujuh-area", tmp_path / "uji-tujuh-area-salinan")
    manifest = tmp_path / "uji-tujuh-area-salinan" / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"id": "uji-tujuh-area"', '"id": "uji-tujuh-area-salinan"'))
    shutil.copytree(CRITERIA_ROOT / "permenpanrb-90-2021", tmp_path / "permenpanrb-90-2021")
    before = criteria_roots()
    try:
        add_criteria_roots([tmp_path, str(tmp_path)])  # idempotent
        assert criteria_roots() == (*before, tmp_path.resolve())
        copy = load_criteria.__wrapped__("uji-tujuh-area-salinan")
        assert len(copy.areas) == 7 and list(copy.predicates) == ["WBK", "WBBM", "PRIMA"]
        assert "uji-tujuh-area-salinan" in available_criteria()
        # criteria/ comes first: the shipped version keeps its meaning
        assert load_criteria.__wrapped__("permenpanrb-90-2021").source_dir == str(CRITERIA_ROOT / "permenpanrb-90-2021")
    finally:
        from zi_assess.domain import loader

        loader._extra_roots[:] = [r for r in loader._extra_roots if r != tmp_path.resolve()]


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "uji-tujuh-area"
    shutil.copytree(FIXTURES / "uji-tujuh-area", target)
    return target


def _edit(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("area_id", ["H", "P"])
def test_an_area_id_may_not_take_the_hasil_page_or_an_aspect(tmp_path, area_id):
    folder = _copy(tmp_path)
    _edit(folder / "manifest.json", lambda d: d["areas"][6].update(id=area_id))
    _edit(folder / "areas" / "7.json", lambda d: d.update(area=area_id))
    with pytest.raises(CriteriaError) as info:
        _load_folder(folder)
    assert (info.value.file, info.value.path) == ("manifest.json", "areas[6].id")


def test_a_hasil_group_may_not_reuse_an_area_id(tmp_path):
    folder = _copy(tmp_path)
    _edit(folder / "hasil.json", lambda d: d["groups"][1].update(id="7"))
    with pytest.raises(CriteriaError) as info:
        _load_folder(folder)
    assert (info.value.file, info.value.path) == ("hasil.json", "7")


def test_the_seven_area_test_version_scores_with_the_engine():
    criteria = _load_folder(FIXTURES / "uji-tujuh-area")
    sheet = score(criteria, best_answers(criteria))
    assert sheet.total == pytest.approx(100) and sheet.areas["7"].nilai == pytest.approx(7)
    assert criteria.summary_node_ids[-1] == "7" and criteria.page_ids == (*"1234567", "H")
