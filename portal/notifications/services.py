"""Queue email, texts and letters in the caller's transaction; deliver them later, marking
each sent only once the mail server (or GOV.UK Notify) has accepted it.

A message that fails to go is tried again with growing gaps (MAIL_RETRY_FIRST_MINUTES,
doubling up to MAIL_RETRY_MAX_MINUTES) and fails only once it has been failing for
MAIL_RETRY_HOURS, or at once when the server refuses the recipient for good (5xx). A message
that cannot even be built fails at once. Either way the others still go.
"""

import logging
import re
import smtplib
import ssl
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, render_template
from markupsafe import Markup, escape
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import defer

from portal.core.paging import Paged, clamp_page
from portal.core.time import utcnow
from portal.extensions import db
from portal.notifications import notify
from portal.notifications.models import (
    DELIVERY_LABELS,
    EMAIL,
    FAILED,
    PENDING,
    SENT,
    SMS,
    STATE_LABELS,
    OutboxMessage,
)

log = logging.getLogger(__name__)

SUBJECT_LENGTH = OutboxMessage.__table__.c.subject.type.length
# Cc: control characters (CR, LF, tab, NUL...); Zl, Zp: the Unicode line and paragraph separators.
BREAKING_CATEGORIES = {"Cc", "Zl", "Zp"}


def clean_subject(subject: str) -> str:
    """The subject as one line that fits its column.

    A line break in a header would end it (or start another), so the email could not be
    built; control and line-separator characters become spaces and runs of spaces one.
    """
    spaced = "".join(" " if unicodedata.category(char) in BREAKING_CATEGORIES else char for char in subject)
    return " ".join(spaced.split())[:SUBJECT_LENGTH].rstrip()


def tidy_text(text: str) -> str:
    """The rendered text with its layout tidied: no spaces at the ends of lines, no more than
    one blank line in a row, none at the start or end. A template's optional parts can then
    come and go without leaving gaps."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def queue_email(
    recipient: str,
    subject: str,
    template: str,
    *,
    reply_to: str | None = None,
    channel: str = EMAIL,
    case_id: int | None = None,
    headers: dict[str, str] | None = None,
    written_for_texts: bool = False,
    **context,
) -> OutboxMessage:
    """Render ``templates/emails/<template>.txt`` and add it to the outbox, with ``reply_to``
    as the address replies go to, if given, and any extra ``headers`` (by name). A text
    message (``channel`` SMS) is instead the short ``emails/_text_message.txt``, with the
    subject and the link, unless the template is itself ``written_for_texts``; a letter
    carries the email's words, and ``recipient`` is then its postal address.

    Nothing is sent here: the message is saved when the caller commits, with the change
    that caused it, or not at all.
    """
    subject = clean_subject(subject)
    page = "emails/_text_message.txt" if channel == SMS and not written_for_texts else f"emails/{template}.txt"
    body = tidy_text(render_template(page, subject=subject, reply_to=reply_to, **context))
    message = OutboxMessage(
        recipient=recipient,
        reply_to=reply_to,
        subject=subject,
        body=body,
        template=template,
        channel=channel,
        case_id=case_id,
        headers=headers or None,
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    return message


URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)]")


def _linked(text: str) -> Markup:
    """One paragraph of the plain text as HTML: escaped, its addresses made links, its line
    breaks kept."""
    parts, last = [], 0
    for found in URL.finditer(text):
        parts.append(escape(text[last : found.start()]))
        parts.append(Markup('<a href="{0}">{0}</a>').format(found.group(0)))
        last = found.end()
    parts.append(escape(text[last:]))
    return Markup("<br>\n").join(Markup("").join(parts).split("\n"))


def html_body(text: str, subject: str) -> str:
    """The HTML part of an email, made from its plain text: the same words, paragraph for
    paragraph, with working links, in templates/emails/_layout.html."""
    paragraphs = [_linked(paragraph) for paragraph in text.strip().split("\n\n") if paragraph.strip()]
    # Rendered without the pages' context processors: mail is sent from a command, with no request.
    layout = current_app.jinja_env.get_template("emails/_layout.html")
    return layout.render(subject=subject, paragraphs=paragraphs, service_name=current_app.config["SERVICE_NAME"])


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """The email for ``message``, as plain text with an HTML alternative of the same words;
    raises if it cannot be made (a header with a line break, a body that cannot be decrypted
    or encoded)."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}")
    for name, value in (message.headers or {}).items():
        email[name] = value
    email.set_content(message.body)
    email.add_alternative(html_body(message.body, message.subject), subtype="html")
    # Encode it once here, so that a message that can never be encoded fails as unbuildable
    # rather than being retried for a day as if the server were to blame.
    email.as_bytes()
    return email


