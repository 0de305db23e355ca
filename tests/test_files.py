"""Evidence files are judged by their content, and their names are made safe."""

import io
import random
import re
import zipfile
import zlib

import pytest

from portal.core.files import MAX_FILE_BYTES, FileRefused, check_upload, clean_filename, describe_size

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 20
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000") + b"\x00" * 20


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", "MZ")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name, data, content_type, filename",
    [
        ("letter.pdf", PDF, "application/pdf", "letter.pdf"),
        ("photo.PNG", PNG, "image/png", "photo.png"),
        ("scan.jpeg", JPEG, "image/jpeg", "scan.jpg"),
        (
            "report.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "report.docx",
        ),
        ("misnamed.txt", PDF, "application/pdf", "misnamed.pdf"),
    ],
)
def test_allowed_files_are_recognised_by_content(name, data, content_type, filename):
    checked = check_upload(name, data)
    assert checked.content_type == content_type
    assert checked.filename == filename


@pytest.mark.parametrize(
    "name, data, message",
    [
        (
            "page.pdf",
            b"<!DOCTYPE html><html><script>alert(1)</script></html>",
            "must be a PDF, JPEG, PNG or Word (DOCX)",
        ),
        ("image.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "must be a PDF"),
        ("archive.docx", plain_zip(), "must be a PDF"),
        ("empty.pdf", b"", "The selected file is empty"),
        ("huge.pdf", PDF + b"0" * (10 * 1024 * 1024), "smaller than 10MB"),
        ("program.pdf", b"MZ\x90\x00" + b"\x00" * 100, "must be a PDF"),
    ],
)
def test_other_files_are_refused_with_a_clear_message(name, data, message):
    with pytest.raises(FileRefused, match=re.escape(message)):
        check_upload(name, data)


@pytest.mark.parametrize(
    "given, expected",
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\system32\\evil.pdf", "evil.pdf"),
        ("report\x00\x1b[31m.pdf", "report[31m.pdf"),
        ("invoice\u202egnp.pdf", "invoicegnp.pdf"),
        ("", "evidence.pdf"),
        ("...", "evidence.pdf"),
        ("  spaced   out  name .pdf", "spaced out name.pdf"),
        ("letter.exe", "letter.pdf"),
        ("Gwen's letter – Mai 2026.pdf", "Gwen's letter – Mai 2026.pdf"),
    ],
)
def test_hostile_names_are_cleaned(given, expected):
    assert clean_filename(given, "pdf") == expected


def test_very_long_names_are_cut_keeping_the_extension():
    cleaned = clean_filename("a" * 300 + ".pdf", "pdf")
    assert len(cleaned) == 100
    assert cleaned.endswith(".pdf")


# --- Word documents built to be costly to open ------------------------------------------------


def docx_with_parts(extra: int) -> bytes:
    """A Word document's two required parts, then ``extra`` empty ones."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        for number in range(extra):
            archive.writestr(f"customXml/item{number}.xml", b"")
    return buffer.getvalue()


def docx_of_zeros(opened_size: int) -> bytes:
    """A Word document whose body is ``opened_size`` zero bytes, streamed in: small on disk."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as entry:
            chunk = bytes(4 * 1024 * 1024)
            for _ in range(opened_size // len(chunk)):
                entry.write(chunk)
    return buffer.getvalue()


def with_declared_parts(data: bytes, count: int) -> bytes:
    """The same zip with its end record claiming ``count`` parts."""
    end = data.rfind(b"PK\x05\x06")
    fields = bytearray(data[end:])
    fields[8:12] = count.to_bytes(2, "little") * 2  # parts on this disk, and in all
    return data[:end] + bytes(fields)


@pytest.fixture(scope="module")
def sixty_thousand_parts() -> bytes:
    return docx_with_parts(60_000)


@pytest.fixture(scope="module")
def opens_to_200mb() -> bytes:
    return docx_of_zeros(200 * 1024 * 1024)


@pytest.fixture(scope="module")
def opens_to_20mb() -> bytes:
    return docx_of_zeros(20 * 1024 * 1024)


@pytest.fixture
def nothing_decompressed(monkeypatch):
    """Fail the test if any part of a zip is decompressed."""

    def refuse(*args, **kwargs):
        raise AssertionError("a part of the zip was decompressed")

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)
    monkeypatch.setattr(zlib, "decompressobj", refuse)
    monkeypatch.setattr(zlib, "decompress", refuse)


TOO_MANY_PARTS = "The selected Word document has too many parts to check"
TOO_LARGE_OPENED = "The selected Word document is too large when opened"


def test_a_docx_of_sixty_thousand_parts_is_refused_from_its_directory(sixty_thousand_parts, nothing_decompressed):
    assert len(sixty_thousand_parts) < MAX_FILE_BYTES
    with pytest.raises(FileRefused, match=TOO_MANY_PARTS):
        check_upload("report.docx", sixty_thousand_parts)


def test_a_docx_that_understates_its_parts_is_still_refused(sixty_thousand_parts, nothing_decompressed):
    with pytest.raises(FileRefused, match=TOO_MANY_PARTS):
        check_upload("report.docx", with_declared_parts(sixty_thousand_parts, 2))


def test_a_docx_may_have_a_thousand_parts_but_no_more():
    assert check_upload("report.docx", docx_with_parts(998)).filename == "report.docx"
    with pytest.raises(FileRefused, match=TOO_MANY_PARTS):
        check_upload("report.docx", docx_with_parts(999))


def test_a_docx_that_opens_to_200mb_is_refused_without_opening_it(opens_to_200mb, nothing_decompressed):
    assert len(opens_to_200mb) < 2 * 1024 * 1024  # what the attacker uploads
    with pytest.raises(FileRefused, match=TOO_LARGE_OPENED):
        check_upload("report.docx", opens_to_200mb)


def test_a_part_that_inflates_hundreds_of_times_is_refused(opens_to_20mb, nothing_decompressed):
    """20MB is under the total allowed, but no real document compresses 200 to 1."""
    with pytest.raises(FileRefused, match=TOO_LARGE_OPENED):
        check_upload("report.docx", opens_to_20mb)


def test_a_real_sized_document_that_compresses_normally_is_accepted():
    words = random.Random(7).choices(["the", "taxi", "school", "letter", "plan", "review", "meeting"], k=400_000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>" + " ".join(words) + "</w:document>")
    assert check_upload("minutes.docx", buffer.getvalue()).filename == "minutes.docx"


def test_a_broken_zip_is_refused_as_the_wrong_type():
    broken = docx_bytes()[:-10]
    with pytest.raises(FileRefused, match="must be a PDF, JPEG, PNG or Word"):
        check_upload("report.docx", broken)


@pytest.mark.parametrize(
    "size, described",
    [
        (25 * 1024 * 1024, "25MB"),
        (5 * 1024 * 1024 + 200, "5MB"),
        (3_700_000, "3.5MB"),
        (700 * 1024 + 5, "700KB"),
        (10, "less than 1KB"),
    ],
)
def test_sizes_are_described_rounded_down(size, described):
    assert describe_size(size) == described
