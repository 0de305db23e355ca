"""Published documents, frozen: each version of a termly update or a year's complaints report
as it was approved, with its content as HTML and its PDF, drawn once when it was published.

Public pages read a version and never count anything again; its PDF is served from the
database as it was stored. A correction is the next version, dated, with a note saying what
it changed, and every earlier version stays readable at its own address. The functions here
leave the commit to the caller.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import defer

from portal.accounts.models import User
from portal.core.files import download_response
from portal.extensions import db
from portal.reports.models import PublishedDocument

# A numbered version never changes, so its PDF may be kept for a year; the newest version's
# address can show a correction, so it is kept for five minutes.
VERSION_MAX_AGE = 365 * 24 * 60 * 60
NEWEST_MAX_AGE = 5 * 60

TERMLY_UPDATE = "termly_update"
COMPLAINTS_REPORT = "complaints_report"
LOCAL_OFFER_SUMMARY = "local_offer_summary"
BOARD_PACK = "board_pack"


@dataclass(frozen=True)
class Draft:
    """What a new version will say: what the print template needs before the PDF exists."""

    kind: str
    period: str
    version: int
    title: str
    published_at: datetime
    note: str | None


def versions(kind: str, period: str) -> list[PublishedDocument]:
    """Every version of the document, newest first, without their PDFs: one query."""
    return db.session.scalars(
        sa.select(PublishedDocument)
        .options(defer(PublishedDocument.pdf))
        .where(PublishedDocument.kind == kind, PublishedDocument.period == period)
        .order_by(PublishedDocument.version.desc())
    ).all()


def latest_versions(kind: str) -> dict[str, PublishedDocument]:
    """The newest version of each period's document of this kind, without PDFs: one query."""
    found: dict[str, PublishedDocument] = {}
    rows = db.session.scalars(
        sa.select(PublishedDocument)
        .options(defer(PublishedDocument.pdf), defer(PublishedDocument.content_html))
        .where(PublishedDocument.kind == kind)
        .order_by(PublishedDocument.period, PublishedDocument.version.desc())
    )
    for row in rows:
        found.setdefault(row.period, row)
    return found


def stored_pdf(kind: str, period: str, version: int | None = None) -> bytes | None:
    """The stored PDF of a version (the newest if none is named), or None: one query."""
    query = sa.select(PublishedDocument.pdf).where(PublishedDocument.kind == kind, PublishedDocument.period == period)
    if version is not None:
        query = query.where(PublishedDocument.version == version)
    return db.session.scalar(query.order_by(PublishedDocument.version.desc()).limit(1))


def pdf_response(data: bytes | None, filename: str, numbered: bool):
    """A stored PDF as a public download (404 when there is none). The page cache keeps it
    like a page (the views are public pages), so a reader costs no query and no copy."""
    if data is None:
        abort(404)
    response = download_response(data, "application/pdf", filename)
    cache = f"public, max-age={VERSION_MAX_AGE}, immutable" if numbered else f"public, max-age={NEWEST_MAX_AGE}"
    response.headers["Cache-Control"] = cache
    return response


def stored_figures(kind: str, period: str) -> list[list] | None:
    """The newest version's figures, or None if the document is not published: one query."""
    return db.session.scalar(
        sa.select(PublishedDocument.figures)
        .where(PublishedDocument.kind == kind, PublishedDocument.period == period)
        .order_by(PublishedDocument.version.desc())
        .limit(1)
    )


def next_version(kind: str, period: str) -> int:
    """The number the next version gets. Two managers publishing at once both read the same
    number; the unique (kind, period, version) lets only one of them commit."""
    newest = db.session.scalar(
        sa.select(sa.func.max(PublishedDocument.version)).where(
            PublishedDocument.kind == kind, PublishedDocument.period == period
        )
    )
    return (newest or 0) + 1


def freeze(
    actor: User | None,
    draft: Draft,
    *,
    content_html: str,
    render_pdf: Callable[[Draft, str], bytes],
    figures: list[list] | None = None,
) -> PublishedDocument:
    """Store a new version: its content, the PDF ``render_pdf(draft, content_html)`` draws,
    and its figures as rows where the document has a spreadsheet."""
    document = PublishedDocument(
        kind=draft.kind,
        period=draft.period,
        version=draft.version,
        title=draft.title,
        published_at=draft.published_at,
        published_by_id=actor.id if actor else None,
        note=draft.note,
        content_html=content_html,
        figures=figures,
        pdf=render_pdf(draft, content_html),
    )
    db.session.add(document)
    db.session.flush()
    return document
