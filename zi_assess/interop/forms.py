"""Forms of the interop pages (Excel import, API keys). CSRF-protected like every web form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from zi_assess.forms import BaseForm


class ImportUploadForm(BaseForm):
    workbook = FileField(
        _l("Berkas LKE (.xlsx)"), validators=[FileRequired(_l("Pilih berkas Excel LKE yang akan diimpor."))],
        render_kw={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        description=_l("Berkas hasil ekspor zi-assess (lembar \"Jawaban\" tata letak PortalRB) atau lembar kerja "
                       "Lampiran III (lembar \"LKE ZI\"), paling besar sesuai batas unggahan."),
    )


class ConfirmForm(BaseForm):
    """Only the CSRF token: the upload itself is identified by the URL's token and the session user."""


class ApiKeyForm(BaseForm):
    instansi = SelectField(_l("Instansi"), coerce=int, validators=[DataRequired(_l("Pilih instansi."))])
    name = StringField(
        _l("Nama kunci"), validators=[DataRequired(_l("Isi nama kunci.")), Length(max=120)],
        description=_l("Untuk mengenali kunci ini, misalnya \"PortalRB 2026\"."),
    )
