"""User-facing texts for the stable codes raised by operations (translated with Flask-Babel)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

STEP_NAMES = {
    "submit": _l("Kirim ke TPI"),
    "resubmit": _l("Kirim ulang ke TPI"),
    "start_tpi_review": _l("Mulai penilaian TPI"),
    "return_to_unit": _l("Kembalikan ke unit untuk perbaikan"),
    "conclude_tpi": _l("Simpulkan penilaian TPI"),
    "propose": _l("Usulkan ke TPN"),
    "start_desk": _l("Mulai evaluasi desk TPN"),
    "start_field": _l("Selesaikan desk, mulai evaluasi lapangan"),
    "decide": _l("Tetapkan keputusan"),
    "sanggah": _l("Ajukan sanggah"),
}

STATUS_NAMES = {
    "draft": _l("Penilaian mandiri"),
    "submitted": _l("Dikirim ke TPI"),
    "tpi_review": _l("Dinilai TPI"),
    "returned": _l("Dikembalikan ke unit"),
    "tpi_done": _l("Selesai dinilai TPI"),
    "proposed": _l("Diusulkan ke TPN"),
    "tpn_desk": _l("Evaluasi desk TPN"),
    "tpn_field": _l("Evaluasi lapangan TPN"),
    "decided": _l("Diputuskan"),
}

ROLE_NAMES = {
    "unit_operator": _l("Operator unit"),
    "unit_head": _l("Kepala unit"),
    "tpi_evaluator": _l("Evaluator TPI"),
    "tpi_lead": _l("Ketua TPI"),
    "manager": _l("Manajer instansi"),
    "instansi_admin": _l("Admin instansi"),
    "tpn_evaluator": _l("Evaluator TPN"),
    "national_manager": _l("Manajer nasional"),
    "admin": _l("Administrator"),
}

#: the answer layers' names — the one set used by pages, PDFs and Excel ("effective": every layer merged)
LAYER_NAMES = {
    "mandiri": _l("Mandiri"),
    "tpi": _l("TPI"),
    "tpn_desk": _l("TPN desk"),
    "tpn_lapangan": _l("TPN lapangan"),
    "effective": _l("Efektif"),
}
#: the same layers named in full, for report headings
LAYER_TITLES = {
    "mandiri": _l("Penilaian mandiri (unit)"),
    "tpi": _l("Tim Penilai Internal (TPI)"),
    "tpn_desk": _l("TPN — evaluasi desk"),
    "tpn_lapangan": _l("TPN — evaluasi lapangan"),
    "effective": _l("Efektif (lapis terakhir yang menjawab)"),
}


def layer_short(key: str) -> str:
    """A layer's name (:data:`LAYER_NAMES`); an unknown key is shown as it is."""
    return str(LAYER_NAMES.get(key, key))


def layer_label(key: str) -> str:
    """A layer's full name (:data:`LAYER_TITLES`), for report headings."""
    return str(LAYER_TITLES.get(key, key))

EVIDENCE_PROBLEMS = {
    "too_large": _l("Berkas melebihi batas ukuran unggahan."),
    "empty": _l("Berkas kosong."),
    "unsupported_type": _l("Jenis berkas tidak didukung. Unggah PDF, JPG, PNG, XLSX atau DOCX."),
    "mismatch": _l("Isi berkas tidak sesuai dengan ekstensinya."),
    "macro": _l("Berkas berisi makro (misalnya .xlsm/.docm) tidak diterima demi keamanan."),
    "legacy_office": _l("Format Office lama (.doc/.xls) tidak diterima; simpan sebagai .docx/.xlsx."),
    "encrypted": _l("Berkas Office yang dilindungi kata sandi tidak diterima; simpan tanpa kata sandi sebagai "
                    ".docx/.xlsx, lalu unggah kembali."),
    "corrupt": _l("Berkas rusak atau tidak dapat dibaca."),
    "zip_bomb": _l("Berkas terlalu besar setelah dibuka dan ditolak."),
    "zip_path": _l("Berkas Office berisi bagian dengan lokasi yang tidak aman dan ditolak."),
    "too_many_pixels": _l("Gambar terlalu besar (jumlah piksel melebihi batas); perkecil lalu unggah kembali."),
    "polyglot": _l("Berkas juga berisi halaman web (HTML) dan ditolak demi keamanan."),
    "pdf_active": _l("PDF berisi skrip, aksi otomatis atau berkas sisipan dan ditolak demi keamanan; "
                     "cetak ulang sebagai PDF biasa, lalu unggah kembali."),
    "pdf_encrypted": _l("PDF yang dilindungi kata sandi tidak diterima; simpan tanpa kata sandi, lalu unggah kembali."),
    "infected": _l("Pemindai virus menemukan ancaman dalam berkas ini; berkas ditolak."),
    "scan_failed": _l("Berkas belum dapat diperiksa pemindai virus; tidak disimpan. Coba lagi nanti."),
    "bad_url": _l("Tautan harus diawali http:// atau https://."),
    "no_indicator": _l("Pilih indikator untuk data dukung ini."),
    "unknown_indicator": _l("Indikator tidak dikenal."),
    "nothing": _l("Pilih berkas atau isi tautan."),
}


