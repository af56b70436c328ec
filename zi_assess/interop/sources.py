"""Reading what the exports and the PortalRB API hand out: layer answers, notes, evidence, units.

Read-only queries; the Excel export, the import preview and the API build on them.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.routing import BuildError

from zi_assess.answer_text import answer_text
from zi_assess.appeals.operations import appeal_of, sanggah_scores
from zi_assess.assessments.loading import AssessmentBundle
from zi_assess.authz import api_key_units
from zi_assess.clock import local_now, to_local
from zi_assess.domain.prerequisites import load_prerequisites
from zi_assess.domain.workflow import LAYERS, PROPOSED_OR_LATER, Layer
from zi_assess.extensions import db
from zi_assess.i18n import current_locale
from zi_assess.interop.excel_export import ExportData, LayerAnswers, SanggahSheet
from zi_assess.interop.layout import layout_for
from zi_assess.messages import STATUS_NAMES, layer_short, sanggah_state
from zi_assess.models import ApiKey, Assessment, Evidence, Predicate, Unit, User
from zi_assess.result_cache import cached


def evidence_texts(assessment_id: int, layer: Layer) -> dict[str, str]:
    """Indicator id → the layer's evidence as lines: links as given, files as absolute download URLs."""
    rows = db.session.scalars(
        select(Evidence).where(Evidence.assessment_id == assessment_id, Evidence.layer == layer,
                               Evidence.removed_at.is_(None)).order_by(Evidence.id)
    ).all()
    lines: dict[str, list[str]] = {}
    for evidence in rows:
        text = evidence.url or _file_url(evidence)
        for link in evidence.links:
            lines.setdefault(link.indicator_id, []).append(text)
    return {ind: "\n".join(items) for ind, items in lines.items()}


def _file_url(evidence: Evidence) -> str:
    try:
        return url_for("evidence.download", evidence_id=evidence.id, _external=True)
    except (BuildError, RuntimeError):  # no evidence pages in this app, or no request: describe it
        return f"{evidence.title} ({evidence.filename or 'berkas'})"


def layer_answers(bundle: AssessmentBundle, layer: Layer, *, evidence: bool = False) -> LayerAnswers:
    answers = bundle.layer_answers(layer)
    return LayerAnswers(
        layer=layer.value, label=layer_short(layer.value),
        values={ind: a.value for ind, a in answers.items() if a.value is not None},
        notes={ind: a.note for ind, a in answers.items() if a.note},
        evidence=evidence_texts(bundle.assessment.id, layer) if evidence else {},
    )


def sheet_texts() -> dict[str, str]:
    """Column headers and labels of the workbook, in the user's language."""
    return {
        "soal_id": _("ID soal"), "code": _("Kode"), "text": _("Uraian"), "jenis": _("Jenis jawaban"),
        "choices": _("Pilihan jawaban"), "answer": _("Jawaban"), "note": _("Catatan"),
        "evidence": _("Bukti dukung"), "invalid": _("Jawaban tidak sesuai jenis soal ini."),
        "harus": _("Jumlah yang harus melaporkan (dihitung)"),
        "lke_title": _("Lembar Kerja Evaluasi Zona Integritas"),
        "lke_note": _("Nilai pada lembar ini dihitung ulang oleh rumus dari lembar Jawaban."),
        "lke_text": _("Penilaian"), "bobot": _("Bobot"), "nilai": _("Nilai"), "skala_key": _("Kunci"),
        "scale": _("Skala"), "info_assessment": _("Penilaian"), "info_unit_code": _("Kode unit"),
        "info_unit": _("Unit"), "info_instansi": _("Instansi"), "info_year": _("Tahun"),
        "info_target": _("Predikat tujuan"), "info_status": _("Status"), "info_criteria": _("Versi kriteria"),
        "info_unit_layer": _("Lapis kolom K/L/M"), "info_evaluator_layer": _("Lapis kolom N/Q"),
        "info_columns": _("Kolom jawaban/catatan"), "effective": layer_short("effective"),
        "info_exported_at": _("Diekspor"), "info_exported_by": _("Diekspor oleh"),
    }


def export_data(bundle: AssessmentBundle, user: User) -> ExportData:
    """Everything the LKE workbook shows: every layer's answers and notes (evidence: the unit's)."""
    assessment = bundle.assessment
    unit = assessment.unit
    return ExportData(
        criteria=bundle.criteria, layout=layout_for(bundle.criteria.id), assessment_id=assessment.id,
        instansi=unit.instansi.name, unit_code=unit.code, unit_name=unit.name, year=assessment.year,
        target=assessment.target_predicate, status=str(STATUS_NAMES.get(assessment.status.value,
                                                                               assessment.status.value)),
        layers={layer.value: layer_answers(bundle, layer, evidence=layer == Layer.MANDIRI) for layer in LAYERS},
        exported_at=local_now(), exported_by=user.email, texts=sheet_texts(), sanggah=sanggah_sheet(bundle),
    )


