"""Messages to families through GOV.UK Notify: the real client talks over HTTP to a small
Notify started by the tests (tests.notify_server), which checks the JWT it signs. Each family
is written to on their channel; Notify's refusals fail a message at once and its outages are
tried again later; its delivery receipts show on the case, and a permanent failure is a task."""

import io
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from pypdf import PdfReader

from portal.accounts import roles
from portal.extensions import db
from portal.feedback import services as feedback_services
from portal.feedback.models import Adjustment
from portal.notifications.models import OutboxMessage
from tests import notify_server
from tests.casework_helpers import get_case, new_case, sign_in
from tests.factories import make_user
from tests.feedback_helpers import answer, make_category, submit, walk

TOKEN = "callback-token-for-tests"
RECEIPTS = "/notify/delivery-receipts"


@pytest.fixture
def notify(app):
    """Notify on localhost, and the app configured to send through it."""
    server_state, server, address = notify_server.serve()
    app.config.update(
        NOTIFY_API_KEY=notify_server.API_KEY,
        NOTIFY_BASE_URL=address,
        NOTIFY_EMAIL_TEMPLATE_ID=notify_server.EMAIL_TEMPLATE_ID,
        NOTIFY_SMS_TEMPLATE_ID=notify_server.SMS_TEMPLATE_ID,
        NOTIFY_CALLBACK_TOKEN=TOKEN,
    )
    yield server_state
    server.shutdown()


def write_to_family(app, reference: str, body: str = "We have looked into what happened.") -> None:
    with app.test_request_context():
        feedback_services.email_family(get_case(reference), f"A reply about {reference}", "caseworker_reply", body=body)
        db.session.commit()


def family_case(app, **fields) -> str:
    with app.app_context():
        return new_case(**fields)


def the_message(app) -> OutboxMessage:
    with app.app_context():
        message = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
        db.session.expunge_all()
        return message


