"""Asking for stage 2 (Complaint Handling Code 5.7 to 5.9): never before the stage 1 response,
unless stage 1 ran past its limit; after the response whether or not the case is closed, for
the months an administrator sets (3 by default); and after that, the page says how to ask
anyway. Closing a case tells the caseworker what the family can still do."""

import re
from datetime import date, timedelta

import pytest

from portal.accounts import roles
from portal.casework import services as casework_services
from portal.core.calendar import add_months, add_working_days
from portal.core.models import AuditEvent
from portal.extensions import db
from tests.casework_helpers import category_id, get_case, sign_in, submit_case
from tests.factories import make_user
from tests.feedback_helpers import open_case_by_link

TEAM = "Travel Assist"
MONDAY = date(2026, 3, 2)
ASK = "Ask for a stage 2 review"


def words(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


@pytest.fixture
def complaint(app, frozen, outbox):
    """A stage 1 complaint sent on Monday 2 March 2026, routed to the team's one caseworker,
    with a second caseworker ready to take stage 2."""
    frozen(MONDAY)
    with app.app_context():
        category = category_id("Home-to-school transport", TEAM)
        handler = make_user(roles.CASEWORKER, team=TEAM, name="Sam Carter")
        make_user(roles.CASEWORKER, team=TEAM, name="Ola Reviewer", stage_2=True)
    reference = submit_case(app, category)
    return {"reference": reference, "handler": handler}


def caseworker_client(app, person):
    client = app.test_client()
    sign_in(client, person)
    return client


def family_page(app, outbox, reference):
    """The family's case page, opened through a fresh emailed link (as they would months later)."""
    family = open_case_by_link(app, outbox, reference)
    return family, family.get(f"/my-cases/{reference}")


def answer(app, complaint, *, close=False):
    staff = caseworker_client(app, complaint["handler"])
    url = f"/cases/{complaint['reference']}"
    assert (
        staff.post(
            f"{url}/acknowledge",
            data={"body": "We are looking into it.", "understanding": "The taxi.", "outcome": "A taxi."},
        ).status_code
        == 302
    )
    form = {"outcome": "not_upheld", "summary": "We checked the taxi records."}
    for index in range(3):
        form |= {f"remedy-{index}-kind": "", f"remedy-{index}-description": "", f"remedy-{index}-due_on": ["", "", ""]}
    assert staff.post(f"{url}/outcome", data=form).status_code == 302
    if close:
        assert staff.post(f"{url}/close").status_code == 302
    return staff


def test_stage_2_is_not_offered_before_the_stage_1_response(app, outbox, complaint):
    reference = complaint["reference"]
    family, page = family_page(app, outbox, reference)
    text = words(page)
    assert ASK not in text
    with app.app_context():
        due = get_case(reference).acknowledge_by
    assert "We will send our stage 1 response by" in text
    assert "If we miss that date, you can ask for stage 2 without waiting" in text
    # Nor by going straight to the address.
    assert family.get(f"/my-cases/{reference}/escalate").headers["Location"] == f"/my-cases/{reference}"
    family.post(f"/my-cases/{reference}/escalate", data={"reason": ""})
    with app.app_context():
        assert get_case(reference).stage == 1
    assert due is not None


def test_after_the_stage_1_limit_with_no_response_the_family_may_escalate_or_go_to_the_ombudsman(
    app, outbox, frozen, complaint
):
    reference = complaint["reference"]
    staff = caseworker_client(app, complaint["handler"])
    staff.post(
        f"/cases/{reference}/acknowledge",
        data={"body": "We are looking into it.", "understanding": "The taxi.", "outcome": "A taxi."},
    )
    with app.app_context():
        respond_by = get_case(reference).respond_by
    frozen(respond_by)
    _, on_the_day = family_page(app, outbox, reference)
    assert ASK not in words(on_the_day)

    frozen(respond_by + timedelta(days=1))
    family, late = family_page(app, outbox, reference)
    text = words(late)
    assert "We have not sent our stage 1 response within the time the Complaint Handling Code allows" in text
    assert "go straight to the Local Government and Social Care Ombudsman" in text
    assert ASK in text
    assert family.post(f"/my-cases/{reference}/escalate", data={"reason": ""}).status_code == 302
    with app.app_context():
        assert (get_case(reference).stage, get_case(reference).status) == (2, "escalated")


def test_a_never_acknowledged_complaint_is_late_once_the_response_could_no_longer_be_on_time(
    app, outbox, frozen, complaint
):
    """Acknowledged on its last day, the response would be due 10 working days later."""
    reference = complaint["reference"]
    with app.app_context():
        acknowledge_by = get_case(reference).acknowledge_by
    frozen(add_working_days(acknowledge_by, 10))
    _, on_the_last_day = family_page(app, outbox, reference)
    assert ASK not in words(on_the_last_day)
    frozen(add_working_days(acknowledge_by, 10) + timedelta(days=1))
    _, page = family_page(app, outbox, reference)
    assert ASK in words(page)


def test_a_closed_case_can_be_taken_to_stage_2_and_reopens_with_a_new_handler(app, outbox, frozen, complaint):
    reference = complaint["reference"]
    answer(app, complaint, close=True)
    frozen(MONDAY + timedelta(days=20))
    family, page = family_page(app, outbox, reference)
    text = words(page)
    assert "Closed" in text
    assert "even though the case is closed" in text
    assert f"You can ask here until {add_months(MONDAY, 3):%-d %B %Y}" in text
    assert ASK in text

    assert family.post(f"/my-cases/{reference}/escalate", data={"reason": "Nothing changed."}).status_code == 302
    with app.app_context():
        case = get_case(reference)
        assert (case.stage, case.status, case.closed_at) == (2, "escalated", None)
        assert case.caseworker.name == "Ola Reviewer"
        assert case.acknowledge_by is not None and case.respond_by is None
    # The family sees who is reviewing it at once, by name, on the page and in the email.
    assert "Reviewing it at stage 2 Ola Reviewer" in words(family.get(f"/my-cases/{reference}"))
    assert (
        "Ola Reviewer, who has not worked on your complaint, will review it"
        in outbox.last("jo@example.org", "case_escalated").body
    )


def test_the_window_ends_after_three_months_and_the_page_says_how_to_ask_anyway(app, outbox, frozen, complaint):
    reference = complaint["reference"]
    answer(app, complaint, close=True)
    last_day = add_months(MONDAY, 3)
    frozen(last_day)
    _, page = family_page(app, outbox, reference)
    assert ASK in words(page)

    frozen(last_day + timedelta(days=1))
    family, page = family_page(app, outbox, reference)
    text = words(page)
    assert ASK not in text
    assert f"The time to ask for stage 2 from this page ended on {last_day:%-d %B %Y}" in text
    assert f"email {app.config['CONTACT_EMAIL']} or call {app.config['CONTACT_PHONE']}" in text
    assert "Ombudsman" in text
    family.post(f"/my-cases/{reference}/escalate", data={"reason": ""})
    with app.app_context():
        assert get_case(reference).stage == 1


def test_an_administrator_sets_how_long_families_have(app, outbox, frozen, complaint):
    reference = complaint["reference"]
    answer(app, complaint, close=True)
    frozen(add_months(MONDAY, 4))
    _, page = family_page(app, outbox, reference)
    assert ASK not in words(page)

    with app.app_context():
        admin = make_user(roles.ADMIN)
    client = caseworker_client(app, admin)
    settings_page = client.get("/admin/settings")
    assert 'value="3"' in settings_page.get_data(as_text=True)
    assert client.post("/admin/settings", data={"stage_2_request_months": "6"}).status_code == 302

    _, page = family_page(app, outbox, reference)
    assert f"You can ask here until {add_months(MONDAY, 6):%-d %B %Y}" in words(page)
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "setting.changed"))
        assert (event.actor_id, event.details["old"], event.details["new"]) == (admin.id, 3, 6)


