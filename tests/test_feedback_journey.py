"""The feedback journey: branching, drafts that keep every answer, check your answers,
one case per submission, and the confirmation with its reference."""

import re
import threading
from datetime import date, timedelta

import pytest

from portal.core.calendar import add_working_days, receipt_day
from portal.core.time import LONDON
from portal.extensions import db
from portal.feedback import journey, services
from portal.feedback.models import Case, FeedbackDraft
from portal.notifications.models import OutboxMessage
from tests.feedback_helpers import COMPLAINT, SLUGS, answer, make_category, submit, walk


@pytest.fixture
def category_id(app):
    with app.app_context():
        return make_category()


def only_case(app) -> Case:
    with app.app_context():
        cases = db.session.scalars(
            db.select(Case).options(db.joinedload(Case.team), db.selectinload(Case.adjustments))
        ).all()
        assert len(cases) == 1, f"{len(cases)} cases"
        db.session.expunge_all()
        return cases[0]


# --- branching ------------------------------------------------------------------------------


def names(steps) -> list[str]:
    return [step.name for step in steps]


def test_a_complaint_asks_the_triage_question():
    steps = names(journey.applicable_steps({"kind": "complaint", "worried": "no", "reply": "yes"}))
    assert steps == [
        "kind",
        "safety",
        "category",
        "triage",
        "details",
        "child",
        "who",
        "reply",
        "contact",
        "adjustments",
        "evidence",
    ]


@pytest.mark.parametrize("kind", ["compliment", "suggestion", "question"])
def test_lighter_feedback_skips_triage(kind):
    steps = names(journey.applicable_steps({"kind": kind, "worried": "no", "reply": "yes", "triage": "plan"}))
    assert "triage" not in steps and "route" not in steps


def test_worry_about_harm_shows_the_urgent_route_first():
    answers = {"kind": "compliment", "worried": "yes"}
    assert journey.next_step(answers, journey.STEP_BY_NAME["safety"]).name == "urgent"
    answers["worried"] = "no"
    assert journey.next_step(answers, journey.STEP_BY_NAME["safety"]).name == "category"


@pytest.mark.parametrize(
    "triage, shows_route",
    [
        ("assessment", True),
        ("plan", True),
        ("school", True),
        ("health", True),
        ("school_decision", True),
        ("none", False),
    ],
)
def test_signposted_decisions_show_the_other_route(triage, shows_route):
    answers = {"kind": "complaint", "triage": triage}
    assert (journey.next_step(answers, journey.STEP_BY_NAME["triage"]).name == "route") is shows_route


def test_anonymous_feedback_skips_contact_details():
    answers = {"kind": "question", "worried": "no", "reply": "no"}
    steps = names(journey.applicable_steps(answers))
    assert "contact" not in steps and "adjustments" not in steps


def test_questions_cannot_be_opened_out_of_order():
    answers = {"kind": "complaint"}
    assert not journey.may_open(answers, journey.STEP_BY_NAME["details"])
    assert journey.first_incomplete(answers).name == "safety"


# --- the journey through the pages ---------------------------------------------------------


def test_guest_completes_a_complaint(app, client, category_id, outbox):
    walk(client, category_id)
    check = client.get("/feedback/check-your-answers")
    text = check.get_data(as_text=True)
    assert check.status_code == 200
    for shown in (
        "The taxi did not come for three weeks.",
        "A reliable taxi and an apology.",
        "Jo Smith",
        "Riverside Primary",
        "Easy read letters and emails",
    ):
        assert shown in text

    response = submit(client)
    assert response.headers["Location"] == "/feedback/confirmation"
    page = client.get("/feedback/confirmation").get_data(as_text=True)
    case = only_case(app)
    assert "Complaint sent" in page and case.reference in page
    received = case.received_at.astimezone(LONDON).date()
    assert case.acknowledge_by == add_working_days(receipt_day(received), 5)
    assert case.acknowledge_by.strftime("%-d %B %Y") in page
    assert "Travel Assist team" in page
    assert (case.stage, case.status, case.kind) == (1, "received", "complaint")
    assert [(item.kind, item.status) for item in case.adjustments] == [("easy_read", "requested")]
    assert not case.urgent and not case.anonymous
    # The confirmation says what support was asked for and where it has got to.
    assert "Support you asked for" in page and "Easy read letters and emails" in page

    email = outbox.last("jo@example.org", "case_received")
    assert case.reference in email.subject
    assert case.acknowledge_by.strftime("%-d %B %Y") in email.body


def test_reference_looks_like_the_councils(app, client, category_id):
    walk(client, category_id)
    submit(client)
    reference = only_case(app).reference
    assert reference == f"CAN-{date.today().year}-00001"


