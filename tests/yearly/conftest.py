"""The web fixtures (sign-in) for the year-over-year pages, and the reports' decided assessment."""

from tests.reports.conftest import decided, fill, record_prerequisites  # noqa: F401
from tests.web.conftest import login  # noqa: F401
