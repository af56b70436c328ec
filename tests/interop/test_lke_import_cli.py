"""`zi-assess lke import ASSESSMENT_ID FILE --layer L [--dry-run]`: the web import's report as text,
exit code 0 on success and 2 on refusal, all or nothing."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from tests.interop.test_excel_import import answer_state, layer_values
from tests.interop.test_lampiran_import import ANSWERS, drift, make
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.models import AuditEvent, Evidence

EXE = str(Path(sys.executable).with_name("zi-assess"))


@pytest.fixture
def draft(team, flow):
    return flow.create(team.unit, team.head)


@pytest.fixture
def drifted(tmp_path) -> Path:
    path = tmp_path / "form kuesioner.xlsx"
    path.write_bytes(make(drift, harus="typed")[0])
    return path


def run(runner, *args: object):
    return runner.invoke(args=["lke", "import", *map(str, args)])


def test_dry_run_prints_the_report_and_writes_nothing(runner, draft, drifted):
    state = answer_state(draft)
    result = run(runner, draft.id, drifted, "--layer", "mandiri", "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (f"Berkas form kuesioner.xlsx: tata letak Lampiran III (lembar \"LKE ZI\"), dibaca ke lapis "
                        f"Mandiri (kolom K dan O) penilaian {draft.id}, UJI-1 2026.")
    assert any(line.startswith("PERINGATAN 'LKE ZI'!L26     P2.i.b       Rumus berkas menghasilkan 0,00") for line in lines)
    assert "0 galat, 6 peringatan." in lines
    assert "Perubahan: 112 baru, 0 berubah, 0 catatan, 0 sama; 3 tautan bukti dukung." in lines
    assert lines[-1] == "Uji coba (--dry-run): tidak ada yang disimpan."
    assert answer_state(draft) == state and db.session.scalar(select(Evidence.id)) is None


def test_import_writes_answers_and_links_once(runner, draft, drifted):
    result = run(runner, draft.id, drifted, "--layer", "mandiri")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "Diimpor ke lapis Mandiri: 112 jawaban, 3 tautan bukti dukung."
    db.session.expire_all()
    assert layer_values(draft) == {k: v for k, v in ANSWERS.items() if k != "P1.ii.b"}
    evidence = db.session.scalars(select(Evidence).order_by(Evidence.id)).all()
    assert [(e.url, e.layer, e.uploaded_by_id) for e in evidence] == [
        ("https://drive.example.go.id/zi/sk-tim", Layer.MANDIRI, None),
        ("https://drive.example.go.id/zi/lhkpn", Layer.MANDIRI, None),
        ("https://elhkpn.kpk.go.id/rekap", Layer.MANDIRI, None)]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "answer.import"))
    assert (event.ip, event.actor_id, event.detail["layout"], event.detail["file"]) == (
        "cli", None, "lampiran", "form kuesioner.xlsx")
    state = answer_state(draft)
    again = run(runner, draft.id, drifted, "--layer", "mandiri")
    assert again.exit_code == 0 and again.output.splitlines()[-1] == (
        "Tidak ada perubahan: semua jawaban di berkas sama dengan yang tersimpan.")
    assert answer_state(draft) == state and len(db.session.scalars(select(Evidence)).all()) == 3


def test_a_file_with_an_error_is_refused_with_exit_code_2(runner, draft, tmp_path):
    def bad(rows):
        rows[[r.node for r in rows].index("P2.ii.a")].cells["K"] = "F"
    data, rows = make(bad)
    path = tmp_path / "salah.xlsx"
    path.write_bytes(data)
    result = run(runner, draft.id, path, "--layer", "mandiri")
    row = [r.node for r in rows].index("P2.ii.a") + 1
    assert result.exit_code == 2
    assert f"GALAT      'LKE ZI'!K{row}     P2.ii.a      'F' bukan pilihan jawaban soal ini (A, B, C)." in result.output
    assert "Tidak ada yang diimpor: berkas memuat 1 galat." in result.output
    assert answer_state(draft) == []


def test_refusals_name_the_reason_and_write_nothing(runner, draft, drifted, tmp_path):
    closed = run(runner, draft.id, drifted, "--layer", "tpi")
    assert closed.exit_code == 2 and "Lapis TPI tidak dapat diubah sekarang (status penilaian: Penilaian mandiri)" in closed.output
    missing = run(runner, draft.id + 99, drifted, "--layer", "mandiri")
    assert missing.exit_code == 2 and f"Tidak ada penilaian dengan ID {draft.id + 99}." in missing.output
    pdf = tmp_path / "lke.xlsx"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF")
    assert run(runner, draft.id, pdf, "--layer", "mandiri").exit_code == 2
    assert answer_state(draft) == []


def test_english_report(runner, draft, drifted):
    result = run(runner, draft.id, drifted, "--layer", "mandiri", "--dry-run", "--locale", "en")
    assert result.exit_code == 0, result.output
    assert "layout Lampiran III (sheet \"LKE ZI\"), read into layer Self-assessment (columns K and O)" in result.output
    assert "WARNING    'LKE ZI'!L26     P2.i.b       The file's formula gives 0.00, the regulation 1.00" in result.output
    assert "Dry run (--dry-run): nothing was saved." in result.output


def test_an_evaluator_layer_reads_its_own_columns_of_an_export(runner, team, login, flow, best_answers, tmp_path):
    a = flow.create(team.unit, team.head)
    flow.fill(team.operator, a, Layer.MANDIRI, best_answers)
    flow.step(team.head, a, "submit")
    flow.step(team.tpi_lead, a, "start_tpi_review")
    wb = openpyxl.load_workbook(io.BytesIO(login(team.tpi).get(f"/penilaian/{a.id}/lke.xlsx").data))
    wb["Jawaban"]["N7"], wb["Jawaban"]["Q7"], wb["Jawaban"]["K7"] = "b", "Sebagian unsur saja.", "C"
    path = tmp_path / "tpi.xlsx"
    wb.save(path)
    result = run(runner, a.id, path, "--layer", "tpi")
    assert result.exit_code == 0, result.output
    assert "tata letak PortalRB (lembar \"Jawaban\"), dibaca ke lapis TPI (kolom N dan Q)" in result.output
    db.session.expire_all()
    assert layer_values(a, Layer.TPI) == {"P1.i.b": "B"} and layer_values(a)["P1.i.b"] == "A"


def test_the_console_script_exits_2_on_refusal(tmp_path, drifted):
    env = {"ZI_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "ZI_SECRET_KEY": "x", "PATH": "/usr/bin:/bin"}
    assert subprocess.run([EXE, "db", "upgrade"], env=env, capture_output=True, timeout=120).returncode == 0
    out = subprocess.run([EXE, "lke", "import", "1", str(drifted), "--layer", "mandiri", "--dry-run"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "Tidak ada penilaian dengan ID 1." in out.stderr