@pytest.mark.parametrize("kind", ["compliment", "suggestion", "question"])
def test_lighter_feedback_has_no_code_clocks_but_is_routed(app, client, category_id, outbox, kind):
    walk(client, category_id, {"kind": {"kind": kind}, "triage": None, "details": {"what_happened": "Thank you, Sam."}})
    submit(client)
    case = only_case(app)
    assert case.kind == kind
    assert case.stage is None and case.acknowledge_by is None
    assert case.team.name == "Travel Assist"
    assert outbox.last("jo@example.org", "case_received")
    page = client.get("/feedback/confirmation").get_data(as_text=True)
    assert "acknowledge your complaint" not in page


def test_anonymous_feedback_says_no_reply_is_possible(app, client, category_id, outbox):
    walk(client, category_id, {"reply": {"reply": "no"}, "contact": None, "adjustments": None})
    assert "anonymous, so we cannot reply" in client.get("/feedback/check-your-answers").get_data(as_text=True)
    submit(client)
    case = only_case(app)
    assert case.anonymous and case.contact_email is None and case.contact_name is None
    assert "we cannot reply" in client.get("/feedback/confirmation").get_data(as_text=True)
    assert outbox.messages() == []


def test_worry_about_harm_shows_the_urgent_contact_and_flags_the_case(app, client, category_id):
    client.post("/feedback/begin")
    answer(client, "kind", {"kind": "complaint"})
    response = answer(client, "safety", {"worried": "yes"})
    assert response.headers["Location"].endswith("/feedback/urgent-help")
    urgent = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "call 999" in urgent
    assert app.config["CONTACT_PHONE"] in urgent
    assert answer(client, "urgent", {}).headers["Location"].endswith("/feedback/what-is-it-about")
    walk_rest = {k: v for k, v in COMPLAINT.items() if k not in ("kind", "safety")}
    answer(client, "category", {"category_id": str(category_id)})
    for step, data in walk_rest.items():
        if data is not None and step != "category":
            answer(client, step, data)
    client.post("/feedback/evidence", data={"continue": "1"})
    submit(client)
    assert only_case(app).urgent


def test_appeal_route_shows_the_mediation_deadline(app, client, category_id):
    walk(
        client,
        category_id,
        skip=("details", "child", "who", "reply", "contact", "adjustments"),
        overrides={"triage": {"triage": "assessment"}},
    )
    page = client.get("/feedback/other-ways-to-resolve-this").get_data(as_text=True)
    assert "SEND Tribunal" in page and "mediation adviser" in page and "SENDIASS" in page

    worked_out = client.post(
        "/feedback/other-ways-to-resolve-this",
        data={"decision_letter_date": ["15", "9", "2026"], "work_out": "1"},
    )
    assert worked_out.status_code == 200
    assert "Contact a mediation adviser by <strong>15 November 2026</strong>" in worked_out.get_data(as_text=True)

    carry_on = client.post("/feedback/other-ways-to-resolve-this", data={"decision_letter_date": ["15", "9", "2026"]})
    assert carry_on.headers["Location"].endswith("/feedback/what-happened")
    for step in ("details", "child", "who", "reply", "contact", "adjustments"):
        answer(client, step, COMPLAINT[step])
    client.post("/feedback/evidence", data={"continue": "1"})
    assert "contact a mediation adviser by 15 November 2026" in client.get("/feedback/check-your-answers").get_data(
        as_text=True
    )
    submit(client)
    case = only_case(app)
    assert case.triage_route == "tribunal" and case.decision_letter_date == date(2026, 9, 15)


@pytest.mark.parametrize(
    "parts, message",
    [
        (["31", "2", "2026"], "must be a real date"),
        (["1", "1", str(date.today().year + 1)], "must be today or in the past"),
    ],
)
def test_decision_letter_date_must_be_real_and_past(client, category_id, parts, message):
    walk(
        client,
        category_id,
        skip=("details", "child", "reply", "contact", "adjustments"),
        overrides={"triage": {"triage": "plan"}},
    )
    response = client.post("/feedback/other-ways-to-resolve-this", data={"decision_letter_date": parts})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "triage, words",
    [("health", "patient advice and liaison service"), ("school_decision", "school's own complaints procedure")],
)
def test_health_and_school_decisions_are_signposted(client, category_id, triage, words):
    walk(
        client,
        category_id,
        skip=("details", "child", "reply", "contact", "adjustments"),
        overrides={"triage": {"triage": triage}},
    )
    page = client.get("/feedback/other-ways-to-resolve-this").get_data(as_text=True)
    assert words in page
    assert "Continue with my complaint" in page


# --- nothing typed is lost -----------------------------------------------------------------


