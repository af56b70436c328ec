"""Is an uploaded workbook something the import may open? Checked on the bytes, before openpyxl.

An xlsx is a zip holding ``[Content_Types].xml`` and ``xl/workbook.xml``. A password-protected
xlsx is not a zip at all but an OLE/CFB container (it starts D0 CF 11 E0 and holds an
``EncryptedPackage`` stream), as is a legacy .xls. Macro workbooks carry ``vbaProject.bin``.
The archive's declared sizes are checked before anything is unpacked (zip bombs).
"""

from __future__ import annotations

import io
import zipfile

from flask_babel import lazy_gettext as _l

#: an LKE workbook unpacks to about 1 MB; anything far beyond that is not one
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_MEMBERS = 2000
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")

MESSAGES = {
    "empty": _l("Berkas kosong. Pilih berkas Excel (.xlsx) LKE."),
    "too_large": _l("Berkas lebih besar dari %(mb)s MB. Tidak ada yang disimpan."),
    "encrypted": _l("Berkas dilindungi kata sandi. Buka di Excel, hapus kata sandinya (File › Info › Lindungi "
                    "Buku Kerja), simpan sebagai .xlsx, lalu unggah kembali."),
    "legacy": _l("Berkas berformat Excel lama (.xls). Simpan sebagai Buku Kerja Excel (.xlsx) lalu unggah kembali."),
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
    if data.startswith(CFB_MAGIC) or data.startswith(CFB_MAGIC[:4]):
        raise UploadRejected("encrypted" if _ENCRYPTED in data else "legacy")
    if not data.startswith(b"PK\x03\x04"):
        raise UploadRejected("not_xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise UploadRejected("corrupt") from None
    if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
        raise UploadRejected("zip_bomb")
    names = {i.filename for i in infos}
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise UploadRejected("macro")
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise UploadRejected("not_xlsx")
