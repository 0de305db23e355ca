"""What a family is told about when to expect an answer, and whether the council kept to it:
a reply target for every kind of feedback (set by managers), a missed date shown as missed
with an apology and what to do now, and names written as their owners wrote them."""

import io
import re
from datetime import date, timedelta

import pytest

from portal.casework import clocks, services
from portal.core import settings
from portal.core.calendar import add_working_days
from portal.core.time import utcnow
from portal.extensions import db
from portal.reports.complaints import complaints_report
from portal.reports.periods import year_of
from tests.casework_helpers import category_id, get_case, sign_in, submit_case
from tests.factories import get_user
from tests.feedback_helpers import submit, walk


@pytest.fixture
def category(app):
    with app.app_context():
        return category_id("EHC needs assessment", "SENAR North")


@pytest.fixture
def parent(users):
    return users.make("parent", email="jo@example.org")


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _later():
    """A moment after everything the test did (the clock is frozen, and a report counts what
    happened before its moment)."""
    return utcnow() + timedelta(hours=1)


def _received_on(app, frozen, day: date, category, parent, **answers) -> str:
    frozen(day)
    return submit_case(app, category, user=parent, **answers)


# --- a reply target for every kind ---------------------------------------------------------------


@pytest.mark.parametrize(("kind", "days"), [("question", 10), ("suggestion", 20), ("compliment", 10)])
def test_each_kind_of_feedback_gets_its_default_reply_target(app, frozen, category, parent, kind, days):
    reference = _received_on(app, frozen, date(2026, 3, 2), category, parent, kind=kind)
    with app.app_context():
        case = get_case(reference)
        assert case.respond_by == add_working_days(date(2026, 3, 2), days)
        assert clocks.next_deadline(case) == (clocks.RESPOND, case.respond_by)


def test_a_manager_sets_the_reply_targets_and_new_questions_follow_them(app, client, frozen, users, category, parent):
    sign_in(client, users.make("manager"))
    page = client.get("/manage/routing")
    assert "Questions" in _text(page) and "10 working days" in _text(page)

    refused = client.post("/manage/routing/targets", data={"question": "0", "suggestion": "ten", "compliment": ""})
    assert refused.status_code == 200
    words = _text(refused)
    assert "There is a problem" in words
    assert "Enter a number of working days from 1 to 60" in words
    assert "Enter the working days as a whole number, like 20" in words
    assert "Enter the working days to answer a compliment" in words
    assert 'value="ten"' in refused.get_data(as_text=True)  # what was typed is kept

    saved = client.post("/manage/routing/targets", data={"question": "5", "suggestion": "15", "compliment": "3"})
    assert saved.status_code == 302
    with app.app_context():
        assert settings.reply_target_days("question") == 5
    reference = _received_on(app, frozen, date(2026, 3, 2), category, parent, kind="question")
    with app.app_context():
        assert get_case(reference).respond_by == date(2026, 3, 9)


def test_the_family_and_the_queue_see_a_questions_target_and_answering_it_meets_it(
    app, client, auth, frozen, users, category, parent
):
    caseworker = users.make("caseworker")
    reference = _received_on(app, frozen, date(2026, 3, 2), category, parent, kind="question")
    auth.sign_in(parent)
    words = _text(client.get(f"/my-cases/{reference}"))
    assert "We aim to answer your question by 16 March 2026" in words
    auth.sign_out()

    sign_in(client, users.make("manager"))
    queue = _text(client.get("/cases?queue=open"))
    assert reference in queue and "Respond by 16 March 2026" in queue

    frozen(date(2026, 3, 10))
    with app.test_request_context():
        services.reply(get_case(reference), get_user(caseworker), "Here is the answer to your question.")
        db.session.commit()
        case = get_case(reference)
        assert case.status == "responded" and clocks.next_deadline(case) is None
        figures = {row.kind: row for row in complaints_report(year_of(date(2026, 3, 10)), now=_later()).reply_targets}
        assert (figures["question"].answered, figures["question"].answered_on_time) == (1, 1)
        assert figures["question"].on_time_percent == 100


def test_the_report_counts_an_answer_after_its_target_as_late_and_one_still_waiting(
    app, client, frozen, users, category, parent
):
    caseworker = users.make("caseworker")
    late = _received_on(app, frozen, date(2026, 3, 2), category, parent, kind="suggestion")
    _received_on(app, frozen, date(2026, 3, 2), category, parent, kind="suggestion")  # never answered
    frozen(date(2026, 4, 20))  # past the 20 working days (30 March)
    with app.test_request_context():
        services.reply(get_case(late), get_user(caseworker), "Thank you: we will try it next term.")
        db.session.commit()
        suggestion = {
            row.kind: row for row in complaints_report(year_of(date(2026, 4, 20)), now=_later()).reply_targets
        }["suggestion"]
        assert (suggestion.answered, suggestion.answered_on_time, suggestion.answered_late) == (1, 0, 1)
        assert suggestion.waiting_past_target == 1
        rows = complaints_report(year_of(date(2026, 4, 20)), now=_later()).figures()
        assert ("Reply targets", "Suggestions answered", "Late", 1) in rows
    frozen(date(2026, 4, 21))
    sign_in(client, users.make("manager"))
    page = _text(client.get("/reports/complaints?year=2026"))
    assert "Other feedback answered against its reply target" in page
    assert re.search(r"Suggestions 1 0 1 0% 1", page)


# --- a missed date is shown as missed -------------------------------------------------------------


