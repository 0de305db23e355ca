"""Managers write consultations at /manage/consultations: the details, the questions, and
publishing, with the rules that keep people's answers meaningful.

Who may open each page is checked for every route and role in tests/test_security.py (ACCESS);
the short test at the end here covers the consultation pages on their own.
"""

from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from portal.accounts import roles
from portal.consultations import models as m
from portal.core.models import AuditEvent
from portal.core.time import london_today, utcnow
from portal.extensions import db
from tests.consultation_helpers import make_consultation
from tests.factories import make_user
from tests.query_counts import count_queries
from tests.test_security import error_summary, page, sign_in_with_token

# --- helpers -------------------------------------------------------------------------------


@pytest.fixture
def manager(users, auth):
    person = users.make(roles.MANAGER, name="Morgan Manager")
    auth.sign_in(person)
    return person


def text_of(response) -> str:
    return page(response).text


def boxes(day: date) -> list[str]:
    """A date as typed in the three boxes."""
    return [str(day.day), str(day.month), str(day.year)]


def details(**changes) -> dict:
    """What a manager types on the details page: a valid new consultation, with ``changes``."""
    today = london_today()
    data = {
        "title": "How named caseworkers should keep in touch",
        "summary": "We want to know how you would like your caseworker to keep in touch.",
        "easy_read": "",
        "background": "Every family now has a named caseworker.",
        "audience": m.EVERYONE,
        "forum_may_answer": "no",
        "opens_on": boxes(today + timedelta(days=7)),
        "closes_on": boxes(today + timedelta(days=35)),
    }
    return data | changes


def the_details_of(consultation: m.Consultation, **changes) -> dict:
    """The details page as it is for ``consultation``, with ``changes``."""
    return {
        "title": consultation.title,
        "summary": consultation.summary,
        "easy_read": consultation.easy_read or "",
        "background": consultation.background,
        "audience": consultation.audience,
        "forum_may_answer": "yes" if consultation.forum_may_answer else "no",
        "opens_on": boxes(consultation.opens_on),
        "closes_on": boxes(consultation.closes_on),
    } | changes


def made(app, state=m.DRAFT, **kwargs) -> m.Consultation:
    with app.app_context():
        consultation = make_consultation(state=state, **kwargs)
        db.session.refresh(consultation)
        db.session.expunge(consultation)
        return consultation


def get(app, consultation_id: int) -> m.Consultation:
    """The consultation as saved, with its questions and their options."""
    with app.app_context():
        consultation = db.session.get(m.Consultation, consultation_id)
        for question in consultation.questions:
            list(question.options)
        db.session.expunge_all()
        return consultation


def only_consultation(app) -> m.Consultation:
    with app.app_context():
        consultation_id = db.session.scalar(sa.select(m.Consultation.id))
    return get(app, consultation_id)


def actions(app, consultation_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent.action)
                .where(AuditEvent.object_type == "consultation", AuditEvent.object_id == str(consultation_id))
                .order_by(AuditEvent.id)
            )
        )


def respond(
    app, consultation_id: int, role=roles.PARENT, *, submitted=True, voice=m.OWN_VOICE, moderation=m.PENDING, comments=0
):
    """Someone's response, straight in the database, with ``comments`` pending comments under it."""
    with app.app_context():
        author = make_user(role)
        response = m.Response(
            consultation_id=consultation_id,
            author_id=author.id,
            voice=voice,
            moderation=moderation,
            submitted_at=utcnow() if submitted else None,
        )
        db.session.add(response)
        db.session.flush()
        for _ in range(comments):
            db.session.add(m.Comment(response_id=response.id, author_id=author.id, body="I agree with this."))
        db.session.commit()


# --- creating ----------------------------------------------------------------------------------


