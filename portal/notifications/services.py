"""Queue email in the caller's transaction; deliver it later, marking it sent only once
the mail server has accepted it."""

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app, render_template

from portal.core.time import utcnow
from portal.extensions import db
from portal.notifications.models import OutboxMessage

log = logging.getLogger(__name__)


def queue_email(recipient: str, subject: str, template: str, **context) -> OutboxMessage:
    """Render ``templates/emails/<template>.txt`` and add it to the outbox.

    Nothing is sent here: the message is saved when the caller commits, with the change
    that caused it, or not at all.
    """
    body = render_template(f"emails/{template}.txt", subject=subject, **context)
    message = OutboxMessage(recipient=recipient, subject=subject, body=body, template=template)
    db.session.add(message)
    return message


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}")
    email.set_content(message.body)
    return email


class SMTPTransport:
    """Sends over one SMTP connection, opened on first use."""

    def __init__(self, config):
        self.config = config
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        host, port = self.config["MAIL_SERVER"], self.config["MAIL_PORT"]
        if self.config["MAIL_USE_SSL"]:
            connection = smtplib.SMTP_SSL(host, port, timeout=30, context=ssl.create_default_context())
        else:
            connection = smtplib.SMTP(host, port, timeout=30)
            if self.config["MAIL_USE_TLS"]:
                connection.starttls(context=ssl.create_default_context())
        if self.config["MAIL_USERNAME"]:
            connection.login(self.config["MAIL_USERNAME"], self.config["MAIL_PASSWORD"] or "")
        return connection

    def send(self, email: EmailMessage) -> None:
        if self.connection is None:
            self.connection = self._connect()
        self.connection.send_message(email)

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except smtplib.SMTPException:
                pass
            self.connection = None


class FileTransport:
    """For development with no mail server: each message goes to a file and the log."""

    def __init__(self, config):
        self.directory = Path(config["MAIL_DIR"])

    def send(self, email: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = email["Message-ID"].strip("<>").split("@")[0] + ".eml"
        path = self.directory / name
        path.write_bytes(bytes(email))
        log.info("No MAIL_SERVER set: wrote %r to %s\n\n%s", email["Subject"], path, email.get_content())

    def close(self) -> None:
        pass


def transport_for(config):
    return SMTPTransport(config) if config.get("MAIL_SERVER") else FileTransport(config)


def describe_error(error: Exception) -> str:
    """The server's complaint without the recipient's address (no personal data in logs)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in error.recipients.values()})
        return f"recipient refused ({', '.join(map(str, codes))})"
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else str(error.smtp_error)
        return f"{type(error).__name__} {error.smtp_code}: {text}"[:500]
    return f"{type(error).__name__}: {error}"[:500]


def _claim_next(after_id: int) -> OutboxMessage | None:
    """Lock the next pending message so that two senders never send the same one."""
    query = (
        db.select(OutboxMessage)
        .where(OutboxMessage.status == OutboxMessage.PENDING, OutboxMessage.id > after_id)
        .order_by(OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return db.session.scalars(query).first()


def send_pending(limit: int = 500) -> dict[str, int]:
    """Deliver pending mail, one transaction per message. Returns counts by result."""
    config = current_app.config
    transport = transport_for(config)
    counts = {"sent": 0, "retry": 0, "failed": 0}
    last_id = 0
    try:
        for _ in range(limit):
            message = _claim_next(last_id)
            if message is None:
                break
            last_id = message.id
            try:
                transport.send(build_email(message, config["MAIL_DEFAULT_SENDER"]))
            except (smtplib.SMTPException, OSError) as error:
                transport.close()
                message.attempts += 1
                message.last_error = describe_error(error)
                if message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
                    message.status = OutboxMessage.FAILED
                    counts["failed"] += 1
                else:
                    counts["retry"] += 1
                log.warning("Outbox message %s not sent: %s", message.id, type(error).__name__)
            else:
                message.status = OutboxMessage.SENT
                message.sent_at = utcnow()
                message.attempts += 1
                message.last_error = None
                counts["sent"] += 1
            db.session.commit()
    finally:
        transport.close()
    return counts
