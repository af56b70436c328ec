"""Domain tests need no app: they load the shipped criteria once."""

from __future__ import annotations

import pytest

from zi_assess.domain import load_criteria
from zi_assess.domain.answers import best_answers
from zi_assess.domain.criteria import Criteria


@pytest.fixture(scope="session")
def criteria() -> Criteria:
    return load_criteria()


@pytest.fixture
def best(criteria: Criteria) -> dict:
    return best_answers(criteria)
