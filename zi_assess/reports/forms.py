"""Forms of the recap page (GET filters) and the bulk export page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from zi_assess.domain.workflow import Status
from zi_assess.forms import BaseForm


def choices(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """WTForms 3.3 wants SelectChoice objects (tuples are deprecated)."""
    return [SelectChoice(value, str(label)) for value, label in pairs]


#: filter choices made once per language and list (translating and wrapping 170 instansi and the
#: statuses cost ~1 M instructions a request); never mutated, every form gets its own list of them
_KEPT_CHOICES: dict[tuple[Any, ...], tuple[SelectChoice, ...]] = {}


def _kept_choices(key: tuple[Any, ...], make: Any) -> list[SelectChoice]:
    from zi_assess.i18n import current_locale

    full = (current_locale(), *key)
    kept = _KEPT_CHOICES.get(full)
    if kept is None:
        if len(_KEPT_CHOICES) > 512:
            _KEPT_CHOICES.clear()
        kept = _KEPT_CHOICES[full] = tuple(make())
    return list(kept)


def status_choices() -> list[SelectChoice]:
    from zi_assess.reports.context import status_label

    return _kept_choices(("status",), lambda: choices(
        [("", _l("Semua status"))] + [(s.value, status_label(s.value)) for s in Status]))


#: the sort keys' labels per language and criteria version (they never change while the app runs)
_SORT_LABELS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}


def sort_choices() -> list[SelectChoice]:
    from flask import current_app

    from zi_assess.i18n import current_locale
    from zi_assess.reports.documents import recap_sort_keys, sort_label

    key = (current_locale(), str(current_app.config["CRITERIA"]))
    labels = _SORT_LABELS.get(key)
    if labels is None:
        labels = _SORT_LABELS[key] = tuple((k, sort_label(k).capitalize()) for k in recap_sort_keys())
    return choices(labels)


def instansi_names(user: Any, action: str) -> list[tuple[int, str]]:
    """(id, name) of the instansi where ``user`` may do ``action``, by name (the filter's choices):
    from the result cache while no instansi changed."""
    from sqlalchemy import false, select

    from zi_assess.authz import instansi_reach
    from zi_assess.extensions import db
    from zi_assess.models import Instansi
    from zi_assess.result_cache import cached

    everywhere, ids = instansi_reach(user, action)

    def read() -> list[tuple[int, str]]:
        query = select(Instansi.id, Instansi.name).order_by(Instansi.name)
        if not everywhere:
            query = query.where(Instansi.id.in_(ids) if ids else false())
        return [(row.id, row.name) for row in db.session.execute(query)]

    return cached("instansi-names", (action, everywhere, sorted(ids)), read)


class RecapFilterForm(BaseForm):
    """Filters read from the query string (a GET form: no CSRF token, nothing is changed)."""

    class Meta:
        csrf = False

    instansi = SelectField(_l("Instansi"), coerce=str, validate_choice=True, default="")
    tahun = IntegerField(_l("Tahun"), validators=[Optional(), NumberRange(2000, 2100, _l("Tahun 2000–2100."))])
    banding = IntegerField(_l("Bandingkan dengan tahun"),
                           validators=[Optional(), NumberRange(2000, 2100, _l("Tahun 2000–2100."))])
    status = SelectField(_l("Status"), validate_choice=True, default="")
    cari = StringField(_l("Cari unit atau instansi"), validators=[Optional()])
    urut = SelectField(_l("Urutkan menurut"), validate_choice=True, default="total")
    arah = SelectField(_l("Arah"), validate_choice=True, default="turun")


def recap_filter_form(user: Any) -> tuple[RecapFilterForm, Any]:
    """The recap filters of the query string (the page, its PDF and the CSV/XLSX exports).

    A field that fails validation (a hand-edited URL) keeps its error and falls back to its
    default; the valid fields still apply.
    """
    from flask import request

    from zi_assess.authz import allowed, authorize
    from zi_assess.clock import local_date
    from zi_assess.reports.documents import RecapFilters

    authorize(user, "recap.view")
    instansi = instansi_names(user, "recap.view")
    national = allowed(user, "recap.national")
    form = RecapFilterForm(request.args)
    form.instansi.choices = _kept_choices(("instansi", national, tuple(instansi)), lambda: choices(
        ([("", _l("Nasional (semua instansi)"))] if national else []) + [(str(id_), name) for id_, name in instansi]))
    form.status.choices = status_choices()
    form.urut.choices = sort_choices()
    form.arah.choices = _kept_choices(("arah",), lambda: choices([("turun", _l("Menurun")), ("naik", _l("Menaik"))]))
    if not form.instansi.data and not national:
        form.instansi.data = str(instansi[0][0])
    if "tahun" not in request.args:  # the current evaluation year; an empty "tahun=" asks for every year
        form.tahun.data = local_date().year
    form.validate()

    def valid(field: Any) -> Any:
        return None if field.errors else field.data

    instansi_value = valid(form.instansi) if valid(form.instansi) is not None else form.instansi.choices[0].value
    return form, RecapFilters(
        instansi_id=int(instansi_value) if instansi_value else None, year=valid(form.tahun),
        compare_year=valid(form.banding),
        status=valid(form.status) or None, search=(valid(form.cari) or "").strip() or None,
        sort=valid(form.urut) or "total", descending=valid(form.arah) != "naik",
    )


def filter_problem(form: RecapFilterForm) -> str:
    """The invalid recap filters as one sentence (downloads have no form to show errors beside)."""
    from flask_babel import gettext as _

    wrong = "; ".join(f"{form[name].label.text}: {' '.join(str(e) for e in errors)}"
                      for name, errors in form.errors.items())
    return _("Filter rekap tidak sah (%(wrong)s). Perbaiki filter di halaman Rekap lalu unduh kembali.", wrong=wrong)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class BulkExportForm(BaseForm):
    """Which units of one instansi (and which year) go into the ZIP."""

    instansi = IntegerField(widget=HiddenInput(), validators=[DataRequired()])
    tahun = IntegerField(widget=HiddenInput(), validators=[DataRequired(), NumberRange(2000, 2100)])
    units = MultiCheckboxField(_l("Unit"), coerce=int, validate_choice=True)
    selected = SubmitField(_l("Ekspor unit terpilih"))
    everything = SubmitField(_l("Ekspor semua unit instansi ini"))
