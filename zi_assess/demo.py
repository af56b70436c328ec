"""Demo data: one kementerian with three units, one pemkot with two (one an RSUD), a user for
every role, and assessments in several workflow states — built through the real operations,
so the demo's history is a real audit trail. Idempotent: running it twice adds nothing. The set-up
(instansi, units, accounts, prerequisites) is done by zi-assess itself ("system:demo"); every
answer and workflow step by a demo user. The caller (``zi-assess demo``) commits."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select

from zi_assess.assessments import operations as aops
from zi_assess.audit import Actor, system_actor
from zi_assess.domain import load_criteria
from zi_assess.domain.answers import random_answers
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.models import Assessment, Instansi, InstansiKind, Predicate, Role, UnitType, User
from zi_assess.org import operations as ops

DEMO_PASSWORD = "zi-demo-2026"
YEAR = 2026
KEMENTERIAN = "Kementerian Pelayanan Publik Contoh"
PEMKOT = "Pemerintah Kota Contoh"

NOTES = [
    "SK sudah ditandatangani pimpinan dan diunggah sebagai data dukung.",
    "Kegiatan dilaksanakan setiap triwulan; notulen dan daftar hadir terlampir.",
    "Dokumen telah direviu bersama tim kerja dan disetujui kepala unit.",
    "Pelaksanaan masih sebagian; rencana tindak lanjut dijadwalkan pada semester II.",
    "Bukti berupa tangkapan layar aplikasi dan laporan monitoring bulanan.",
    "Sosialisasi dilakukan melalui apel pagi, media sosial unit dan banner di ruang layanan.",
]

UNITS = [
    (KEMENTERIAN, "KW-JKT", "Kantor Wilayah DKI Jakarta", UnitType.UMUM),
    (KEMENTERIAN, "BB-BDG", "Balai Besar Layanan Publik Bandung", UnitType.UMUM),
    (KEMENTERIAN, "KP-SBY", "Kantor Pelayanan Surabaya", UnitType.UMUM),
    (PEMKOT, "RSUD-KC", "RSUD Kota Contoh", UnitType.RSUD),
    (PEMKOT, "DPMPTSP-KC", "Dinas Penanaman Modal dan PTSP Kota Contoh", UnitType.PTSP),
]

# (email, name, role, scope: unit code or instansi name or None)
USERS = [
    ("operator.jakarta@demo.zi", "Rina Operator (KW Jakarta)", Role.UNIT_OPERATOR, "KW-JKT"),
    ("kepala.jakarta@demo.zi", "Budi Kepala (KW Jakarta)", Role.UNIT_HEAD, "KW-JKT"),
    ("kepala.bandung@demo.zi", "Sari Kepala (BB Bandung)", Role.UNIT_HEAD, "BB-BDG"),
    ("kepala.surabaya@demo.zi", "Agus Kepala (KP Surabaya)", Role.UNIT_HEAD, "KP-SBY"),
    ("operator.rsud@demo.zi", "Dewi Operator (RSUD)", Role.UNIT_OPERATOR, "RSUD-KC"),
    ("kepala.rsud@demo.zi", "dr. Hendra Kepala (RSUD)", Role.UNIT_HEAD, "RSUD-KC"),
    ("kepala.ptsp@demo.zi", "Lina Kepala (DPMPTSP)", Role.UNIT_HEAD, "DPMPTSP-KC"),
    ("tpi@demo.zi", "Yusuf Evaluator TPI (Itjen)", Role.TPI_EVALUATOR, KEMENTERIAN),
    ("ketua.tpi@demo.zi", "Maya Ketua TPI (Itjen)", Role.TPI_LEAD, KEMENTERIAN),
    ("manajer@demo.zi", "Andi Manajer (Kementerian)", Role.MANAGER, KEMENTERIAN),
    ("tpi.pemkot@demo.zi", "Tono Evaluator TPI (Inspektorat Kota)", Role.TPI_EVALUATOR, PEMKOT),
    ("ketua.tpi.pemkot@demo.zi", "Wati Ketua TPI (Inspektorat Kota)", Role.TPI_LEAD, PEMKOT),
    ("manajer.pemkot@demo.zi", "Rudi Manajer (Pemkot)", Role.MANAGER, PEMKOT),
    ("tpn@demo.zi", "Fajar Evaluator TPN (KemenPANRB)", Role.TPN_EVALUATOR, None),
    ("manajer.nasional@demo.zi", "Nia Manajer Nasional (KemenPANRB)", Role.NATIONAL_MANAGER, None),
    ("admin@demo.zi", "Admin zi-assess", Role.ADMIN, None),
    ("admin.pemkot@demo.zi", "Lina Admin Instansi (Pemkot)", Role.INSTANSI_ADMIN, PEMKOT),
]

EVIDENCE = [
    ("P1.i.a", "SK Tim Kerja Pembangunan Zona Integritas"),
    ("P1.ii.a", "Rencana kerja pembangunan ZI"),
    ("P1.iv.b", "SK penetapan agen perubahan"),
    ("P2.i.a", "Peta proses bisnis dan daftar SOP"),
    ("P4.ii.a", "Rencana strategis dan perjanjian kinerja"),
    ("P5.i.a", "Dokumentasi kampanye pengendalian gratifikasi"),
    ("P6.i.a", "SK standar pelayanan"),
    ("R5.iii.a", "Rekap kepatuhan LHKPN dari Inspektorat"),
]

GOOD_PREREQUISITES_INSTANSI = {"opini_bpk": "WTP", "sakip_instansi": "BB", "indeks_rb": "BB", "spip_level": 3}
GOOD_PREREQUISITES_UNIT = {"layanan_utama": True, "tl_apip_bpk_persen": 100, "lhkpn_persen": 100,
                           "lhkasn_persen": 100, "bulan_membangun_zi": 18, "sakip_unit": "BB"}


def load_demo(*, if_empty: bool = False, echo: Callable[[str], Any] = print) -> None:
    if db.session.scalar(select(Instansi).limit(1)) is not None:
        if if_empty:
            echo("Demo data already present; nothing to do.")
        else:
            echo("Demo data already present (the demo is idempotent); nothing added.")
        _print_accounts(echo)
        return
    rng = random.Random(2026)
    system = system_actor("demo")
    instansi = {
        KEMENTERIAN: ops.create_instansi(system, KEMENTERIAN, InstansiKind.KEMENTERIAN),
        PEMKOT: ops.create_instansi(system, PEMKOT, InstansiKind.PEMKOT, provinsi="Jawa Tengah",
                                    kabkota="Kota Semarang"),
    }
    units = {code: ops.create_unit(system, instansi[parent], name, code, unit_type=kind)
             for parent, code, name, kind in UNITS}
    users: dict[str, User] = {}
    for email, name, role, scope in USERS:
        user = ops.create_user(system, email, name, DEMO_PASSWORD, policy=False)  # published demo password
        ops.assign_role(system, user, role, unit=units.get(scope or ""), instansi=instansi.get(scope or ""))
        users[email] = user
    for inst in instansi.values():
        ops.record_prerequisites(system, YEAR, GOOD_PREREQUISITES_INSTANSI, instansi=inst)
    for unit in units.values():
        ops.record_prerequisites(system, YEAR, GOOD_PREREQUISITES_UNIT, unit=unit)
    db.session.flush()

    def as_(email: str) -> Actor:
        return Actor(users[email], "127.0.0.1")

    criteria = load_criteria()  # the demo answers are written for the shipped criteria, whatever CRITERIA says

    def fill(email: str, assessment: Assessment, layer: Layer, answers: dict[str, Any]) -> None:
        bundle = aops.load_bundle(assessment.id)
        assert bundle is not None
        current = bundle.layer_answers(layer)
        items = [aops.AnswerInput(ind, value, rng.choice(NOTES),
                                  current[ind].version if ind in current else None)
                 for ind, value in answers.items()]
        aops.save_answers(as_(email), assessment.id, layer, items)

    def evidence(email: str, assessment: Assessment) -> None:
        from zi_assess.evidence import operations as eops

        for ind_id, title in EVIDENCE:
            slug = ind_id.replace(".", "-").lower()
            eops.add_link(as_(email), assessment.id, [ind_id], f"https://data.example.go.id/zi/{YEAR}/{slug}", title)

    def tweak(answers: dict[str, Any], share: float) -> dict[str, Any]:
        """An assessor's corrections: some answers one step worse."""
        changed = {}
        for ind_id, value in answers.items():
            ind = criteria.indicators[ind_id]
            if ind.kind == "choice" and rng.random() < share:
                keys = ind.scale.keys
                changed[ind_id] = keys[min(len(keys) - 1, keys.index(value) + 1)]
        return changed

    # KW Jakarta: draft, two thirds filled
    jakarta = aops.create_assessment(as_("kepala.jakarta@demo.zi"), units["KW-JKT"], YEAR, Predicate.WBK, criteria.id)
    answers = random_answers(criteria, rng, quality=0.75)
    fill("operator.jakarta@demo.zi", jakarta, Layer.MANDIRI, dict(list(answers.items())[:75]))

    # BB Bandung: submitted, waiting for TPI
    bandung = aops.create_assessment(as_("kepala.bandung@demo.zi"), units["BB-BDG"], YEAR, Predicate.WBK, criteria.id)
    fill("kepala.bandung@demo.zi", bandung, Layer.MANDIRI, random_answers(criteria, rng, quality=0.8))
    aops.transition(as_("kepala.bandung@demo.zi"), bandung.id, "submit")

    # KP Surabaya: complete at every layer, decided (predicate granted)
    surabaya = aops.create_assessment(as_("kepala.surabaya@demo.zi"), units["KP-SBY"], YEAR, Predicate.WBK, criteria.id)
    good = random_answers(criteria, rng, quality=0.93)
    good.update({"H1.a": 3.72, "H2.a": 3.55, "H1.b": "B"})
    fill("kepala.surabaya@demo.zi", surabaya, Layer.MANDIRI, good)
    evidence("kepala.surabaya@demo.zi", surabaya)
    aops.transition(as_("kepala.surabaya@demo.zi"), surabaya.id, "submit")
    aops.transition(as_("ketua.tpi@demo.zi"), surabaya.id, "start_tpi_review", prefill=True)
    tpi_changes = tweak(good, 0.08)
    fill("tpi@demo.zi", surabaya, Layer.TPI, tpi_changes)
    aops.transition(as_("ketua.tpi@demo.zi"), surabaya.id, "conclude_tpi", eligible=True,
                    recommendation="Unit layak diusulkan ke TPN untuk predikat Menuju WBK.")
    aops.transition(as_("ketua.tpi@demo.zi"), surabaya.id, "propose")
    aops.transition(as_("tpn@demo.zi"), surabaya.id, "start_desk", prefill=True)
    fill("tpn@demo.zi", surabaya, Layer.TPN_DESK, tweak(good | tpi_changes, 0.03))
    aops.transition(as_("tpn@demo.zi"), surabaya.id, "start_field", prefill=True)
    fill("tpn@demo.zi", surabaya, Layer.TPN_LAPANGAN, {"H1.a": 3.68, "H2.a": 3.41})
    aops.transition(as_("manajer.nasional@demo.zi"), surabaya.id, "decide", granted=True,
                    note="Memenuhi seluruh ambang batas Menuju WBK.", today=date(YEAR, 12, 9))

    # RSUD: returned by TPI with two indicators to fix
    rsud = aops.create_assessment(as_("kepala.rsud@demo.zi"), units["RSUD-KC"], YEAR, Predicate.WBK, criteria.id)
    fill("operator.rsud@demo.zi", rsud, Layer.MANDIRI, random_answers(criteria, rng, quality=0.7))
    aops.transition(as_("kepala.rsud@demo.zi"), rsud.id, "submit")
    aops.transition(as_("tpi.pemkot@demo.zi"), rsud.id, "start_tpi_review")
    aops.add_comment(as_("tpi.pemkot@demo.zi"), rsud.id, "P1.i.a",
                     "SK Tim belum ditandatangani; unggah SK yang sah.", needs_fix=True)
    aops.add_comment(as_("tpi.pemkot@demo.zi"), rsud.id, "P6.i.a",
                     "Standar pelayanan untuk layanan rawat jalan belum ada.", needs_fix=True)
    aops.transition(as_("tpi.pemkot@demo.zi"), rsud.id, "return_to_unit", note="Mohon lengkapi dua indikator.")

    # DPMPTSP: proposed to TPN
    ptsp = aops.create_assessment(as_("kepala.ptsp@demo.zi"), units["DPMPTSP-KC"], YEAR, Predicate.WBK, criteria.id)
    strong = random_answers(criteria, rng, quality=0.92)
    strong.update({"H1.a": 3.7, "H2.a": 3.6, "H1.b": "A"})
    fill("kepala.ptsp@demo.zi", ptsp, Layer.MANDIRI, strong)
    evidence("kepala.ptsp@demo.zi", ptsp)
    aops.transition(as_("kepala.ptsp@demo.zi"), ptsp.id, "submit")
    aops.transition(as_("ketua.tpi.pemkot@demo.zi"), ptsp.id, "start_tpi_review", prefill=True)
    aops.transition(as_("ketua.tpi.pemkot@demo.zi"), ptsp.id, "conclude_tpi", eligible=True,
                    recommendation="Layak diusulkan.")
    aops.transition(as_("ketua.tpi.pemkot@demo.zi"), ptsp.id, "propose")
    db.session.flush()
    echo("Demo data loaded: 2 instansi, 5 units, 5 assessments (draft, submitted, returned, proposed, decided).")
    _print_accounts(echo)


def _print_accounts(echo: Callable[[str], Any]) -> None:
    echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for email, _name, role, scope in USERS:
        echo(f"  {email:<28} {role.value:<17} {scope or 'nasional'}")
    echo("Admin, TPI, TPN and manager accounts enrol a second factor (an authenticator app) at their first")
    echo("sign-in; `zi-assess users reset-mfa EMAIL` removes it again.")
