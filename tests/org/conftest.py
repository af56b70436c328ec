from __future__ import annotations

import pytest

from tests.web.conftest import draft, login  # noqa: F401  (fixtures)


@pytest.fixture
def admin_team(team, make_user):
    """The team plus an instansi admin of team.instansi."""
    team.inst_admin = make_user("instansi_admin", team.instansi)
    return team
