"""Names and texts of the national data set (:mod:`zi_assess.demo_national`): instansi, unit
kinds, notes. Synthetic: no figure here belongs to a real unit."""

from __future__ import annotations

import random

from zi_assess.domain.workflow import Status
from zi_assess.models import InstansiKind, UnitType

K, L = InstansiKind.KEMENTERIAN, InstansiKind.LEMBAGA

KEMENTERIAN_LEMBAGA: list[tuple[str, InstansiKind]] = [
    ("Kementerian Keuangan (Data Nasional)", K), ("Kementerian Hukum (Data Nasional)", K),
    ("Kementerian Agama (Data Nasional)", K), ("Kementerian Kesehatan (Data Nasional)", K),
    ("Kementerian Perhubungan (Data Nasional)", K), ("Kementerian Dalam Negeri (Data Nasional)", K),
    ("Kementerian Ketenagakerjaan (Data Nasional)", K), ("Kementerian Pertanian (Data Nasional)", K),
    ("Kementerian Perindustrian (Data Nasional)", K), ("Kementerian Perdagangan (Data Nasional)", K),
    ("Kementerian Sosial (Data Nasional)", K), ("Kementerian Pekerjaan Umum (Data Nasional)", K),
    ("Kementerian Kelautan dan Perikanan (Data Nasional)", K), ("Kementerian Lingkungan Hidup (Data Nasional)", K),
    ("Kementerian Kehutanan (Data Nasional)", K), ("Kementerian Imigrasi dan Pemasyarakatan (Data Nasional)", K),
    ("Kementerian Pendidikan Dasar dan Menengah (Data Nasional)", K),
    ("Kementerian Pendidikan Tinggi, Sains, dan Teknologi (Data Nasional)", K),
    ("Kementerian Agraria dan Tata Ruang (Data Nasional)", K),
    ("Kementerian Komunikasi dan Digital (Data Nasional)", K),
    ("Kementerian Energi dan Sumber Daya Mineral (Data Nasional)", K), ("Kementerian Desa (Data Nasional)", K),
    ("Kementerian Pariwisata (Data Nasional)", K), ("Kementerian Koperasi (Data Nasional)", K),
    ("Badan Pusat Statistik (Data Nasional)", L), ("Badan Pengawasan Obat dan Makanan (Data Nasional)", L),
    ("Badan Meteorologi, Klimatologi, dan Geofisika (Data Nasional)", L),
    ("Badan Kepegawaian Negara (Data Nasional)", L), ("Badan Pertanahan Nasional (Data Nasional)", L),
    ("Badan Narkotika Nasional (Data Nasional)", L), ("Badan SAR Nasional (Data Nasional)", L),
    ("Badan Karantina Indonesia (Data Nasional)", L), ("Badan Pengawasan Keuangan dan Pembangunan (Data Nasional)", L),
    ("Lembaga Administrasi Negara (Data Nasional)", L),
]

PROVINSI = [
    "Aceh", "Sumatera Utara", "Sumatera Barat", "Riau", "Kepulauan Riau", "Jambi", "Bengkulu", "Sumatera Selatan",
    "Kepulauan Bangka Belitung", "Lampung", "Banten", "DKI Jakarta", "Jawa Barat", "Jawa Tengah",
    "DI Yogyakarta", "Jawa Timur", "Bali", "Nusa Tenggara Barat", "Nusa Tenggara Timur", "Kalimantan Barat",
    "Kalimantan Tengah", "Kalimantan Selatan", "Kalimantan Timur", "Kalimantan Utara", "Sulawesi Utara",
    "Gorontalo", "Sulawesi Tengah", "Sulawesi Barat", "Sulawesi Selatan", "Sulawesi Tenggara", "Maluku",
    "Maluku Utara", "Papua", "Papua Barat", "Papua Barat Daya", "Papua Tengah", "Papua Pegunungan", "Papua Selatan",
]

#: the last year's workflow states and how often each occurs
STATUS_MIX: list[tuple[Status, int]] = [
    (Status.DRAFT, 22), (Status.SUBMITTED, 10), (Status.TPI_REVIEW, 14), (Status.RETURNED, 5),
    (Status.TPI_DONE, 6), (Status.PROPOSED, 14), (Status.TPN_DESK, 11), (Status.TPN_FIELD, 8), (Status.DECIDED, 10),
]

