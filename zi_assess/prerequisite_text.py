"""A Tabel 5 prerequisite value as people read it (one home for the wording): "WTP", "terpenuhi",
"93,75 %", "13 bulan", "level 3" — never a raw ``True`` or ``93.75``."""

from __future__ import annotations

from flask_babel import gettext as _

from zi_assess.domain.display import NO_VALUE, format_number
from zi_assess.domain.prerequisites import PrerequisiteRule
from zi_assess.i18n import current_locale
from zi_assess.labels import localized


def rule_label(rule: PrerequisiteRule) -> str:
    return localized(rule.label, rule.label_en)


def _number(rule_id: str, value: float) -> str:
    places = 0 if float(value).is_integer() else 2
    text = format_number(float(value), current_locale(), places)
    if rule_id.endswith("_persen"):
        return f"{text} %"
    if rule_id.startswith("bulan_"):
        return _("%(n)s bulan", n=text)
    if rule_id.endswith("_level"):
        return _("level %(n)s", n=text)
    return text


def value_text(rule: PrerequisiteRule | None, value: object) -> str:
    """A recorded value in words (``–`` when none is recorded)."""
    if value is None or value == "":
        return NO_VALUE
    kind = rule.kind if rule is not None else ("yes" if isinstance(value, bool) else "")
    if kind == "yes" or isinstance(value, bool):
        return _("terpenuhi") if value is True else _("tidak terpenuhi")
    if kind == "number" and isinstance(value, int | float):
        return _number(rule.id if rule is not None else "", value)
    return str(value)


def required_text(rule: PrerequisiteRule | None, required: object) -> str:
    """What the regulation asks: "minimal WTP", "minimal 100 %", "harus terpenuhi"."""
    if required is True:
        return _("harus terpenuhi")
    return _("minimal %(value)s", value=value_text(rule, required))


def input_text(rule: PrerequisiteRule, value: object) -> str:
    """A recorded value as the edit field shows it: "ya"/"tidak", a grade, "93,75" (decimal comma in Indonesian)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if rule.kind == "number" and isinstance(value, int | float):
        places = 0 if float(value).is_integer() else 2
        return format_number(float(value), current_locale(), places).replace(".", "") if current_locale() == "id" \
            else format_number(float(value), current_locale(), places).replace(",", "")
    return str(value)
