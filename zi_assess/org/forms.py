"""Forms of the administration pages (instansi, units, accounts, roles). CSRF-protected like every form."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from zi_assess.assessments.forms import choices
from zi_assess.forms import BaseForm
from zi_assess.models import InstansiKind, Role, UnitType

KIND_NAMES = {
    "kementerian": _l("Kementerian"),
    "lembaga": _l("Lembaga"),
    "pemprov": _l("Pemerintah provinsi"),
    "pemkab": _l("Pemerintah kabupaten"),
    "pemkot": _l("Pemerintah kota"),
}
UNIT_TYPE_NAMES = {
    "umum": _l("Umum"),
    "rsud": _l("RSUD"),
    "dukcapil": _l("Dukcapil"),
    "samsat": _l("Samsat"),
    "ptsp": _l("PTSP"),
    "pendidikan": _l("Pendidikan"),
    "ketenagakerjaan": _l("Ketenagakerjaan"),
}


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class InstansiForm(BaseForm):
    name = StringField(_l("Nama instansi"), filters=[_strip],
                       validators=[DataRequired(_l("Isi nama instansi.")), Length(max=200)])
    kind = SelectField(_l("Jenis"), choices=choices((k.value, KIND_NAMES[k.value]) for k in InstansiKind))
    provinsi = StringField(_l("Provinsi"), filters=[_strip], validators=[Optional(), Length(max=100)],
                           description=_l("Wajib untuk pemerintah daerah."))
    kabkota = StringField(_l("Kabupaten/kota"), filters=[_strip], validators=[Optional(), Length(max=100)],
                          description=_l("Wajib untuk pemerintah kabupaten dan kota; kosong untuk yang lain."))


class UnitForm(BaseForm):
    name = StringField(_l("Nama unit"), filters=[_strip],
                       validators=[DataRequired(_l("Isi nama unit.")), Length(max=200)])
    code = StringField(_l("Kode unit"), filters=[_strip],
                       validators=[DataRequired(_l("Isi kode unit.")), Length(max=40)],
                       description=_l("Kode unit milik instansi; juga id unit untuk PortalRB."))
    unit_type = SelectField(_l("Jenis unit"), choices=choices((t.value, UNIT_TYPE_NAMES[t.value]) for t in UnitType))
    parent = SelectField(_l("Unit induk"), coerce=int, choices=[])
    head_name = StringField(_l("Kepala unit"), filters=[_strip], validators=[Optional(), Length(max=160)])


class UserForm(BaseForm):
    email = StringField(_l("Surel"), filters=[_strip],
                        validators=[DataRequired(_l("Isi alamat surel.")), Email(_l("Alamat surel tidak sah.")),
                                    Length(max=254)])
    name = StringField(_l("Nama"), filters=[_strip], validators=[DataRequired(_l("Isi nama.")), Length(max=160)])
    locale = SelectField(_l("Bahasa"), choices=choices([("id", "Bahasa Indonesia"), ("en", "English")]))


class UserNameForm(BaseForm):
    name = StringField(_l("Nama"), filters=[_strip], validators=[DataRequired(_l("Isi nama.")), Length(max=160)])


class RoleForm(BaseForm):
    role = SelectField(_l("Peran"), choices=[])
    scope = SelectField(_l("Lingkup"), choices=[],
                        description=_l("Peran unit berlaku pada satu unit, peran instansi pada satu instansi, "
                                       "peran nasional tanpa lingkup."))


class ConfirmForm(BaseForm):
    """Only the CSRF token (activation, invitations, revoking a role)."""


class DraftReasonForm(BaseForm):
    reason = TextAreaField(_l("Alasan"), validators=[DataRequired(_l("Tulis alasannya.")), Length(min=10, max=500)],
                           description=_l("Misalnya nomor tiket dukungan dan permintaan unit. Alasan, waktu dan nama "
                                          "Anda tercatat di jejak audit."))


class SetPasswordForm(BaseForm):
    password = PasswordField(_l("Kata sandi baru"), validators=[DataRequired(_l("Isi kata sandi."))])
    confirm = PasswordField(_l("Ulangi kata sandi"),
                            validators=[DataRequired(_l("Ulangi kata sandi.")),
                                        EqualTo("password", _l("Kedua kata sandi tidak sama."))])


ROLE_ORDER = tuple(Role)
