"""The base of every form: WTForms' own messages ("This field is required.") in the user's language.

WTForms ships no Indonesian catalog, so ours lives in ``translations/id/LC_MESSAGES/wtforms.po``;
other languages fall back to WTForms' catalogs, English to its original texts.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from babel import support
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path

from zi_assess.resources import TRANSLATIONS_DIR

OWN_CATALOGS = TRANSLATIONS_DIR


@lru_cache(maxsize=8)
def _catalog(locale: str) -> Any:
    own = OWN_CATALOGS / locale / "LC_MESSAGES" / "wtforms.mo"
    directory = str(OWN_CATALOGS) if own.exists() else messages_path()
    return support.Translations.load(directory, [locale], domain="wtforms")


class _Translations:
    """What WTForms asks for: ``gettext`` and ``ngettext``, in the request's language."""

    def _current(self) -> Any:
        locale = get_locale()
        return _catalog(str(locale)) if locale is not None else None

    def gettext(self, string: str) -> str:
        catalog = self._current()
        return string if catalog is None else str(catalog.ugettext(string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        catalog = self._current()
        if catalog is None:
            return singular if n == 1 else plural
        return str(catalog.ungettext(singular, plural, n))


TRANSLATIONS = _Translations()


class BaseForm(FlaskForm):
    class Meta:
        def get_translations(self, form: Any) -> Any:
            return TRANSLATIONS