def test_a_manager_creates_a_draft_and_lands_on_its_page(app, client, manager):
    listing = client.get("/manage/consultations")
    assert listing.status_code == 200
    assert "Create a consultation" in text_of(listing)
    assert 'href="/manage/consultations/new"' in listing.get_data(as_text=True)
    assert 'href="/manage/consultations/moderation"' in listing.get_data(as_text=True)

    assert client.get("/manage/consultations/new").status_code == 200
    response = client.post("/manage/consultations/new", data=details(easy_read="You can say how we talk to you."))

    consultation = only_consultation(app)
    assert response.status_code == 302
    assert response.location == f"/manage/consultations/{consultation.id}"
    assert consultation.slug == "how-named-caseworkers-should-keep-in-touch"
    assert consultation.published_at is None
    assert consultation.easy_read == "You can say how we talk to you."
    assert consultation.opens_on == london_today() + timedelta(days=7)
    assert consultation.created_by_id == manager.id
    assert actions(app, consultation.id) == ["consultation.created"]

    shown = client.get(response.location)
    text = text_of(shown)
    assert "saved as a draft" in text
    assert "Draft" in text and "How named caseworkers should keep in touch" in text
    assert "There are no questions yet" in text
    assert "Consultation created as a draft" in text  # the history
    assert page(shown).inline_styles == 0
    assert "Draft" in text_of(client.get("/manage/consultations"))


def test_errors_are_shown_the_govuk_way_and_what_was_typed_is_kept(app, client, manager):
    response = client.post(
        "/manage/consultations/new",
        data=details(
            title="  Local Offer website  ",
            summary="",
            background="",
            audience="",
            opens_on=["12", "", "2027"],
            closes_on=["", "", ""],
        ),
    )

    assert response.status_code == 200
    shown = page(response)
    assert shown.title.startswith("Error: Create a consultation")
    summary = error_summary(response)
    for message in (
        "Enter a summary in plain words",
        "Enter the full background",
        "Select who the consultation is for",
        "The opening date must include a month",
        "Enter the closing date",
    ):
        assert message in summary
    html = response.get_data(as_text=True)
    # Each date's error takes you to its day box.
    assert 'href="#opens_on-day"' in html and 'href="#closes_on-day"' in html
    assert shown.value_of("title") == "Local Offer website"
    assert shown.value_of("opens_on") == "12"  # the day box keeps what was typed
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(m.Consultation.id))) == 0


def test_a_timed_out_form_is_shown_again_with_what_was_typed(csrf_app, users):
    client = csrf_app.test_client()
    sign_in_with_token(client, users.make(roles.MANAGER))
    response = client.post("/manage/consultations/new", data=details(title="Local Offer website", csrf_token="stale"))
    assert response.status_code == 400
    assert "This page timed out before you sent it" in error_summary(response)
    assert page(response).value_of("title") == "Local Offer website"
    with csrf_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(m.Consultation.id))) == 0


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"opens_on": ["31", "2", "2030"]}, "The opening date must be a real date"),
        ({"closes_on": ["1", "x", "2030"]}, "The closing date must be a real date"),
        ({"closes_on": ["1", "2", "30"]}, "The year of the closing date must have 4 numbers"),
        ({"opens_on": boxes(london_today() - timedelta(days=1))}, "The opening date must be today or in the future"),
        (
            {
                "opens_on": boxes(london_today() + timedelta(days=10)),
                "closes_on": boxes(london_today() + timedelta(days=9)),
            },
            "The closing date must be the same as or after the opening date",
        ),
        (
            {"audience": m.PARENTS, "forum_may_answer": "yes"},
            "Only youth forum members can answer on behalf of the forum",
        ),
        ({"title": "x" * 151}, "The title must be 150 characters or fewer"),
    ],
)
def test_the_rules_for_new_details(app, client, manager, changes, message):
    response = client.post("/manage/consultations/new", data=details(**changes))
    assert response.status_code == 200
    assert message in error_summary(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(m.Consultation.id))) == 0


def test_a_consultation_can_open_and_close_on_the_same_day_starting_today(app, client, manager):
    today = boxes(london_today())
    assert client.post("/manage/consultations/new", data=details(opens_on=today, closes_on=today)).status_code == 302


def test_the_forum_can_answer_when_the_youth_forum_is_asked(app, client, manager):
    assert (
        client.post(
            "/manage/consultations/new", data=details(audience=m.YOUTH_FORUM, forum_may_answer="yes")
        ).status_code
        == 302
    )
    consultation = only_consultation(app)
    assert consultation.audience == m.YOUTH_FORUM and consultation.forum_may_answer is True


