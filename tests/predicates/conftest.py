"""Fixtures of the predicate tests: a decided (granted) assessment and sign-in."""

from tests.reports.conftest import decided, fill, record_prerequisites  # noqa: F401
from tests.web.conftest import login  # noqa: F401
