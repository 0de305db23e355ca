"""Evidence files are judged by their content, and their names are made safe."""

import io
import re
import zipfile

import pytest

from portal.core.files import FileRefused, check_upload, clean_filename

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
        ("report.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "report.docx"),
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
        ("page.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "must be a PDF, JPEG, PNG or Word (DOCX)"),
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