#: (indicator, title) of the evidence units attach
EVIDENCE_TITLES = [
    ("P1.i.a", "SK Tim Kerja Pembangunan Zona Integritas"), ("P1.ii.a", "Rencana kerja pembangunan ZI"),
    ("P1.iv.b", "SK penetapan agen perubahan"), ("P2.i.a", "Peta proses bisnis dan daftar SOP"),
    ("P4.ii.a", "Rencana strategis dan perjanjian kinerja"), ("P5.i.a", "Dokumentasi kampanye gratifikasi"),
    ("P6.i.a", "SK standar pelayanan"), ("R5.iii.a", "Rekap kepatuhan LHKPN"),
    ("P3.i.a", "Analisis jabatan dan beban kerja"), ("P6.ii.a", "Laporan inovasi pelayanan"),
]

_K_UNITS = ["Kantor Wilayah", "Balai Besar", "Balai", "Kantor Pelayanan", "Unit Pelaksana Teknis", "Loka"]
_PEMDA_UNITS = [
    ("Rumah Sakit Umum Daerah", UnitType.RSUD), ("Dinas Kependudukan dan Pencatatan Sipil", UnitType.DUKCAPIL),
    ("Dinas Penanaman Modal dan PTSP", UnitType.PTSP), ("Dinas Pendidikan", UnitType.PENDIDIKAN),
    ("Dinas Tenaga Kerja", UnitType.KETENAGAKERJAAN), ("Badan Pendapatan Daerah", UnitType.UMUM),
    ("Kantor Bersama Samsat", UnitType.SAMSAT), ("Dinas Kesehatan", UnitType.UMUM),
    ("Dinas Perhubungan", UnitType.UMUM), ("Kecamatan", UnitType.UMUM),
]

_OPEN = ["Sudah dilaksanakan;", "Telah ditetapkan;", "Sebagian besar terpenuhi;", "Dilaksanakan rutin;",
         "Masih dalam proses;", "Sudah berjalan sejak tahun lalu;"]
_WHAT = ["SK ditandatangani pimpinan unit", "notulen rapat dan daftar hadir terlampir",
         "laporan monitoring triwulanan tersedia", "dokumen direviu bersama tim kerja",
         "sosialisasi melalui apel pagi dan media sosial unit", "tangkapan layar aplikasi layanan diunggah",
         "rencana tindak lanjut dijadwalkan semester II", "hasil evaluasi dibahas dalam rapat pimpinan",
         "bukti pelaksanaan berupa foto kegiatan dan laporan", "survei internal dilakukan kepada pegawai"]
_TAIL = ["Data dukung diunggah pada folder ZI.", "Lihat lampiran pada tautan data dukung.",
         "Penanggung jawab: sekretariat tim ZI.", "Akan diperbarui setelah reviu berikutnya.", ""]
_ASSESSOR = ["Bukti belum menunjukkan pelaksanaan menyeluruh; nilai diturunkan satu tingkat.",
             "Dokumen tidak ditandatangani pejabat berwenang.", "Monitoring tidak dilakukan berkala.",
             "Hasil wawancara lapangan tidak sepenuhnya mendukung jawaban unit.",
             "Data dukung tidak lengkap untuk seluruh layanan.", "Sosialisasi belum menjangkau seluruh pegawai."]


def unit_note(rng: random.Random) -> str:
    """A unit's note on one answer (one of several hundred combinations)."""
    return f"{rng.choice(_OPEN)} {rng.choice(_WHAT)}. {rng.choice(_TAIL)}".strip()


def assessor_note(rng: random.Random) -> str:
    return rng.choice(_ASSESSOR)


def unit_rows_for(instansi_name: str, kind: InstansiKind, count: int,
                  rng: random.Random) -> list[tuple[str, str, UnitType]]:
    """``count`` units of one instansi: (name, code unique in the instansi, unit type)."""
    short = instansi_name.split(" (")[0]
    place_names = PROVINSI if kind in (K, L) else [short.replace("Pemerintah ", "")]
    out = []
    for n in range(count):
        if kind in (K, L):
            name = f"{rng.choice(_K_UNITS)} {short.split(' ', 1)[1]} {place_names[n % len(place_names)]} {n + 1}"
            unit_type = UnitType.UMUM
        else:
            label, unit_type = _PEMDA_UNITS[n % len(_PEMDA_UNITS)]
            name = f"{label} {place_names[0]} {n + 1}"
        out.append((name[:200], f"N{n + 1:04d}", unit_type))
    return out
