"""Checks for uploaded evidence: the type is decided by the file's content, never its name,
and the name a person gave is cleaned before it is shown or offered back as a download name."""

import hashlib
import io
import struct
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

import filetype

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_NAME_LENGTH = 100

# Content type -> the extension a cleaned name gets, and what a person would call it.
ALLOWED = {
    "application/pdf": ("pdf", "PDF"),
    "image/jpeg": ("jpg", "JPEG"),
    "image/png": ("png", "PNG"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx", "Word (DOCX)"),
}
ALLOWED_DESCRIPTION = "PDF, JPEG, PNG or Word (DOCX)"

# A Word document is a zip. What its central directory declares is checked before anything is
# decompressed, so a file built to be slow or huge to open is refused in a few microseconds.
# Real documents have tens of parts; 1,000 is far more than Word ever writes.
MAX_DOCX_PARTS = 1000
MAX_DOCX_OPENED_BYTES = 100 * 1024 * 1024
# Apache POI's zip-bomb guard refuses parts that inflate more than 100 times; small parts
# are let through whatever their ratio, since they cannot add up to much.
MAX_DOCX_RATIO = 100
RATIO_CHECKED_FROM_BYTES = 1024 * 1024
TOO_MANY_PARTS = "The selected Word document has too many parts to check. Save it as a PDF and upload that instead"
TOO_LARGE_OPENED = "The selected Word document is too large when opened. Save it as a PDF and upload that instead"


# The EICAR test file, which every anti-virus product treats as a virus so that what happens to an
# infected file can be tried safely. Files are refused when they hold it: the place where a
# virus scanner's answer would be taken as well.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
INFECTED = "The selected file contains a virus"


def looks_infected(data: bytes) -> bool:
    return EICAR in data


class FileRefused(ValueError):
    """Why a file cannot be accepted, in words for the person who chose it."""


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def clean_filename(name: str | None, extension: str) -> str:
    """A safe display name: no folders, control or direction-changing characters, at most
    100 characters, ending in the extension the content really has."""
    name = unicodedata.normalize("NFKC", name or "")
    name = name.replace("\\", "/")
    name = PurePosixPath(name).name
    # Cc: control characters; Cf: invisible format characters such as right-to-left override.
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co"})
    name = " ".join(name.split()).strip(" .")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip(" .")[: MAX_NAME_LENGTH - len(extension) - 1].rstrip(" .")
    return f"{stem or 'evidence'}.{extension}"


# The zip format's end record and central directory entries (the layouts zipfile reads).
_END_RECORD = struct.Struct("<4s4H2LH")
_END_SIGNATURE = b"PK\x05\x06"
_DIRECTORY_ENTRY = struct.Struct("<4s4B4HL2L5H2L")
_ENTRY_SIGNATURE = b"PK\x01\x02"
_ZIP64_COUNT = 0xFFFF
_ZIP64_SIZE = 0xFFFFFFFF


def _central_directory(data: bytes) -> tuple[int, int, int] | None:
    """Where a zip's central directory starts and ends, and how many entries it declares;
    None when there is no end record. Data before the zip (as zipfile allows) is tolerated."""
    end = data.rfind(_END_SIGNATURE, max(0, len(data) - _END_RECORD.size - 0xFFFF))
    if end < 0 or end + _END_RECORD.size > len(data):
        return None
    _, _, _, _, declared_entries, directory_size, _, _ = _END_RECORD.unpack_from(data, end)
    start = end - directory_size
    return (start, end, declared_entries) if start >= 0 else None


def _zip_part_names(data: bytes) -> set[bytes] | None:
    """The names of a zip's parts, read from its central directory alone: nothing is
    decompressed. None if it is not a well-formed zip. Raises FileRefused as soon as the
    directory shows too many parts, or parts that would be too large once opened."""
    directory = _central_directory(data)
    if directory is None:
        return None
    position, end, declared_entries = directory
    if declared_entries == _ZIP64_COUNT:  # only archives of 65,535 parts or more say this
        raise FileRefused(TOO_MANY_PARTS)
    names: set[bytes] = set()
    parts = opened_bytes = 0
    # Counted as they are read, not taken from the end record, which can understate them.
    while position < end:
        parts += 1
        if parts > MAX_DOCX_PARTS:
            raise FileRefused(TOO_MANY_PARTS)
        if position + _DIRECTORY_ENTRY.size > end:
            return None
        entry = _DIRECTORY_ENTRY.unpack_from(data, position)
        if entry[0] != _ENTRY_SIGNATURE:
            return None
        compressed, size, name_length, extra_length, comment_length = entry[10:15]
        opened_bytes += size
        # A zip64 size is 4GB or more: no document under 10MB needs one.
        too_large = _ZIP64_SIZE in (compressed, size) or opened_bytes > MAX_DOCX_OPENED_BYTES
        if too_large or _inflates_too_much(compressed, size):
            raise FileRefused(TOO_LARGE_OPENED)
        name_start = position + _DIRECTORY_ENTRY.size
        names.add(data[name_start : name_start + name_length])
        position = name_start + name_length + extra_length + comment_length
    return names


def _inflates_too_much(compressed: int, size: int) -> bool:
    return size >= RATIO_CHECKED_FROM_BYTES and size > compressed * MAX_DOCX_RATIO


def _is_docx(data: bytes) -> bool:
    names = _zip_part_names(data)
    return names is not None and {b"[Content_Types].xml", b"word/document.xml"} <= names


def content_type_of(data: bytes) -> str | None:
    """The allowed type this content really is, or None. Raises FileRefused for a Word
    document too costly to open (see _zip_part_names)."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    kind = filetype.guess(data)
    if kind is None:
        return None
    if kind.mime in ("image/jpeg", "image/png"):
        return kind.mime
    if kind.extension in ("docx", "zip"):
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document" if _is_docx(data) else None
    return None


def check_upload(filename: str | None, data: bytes) -> CheckedFile:
    """Accept the file or raise FileRefused with a message that says what to do."""
    if not data:
        raise FileRefused("The selected file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused("The selected file must be smaller than 10MB")
    if looks_infected(data):
        raise FileRefused(INFECTED)
    content_type = content_type_of(data)
    if content_type is None:
        raise FileRefused(f"The selected file must be a {ALLOWED_DESCRIPTION}")
    extension = ALLOWED[content_type][0]
    return CheckedFile(clean_filename(filename, extension), content_type, data)


def check_uploaded(upload) -> CheckedFile | None:
    """The file a form sent (a werkzeug FileStorage), read no further than one byte past the
    limit and checked; None when no file was chosen. Raises FileRefused."""
    if upload is None or not upload.filename:
        return None
    return check_upload(upload.filename, upload.read(MAX_FILE_BYTES + 1))


def download_response(data: bytes, content_type: str, filename: str):
    """Serve a stored file as a download, never as a page: a sandboxing policy of its own,
    so that even a file that slipped past the checks cannot run in the portal's origin."""
    from flask import send_file

    response = send_file(
        io.BytesIO(data), mimetype=content_type, as_attachment=True, download_name=filename, conditional=False
    )
    # The bytes are in memory already: an ordinary body, which the page cache can keep.
    response.direct_passthrough = False
    response.set_data(data)
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response


MB = 1024 * 1024


def describe_size(size: int) -> str:
    """A number of bytes the way the portal's messages write sizes (25MB, 3.5MB, 700KB),
    rounded down so that the room it describes is really there."""
    if size >= MB:
        tenths = size * 10 // MB
        return f"{tenths // 10}MB" if tenths % 10 == 0 else f"{tenths / 10:.1f}MB"
    if size >= 1024:
        return f"{size // 1024}KB"
    return "less than 1KB"


# --- documents the council publishes (a draft strategy, an easy read version) ------------------

ODT = "application/vnd.oasis.opendocument.text"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCUMENT_TYPES = {
    "application/pdf": ("pdf", "PDF"),
    DOCX: ("docx", "Word (DOCX)"),
    ODT: ("odt", "OpenDocument text (ODT)"),
}
DOCUMENT_TYPES_DESCRIPTION = "PDF, Word (DOCX) or OpenDocument text (ODT)"
# An OpenDocument file is a zip whose first part, stored uncompressed, is named "mimetype" and
# holds the document's type (OpenDocument 1.2, part 3, section 3.3).
_ODT_MARK = b"mimetype" + ODT.encode("ascii")


def _is_odt(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04") or data[30 : 30 + len(_ODT_MARK)] != _ODT_MARK:
        return False
    names = _zip_part_names(data)
    return names is not None and b"content.xml" in names


def document_type_of(data: bytes) -> str | None:
    if _is_odt(data):
        return ODT
    content_type = content_type_of(data)
    return content_type if content_type in DOCUMENT_TYPES else None


def check_document(upload) -> CheckedFile | None:
    """A document a form sent, checked as evidence is (size, viruses, zip bombs), of the types
    a document may be; None when no file was chosen. Raises FileRefused."""
    if upload is None or not upload.filename:
        return None
    data = upload.read(MAX_FILE_BYTES + 1)
    if not data:
        raise FileRefused("The selected file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise FileRefused("The selected file must be smaller than 10MB")
    if looks_infected(data):
        raise FileRefused(INFECTED)
    content_type = document_type_of(data)
    if content_type is None:
        raise FileRefused(f"The selected file must be a {DOCUMENT_TYPES_DESCRIPTION}")
    return CheckedFile(clean_filename(upload.filename, DOCUMENT_TYPES[content_type][0]), content_type, data)
