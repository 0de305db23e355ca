"""A request to see, correct or delete personal data (UK GDPR Articles 15, 16 and 17), with the
one-month deadline Article 12 sets and the decision made on it."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.core.time import UTCDateTime, utcnow
from portal.extensions import db
from portal.feedback import models as feedback

# --- what was asked for ----------------------------------------------------------------------

ACCESS = "access"
CORRECTION = "correction"
DELETION = "deletion"

KIND_LABELS = {
    ACCESS: "See their data",
    CORRECTION: "Correct something",
    DELETION: "Delete something",
}
# The kinds a family asks for online: a copy of their data they download themselves.
ASKED_ONLINE = (CORRECTION, DELETION)

# --- how it came (a request counts however it arrives, as a complaint does) --------------------

CHANNEL_LABELS = {
    key: feedback.CHANNEL_LABELS[key]
    for key in (feedback.ONLINE, feedback.EMAIL, feedback.PHONE, feedback.LETTER, feedback.IN_PERSON)
}
STAFF_CHANNELS = {key: label for key, label in CHANNEL_LABELS.items() if key != feedback.ONLINE}

# --- where it has got to ---------------------------------------------------------------------

OPEN = "open"
COMPLETED = "completed"
REFUSED = "refused"
PARTLY = "partly"

STATUS_LABELS = {
    OPEN: "Open",
    COMPLETED: "Done",
    REFUSED: "Refused",
    PARTLY: "Partly done",
}

# The decisions open to each kind, in the order offered: (words, the status it leaves).
OUTCOMES = {
    ACCESS: {"sent": ("Sent", COMPLETED)},
    CORRECTION: {
        "corrected": ("Corrected", COMPLETED),
        "partly_corrected": ("Partly corrected", PARTLY),
        "not_corrected": ("Not corrected", REFUSED),
    },
    DELETION: {
        "deleted": ("Deleted", COMPLETED),
        "partly_deleted": ("Partly deleted", PARTLY),
        "kept": ("Kept", REFUSED),
    },
}
ALL_OUTCOMES = {key for choices in OUTCOMES.values() for key in choices}


class DataRequest(db.Model):
    """One request about a person's data. Whose data: an account (``user``), or a family without
    one, found through a case reference (``case``) and the contact details given on it. The
    name and email address are copied here when the request arrives, so that the request still
    says whose it was if the account or the case goes."""

    __tablename__ = "data_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(12))  # one of KIND_LABELS
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("feedback_case.id", ondelete="SET NULL"))
    contact_name: Mapped[str | None] = mapped_column(sa.String(120))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))

    what: Mapped[str] = mapped_column(sa.Text)
    why: Mapped[str | None] = mapped_column(sa.Text)
    channel: Mapped[str] = mapped_column(sa.String(20))  # one of CHANNEL_LABELS
    received_on: Mapped[date] = mapped_column(sa.Date)
    due_on: Mapped[date] = mapped_column(sa.Date)
    # Staff who wrote it down for the family (None when the family asked online).
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    status: Mapped[str] = mapped_column(sa.String(12), default=OPEN)  # one of STATUS_LABELS
    outcome: Mapped[str | None] = mapped_column(sa.String(20))  # a key of OUTCOMES[kind]
    reason: Mapped[str | None] = mapped_column(sa.Text)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    case: Mapped[feedback.Case | None] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __table_args__ = (
        # The managers' list: open requests by their deadline, read from the index.
        sa.Index("ix_data_request_status_due", "status", "due_on"),
        sa.CheckConstraint(sa.column("kind").in_(tuple(KIND_LABELS)), name="kind_known"),
        sa.CheckConstraint(sa.column("status").in_(tuple(STATUS_LABELS)), name="status_known"),
        sa.CheckConstraint(sa.column("channel").in_(tuple(CHANNEL_LABELS)), name="channel_known"),
    )

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS[self.channel]

    @property
    def outcome_label(self) -> str | None:
        return OUTCOMES[self.kind][self.outcome][0] if self.outcome else None

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    @property
    def reference(self) -> str:
        """How staff and the family name the request: DR-42."""
        return f"DR-{self.id}"
