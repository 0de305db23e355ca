"""You Said, We Did entries: what the council publishes about what it learned.

Only the reports read these tables; this package reads the others.
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.consultations.models import Consultation
from portal.core.time import UTCDateTime, utcnow
from portal.extensions import db
from portal.feedback.models import Case
from portal.themes.models import LearningTheme

PLANNED = "planned"
IN_PROGRESS = "in_progress"
DONE = "done"
STATUS_LABELS = {PLANNED: "Planned", IN_PROGRESS: "In progress", DONE: "Done"}

entry_consultation = sa.Table(
    "you_said_consultation",
    db.metadata,
    sa.Column("entry_id", sa.ForeignKey("you_said_entry.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("consultation_id", sa.ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True),
)

# Cases are evidence the public sees only as counts, never as content.
entry_case = sa.Table(
    "you_said_case",
    db.metadata,
    sa.Column("entry_id", sa.ForeignKey("you_said_entry.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("case_id", sa.ForeignKey("feedback_case.id", ondelete="CASCADE"), primary_key=True),
    sa.Index("ix_you_said_case_case", "case_id"),
)


class YouSaidEntry(db.Model):
    """One thing families said in a term, and what the council is doing about it."""

    __tablename__ = "you_said_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "autumn-2026": see portal.core.terms.
    term: Mapped[str] = mapped_column(sa.String(20), index=True)
    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("learning_theme.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(sa.String(150))
    you_said: Mapped[str] = mapped_column(sa.Text)
    we_did: Mapped[str] = mapped_column(sa.Text)
    action_owner: Mapped[str] = mapped_column(sa.String(120))
    action_status: Mapped[str] = mapped_column(sa.String(12), default=PLANNED)
    action_starts_on: Mapped[date | None] = mapped_column(sa.Date)
    action_due_on: Mapped[date | None] = mapped_column(sa.Date)
    action_done_on: Mapped[date | None] = mapped_column(sa.Date)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    theme: Mapped[LearningTheme] = relationship()
    created_by: Mapped[User | None] = relationship()
    consultations: Mapped[list[Consultation]] = relationship(secondary=entry_consultation, order_by=Consultation.title)
    cases: Mapped[list[Case]] = relationship(secondary=entry_case)
    changes: Mapped[list["YouSaidChange"]] = relationship(
        back_populates="entry", order_by="YouSaidChange.occurred_at", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint(sa.column("action_status").in_(tuple(STATUS_LABELS)), name="action_status_known"),
    )

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.action_status]

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class YouSaidChange(db.Model):
    """The dated public history of an entry: when it was published and each change of status."""

    __tablename__ = "you_said_change"

    PUBLISHED = "published"
    STATUS = "status"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("you_said_entry.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(12))
    status: Mapped[str] = mapped_column(sa.String(12))
    note: Mapped[str | None] = mapped_column(sa.Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry: Mapped[YouSaidEntry] = relationship(back_populates="changes")

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


class UpdateNotice(db.Model):
    """One email to one family about one change, so that nobody is told twice."""

    __tablename__ = "you_said_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(sa.ForeignKey("you_said_change.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(sa.String(254))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("change_id", "email", name="uq_you_said_notice_once"),)
