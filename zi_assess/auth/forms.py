from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length

from zi_assess.forms import BaseForm


class LoginForm(BaseForm):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Isi alamat email.")),
                                                Email(_l("Alamat email tidak valid.")), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(_l("Isi kata sandi.")), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
