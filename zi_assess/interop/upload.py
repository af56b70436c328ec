"""Is an uploaded workbook something the import may open? Checked on the bytes, before openpyxl,
by :mod:`zi_assess.sniffing` (the same checks and limits as evidence uploads); this module words
the outcome for the import page.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from zi_assess.sniffing import FileRejected, sniff

MESSAGES = {
    "empty": _l("Berkas kosong. Pilih berkas Excel (.xlsx) LKE."),
    "too_large": _l("Berkas lebih besar dari %(mb)s MB. Tidak ada yang disimpan."),
    "encrypted": _l("Berkas dilindungi kata sandi. Buka di Excel, hapus kata sandinya (File › Info › Lindungi "
                    "Buku Kerja), simpan sebagai .xlsx, lalu unggah kembali."),
    "legacy_office": _l("Berkas berformat Excel lama (.xls). Simpan sebagai Buku Kerja Excel (.xlsx) lalu unggah "
                        "kembali."),
    "macro": _l("Berkas berisi makro (misalnya .xlsm) dan tidak diterima demi keamanan. Simpan sebagai .xlsx "
                "tanpa makro."),
    "not_xlsx": _l("Isi berkas ini bukan buku kerja Excel .xlsx (yang diperiksa isinya, bukan nama berkasnya)."),
    "corrupt": _l("Berkas Excel rusak atau tidak dapat dibaca."),
    "zip_bomb": _l("Isi berkas terlalu besar setelah dibuka; berkas ditolak."),
    "layout": _l("Berkas ini bukan LKE yang dikenali: tidak memuat lembar \"Jawaban\" dengan tata letak LKE "
                 "PortalRB (kolom A berisi ID soal) maupun lembar \"LKE ZI\" Lampiran III (hierarki di kolom B–G, "
                 "diawali \"A. PENGUNGKIT\"). Gunakan berkas hasil ekspor zi-assess atau lembar kerja Lampiran III."),
}


class UploadRejected(ValueError):
    """The file is refused before anything is read or stored; ``code`` keys :data:`MESSAGES`."""

    def __init__(self, code: str, detail: str = "", **params: object) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.params = params

    @property
    def message(self) -> str:
        return str(MESSAGES[self.code]) % self.params if self.params else str(MESSAGES[self.code])


def check_xlsx(data: bytes, max_bytes: int) -> None:
    """Raise :class:`UploadRejected` unless ``data`` is a plain (macro-free, unencrypted) xlsx."""
    if not data:
        raise UploadRejected("empty")
    if len(data) > max_bytes:
        raise UploadRejected("too_large", mb=max_bytes // (1024 * 1024))
    try:
        kind = sniff(data)
    except FileRejected as exc:
        raise UploadRejected(exc.code if exc.code in MESSAGES else "not_xlsx") from None
    if kind != "xlsx":
        raise UploadRejected("not_xlsx")
