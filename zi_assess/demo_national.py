"""The national data set (``zi-assess demo --scale national``): every kementerian/lembaga,
provinsi and a hundred kab/kota, 5,000 units, three evaluation years, every layer answered with
notes — about seven million answer rows — with evidence, review comments, status history, audit
rows and the stored current scores, computed by the real engine.

Written in bulk (:mod:`zi_assess.demo_bulk`: COPY on PostgreSQL), units in batches, so the whole
set takes minutes; ``--units N`` makes a small one (tests). The regular demo (its accounts, e.g.
``tpn@demo.zi``, ``manajer.nasional@demo.zi``) is loaded first, so the same accounts see the
national set. Idempotent: a database that has it already gets nothing added.

Past years are concluded (decided, or stopped after TPI); the last year has every workflow
state. Assessor layers are what the operations make of them: a copy of the answers so far
(marked ``prefilled_from``) with the assessor's own corrections and notes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, select, text, update

from zi_assess.assessments.scores import EFFECTIVE, current_score_values
from zi_assess.auth.passwords import hash_password
from zi_assess.demo import DEMO_PASSWORD, YEAR, load_demo
from zi_assess.demo_bulk import BulkWriter, table_of
from zi_assess.demo_national_data import (
    EVIDENCE_TITLES,
    KEMENTERIAN_LEMBAGA,
    PROVINSI,
    STATUS_MIX,
    assessor_note,
    unit_note,
    unit_rows_for,
)
from zi_assess.domain import Criteria, load_criteria, score, verdicts
from zi_assess.domain.answers import random_answers
from zi_assess.domain.workflow import LAYERS, Layer, Status
from zi_assess.extensions import db
from zi_assess.models import (
    Answer,
    AreaRevision,
    Assessment,
    AuditEvent,
    CurrentScore,
    Deadline,
    Evidence,
    EvidenceLink,
    Instansi,
    InstansiKind,
    PrerequisiteRecord,
    ReviewComment,
    Role,
    RoleAssignment,
    StatusChange,
    Unit,
    User,
)

#: the first instansi of the set: its presence means the set is loaded
MARKER = KEMENTERIAN_LEMBAGA[0][0]
N_KABKOTA = 100
#: workflow path of a concluded year, in order: (transition, status reached)
PATH = [("submit", Status.SUBMITTED), ("start_tpi_review", Status.TPI_REVIEW), ("conclude_tpi", Status.TPI_DONE),
        ("propose", Status.PROPOSED), ("start_desk", Status.TPN_DESK), ("start_field", Status.TPN_FIELD),
        ("decide", Status.DECIDED)]
ORDER = [Status.DRAFT] + [status for _name, status in PATH]
#: which layers exist once an assessment has reached a status
LAYERS_AT = {Status.DRAFT: 1, Status.SUBMITTED: 1, Status.TPI_REVIEW: 2, Status.RETURNED: 2, Status.TPI_DONE: 2,
             Status.PROPOSED: 2, Status.TPN_DESK: 3, Status.TPN_FIELD: 4, Status.DECIDED: 4}
BATCH_UNITS = 150


@dataclass
class People:
    """Account ids the generated rows name as authors and actors."""

    unit_head: dict[int, int] = field(default_factory=dict)  # unit id → user id
    tpi_lead: dict[int, int] = field(default_factory=dict)  # instansi id → user id
    tpn: int = 0
    national_manager: int = 0
    emails: dict[int, str] = field(default_factory=dict)


def load_national(*, units: int = 5000, years: int = 3, echo: Callable[[str], Any] = print,
                  seed: int = 2026) -> dict[str, int]:
    """Generate the national set into the session's transaction (the caller commits); the number
    of rows written per table (empty when the set was there already)."""
    load_demo(if_empty=True, echo=lambda _line: None)
    if db.session.scalar(select(Instansi.id).where(Instansi.name == MARKER)) is not None:
        echo("National data set already present; nothing added.")
        return {}
    db.session.flush()
    writer = BulkWriter()
    criteria = load_criteria(current_app.config["CRITERIA"])
    gen = _Generator(writer, criteria, random.Random(seed), [YEAR - years + 1 + i for i in range(years)])
    gen.organisations(units)
    gen.accounts()
    batches = [gen.units[i:i + BATCH_UNITS] for i in range(0, len(gen.units), BATCH_UNITS)]
    for n, batch in enumerate(batches, 1):
        gen.assessments(batch)
        if n % 5 == 0 or n == len(batches):
            echo(f"  {min(n * BATCH_UNITS, len(gen.units)):,} of {len(gen.units):,} units, "
                 f"{writer.counts.get('answer', 0):,} answers")
    tables = [Instansi, Unit, User, RoleAssignment, Assessment, Evidence, StatusChange, AuditEvent, ReviewComment,
              PrerequisiteRecord, Deadline]
    writer.reset_sequences(tables)
    writer.analyze([*tables, Answer, CurrentScore, EvidenceLink, AreaRevision])
    return writer.counts


def vacuum() -> None:
    """After the load is committed (PostgreSQL): VACUUM ANALYZE, so the visibility map is set and
    index-only scans (recap ranking on ``ix_current_score_effective``) read no heap pages; a bulk
    COPY leaves that to autovacuum, which may come minutes later (a national dashboard: 49 → 16 ms)."""
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


class _Generator:
    def __init__(self, writer: BulkWriter, criteria: Criteria, rng: random.Random, years: list[int]) -> None:
        self.writer, self.criteria, self.rng, self.years = writer, criteria, rng, years
        self.people = People()
        self.instansi: list[tuple[int, str, InstansiKind]] = []
        #: (unit id, instansi id, unit code, unit type)
        self.units: list[tuple[int, int, str, str]] = []
        self.assessment_id = writer.next_id(Assessment)
        self.evidence_id = writer.next_id(Evidence)
        self.choice_ids = [i.id for i in criteria.indicators.values() if i.kind == "choice"]
        self.survey_ids = [i.id for i in criteria.indicators.values() if i.kind == "survey"]
        self.page_of = {ind.id: page for page in criteria.page_ids for ind in criteria.page_indicators(page)}

    # -- organisations and accounts --------------------------------------------------------

    def organisations(self, n_units: int) -> None:
        w = self.writer
        first = w.next_id(Instansi)
        specs = [(name, kind) for name, kind in KEMENTERIAN_LEMBAGA]
        specs += [(f"Pemerintah Provinsi {p}", InstansiKind.PEMPROV) for p in PROVINSI]
        specs += [(f"Pemerintah {'Kabupaten' if i % 2 else 'Kota'} Contoh {i + 1:03d}",
                   InstansiKind.PEMKAB if i % 2 else InstansiKind.PEMKOT) for i in range(N_KABKOTA)]
        created = _at(self.years[0], 1, 2)
        self.instansi = [(first + i, name, kind) for i, (name, kind) in enumerate(specs)]
        w.write(Instansi, [{"id": i, "name": name, "kind": kind, "created_at": created}
                                     for i, name, kind in self.instansi])
        # K/L have the most units (kantor wilayah, balai); provinsi more than kab/kota
        weights = [60.0 / 34 if kind in (InstansiKind.KEMENTERIAN, InstansiKind.LEMBAGA) else
                   22.0 / 38 if kind == InstansiKind.PEMPROV else 18.0 / N_KABKOTA for _i, _n, kind in self.instansi]
        owners = self.rng.choices(range(len(self.instansi)), weights=weights, k=n_units)
        per_instansi: dict[int, int] = {}
        for index in owners:
            per_instansi[index] = per_instansi.get(index, 0) + 1
        unit_id = w.next_id(Unit)
        rows = []
        for index in sorted(per_instansi):
            instansi_id, name, kind = self.instansi[index]
            for unit_name, code, unit_type in unit_rows_for(name, kind, per_instansi[index], self.rng):
                rows.append({"id": unit_id, "instansi_id": instansi_id, "parent_id": None, "name": unit_name,
                             "code": code, "unit_type": unit_type, "current_predicate": None,
                             "predicate_granted_on": None, "predicate_decree": None, "created_at": created})
                self.units.append((unit_id, instansi_id, code, unit_type))
                unit_id += 1
        w.write(Unit, rows)

    def accounts(self) -> None:
        w = self.writer
        password = hash_password(DEMO_PASSWORD)  # one hash for every generated account (demo data)
        user_id = w.next_id(User)
        role_id = w.next_id(RoleAssignment)
        users, roles = [], []
        created = _at(self.years[0], 1, 2)

        def add(email: str, name: str, role: Role, unit: int | None, instansi: int | None) -> int:
            nonlocal user_id, role_id
            users.append({"id": user_id, "email": email, "name": name, "password_hash": password,
                          "is_active": True, "locale": "id", "session_token": f"national-{user_id}",
                          "created_at": created})
            roles.append({"id": role_id, "user_id": user_id, "role": role, "unit_id": unit, "instansi_id": instansi})
            self.people.emails[user_id] = email
            user_id += 1
            role_id += 1
            return user_id - 1

        for instansi_id, name, _kind in self.instansi:
            slug = f"i{instansi_id}"
            self.people.tpi_lead[instansi_id] = add(f"ketua.tpi.{slug}@nasional.demo.zi", f"Ketua TPI {name}",
                                                    Role.TPI_LEAD, None, instansi_id)
            add(f"manajer.{slug}@nasional.demo.zi", f"Manajer {name}", Role.MANAGER, None, instansi_id)
        for unit_id, _instansi_id, code, _type in self.units:
            self.people.unit_head[unit_id] = add(f"kepala.u{unit_id}@nasional.demo.zi", f"Kepala {code}",
                                                 Role.UNIT_HEAD, unit_id, None)
        w.write(User, users)
        w.write(RoleAssignment, roles)
        demo = {u.email: u.id for u in db.session.scalars(select(User).where(User.email.in_(
            ["tpn@demo.zi", "manajer.nasional@demo.zi"])))}
        self.people.tpn, self.people.national_manager = demo["tpn@demo.zi"], demo["manajer.nasional@demo.zi"]
        self.people.emails.update({self.people.tpn: "tpn@demo.zi",
                                   self.people.national_manager: "manajer.nasional@demo.zi"})
        prereq = []
        rules_id = current_app.config.get("PREREQUISITES", "permenpanrb-5-2024")
        for year in self.years:
            prereq += [{"scope_key": f"instansi:{i}:{year}", "year": year, "instansi_id": i, "unit_id": None,
                        "rules_id": rules_id, "values": _instansi_prerequisites(self.rng),
                        "updated_at": created} for i, _n, _k in self.instansi]
            prereq += [{"scope_key": f"unit:{u}:{year}", "year": year, "instansi_id": None, "unit_id": u,
                        "rules_id": rules_id, "values": _unit_prerequisites(self.rng),
                        "updated_at": created} for u, _i, _c, _t in self.units]
        w.write(PrerequisiteRecord, prereq)
        w.write(Deadline, [
            {"scope_key": Deadline.key("submit", year, None), "step": "submit", "year": year, "instansi_id": None,
             "opens_on": date(year, 2, 1), "closes_on": date(year, 6, 30)}
            for year in self.years if db.session.scalar(
                select(Deadline.id).where(Deadline.scope_key == Deadline.key("submit", year, None))) is None])

    # -- assessments ----------------------------------------------------------------------------

    def assessments(self, batch: list[tuple[int, int, str, str]]) -> None:
        out: dict[str, list[dict[str, Any]]] = {name: [] for name in (
            "assessment", "answer", "score", "status", "audit", "evidence", "link", "comment", "area")}
        predicates: dict[int, dict[str, Any]] = {}
        for unit_id, instansi_id, _code, _type in batch:
            quality = self.rng.uniform(0.45, 0.9)
            held: str | None = None
            for year in self.years:
                last = year == self.years[-1]
                status = _pick(self.rng, STATUS_MIX) if last else (
                    Status.DECIDED if self.rng.random() < 0.9 else Status.TPI_DONE)
                target = "WBBM" if held == "WBK" else "WBK"
                granted = self._assessment(out, unit_id, instansi_id, year, status, target, quality)
                if granted:
                    held = target
                    predicates[unit_id] = {"uid": unit_id, "p": target, "on": date(year, 12, 9),
                                           "sk": f"SK MenPANRB No. {self.rng.randint(100, 999)}/{year}"}
                quality = min(0.97, quality + self.rng.uniform(0.0, 0.08))
        w = self.writer
        if predicates:  # the predicate the decided years granted
            w.connection.execute(update(table_of(Unit)).where(table_of(Unit).c.id == bindparam("uid")).values(
                current_predicate=bindparam("p"), predicate_granted_on=bindparam("on"),
                predicate_decree=bindparam("sk")), list(predicates.values()))
        w.write(Assessment, out["assessment"])
        w.write(AreaRevision, out["area"])
        w.write(Answer, out["answer"])
        w.write(CurrentScore, out["score"])
        w.write(StatusChange, out["status"])
        w.write(Evidence, out["evidence"])
        w.write(EvidenceLink, out["link"])
        w.write(ReviewComment, out["comment"])
        w.write(AuditEvent, out["audit"])

    def _assessment(self, out: dict[str, list[dict[str, Any]]], unit_id: int, instansi_id: int, year: int,
                    status: Status, target: str, quality: float) -> bool:
        """Rows of one assessment into ``out``; whether its predicate was granted."""
        rng, people = self.rng, self.people
        aid = self.assessment_id
        self.assessment_id += 1
        head, lead = people.unit_head[unit_id], people.tpi_lead[instansi_id]
        clock = _Clock(year, rng)
        created = clock.next(0)
        out["audit"].append(_audit(created, head, people, "assessment.create", aid,
                                   after={"year": year, "target": target}))
        # the unit's own answers; a draft may be partly filled
        mandiri = random_answers(self.criteria, rng, quality=quality)
        if status == Status.DRAFT and rng.random() < 0.6:
            keep = rng.randint(20, len(mandiri))
            mandiri = dict(list(mandiri.items())[:keep])
        layers: dict[Layer, dict[str, Any]] = {Layer.MANDIRI: mandiri}
        written = clock.next(20)
        for ind, value in mandiri.items():
            out["answer"].append(_answer(aid, ind, Layer.MANDIRI, value, unit_note(rng), None, head, written))
        authors = {Layer.TPI: lead, Layer.TPN_DESK: people.tpn, Layer.TPN_LAPANGAN: people.tpn}
        shares = {Layer.TPI: 0.10, Layer.TPN_DESK: 0.05, Layer.TPN_LAPANGAN: 0.0}
        effective = dict(mandiri)
        for layer in LAYERS[1:LAYERS_AT[status]]:
            written = clock.next(25)
            own = dict(effective)
            changes = self._corrections(own, shares[layer], layer == Layer.TPN_LAPANGAN)
            source = _from_layer(layers, layer)
            for ind, value in own.items():
                changed = ind in changes
                out["answer"].append(_answer(aid, ind, layer, value, assessor_note(rng) if changed else "",
                                             None if changed else source[ind], authors[layer], written))
            out["audit"].append(_audit(written, authors[layer], people, "answer.prefill", aid, layer=layer.value,
                                       detail={"copied": len(own), "from": LAYERS[LAYERS.index(layer) - 1].value}))
            for ind in changes:
                out["audit"].append(_audit(written, authors[layer], people, "answer.change", aid, ind, layer.value,
                                           before={"value": effective[ind], "note": ""},
                                           after={"value": own[ind], "note": "…"}))
            layers[layer] = own
            effective = own
        # scores: the engine, as refresh_current_scores stores them
        from zi_assess.assessments.scores import area_rule

        rule = area_rule()
        sheets = {layer.value: score(self.criteria, values, area_rule=rule) for layer, values in layers.items()}
        merged: dict[str, Any] = {}
        for values in layers.values():
            merged.update(values)
        sheets[EFFECTIVE] = score(self.criteria, merged, area_rule=rule)
        for key, sheet in sheets.items():
            out["score"].append({"assessment_id": aid, "layer": key, **current_score_values(sheet),
                                 "updated_at": written})
        passed = verdicts(sheets[EFFECTIVE])
        granted = status == Status.DECIDED and target in passed and passed[target].passed
        # workflow history up to the status
        steps = PATH[:ORDER.index(status)] if status != Status.RETURNED else PATH[:2] + [("return_to_unit",
                                                                                            Status.RETURNED)]
        actors = {"submit": head, "start_tpi_review": lead, "conclude_tpi": lead, "propose": lead,
                  "return_to_unit": lead, "start_desk": people.tpn, "start_field": people.tpn,
                  "decide": people.national_manager}
        current, changed_at = Status.DRAFT, created
        for name, reached in steps:
            changed_at = clock.next(15)
            out["status"].append({"assessment_id": aid, "transition": name, "from_status": current,
                                  "to_status": reached, "actor_id": actors[name], "note": "", "at": changed_at})
            out["audit"].append(_audit(changed_at, actors[name], people, "transition", aid,
                                       before={"status": current.value}, after={"status": reached.value},
                                       detail={"transition": name}))
            current = reached
        if status == Status.RETURNED:
            for ind in rng.sample(self.choice_ids, 2):
                out["comment"].append({"assessment_id": aid, "indicator_id": ind, "layer": Layer.TPI,
                                       "author_id": lead, "body": assessor_note(rng), "needs_fix": True,
                                       "resolved_at": None, "created_at": changed_at})
        concluded = status not in (Status.DRAFT, Status.SUBMITTED, Status.TPI_REVIEW, Status.RETURNED)
        out["assessment"].append({
            "id": aid, "unit_id": unit_id, "year": year, "target_predicate": target, "criteria_id": self.criteria.id,
            "status": status, "status_version": len(steps) + 1, "status_changed_at": changed_at,
            "revision": 1, "tpi_eligible": True if concluded else None,
            "tpi_recommendation": "Unit layak diusulkan ke TPN." if concluded else None,
            "decision_granted": granted if status == Status.DECIDED else None,
            "decision_note": ("Memenuhi ambang batas." if granted else "Belum memenuhi ambang batas.")
            if status == Status.DECIDED else None,
            "created_at": created, "created_by_id": head})
        out["area"] += [{"assessment_id": aid, "area": page, "revision": 1} for page in self.criteria.page_ids]
        for ind, title in rng.sample(EVIDENCE_TITLES, 6):
            eid = self.evidence_id
            self.evidence_id += 1
            out["evidence"].append({"id": eid, "assessment_id": aid, "layer": Layer.MANDIRI, "blob_sha256": None,
                                    "filename": None, "url": f"https://data.example.go.id/zi/{year}/u{unit_id}/{eid}",
                                    "title": title, "uploaded_by_id": head, "created_at": created,
                                    "removed_at": None})
            out["link"].append({"evidence_id": eid, "indicator_id": ind})
            out["audit"].append(_audit(created, head, people, "evidence.add", aid, ind, Layer.MANDIRI.value,
                                       after={"evidence": eid, "title": title}))
        return bool(granted)

    def _corrections(self, answers: dict[str, Any], share: float, field_visit: bool) -> set[str]:
        """An assessor's corrections (some choice answers one step worse; surveys re-measured in the field)."""
        changed = set()
        if field_visit:
            for ind in self.survey_ids:
                answers[ind] = round(max(0.0, min(4.0, float(answers.get(ind, 3.5)) - self.rng.uniform(0, 0.2))), 2)
                changed.add(ind)
            return changed
        for ind in self.choice_ids:
            if ind in answers and self.rng.random() < share:
                keys = self.criteria.indicators[ind].scale.keys
                value = answers[ind]
                answers[ind] = keys[min(len(keys) - 1, keys.index(value) + 1)] if value in keys else value
                changed.add(ind)
        return changed


