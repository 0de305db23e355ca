"""CSV downloads that are safe to open in a spreadsheet.

A cell that starts with =, +, -, @ (or a tab or carriage return, which some spreadsheets skip
before reading a formula) would be run as a formula when the file is opened. Every such text
cell gets a leading apostrophe, which spreadsheets show as text and never evaluate. Numbers
are written as numbers, so a negative count stays a number.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(value) -> str | int | float:
    """One cell, made safe: text that a spreadsheet would run as a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([inert(cell) for cell in header])
    for row in rows:
        writer.writerow([inert(cell) for cell in row])
    return buffer.getvalue()


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]):
    """A CSV file as a download. The byte-order mark lets Excel read it as UTF-8."""
    from portal.core.files import download_response

    return download_response(("\ufeff" + csv_text(header, rows)).encode("utf-8"), "text/csv", filename)