def test_addresses_are_made_from_titles_and_never_repeat(app, client, manager):
    for _ in range(3):
        assert client.post("/manage/consultations/new", data=details(title="Renaming SEND to CAN")).status_code == 302
    assert (
        client.post("/manage/consultations/new", data=details(title="Children\u2019s café: où & why?")).status_code
        == 302
    )
    assert client.post("/manage/consultations/new", data=details(title="!!!")).status_code == 302
    long_title = "Transport " * 15
    assert client.post("/manage/consultations/new", data=details(title=long_title[:150])).status_code == 302
    assert client.post("/manage/consultations/new", data=details(title=long_title[:149])).status_code == 302

    with app.app_context():
        slugs = db.session.scalars(sa.select(m.Consultation.slug).order_by(m.Consultation.id)).all()
    assert slugs[:5] == [
        "renaming-send-to-can",
        "renaming-send-to-can-2",
        "renaming-send-to-can-3",
        "childrens-cafe-ou-why",
        "consultation",
    ]
    assert len(slugs[5]) <= 120 and slugs[5].startswith("transport-transport") and not slugs[5].endswith("-")
    assert slugs[6] != slugs[5] and slugs[6].endswith("-2") and len(slugs[6]) <= 120
    assert all(slug == slug.lower() and slug.isascii() and " " not in slug for slug in slugs)


# --- changing the details ------------------------------------------------------------------------


def test_a_drafts_address_follows_its_title_but_a_published_one_keeps_its_address(app, client, manager):
    draft = made(app, m.DRAFT, title="Local Offer")
    made(app, m.DRAFT, title="Local Offer website", slug="local-offer-website")
    response = client.post(
        f"/manage/consultations/{draft.id}/edit", data=the_details_of(draft, title="Local Offer website")
    )
    assert response.status_code == 302
    assert get(app, draft.id).slug == "local-offer-website-2"
    assert "Your changes have been saved" in text_of(client.get(response.location))
    assert actions(app, draft.id) == ["consultation.changed"]

    published = made(app, m.UPCOMING, title="Transport")
    assert (
        client.post(
            f"/manage/consultations/{published.id}/edit", data=the_details_of(published, title="School transport")
        ).status_code
        == 302
    )
    after = get(app, published.id)
    assert after.title == "School transport" and after.slug == "transport"


def test_the_closing_date_of_an_open_consultation_can_move_but_not_into_the_past(app, client, manager):
    consultation = made(app, m.OPEN)
    later = consultation.closes_on + timedelta(days=14)
    page_before = client.get(f"/manage/consultations/{consultation.id}/edit")
    assert "people may already have answered" in text_of(page_before)

    moved = client.post(
        f"/manage/consultations/{consultation.id}/edit", data=the_details_of(consultation, closes_on=boxes(later))
    )
    assert moved.status_code == 302
    assert get(app, consultation.id).closes_on == later
    assert actions(app, consultation.id) == ["consultation.closing_date_changed"]
    assert "Closing date changed from" in text_of(client.get(moved.location))

    consultation = get(app, consultation.id)
    past = client.post(
        f"/manage/consultations/{consultation.id}/edit",
        data=the_details_of(consultation, closes_on=boxes(london_today() - timedelta(days=1))),
    )
    assert past.status_code == 200
    assert "The closing date must be today or in the future" in error_summary(past)

    opening = client.post(
        f"/manage/consultations/{consultation.id}/edit",
        data=the_details_of(consultation, opens_on=boxes(london_today())),
    )
    assert "the opening date cannot change" in error_summary(opening)
    assert get(app, consultation.id).closes_on == later


def test_a_closed_consultations_dates_stay_but_its_words_can_be_corrected(app, client, manager):
    consultation = made(app, m.CLOSED)
    refused = client.post(
        f"/manage/consultations/{consultation.id}/edit",
        data=the_details_of(consultation, closes_on=boxes(london_today() + timedelta(days=7))),
    )
    assert refused.status_code == 200
    assert "so the closing date cannot change" in error_summary(refused)

    fixed = client.post(
        f"/manage/consultations/{consultation.id}/edit", data=the_details_of(consultation, summary="Corrected summary.")
    )
    assert fixed.status_code == 302
    assert get(app, consultation.id).summary == "Corrected summary."