def send(runner) -> str:
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def receipt(client, notification_id: str, status: str, token: str | None = TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    body = {"id": notification_id, "reference": "outbox-1", "to": "someone", "status": status}
    return client.post(RECEIPTS, json=body, headers=headers)


def words(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def test_an_email_goes_through_notify_with_its_subject_and_body(app, runner, notify):
    reference = family_case(app, contact_email="jo@example.org")
    write_to_family(app, reference)
    assert "Sent 1" in send(runner)

    [sent] = notify.sent
    assert sent["type"] == "email"
    assert sent["email_address"] == "jo@example.org"
    assert sent["template_id"] == notify_server.EMAIL_TEMPLATE_ID
    assert sent["personalisation"]["subject"] == f"A reply about {reference}"
    assert "We have looked into what happened." in sent["personalisation"]["body"]
    message = the_message(app)
    assert (message.status, message.channel, message.notify_id) == ("sent", "email", sent["id"])
    assert message.body is None
    assert "email_reply_to_id" not in sent  # Notify's default reply-to, when none is set


def test_an_email_through_notify_names_the_reply_to_address_set_up_in_notify(app, runner, notify):
    app.config["NOTIFY_EMAIL_REPLY_TO_ID"] = "8e222534-7f05-4972-86e3-17c5d9f894e2"
    write_to_family(app, family_case(app, contact_email="jo@example.org"))
    send(runner)
    [sent] = notify.sent
    assert sent["email_reply_to_id"] == "8e222534-7f05-4972-86e3-17c5d9f894e2"


def test_a_family_with_only_a_phone_number_gets_a_text_with_a_link_to_their_case(app, runner, notify):
    reference = family_case(app, contact_email=None, contact_phone="07700 900982", preferred_contact="phone")
    write_to_family(app, reference, body="A long reply that belongs on the case page, not in a text.")
    send(runner)

    [sent] = notify.sent
    assert sent["type"] == "sms"
    assert sent["phone_number"] == "07700 900982"
    assert sent["template_id"] == notify_server.SMS_TEMPLATE_ID
    text = sent["personalisation"]["body"]
    assert f"A reply about {reference}" in text
    assert re.search(rf"http://127\.0\.0\.1:5000/\S*{reference}\S*", text)
    assert "A long reply" not in text
    assert the_message(app).channel == "sms"


def test_a_family_who_asked_for_large_print_gets_a_letter_as_a_pdf(app, runner, notify):
    address = "Jo Smith\n1 High Street\nTownville\nAB1 2CD"
    reference = family_case(app, contact_address=address)
    with app.app_context():
        case = get_case(reference)
        db.session.add(Adjustment(case=case, kind=Adjustment.LARGE_PRINT))
        db.session.commit()
    write_to_family(app, reference)
    send(runner)

    [sent] = notify.sent
    assert sent["type"] == "letter"
    assert sent["reference"] == f"outbox-{the_message(app).id}"
    assert sent["postage"] == "second"
    assert sent["pdf"].startswith(b"%PDF-")
    message = the_message(app)
    assert (message.channel, message.recipient, message.notify_id) == ("large_print", address, sent["id"])
    page = PdfReader(io.BytesIO(sent["pdf"])).pages[0]
    assert (round(page.mediabox.width), round(page.mediabox.height)) == (595, 842)  # A4, in points
    sizes = {}
    page.extract_text(
        visitor_text=lambda text, cm, tm, font, size: sizes.setdefault(text.strip(), size * tm[0] * cm[0])
    )
    text = " ".join(page.extract_text().split())
    assert "Jo Smith 1 High Street Townville AB1 2CD" in text
    assert "We have looked into what happened." in text
    # Large print: the letter's words are at least 16 point (the font size scaled to the page's points).
    assert round(sizes["We have looked into what happened."], 1) >= 16


def test_without_notify_the_family_is_emailed_as_before(app, runner, outbox):
    reference = family_case(app, contact_phone="07700 900982", preferred_contact="phone")
    write_to_family(app, reference)
    message = outbox.last()
    assert message.channel == "email"
    assert message.recipient.endswith("@example.org")


@pytest.mark.parametrize("status", [500, 503, 429])
def test_notify_down_or_busy_is_tried_again_on_the_outbox_schedule(app, runner, notify, status):
    reference = family_case(app)
    write_to_family(app, reference)
    start = datetime.now(timezone.utc)
    with time_machine.travel(start, tick=False) as clock:
        notify.fail_next(status)
        assert "Sent 0, to retry 1, failed 0." in send(runner)
        message = the_message(app)
        assert message.status == "pending"
        assert message.last_error.startswith(f"Notify {status}")
        assert message.next_attempt_at == start + timedelta(minutes=app.config["MAIL_RETRY_FIRST_MINUTES"])
        # Not due yet: nothing is sent.
        send(runner)
        assert notify.sent == []
        clock.shift(timedelta(minutes=1))
        send(runner)
    assert [item["type"] for item in notify.sent] == ["email"]
    assert the_message(app).status == "sent"


@pytest.mark.parametrize("status", [400, 403])
def test_a_message_notify_refuses_fails_at_once(app, runner, notify, status):
    reference = family_case(app)
    write_to_family(app, reference)
    notify.fail_next(status)
    send(runner)
    message = the_message(app)
    assert message.status == "failed"
    assert message.next_attempt_at is None
    assert message.last_error.startswith(f"Notify {status}")
    assert message.notify_id is None


def test_a_wrongly_signed_request_is_refused_by_notify(app, runner, notify):
    reference = family_case(app)
    write_to_family(app, reference)
    app.config["NOTIFY_API_KEY"] = f"portal_tests-{notify_server.SERVICE_ID}-{'0' * 8}-0000-0000-0000-{'0' * 12}"
    send(runner)
    assert notify.refused_tokens == 1
    assert the_message(app).status == "failed"


@pytest.mark.parametrize("token", [None, "wrong-token", TOKEN + "x"])
def test_a_receipt_without_the_right_token_is_refused_and_changes_nothing(app, client, runner, notify, token):
    reference = family_case(app)
    write_to_family(app, reference)
    send(runner)
    response = receipt(client, notify.sent[0]["id"], "permanent-failure", token)
    assert response.status_code == 401
    assert the_message(app).delivery_status is None


def test_receipts_are_refused_when_no_token_is_configured(app, client):
    app.config["NOTIFY_CALLBACK_TOKEN"] = None
    assert receipt(client, "any", "delivered", token="").status_code == 401
    assert receipt(client, "any", "delivered", token="None").status_code == 401


def test_a_receipt_for_an_unknown_notification_is_answered_and_changes_nothing(app, client, runner, notify):
    reference = family_case(app)
    write_to_family(app, reference)
    send(runner)
    assert receipt(client, "0b8e37c4-1f3b-4f1e-9d2c-3a4b5c6d7e8f", "delivered").status_code == 204
    assert the_message(app).delivery_status is None


def test_delivery_shows_on_the_case_and_a_permanent_failure_is_a_task(app, client, runner, notify):
    with app.app_context():
        person = make_user(roles.CASEWORKER, team="Travel Assist")
    reference = family_case(app, team="Travel Assist", caseworker=person)
    write_to_family(app, reference)
    write_to_family(app, reference, body="A second reply.")
    send(runner)
    first, second = (item["id"] for item in notify.sent)

    assert receipt(client, first, "delivered").status_code == 204
    assert receipt(client, second, "permanent-failure").status_code == 204

    staff = app.test_client()
    sign_in(staff, person)
    page = words(staff.get(f"/cases/{reference}"))
    assert "Caseworker reply Email Delivered" in page
    assert "Caseworker reply Email Permanent failure" in page
    assert "A message to the family could not be delivered. Reach them another way" in page
    assert f'href="/cases/{reference}"' in staff.get("/cases?queue=undelivered").get_data(as_text=True)

    # The caseworker phones the family: the task is done and the call is noted.
    response = staff.post(f"/cases/{reference}/reached", data={"body": "Phoned Jo, who read the reply on the portal."})
    assert response.status_code == 302
    page = words(staff.get(f"/cases/{reference}"))
    assert "Reach them another way" not in page
    assert "Phoned Jo, who read the reply on the portal." in page
    assert f'href="/cases/{reference}"' not in staff.get("/cases?queue=undelivered").get_data(as_text=True)


def test_a_temporary_or_technical_failure_shows_but_is_no_task(app, client, runner, notify):
    with app.app_context():
        person = make_user(roles.CASEWORKER, team="Travel Assist")
    reference = family_case(app, team="Travel Assist", caseworker=person)
    write_to_family(app, reference)
    write_to_family(app, reference)
    send(runner)
    first, second = (item["id"] for item in notify.sent)
    receipt(client, first, "temporary-failure")
    receipt(client, second, "technical-failure")

    staff = app.test_client()
    sign_in(staff, person)
    page = words(staff.get(f"/cases/{reference}"))
    assert "Temporary failure" in page and "Technical failure" in page
    assert "Reach them another way" not in page


def test_a_family_who_chose_post_gives_an_address_and_gets_their_acknowledgement_by_letter(app, client, runner, notify):
    with app.app_context():
        category = make_category()
    contact = {
        "contact_name": "Jo Smith",
        "contact_email": "",
        "contact_phone": "07700 900982",
        "relationship": "Parent",
        "preferred_contact": "post",
    }
    address = {"contact_address": "1 High Street\r\nTownville\r\nAB1 2CD"}
    walk(client, category, {"contact": {**contact, **address}, "adjustments": {"adjustments": []}})
    refused = answer(client, "contact", {**contact, "contact_address": ""})
    assert "Enter a postal address, or choose to be contacted by email or phone" in refused.get_data(as_text=True)
    assert "1 High Street" in client.get("/feedback/check-your-answers").get_data(as_text=True)
    assert submit(client).status_code == 302
    send(runner)

    [sent] = notify.sent
    assert sent["type"] == "letter"
    message = the_message(app)
    assert (message.channel, message.recipient) == ("letter", "1 High Street\nTownville\nAB1 2CD")
