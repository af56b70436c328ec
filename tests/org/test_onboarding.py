"""Bulk onboarding from real .xlsx and .csv files built here: report first, all or nothing, idempotent."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from tests.smtp import body_text, smtp_server  # noqa: F401  (fixture)
from zi_assess.extensions import db
from zi_assess.models import AuditEvent, Instansi, Role, RoleAssignment, Unit, User
from zi_assess.onboarding.reading import COLUMNS

ROWS = [
    {"jenis_baris": "instansi", "instansi": "Pemerintah Kabupaten Impor", "jenis_instansi": "pemkab",
     "provinsi": "Jawa Barat", "kabupaten_kota": "Kabupaten Impor"},
    # a child before its parent: parents may come later in the file
    {"jenis_baris": "unit", "instansi": "Pemerintah Kabupaten Impor", "kode_unit": "RSUD-02",
     "nama_unit": "Poliklinik RSUD", "jenis_unit": "rsud", "kode_induk": "RSUD-01"},
    {"jenis_baris": "unit", "instansi": "Pemerintah Kabupaten Impor", "kode_unit": "RSUD-01",
     "nama_unit": "RSUD Kabupaten Impor", "jenis_unit": "rsud", "kepala_unit": "dr. Sari"},
    {"jenis_baris": "pengguna", "instansi": "Pemerintah Kabupaten Impor", "kode_unit": "RSUD-01",
     "surel": "operator@impor.go.id", "nama": "Budi Operator", "bahasa": "id", "peran": "unit_operator"},
    {"jenis_baris": "pengguna", "instansi": "Pemerintah Kabupaten Impor", "kode_unit": "RSUD-02",
     "surel": "operator@impor.go.id", "nama": "Budi Operator", "bahasa": "id", "peran": "unit_head"},
    {"jenis_baris": "pengguna", "instansi": "Pemerintah Kabupaten Impor", "surel": "tpi@impor.go.id",
     "nama": "Wati TPI", "bahasa": "en", "peran": "tpi_lead"},
]


def xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Onboarding"
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([row.get(c, "") for c in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows, delimiter=";") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row.get(c, "") for c in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Instansi, Unit, User,
                                                                                  RoleAssignment))


def upload(client, data, name):
    return client.post("/admin/impor/", data={"table": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_upload_report_then_import_then_idempotent(admin_team, login, app, smtp_server):  # noqa: F811
    app.config.update(smtp_server.config)
    client = login(admin_team.admin)
    before = counts()
    report = upload(client, xlsx(ROWS), "onboarding.xlsx")
    assert report.status_code == 200
    html = report.get_data(as_text=True)
    assert "Instansi baru: 1" in html and "Unit baru: 2" in html and "Akun baru (mendapat undangan): 2" in html
    assert counts() == before  # the report writes nothing
    token = re.search(r'action="/admin/impor/([A-Za-z0-9_-]+)"', html).group(1)
    done = client.post(f"/admin/impor/{token}")
    assert done.status_code == 302
    instansi = db.session.scalar(select(Instansi).where(Instansi.name == "Pemerintah Kabupaten Impor"))
    assert instansi.kabkota == "Kabupaten Impor"
    child = db.session.scalar(select(Unit).where(Unit.code == "RSUD-02"))
    assert child.parent.code == "RSUD-01" and child.parent.head_name == "dr. Sari"
    budi = db.session.scalar(select(User).where(User.email == "operator@impor.go.id"))
    assert {(a.role, a.unit.code) for a in budi.roles} == {(Role.UNIT_OPERATOR, "RSUD-01"),
                                                           (Role.UNIT_HEAD, "RSUD-02")}
    wati = db.session.scalar(select(User).where(User.email == "tpi@impor.go.id"))
    assert [(a.role, a.instansi_id) for a in wati.roles] == [(Role.TPI_LEAD, instansi.id)]
    assert sorted(m["To"] for m in smtp_server.messages) == ["Budi Operator <operator@impor.go.id>",
                                                             "Wati TPI <tpi@impor.go.id>"]
    assert "/undangan/" in body_text(smtp_server.messages[0])
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "onboarding.import"))
    # the same file again: nothing to do, nobody invited twice
    after = counts()
    again = upload(client, xlsx(ROWS), "onboarding.xlsx").get_data(as_text=True)
    assert "tidak ada yang perlu diimpor" in again and "Impor sekarang" not in again
    assert counts() == after and len(smtp_server.messages) == 2


def test_a_bad_row_refuses_the_whole_file(admin_team, login):
    client = login(admin_team.admin)
    before = counts()
    rows = ROWS + [
        {"jenis_baris": "pengguna", "instansi": "Tidak Ada", "surel": "x@impor.go.id", "nama": "X",
         "peran": "manager"},
        {"jenis_baris": "pengguna", "surel": "bukan-surel", "nama": "Y", "peran": "tpn_evaluator"},
        {"jenis_baris": "unit", "instansi": "Pemerintah Kabupaten Impor", "kode_unit": "X-1", "nama_unit": "X",
         "jenis_unit": "kantor"},
    ]
    response = upload(client, csv_bytes(rows), "onboarding.csv")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "3 baris bermasalah" in html and "Impor sekarang" not in html
    assert "Instansi \"Tidak Ada\" tidak ada di berkas maupun di zi-assess." in html.replace("&#34;", '"')
    assert "bukan-surel" in html and "kantor" in html
    assert counts() == before


def test_not_a_table(admin_team, login):
    client = login(admin_team.admin)
    response = upload(client, b"nama,surel\nA,a@b.id\n", "orang.csv")
    assert response.status_code == 400 and "nama kolom templat" in response.get_data(as_text=True)
    assert login(admin_team.inst_admin).get("/admin/impor/").status_code == 403


def test_template_download_is_a_workbook_with_the_columns(admin_team, login):
    response = login(admin_team.admin).get("/admin/impor/templat.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert [c.value for c in book["Onboarding"][1]] == list(COLUMNS)
    assert "Petunjuk" in book.sheetnames


def test_cli_dry_run_then_import(admin_team, runner, tmp_path):
    path = tmp_path / "onboarding.csv"
    path.write_bytes(csv_bytes(ROWS, delimiter=","))
    before = counts()
    dry = runner.invoke(args=["org", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "instansi_create=1" in dry.output and "user_create=2" in dry.output and counts() == before
    done = runner.invoke(args=["org", "import", str(path), "--base-url", "https://zi.example.go.id"])
    assert done.exit_code == 0, done.output
    db.session.expire_all()
    assert counts()[0] == before[0] + 1
    assert db.session.scalar(select(AuditEvent.actor_email).where(AuditEvent.action == "onboarding.import")) == \
        "system:cli"
    again = runner.invoke(args=["org", "import", str(path)])
    assert again.exit_code == 0 and "Tidak ada perubahan." in again.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([{"jenis_baris": "pengguna", "surel": "z@z.id", "nama": "Z", "peran": "raja"}]))
    refused = runner.invoke(args=["org", "import", str(bad)])
    assert refused.exit_code == 2 and "peran" in refused.output
