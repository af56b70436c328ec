"""The PortalRB pull API against its contract (Panduan Teknis API Integrasi ZI v1.0.0, 2026)."""

from __future__ import annotations

import io
import random
import time

import pytest
from sqlalchemy import func, select

from zi_assess import create_app
from zi_assess.domain import load_criteria
from zi_assess.domain.answers import random_answers
from zi_assess.domain.loader import CRITERIA_ROOT
from zi_assess.domain.portalrb_master import load_master
from zi_assess.evidence import operations as evidence_ops
from zi_assess.extensions import db
from zi_assess.interop import operations as ops
from zi_assess.models import ApiKey, AuditEvent, InstansiKind, Predicate, UnitType

MASTER = load_master(CRITERIA_ROOT / "portalrb" / "portalrb-master-soal-lke-zi-2026.json")
WBK = "/api/portalrb/pengusulan/unit-wbk"
WBBM = "/api/portalrb/pengusulan/unit-wbbm"


def jawaban(code: str, **query) -> str:
    suffix = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/api/portalrb/lke/jawaban-unit/{code}" + (f"?{suffix}" if suffix else "")


@pytest.fixture
def key(team, actor_for):
    def make(instansi=None) -> str:
        _key, plain = ops.create_api_key(actor_for(team.admin), (instansi or team.instansi).id, "PortalRB")
        db.session.commit()
        return plain

    return make


def get(client, path, plain=None, **headers):
    if plain is not None:
        headers["Authorization"] = f"Bearer {plain}"
    return client.get(path, headers=headers)


def assert_error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json and response.get_json() == {"error": True, "code": code,
                                                        "message": response.get_json()["message"]}
    assert response.get_json()["message"] and response.headers["Cache-Control"] == "no-store"


def expected_text(value, key):
    if key is not None:
        value = (value or {}).get(key)
    if value is None:
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def test_every_soal_of_the_master_list_once_with_the_right_values(team, client, key, propose, actor_for):
    criteria = load_criteria()
    mandiri = random_answers(criteria, random.Random(3))
    tpi = dict(list(random_answers(criteria, random.Random(4), quality=0.2).items())[::3])

    def evidence(a):
        evidence_ops.add_link(actor_for(team.head), a.id, ["P1.i.a", "R1.i.a"], "https://drive.example/sk", "SK")
        evidence_ops.add_file(actor_for(team.head), a.id, ["P1.i.a"], io.BytesIO(b"%PDF-1.4\n%x\n"), "sk.pdf")

    propose(team.unit, team.head, team.tpi_lead, mandiri, tpi, prepare=evidence)
    response = get(client, jawaban("UJI-1", tahun=2026), key())
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    assert (body["unit_id"], body["nama_unit"], body["tahun"]) == ("UJI-1", "Unit 1", 2026)
    answers = body["answers"]
    assert sorted(a["soal_id"] for a in answers) == sorted(MASTER.soals) == list(range(1, 128))
    owners = {}
    for ind in criteria.indicators.values():
        for inp in ind.inputs:
            owners[inp.soal_id] = (ind.id, inp.key)
        if ind.soal_id is not None:
            owners[ind.soal_id] = (ind.id, None)
    for answer in answers:
        ind, key_ = owners[answer["soal_id"]]
        assert set(answer) == {"soal_id", "jawaban_unit", "jawaban_tpi", "catatan_unit", "bukti_dukung_unit",
                               "catatan_tpi"}
        assert answer["jawaban_unit"] == expected_text(mandiri[ind], key_), answer
        assert answer["jawaban_tpi"] == expected_text(tpi.get(ind), key_), answer
        assert answer["catatan_unit"] == "catatan"
        assert answer["catatan_tpi"] == ("catatan" if ind in tpi else None)
        for field in ("jawaban_unit", "jawaban_tpi", "catatan_unit", "bukti_dukung_unit", "catatan_tpi"):
            assert answer[field] is None or isinstance(answer[field], str)
    by_soal = {a["soal_id"]: a for a in answers}
    links = by_soal[1]["bukti_dukung_unit"].split("\n")
    assert links[0] == "https://drive.example/sk" and links[1].startswith("http://localhost/data-dukung/")
    assert by_soal[88]["bukti_dukung_unit"] == by_soal[89]["bukti_dukung_unit"] == "https://drive.example/sk"
    assert by_soal[2]["bukti_dukung_unit"] is None
    assert by_soal[125]["jawaban_unit"] == repr(mandiri["H1.a"])  # a survey score as text, e.g. "3.47"
    assert by_soal[113]["jawaban_unit"] == str(mandiri["R5.iii.a"]["lhkpn_kepala_satker"])


