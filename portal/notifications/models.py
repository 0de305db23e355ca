"""The outbox's one table: each message's delivery record, and its body until it is sent."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.time import UTCDateTime, utcnow
from portal.extensions import db
from portal.notifications.sealing import SealedText

PENDING = "pending"
SENT = "sent"
FAILED = "failed"

STATE_LABELS = {
    PENDING: "Waiting to send",
    SENT: "Sent",
    FAILED: "Failed",
}

# How a message goes: email goes by SMTP or GOV.UK Notify; texts and letters only by Notify.
EMAIL = "email"
SMS = "sms"
LETTER = "letter"
LARGE_PRINT_LETTER = "large_print"
CHANNEL_LABELS = {EMAIL: "Email", SMS: "Text message", LETTER: "Letter", LARGE_PRINT_LETTER: "Large print letter"}
LETTERS = (LETTER, LARGE_PRINT_LETTER)

# What Notify's delivery receipts say became of a sent message (its callback's "status").
DELIVERED = "delivered"
PERMANENT_FAILURE = "permanent-failure"
TO_FOLLOW_UP_SQL = f"delivery_status = '{PERMANENT_FAILURE}' AND followed_up_at IS NULL"
TEMPORARY_FAILURE = "temporary-failure"
TECHNICAL_FAILURE = "technical-failure"
DELIVERY_LABELS = {
    DELIVERED: "Delivered",
    PERMANENT_FAILURE: "Permanent failure",
    TEMPORARY_FAILURE: "Temporary failure",
    TECHNICAL_FAILURE: "Technical failure",
    # Letters only: printed and posted, or refused by Notify's checks of the PDF.
    "accepted": "Accepted for printing",
    "received": "Posted",
    "validation-failed": "Letter refused by Notify",
}


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"

    PENDING = PENDING
    SENT = SENT
    FAILED = FAILED

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # An email address, a phone number, or a letter's postal address (one line each).
    recipient: Mapped[str] = mapped_column(sa.String(254))
    channel: Mapped[str] = mapped_column(sa.String(20), default=EMAIL, server_default=EMAIL)
    # The case a message to a family is about: its delivery shows on the case.
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("feedback_case.id", ondelete="SET NULL"), index=True)
    # Where a reply goes (a team's mailbox), when not to the sender.
    reply_to: Mapped[str | None] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    # Encrypted at rest while the message waits, and erased once it is sent: it may hold a
    # live token. Reads and writes of ``body`` are plain text.
    body: Mapped[str | None] = mapped_column(SealedText)
    # What kind of message this is (for example "password_reset"), for tests and reports.
    template: Mapped[str] = mapped_column(sa.String(80))
    # Extra email headers by name, for example List-Unsubscribe; None for most messages.
    headers: Mapped[dict[str, str] | None] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    # Retries back off from the first attempt; the message fails once it has been failing for
    # MAIL_RETRY_HOURS. next_attempt_at is set only while the message is pending.
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Notify's id for the sent message, and what its delivery receipt last said (DELIVERY_LABELS).
    notify_id: Mapped[str | None] = mapped_column(sa.String(36), unique=True)
    delivery_status: Mapped[str | None] = mapped_column(sa.String(20))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a caseworker reached the family another way after a permanent failure.
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.Index("ix_outbox_message_status_id", "status", "id"),
        # Messages that could never be delivered and wait for a caseworker: a handful among all
        # ever sent, read through this index alone by the "Not delivered" queue.
        sa.Index(
            "ix_outbox_message_to_follow_up",
            "case_id",
            sqlite_where=sa.text(TO_FOLLOW_UP_SQL),
            postgresql_where=sa.text(TO_FOLLOW_UP_SQL),
        ),
    )

    @classmethod
    def to_follow_up(cls) -> tuple:
        """SQL conditions on OutboxMessage: never delivered, and nobody has reached the family
        another way yet. Written out as the partial index's condition is, so both databases use it."""
        return (
            cls.delivery_status == sa.literal_column(f"'{PERMANENT_FAILURE}'"),
            cls.followed_up_at.is_(None),
        )

    @property
    def state_label(self) -> str:
        return DELIVERY_LABELS.get(self.delivery_status) or STATE_LABELS[self.status]

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS.get(self.channel, self.channel)

    @property
    def needs_follow_up(self) -> bool:
        """Notify could never deliver it: the family must be reached another way."""
        return self.delivery_status == PERMANENT_FAILURE and self.followed_up_at is None

    @property
    def kind_label(self) -> str:
        """The template's name in words: "password_reset" is "Password reset"."""
        return self.template.replace("_", " ").capitalize()
