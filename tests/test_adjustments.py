"""Reasonable adjustments (Complaint Handling Code 5.6) are records staff keep: each with its
kind, its status (asked for, arranged, not possible with the reason) and a review date. An
interpreter or easy read request is a task in the caseworker's queue until it is arranged, and
the family's pages say what they asked for and what has been arranged."""

import re

import pytest

from portal.accounts import roles
from tests.casework_helpers import category_id, events_for, get_case, sign_in, submit_case
from tests.factories import make_user
from tests.feedback_helpers import open_case_by_link

TEAM = "Travel Assist"


def words(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


@pytest.fixture
def interpreter(app):
    """A complaint whose family asked for a Bengali interpreter, and its caseworker signed in."""
    with app.app_context():
        category = category_id("Home-to-school transport", TEAM)
        person = make_user(roles.CASEWORKER, team=TEAM)
    reference = submit_case(app, category, adjustments=["interpreter"], interpreter_language="Bengali")
    client = app.test_client()
    sign_in(client, person)
    return {"reference": reference, "client": client}


def support_of(app, reference):
    with app.app_context():
        return [(item.kind, item.detail, item.status, item.reason) for item in get_case(reference).adjustments]


def link_to(reference) -> str:
    return f'href="/cases/{reference}"'


def test_an_interpreter_asked_for_is_a_task_until_it_is_arranged(app, outbox, interpreter):
    reference, client = interpreter["reference"], interpreter["client"]
    assert support_of(app, reference) == [("interpreter", "Bengali", "requested", None)]
    assert link_to(reference) in client.get("/cases?queue=support").get_data(as_text=True)
    assert "Support to arrange (1)" in words(client.get("/cases"))
    page = words(client.get(f"/cases/{reference}"))
    assert "An interpreter or information in another language: Bengali – To arrange" in page
    family = open_case_by_link(app, outbox, reference)
    assert "Bengali): we are arranging this" in words(family.get(f"/my-cases/{reference}"))

    with app.app_context():
        item = get_case(reference).adjustments[0].id
    response = client.post(
        f"/cases/{reference}/support",
        data={
            "which": str(item),
            "kind": "",
            "detail": "",
            "status": "arranged",
            "reason": "",
            "review_on": ["", "", ""],
        },
    )
    assert response.status_code == 302
    assert support_of(app, reference) == [("interpreter", "Bengali", "arranged", None)]
    assert link_to(reference) not in client.get("/cases?queue=support").get_data(as_text=True)
    with app.app_context():
        recorded = events_for(reference, "case.adjustment_recorded")[0].details
    assert recorded == {"kind": "interpreter", "status": "arranged"}
    email = outbox.last("jo@example.org", "caseworker_reply")
    assert email.subject == f"The support you asked for: {reference}"
    assert "We have arranged this" in email.body
    assert "Bengali): arranged" in words(family.get(f"/my-cases/{reference}"))


def test_support_that_is_not_possible_says_why_and_new_support_can_be_added(app, outbox, interpreter, frozen):
    reference, client = interpreter["reference"], interpreter["client"]
    new = {"which": "new", "kind": "advocate", "detail": "From the parent carer forum", "status": "requested"}
    past = client.post(f"/cases/{reference}/support", data={**new, "reason": "", "review_on": ["1", "1", "2020"]})
    assert "The review date must be today or later" in words(past)
    no_kind = client.post(f"/cases/{reference}/support", data={**new, "kind": "", "review_on": ["", "", ""]})
    assert "Select what kind of support it is" in words(no_kind)
    assert client.post(f"/cases/{reference}/support", data={**new, "review_on": ["", "", ""]}).status_code == 302
    with app.app_context():
        advocate = get_case(reference).adjustments[-1].id
    unexplained = {"which": str(advocate), "status": "not_possible", "reason": "", "review_on": ["", "", ""]}
    assert "Enter why it is not possible, for the family" in words(
        client.post(f"/cases/{reference}/support", data=unexplained)
    )
    reason = "The forum has no advocate free until March; SENDIASS can help instead."
    explained = {**unexplained, "reason": reason}
    assert client.post(f"/cases/{reference}/support", data=explained).status_code == 302
    assert support_of(app, reference)[-1] == ("advocate", "From the parent carer forum", "not_possible", reason)
    body = outbox.last("jo@example.org", "caseworker_reply").body
    assert "We are sorry, but we cannot do this." in body and reason in body
