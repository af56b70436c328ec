"""Forms of the evaluation-year page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from zi_assess.forms import BaseForm
from zi_assess.years.operations import DEADLINE_STEPS

_DATE = _l("Isi tanggal dengan benar (tttt-bb-hh).")


class WindowsForm(BaseForm):
    """The national window of every step with a deadline: ``<step>_opens`` and ``<step>_closes``."""


for _step in DEADLINE_STEPS:
    setattr(WindowsForm, f"{_step}_opens", DateField(_l("Dibuka"), validators=[Optional()],
                                                       render_kw={"type": "date"}))
    setattr(WindowsForm, f"{_step}_closes", DateField(_l("Ditutup"), validators=[Optional()],
                                                        render_kw={"type": "date"}))


class InstansiWindowForm(BaseForm):
    instansi = SelectField(_l("Instansi"), coerce=int, validators=[DataRequired(_l("Pilih instansi."))])
    step = SelectField(_l("Langkah"), choices=[])
    opens_on = DateField(_l("Dibuka"), validators=[Optional()], render_kw={"type": "date"})
    closes_on = DateField(_l("Ditutup"), validators=[InputRequired(_DATE)], render_kw={"type": "date"})


class QuotaForm(BaseForm):
    instansi = SelectField(_l("Instansi"), coerce=int, validators=[DataRequired(_l("Pilih instansi."))])
    max_units = IntegerField(_l("Kuota (jumlah unit)"),
                             validators=[InputRequired(_l("Isi kuota dengan bilangan bulat 0 atau lebih.")),
                                         NumberRange(min=0, max=100_000,
                                                     message=_l("Isi kuota dengan bilangan bulat 0 atau lebih."))])
    basis = StringField(_l("Dasar penetapan"), validators=[Optional(), Length(max=200)],
                        description=_l("Misalnya nomor surat Deputi RB-AAP yang menetapkan kuota."))


class YearForm(BaseForm):
    year = IntegerField(_l("Tahun"), validators=[InputRequired(_l("Isi tahun.")),
                                                  NumberRange(min=2021, max=2099, message=_l("Tahun 2021–2099."))])
