from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from zi_assess.forms import BaseForm


class LoginForm(BaseForm):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Isi alamat email.")),
                                                Email(_l("Alamat email tidak valid.")), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(_l("Isi kata sandi.")), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


def _new_password_fields() -> tuple[PasswordField, PasswordField]:
    return (
        PasswordField(_l("Kata sandi baru"), validators=[DataRequired(_l("Isi kata sandi baru.")), Length(max=200)],
                      description=_l("Minimal 12 karakter, atau kalimat sandi dari sedikitnya 4 kata."),
                      render_kw={"autocomplete": "new-password"}),
        PasswordField(_l("Ulangi kata sandi baru"),
                      validators=[DataRequired(_l("Ulangi kata sandi baru.")),
                                  EqualTo("new_password", _l("Kedua kata sandi baru tidak sama."))],
                      render_kw={"autocomplete": "new-password"}),
    )


class ChangePasswordForm(BaseForm):
    current_password = PasswordField(_l("Kata sandi saat ini"),
                                     validators=[DataRequired(_l("Isi kata sandi saat ini.")), Length(max=200)],
                                     render_kw={"autocomplete": "current-password"})
    new_password, confirm = _new_password_fields()


class ResetRequestForm(BaseForm):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Isi alamat email.")),
                                                Email(_l("Alamat email tidak valid.")), Length(max=254)],
                       render_kw={"autocomplete": "username"})


class ResetPasswordForm(BaseForm):
    new_password, confirm = _new_password_fields()


class SecondFactorForm(BaseForm):
    code = StringField(_l("Kode"), validators=[DataRequired(_l("Isi kode.")), Length(max=40)],
                       description=_l("6 angka dari aplikasi autentikator, atau salah satu kode pemulihan."),
                       render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True})


class EnrolForm(BaseForm):
    code = StringField(_l("Kode dari aplikasi"), validators=[DataRequired(_l("Isi kode.")), Length(max=12)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