def test_a_validation_error_keeps_everything_typed(client, category_id):
    walk(client, category_id, skip=("details", "child", "reply", "contact", "adjustments"))
    too_long = "x" * 5001
    response = answer(client, "details", {"what_happened": too_long, "outcome_wanted": "An apology"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "What happened must be 5000 characters or fewer" in text
    assert "There is a problem" in text and "<title>Error:" in text
    assert too_long in text and "An apology" in text


def test_going_back_shows_the_answers_given(client, category_id):
    walk(client, category_id)
    page = client.get(f"/feedback/{SLUGS['contact']}").get_data(as_text=True)
    assert 'value="Jo Smith"' in page and 'value="jo@example.org"' in page
    page = client.get(f"/feedback/{SLUGS['details']}").get_data(as_text=True)
    assert "The taxi did not come for three weeks." in page


def test_an_expired_page_keeps_the_answers(csrf_app):
    with csrf_app.app_context():
        category_id = make_category()
    client = csrf_app.test_client()
    client.post("/feedback/begin")
    first = client.get(f"/feedback/{SLUGS['kind']}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', first).group(1)
    client.post(f"/feedback/{SLUGS['kind']}", data={"kind": "complaint", "csrf_token": token})
    client.post(f"/feedback/{SLUGS['safety']}", data={"worried": "no", "csrf_token": token})
    client.post(f"/feedback/{SLUGS['category']}", data={"category_id": str(category_id), "csrf_token": token})
    client.post(f"/feedback/{SLUGS['triage']}", data={"triage": "none", "csrf_token": token})
    # The page sat open too long: its token no longer works.
    response = client.post(
        f"/feedback/{SLUGS['details']}",
        data={
            "what_happened": "A long account typed over an hour.",
            "outcome_wanted": "A meeting",
            "csrf_token": "expired",
        },
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "timed out" in text
    assert "A long account typed over an hour." in text and "A meeting" in text
    # Earlier answers were kept on the server all along.
    assert 'value="complaint" checked' in client.get(f"/feedback/{SLUGS['kind']}").get_data(as_text=True)


def test_an_old_draft_is_let_go_after_a_day(app, client, category_id):
    walk(client, category_id)
    with app.app_context():
        draft = db.session.scalar(db.select(FeedbackDraft))
        draft.updated_at = draft.updated_at - timedelta(hours=25)
        db.session.commit()
    response = client.get("/feedback/check-your-answers")
    assert response.headers["Location"] == "/feedback"
    page = client.get(f"/feedback/{SLUGS['details']}", follow_redirects=True).get_data(as_text=True)
    assert "deleted your unfinished answers" in page


def test_questions_ahead_of_the_answers_redirect_back(client, category_id):
    client.post("/feedback/begin")
    answer(client, "kind", {"kind": "complaint"})
    response = client.get(f"/feedback/{SLUGS['contact']}")
    assert response.headers["Location"].endswith(f"/feedback/{SLUGS['safety']}")
    assert client.get("/feedback/check-your-answers").headers["Location"].endswith(f"/feedback/{SLUGS['safety']}")


def test_without_a_draft_questions_lead_to_the_start(client):
    assert client.get(f"/feedback/{SLUGS['kind']}").headers["Location"] == "/feedback"


# --- check your answers --------------------------------------------------------------------


def test_change_links_return_to_the_check_page(client, category_id):
    walk(client, category_id)
    check = client.get("/feedback/check-your-answers").get_data(as_text=True)
    assert f'href="/feedback/{SLUGS["details"]}?change=1"' in check
    changed = client.post(
        f"/feedback/{SLUGS['details']}?change=1", data={"what_happened": "Changed account.", "outcome_wanted": "x"}
    )
    assert changed.headers["Location"] == "/feedback/check-your-answers"
    assert "Changed account." in client.get("/feedback/check-your-answers").get_data(as_text=True)


def test_a_change_that_opens_a_new_question_asks_it_first(client, category_id):
    walk(client, category_id, {"reply": {"reply": "no"}, "contact": None, "adjustments": None})
    changed = client.post(f"/feedback/{SLUGS['reply']}?change=1", data={"reply": "yes"})
    assert changed.headers["Location"] == f"/feedback/{SLUGS['contact']}?change=1"


def test_answers_that_no_longer_apply_are_not_kept(app, client, category_id):
    walk(client, category_id, {"triage": {"triage": "plan"}, "route": {"decision_letter_date": ["1", "9", "2026"]}})
    client.post(f"/feedback/{SLUGS['kind']}?change=1", data={"kind": "suggestion"})
    client.post(f"/feedback/{SLUGS['details']}?change=1", data={"what_happened": "More ramps."})
    submit(client)
    case = only_case(app)
    assert case.kind == "suggestion"
    assert case.triage_route is None and case.decision_letter_date is None and case.outcome_wanted is None


# --- one case per submission ----------------------------------------------------------------


def test_sending_twice_makes_one_case(app, client, category_id, outbox):
    walk(client, category_id)
    first = submit(client)
    second = submit(client)
    assert first.headers["Location"] == second.headers["Location"] == "/feedback/confirmation"
    case = only_case(app)
    assert case.reference in client.get("/feedback/confirmation").get_data(as_text=True)
    assert len(outbox.messages(template="case_received")) == 1


@pytest.mark.real_commits
def test_two_clicks_at_once_make_one_case(app, client, category_id):
    walk(client, category_id)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    other = app.test_client()
    other.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    barrier = threading.Barrier(2)
    statuses = []

    def click(browser):
        barrier.wait()
        statuses.append(submit(browser).status_code)

    threads = [threading.Thread(target=click, args=(browser,)) for browser in (client, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302, 302]
    only_case(app)


def test_starting_again_after_sending_makes_a_fresh_draft(app, client, category_id):
    walk(client, category_id)
    submit(client)
    client.post("/feedback/begin")
    assert "checked" not in client.get(f"/feedback/{SLUGS['kind']}").get_data(as_text=True)


def test_signed_in_parent_has_details_filled_in_and_the_case_on_their_account(app, client, auth, users, category_id):
    parent = users.make("parent", name="Priya Shah", email="priya@example.org")
    auth.sign_in(parent)
    client.post("/feedback/begin")
    assert client.get(f"/feedback/{SLUGS['kind']}").status_code == 200
    with app.app_context():
        draft = db.session.scalar(db.select(FeedbackDraft))
        assert draft.answers["contact_email"] == "priya@example.org"
    walk(
        client,
        category_id,
        {"contact": {**COMPLAINT["contact"], "contact_name": "Priya Shah", "contact_email": "priya@example.org"}},
    )
    submit(client)
    assert only_case(app).user_id == parent.id


# --- references under concurrency ----------------------------------------------------------


def complete_answers(category_id: int, number: int) -> dict:
    return {
        "kind": "complaint",
        "worried": "no",
        "category_id": str(category_id),
        "triage": "none",
        "what_happened": f"Submission {number}",
        "outcome_wanted": "x",
        "child_seen": True,
        "speaker": "parent",
        "young_person_age": "no",
        "reply": "yes",
        "contact_name": f"Parent {number}",
        "contact_email": f"p{number}@example.org",
        "relationship": "Parent",
        "preferred_contact": "email",
        "adjustments_seen": True,
        "evidence_seen": True,
    }


@pytest.mark.real_commits
def test_fifty_submissions_at_once_get_fifty_distinct_references(app, category_id):
    """Released together by a barrier, as many app servers would. On PostgreSQL the counter
    row's lock does the work; on SQLite, its single writer."""
    count = 50
    clients = []
    with app.app_context():
        for number in range(count):
            draft = services.new_draft()
            draft.answers = complete_answers(category_id, number)
            db.session.commit()
            browser = app.test_client()
            with browser.session_transaction() as session:
                session["feedback_draft"] = draft.key
            clients.append(browser)
    barrier = threading.Barrier(count)
    results = [None] * count

    def send(index):
        barrier.wait()
        results[index] = submit(clients[index]).status_code

    threads = [threading.Thread(target=send, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [302] * count
    with app.app_context():
        references = db.session.scalars(db.select(Case.reference)).all()
        assert len(references) == count
        assert len(set(references)) == count
        numbers = sorted(int(reference.rsplit("-", 1)[1]) for reference in references)
        assert numbers == list(range(1, count + 1))
        assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == count


def test_references_count_up_within_a_year(app):
    with app.app_context():
        assert services.allocate_reference(2026) == "CAN-2026-00001"
        assert services.allocate_reference(2026) == "CAN-2026-00002"
        assert services.allocate_reference(2027) == "CAN-2027-00001"
        db.session.rollback()
        # A rolled-back submission gives its number back.
        assert services.allocate_reference(2026) == "CAN-2026-00001"
        db.session.commit()


def test_a_complaint_needs_the_outcome_wanted(client, category_id):
    walk(client, category_id, skip=("details", "child", "reply", "contact", "adjustments"))
    response = answer(client, "details", {"what_happened": "It went wrong.", "outcome_wanted": ""})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter what you would like to happen" in text
    assert 'href="#outcome_wanted"' in text


def test_a_date_error_links_to_the_day_box(client, category_id):
    walk(
        client,
        category_id,
        skip=("details", "child", "reply", "contact", "adjustments"),
        overrides={"triage": {"triage": "plan"}},
    )
    response = client.post("/feedback/other-ways-to-resolve-this", data={"decision_letter_date": ["40", "1", "2026"]})
    assert 'href="#decision_letter_date-day"' in response.get_data(as_text=True)
