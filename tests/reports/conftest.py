"""An assessment taken through every layer, and helpers to log in and fill layers with notes."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest

from tests.conftest import sign_in

#: what the unit answers differently from the best answers (WBK is met, WBBM is not)
MANDIRI_CHANGES = {"H1.b": "C", "H2.a": 3.2, "P1.i.b": "B", "H1.a": 3.0}
MANDIRI_NOTES = {"P1.i.b": "Anggota tim ditunjuk langsung oleh kepala kantor tanpa seleksi terbuka."}
TPI_CHANGES = {"P2.i.a": "C"}
TPI_NOTES = {"P2.i.a": "SOP belum mengacu pada peta proses bisnis terbaru."}
TPI_COMMENT = "Lampirkan SK penetapan SOP tahun berjalan."
DESK_CHANGES = {"H1.a": 3.6}


@pytest.fixture
def login(client: Any) -> Any:
    def signed_in(user: Any) -> Any:
        sign_in(client, user)
        return client

    return signed_in


@pytest.fixture
def fill(actor_for: Any) -> Any:
    """Save answers of one layer with a note per indicator (default note: a short sentence)."""
    from zi_assess.assessments import operations as ops
    from zi_assess.extensions import db

    def save(user: Any, assessment: Any, layer: Any, answers: dict[str, Any], notes: dict[str, str] | None = None,
             default_note: str = "Bukti tersedia di data dukung.") -> None:
        bundle = ops.load_bundle(assessment.id)
        current = bundle.layer_answers(layer)
        items = [ops.AnswerInput(ind, value, (notes or {}).get(ind, default_note),
                                 current[ind].version if ind in current else None)
                 for ind, value in answers.items()]
        ops.save_answers(actor_for(user), assessment.id, layer, items)
        db.session.commit()

    return save


@pytest.fixture
def record_prerequisites(team: Any) -> Any:
    from zi_assess.audit import SYSTEM
    from zi_assess.demo import GOOD_PREREQUISITES_INSTANSI, GOOD_PREREQUISITES_UNIT
    from zi_assess.extensions import db
    from zi_assess.org import operations as org

    def record(unit: Any, year: int = 2026) -> None:
        org.record_prerequisites(SYSTEM, year, GOOD_PREREQUISITES_INSTANSI, instansi=unit.instansi)
        org.record_prerequisites(SYSTEM, year, GOOD_PREREQUISITES_UNIT, unit=unit)
        db.session.commit()

    return record


@pytest.fixture
def decided(team: Any, flow: Any, fill: Any, best_answers: dict[str, Any], actor_for: Any,
            record_prerequisites: Any) -> Any:
    """team.unit's 2026 assessment, answered by every layer and decided (Menuju WBK granted)."""
    from zi_assess.assessments import operations as ops
    from zi_assess.domain.workflow import Layer
    from zi_assess.extensions import db

    a = flow.create(team.unit, team.head)
    fill(team.operator, a, Layer.MANDIRI, best_answers | MANDIRI_CHANGES, MANDIRI_NOTES)
    flow.step(team.head, a, "submit")
    flow.step(team.tpi_lead, a, "start_tpi_review", prefill=True)
    fill(team.tpi, a, Layer.TPI, TPI_CHANGES, TPI_NOTES)
    ops.add_comment(actor_for(team.tpi), a.id, "P2.i.a", TPI_COMMENT, needs_fix=False)
    db.session.commit()
    flow.step(team.tpi_lead, a, "conclude_tpi", eligible=True, recommendation="Layak diusulkan ke TPN.")
    record_prerequisites(team.unit)
    flow.step(team.tpi_lead, a, "propose")
    flow.step(team.tpn, a, "start_desk", prefill=True)
    fill(team.tpn, a, Layer.TPN_DESK, DESK_CHANGES, {"H1.a": "Nilai IPAK dari survei BPS 2026."})
    flow.step(team.tpn, a, "start_field", prefill=True)
    flow.step(team.national, a, "decide", granted=True, note="Memenuhi ambang batas Menuju WBK.",
              today=date(2026, 12, 9))
    return SimpleNamespace(id=a.id, assessment=a)
