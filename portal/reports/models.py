"""What managers write for the published reports: the termly update's own words."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.complaint_code import SECTION_KEYS
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


# --- the governance pack: what managers prepare for a year's complaints report ----------------

MET = "met"
PARTLY_MET = "partly_met"
NOT_MET = "not_met"
COMPLIANCE_LABELS = {MET: "Met", PARTLY_MET: "Partly met", NOT_MET: "Not met"}


class AnnualReportPack(db.Model):
    """The working draft of what a year's complaints report says besides its figures (Code
    8.1 to 8.3 and 9.5 to 9.7): the Ombudsman's annual letter, the analysis and the governance
    response. Its self-assessment and findings are rows of their own. Publishing the report
    copies all of it into the published version; changing it afterwards changes nothing
    published until a correction is published."""

    __tablename__ = "annual_report_pack"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)  # the financial year's first year
    # The Ombudsman's annual letter, as the council received it.
    ombudsman_received: Mapped[int | None]
    ombudsman_decided: Mapped[int | None]
    ombudsman_upheld: Mapped[int | None]
    ombudsman_uphold_rate: Mapped[int | None]  # a percentage, as the letter gives it
    ombudsman_compliance_rate: Mapped[int | None]  # recommendations complied with, a percentage
    ombudsman_note: Mapped[str | None] = mapped_column(sa.Text)
    analysis: Mapped[str | None] = mapped_column(sa.Text)
    # The governing body's response (Code 9.5 to 9.7).
    member_responsible: Mapped[str | None] = mapped_column(sa.String(120))
    meeting: Mapped[str | None] = mapped_column(sa.String(120))
    meeting_on: Mapped[date | None] = mapped_column(sa.Date)
    governance_response: Mapped[str | None] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    assessments: Mapped[list["AnnualReportAssessment"]] = relationship(
        back_populates="pack", cascade="all, delete-orphan"
    )
    findings: Mapped[list["AnnualReportFinding"]] = relationship(
        back_populates="pack", order_by="AnnualReportFinding.id", cascade="all, delete-orphan"
    )


class AnnualReportAssessment(db.Model):
    """The council's assessment of itself against one section of the Code."""

    __tablename__ = "annual_report_assessment"
    __table_args__ = (
        sa.UniqueConstraint("pack_id", "section"),
        sa.CheckConstraint(sa.column("section").in_(SECTION_KEYS), name="section_known"),
        sa.CheckConstraint(sa.column("compliance").in_(tuple(COMPLIANCE_LABELS)), name="compliance_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(sa.ForeignKey("annual_report_pack.id", ondelete="CASCADE"))
    section: Mapped[str] = mapped_column(sa.String(30))  # a key of core.complaint_code.SECTIONS
    compliance: Mapped[str] = mapped_column(sa.String(12))
    evidence: Mapped[str] = mapped_column(sa.Text)
    actions: Mapped[str | None] = mapped_column(sa.Text)

    pack: Mapped[AnnualReportPack] = relationship(back_populates="assessments")

    @property
    def compliance_label(self) -> str:
        return COMPLIANCE_LABELS[self.compliance]


class AnnualReportFinding(db.Model):
    """A finding of non-compliance with the Code by the Ombudsman, and what the council did."""

    __tablename__ = "annual_report_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(sa.ForeignKey("annual_report_pack.id", ondelete="CASCADE"), index=True)
    found: Mapped[str] = mapped_column(sa.Text)
    council_action: Mapped[str] = mapped_column(sa.Text)

    pack: Mapped[AnnualReportPack] = relationship(back_populates="findings")


class AnnualReportLocalOffer(db.Model):
    """The working draft of a year's summary of comments about the Local Offer (SEND
    Regulations 2014, regulation 56): which category and learning theme mean the Local Offer,
    and the council's response. Publishing freezes it as a PublishedDocument."""

    __tablename__ = "annual_report_local_offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)  # the financial year's first year
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id", ondelete="SET NULL"))
    theme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("learning_theme.id", ondelete="SET NULL"))
    said: Mapped[str | None] = mapped_column(sa.Text)  # what people told us, in the council's words
    response: Mapped[str | None] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))


class BoardDecision(db.Model):
    """A decision the SEND Improvement Board recorded against the board pack it met on (a
    frozen PublishedDocument): what it decided, who is to act, and by when."""

    __tablename__ = "board_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("published_document.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(sa.Text)
    owner: Mapped[str | None] = mapped_column(sa.String(200))
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
