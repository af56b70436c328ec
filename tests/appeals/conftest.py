"""Fixtures of the sanggah tests: sign-in and the report tests' helpers for a fully assessed LKE."""

from tests.reports.conftest import fill, record_prerequisites  # noqa: F401
from tests.web.conftest import login  # noqa: F401
