"""The web fixtures (sign-in) for the year-over-year pages."""

from tests.web.conftest import login  # noqa: F401
