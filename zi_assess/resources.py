"""Where the shipped files are: templates, criteria data, static files, migrations, translations.

The repository keeps ``templates/`` and ``criteria/`` as top-level folders; the wheel maps them
into the package as ``zi_assess/templates`` and ``zi_assess/criteria_data`` (``package_dir`` in
setup.cfg). This module is the one place that knows both layouts, so the same code runs from a
checkout (editable install, ``make run``) and from an installed wheel. It imports nothing but the
standard library: the pure domain core and ``zi-assess score`` use it too.

Nothing here is written at run time: imported criteria versions and every other file the
application creates go to the instance folder (``ZI_INSTANCE_PATH``, see ``zi_assess.config``).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

#: the installed ``zi_assess`` package (a folder on disk: templates and PDFs need real paths)
PACKAGE_DIR = Path(str(files("zi_assess"))).resolve()


def _shipped(packaged: str, checkout: str) -> Path:
    """``zi_assess/<packaged>`` inside a wheel, else ``<checkout root>/<checkout>``."""
    inside = PACKAGE_DIR / packaged
    return inside if inside.is_dir() else PACKAGE_DIR.parent / checkout


#: Jinja templates of pages and reports (``templates/`` in the repository)
TEMPLATES_DIR = _shipped("templates", "templates")
#: shipped criteria versions, prerequisites and PortalRB lists (``criteria/`` in the repository)
CRITERIA_DIR = _shipped("criteria_data", "criteria")
#: CSS, JavaScript and fonts (also the only folder WeasyPrint may read)
STATIC_DIR = PACKAGE_DIR / "static"
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
TRANSLATIONS_DIR = PACKAGE_DIR / "translations"
