"""The improvement plan managers keep: areas of weakness the inspectors found, the actions for
each with their milestones, the measures of progress, and the evidence behind each area.

These rows are the working copy: every change to them is a draft. The public only ever reads a
published version (PlanVersion), a frozen copy of the whole plan made when a manager publishes.
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.consultations.models import Consultation
from portal.core.time import UTCDateTime, utcnow
from portal.extensions import db
from portal.themes.models import LearningTheme
from portal.yousaid.models import YouSaidEntry

# --- who owns an action ----------------------------------------------------------------------

COUNCIL = "council"
NHS = "nhs"
SCHOOLS = "schools"
PARTNERSHIP = "partnership"
OWNER_LABELS = {
    COUNCIL: "The council",
    NHS: "The NHS",
    SCHOOLS: "A school partnership",
    PARTNERSHIP: "The whole partnership, jointly",
}

# --- when a milestone is due, counted from the start of the plan ----------------------------

HORIZON_LABELS = {3: "At 3 months", 6: "At 6 months", 12: "At 12 months"}

# --- how a milestone is going ---------------------------------------------------------------

NOT_STARTED = "not_started"
ON_TRACK = "on_track"
AT_RISK = "at_risk"
OFF_TRACK = "off_track"
DONE = "done"
STATUS_LABELS = {
    NOT_STARTED: "Not started",
    ON_TRACK: "On track",
    AT_RISK: "At risk",
    OFF_TRACK: "Off track",
    DONE: "Done",
}

area_you_said = sa.Table(
    "improvement_area_you_said",
    db.metadata,
    sa.Column("area_id", sa.ForeignKey("improvement_area.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("entry_id", sa.ForeignKey("you_said_entry.id", ondelete="CASCADE"), primary_key=True),
)
area_consultation = sa.Table(
    "improvement_area_consultation",
    db.metadata,
    sa.Column("area_id", sa.ForeignKey("improvement_area.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("consultation_id", sa.ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True),
)
area_theme = sa.Table(
    "improvement_area_theme",
    db.metadata,
    sa.Column("area_id", sa.ForeignKey("improvement_area.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("theme_id", sa.ForeignKey("learning_theme.id", ondelete="CASCADE"), primary_key=True),
)


class Area(db.Model):
    """An area of weakness the inspectors named, in plain words."""

    __tablename__ = "improvement_area"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(150))
    finding: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    actions: Mapped[list["Action"]] = relationship(
        back_populates="area", order_by="Action.id", cascade="all, delete-orphan"
    )
    measures: Mapped[list["Measure"]] = relationship(
        back_populates="area", order_by="Measure.id", cascade="all, delete-orphan"
    )
    you_said_entries: Mapped[list[YouSaidEntry]] = relationship(secondary=area_you_said, order_by=YouSaidEntry.title)
    consultations: Mapped[list[Consultation]] = relationship(secondary=area_consultation, order_by=Consultation.title)
    themes: Mapped[list[LearningTheme]] = relationship(secondary=area_theme, order_by=LearningTheme.name)


class Action(db.Model):
    """What one organisation will do about an area, led by a named person."""

    __tablename__ = "improvement_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("improvement_area.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    owner: Mapped[str] = mapped_column(sa.String(12))
    # A lead in a public role: their name and role are published with the plan.
    lead_name: Mapped[str] = mapped_column(sa.String(120))
    lead_role: Mapped[str] = mapped_column(sa.String(150))

    area: Mapped[Area] = relationship(back_populates="actions")
    milestones: Mapped[list["Milestone"]] = relationship(
        back_populates="action", order_by="[Milestone.target_on, Milestone.id]", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.CheckConstraint(sa.column("owner").in_(tuple(OWNER_LABELS)), name="owner_known"),)

    @property
    def owner_label(self) -> str:
        return OWNER_LABELS[self.owner]


class Milestone(db.Model):
    """A step of an action with its target date; its status changes only with a dated reason."""

    __tablename__ = "improvement_milestone"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("improvement_action.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    horizon_months: Mapped[int] = mapped_column(sa.SmallInteger)
    target_on: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(12), default=NOT_STARTED)

    action: Mapped[Action] = relationship(back_populates="milestones")
    changes: Mapped[list["MilestoneChange"]] = relationship(
        back_populates="milestone", order_by="MilestoneChange.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint(sa.column("status").in_(tuple(STATUS_LABELS)), name="status_known"),
        sa.CheckConstraint(sa.column("horizon_months").in_(tuple(HORIZON_LABELS)), name="horizon_known"),
    )

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


class MilestoneChange(db.Model):
    """One change of a milestone's status, dated, with the reason given for it."""

    __tablename__ = "improvement_milestone_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(sa.ForeignKey("improvement_milestone.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(sa.String(12))
    reason: Mapped[str] = mapped_column(sa.Text)
    changed_on: Mapped[date] = mapped_column(sa.Date)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    milestone: Mapped[Milestone] = relationship(back_populates="changes")
    changed_by: Mapped[User | None] = relationship()

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


class Measure(db.Model):
    """How progress on an area is measured: typed in by managers, or computed by the portal
    from its own data when ``source_key`` names one of portal.improvement.measure_sources."""

    __tablename__ = "improvement_measure"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("improvement_area.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    unit: Mapped[str] = mapped_column(sa.String(40))
    baseline: Mapped[float] = mapped_column(sa.Float)
    target: Mapped[float] = mapped_column(sa.Float)
    higher_is_better: Mapped[bool] = mapped_column(default=True)
    source_key: Mapped[str | None] = mapped_column(sa.String(40))

    area: Mapped[Area] = relationship(back_populates="measures")
    values: Mapped[list["MeasureValue"]] = relationship(
        back_populates="measure", order_by="[MeasureValue.measured_on, MeasureValue.id]", cascade="all, delete-orphan"
    )


class MeasureValue(db.Model):
    """One value of a measure for a period. Values the portal computes carry their term, once."""

    __tablename__ = "improvement_measure_value"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(sa.ForeignKey("improvement_measure.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(sa.String(60))
    measured_on: Mapped[date] = mapped_column(sa.Date)
    value: Mapped[float] = mapped_column(sa.Float)
    source: Mapped[str] = mapped_column(sa.String(200))
    term: Mapped[str | None] = mapped_column(sa.String(20))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    measure: Mapped[Measure] = relationship(back_populates="values")

    __table_args__ = (sa.UniqueConstraint("measure_id", "term", name="uq_improvement_measure_value_term"),)


class PlanVersion(db.Model):
    """A published version of the whole plan, frozen as it was: the only thing the public reads.
    A version is never changed; the next publication is a new, higher number."""

    __tablename__ = "improvement_plan_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    summary: Mapped[str] = mapped_column(sa.Text)
    plan: Mapped[dict] = mapped_column(sa.JSON, deferred=True)
