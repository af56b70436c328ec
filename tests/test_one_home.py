"""Rules that used to live in several places now live in one, and every caller uses that one:
file sniffing and its limits, the filename slug, layer names, the afirmasi rule."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

import zi_assess
from zi_assess import sniffing
from zi_assess.domain.prerequisites import PrerequisiteRules, load_prerequisites
from zi_assess.filenames import slug

SOURCE = Path(zi_assess.__file__).parent
ROOT = SOURCE.parent


def sources_containing(text: str) -> set[str]:
    """Python modules and templates whose source holds ``text``."""
    files = [*SOURCE.rglob("*.py"), *(ROOT / "templates").rglob("*.html")]
    return {p.relative_to(ROOT).as_posix() for p in files if "migrations" not in p.parts and text in p.read_text()}


# -- file sniffing ---------------------------------------------------------------------------


def ooxml(main_part: str, members: int = 0, big: int = 0, macro: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<x/>")
        for n in range(members):
            archive.writestr(f"xl/media/m{n}.txt", "")
        if macro:
            archive.writestr("xl/vbaProject.bin", b"\0")
        if big:
            with archive.open("xl/sharedStrings.xml", "w") as member:
                chunk = b"\0" * (1024 * 1024)
                for _ in range(big // len(chunk)):
                    member.write(chunk)
    return buffer.getvalue()


def evidence_code(data: bytes, filename: str, tmp_path: Path) -> str:
    from zi_assess.evidence.storage import EvidenceRejected, store

    try:
        return store(io.BytesIO(data), filename, tmp_path / "store", 50 * 1024 * 1024).kind
    except EvidenceRejected as exc:
        return exc.code


def import_code(data: bytes) -> str:
    from zi_assess.interop.upload import UploadRejected, check_xlsx

    try:
        check_xlsx(data, 50 * 1024 * 1024)
    except UploadRejected as exc:
        return exc.code
    return "xlsx"


def test_evidence_uploads_and_workbook_imports_share_one_set_of_limits(tmp_path):
    limit = sniffing.MAX_MEMBERS - 2  # besides [Content_Types].xml and xl/workbook.xml
    at_limit, over = ooxml("xl/workbook.xml", members=limit), ooxml("xl/workbook.xml", members=limit + 1)
    assert evidence_code(at_limit, "lke.xlsx", tmp_path) == import_code(at_limit) == "xlsx"
    assert evidence_code(over, "lke.xlsx", tmp_path) == import_code(over) == "zip_bomb"
    unpacks_too_far = ooxml("xl/workbook.xml", big=sniffing.MAX_UNPACKED_BYTES + 1024 * 1024)
    assert len(unpacks_too_far) < 1024 * 1024  # a small upload ...
    assert evidence_code(unpacks_too_far, "lke.xlsx", tmp_path) == import_code(unpacks_too_far) == "zip_bomb"
    assert not list((tmp_path / "store").rglob("*.xlsx"))


def test_the_limits_are_defined_once():
    for name in ("MAX_UNPACKED_BYTES", "MAX_MEMBERS", "vbaproject.bin", "EncryptedPackage", "%PDF-"):
        assert sources_containing(name) == {"zi_assess/sniffing.py"}, name


@pytest.mark.parametrize(("data", "name", "kind"), [
    (b"%PDF-1.7\n", "a.pdf", "pdf"),
    (b"\xff\xd8\xff\xe0JFIF", "a.jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n....", "a.png", "png"),
    (ooxml("word/document.xml"), "a.docx", "docx"),
    (ooxml("xl/workbook.xml"), "a.xlsx", "xlsx"),
    (ooxml("xl/workbook.xml", macro=True), "a.xlsx", "macro"),
    (ooxml("xl/workbook.xml"), "a.xlsm", "macro"),
    (ooxml("xl/workbook.xml"), "a.docx", "mismatch"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600 + "EncryptedPackage".encode("utf-16-le"), "a.xlsx",
     "encrypted"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600 + "WordDocument".encode("utf-16-le"), "a.doc", "legacy_office"),
    (b"PK\x03\x04 not a zip", "a.xlsx", "corrupt"),
    (b"MZ\x90\x00", "a.pdf", "unsupported_type"),
    (b"", "a.pdf", "empty"),
])
def test_sniff_named(tmp_path, data, name, kind):
    path = tmp_path / "upload"
    path.write_bytes(data)
    for source in (data, path):  # bytes in memory (imports) or a file on disk (evidence)
        try:
            found = sniffing.sniff_named(source, name)
        except sniffing.FileRejected as exc:
            found = exc.code
        assert found == kind


def test_an_encryption_marker_across_two_read_chunks_is_found(tmp_path):
    marker = "EncryptedPackage".encode("utf-16-le")
    data = sniffing.CFB_MAGIC + b"\0" * (sniffing._CHUNK - len(sniffing.CFB_MAGIC) - 5) + marker
    with pytest.raises(sniffing.FileRejected) as info:
        sniffing.sniff(data)
    assert info.value.code == "encrypted"


# -- file names ----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "kwargs", "expected"), [
    ("Kementerian Uji", {}, "Kementerian-Uji"),
    ("Pemerintah Kota Bogor — Dinas Pendidikan & Kebudayaan", {}, "Pemerintah-Kota-Bogor-Dinas-Pendidikan-Kebudayaan"),
    ("Sekolah Tinggi Ilmu Pelayaran", {"max_length": 10}, "Sekolah-Ti"),
    ("Kantor Wilayah ", {"max_length": 15}, "Kantor-Wilayah"),
    ("KW_JKT/../../etc", {}, "KW_JKT-etc"),
    ("Café Éclair", {}, "Cafe-Eclair"),
    ("中文", {}, "unit"),
    ("", {}, "unit"),
    ("2. Penataan Tatalaksana", {"lower": True}, "2-penataan-tatalaksana"),
])
def test_slug(text, kwargs, expected):
    assert slug(text, fallback="unit", **kwargs) == expected


def test_every_download_name_uses_the_one_slug():
    assert sources_containing("[^A-Za-z0-9") == {"zi_assess/filenames.py"}
    assert sources_containing("[^a-z0-9]+\", \"-\"") == set()


# -- layer names ---------------------------------------------------------------------------


def test_layer_names_are_written_once():
    """Pages, PDFs and Excel all name layers through zi_assess.messages."""
    from zi_assess.messages import LAYER_NAMES, LAYER_TITLES

    for text in [*LAYER_NAMES.values(), *LAYER_TITLES.values()]:
        if str(text) not in ("TPI",):
            assert sources_containing(f'"{text}"') == {"zi_assess/messages.py"}, text


# -- the afirmasi rule ---------------------------------------------------------------------------


def test_afirmasi_is_prerequisite_data():
    rules = load_prerequisites()
    assert rules.is_afirmasi("pemkot", "rsud") and rules.is_afirmasi("pemprov", "samsat")
    assert not rules.is_afirmasi("kementerian", "rsud") and not rules.is_afirmasi("pemkab", "umum")
    other = PrerequisiteRules("x", "x", (), pemda_instansi_kinds=frozenset({"pemkab"}),
                              afirmasi_unit_types=frozenset({"umum"}))
    assert other.is_afirmasi("pemkab", "umum") and not other.is_afirmasi("pemkot", "rsud")
    assert sources_containing("afirmasi_unit_types") == {"zi_assess/domain/prerequisites.py"}
    assert sources_containing("InstansiKind.PEMKOT") <= {"zi_assess/models/org.py", "zi_assess/demo.py",
                                                            "zi_assess/demo_national.py"}
    from zi_assess.models import Unit

    assert not hasattr(Unit, "is_afirmasi")
