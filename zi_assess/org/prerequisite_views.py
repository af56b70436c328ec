"""Tabel 5 prerequisites of an instansi or a unit for one year: the values the regulation asks for, in
words, with their evidence link and who entered them; the unit page also shows where the LKE holds
the same figure (LHKASN, R5.iii.b) and flags a disagreement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from zi_assess import prerequisite_text
from zi_assess.authz import allowed, authorize
from zi_assess.clock import local_date
from zi_assess.domain.prerequisites import PrerequisiteRule, PrerequisiteRules, load_prerequisites
from zi_assess.extensions import db
from zi_assess.messages import org_message
from zi_assess.models import Assessment, Instansi, PrerequisiteRecord, Unit
from zi_assess.org import operations as ops
from zi_assess.org.forms import ConfirmForm
from zi_assess.web import actor

bp = Blueprint("prerequisites", __name__, url_prefix="/prasyarat")
#: where the LKE holds a prerequisite's figure: rule id → indicator id (LHKASN compliance)
LKE_FIGURES = {"lhkasn_persen": "R5.iii.b"}


def _rules() -> PrerequisiteRules:
    return load_prerequisites(current_app.config["PREREQUISITES"])


def _rule(rule_id: str) -> PrerequisiteRule | None:
    return next((r for r in _rules().rules if r.id == rule_id), None)


@bp.app_template_global("prerequisite_value")
def prerequisite_value(rule_id: str, value: object) -> str:
    return prerequisite_text.value_text(_rule(rule_id), value)


@bp.app_template_global("prerequisite_required")
def prerequisite_required(rule_id: str, required: object) -> str:
    return prerequisite_text.required_text(_rule(rule_id), required)


@bp.app_template_global("prerequisite_input")
def prerequisite_input(rule: PrerequisiteRule, value: object) -> str:
    return prerequisite_text.input_text(rule, value)


@bp.app_template_global("prerequisite_label")
def prerequisite_label(rule_id: str, label: str) -> str:
    rule = _rule(rule_id)
    return prerequisite_text.rule_label(rule) if rule is not None else label


def _parse(rule: PrerequisiteRule, raw: str) -> tuple[Any, str | None]:
    """(value, problem): "" clears the value."""
    raw = raw.strip()
    if not raw:
        return None, None
    if rule.kind == "yes":
        return (raw == "ya", None) if raw in ("ya", "tidak") else (None, _("Pilih ya atau tidak."))
    if rule.kind == "grade":
        return (raw, None) if raw in rule.grades else (None, _("Pilih salah satu nilai."))
    try:
        number = float(raw.replace(" ", "").replace("%", "").replace(",", "."))
    except ValueError:
        return None, _("Isi angka, misalnya 93,75.")
    if number < 0 or (rule.id.endswith("_persen") and number > 100):
        return None, _("Isi angka 0 sampai 100.") if rule.id.endswith("_persen") else _("Isi angka 0 atau lebih.")
    return (int(number) if number.is_integer() else number), None


def _lke_figures(unit: Unit, year: int) -> dict[str, tuple[Assessment, float | None]]:
    """The LKE's own figure for a prerequisite, from the unit's assessment of the year (if readable)."""
    from zi_assess.answer_text import percent_answer
    from zi_assess.assessments.loading import load_bundle

    assessment = db.session.scalar(select(Assessment).where(Assessment.unit_id == unit.id, Assessment.year == year))
    if assessment is None or not allowed(actor().user, "assessment.view", assessment):
        return {}
    bundle = load_bundle(assessment.id)
    figures: dict[str, tuple[Assessment, float | None]] = {}
    for rule_id, indicator_id in LKE_FIGURES.items():
        answer = bundle.effective.get(indicator_id)
        indicator = bundle.criteria.indicators.get(indicator_id)
        percent = None
        if answer is not None and indicator is not None:
            percent = percent_answer(indicator, answer[1].value).percent
        figures[rule_id] = (assessment, percent)
    return figures


def _page(target: Instansi | Unit, year: int) -> str | Response | tuple[str, int]:
    who = actor()
    authorize(who.user, "prerequisite.edit", target)
    level = "unit" if isinstance(target, Unit) else "instansi"
    rules = [r for r in _rules().rules if r.level == level]
    record = db.session.scalar(select(PrerequisiteRecord).where(
        PrerequisiteRecord.scope_key == f"{level}:{target.id}:{year}"))
    values = dict(record.values) if record is not None else {}
    sources = {key: {**src, "at_dt": datetime.fromisoformat(src["at"])}
               for key, src in ((record.sources or {}) if record is not None else {}).items() if src}
    typed: dict[str, str] = {}
    errors: dict[str, str] = {}
    problem = None
    if request.method == "POST" and ConfirmForm().validate_on_submit():
        new_values, evidence = {}, {}
        for rule in rules:
            typed[f"v_{rule.id}"] = request.form.get(f"v_{rule.id}", "")
            typed[f"u_{rule.id}"] = request.form.get(f"u_{rule.id}", "")
            value, error = _parse(rule, typed[f"v_{rule.id}"])
            if error:
                errors[rule.id] = error
            new_values[rule.id] = value
            evidence[rule.id] = typed[f"u_{rule.id}"].strip() or None
        if not errors:
            try:
                kwargs: dict[str, Any] = {"unit": target} if isinstance(target, Unit) else {"instansi": target}
                ops.record_prerequisites(who, year, new_values, evidence=evidence,
                                         rules_id=current_app.config["PREREQUISITES"], **kwargs)
                db.session.commit()
                flash(_("Syarat tahun %(year)s disimpan.", year=year), "success")
                return redirect(request.path)
            except ops.InvalidInput as exc:
                db.session.rollback()
                problem = org_message(exc.code)
    instansi = target if isinstance(target, Instansi) else target.instansi
    is_pemda = _rules().is_pemda(instansi.kind.value)
    html = render_template(
        "org/prerequisites.html", target=target, level=level, year=year, rules=rules, values=values,
        sources=sources, typed=typed, errors=errors, problem=problem, confirm=ConfirmForm(), is_pemda=is_pemda,
        lke=_lke_figures(target, year) if isinstance(target, Unit) else {}, lke_indicators=LKE_FIGURES,
        afirmasi=isinstance(target, Unit) and _rules().is_afirmasi(instansi.kind.value, target.unit_type.value),
    )
    return (html, 400) if errors or problem else html


def _year() -> int:
    value = request.args.get("tahun", "")
    return int(value) if value.isdigit() and 2021 <= int(value) <= 2099 else local_date().year


@bp.route("/unit/<int:unit_id>", methods=["GET", "POST"])
@login_required
def unit_page(unit_id: int) -> str | Response | tuple[str, int]:
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        abort(404)
    return _page(unit, _year())


@bp.route("/instansi/<int:instansi_id>", methods=["GET", "POST"])
@login_required
def instansi_page(instansi_id: int) -> str | Response | tuple[str, int]:
    instansi = db.session.get(Instansi, instansi_id)
    if instansi is None:
        abort(404)
    return _page(instansi, _year())


def same_figure(recorded: object, lke: float | None) -> bool:
    """Whether a recorded percentage and the LKE's agree (to the two decimals both show)."""
    if lke is None or not isinstance(recorded, int | float) or isinstance(recorded, bool):
        return True
    return round(float(recorded), 2) == round(lke, 2)


bp.add_app_template_global(same_figure, "same_figure")