def sanggah_sheet(bundle: AssessmentBundle) -> SanggahSheet | None:
    """The unit's sanggah for the workbook (None: none filed): its facts, then per indicator the
    reason, links, decided answer, the TPN's response and sanggah answer, nilai before and after."""
    appeal = appeal_of(bundle.assessment.id)
    if appeal is None:
        return None
    scores = sanggah_scores(bundle, appeal)
    locale = current_locale()
    met = {True: _("memenuhi"), False: _("belum memenuhi")}
    name = scores.verdict_before.name
    facts = (
        (_("Status sanggah"), sanggah_state(appeal.status, appeal.granted)),
        (_("Diajukan"), to_local(appeal.filed_at).strftime("%Y-%m-%d")),
        (_("Ringkasan"), appeal.summary),
        (_("Diputuskan (final)"), to_local(appeal.decided_at).strftime("%Y-%m-%d") if appeal.decided_at else "–"),
        (_("Catatan putusan"), appeal.decision_note or ""),
        (_("Nilai total keputusan TPN"), round(scores.before.total, 4)),
        (_("Nilai total dengan jawaban sanggah"), round(scores.after.total, 4)),
        (_("%(name)s: keputusan TPN", name=name), met[scores.verdict_before.passed]),
        (_("%(name)s: dengan jawaban sanggah", name=name), met[scores.verdict_after.passed]),
    )
    headers = (_("Indikator"), _("Uraian"), _("Alasan unit"), _("Tautan bukti"), _("Jawaban keputusan TPN"),
               _("Tanggapan TPN"), _("Jawaban sanggah"), _("Nilai keputusan TPN"), _("Nilai sanggah"))
    values = bundle.effective_values()
    rows = []
    for item in appeal.items:
        ind = bundle.criteria.indicators[item.indicator_id]
        rows.append((item.indicator_id, ind.question, item.reason, "\n".join(item.evidence_urls or ()),
                     answer_text(ind, values.get(item.indicator_id), locale), item.response or "",
                     answer_text(ind, item.answer, locale) if item.answer is not None
                     else (_("tetap") if item.response else ""),
                     round(scores.before.indicator_nilai(item.indicator_id) or 0.0, 4),
                     round(scores.after.indicator_nilai(item.indicator_id) or 0.0, 4)))
    return SanggahSheet(facts, headers, tuple(rows))


# -- PortalRB ----------------------------------------------------------------------------------


def proposed_units(key: ApiKey, year: int, predicate: Predicate) -> list[dict[str, Any]]:
    """Units the API key reads whose assessment for ``year`` targets ``predicate`` and has been
    proposed: from the result cache while units, instansi and assessments are unchanged."""
    return cached("portalrb-units", (key.instansi_id, year, predicate.value, str(current_app.config["PREREQUISITES"])),
                  lambda: _proposed_units(key, year, predicate))


def _proposed_units(key: ApiKey, year: int, predicate: Predicate) -> list[dict[str, Any]]:
    rows = db.session.scalars(api_key_units(
        key, select(Unit).options(joinedload(Unit.instansi)).join(Assessment, Assessment.unit_id == Unit.id)
        .where(Assessment.year == year, Assessment.target_predicate == predicate.value,
               Assessment.status.in_([s.value for s in PROPOSED_OR_LATER]))
        .order_by(Unit.code)
    )).all()
    rules = load_prerequisites(current_app.config["PREREQUISITES"])
    units = []
    for unit in rows:
        afirmasi = rules.is_afirmasi(unit.instansi.kind.value, unit.unit_type.value)
        kategori = predicate.value if predicate == Predicate.WBBM or not afirmasi else f"{predicate.value}-AFIRMASI"
        units.append({"id": unit.code, "nama": unit.name, "kategori": kategori, "afirmasi": afirmasi})
    return units


def proposed_assessment(unit: Unit, year: int) -> Assessment | None:
    return db.session.scalar(
        select(Assessment).where(Assessment.unit_id == unit.id, Assessment.year == year,
                                 Assessment.status.in_([s.value for s in PROPOSED_OR_LATER]))
    )


def api_value(value: Any) -> str | None:
    """An answer as the contract's ``string|null``: "A", "Ya", "3.45", "12"."""
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def jawaban_unit(bundle: AssessmentBundle) -> list[dict[str, Any]]:
    """One entry per PortalRB soal of the criteria (count inputs are soals of their own), by soal id."""
    unit, tpi = bundle.layer_answers(Layer.MANDIRI), bundle.layer_answers(Layer.TPI)
    evidence = evidence_texts(bundle.assessment.id, Layer.MANDIRI)
    entries = []
    for ind in bundle.criteria.indicators.values():
        mine, theirs = unit.get(ind.id), tpi.get(ind.id)
        slots = [(inp.soal_id, inp.key) for inp in ind.inputs] if ind.inputs else [(ind.soal_id, None)]
        for soal_id, key in slots:
            if soal_id is None:
                continue
            entries.append({
                "soal_id": soal_id,
                "jawaban_unit": _slot(mine.value if mine else None, key),
                "jawaban_tpi": _slot(theirs.value if theirs else None, key),
                "catatan_unit": (mine.note or None) if mine else None,
                "bukti_dukung_unit": evidence.get(ind.id) or None,
                "catatan_tpi": (theirs.note or None) if theirs else None,
            })
    entries.sort(key=lambda e: e["soal_id"])
    return entries


def _slot(value: Any, key: str | None) -> str | None:
    if key is None:
        return api_value(value)
    return api_value(value.get(key)) if isinstance(value, dict) else None
