"""Forms of the assessment pages. The area form is built from the criteria through a registry of
answer types (choice → radio buttons, survey → a 0–4 number, percent → one count per input)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    Field,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, ValidationError

from zi_assess.domain import Criteria, Indicator
from zi_assess.forms import BaseForm, DecimalCommaField
from zi_assess.messages import answer_message, note_max_chars

NOTE_MAX = 4000


class NoteLength:
    """An answer's note no longer than ``ZI_NOTE_MAX_CHARS``; the error names the indicator."""

    def __init__(self, indicator_id: str) -> None:
        self.indicator_id = indicator_id

    def __call__(self, form: Any, field: Any) -> None:
        if len(field.data or "") > note_max_chars():
            raise ValidationError(answer_message(self.indicator_id, "note_too_long"))


def choices(pairs: Any) -> list[SelectChoice]:
    """WTForms 3.3 choice objects from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def field_key(indicator_id: str) -> str:
    """``P1.i.a`` → ``P1_i_a`` (form field names cannot hold dots)."""
    return indicator_id.replace(".", "_")


def _choice(ind: Indicator) -> dict[str, Field]:
    return {"a_": RadioField(ind.id, choices=choices((o.key, o.key) for o in ind.options), validators=[Optional()],
                             validate_choice=True)}


def _survey(ind: Indicator) -> dict[str, Field]:
    top = ind.scale.maximum
    message = (_l("Isi persentase antara 0 dan %(max)s.", max=f"{top:g}") if ind.scale.unit == "%"
               else _l("Isi nilai survei antara 0 dan %(max)s.", max=f"{top:g}"))
    return {"a_": DecimalCommaField(ind.id, places=2, validators=[
        Optional(), NumberRange(min=0, max=top, message=message)], render_kw={"inputmode": "decimal"})}


def _percent(ind: Indicator) -> dict[str, Field]:
    return {
        f"c_{inp.key}__": IntegerField(inp.label, validators=[
            Optional(), NumberRange(min=0, message=_l("Isi bilangan bulat 0 atau lebih."))],
            render_kw={"inputmode": "numeric", "min": "0", "step": "1"})
        for inp in ind.inputs
    }


#: answer kind → builder of its form fields (the registry of answer types)
FIELD_BUILDERS: dict[str, Callable[[Indicator], dict[str, Field]]] = {
    "choice": _choice,
    "survey": _survey,
    "percent": _percent,
}


class AreaFormBase(BaseForm):
    """Fields are added per indicator: ``a_<id>`` answer (or ``c_<input>__<id>`` counts),
    ``n_<id>`` note, ``v_<id>`` the version seen, ``o_<id>`` the fingerprint of the answer seen,
    and for assessors ``k_<id>``/``f_<id>`` a review comment and whether it needs a fix.
    ``alasan``: why answers change after the layer was submitted once (asked for only then)."""

    alasan = TextAreaField(_l("Alasan perubahan setelah diajukan"), validators=[Optional(), Length(max=1000)])

    def indicator_data(self, indicator: Indicator) -> tuple[Any, str, int | None]:
        """(value, note, seen version) as typed, in scoring-contract form."""
        key = field_key(indicator.id)
        if indicator.kind == "percent":
            counts = {i.key: getattr(self, f"c_{i.key}__{key}").data for i in indicator.inputs}
            value: Any = {k: v for k, v in counts.items() if v is not None} or None
        else:
            value = getattr(self, f"a_{key}").data
            if value == "":  # an unchecked radio; a survey score of 0 is an answer, not a blank
                value = None
            elif isinstance(value, Decimal):
                value = float(value)
        note = getattr(self, f"n_{key}").data or ""
        version = getattr(self, f"v_{key}").data
        return value, note, int(version) if version and str(version).isdigit() else None

    def base_data(self, indicator: Indicator) -> str | None:
        """The fingerprint of the answer the form showed (None: an older page without one)."""
        return getattr(self, f"o_{field_key(indicator.id)}").data or None

    def comment_data(self, indicator: Indicator) -> tuple[str, bool]:
        key = field_key(indicator.id)
        comment = getattr(self, f"k_{key}", None)
        needs_fix = getattr(self, f"f_{key}", None)
        return ((comment.data or "").strip() if comment else "", bool(needs_fix.data) if needs_fix else False)


@lru_cache(maxsize=64)
def area_form_class(criteria: Criteria, indicator_ids: tuple[str, ...], with_comments: bool) -> type[AreaFormBase]:
    """One form class per (criteria, area, reviewer or not), built once and reused."""
    attrs: dict[str, Any] = {}
    for ind_id in indicator_ids:
        ind = criteria.indicators[ind_id]
        key = field_key(ind_id)
        for prefix, field in FIELD_BUILDERS[ind.kind](ind).items():
            attrs[f"{prefix}{key}"] = field
        attrs[f"n_{key}"] = TextAreaField(_l("Catatan"), validators=[Optional(), NoteLength(ind_id)])
        attrs[f"v_{key}"] = HiddenField()
        attrs[f"o_{key}"] = HiddenField()  # fingerprint of the answer shown (operations.answer_fingerprint)
        if with_comments:
            attrs[f"k_{key}"] = TextAreaField(_l("Catatan penilai untuk unit"), validators=[Optional(),
                                                                                           Length(max=NOTE_MAX)])
            attrs[f"f_{key}"] = BooleanField(_l("Minta unit memperbaiki indikator ini"))
    return type("AreaForm", (AreaFormBase,), attrs)


class EvidenceTargetForm(BaseForm):
    """Which card's upload button was pressed (its ``indicator`` value)."""

    indicator = HiddenField(validators=[DataRequired()])


