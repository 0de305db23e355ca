"""Following a case by phone: /track texts a one-time code to the number on the case, and the
code opens the case in the browser that types it. A family with only a phone number gives
feedback, hears back by text through GOV.UK Notify (the local fake in tests.notify_server), and
opens their case with a code. Codes expire, allow 5 wrong tries, work once, are throttled, and
nothing on the way says whether a reference exists."""

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import time_machine

from portal.extensions import db
from portal.feedback.models import Case
from tests.casework_helpers import new_case, sign_in
from tests.factories import make_user
from tests.feedback_helpers import COMPLAINT, make_category, submit, walk
from tests.test_notify import notify, send  # noqa: F401 (notify is a fixture)

PHONE = "07700 900982"
WRONG = "The code is not right or has expired. Check the text message we sent you, or ask for a new code."


def phone_only_case(app) -> str:
    with app.app_context():
        return new_case(contact_email=None, contact_phone=PHONE, preferred_contact="phone")


def ask_for_code(client, reference: str, phone: str = PHONE):
    return client.post("/track", data={"reference": reference, "contact": phone})


def code_in(text: str) -> str:
    return re.search(r"code for case \S+ is (\d{6})", text).group(1)


def queued_code(outbox) -> str:
    return code_in(outbox.last(template="case_code").body)


def other_than(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def enter(client, code: str):
    return client.post("/track/enter-code", data={"code": code})


def main_of(response) -> str:
    return re.search(r"<main.*</main>", response.get_data(as_text=True), re.S).group(0)


def without_token(html: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*>', "", html)


# --- the family with only a phone number, end to end ------------------------------------------


def test_a_phone_only_family_hears_back_by_text_and_opens_their_case_with_a_code(app, client, runner, notify):  # noqa: F811 (the notify fixture)
    with app.app_context():
        category = make_category()
        caseworker = make_user("caseworker", team="Travel Assist", name="Sam Carter")
    contact = {**COMPLAINT["contact"], "contact_email": "", "contact_phone": PHONE, "preferred_contact": "phone"}
    walk(client, category, {"contact": contact, "adjustments": {"adjustments": []}})
    assert submit(client).status_code == 302
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.contact_phone == PHONE))
        reference, assigned = case.reference, case.caseworker_id
    assert assigned == caseworker.id

    # The acknowledgement goes as a text.
    send(runner)
    [acknowledgement] = notify.sent
    assert (acknowledgement["type"], acknowledgement["phone_number"]) == ("sms", PHONE)
    assert reference in acknowledgement["personalisation"]["body"]

    # The caseworker's reply goes as a text with a link to the case.
    staff = app.test_client()
    sign_in(staff, caseworker)
    replied = staff.post(f"/cases/{reference}/reply", data={"body": "I have spoken to the taxi company."})
    assert replied.status_code == 302
    send(runner)
    reply = notify.sent[-1]
    assert (reply["type"], reply["phone_number"]) == ("sms", PHONE)
    assert re.search(rf"http://127\.0\.0\.1:5000/my-cases/{reference}/open/\S+", reply["personalisation"]["body"])
    assert "taxi company" not in reply["personalisation"]["body"]

    # On another phone, the family follows the case at /track with a code sent by text.
    family = app.test_client()
    assert family.get(f"/my-cases/{reference}").status_code == 404
    asked = ask_for_code(family, reference, "+44 7700 900982")
    assert asked.headers["Location"] == "/track/enter-code"
    assert "Enter the code we sent" in family.get("/track/enter-code").get_data(as_text=True)
    send(runner)
    text = notify.sent[-1]
    assert (text["type"], text["phone_number"], text["template_id"]) == ("sms", PHONE, notify_server_sms_template())
    opened = enter(family, code_in(text["personalisation"]["body"]))
    assert opened.headers["Location"] == f"/my-cases/{reference}"
    page = family.get(f"/my-cases/{reference}").get_data(as_text=True)
    assert "I have spoken to the taxi company." in page


def notify_server_sms_template() -> str:
    from tests import notify_server

    return notify_server.SMS_TEMPLATE_ID


# --- the code's rules ---------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["07700900982", "+447700900982", "0044 7700 900982", "+44 (0)7700 900 982"])
def test_a_uk_number_is_matched_however_it_is_written(app, client, outbox, written):
    reference = phone_only_case(app)
    ask_for_code(client, reference, written)
    message = outbox.last(template="case_code")
    assert (message.channel, message.recipient) == ("sms", PHONE)
    assert enter(client, queued_code(outbox)).headers["Location"] == f"/my-cases/{reference}"


def test_a_code_expires_after_10_minutes(app, client, outbox):
    reference = phone_only_case(app)
    start = datetime.now(timezone.utc)
    with time_machine.travel(start, tick=False) as clock:
        ask_for_code(client, reference)
        code = queued_code(outbox)
        clock.shift(timedelta(minutes=10, seconds=1))
        late = enter(client, code)
    assert late.status_code == 200
    assert WRONG in late.get_data(as_text=True)
    assert client.get(f"/my-cases/{reference}").status_code == 404


def test_a_code_still_works_just_before_it_expires(app, client, outbox):
    reference = phone_only_case(app)
    start = datetime.now(timezone.utc)
    with time_machine.travel(start, tick=False) as clock:
        ask_for_code(client, reference)
        clock.shift(timedelta(minutes=9, seconds=59))
        assert enter(client, queued_code(outbox)).headers["Location"] == f"/my-cases/{reference}"


