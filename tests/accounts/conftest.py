from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, sign_in
from tests.smtp import smtp_server  # noqa: F401  (fixture)


@pytest.fixture
def login(client):
    def do(user, password: str = PASSWORD):
        client.delete_cookie("session")
        client.post("/bahasa/id")
        sign_in(client, user, password)
        return client

    return do

