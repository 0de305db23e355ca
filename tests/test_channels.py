"""A complaint counts however it arrives (Complaint Handling Code 3.1 to 3.2): staff log what
came by phone, letter, email, in person or through a councillor or MP at /cases/new, with the
day it was really received, and it is routed and answered like any other. Staff record a stage 2
request made to them with its real date. A complaint made more than 12 months after the family
knew of the problem is flagged for a decision (Code 2.2)."""

import re
from datetime import date, datetime

import pytest

from portal.accounts import roles
from portal.core.calendar import add_months, add_working_days
from portal.core.complaint_code import OMBUDSMAN_WEBSITE
from portal.core.time import LONDON
from portal.extensions import db
from portal.feedback.models import Case
from portal.reports.complaints import complaints_report
from portal.reports.periods import year_of
from tests.casework_helpers import answer_stage_1, category_id, events_for, get_case, sign_in, submit_case
from tests.factories import make_user

TEAM = "Travel Assist"
TUESDAY = date(2026, 3, 10)
LAST_THURSDAY = date(2026, 3, 5)


def words(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def day(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


@pytest.fixture
def staff(app, frozen):
    """Tuesday 10 March 2026: a caseworker in the transport team signed in, and a colleague."""
    frozen(TUESDAY)
    with app.app_context():
        category = category_id("Home-to-school transport", TEAM)
        person = make_user(roles.CASEWORKER, team=TEAM, name="Sam Carter")
    client = app.test_client()
    sign_in(client, person)
    return {"client": client, "category": category, "person": person}


def later(staff, frozen, when: date) -> None:
    """Move the council's today on to ``when``; the caseworker signs in again that day."""
    frozen(when)
    sign_in(staff["client"], staff["person"])


def phone_complaint(category: int, **overrides) -> dict:
    form = {
        "channel": "phone",
        "received_on": day(LAST_THURSDAY),
        "kind": "complaint",
        "worried": "no",
        "category_id": str(category),
        "what_happened": "The taxi has not come for two weeks.",
        "outcome_wanted": "A taxi that comes.",
        "problem_known_on": ["", "", ""],
        "triage": "none",
        "child_name": "Ava",
        "speaker": "parent",
        "young_person_age": "no",
        "reply": "yes",
        "contact_name": "Priya Shah",
        "contact_email": "priya@example.org",
        "contact_phone": "",
        "relationship": "Parent",
        "preferred_contact": "email",
    }
    form.update(overrides)
    return form


def log(staff, **overrides):
    return staff["client"].post("/cases/new", data=phone_complaint(staff["category"], **overrides))


def new_reference(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[-1]


def test_a_phone_complaint_runs_its_clocks_from_the_day_of_the_call(app, outbox, staff):
    reference = new_reference(log(staff))
    with app.app_context():
        case = get_case(reference)
        assert case.channel == "phone"
        assert case.logged_by_id == staff["person"].id
        assert case.received_at.astimezone(LONDON).date() == LAST_THURSDAY
        assert reference.startswith("CAN-2026-")
        # Acknowledged within 5 working days of the call, not of the data entry.
        assert case.acknowledge_by == add_working_days(LAST_THURSDAY, 5) == date(2026, 3, 12)
        # Routed by the same rules as the online form: to the team's caseworker.
        assert case.caseworker_id == staff["person"].id
        assert case.stage == 1 and case.outcome_wanted == "A taxi that comes."
        assert events_for(reference, "case.submitted")[0].details["channel"] == "phone"
    page = staff["client"].get(f"/cases/{reference}")
    assert "Phone call, logged by Sam Carter" in words(page)


def test_the_family_is_sent_the_acknowledgement_with_a_link_that_opens_their_case(app, outbox, staff):
    reference = new_reference(log(staff))
    email = outbox.last("priya@example.org", "case_received")
    assert reference in email.subject
    assert "We will acknowledge your complaint by 12 March 2026" in email.body
    family = app.test_client()
    opened = family.get(outbox.link_in(email))
    assert opened.status_code == 302
    page = family.get(opened.headers["Location"])
    assert page.status_code == 200 and reference in words(page)


def test_a_family_without_email_is_logged_but_sent_nothing(app, outbox, staff):
    reference = new_reference(
        log(staff, contact_email="", contact_phone="07700 900982", preferred_contact="phone", channel="letter")
    )
    with app.app_context():
        assert get_case(reference).contact_phone == "07700 900982"
    assert outbox.messages(template="case_received") == []


def test_a_compliment_by_letter_needs_no_complaint_answers_nor_contact_details(app, outbox, staff):
    reference = new_reference(
        log(
            staff,
            channel="letter",
            kind="compliment",
            outcome_wanted="",
            triage="",
            reply="no",
            contact_name="",
            contact_email="",
            relationship="",
            preferred_contact="",
        )
    )
    with app.app_context():
        case = get_case(reference)
        assert case.kind == "compliment" and case.stage is None and case.anonymous
        assert case.channel == "letter" and case.acknowledge_by is None


def test_a_missing_answer_is_shown_beside_its_field_and_nothing_typed_is_lost(app, staff):
    response = log(staff, channel="", what_happened="", received_on=["", "", ""], outcome_wanted="Written down")
    text = words(response)
    assert response.status_code == 200
    assert "There is a problem" in text
    for message in ("Select how it reached the council", "Enter what happened", "Enter the date it was received"):
        assert text.count(message) == 2, message  # in the summary and beside the field
    html = response.get_data(as_text=True)
    assert ">Written down</textarea>" in html and 'value="Priya Shah"' in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Case)) == 0


def test_a_received_date_in_the_future_is_refused(staff):
    text = words(log(staff, received_on=day(date(2026, 3, 11))))
    assert "The date it was received must be today or in the past" in text


def test_a_complaint_needs_contact_details_to_be_answered(staff):
    text = words(log(staff, contact_name="", contact_email="", preferred_contact="email"))
    assert "Enter your full name" in text
    assert "Enter an email address or a phone number" in text


def test_families_cannot_log_cases_for_others(app, staff):
    with app.app_context():
        parent = make_user(roles.PARENT)
    client = app.test_client()
    sign_in(client, parent)
    assert client.get("/cases/new").status_code == 403


# --- a stage 2 request made to staff --------------------------------------------------------


def test_staff_record_a_stage_2_request_made_by_phone_with_its_real_date(app, outbox, staff, frozen):
    reference = new_reference(log(staff))
    with app.app_context():
        make_user(roles.CASEWORKER, team=TEAM, name="Ola Reviewer", stage_2=True)
    client = staff["client"]
    # Not before the stage 1 response.
    assert "Record a request for the next stage" not in words(client.get(f"/cases/{reference}"))
    with app.test_request_context():
        answer_stage_1(reference)
        db.session.commit()
    later(staff, frozen, date(2026, 3, 20))
    assert "Record a request for the next stage" in words(client.get(f"/cases/{reference}"))
    called = date(2026, 3, 18)
    form = {"requested_on": day(called), "channel": "phone", "what_they_said": "The taxi still does not come."}
    refused = client.post(f"/cases/{reference}/stage-2-request", data={**form, "requested_on": day(date(2026, 3, 2))})
    assert "The date the family asked must be on or after the day the complaint arrived, 5 March 2026" in words(refused)
    before_response = client.post(
        f"/cases/{reference}/stage-2-request", data={**form, "requested_on": day(date(2026, 3, 9))}
    )
    assert "must be on or after the stage 1 response, 10 March 2026" in words(before_response)
    assert client.post(f"/cases/{reference}/stage-2-request", data=form).status_code == 302
    with app.app_context():
        case = get_case(reference)
        assert case.stage == 2 and case.status == "escalated"
        assert case.acknowledge_by == add_working_days(called, 5)
        # Someone other than the stage 1 handler.
        assert case.caseworker.name == "Ola Reviewer"
        assert events_for(reference, "case.stage_2_logged")[0].details["requested_on"] == "2026-03-18"
    assert reference in outbox.last("priya@example.org", "case_escalated").subject
    family = app.test_client()
    family.post("/track", data={"reference": reference, "contact": "priya@example.org"})
    family.get(outbox.link_in(outbox.last("priya@example.org", "case_link")))
    text = words(family.get(f"/my-cases/{reference}"))
    assert "I asked for my complaint to be looked at again at stage 2 (phone call, 18 March 2026)" in text
    assert "The taxi still does not come." in text


def test_a_stage_2_request_after_the_window_can_still_be_recorded(app, staff, frozen):
    reference = new_reference(log(staff))
    with app.app_context():
        make_user(roles.CASEWORKER, team=TEAM)
    with app.test_request_context():
        answer_stage_1(reference)
        db.session.commit()
    late = add_months(TUESDAY, 4)
    later(staff, frozen, late)
    form = {"requested_on": day(late), "channel": "email", "what_they_said": ""}
    assert staff["client"].post(f"/cases/{reference}/stage-2-request", data=form).status_code == 302
    with app.app_context():
        assert get_case(reference).stage == 2


# --- complaints made more than 12 months after the family knew (Code 2.2) -------------------


def late_complaint(app, staff, known: date) -> str:
    """An online complaint whose family first knew of the problem on ``known``."""
    return submit_case(app, staff["category"], problem_known_on=known.isoformat())


def test_a_complaint_within_12_months_is_not_flagged(app, staff):
    reference = late_complaint(app, staff, date(2025, 3, 10))
    assert "Decide whether to look at it" not in words(staff["client"].get(f"/cases/{reference}"))


def test_a_late_complaint_taken_on_keeps_its_reason(app, staff, outbox):
    reference = late_complaint(app, staff, date(2025, 3, 9))
    client = staff["client"]
    page = words(client.get(f"/cases/{reference}"))
    assert "Made more than 12 months after the family knew of the problem" in page
    assert "Decide whether to look at it" in page
    assert "Made late: decide" in words(client.get("/cases?queue=mine"))
    empty = words(client.post(f"/cases/{reference}/late-complaint", data={"decision": "accept", "reason": ""}))
    assert "Enter the reason for the decision" in empty
    reason = "The family could not complain while the assessment was under way."
    assert (
        client.post(f"/cases/{reference}/late-complaint", data={"decision": "accept", "reason": reason}).status_code
        == 302
    )
    page = words(client.get(f"/cases/{reference}"))
    assert "Decide whether to look at it" not in page
    assert f"Taken on: {reason}" in page
    assert "Made late: decide" not in words(client.get("/cases?queue=mine"))
    with app.app_context():
        case = get_case(reference)
        assert case.late_decision == "accepted" and case.is_open and case.stage == 1


def test_a_late_complaint_refused_tells_the_family_why_and_about_the_ombudsman(app, staff, outbox):
    reference = late_complaint(app, staff, date(2024, 11, 1))
    reason = "The transport arrangements from 2024 have since been replaced."
    client = staff["client"]
    assert (
        client.post(f"/cases/{reference}/late-complaint", data={"decision": "refuse", "reason": reason}).status_code
        == 302
    )
    with app.app_context():
        case = get_case(reference)
        assert not case.is_open and case.not_complaint_reason == "out_of_time" and case.stage is None
    email = outbox.last("jo@example.org", "caseworker_reply").body
    assert "more than 12 months after you first knew of the problem" in email
    assert reason in email and OMBUDSMAN_WEBSITE in email
    # Counted among the complaints not taken on.
    with app.test_request_context():
        report = complaints_report(year_of(TUESDAY), now=datetime(2026, 3, 31, tzinfo=LONDON))
    counted = {figure.label: figure.value for figure in report.not_taken_on}
    assert counted["Made more than 12 months after the family knew of the problem (Code 2.2)"] == 1
    # And the decision is made once.
    assert "Decide on a late complaint" not in words(client.get(f"/cases/{reference}"))


def test_the_family_form_asks_when_they_knew_and_refuses_a_future_date(app, client):
    from tests.feedback_helpers import walk

    with app.app_context():
        category = category_id("Home-to-school transport", TEAM)
    walk(client, category)
    page = client.get("/feedback/what-happened?change=1")
    assert "When did you first know about the problem? (optional)" in words(page)
    refused = client.post(
        "/feedback/what-happened?change=1",
        data={"what_happened": "x", "outcome_wanted": "y", "problem_known_on": ["1", "1", "2999"]},
    )
    assert "The date you first knew about the problem must be today or in the past" in words(refused)
