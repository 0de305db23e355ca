from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.time import UTCDateTime, utcnow
from portal.extensions import db


class AuditEvent(db.Model):
    """Who did what to which record, and when. Never updated; deleted only when the retention
    schedule's period for the audit log is up (portal.retention)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(sa.String(80))
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[str] = mapped_column(sa.String(40))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    __table_args__ = (sa.Index("ix_audit_event_object", "object_type", "object_id"),)


class Setting(db.Model):
    """One setting that administrators change in the portal, such as how long families have to
    ask for stage 2. Read through portal.core.settings, which knows every default."""

    __tablename__ = "setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(60), unique=True)
    value: Mapped[Any] = mapped_column(sa.JSON, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class KeptForm(db.Model):
    """What someone sent when their session had ended, kept to be shown again in the form once
    they are back (portal.core.kept_forms). Their browser holds the only key to it."""

    __tablename__ = "kept_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The page the form is on, where it is shown again, and who was signed in, if anyone.
    page: Mapped[str] = mapped_column(sa.String(500))
    user_id: Mapped[str | None] = mapped_column(sa.String(40))
    # {"values": [[name, value], ...], "files": how many chosen files could not be kept}
    sent: Mapped[dict[str, Any]] = mapped_column(sa.JSON, nullable=False)
    kept_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class FiguresVersion(db.Model):
    """One row counting the changes to the data kept figures are counted from."""

    __tablename__ = "figures_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    number: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class FiguresChange(db.Model):
    """One committed change to the data kept figures are counted from: its FiguresVersion
    number, and the earliest moment whose figures it can have changed (None: any moment).
    ``events_since`` is the earliest moment of the things that happened (a complaint received,
    a response sent) it changed, for figures that count only those: a new deadline for an open
    complaint changes what was waiting past its deadline at the end of earlier periods, but
    nothing that happened then (kept_figures.NO_EVENTS when it changed no such thing)."""

    __tablename__ = "figures_change"

    number: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    events_since: Mapped[datetime | None] = mapped_column(UTCDateTime)


class KeptFigures(db.Model):
    """Figures counted over many rows (a report's for one period), kept so that the next reader
    does not count them again: good while no change numbered after ``version`` can have
    changed them (one since before ``ends_at``) and, for a period still going on, on the London
    day they were counted (portal.core.kept_figures)."""

    __tablename__ = "kept_figures"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    version: Mapped[int] = mapped_column(sa.BigInteger)
    # None for a period that is over: its figures no longer depend on the day.
    as_of_day: Mapped[date | None] = mapped_column(sa.Date)
    # The end of the period the figures count: nothing since then changes them. None: no end.
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    figures: Mapped[Any] = mapped_column(sa.JSON)