def workflow_message(code: str, detail: str = "") -> str:
    """A sentence for a workflow outcome code (see zi_assess.domain.workflow.check_transition)."""
    if code == "done":
        return _("Langkah berhasil: %(step)s.", step=STEP_NAMES.get(detail, detail))
    messages = {
        "role": _("Peran Anda tidak dapat melakukan langkah ini."),
        "status": _("Langkah ini tidak dapat dilakukan pada status penilaian saat ini."),
        "incomplete": _("Belum semua indikator dijawab. Lengkapi jawaban terlebih dahulu."),
        "monitoring": _("Penilaian pemantauan berakhir pada kesimpulan TPI dan tidak diusulkan ke TPN."),
        "unconfirmed_carried": _("Masih ada jawaban yang disalin dari tahun lalu dan belum dikonfirmasi. Periksa "
                                 "dan konfirmasi setiap jawaban itu terlebih dahulu."),
        "deadline": _("Batas waktu untuk langkah ini sudah lewat atau belum dibuka."),
        "no_fix_requests": _("Tandai minimal satu indikator yang perlu diperbaiki sebelum mengembalikan ke unit."),
        "not_eligible": _("Hanya unit yang disimpulkan memenuhi kriteria oleh TPI yang dapat diusulkan."),
        "prerequisites": _("Syarat pengusulan (Tabel 5) belum terpenuhi atau belum dicatat."),
        "quota": _("Kuota usulan instansi untuk tahun ini sudah penuh."),
        "missing_conclusion": _("Pilih kesimpulan TPI."),
        "missing_decision": _("Pilih keputusan predikat."),
        "stale": _("Status penilaian telah berubah oleh pengguna lain. Periksa kembali halaman ini."),
        "exists": _("Penilaian untuk unit dan tahun ini sudah ada."),
        "predicate": _("Predikat ini tidak ada dalam versi kriteria penilaian."),
    }
    return messages.get(code, _("Langkah tidak dapat dilakukan."))


def evidence_message(code: str) -> str:
    return str(EVIDENCE_PROBLEMS.get(code, EVIDENCE_PROBLEMS["unsupported_type"]))


ANSWER_PROBLEMS = {
    "invalid_type": _l("Jawaban tidak sesuai jenis soal ini."),
    "invalid_option": _l("Jawaban bukan salah satu pilihan soal ini."),
    "invalid_count": _l("Isi jumlah dengan bilangan bulat 0 atau lebih."),
    "invalid_survey": _l("Nilai survei harus angka antara 0 dan nilai maksimal skalanya."),
    "unknown_input": _l("Isian jumlah tidak dikenal untuk soal ini."),
    "unknown_indicator": _l("Indikator tidak dikenal."),
}


def note_max_chars() -> int:
    """The longest note an answer may have (``ZI_NOTE_MAX_CHARS``): area form, import and operations."""
    from flask import current_app

    return int(current_app.config["NOTE_MAX_CHARS"])


def answer_message(indicator_id: str, code: str) -> str:
    """A sentence for an answer the domain refused (zi_assess.domain.answer_values.AnswerError)."""
    if code == "note_too_long":
        return _("%(indicator)s: catatan terlalu panjang; paling banyak %(max)s karakter.", indicator=indicator_id,
                 max=note_max_chars())
    problem = ANSWER_PROBLEMS.get(code, ANSWER_PROBLEMS["invalid_type"])
    return _("%(indicator)s: %(problem)s", indicator=indicator_id, problem=problem)