def _from_layer(layers: dict[Layer, dict[str, Any]], layer: Layer) -> dict[str, Layer]:
    """Per indicator, the layer a copy into ``layer`` comes from (the latest earlier one that answered)."""
    source: dict[str, Layer] = {}
    for earlier in LAYERS[:LAYERS.index(layer)]:
        source.update(dict.fromkeys(layers.get(earlier, {}), earlier))
    return source


def _answer(aid: int, ind: str, layer: Layer, value: Any, note: str, prefilled: Layer | None, author: int,
            at: datetime) -> dict[str, Any]:
    return {"assessment_id": aid, "indicator_id": ind, "layer": layer, "value": value, "note": note,
            "prefilled_from": prefilled, "author_id": author, "created_at": at, "updated_at": at, "version": 1}


def _audit(at: datetime, actor: int, people: People, action: str, aid: int, indicator: str | None = None,
           layer: str | None = None, *, before: Any = None, after: Any = None, detail: Any = None) -> dict[str, Any]:
    return {"at": at, "actor_id": actor, "actor_email": people.emails[actor], "ip": "10.0.0.1", "request_id": None,
            "action": action, "assessment_id": aid, "indicator_id": indicator, "layer": layer, "before": before,
            "after": after, "detail": detail}


class _Clock:
    """Moments of one assessment's year, in order (never after now)."""

    def __init__(self, year: int, rng: random.Random) -> None:
        self.rng = rng
        self.now = datetime.now(UTC) - timedelta(hours=1)
        self.at = min(_at(year, 1, 15) + timedelta(days=rng.randint(0, 40)), self.now - timedelta(days=60))

    def next(self, days: int) -> datetime:
        self.at = min(self.at + timedelta(days=self.rng.randint(days // 2, days) if days else 0,
                                          minutes=self.rng.randint(0, 600)), self.now)
        return self.at


def _at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 2, 0, tzinfo=UTC)


def _pick(rng: random.Random, mix: list[tuple[Status, int]]) -> Status:
    return rng.choices([s for s, _w in mix], weights=[w for _s, w in mix])[0]


def _instansi_prerequisites(rng: random.Random) -> dict[str, Any]:
    return {"opini_bpk": rng.choice(["WTP", "WTP", "WDP"]), "sakip_instansi": rng.choice(["A", "BB", "B"]),
            "indeks_rb": rng.choice(["A", "BB", "B"]), "spip_level": rng.choice([3, 3, 4, 2])}


def _unit_prerequisites(rng: random.Random) -> dict[str, Any]:
    return {"layanan_utama": True, "tl_apip_bpk_persen": rng.choice([100, 100, 95]), "lhkpn_persen": 100,
            "lhkasn_persen": rng.choice([100, 98]), "bulan_membangun_zi": rng.randint(6, 36),
            "sakip_unit": rng.choice(["A", "BB", "B"])}