@pytest.mark.parametrize(
    "typed, message",
    [
        ("", "Enter the number of months"),
        ("three", "The number of months must be a whole number, like 1"),
        ("0", "The number of months must be between 1 and 12"),
        ("13", "The number of months must be between 1 and 12"),
    ],
)
def test_a_window_that_is_not_a_number_of_months_is_refused_next_to_the_field(app, typed, message):
    with app.app_context():
        admin = make_user(roles.ADMIN)
    client = caseworker_client(app, admin)
    response = client.post("/admin/settings", data={"stage_2_request_months": typed})
    text = words(response)
    assert response.status_code == 200
    assert text.count(message) == 2  # in the error summary and next to the field
    assert f'value="{typed}"' in response.get_data(as_text=True)


def test_closing_asks_the_caseworker_to_confirm_and_says_what_the_family_can_still_do(app, outbox, complaint):
    reference = complaint["reference"]
    staff = caseworker_client(app, complaint["handler"])
    unanswered = words(staff.get(f"/cases/{reference}/close"))
    assert "No response has been recorded at this stage" in unanswered

    answer(app, complaint)
    text = words(staff.get(f"/cases/{reference}/close"))
    assert "No response has been recorded" not in text
    assert f"ask for stage 2 from their case page until {add_months(MONDAY, 3):%-d %B %Y}" in text
    assert f"Do you want to close {reference}?" in text
    with app.app_context():
        assert get_case(reference).is_open  # looking at the page closes nothing


def test_a_case_closed_without_a_response_can_be_taken_to_stage_2_from_its_closing(app, outbox, frozen, complaint):
    reference = complaint["reference"]
    staff = caseworker_client(app, complaint["handler"])
    assert staff.post(f"/cases/{reference}/close").status_code == 302
    frozen(MONDAY + timedelta(days=7))
    _, page = family_page(app, outbox, reference)
    text = words(page)
    assert ASK in text
    assert f"until {add_months(MONDAY, 3):%-d %B %Y}" in text


def test_a_late_stage_2_response_sends_the_family_to_the_ombudsman_without_waiting(app, outbox, frozen, complaint):
    reference = complaint["reference"]
    answer(app, complaint)
    family, _ = family_page(app, outbox, reference)
    family.post(f"/my-cases/{reference}/escalate", data={"reason": ""})
    with app.test_request_context():
        case = get_case(reference)
        casework_services.acknowledge(case, case.caseworker)
        db.session.commit()
        respond_by = get_case(reference).respond_by
    frozen(respond_by + timedelta(days=1))
    _, page = family_page(app, outbox, reference)
    text = words(page)
    assert "We have not sent our stage 2 response within the time the Complaint Handling Code allows" in text
    assert (
        "ask the Local Government and Social Care Ombudsman (telephone 0300 061 0614) to look at your complaint now"
        in text
    )


def test_a_decision_not_to_take_a_complaint_on_tells_the_family_they_can_ask_the_ombudsman(app, outbox, complaint):
    reference = complaint["reference"]
    staff = caseworker_client(app, complaint["handler"])
    staff.post(
        f"/cases/{reference}/not-a-complaint",
        data={"reason": "service_request", "signposting": "We have passed it to the transport team."},
    )
    _, page = family_page(app, outbox, reference)
    text = words(page)
    assert "If you disagree with our decision not to take this on as a complaint" in text
    assert ASK not in text
    email = outbox.last("jo@example.org", "caseworker_reply")
    assert "because it is a request for a service" in email.body
    assert "www.lgo.org.uk" in email.body