EVIDENCE_TYPED_KEY = "evidence_typed"  # session: a refused link's typed address and title


class EvidenceForm(BaseForm):
    """A file or a link for one indicator; built with ``prefix=<field key>`` (one card's inputs)."""

    class Meta:
        csrf = False  # checked by EvidenceTargetForm on the same request

    file = FileField(_l("Berkas (PDF, JPG, PNG, XLSX, DOCX)"))
    url = URLField(_l("atau tautan (http/https)"), validators=[Optional(), URL(message=_l("Tautan tidak valid.")),
                                                                Length(max=2000)])
    title = StringField(_l("Judul data dukung"), validators=[Optional(), Length(max=200)])


class DetachForm(BaseForm):
    """``detach`` = "<evidence id>:<indicator id>" from the pressed button."""

    detach = HiddenField(validators=[DataRequired()])


class AttachForm(BaseForm):
    indicator = HiddenField(validators=[DataRequired()])
    evidence = SelectField(_l("Data dukung yang sudah diunggah"), coerce=int, validators=[DataRequired()])


class StepForm(BaseForm):
    """A workflow step; the fields used depend on the step."""

    seen = HiddenField()
    note = TextAreaField(_l("Catatan"), validators=[Optional(), Length(max=NOTE_MAX)])
    eligible = RadioField(_l("Kesimpulan TPI"), choices=choices([("ya", _l("Memenuhi kriteria untuk diusulkan ke TPN")),
                                                                 ("tidak", _l("Belum memenuhi kriteria (pembinaan)"))]),
                          validators=[Optional()])
    recommendation = TextAreaField(_l("Rekomendasi"), validators=[Optional(), Length(max=NOTE_MAX)])
    granted = RadioField(_l("Keputusan"), choices=choices([("ya", _l("Predikat diberikan")),
                                                           ("tidak", _l("Predikat tidak diberikan"))]),
                         validators=[Optional()])
    prefill = BooleanField(_l("Mulai dari jawaban lapis sebelumnya (ditandai sebagai salinan)"), default=True)
    confirm = BooleanField(_l("Saya yakin: keputusan ini tercatat dan tidak dapat diubah lagi."))


class HistoryFilterForm(BaseForm):
    """Filters of the history page (GET parameters; choices set by the view)."""

    siapa = SelectField(_l("Siapa"), validators=[Optional()], validate_choice=False)
    apa = SelectField(_l("Apa"), validators=[Optional()], validate_choice=False)
    indikator = SelectField(_l("Indikator"), validators=[Optional()], validate_choice=False)
    dari = DateField(_l("Dari tanggal"), validators=[Optional()])
    sampai = DateField(_l("Sampai tanggal"), validators=[Optional()])


class NewAssessmentForm(BaseForm):
    unit = SelectField(_l("Unit kerja"), coerce=int, validators=[DataRequired()])
    #: from 2014: past years are entered with the criteria version of their time (52/2014)
    year = IntegerField(_l("Tahun evaluasi"), validators=[DataRequired(), NumberRange(min=2014, max=2100)])
    #: choices: the predicates of the criteria new assessments are opened with (set by the view)
    target = RadioField(_l("Target predikat"), validators=[DataRequired()])
    #: admins only (the view removes it for others): the criteria version, default the current one;
    #: choices set by the view, an unknown id refused there with a clear message
    criteria = SelectField(_l("Versi kriteria"), validators=[Optional()], validate_choice=False,
                           description=_l("Untuk tahun lampau, pilih peraturan yang berlaku pada tahun itu."))
