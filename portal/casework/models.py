from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.core.time import UTCDateTime, utcnow
from portal.extensions import db
from portal.feedback.models import Case
from portal.themes.models import LearningTheme


class CaseworkerSettings(db.Model):
    """Routing settings for one caseworker; someone without a row takes cases up to the default."""

    __tablename__ = "caseworker_settings"

    DEFAULT_CAPACITY = 40

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    accepting_new_cases: Mapped[bool] = mapped_column(default=True)
    capacity: Mapped[int] = mapped_column(default=DEFAULT_CAPACITY)
    # A senior caseworker who may take stage 2 reviews (managers always may).
    handles_stage_2: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    user: Mapped[User] = relationship()


class DeadlineChange(db.Model):
    """Every time a case's clock is set or moved, with why: the history shown on the case."""

    __tablename__ = "deadline_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_case.id", ondelete="CASCADE"), index=True)
    stage: Mapped[int] = mapped_column(sa.SmallInteger)  # one of complaint_code.STAGES
    # "acknowledge" or "respond" (clocks.ACKNOWLEDGE, clocks.RESPOND)
    clock: Mapped[str] = mapped_column(sa.String(12))
    old_date: Mapped[date | None] = mapped_column(sa.Date)
    new_date: Mapped[date | None] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.Text)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # For an extension: by how many working days, and whether it took the stage past the
    # Code's limit, which needs a manager's approval (Code 5.5 and 6.4).
    extension_days: Mapped[int | None] = mapped_column(sa.SmallInteger)
    beyond_code_limit: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    changed_by: Mapped[User | None] = relationship(foreign_keys=[changed_by_id])


outcome_theme = sa.Table(
    "outcome_theme",
    db.metadata,
    sa.Column("outcome_id", sa.ForeignKey("case_outcome.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("theme_id", sa.ForeignKey("learning_theme.id", ondelete="CASCADE"), primary_key=True),
    # Evidence for a theme starts from the theme, not from each outcome.
    sa.Index("ix_outcome_theme_theme", "theme_id", "outcome_id"),
)


class CaseOutcome(db.Model):
    """The response at a stage: the finding, what was promised, and what it teaches."""

    __tablename__ = "case_outcome"

    UPHELD = "upheld"
    PARTLY_UPHELD = "partly_upheld"
    NOT_UPHELD = "not_upheld"
    LABELS = {UPHELD: "Upheld", PARTLY_UPHELD: "Partly upheld", NOT_UPHELD: "Not upheld"}

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_case.id", ondelete="CASCADE"), index=True)
    # Both empty for a compliment, suggestion or question: answered, with no finding and no stage.
    stage: Mapped[int | None] = mapped_column(sa.SmallInteger)  # one of complaint_code.STAGES
    outcome: Mapped[str | None] = mapped_column(sa.String(20))  # one of LABELS
    summary: Mapped[str] = mapped_column(sa.Text)
    # Anything not finished when the response went (Code 6.7): said to the family in it.
    still_to_do: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    case: Mapped[Case] = relationship()
    recorded_by: Mapped[User | None] = relationship()
    themes: Mapped[list[LearningTheme]] = relationship(secondary=outcome_theme, order_by="LearningTheme.name")
    remedies: Mapped[list["Remedy"]] = relationship(back_populates="outcome", order_by="Remedy.id")

    @property
    def label(self) -> str:
        return self.LABELS[self.outcome] if self.outcome else "Answered"


class Remedy(db.Model):
    """Something the council promised the family, and by when."""

    __tablename__ = "remedy"

    POLICY_CHANGED = "policy_changed"
    KINDS = {
        "apology": "An apology",
        "explanation": "An explanation",
        "decision_reconsidered": "A decision reconsidered",
        "record_corrected": "A record corrected",
        "financial": "A financial remedy",
        "service_provided": "A service provided",
        POLICY_CHANGED: "A policy or practice changed",
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(sa.ForeignKey("case_outcome.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    description: Mapped[str] = mapped_column(sa.Text)
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    outcome: Mapped[CaseOutcome] = relationship(back_populates="remedies")

    # The remedies still to do, by when they are due, and their outcome: the "remedies overdue"
    # lists and counts go from here to the case without reading a remedy's row.
    __table_args__ = (sa.Index("ix_remedy_outstanding", "done_at", "due_on", "outcome_id"),)


class ResponseTemplate(db.Model):
    """Wording managers keep for common replies, with placeholders such as {family_name}."""

    __tablename__ = "response_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    body: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ReminderSent(db.Model):
    """One reminder per case, deadline and kind, so that cron can run as often as it likes."""

    __tablename__ = "reminder_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_case.id", ondelete="CASCADE"))
    # "due_soon" (to the caseworker) or "overdue" (to the team lead)
    kind: Mapped[str] = mapped_column(sa.String(10))
    clock: Mapped[str] = mapped_column(sa.String(12))
    deadline: Mapped[date] = mapped_column(sa.Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("case_id", "kind", "clock", "deadline", name="uq_reminder_sent_once"),)


class OmbudsmanReferral(db.Model):
    """A family took its complaint to the Ombudsman: when the council heard, and what the
    Ombudsman decided. One per case, updated as the Ombudsman's decision arrives."""

    __tablename__ = "ombudsman_referral"

    PENDING = "pending"
    DECISIONS = {
        PENDING: "Not decided yet",
        "not_investigated": "The Ombudsman decided not to investigate",
        "no_fault": "The Ombudsman found no fault",
        "fault_found": "The Ombudsman found fault",
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_case.id", ondelete="CASCADE"), unique=True)
    notified_on: Mapped[date] = mapped_column(sa.Date, index=True)
    decision: Mapped[str] = mapped_column(sa.String(20), default=PENDING)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    case: Mapped[Case] = relationship()

    __table_args__ = (sa.CheckConstraint(sa.column("decision").in_(tuple(DECISIONS)), name="decision_known"),)

    @property
    def decision_label(self) -> str:
        return self.DECISIONS[self.decision]
