"""The web fixtures (sign-in) for the action plan pages."""

from tests.web.conftest import login  # noqa: F401