def test_a_missed_acknowledgement_is_shown_as_missed_with_an_apology_and_what_to_do(
    app, client, auth, frozen, category, parent
):
    reference = _received_on(app, frozen, date(2026, 11, 2), category, parent)
    auth.sign_in(parent)
    on_time = _text(client.get(f"/my-cases/{reference}"))
    assert "We will acknowledge it by 9 November 2026" in on_time and "We are late" not in on_time

    frozen(date(2026, 11, 12))
    auth.sign_in(parent)  # a new day, a new session
    late = _text(client.get(f"/my-cases/{reference}"))
    assert "We will acknowledge it by" not in late
    assert "We should have acknowledged it by 9 November 2026 Late" in late
    assert (
        "We are late. We said we would send our acknowledgement by 9 November 2026, and we have not. We are sorry."
        in late
    )
    assert "send us a message" in late and "giving your reference " + reference in late


def test_a_missed_response_says_so_and_offers_to_take_the_complaint_further(
    app, client, auth, frozen, users, category, parent
):
    reference = _received_on(app, frozen, date(2026, 11, 2), category, parent)
    with app.test_request_context():
        services.acknowledge(get_case(reference), get_user(users.make("caseworker")))
        db.session.commit()
        due = get_case(reference).respond_by
    frozen(add_working_days(due, 1))
    auth.sign_in(parent)
    page = client.get(f"/my-cases/{reference}")
    words = _text(page)
    assert f"We should have replied in full by {due.day} {due:%B %Y} Late" in words
    assert "We will reply in full by" not in words
    assert "our full reply" in words
    assert 'href="#not-happy">take your complaint further' in page.get_data(as_text=True)


def test_an_extended_deadline_is_shown_as_the_new_date(app, client, auth, frozen, users, category, parent):
    caseworker = users.make("caseworker")
    reference = _received_on(app, frozen, date(2026, 11, 2), category, parent)
    with app.test_request_context():
        services.acknowledge(get_case(reference), get_user(caseworker))
        due = services.extend(get_case(reference), get_user(caseworker), 5, "We are waiting for the school's records.")
        db.session.commit()
    auth.sign_in(parent)
    words = _text(client.get(f"/my-cases/{reference}"))
    assert (
        f"We will reply in full by {due.day} {due:%B %Y} (a later date than we first gave: we have told you why)"
        in words
    )


# --- what the confirmation promises -------------------------------------------------------------------


def test_anonymous_feedback_says_plainly_that_it_cannot_be_followed(client, category):
    walk(client, category, {"kind": {"kind": "suggestion"}, "reply": {"reply": "no"}, "contact": None})
    assert submit(client).status_code == 302
    words = _text(client.get("/feedback/confirmation"))
    assert "cannot be followed online and we cannot reply to you" in words
    assert "follow your case" not in words


def test_names_keep_their_capitals_in_sentences(app, client, auth, frozen, category, parent):
    reference = _received_on(app, frozen, date(2026, 11, 2), category, parent)
    auth.sign_in(parent)
    assert "Your complaint about EHC needs assessment" in _text(client.get(f"/my-cases/{reference}"))


# --- the words fit the kind, and nothing chosen is lost --------------------------------------------


@pytest.mark.parametrize(
    ("kind", "asked", "evidence"),
    [
        ("question", "What is your question?", "Add documents (optional)"),
        ("compliment", "Who would you like to thank, and what for?", "Add a file (optional)"),
        ("complaint", "What happened?", "Upload evidence (optional)"),
    ],
)
def test_each_kind_is_asked_in_its_own_words(client, category, kind, asked, evidence):
    steps = {"kind": {"kind": kind}}
    walk(client, category, steps)
    details = _text(client.get("/feedback/what-happened"))
    assert asked in details
    if kind == "compliment":
        # Someone paying a compliment is not asked whether a child is at risk.
        assert client.get("/feedback/is-a-child-at-risk").status_code == 302
        assert "We will pass your compliment on to them" in details
        assert "anything you have already tried" not in details
    assert evidence in _text(client.get("/feedback/evidence"))
    left_empty = _text(client.post("/feedback/what-happened", data={"what_happened": ""}))
    expected = {
        "question": "Enter your question",
        "compliment": "Enter your compliment",
        "complaint": "Enter what happened",
    }
    assert expected[kind] in left_empty


def test_a_file_chosen_then_continue_is_kept_and_announced(client, category):
    from tests.test_files import PDF

    walk(client, category)
    response = client.post(
        "/feedback/evidence",
        data={"evidence": (io.BytesIO(PDF), "letter.pdf"), "continue": "1"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    check = client.get(response.headers["Location"], follow_redirects=True)
    words = _text(check)
    assert "letter.pdf has been added" in words
    assert "letter.pdf" in _text(client.get("/feedback/check-your-answers"))


def test_a_half_filled_decision_letter_date_is_an_error_not_dropped(client, category):
    walk(
        client, category, {"triage": {"triage": "school"}}, skip=("details", "child", "reply", "contact", "adjustments")
    )
    page = client.post(
        "/feedback/other-ways-to-resolve-this",
        data={"decision_letter_date": ["", "11", "2026"]},
    )
    assert page.status_code == 200
    words = _text(page)
    assert "There is a problem" in words
    assert "The date of the decision letter must include a day" in words
    assert 'value="11"' in page.get_data(as_text=True) and 'value="2026"' in page.get_data(as_text=True)
