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
from wtforms import DecimalField
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


class DecimalCommaField(DecimalField):
    """A decimal typed as people write it: ``3,72`` or ``3.72`` (a single separator, no grouping),
    shown back in the reader's format (``3,72`` in the Indonesian UI). Render it as a text input
    with ``inputmode="decimal"``: a browser's number input garbles a comma under some locales."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            raw = str(valuelist[0]).strip().replace(" ", "")
            if raw.count(",") + raw.count(".") <= 1:
                raw = raw.replace(",", ".")
            valuelist = [raw]
        super().process_formdata(valuelist)

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if self.data is None:
            return ""
        from zi_assess.domain.display import format_plain
        from zi_assess.i18n import current_locale

        text = format_plain(float(self.data), self.places if self.places is not None else 2)
        return text.replace(".", ",") if current_locale() == "id" else text