def test_unit_lists_hold_only_units_proposed_for_that_year(team, client, key, propose, flow, make_instansi, make_unit,
                                                           make_user, best_answers):
    propose(team.unit, team.head, team.tpi_lead)
    draft_unit = make_unit(team.instansi, code="UJI-DRAFT")
    flow.create(draft_unit, team.tpi_lead)
    last_year = make_unit(team.instansi, code="UJI-2025")
    propose(last_year, make_user("unit_head", last_year), team.tpi_lead, year=2025)
    wbbm_unit = make_unit(team.instansi, code="UJI-WBBM")
    wbbm_unit.current_predicate = Predicate.WBK
    propose(wbbm_unit, make_user("unit_head", wbbm_unit), team.tpi_lead, target=Predicate.WBBM)
    plain = key()
    body = get(client, WBK + "?tahun=2026", plain).get_json()
    assert body == {"tahun": 2026, "units": [{"id": "UJI-1", "nama": "Unit 1", "kategori": "WBK", "afirmasi": False}]}
    assert [u["id"] for u in get(client, WBK + "?tahun=2025", plain).get_json()["units"]] == ["UJI-2025"]
    assert get(client, WBBM + "?tahun=2026", plain).get_json()["units"] == [
        {"id": "UJI-WBBM", "nama": wbbm_unit.name, "kategori": "WBBM", "afirmasi": False}]
    assert get(client, WBK, plain).get_json()["tahun"] == time.gmtime().tm_year  # default: this year
    assert_error(get(client, jawaban("UJI-DRAFT", tahun=2026), plain), 404, "DATA_NOT_FOUND")
    pemkot = make_instansi("Pemkot Afirmasi", InstansiKind.PEMKOT)
    rsud = make_unit(pemkot, unit_type=UnitType.RSUD, code="RSUD-1")
    propose(rsud, make_user("unit_head", rsud), make_user("tpi_lead", pemkot))
    assert get(client, WBK + "?tahun=2026", key(pemkot)).get_json()["units"] == [
        {"id": "RSUD-1", "nama": rsud.name, "kategori": "WBK-AFIRMASI", "afirmasi": True}]


def test_refusals_use_the_contract_shape_and_are_audited(team, client, key, propose, actor_for):
    propose(team.unit, team.head, team.tpi_lead)
    plain = key()
    _other = key(team.other_instansi)
    revoked_key, revoked = ops.create_api_key(actor_for(team.admin), team.instansi.id, "lama")
    ops.revoke_api_key(actor_for(team.admin), revoked_key.id)
    db.session.commit()
    cases = [
        (get(client, WBK), 401, "UNAUTHORIZED"),
        (get(client, WBK, "zik_deadbeef_" + "x" * 43), 401, "UNAUTHORIZED"),
        (get(client, WBK, plain[:-1] + ("A" if plain[-1] != "A" else "B")), 401, "UNAUTHORIZED"),
        (get(client, WBK, revoked), 401, "UNAUTHORIZED"),
        (get(client, WBK, Authorization=f"Basic {plain}"), 401, "UNAUTHORIZED"),
        (get(client, jawaban("LAIN-1"), plain), 403, "FORBIDDEN"),
        (get(client, jawaban("TIDAK-ADA"), plain), 404, "UNIT_NOT_FOUND"),
        (get(client, jawaban("UJI-1", tahun=2025), plain), 404, "DATA_NOT_FOUND"),
        (get(client, WBBM + "?tahun=2026", plain), 404, "DATA_NOT_FOUND"),
        (get(client, WBK + "?tahun=dua-ribu", plain), 422, "INVALID_PARAMETER"),
        (get(client, WBK + "?tahun=1999", plain), 422, "INVALID_PARAMETER"),
        (get(client, "/api/portalrb/tidak/ada", plain), 404, "NOT_FOUND"),
        (client.post(WBK, headers={"Authorization": f"Bearer {plain}"}), 405, "METHOD_NOT_ALLOWED"),
    ]
    for response, status, code in cases:
        assert_error(response, status, code)
    refused = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api.refused")
                                 .order_by(AuditEvent.id)).all()
    assert [(e.detail["status"], e.detail["code"]) for e in refused] == [(s, c) for _r, s, c in cases]
    assert refused[5].actor_email.startswith("apikey:") and refused[5].detail["instansi"] == team.instansi.id
    assert refused[1].detail["presented_key"] == "deadbeef" and "x" * 10 not in str(refused[1].detail)
    assert refused[0].actor_email == "api-anon:127.0.0.1"
    assert get(client, jawaban("UJI-1", tahun=2026), plain).status_code == 200
    call = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api.call"))
    assert call.detail["path"] == "/api/portalrb/lke/jawaban-unit/UJI-1" and call.detail["unit"] == "UJI-1"
    used = db.session.scalars(select(ApiKey).where(ApiKey.last_used_at.is_not(None))).all()
    assert [k.instansi_id for k in used] == [team.instansi.id]


def _second_app(config):
    """Another app on the same database (requests push their own contexts); its engine is closed after."""
    app = create_app(config)
    yield app
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def limited(app_config):
    yield from _second_app(app_config | {"PORTALRB_RATE_LIMIT_PER_MINUTE": 3})


@pytest.fixture
def moved(app_config):
    yield from _second_app(app_config | {"PORTALRB_API_PREFIX": "/integrasi/portalrb/"})


