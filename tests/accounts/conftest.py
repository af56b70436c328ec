from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.smtp import smtp_server  # noqa: F401  (fixture)


@pytest.fixture
def login(client):
    def do(user, password: str = PASSWORD):
        client.delete_cookie("session")
        client.post("/bahasa/id")
        response = client.post("/masuk", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return do
