"""The outbox's way out through GOV.UK Notify: email and text messages through one generic
template each (NOTIFY_EMAIL_TEMPLATE_ID with ((subject)) and ((body)), NOTIFY_SMS_TEMPLATE_ID
with ((body))), and letters as PDFs through Notify's precompiled-letter API.

Notify answers 400 and 403 for a message it will never take (a bad recipient, a bad key), and
429 or 5xx while it is busy or down; the client raises the connection's own failures as 503.
"""

from dataclasses import dataclass
from io import BytesIO

from flask import current_app
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from portal.core.tagged_pdf import html_to_pdf
from portal.notifications.models import EMAIL, LARGE_PRINT_LETTER, LETTERS, SMS, OutboxMessage

__all__ = ["APIError", "NotifyTransport", "describe", "is_permanent"]

PERMANENT_STATUSES = {400, 403}
# Second class: what the council sends its other letters by.
POSTAGE = "second"


@dataclass
class Outgoing:
    """One request to Notify: which of the client's methods, and its arguments."""

    method: str
    arguments: dict


def describe(error: APIError) -> str:
    """Notify's status and message: it names fields and rules, not the recipient."""
    return f"Notify {error.status_code}: {error.message}"


def is_permanent(error: APIError) -> bool:
    return error.status_code in PERMANENT_STATUSES


def letter_pdf(message: OutboxMessage) -> bytes:
    """The letter as a tagged A4 PDF, its address where a window envelope shows it."""
    layout = current_app.jinja_env.get_template("emails/_letter.html")
    html = layout.render(
        address_lines=message.recipient.splitlines(),
        subject=message.subject,
        paragraphs=[paragraph for paragraph in message.body.strip().split("\n\n") if paragraph.strip()],
        date=message.created_at,
        service_name=current_app.config["SERVICE_NAME"],
        large_print=message.channel == LARGE_PRINT_LETTER,
    )
    return html_to_pdf(html, base_url=current_app.root_path)


class NotifyTransport:
    """Sends through GOV.UK Notify's API; ``send`` returns Notify's id for the message."""

    def __init__(self, config):
        self.config = config
        self.client = NotificationsAPIClient(config["NOTIFY_API_KEY"], base_url=config["NOTIFY_BASE_URL"])

    def build(self, message: OutboxMessage) -> Outgoing:
        # The reference comes back in each delivery receipt, and names no one.
        reference = f"outbox-{message.id}"
        if message.channel == EMAIL:
            reply_to_id = self.config.get("NOTIFY_EMAIL_REPLY_TO_ID")
            reply_to = {"email_reply_to_id": reply_to_id} if reply_to_id else {}
            return Outgoing(
                "send_email_notification",
                {
                    "email_address": message.recipient,
                    "template_id": self.config["NOTIFY_EMAIL_TEMPLATE_ID"],
                    "personalisation": {"subject": message.subject, "body": message.body},
                    "reference": reference,
                    **reply_to,
                },
            )
        if message.channel == SMS:
            return Outgoing(
                "send_sms_notification",
                {
                    "phone_number": message.recipient,
                    "template_id": self.config["NOTIFY_SMS_TEMPLATE_ID"],
                    "personalisation": {"body": message.body},
                    "reference": reference,
                },
            )
        if message.channel in LETTERS:
            pdf = BytesIO(letter_pdf(message))
            return Outgoing(
                "send_precompiled_letter_notification", {"reference": reference, "pdf_file": pdf, "postage": POSTAGE}
            )
        raise ValueError(f"no way to send a {message.channel} message")

    def send(self, outgoing: Outgoing) -> str:
        response = getattr(self.client, outgoing.method)(**outgoing.arguments)
        return response["id"]

    def close(self) -> None:
        self.client.request_session.close()