def test_the_audience_cannot_change_once_anyone_has_started_answering(app, client, manager):
    consultation = made(app, m.OPEN, audience=m.EVERYONE)
    assert (
        client.post(
            f"/manage/consultations/{consultation.id}/edit", data=the_details_of(consultation, audience=m.PARENTS)
        ).status_code
        == 302
    )
    assert get(app, consultation.id).audience == m.PARENTS
    assert actions(app, consultation.id) == ["consultation.audience_changed"]

    respond(app, consultation.id, submitted=False)  # even a response still being written
    consultation = get(app, consultation.id)
    refused = client.post(
        f"/manage/consultations/{consultation.id}/edit", data=the_details_of(consultation, audience=m.EVERYONE)
    )
    assert refused.status_code == 200
    assert "People have already started answering this consultation as parents and carers" in error_summary(refused)
    assert "their answers would no longer match who was asked" in error_summary(refused)
    assert get(app, consultation.id).audience == m.PARENTS
    assert "cannot change now that people have started answering" in text_of(
        client.get(f"/manage/consultations/{consultation.id}")
    )


def test_forum_answers_cannot_be_switched_off_once_a_member_has_answered_for_the_forum(app, client, manager):
    consultation = made(app, m.OPEN, audience=m.YOUTH_FORUM, forum_may_answer=True)
    respond(app, consultation.id, roles.YOUTH, voice=m.FORUM_VOICE)
    refused = client.post(
        f"/manage/consultations/{consultation.id}/edit", data=the_details_of(consultation, forum_may_answer="no")
    )
    assert "already started answering on behalf of the forum" in error_summary(refused)
    assert get(app, consultation.id).forum_may_answer is True


def test_an_unknown_consultation_is_not_found(app, client, manager):
    for path in (
        "/manage/consultations/999999",
        "/manage/consultations/999999/edit",
        "/manage/consultations/999999/questions/new",
    ):
        assert client.get(path).status_code == 404


# --- questions ---------------------------------------------------------------------------------


def question(**changes) -> dict:
    return {
        "prompt": "How should your caseworker keep in touch?",
        "hint": "",
        "kind": m.FREE_TEXT,
        "required": "no",
        "options": "",
        "scale_low_label": "",
        "scale_high_label": "",
    } | changes


def test_questions_of_each_kind_are_added_in_order(app, client, manager):
    consultation = made(app, m.DRAFT, questions=[])
    base = f"/manage/consultations/{consultation.id}/questions/new"
    assert client.get(base).status_code == 200

    sent = [
        question(
            prompt="What do you think?",
            kind=m.FREE_TEXT,
            required="yes",
            hint="Say as much as you like.",
            options="ignored\nfor free text",
        ),
        question(prompt="Which do you prefer?", kind=m.CHOOSE_ONE, options="\nEmail\n  Phone  \nLetter\n\n"),
        question(prompt="Where should we write?", kind=m.CHOOSE_SEVERAL, options="Letters\r\nWebsite"),
        question(
            prompt="How much does it matter?", kind=m.SCALE, scale_low_label="Not at all", scale_high_label="Very much"
        ),
    ]
    for data in sent:
        response = client.post(base, data=data)
        assert response.status_code == 302
        assert response.location == f"/manage/consultations/{consultation.id}"

    questions = get(app, consultation.id).questions
    assert [(q.position, q.kind, q.prompt, q.required) for q in questions] == [
        (0, m.FREE_TEXT, "What do you think?", True),
        (1, m.CHOOSE_ONE, "Which do you prefer?", False),
        (2, m.CHOOSE_SEVERAL, "Where should we write?", False),
        (3, m.SCALE, "How much does it matter?", False),
    ]
    assert questions[0].hint == "Say as much as you like." and questions[0].options == []
    assert [o.label for o in questions[1].options] == ["Email", "Phone", "Letter"]
    assert [o.label for o in questions[2].options] == ["Letters", "Website"]
    assert (questions[3].scale_low_label, questions[3].scale_high_label) == ("Not at all", "Very much")
    assert actions(app, consultation.id).count("consultation.question_added") == 4

    text = text_of(client.get(f"/manage/consultations/{consultation.id}"))
    for words in (
        "Question 1",
        "Free text",
        "Required",
        "Choose one",
        "Email",
        "Choose several",
        "A scale from 1 to 5",
        "1: Not at all, 5: Very much",
        "Optional",
    ):
        assert words in text


