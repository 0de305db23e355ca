"""Fault tests for email: the mail server is down for a while, then comes back; a message in the
outbox is broken. Real SMTP conversations with aiosmtpd, under a controlled clock."""

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from aiosmtpd.controller import Controller

from portal.accounts.models import User
from portal.accounts.services import request_password_reset
from portal.casework import services as casework
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from tests.casework_helpers import get_case, new_case
from tests.test_outbox import Recorder, free_port

START = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


class MailServer:
    """A mail server on a fixed port that can be down (nothing listening: connection refused)
    or up."""

    def __init__(self, app):
        self.port = free_port()
        self.recorder = Recorder()
        self.controller: Controller | None = None
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=self.port)

    def come_up(self) -> None:
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()

    def delivered_to(self) -> list[str]:
        return [recipient for recipients, _ in self.recorder.received for recipient in recipients]

    def body_for(self, recipient: str) -> str:
        (email,) = [email for recipients, email in self.recorder.received if recipients == [recipient]]
        (plain,) = [piece for piece in email.walk() if piece.get_content_type() == "text/plain"]
        return plain.get_payload(decode=True).decode()


@pytest.fixture
def mail_server(app):
    server = MailServer(app)
    yield server
    server.stop()


def send(runner) -> str:
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def attempts(app) -> list[int]:
    with app.app_context():
        return db.session.scalars(db.select(OutboxMessage.attempts).order_by(OutboxMessage.id)).all()


def queue_reset_and_acknowledgement(app, users) -> tuple[str, str]:
    """A password reset and a case acknowledgement, through the real services. Returns their
    recipients."""
    parent = users.make()
    caseworker = users.make("caseworker", name="Sam Carter")
    with app.app_context():
        reference = new_case(caseworker=caseworker, contact_email="jo@example.org")
    with app.test_request_context():
        request_password_reset(parent.email)
        casework.acknowledge(get_case(reference), db.session.get(User, caseworker.id))
        db.session.commit()
    return parent.email, "jo@example.org"


def test_mail_waits_out_a_mail_server_outage_and_is_delivered_exactly_once(app, runner, users, mail_server):
    with time_machine.travel(START, tick=False) as clock:
        reset_to, acknowledgement_to = queue_reset_and_acknowledgement(app, users)

        # The server is down: both are tried, and put back for a minute later.
        assert send(runner) == "Sent 0, to retry 2, failed 0."
        assert attempts(app) == [1, 1]

        # Backoff: not tried before their time, then after 1, then 2 more minutes.
        clock.shift(timedelta(seconds=59))
        assert send(runner) == "Sent 0, to retry 0, failed 0."
        clock.shift(timedelta(seconds=1))
        assert send(runner) == "Sent 0, to retry 2, failed 0."
        clock.shift(timedelta(minutes=1))
        assert send(runner) == "Sent 0, to retry 0, failed 0."
        clock.shift(timedelta(minutes=1))
        assert send(runner) == "Sent 0, to retry 2, failed 0."
        assert attempts(app) == [3, 3]

        # The server comes back; the mail goes at its next time, not before.
        mail_server.come_up()
        clock.shift(timedelta(minutes=3))
        assert send(runner) == "Sent 0, to retry 0, failed 0."
        clock.shift(timedelta(minutes=1))
        assert send(runner) == "Sent 2, to retry 0, failed 0."

        # Cron goes on running: nothing is sent twice.
        for _ in range(3):
            clock.shift(timedelta(hours=1))
            assert send(runner) == "Sent 0, to retry 0, failed 0."

    assert sorted(mail_server.delivered_to()) == sorted([reset_to, acknowledgement_to])
    assert "/reset-password/" in mail_server.body_for(reset_to)
    assert "I am Sam Carter and I will be your named contact" in mail_server.body_for(acknowledgement_to)
    assert attempts(app) == [4, 4]


def test_a_broken_message_fails_with_a_reason_and_a_reset_after_it_is_delivered(app, runner, users, mail_server):
    mail_server.come_up()
    parent = users.make()
    with app.app_context():
        # Straight into the table, as a bug elsewhere might write it: no subject cleaning.
        db.session.add(
            OutboxMessage(
                recipient="someone@example.org",
                subject="Your case\r\nBcc: everyone@example.org",
                body="Hello",
                template="case_received",
            )
        )
        db.session.commit()
    with app.test_request_context():
        request_password_reset(parent.email)
        db.session.commit()

    assert send(runner) == "Sent 1, to retry 0, failed 1."
    assert mail_server.delivered_to() == [parent.email]
    with app.app_context():
        broken = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.template == "case_received"))
        assert broken.status == "failed"
        assert broken.last_error.startswith("The email could not be built: ValueError")
        assert "linefeed or carriage return" in broken.last_error

    # And the next run goes on as usual.
    assert send(runner) == "Sent 0, to retry 0, failed 0."
