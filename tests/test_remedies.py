"""Remedies followed through to the end (Complaint Handling Code 6.6): a caseworker marks a
promise done, or records that it changed, with a date; the family is told; overdue promises
show in the caseworker's queue and on the managers' page, open or closed; and the annual
report counts what was really done."""

import re
from datetime import date, datetime, timedelta

import pytest

from portal.accounts import roles
from portal.casework import services
from portal.core.time import LONDON
from portal.extensions import db
from portal.reports.complaints import complaints_report
from portal.reports.periods import year_of
from tests.casework_helpers import category_id, events_for, get_case, sign_in, submit_case
from tests.factories import get_user, make_user

TEAM = "Travel Assist"
MONDAY = date(2026, 3, 2)


def words(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


@pytest.fixture
def promised(app, frozen):
    """A complaint answered on Monday 2 March 2026 with two promises: an apology by 9 March and
    a taxi review by 30 March. The caseworker is signed in."""
    frozen(MONDAY)
    with app.app_context():
        category = category_id("Home-to-school transport", TEAM)
        person = make_user(roles.CASEWORKER, team=TEAM, name="Sam Carter")
    reference = submit_case(app, category)
    with app.test_request_context():
        case = get_case(reference)
        services.acknowledge(case, get_user(person))
        services.record_outcome(
            case,
            get_user(person),
            outcome="upheld",
            summary="We are sorry.",
            remedies=[
                ("apology", "A written apology from the head of service", date(2026, 3, 9)),
                ("service_provided", "A review of the taxi contract", date(2026, 3, 30)),
            ],
        )
        db.session.commit()
        ids = [remedy.id for remedy in services.outstanding_remedies(get_case(reference))]
    client = app.test_client()
    sign_in(client, person)
    return {"reference": reference, "client": client, "person": person, "apology": ids[0], "review": ids[1]}


def later(promised, frozen, when: date) -> None:
    frozen(when)
    sign_in(promised["client"], promised["person"])


def update(promised, **form):
    return promised["client"].post(f"/cases/{promised['reference']}/remedy", data=form)


def test_a_remedy_marked_done_tells_the_family_and_counts_in_the_report(app, outbox, promised, frozen):
    later(promised, frozen, date(2026, 3, 6))
    response = update(
        promised, remedy=str(promised["apology"]), what="done", on=["5", "3", "2026"], note="It was posted."
    )
    assert response.status_code == 302
    with app.app_context():
        remaining = services.outstanding_remedies(get_case(promised["reference"]))
        assert [remedy.id for remedy in remaining] == [promised["review"]]
        assert events_for(promised["reference"], "case.remedy_done")[0].details["done_on"] == "2026-03-05"
    email = outbox.last("jo@example.org", "caseworker_reply")
    assert email.subject == f"An update on what we promised: {promised['reference']}"
    assert "A written apology from the head of service" in email.body
    assert "This was done on 5 March 2026. It was posted." in email.body and "www.lgo.org.uk" in email.body
    assert "Done 5 March 2026" in words(promised["client"].get(f"/cases/{promised['reference']}"))
    with app.app_context():
        report = complaints_report(year_of(MONDAY), now=datetime(2026, 3, 31, tzinfo=LONDON))
        done = {figure.kind: (figure.promised, figure.done) for figure in report.remedies}
        assert done["apology"] == (1, 1) and done["service_provided"] == (1, 0)


def test_a_changed_remedy_needs_words_for_the_family_and_may_take_a_new_date(app, outbox, promised, frozen):
    later(promised, frozen, date(2026, 3, 20))
    empty = update(promised, remedy=str(promised["review"]), what="changed", on=["", "", ""], note="")
    assert "Enter what has changed, for the family" in words(empty)
    past = update(promised, remedy=str(promised["review"]), what="changed", note="x", new_due_on=["1", "3", "2026"])
    assert "The new date must be today or later" in words(past)
    assert (
        update(
            promised,
            remedy=str(promised["review"]),
            what="changed",
            note="The contract is being retendered, so the review will cover the new provider.",
            new_due_on=["30", "4", "2026"],
        ).status_code
        == 302
    )
    with app.app_context():
        review = next(
            remedy
            for remedy in services.outstanding_remedies(get_case(promised["reference"]))
            if remedy.id == promised["review"]
        )
        assert review.due_on == date(2026, 4, 30) and review.done_at is None
    body = outbox.last("jo@example.org", "caseworker_reply").body
    assert "This has changed. The contract is being retendered" in body
    assert "We will now do it by 30 April 2026." in body


def test_a_done_date_in_the_future_is_refused(promised):
    response = update(promised, remedy=str(promised["apology"]), what="done", on=["9", "3", "2026"], note="")
    assert "The date it was done must be today or in the past" in words(response)


def test_overdue_remedies_show_in_the_queue_and_on_the_managers_page_even_when_closed(app, promised, frozen):
    reference = promised["reference"]
    client = promised["client"]
    assert client.post(f"/cases/{reference}/close").status_code == 302
    link = f'href="/cases/{reference}"'
    assert link not in client.get("/cases?queue=remedies").get_data(as_text=True)  # not due yet
    later(promised, frozen, date(2026, 3, 10))
    queue = client.get("/cases?queue=remedies").get_data(as_text=True)
    assert link in queue and "Remedies overdue (1)" in words(client.get("/cases"))
    assert "Overdue" in words(client.get(f"/cases/{reference}"))
    with app.app_context():
        manager = make_user(roles.MANAGER)
    boss = app.test_client()
    sign_in(boss, manager)
    assert link in boss.get("/manage/cases?show=remedies").get_data(as_text=True)
    # Once done, it leaves the lists.
    update(promised, remedy=str(promised["apology"]), what="done", on=["10", "3", "2026"], note="")
    assert link not in client.get("/cases?queue=remedies").get_data(as_text=True)
    later(promised, frozen, date(2026, 3, 10) + timedelta(days=30))
    assert link in client.get("/cases?queue=remedies").get_data(as_text=True)  # the review is late now


def test_a_remedy_on_anonymous_feedback_can_be_marked_done_without_writing_to_anyone(app, outbox, frozen):
    frozen(MONDAY)
    with app.app_context():
        category = category_id("Home-to-school transport", TEAM)
        person = make_user(roles.CASEWORKER, team=TEAM)
    reference = submit_case(app, category, reply="no")
    with app.test_request_context():
        case = get_case(reference)
        services.acknowledge(case, get_user(person))
        services.record_outcome(
            case,
            get_user(person),
            outcome="upheld",
            summary="Noted.",
            remedies=[("apology", "A public apology", MONDAY)],
        )
        db.session.commit()
        (remedy,) = services.outstanding_remedies(get_case(reference))
    emails = len(outbox.messages())
    client = app.test_client()
    sign_in(client, person)
    assert "Update a promised remedy" in words(client.get(f"/cases/{reference}"))
    done = {"remedy": str(remedy.id), "what": "done", "on": ["2", "3", "2026"], "note": ""}
    assert client.post(f"/cases/{reference}/remedy", data=done).status_code == 302
    with app.app_context():
        assert services.outstanding_remedies(get_case(reference)) == []
    assert len(outbox.messages()) == emails  # nobody to write to


def test_the_remedies_overdue_queue_follows_each_promise_as_it_is_done_or_moved(app, promised, frozen):
    """The queue reads the date the first promise still to do is due, kept on the case: it
    follows every promise done or given a new date, and empties when all are kept."""

    def first_due():
        with app.app_context():
            return get_case(promised["reference"]).remedy_due_on

    def in_queue() -> bool:
        return f'href="/cases/{promised["reference"]}"' in promised["client"].get("/cases?queue=remedies").get_data(
            as_text=True
        )

    assert first_due() == date(2026, 3, 9)
    later(promised, frozen, date(2026, 3, 20))
    assert in_queue()  # the apology is late
    update(promised, remedy=str(promised["apology"]), what="done", on=["20", "3", "2026"], note="")
    assert first_due() == date(2026, 3, 30) and not in_queue()
    later(promised, frozen, date(2026, 3, 31))
    assert in_queue()  # now the review is late
    update(promised, remedy=str(promised["review"]), what="changed", note="Retendered.", new_due_on=["30", "4", "2026"])
    assert first_due() == date(2026, 4, 30) and not in_queue()
    later(promised, frozen, date(2026, 5, 1))
    assert in_queue()
    update(promised, remedy=str(promised["review"]), what="done", on=["1", "5", "2026"], note="")
    assert first_due() is None and not in_queue()