def test_rate_limit_per_key_counts_refusals_too(team, key, propose, limited):
    propose(team.unit, team.head, team.tpi_lead)
    plain, other = key(), key()
    client = limited.test_client()
    statuses = [get(client, WBK + "?tahun=2026", plain).status_code for _ in range(3)]
    blocked = get(client, WBK + "?tahun=2026", plain)
    assert statuses == [200, 200, 200]
    assert_error(blocked, 429, "RATE_LIMITED")
    assert 0 < int(blocked.headers["Retry-After"]) <= 60
    assert get(client, WBK + "?tahun=2026", other).status_code == 200  # per key
    anonymous = [get(client, WBK).status_code for _ in range(4)]
    assert anonymous == [401, 401, 401, 429]  # callers without a valid key: per address


def test_rate_limit_with_redis(team, key, propose, limited):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    propose(team.unit, team.head, team.tpi_lead)
    plain = key()
    limited.config["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    client = limited.test_client()
    statuses = [get(client, WBK + "?tahun=2026", plain).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_prefix_is_configurable_and_the_api_needs_no_csrf_token(team, key, propose, moved):
    propose(team.unit, team.head, team.tpi_lead)
    plain = key()
    client = moved.test_client()
    response = get(client, "/integrasi/portalrb/pengusulan/unit-wbk?tahun=2026", plain)
    assert response.status_code == 200 and response.get_json()["units"][0]["id"] == "UJI-1"
    assert get(client, WBK + "?tahun=2026", plain).status_code == 404
    assert_error(client.post("/integrasi/portalrb/pengusulan/unit-wbk", headers={"Authorization": f"Bearer {plain}"}),
                 405, "METHOD_NOT_ALLOWED")  # not a CSRF refusal: the blueprint is exempt
    document = client.get("/integrasi/portalrb/openapi.json").get_json()
    assert document["servers"] == [{"url": "http://localhost/integrasi/portalrb"}]


def test_openapi_document_describes_the_three_endpoints(client):
    document = client.get("/api/portalrb/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {"/pengusulan/unit-wbk", "/pengusulan/unit-wbbm", "/lke/jawaban-unit/{unit_id}"}
    for path in document["paths"].values():
        responses = path["get"]["responses"]
        assert set(responses) == {"200", "401", "403", "404", "422", "429"}
        assert path["get"]["security"] == [{"bearer": []}]
    answer = document["components"]["schemas"]["Jawaban"]["properties"]["answers"]["items"]
    assert set(answer["required"]) == {"soal_id", "jawaban_unit", "jawaban_tpi", "catatan_unit",
                                       "bukti_dukung_unit", "catatan_tpi"}
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0  # documentation is not a call


def test_a_survey_score_of_zero_is_sent_as_an_answer(team, client, key, propose):
    criteria = load_criteria()
    mandiri = random_answers(criteria, random.Random(5)) | {"H1.a": 0, "H2.a": 0.0}
    mandiri["R6.i.b"] = {"jumlah_layanan_terdaftar": 0, "jumlah_layanan_dipermudah": 0}
    propose(team.unit, team.head, team.tpi_lead, mandiri, {"H2.a": 0})
    by_soal = {a["soal_id"]: a for a in get(client, jawaban("UJI-1", tahun=2026), key()).get_json()["answers"]}
    h1a, h2a = criteria.indicators["H1.a"].soal_id, criteria.indicators["H2.a"].soal_id
    assert by_soal[h1a]["jawaban_unit"] == "0" and by_soal[h1a]["jawaban_tpi"] is None
    assert by_soal[h2a]["jawaban_unit"] == "0" and by_soal[h2a]["jawaban_tpi"] == "0"
    terdaftar = criteria.indicators["R6.i.b"].inputs[0].soal_id
    assert by_soal[terdaftar]["jawaban_unit"] == "0"


def test_a_keys_last_use_is_written_once_a_minute(team, client, key, propose, monkeypatch):
    """Every call is audited; the key's row (shown to the minute) is written at most once a minute,
    so a client's concurrent calls do not queue on it."""
    from datetime import UTC, datetime, timedelta

    propose(team.unit, team.head, team.tpi_lead)
    plain = key()
    now = [datetime(2026, 12, 4, 9, 0, 10, tzinfo=UTC)]
    monkeypatch.setattr(ops, "utcnow", lambda: now[0])

    def last_used():
        db.session.expire_all()
        value = db.session.scalar(select(ApiKey.last_used_at))
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value

    assert get(client, WBK + "?tahun=2026", plain).status_code == 200
    assert last_used() == now[0]
    first = now[0]
    now[0] += timedelta(seconds=59)
    assert get(client, WBK + "?tahun=2026", plain).status_code == 200
    assert last_used() == first
    now[0] += timedelta(seconds=1)
    assert get(client, WBK + "?tahun=2026", plain).status_code == 200
    assert last_used() == now[0]
    calls = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "api.call"))
    assert calls == 3