@pytest.mark.parametrize(
    "options, message",
    [
        ("", "Enter at least 2 options, each on its own line"),
        ("Only one", "Enter at least 2 options, each on its own line"),
        ("Email\n\nPhone", "Line 2 of the options is empty"),
        ("Email\n   \nPhone", "Line 2 of the options is empty"),
        ("Email\nemail", "\u201cemail\u201d is in the options twice"),
        ("Email\n" + "x" * 201, "Option 2 must be 200 characters or fewer"),
        ("\n".join(f"Option {n}" for n in range(21)), "Enter at most 20 options"),
    ],
)
@pytest.mark.parametrize("kind", [m.CHOOSE_ONE, m.CHOOSE_SEVERAL])
def test_options_must_make_sense(app, client, manager, kind, options, message):
    consultation = made(app, m.DRAFT, questions=[])
    response = client.post(
        f"/manage/consultations/{consultation.id}/questions/new",
        data=question(kind=kind, options=options, prompt="Which one?"),
    )
    assert response.status_code == 200
    assert page(response).title.startswith("Error: Add question 1")
    assert message in error_summary(response)
    assert 'href="#options"' in response.get_data(as_text=True)
    assert page(response).value_of("prompt") == "Which one?"
    assert get(app, consultation.id).questions == []


def test_a_question_needs_its_words_and_its_kind(app, client, manager):
    consultation = made(app, m.DRAFT, questions=[])
    response = client.post(
        f"/manage/consultations/{consultation.id}/questions/new", data=question(prompt="", kind="", required="")
    )
    summary = error_summary(response)
    for message in (
        "Enter the question",
        "Select how people answer the question",
        "Select whether people must answer the question",
    ):
        assert message in summary


def test_a_draft_question_is_changed_moved_and_removed(app, client, manager):
    consultation = made(app, m.DRAFT)
    first, second, third, fourth = get(app, consultation.id).questions
    path = f"/manage/consultations/{consultation.id}/questions"

    form = page(client.get(f"{path}/{second.id}"))
    assert form.value_of("prompt") == "Which name do you prefer?"
    changed = client.post(
        f"{path}/{second.id}", data=question(prompt="Which name is best?", kind=m.CHOOSE_SEVERAL, options="CAN\nSEND")
    )
    assert changed.status_code == 302
    after = get(app, consultation.id).questions[1]
    assert (after.prompt, after.kind, [o.label for o in after.options]) == (
        "Which name is best?",
        m.CHOOSE_SEVERAL,
        ["CAN", "SEND"],
    )

    # A choose question that becomes free text loses its options.
    assert (
        client.post(f"{path}/{second.id}", data=question(prompt="Which name is best?", kind=m.FREE_TEXT)).status_code
        == 302
    )
    assert get(app, consultation.id).questions[1].options == []

    assert client.post(f"{path}/{third.id}/move", data={"direction": "up"}).status_code == 302
    assert [q.id for q in get(app, consultation.id).questions] == [first.id, third.id, second.id, fourth.id]
    # The first cannot go further up; nothing changes.
    assert client.post(f"{path}/{first.id}/move", data={"direction": "up"}).status_code == 302
    assert client.post(f"{path}/{first.id}/move", data={"direction": "down"}).status_code == 302
    assert [q.id for q in get(app, consultation.id).questions] == [third.id, first.id, second.id, fourth.id]
    assert client.post(f"{path}/{first.id}/move", data={"direction": "sideways"}).status_code == 400

    removed = client.post(f"{path}/{first.id}/delete")
    assert removed.status_code == 302
    assert "removed" in text_of(client.get(removed.location))
    questions = get(app, consultation.id).questions
    assert [(q.id, q.position) for q in questions] == [(third.id, 0), (second.id, 1), (fourth.id, 2)]
    logged = actions(app, consultation.id)
    assert {"consultation.question_changed", "consultation.question_moved", "consultation.question_removed"} <= set(
        logged
    )


def test_a_question_of_another_consultation_is_not_found(app, client, manager):
    one, other = made(app, m.DRAFT, title="One"), made(app, m.DRAFT, title="Other")
    foreign = get(app, other.id).questions[0]
    assert client.get(f"/manage/consultations/{one.id}/questions/{foreign.id}").status_code == 404
    assert client.post(f"/manage/consultations/{one.id}/questions/{foreign.id}/delete").status_code == 404
    assert len(get(app, other.id).questions) == 4