class SMTPTransport:
    """Sends over one SMTP connection, opened on first use."""

    def __init__(self, config):
        self.config = config
        self.connection: smtplib.SMTP | None = None

    def build(self, message: OutboxMessage) -> EmailMessage:
        return build_for_mail(message, self.config)

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
            except (smtplib.SMTPException, OSError):  # already gone: nothing to close
                pass
            self.connection = None


@dataclass
class TextMessageFile:
    """A text message as development writes it down: a file of its own beside the email."""

    name: str
    content: str


class FileTransport:
    """For development with no mail server: each message goes to a file and the log. Text
    messages too (as ``outbox-<id>.txt``), so that a code sent by text can be read there."""

    def __init__(self, config):
        self.config = config
        self.directory = Path(config["MAIL_DIR"])

    def build(self, message: OutboxMessage) -> EmailMessage | TextMessageFile:
        if message.channel == SMS:
            return TextMessageFile(f"outbox-{message.id}.txt", f"Text message to {message.recipient}\n\n{message.body}")
        return build_for_mail(message, self.config)

    def send(self, email: EmailMessage | TextMessageFile) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if isinstance(email, TextMessageFile):
            path = self.directory / email.name
            path.write_text(email.content, encoding="utf-8")
            log.info("No NOTIFY_API_KEY set: wrote a text message to %s\n\n%s", path, email.content)
            return
        name = email["Message-ID"].strip("<>").split("@")[0] + ".eml"
        path = self.directory / name
        path.write_bytes(bytes(email))
        log.info(
            "No MAIL_SERVER set: wrote %r to %s\n\n%s", email["Subject"], path, email.get_body(("plain",)).get_content()
        )

    def close(self) -> None:
        pass


def build_for_mail(message: OutboxMessage, config) -> EmailMessage:
    if message.channel != EMAIL:
        raise ValueError(f"a {message.channel} message can only go through GOV.UK Notify (set NOTIFY_API_KEY)")
    return build_email(message, config["MAIL_DEFAULT_SENDER"])


def can_send_texts(config) -> bool:
    """Whether a text message would go anywhere: through GOV.UK Notify, or (in development,
    with no mail server either) to a file in MAIL_DIR. SMTP alone cannot send one."""
    return bool(config.get("NOTIFY_API_KEY")) or not config.get("MAIL_SERVER")


def transport_for(config):
    if config.get("NOTIFY_API_KEY"):
        return notify.NotifyTransport(config)
    return SMTPTransport(config) if config.get("MAIL_SERVER") else FileTransport(config)


def describe_error(error: Exception) -> str:
    """The server's complaint without the recipient's address (no personal data in logs)."""
    if isinstance(error, notify.APIError):
        return notify.describe(error)[:500]
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in error.recipients.values()})
        return f"recipient refused ({', '.join(map(str, codes))})"
    if isinstance(error, smtplib.SMTPResponseException):
        text = (
            error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else str(error.smtp_error)
        )
        return f"{type(error).__name__} {error.smtp_code}: {text}"[:500]
    return f"{type(error).__name__}: {error}"[:500]


def is_permanent_refusal(error: Exception) -> bool:
    """The server refused the recipient for good (5xx), or Notify refused the message (400,
    403): trying again will not help."""
    if isinstance(error, notify.APIError):
        return notify.is_permanent(error)
    return isinstance(error, smtplib.SMTPRecipientsRefused) and all(
        500 <= code < 600 for code, _ in error.recipients.values()
    )


def retry_delay(attempts: int, config) -> timedelta:
    """1, 2, 4, 8... minutes after the 1st, 2nd, 3rd, 4th... failed attempt, up to a cap."""
    first, cap = config["MAIL_RETRY_FIRST_MINUTES"], config["MAIL_RETRY_MAX_MINUTES"]
    return timedelta(minutes=min(first * 2 ** min(attempts - 1, 30), cap))


