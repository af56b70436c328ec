"""The activity form of an action plan (one per activity on the page, told apart by prefix)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from zi_assess.assessments.forms import choices
from zi_assess.evidence.operations import is_web_link
from zi_assess.forms import BaseForm
from zi_assess.models.action_plans import ACTIVITY_STATUSES

STATUS_LABELS = {
    "planned": _l("Direncanakan"),
    "in_progress": _l("Berjalan"),
    "done": _l("Selesai"),
    "dropped": _l("Dibatalkan"),
}
ROMAN = ("I", "II", "III", "IV")


def quarter_label(key: str | None) -> str:
    """"2027-Q2" → "Triwulan II 2027"."""
    if not key:
        return ""
    year, quarter = key.split("-Q")
    return str(_l("Triwulan %(q)s %(year)s", q=ROMAN[int(quarter) - 1], year=year))


def quarter_choices(first_year: int, years: int = 3) -> list[SelectChoice]:
    return choices([("", "—")] + [(f"{y}-Q{q}", quarter_label(f"{y}-Q{q}"))
                                  for y in range(first_year, first_year + years) for q in range(1, 5)])


class ActivityForm(BaseForm):
    description = TextAreaField(_l("Kegiatan"), validators=[DataRequired(), Length(max=2000)])
    pic = StringField(_l("Penanggung jawab (PIC)"), validators=[Optional(), Length(max=160)])
    due_date = DateField(_l("Tenggat"), validators=[Optional()])
    due_quarter = SelectField(_l("atau triwulan"), choices=[], validate_choice=True)
    status = SelectField(_l("Status"), choices=choices((k, STATUS_LABELS[k]) for k in ACTIVITY_STATUSES))
    evidence_url = StringField(_l("Tautan bukti"), validators=[Optional(), Length(max=2000)])
    evidence_note = TextAreaField(_l("Catatan bukti"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args: Any, first_year: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.due_quarter.choices = quarter_choices(first_year)

    def validate_evidence_url(self, field: Any) -> None:
        if field.data and not is_web_link(field.data.strip()):
            raise ValidationError(_l("Masukkan alamat http:// atau https:// yang lengkap."))

    def validate_status(self, field: Any) -> None:
        evidence = (self.evidence_url.data or "").strip() or (self.evidence_note.data or "").strip()
        if field.data == "done" and not evidence:
            raise ValidationError(_l("Kegiatan selesai memerlukan bukti: isi tautan atau catatan bukti."))

    def values(self) -> dict[str, Any]:
        due: date | None = self.due_date.data
        return {
            "description": self.description.data.strip(), "pic": (self.pic.data or "").strip(), "due_date": due,
            "due_quarter": self.due_quarter.data or None, "status": self.status.data,
            "evidence_url": (self.evidence_url.data or "").strip() or None,
            "evidence_note": (self.evidence_note.data or "").strip() or None,
        }