def test_five_wrong_tries_spend_the_code(app, client, outbox):
    reference = phone_only_case(app)
    ask_for_code(client, reference)
    code = queued_code(outbox)
    for _ in range(5):
        assert WRONG in enter(client, other_than(code)).get_data(as_text=True)
    assert WRONG in enter(client, code).get_data(as_text=True)
    assert client.get(f"/my-cases/{reference}").status_code == 404


def test_four_wrong_tries_still_leave_the_right_code_working(app, client, outbox):
    reference = phone_only_case(app)
    ask_for_code(client, reference)
    code = queued_code(outbox)
    for _ in range(4):
        enter(client, other_than(code))
    assert enter(client, code).headers["Location"] == f"/my-cases/{reference}"


def test_a_code_works_once(app, client, outbox):
    reference = phone_only_case(app)
    ask_for_code(client, reference)
    code = queued_code(outbox)
    assert enter(client, code).headers["Location"] == f"/my-cases/{reference}"
    other = app.test_client()
    ask_for_code(other, reference, "07700 900000")  # a number that does not match: nothing sent
    assert WRONG in enter(other, code).get_data(as_text=True)
    assert other.get(f"/my-cases/{reference}").status_code == 404


def test_a_new_code_replaces_the_old_one(app, client, outbox):
    reference = phone_only_case(app)
    ask_for_code(client, reference)
    first = queued_code(outbox)
    ask_for_code(client, reference)
    second = queued_code(outbox)
    if first != second:
        assert WRONG in enter(client, first).get_data(as_text=True)
    assert enter(client, second).headers["Location"] == f"/my-cases/{reference}"


def test_the_code_page_says_what_to_fix_and_keeps_the_field(app, client, outbox):
    reference = phone_only_case(app)
    ask_for_code(client, reference)
    empty = enter(client, "")
    assert empty.status_code == 200
    assert "Enter the code we sent you" in empty.get_data(as_text=True)
    assert "<title>Error: " in empty.get_data(as_text=True)
    short = enter(client, "12a4")
    assert "The code is 6 numbers" in short.get_data(as_text=True)
    assert 'value="12a4"' in short.get_data(as_text=True)
    # Neither counted as a wrong try: the code still works.
    assert enter(client, queued_code(outbox)).headers["Location"] == f"/my-cases/{reference}"


def test_without_asking_for_a_code_the_code_page_leads_to_track(client):
    assert client.get("/track/enter-code").headers["Location"] == "/track"


# --- no hint, and throttling --------------------------------------------------------------------


def test_the_pages_and_answers_are_the_same_whether_or_not_the_reference_exists(app, outbox):
    reference = phone_only_case(app)
    answers = []
    for asked in (
        {"reference": reference, "contact": "07700 900000"},
        {"reference": "CAN-2026-99999", "contact": PHONE},
    ):
        visitor = app.test_client()
        went = visitor.post("/track", data=asked)
        page = visitor.get(went.headers["Location"])
        wrong = enter(visitor, "123456")
        answers.append(
            (went.headers["Location"], without_token(main_of(page)), wrong.status_code, without_token(main_of(wrong)))
        )
    first, second = answers
    assert first[0] == second[0] == "/track/enter-code"
    assert first[2] == second[2] == 200
    # The only difference is the reference in the "ask for a new code" link.
    assert first[1].replace(reference, "REF") == second[1].replace("CAN-2026-99999", "REF")
    assert first[3].replace(reference, "REF") == second[3].replace("CAN-2026-99999", "REF")
    assert outbox.messages(template="case_code") == []


def test_the_code_page_is_throttled_per_case(app, outbox):
    app.config["TRACK_CODE_LIMIT"] = "3 per hour"
    reference = phone_only_case(app)
    statuses = []
    for n in range(4):
        visitor = app.test_client()
        ask_for_code(visitor, reference, "07700 900000")
        statuses.append(
            visitor.post("/track/enter-code", data={"code": "123456"}, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})
        )
    assert [response.status_code for response in statuses] == [200, 200, 200, 429]
    assert "Too many attempts" in statuses[-1].get_data(as_text=True)


def test_the_code_page_is_throttled_per_address(app, client, outbox):
    app.config["TRACK_CODE_LIMIT"] = "3 per hour"
    statuses = []
    for _ in range(4):
        reference = phone_only_case(app)
        ask_for_code(client, reference)
        statuses.append(enter(client, "123456").status_code)
    assert statuses == [200, 200, 200, 429]


# --- email stays as it was; development writes texts to files -----------------------------------


def test_an_email_address_still_gets_a_link(app, client, outbox):
    with app.app_context():
        reference = new_case(contact_email="jo@example.org", contact_phone=PHONE)
    response = client.post("/track", data={"reference": reference, "contact": "jo@example.org"})
    assert response.headers["Location"] == "/track/check-your-email"
    assert outbox.last("jo@example.org", "case_link")
    assert outbox.messages(template="case_code") == []


def test_with_only_smtp_a_phone_number_still_gets_an_emailed_link(app, client, outbox):
    app.config["MAIL_SERVER"] = "mail.example.org"
    with app.app_context():
        reference = new_case(contact_email="jo@example.org", contact_phone=PHONE)
    response = client.post("/track", data={"reference": reference, "contact": PHONE})
    assert response.headers["Location"] == "/track/check-your-email"
    assert outbox.last("jo@example.org", "case_link")


def test_in_development_the_text_is_written_where_mail_goes(app, client, runner, outbox):
    reference = phone_only_case(app)
    ask_for_code(client, reference)
    assert "Sent 1" in send(runner)
    [written] = Path(app.config["MAIL_DIR"]).glob("*.txt")
    text = written.read_text()
    assert text.startswith(f"Text message to {PHONE}")
    assert enter(client, code_in(text)).headers["Location"] == f"/my-cases/{reference}"