@pytest.mark.parametrize("state", [m.UPCOMING, m.OPEN, m.CLOSED, m.OUTCOME_PUBLISHED])
def test_questions_are_locked_once_published(app, client, manager, state):
    consultation = made(app, state)
    before = get(app, consultation.id).questions
    first = before[0]
    path = f"/manage/consultations/{consultation.id}/questions"
    attempts = [
        client.get(f"{path}/new"),
        client.post(f"{path}/new", data=question()),
        client.get(f"{path}/{first.id}"),
        client.post(f"{path}/{first.id}", data=question(prompt="Changed")),
        client.post(f"{path}/{first.id}/move", data={"direction": "down"}),
        client.post(f"{path}/{first.id}/delete"),
    ]
    for response in attempts:
        assert response.status_code == 302
        assert response.location == f"/manage/consultations/{consultation.id}"
    shown = text_of(client.get(f"/manage/consultations/{consultation.id}"))
    assert (
        "The questions cannot change after a consultation is published, because people's answers depend on them"
        in shown
    )
    after = get(app, consultation.id).questions
    assert [(q.id, q.position, q.prompt) for q in after] == [(q.id, q.position, q.prompt) for q in before]
    assert not any(action.startswith("consultation.question") for action in actions(app, consultation.id))


# --- publishing --------------------------------------------------------------------------------


def test_publishing_a_draft_that_opens_later_makes_it_coming_up(app, client, manager):
    today = london_today()
    consultation = made(app, m.DRAFT, opens_on=today + timedelta(days=3), closes_on=today + timedelta(days=30))
    confirm = client.get(f"/manage/consultations/{consultation.id}/publish")
    assert confirm.status_code == 200
    assert "Are you sure you want to publish it?" in text_of(confirm)

    response = client.post(f"/manage/consultations/{consultation.id}/publish")
    assert response.status_code == 302
    after = get(app, consultation.id)
    assert after.published_at is not None and after.state(today) == m.UPCOMING
    assert "consultation.published" in actions(app, consultation.id)
    text = text_of(client.get(response.location))
    assert "is published. It opens on" in text
    assert "Coming up" in text
    assert f"/consultations/{after.slug}" in text

    # Publishing again does nothing more.
    assert client.post(f"/manage/consultations/{consultation.id}/publish").status_code == 302
    assert actions(app, consultation.id).count("consultation.published") == 1


def test_a_draft_whose_opening_date_has_passed_opens_today(app, client, manager):
    today = london_today()
    consultation = made(app, m.DRAFT, opens_on=today - timedelta(days=5), closes_on=today + timedelta(days=10))
    assert "has passed, so it will open today instead" in text_of(
        client.get(f"/manage/consultations/{consultation.id}/publish")
    )
    response = client.post(f"/manage/consultations/{consultation.id}/publish")
    assert response.status_code == 302
    after = get(app, consultation.id)
    assert after.opens_on == today and after.state(today) == m.OPEN
    assert "is published and open now" in text_of(client.get(response.location))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"questions": []}, "Add at least one question before publishing"),
        (
            {"opens_on": london_today() - timedelta(days=9), "closes_on": london_today() - timedelta(days=1)},
            "has passed. Change it to today or a later date",
        ),
    ],
)
def test_a_draft_without_questions_or_with_a_past_closing_date_is_not_published(app, client, manager, kwargs, message):
    consultation = made(app, m.DRAFT, **kwargs)
    confirm = client.get(f"/manage/consultations/{consultation.id}/publish")
    assert "You cannot publish this consultation yet" in text_of(confirm)
    assert message in text_of(confirm)

    response = client.post(f"/manage/consultations/{consultation.id}/publish")
    assert response.status_code == 200
    assert page(response).title.startswith("Error: ")
    assert message in text_of(response)
    assert get(app, consultation.id).published_at is None
    assert actions(app, consultation.id) == []


# --- the pages ---------------------------------------------------------------------------------


def test_the_list_groups_consultations_by_state_with_their_counts(app, client, manager):
    draft = made(app, m.DRAFT, title="Draft one")
    made(app, m.UPCOMING, title="Coming one")
    open_one = made(app, m.OPEN, title="Open one")
    closed = made(app, m.CLOSED, title="Closed one")
    made(app, m.OUTCOME_PUBLISHED, title="Finished one")
    respond(app, open_one.id, comments=2)  # 1 response and 2 comments waiting
    respond(app, open_one.id, moderation=m.APPROVED, comments=1)  # 1 more comment waiting
    respond(app, open_one.id, submitted=False)  # being written: not counted
    respond(app, closed.id, moderation=m.APPROVED)

    response = client.get("/manage/consultations")
    html = response.get_data(as_text=True)
    text = text_of(response)
    headings = ["Drafts", "Coming up", "Open", "Closed, outcome to follow", "Outcome published"]
    positions = [text.index(heading + " (1)") for heading in headings]
    assert positions == sorted(positions)
    for title in ("Draft one", "Coming one", "Open one", "Closed one", "Finished one"):
        assert title in text
    assert f'href="/manage/consultations/{draft.id}"' in html
    # The open consultation: 2 sent responses, 4 posts waiting (1 response and 3 comments).
    row = text[text.index("Open one") : text.index("Closed, outcome to follow (1)")]
    assert "Youth forum, parents and carers 2 4" in row
    closed_row = text[text.index("Closed one") : text.index("Outcome published (1)")]
    assert "Youth forum, parents and carers 1 0" in closed_row
    assert 'class="govuk-tag govuk-tag--green"' in html  # the state as a tag, in words
    assert page(response).inline_styles == 0


