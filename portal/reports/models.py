"""What managers write for the published reports: the termly update's own words."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.time import UTCDateTime, utcnow
from portal.extensions import db


class TermlyUpdate(db.Model):
    """What managers write for a term's public update; the figures come from the data."""

    __tablename__ = "termly_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(sa.String(20), unique=True)
    introduction: Mapped[str | None] = mapped_column(sa.Text)
    priorities: Mapped[str | None] = mapped_column(sa.Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PublishedDocument(db.Model):
    """One published version of a document the council publishes (a termly update, a year's
    complaints report), frozen as it was approved: its content as HTML and its PDF. A version
    is never changed; a correction is the next version, with a note saying what it changed."""

    __tablename__ = "published_document"
    __table_args__ = (sa.UniqueConstraint("kind", "period", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    period: Mapped[str] = mapped_column(sa.String(20))  # a term's slug, or a financial year's first year
    version: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(sa.Text)  # what a correction changed; none for the first
    content_html: Mapped[str] = mapped_column(sa.Text)
    # Every figure as (section, measure, breakdown, value), where the document has a spreadsheet.
    figures: Mapped[list | None] = mapped_column(sa.JSON, deferred=True)
    # Deferred: lists and pages read the versions without loading every PDF.
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
