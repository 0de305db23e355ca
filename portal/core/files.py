"""Checks for uploaded evidence: the type is decided by the file's content, never its name,
and the name a person gave is cleaned before it is shown or offered back as a download name."""

import hashlib
import io
import unicodedata
import zipfile
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


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return False
    return "[Content_Types].xml" in names and "word/document.xml" in names


def content_type_of(data: bytes) -> str | None:
    """The allowed type this content really is, or None."""
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
    content_type = content_type_of(data)
    if content_type is None:
        raise FileRefused(f"The selected file must be a {ALLOWED_DESCRIPTION}")
    extension = ALLOWED[content_type][0]
    return CheckedFile(clean_filename(filename, extension), content_type, data)


def download_response(data: bytes, content_type: str, filename: str):
    """Serve a stored file as a download, never as a page: a sandboxing policy of its own,
    so that even a file that slipped past the checks cannot run in the portal's origin."""
    from flask import send_file

    response = send_file(io.BytesIO(data), mimetype=content_type, as_attachment=True, download_name=filename)
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'; sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response
