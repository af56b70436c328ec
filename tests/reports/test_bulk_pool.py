"""Bulk LHE export without Redis: the in-process pool, the progress page, permissions."""

from __future__ import annotations

from sqlalchemy import select

from tests.reports import pdfutil
from tests.reports.bulk_helpers import start_export, wait_until_finished, zip_members
from zi_assess.domain.workflow import Layer
from zi_assess.extensions import db
from zi_assess.models import ExportItem, ExportJob


def test_pool_export_lists_the_unit_without_assessment_and_zips_the_rest(team, flow, fill, best_answers, make_unit,
                                                                          login):
    second = make_unit(team.instansi, code="UJI-2")
    empty = make_unit(team.instansi, code="UJI-3")
    fill(team.operator, flow.create(team.unit, team.tpi_lead), Layer.MANDIRI, best_answers)
    flow.create(second, team.tpi_lead)  # opened, nothing answered yet
    client = login(team.manager)
    form = client.get("/ekspor/lhe").get_data(as_text=True)
    assert "UJI-1" in form and "UJI-2" in form and "UJI-3" in form and "belum ada penilaian 2026" in form

    progress = start_export(client, team.instansi.id, [team.unit.id, second.id, empty.id])
    page = client.get(progress).get_data(as_text=True)
    assert 'data-status-url="' + progress + '/status"' in page and "export-progress.js" in page
    status = wait_until_finished(client, progress)
    assert (status["status"], status["total"], status["done"], status["failed"]) == ("done", 3, 2, 1)
    assert status["failures"] == [{"label": "UJI-3 — Unit 4",
                                   "error": "Unit ini belum memiliki penilaian untuk tahun 2026."}]
    members = zip_members(client, status)
    assert sorted(members) == ["001-LHE-UJI-1-2026.pdf", "002-LHE-UJI-2-2026.pdf", "GAGAL.txt"]
    assert "Unit 1" in pdfutil.text(members["001-LHE-UJI-1-2026.pdf"])
    assert pdfutil.watermark(members["002-LHE-UJI-2-2026.pdf"]) == "DRAF"  # nothing answered, still a draft
    assert "UJI-3 — Unit 4: Unit ini belum memiliki penilaian" in members["GAGAL.txt"].decode()

    reloaded = client.get(progress).get_data(as_text=True)  # the page after a reload: finished, with the link
    assert 'data-finished="true"' in reloaded and status["download"] in reloaded
    assert "Selesai" in reloaded and "UJI-3 — Unit 4" in reloaded


def test_everything_and_validation(team, flow, make_unit, login):
    flow.create(team.unit, team.tpi_lead)
    client = login(team.tpi_lead)
    response = client.post("/ekspor/lhe", data={"instansi": team.instansi.id, "tahun": 2026, "selected": "1"})
    assert response.status_code == 200
    assert "Pilih minimal satu unit" in response.get_data(as_text=True)
    response = client.post("/ekspor/lhe", data={"instansi": team.instansi.id, "tahun": 2026, "selected": "1",
                                                "units": [team.other_unit.id]})
    assert response.status_code == 200 and db.session.scalar(select(ExportJob)) is None
    assert f"&#39;{team.other_unit.id}&#39; bukan pilihan yang sah untuk isian ini." in response.get_data(as_text=True)
    status = wait_until_finished(client, start_export(client, team.instansi.id, None))
    assert status["total"] == 1 and status["done"] == 1


def test_who_may_export_and_follow_a_job(team, flow, login, client):
    flow.create(team.unit, team.tpi_lead)
    assert login(team.head).get("/ekspor/lhe").status_code == 403
    client.post("/keluar")
    manager = login(team.manager)
    progress = start_export(manager, team.instansi.id, [team.unit.id])
    wait_until_finished(manager, progress)
    client.post("/keluar")
    other = login(team.other_tpi_lead)
    assert other.get(progress).status_code == 404 and other.get(progress + "/status").status_code == 404
    assert other.get(progress + "/unduh").status_code == 404
    # a manager of another instansi cannot start an export of this one either
    response = other.post("/ekspor/lhe", data={"instansi": team.instansi.id, "tahun": 2026, "everything": "1"})
    assert response.status_code == 404 and db.session.scalar(select(ExportJob.id).where(
        ExportJob.created_by_id == team.other_tpi_lead.id)) is None
    client.post("/keluar")
    # the national manager may export, but sees only proposed assessments: the draft is refused, and listed
    national = login(team.national)
    status = wait_until_finished(national, start_export(national, team.instansi.id, [team.unit.id]))
    assert status["status"] == "failed" and status["failures"][0]["error"] == "Penilaian ini tidak dapat Anda akses."
    assert status["download"] is None


def test_a_finished_item_delivered_again_changes_nothing(team, flow, login, app):
    from zi_assess.reports import jobs
    from zi_assess.reports import operations as ops

    flow.create(team.unit, team.tpi_lead)
    client = login(team.manager)
    progress = start_export(client, team.instansi.id, [team.unit.id])
    wait_until_finished(client, progress)
    job_id = progress.rsplit("/", 1)[1]
    item = db.session.scalar(select(ExportItem).where(ExportItem.job_id == job_id))
    jobs.run_item(job_id, item.id)  # RQ may deliver a job twice
    db.session.expire_all()
    assert db.session.get(ExportJob, job_id).status == "done"
    assert not ops.claim_zip(job_id) and not ops.finish_item(item.id, error="late")


def test_worker_needs_redis(runner):
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code != 0 and "ZI_REDIS_URL is not set" in result.output


def test_the_operation_itself_refuses_units_of_another_instansi(team, flow, actor_for):
    """The form already refuses them; the operations layer (also used by the CLI) does too."""
    import pytest

    from zi_assess.reports import operations as ops

    flow.create(team.unit, team.tpi_lead)
    with pytest.raises(ops.InvalidExport) as refused:
        ops.create_export_job(actor_for(team.manager), team.instansi.id, 2026, [team.unit.id, team.other_unit.id],
                              locale="id", backend="pool")
    assert refused.value.code == "foreign_units" and db.session.scalar(select(ExportJob)) is None