def test_a_closed_consultation_links_to_its_results_and_outcome(app, client, manager):
    consultation = made(app, m.CLOSED)
    html = client.get(f"/manage/consultations/{consultation.id}").get_data(as_text=True)
    assert f'href="/manage/consultations/{consultation.id}/results"' in html
    assert f'href="/manage/consultations/{consultation.id}/outcome"' in html
    assert f'href="/consultations/{consultation.slug}"' in html

    draft = made(app, m.DRAFT, title="Not yet")
    html = client.get(f"/manage/consultations/{draft.id}").get_data(as_text=True)
    assert "/results" not in html and f'href="/consultations/{draft.slug}"' not in html
    assert f'href="/manage/consultations/{draft.id}/publish"' in html


def _some_consultations(app, how_many: int) -> None:
    states = [m.DRAFT, m.UPCOMING, m.OPEN, m.CLOSED, m.OUTCOME_PUBLISHED]
    for n in range(how_many):
        consultation = made(app, states[n % len(states)], title=f"Consultation {n} {utcnow().timestamp()}")
        if n % 2:
            respond(app, consultation.id, comments=1)


def test_the_list_issues_the_same_number_of_queries_however_many_consultations(app, client, manager):
    _some_consultations(app, 3)
    few = count_queries(app, client, "/manage/consultations")
    _some_consultations(app, 17)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(m.Consultation.id))) == 20
    many = count_queries(app, client, "/manage/consultations")
    assert many == few
    assert few <= 6, few


def test_a_consultations_page_issues_the_same_number_of_queries_however_many_questions(app, client, manager):
    small = made(app, m.DRAFT, title="Small", questions=[{"kind": m.CHOOSE_ONE, "prompt": "A?", "options": ["a", "b"]}])
    large = made(
        app,
        m.DRAFT,
        title="Large",
        questions=[{"kind": m.CHOOSE_SEVERAL, "prompt": f"Q{n}?", "options": ["a", "b", "c"]} for n in range(12)],
    )
    assert count_queries(app, client, f"/manage/consultations/{small.id}") == count_queries(
        app, client, f"/manage/consultations/{large.id}"
    )


# --- who may use these pages -----------------------------------------------------------------------


ROUTES = [
    ("GET", "/manage/consultations"),
    ("GET", "/manage/consultations/new"),
    ("POST", "/manage/consultations/new"),
    ("GET", "/manage/consultations/{id}"),
    ("POST", "/manage/consultations/{id}/edit"),
    ("POST", "/manage/consultations/{id}/questions/new"),
    ("POST", "/manage/consultations/{id}/questions/{question_id}/delete"),
    ("POST", "/manage/consultations/{id}/publish"),
]


@pytest.mark.parametrize("visitor", ["anonymous", roles.CASEWORKER, roles.PARENT, roles.YOUTH, roles.ADMIN])
def test_only_managers_may_write_consultations(app, client, users, auth, visitor):
    consultation = made(app, m.DRAFT)
    question_id = get(app, consultation.id).questions[0].id
    if visitor != "anonymous":
        auth.sign_in(users.make(visitor))
    for method, rule in ROUTES:
        path = rule.format(id=consultation.id, question_id=question_id)
        response = client.open(path, method=method, data=details() | question())
        if visitor == "anonymous":
            assert response.status_code == 302, path
            assert urlsplit(response.location).path == "/sign-in"
        else:
            assert response.status_code == 403, f"{visitor} {method} {path}"
    after = get(app, consultation.id)
    assert after.published_at is None and len(after.questions) == 4
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(m.Consultation.id))) == 1