ORG_PROBLEMS = {
    "email": _l("Alamat surel tidak sah."),
    "email_taken": _l("Alamat surel ini sudah dipakai akun lain."),
    "too_long": _l("Isian terlalu panjang."),
    "name_required": _l("Isi nama."),
    "code_required": _l("Isi kode unit."),
    "code_taken": _l("Kode unit ini sudah dipakai unit lain di instansi yang sama."),
    "instansi_taken": _l("Nama instansi ini sudah dipakai."),
    "provinsi_required": _l("Isi provinsi untuk pemerintah daerah."),
    "kabkota_required": _l("Isi kabupaten/kota untuk pemerintah kabupaten atau kota."),
    "kabkota_not_allowed": _l("Kabupaten/kota hanya diisi untuk pemerintah kabupaten atau kota."),
    "parent_instansi": _l("Unit induk harus dari instansi yang sama."),
    "parent_cycle": _l("Unit induk tidak boleh unit ini sendiri atau salah satu unit di bawahnya."),
    "scope": _l("Lingkup tidak sesuai peran: peran unit perlu unit, peran instansi perlu instansi, "
                "peran nasional tanpa lingkup."),
    "last_admin": _l("Ini administrator aktif terakhir; tetapkan administrator lain terlebih dahulu."),
    "own_admin": _l("Anda tidak dapat mencabut peran administrator Anda sendiri."),
    "self_deactivate": _l("Anda tidak dapat menonaktifkan akun Anda sendiri."),
    "not_reviewer": _l("Hanya evaluator TPI (di instansi itu) dan evaluator TPN yang dapat ditugaskan menilai."),
    "user_inactive": _l("Akun ini nonaktif; aktifkan dulu sebelum mengirim undangan."),
    "token": _l("Tautan undangan tidak berlaku: sudah dipakai, kedaluwarsa, atau diganti undangan yang lebih baru."),
    "password_too_short": _l("Kata sandi terlalu pendek."),
    "password_too_simple": _l("Kata sandi terlalu sederhana."),
    "reason_required": _l("Tulis alasan membuka penilaian ini (paling sedikit 10 karakter); alasan tercatat di "
                          "jejak audit."),
    "bad_url": EVIDENCE_PROBLEMS["bad_url"],
    "prerequisite_key": _l("Syarat ini tidak dikenal untuk tingkat ini."),
    "mail": _l("Surel undangan tidak dapat dikirim; tidak ada yang disimpan. Coba lagi nanti."),
}


def org_message(code: str) -> str:
    """A sentence for an organisation operation's refusal (zi_assess.org.operations.InvalidInput)."""
    return str(ORG_PROBLEMS.get(code, _l("Isian tidak dapat disimpan.")))


SANGGAH_PROBLEMS = {
    "window": _l("Masa sanggah tahun ini tidak sedang dibuka (atau belum ditetapkan); tidak ada yang disimpan."),
    "second": _l("Sanggah untuk penilaian ini sudah diajukan; setiap penilaian hanya dapat disanggah sekali."),
    "final": _l("Sanggah ini sudah diputuskan dan keputusannya final; tidak ada yang diubah."),
    "none": _l("Belum ada sanggah untuk penilaian ini."),
    "empty": _l("Pilih minimal satu indikator yang disanggah."),
    "indicator": _l("Indikator %(ind)s tidak dikenal atau dipilih dua kali."),
    "reason": _l("Isi alasan untuk %(ind)s (paling banyak 4.000 karakter)."),
    "link": _l("Tautan bukti untuk %(ind)s harus alamat http:// atau https:// yang lengkap."),
    "answer": _l("Jawaban untuk %(ind)s tidak sesuai pilihan indikatornya."),
}


def sanggah_message(code: str, detail: str = "") -> str:
    """A sentence for a sanggah refusal (zi_assess.appeals.operations.SanggahRefused)."""
    text = SANGGAH_PROBLEMS.get(code)
    return str(text) % {"ind": detail} if text is not None else _("Sanggah tidak dapat disimpan.")


PREDICATE_PROBLEMS = {
    "revoked": _l("Predikat ini sudah dicabut; catatannya terkunci."),
    "not_concluded": _l("Belum ada penilaian pemantauan yang disimpulkan TPI untuk predikat ini."),
    "still_meets": _l("TPI menyimpulkan unit masih memenuhi predikat ini; predikat tidak dapat dicabut."),
    "reason": _l("Isi alasan pencabutan."),
    "year_taken": _l("Unit ini sudah punya penilaian pada tahun tersebut."),
    "not_due": _l("Pemantauan predikat ini belum jatuh tempo."),
}


def predicate_message(code: str) -> str:
    """A sentence for a monitoring or revocation refusal (zi_assess.predicates.operations.PredicateRefused)."""
    return str(PREDICATE_PROBLEMS.get(code, _l("Tidak dapat disimpan.")))


def sanggah_state(status: str, granted: bool | None) -> str:
    """Where a sanggah stands: "Menunggu putusan", "Sanggah diterima" or "Sanggah ditolak"."""
    if status != "decided":
        return _("Menunggu putusan")
    return _("Sanggah diterima") if granted else _("Sanggah ditolak")
