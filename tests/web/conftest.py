from __future__ import annotations

import pytest

from tests.conftest import sign_in


@pytest.fixture
def login(client):
    def do(user):
        client.delete_cookie("session")  # a new user signs in on a clean browser
        client.post("/bahasa/id")
        sign_in(client, user)  # with the second factor where the role needs one
        return client

    return do


@pytest.fixture
def draft(team, flow):
    """An assessment of team.unit with area 1 answered in the mandiri layer."""
    from zi_assess.domain import load_criteria

    a = flow.create(team.unit, team.head)
    area1 = {i.id for i in load_criteria().area_indicators("1")}
    from zi_assess.domain.answers import best_answers

    flow.fill(team.operator, a, flow.Layer.MANDIRI, {k: v for k, v in best_answers(load_criteria()).items() if k in area1})
    return a
