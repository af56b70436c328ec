"""Tabel 5 prerequisite pages: values in words, evidence and author, the LKE's LHKASN figure beside the record."""

from __future__ import annotations

from sqlalchemy import select

from zi_assess.audit import SYSTEM
from zi_assess.extensions import db
from zi_assess.models import PrerequisiteRecord
from zi_assess.org import operations as org


def test_unit_values_in_words_with_evidence_and_author(admin_team, login):
    client = login(admin_team.head)
    url = f"/prasyarat/unit/{admin_team.unit.id}?tahun=2026"
    page = client.get(url).get_data(as_text=True)
    assert "Kepatuhan penyampaian LHKASN (%)" in page and "minimal 100 %" in page and "harus terpenuhi" in page
    saved = client.post(url, data={"v_layanan_utama": "ya", "v_lhkasn_persen": "93,75",
                                   "u_lhkasn_persen": "https://siharka.example.go.id/rekap/2026",
                                   "v_bulan_membangun_zi": "13", "v_sakip_unit": "BB"})
    assert saved.status_code == 302
    row = db.session.scalar(select(PrerequisiteRecord))
    assert row.values == {"layanan_utama": True, "lhkasn_persen": 93.75, "bulan_membangun_zi": 13,
                          "sakip_unit": "BB"}
    assert row.sources["lhkasn_persen"]["url"] == "https://siharka.example.go.id/rekap/2026"
    assert row.sources["lhkasn_persen"]["by"] == admin_team.head.id
    page = client.get(url).get_data(as_text=True)
    assert "93,75 %" in page and "13 bulan" in page and "terpenuhi" in page and ">BB<" in page
    assert "True" not in page and "93.75" not in page
    assert admin_team.head.name in page and 'href="https://siharka.example.go.id/rekap/2026"' in page
    # bad input: kept as typed, nothing written
    bad = client.post(url, data={"v_lhkasn_persen": "sembilan puluh", "v_tl_apip_bpk_persen": "120",
                                 "u_sakip_unit": "ftp://x"})
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert 'value="sembilan puluh"' in html and "Isi angka" in html and "0 sampai 100" in html
    db.session.expire_all()
    assert db.session.scalar(select(PrerequisiteRecord)).values["lhkasn_persen"] == 93.75
    assert login(admin_team.other_head).get(url).status_code == 404


def test_instansi_page_uses_the_pemda_minimum(admin_team, login, make_instansi):
    from zi_assess.models import InstansiKind

    pemda = make_instansi("Pemkab Syarat", InstansiKind.PEMKAB)
    client = login(admin_team.admin)
    page = client.get(f"/prasyarat/instansi/{pemda.id}?tahun=2026").get_data(as_text=True)
    assert "minimal CC" in page  # Indeks RB for WBK, pemda
    page = client.get(f"/prasyarat/instansi/{admin_team.instansi.id}?tahun=2026").get_data(as_text=True)
    assert "minimal CC" not in page and "minimal WTP" in page and "level 3" in page


def test_the_lke_lhkasn_figure_is_shown_and_a_disagreement_flagged(admin_team, flow, login):
    a = flow.create(admin_team.unit, admin_team.head)
    flow.fill(admin_team.operator, a, flow.Layer.MANDIRI,
              {"R5.iii.b": {"lhkasn_administrator": 4, "lhkasn_pengawas": 6, "lhkasn_fungsional_pelaksana": 6,
                            "lhkasn_sudah_melapor": 15}})
    org.record_prerequisites(SYSTEM, 2026, {"lhkasn_persen": 100}, unit=admin_team.unit)
    db.session.commit()
    page = login(admin_team.head).get(f"/prasyarat/unit/{admin_team.unit.id}?tahun=2026").get_data(as_text=True)
    assert "LKE R5.iii.b:" in page and "93,75 %" in page and "berbeda dengan LKE" in page
    org.record_prerequisites(SYSTEM, 2026, {"lhkasn_persen": 93.75}, unit=admin_team.unit)
    db.session.commit()
    page = login(admin_team.head).get(f"/prasyarat/unit/{admin_team.unit.id}?tahun=2026").get_data(as_text=True)
    assert "berbeda dengan LKE" not in page


def test_the_overview_reads_prerequisites_in_words(admin_team, flow, login):
    a = flow.create(admin_team.unit, admin_team.head)
    org.record_prerequisites(SYSTEM, 2026, {"layanan_utama": True, "lhkpn_persen": 87.5}, unit=admin_team.unit)
    db.session.commit()
    page = login(admin_team.operator).get(f"/penilaian/{a.id}").get_data(as_text=True)
    assert "True" not in page and "minimal True" not in page
    assert "terpenuhi" in page and "87,50 %" in page
