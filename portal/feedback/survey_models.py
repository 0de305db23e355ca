"""Asking families how their complaint was handled: one invitation per case and stage, and
the family's answer to it (Complaint Handling Code: organisations seek feedback on how they
handled complaints)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.core.time import UTCDateTime, utcnow
from portal.extensions import db
from portal.feedback.models import Case
from portal.themes.models import LearningTheme

# How satisfied the family is with how the complaint was handled, in words for each number.
SATISFACTION_LABELS = {
    5: "Very satisfied",
    4: "Satisfied",
    3: "Neither satisfied nor dissatisfied",
    2: "Dissatisfied",
    1: "Very dissatisfied",
}

# Whether the family felt listened to.
YES = "yes"
PARTLY = "partly"
NO = "no"
LISTENED_LABELS = {YES: "Yes", PARTLY: "Partly", NO: "No"}


survey_theme = sa.Table(
    "satisfaction_survey_theme",
    db.metadata,
    sa.Column("survey_id", sa.ForeignKey("satisfaction_survey.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("theme_id", sa.ForeignKey("learning_theme.id", ondelete="CASCADE"), primary_key=True),
    # Evidence for a theme starts from the theme, not from each answer.
    sa.Index("ix_satisfaction_survey_theme_theme", "theme_id", "survey_id"),
)


class SatisfactionSurvey(db.Model):
    """The family asked, once, how a stage of their complaint was handled, and what they said.

    The link in the invitation is signed and carries this row's id; only a hash of it is kept,
    so the database never holds a live link. An answer is recorded once, by a press of the
    button (never by opening the link)."""

    __tablename__ = "satisfaction_survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_case.id", ondelete="CASCADE"))
    stage: Mapped[int] = mapped_column(sa.SmallInteger)  # one of complaint_code.STAGES
    channel: Mapped[str] = mapped_column(sa.String(20))  # how the invitation went (notifications channels)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    satisfaction: Mapped[int | None] = mapped_column(sa.SmallInteger)  # one of SATISFACTION_LABELS
    listened: Mapped[str | None] = mapped_column(sa.String(10))  # one of LISTENED_LABELS
    comments: Mapped[str | None] = mapped_column(sa.Text)
    # When staff read the comments and tagged them with the themes they teach (maybe none).
    tagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tagged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    case: Mapped[Case] = relationship()
    tagged_by: Mapped[User | None] = relationship()
    themes: Mapped[list[LearningTheme]] = relationship(secondary=survey_theme, order_by="LearningTheme.name")

    __table_args__ = (
        sa.UniqueConstraint("case_id", "stage", name="uq_satisfaction_survey_once"),
        sa.CheckConstraint("satisfaction BETWEEN 1 AND 5", name="satisfaction_range"),
        sa.CheckConstraint(sa.column("listened").in_(tuple(LISTENED_LABELS)), name="listened_known"),
    )

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    @property
    def satisfaction_label(self) -> str | None:
        return SATISFACTION_LABELS.get(self.satisfaction)

    @property
    def listened_label(self) -> str | None:
        return LISTENED_LABELS.get(self.listened)