def _claim_next(after_id: int, now: datetime) -> OutboxMessage | None:
    """Lock the next pending message that is due, so that two senders never send the same one.

    The body is loaded only when the email is built, so that a body that cannot be decrypted
    fails that one message rather than the query.
    """
    query = (
        db.select(OutboxMessage)
        .options(defer(OutboxMessage.body))
        .where(
            OutboxMessage.status == PENDING,
            OutboxMessage.next_attempt_at <= now,
            OutboxMessage.id > after_id,
        )
        .order_by(OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return db.session.scalars(query).first()


def _mark_sent(message: OutboxMessage, now: datetime, notify_id: str | None) -> str:
    message.status = SENT
    message.notify_id = notify_id
    message.sent_at = now
    message.next_attempt_at = None
    message.last_error = None
    # Only the delivery record is kept: the body may hold a live token and personal data.
    message.body = None
    return "sent"


def _mark_failed(message: OutboxMessage, reason: str) -> str:
    message.status = FAILED
    message.next_attempt_at = None
    message.last_error = reason[:500]
    return "failed"


def _after_failed_attempt(message: OutboxMessage, error: Exception, now: datetime, config) -> str:
    """Fail the message for good, or put it back to be tried again later."""
    message.last_error = describe_error(error)
    if is_permanent_refusal(error):
        return _mark_failed(message, message.last_error)
    if now - message.first_attempt_at > timedelta(hours=config["MAIL_RETRY_HOURS"]):
        return _mark_failed(message, f"{message.last_error} (still failing after {config['MAIL_RETRY_HOURS']} hours)")
    message.next_attempt_at = now + retry_delay(message.attempts, config)
    return "retry"


def _attempt(message: OutboxMessage, transport, config, now: datetime) -> str:
    """Try to send one message; returns "sent", "retry" or "failed"."""
    message.attempts += 1
    message.first_attempt_at = message.first_attempt_at or now
    message.last_attempt_at = now
    try:
        outgoing = transport.build(message)
    except SQLAlchemyError:  # the database, not the message: nothing to record it in
        raise
    except Exception as error:  # whatever is wrong with the message, it will be wrong next time too
        log.warning("Outbox message %s cannot be built: %s", message.id, type(error).__name__)
        return _mark_failed(message, f"The {message.channel_label.lower()} could not be built: {describe_error(error)}")
    try:
        notify_id = transport.send(outgoing)
    except Exception as error:  # the server or the network: try again later
        transport.close()
        log.warning("Outbox message %s not sent: %s", message.id, type(error).__name__)
        return _after_failed_attempt(message, error, now, config)
    return _mark_sent(message, now, notify_id)


def send_pending(limit: int = 500) -> dict[str, int]:
    """Deliver the pending mail that is due, one transaction per message. Returns counts by result."""
    config = current_app.config
    transport = transport_for(config)
    counts = {"sent": 0, "retry": 0, "failed": 0}
    last_id = 0
    now = utcnow()
    try:
        for _ in range(limit):
            message = _claim_next(last_id, now)
            if message is None:
                break
            last_id = message.id
            counts[_attempt(message, transport, config, utcnow())] += 1
            db.session.commit()
    finally:
        transport.close()
    return counts


def retry_failed(message_id: int | None = None) -> int:
    """Put failed messages (or the one failed message ``message_id``) back in the queue, due
    now and with a fresh set of attempts. Returns how many."""
    query = sa.update(OutboxMessage).where(OutboxMessage.status == FAILED)
    if message_id is not None:
        query = query.where(OutboxMessage.id == message_id)
    result = db.session.execute(
        query.values(status=PENDING, attempts=0, first_attempt_at=None, next_attempt_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount


# --- delivery receipts ------------------------------------------------------------------------


def record_delivery(notify_id: str, status: str, at: datetime | None = None) -> OutboxMessage | None:
    """Note what Notify's receipt says became of a message. Returns the message, or None for
    an id the outbox never sent (or a status it does not know), changing nothing."""
    if status not in DELIVERY_LABELS:
        return None
    message = db.session.scalar(
        sa.select(OutboxMessage).options(defer(OutboxMessage.body)).where(OutboxMessage.notify_id == notify_id)
    )
    if message is not None:
        message.delivery_status = status
        message.delivered_at = at or utcnow()
    return message


# --- the administrators' view ---------------------------------------------------------------


def counts_by_state() -> dict[str, int]:
    """How many messages are in each state, in one query."""
    rows = db.session.execute(sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)).all()
    found = dict(rows)
    return {state: found.get(state, 0) for state in STATE_LABELS}


def messages_page(state: str | None, page: int, per_page: int, counts: dict[str, int]) -> Paged:
    """One page of messages, newest first, in ``state`` (or all). The bodies are never loaded:
    this is a delivery record, not a way to read people's mail."""
    total = counts[state] if state else sum(counts.values())
    page = clamp_page(page, total, per_page)
    query = sa.select(OutboxMessage).options(defer(OutboxMessage.body, raiseload=True))
    if state:
        query = query.where(OutboxMessage.status == state)
    items = db.session.scalars(
        query.order_by(OutboxMessage.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Paged(list(items), total, page, per_page)
