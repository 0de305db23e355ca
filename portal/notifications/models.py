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


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"

    PENDING = PENDING
    SENT = SENT
    FAILED = FAILED

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipient: Mapped[str] = mapped_column(sa.String(254))
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

    __table_args__ = (sa.Index("ix_outbox_message_status_id", "status", "id"),)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.status]

    @property
    def kind_label(self) -> str:
        """The template's name in words: "password_reset" is "Password reset"."""
        return self.template.replace("_", " ").capitalize()
