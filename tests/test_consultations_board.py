"""The public co-production board at /consultations: reading it, answering a consultation
(drafts, checking the answers before sending them, sending, locking), the youth forum's
collective voice, moderation as the public sees it (and as a comment's author sees their own
comment while it waits), how long checking usually takes, "I agree" (and taking it back) and
comments, and a fixed number of queries on the public pages."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from portal.accounts import roles
from portal.consultations import models as m
from portal.core.models import AuditEvent
from portal.core.time import format_day, london_today, utcnow
from portal.extensions import db
from tests.consultation_helpers import make_consultation
from tests.factories import give_app_code
from tests.query_counts import count_queries
from tests.test_security import error_summary, page

# --- helpers ---------------------------------------------------------------------------------


def text_of(response) -> str:
    return page(response).text


def consultation(app, **kwargs) -> dict:
    """A consultation made in the database; returns what the tests need as plain values:
    its id and slug, and its questions by kind with their option ids."""
    with app.app_context():
        made = make_consultation(**kwargs)
        return {
            "id": made.id,
            "slug": made.slug,
            "closes_on": made.closes_on,
            "questions": {
                question.kind: {"id": question.id, "options": [option.id for option in question.options]}
                for question in made.questions
            },
        }


def field(info: dict, kind: str) -> str:
    return f"question_{info['questions'][kind]['id']}"


def option(info: dict, kind: str, index: int) -> str:
    return str(info["questions"][kind]["options"][index])


def full_answers(info: dict, **extra) -> dict:
    """Every default question answered, public."""
    return {
        field(info, m.FREE_TEXT): "CAN sounds kinder.\nIt is about what we can do.",
        field(info, m.CHOOSE_ONE): option(info, m.CHOOSE_ONE, 1),
        field(info, m.CHOOSE_SEVERAL): [option(info, m.CHOOSE_SEVERAL, 0), option(info, m.CHOOSE_SEVERAL, 2)],
        field(info, m.SCALE): "4",
        "visibility": m.PUBLIC,
        "check": "Continue",
    } | extra


def answer_path(info: dict, voice: str | None = None) -> str:
    return f"/consultations/{info['slug']}/answer" + (f"?voice={voice}" if voice else "")


def check_path(info: dict, voice: str | None = None) -> str:
    return f"/consultations/{info['slug']}/answer/check" + (f"?voice={voice}" if voice else "")


def send_from_check_page(client, info: dict, voice: str | None = None, **kwargs):
    """Press "Send answers" on the check-your-answers page, as it is shown now."""
    shown = client.get(check_path(info, voice))
    assert shown.status_code == 200, shown.status_code
    return client.post(
        check_path(info, voice), data={"saved_at": page(shown).value_of("saved_at"), "send": "Send answers"}, **kwargs
    )


def send_answers(client, info: dict, data: dict | None = None, voice: str | None = None, **kwargs):
    """Answers sent the way a person sends them: "Continue" on the questions, then "Send
    answers" on the check-your-answers page. Returns the page a refusal showed instead."""
    checked = client.post(answer_path(info, voice), data=full_answers(info) if data is None else data)
    if checked.status_code != 302 or not checked.location.endswith(check_path(info, voice)):
        return checked
    return send_from_check_page(client, info, voice, **kwargs)


def all_responses(app) -> list[m.Response]:
    with app.app_context():
        found = db.session.scalars(
            sa.select(m.Response)
            .options(sa.orm.selectinload(m.Response.answers).selectinload(m.Answer.choices))
            .order_by(m.Response.id)
        ).all()
        for response in found:
            response.answers  # noqa: B018  (loaded while the session is open)
        db.session.expunge_all()
        return found


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def make_response(
    app,
    info: dict,
    author,
    *,
    text: str = "My answer.",
    visibility: str = m.PUBLIC,
    moderation: str = m.APPROVED,
    voice: str = m.OWN_VOICE,
    submitted: bool = True,
    **fields,
) -> int:
    """A response put straight in the database, as if sent and moderated. Returns its id."""
    with app.app_context():
        response = m.Response(
            consultation_id=info["id"],
            author_id=author.id,
            voice=voice,
            visibility=visibility,
            moderation=moderation,
            submitted_at=utcnow() if submitted else None,
            **fields,
        )
        response.answers = [m.Answer(question_id=info["questions"][m.FREE_TEXT]["id"], text=text)]
        db.session.add(response)
        db.session.commit()
        return response.id


def make_comment(app, response_id: int, author, body: str, moderation: str = m.APPROVED) -> int:
    with app.app_context():
        comment = m.Comment(response_id=response_id, author_id=author.id, body=body, moderation=moderation)
        db.session.add(comment)
        db.session.commit()
        return comment.id


def update(app, model, row_id, **values) -> None:
    with app.app_context():
        row = db.session.get(model, row_id)
        for name, value in values.items():
            setattr(row, name, value)
        db.session.commit()


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        found = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()
        db.session.expunge_all()
        return found


def checked_values(response, name: str) -> set[str]:
    return {field.get("value") for field in page(response).inputs if field.get("name") == name and "checked" in field}


def textarea(response, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', response.get_data(as_text=True), re.S)
    assert match, f"no textarea {name}"
    return match.group(1).strip()


@pytest.fixture
def parent(users, auth):
    person = users.make(roles.PARENT, name="Priya Shah")
    auth.sign_in(person)
    return person


def signed_in_client(app, person):
    client = app.test_client()
    give_app_code(
        client, client.post("/sign-in", data={"email": person.email, "password": person.password}), person.email
    )
    return client


# --- the board -------------------------------------------------------------------------------


def test_board_lists_open_ones_closing_soonest_first_then_closed_then_outcomes_and_coming_up(app, client):
    today = london_today()
    make = lambda title, state, **kw: consultation(app, title=title, state=state, **kw)  # noqa: E731
    make("Open for ten days", m.OPEN, closes_on=today + timedelta(days=10))
    make("Open for two days", m.OPEN, closes_on=today + timedelta(days=2))
    make("Last day today", m.OPEN, closes_on=today)
    make("Closed last week", m.CLOSED, closes_on=today - timedelta(days=7))
    make("Closed yesterday", m.CLOSED, closes_on=today - timedelta(days=1))
    make("Older outcome", m.OUTCOME_PUBLISHED, outcome_published_at=utcnow() - timedelta(days=20))
    make("Newer outcome", m.OUTCOME_PUBLISHED, outcome_published_at=utcnow() - timedelta(days=2))
    make("Opens next week", m.UPCOMING, summary="Tell us how caseworkers should keep in touch.")
    make("Secret draft", m.DRAFT)

    response = client.get("/consultations")
    assert response.status_code == 200
    text = text_of(response)
    order = [
        "Open now",
        "Last day today",
        "Open for two days",
        "Open for ten days",
        "Closed, outcome to follow",
        "Closed yesterday",
        "Closed last week",
        "outcomes published",
        "Newer outcome",
        "Older outcome",
        "Coming up",
        "Opens next week",
    ]
    positions = [text.index(words) for words in order]
    assert positions == sorted(positions), text
    assert "Closes today" in text and "2 days left" in text and "10 days left" in text
    assert f"Opens on {format_day(today + timedelta(days=7))}" in text
    assert "Tell us how caseworkers should keep in touch." in text
    assert "Youth forum, parents and carers" in text
    assert "Secret draft" not in text


def test_board_with_nothing_open_says_so(app, client):
    consultation(app, title="Closed one", state=m.CLOSED)
    text = text_of(client.get("/consultations"))
    assert "No consultations are open just now" in text and "Closed one" in text


def test_drafts_and_unknown_addresses_are_not_found(app, client, parent):
    draft = consultation(app, title="Secret draft", state=m.DRAFT)
    assert client.get(f"/consultations/{draft['slug']}").status_code == 404
    assert client.get(answer_path(draft)).status_code == 404
    assert client.post(answer_path(draft), data=full_answers(draft)).status_code == 404
    assert client.get("/consultations/no-such-thing").status_code == 404
    assert "Secret draft" not in text_of(client.get("/consultations"))
    assert count(app, m.Response) == 0


def test_consultation_page_shows_easy_read_first_then_summary_background_dates_and_audience(app, client):
    info = consultation(
        app,
        title="The Local Offer website",
        audience=m.PARENTS,
        easy_read="We want to make the website better.\nTell us what is hard.",
        summary="The Local Offer is hard to find.",
        background="First line of the background.\nSecond line.",
    )
    response = client.get(f"/consultations/{info['slug']}")
    assert response.status_code == 200
    text = text_of(response)
    assert (
        text.index("Easy read")
        < text.index("We want to make the website better.")
        < text.index("The Local Offer is hard to find.")
    )
    assert text.index("The Local Offer is hard to find.") < text.index("First line of the background.")
    assert "Parents and carers" in text and "7 days left" in text
    assert f"Closes {format_day(info['closes_on'])}" in text
    html = response.get_data(as_text=True)
    assert '<span class="twc-preserve-lines">First line of the background.\nSecond line.</span>' in html
    assert "We asked" not in text


def test_published_outcome_comes_first(app, client):
    info = consultation(
        app,
        title="Renaming SEND to CAN",
        state=m.OUTCOME_PUBLISHED,
        we_asked="Should SEND be called CAN?",
        you_said="Most of you said yes.",
        we_did="We use CAN now.",
    )
    text = text_of(client.get(f"/consultations/{info['slug']}"))
    text = text[text.index("Renaming SEND to CAN") :]  # the page itself, after the navigation
    assert text.index("We asked") < text.index("You said") < text.index("We did") < text.index("Background")
    assert "We use CAN now." in text and "Outcome published" in text


# --- who may answer --------------------------------------------------------------------------


def test_anonymous_visitors_are_asked_to_sign_in_to_answer(app, client):
    info = consultation(app)
    response = client.get(f"/consultations/{info['slug']}")
    assert "Sign in or create an account to answer" in text_of(response)
    assert f'href="/sign-in?next=/consultations/{info["slug"]}"' in response.get_data(as_text=True)

    response = client.get(answer_path(info))
    assert response.status_code == 302
    location = urlsplit(response.location)
    assert location.path == "/sign-in" and parse_qs(location.query)["next"] == [answer_path(info)]
    assert client.post(answer_path(info), data=full_answers(info)).status_code == 302
    assert count(app, m.Response) == 0


def test_a_youth_forum_consultation_refuses_parents(app, client, parent):
    info = consultation(app, audience=m.YOUTH_FORUM)
    page_text = text_of(client.get(f"/consultations/{info['slug']}"))
    assert "This consultation is for members of the youth forum" in page_text
    assert "Answer this consultation" not in page_text

    response = client.get(answer_path(info))
    assert response.status_code == 403
    assert "This consultation is for members of the youth forum" in text_of(response)
    assert client.post(answer_path(info), data=full_answers(info)).status_code == 403
    assert count(app, m.Response) == 0


def test_everyone_audience_takes_parents_and_youth_members(app, users):
    info = consultation(app, audience=m.EVERYONE)
    people = [users.make(roles.PARENT), users.make(roles.YOUTH)]
    for person in people:
        client = signed_in_client(app, person)
        assert "Answer this consultation" in text_of(client.get(f"/consultations/{info['slug']}"))
        assert client.get(answer_path(info)).status_code == 200
        assert send_answers(client, info).status_code == 302
    sent = all_responses(app)
    assert sorted(r.author_id for r in sent) == sorted(p.id for p in people)
    assert all(not r.is_draft for r in sent)


@pytest.mark.parametrize("role", [roles.CASEWORKER, roles.MANAGER, roles.ADMIN])
def test_staff_cannot_answer(app, users, role):
    info = consultation(app)
    client = signed_in_client(app, users.make(role))
    assert client.get(answer_path(info)).status_code == 403
    assert client.post(answer_path(info), data=full_answers(info)).status_code == 403
    assert count(app, m.Response) == 0
    assert "Answer this consultation" not in text_of(client.get(f"/consultations/{info['slug']}"))


def test_a_youth_member_awaiting_approval_is_told_and_refused(app, users):
    info = consultation(app, audience=m.YOUTH_FORUM)
    client = signed_in_client(app, users.make(roles.YOUTH, approved=False))
    assert "still checking that you are a member of the youth forum" in text_of(
        client.get(f"/consultations/{info['slug']}")
    )
    response = client.get(answer_path(info))
    assert response.status_code == 403
    assert "still checking" in text_of(response)
    assert client.post(answer_path(info), data=full_answers(info)).status_code == 403
    assert count(app, m.Response) == 0


# --- when answers are taken ------------------------------------------------------------------


@pytest.mark.parametrize(
    "state, words", [(m.UPCOMING, "not open yet"), (m.CLOSED, "has closed"), (m.OUTCOME_PUBLISHED, "has closed")]
)
def test_no_answers_before_opening_or_after_closing(app, client, parent, state, words):
    info = consultation(app, state=state)
    response = client.get(answer_path(info))
    assert response.status_code == 200
    assert words in text_of(response)
    for button in ({"check": "Continue"}, {"save": "Save and finish later"}):
        response = client.post(answer_path(info), data=full_answers(info, check=None) | button)
        assert response.status_code == 200
        assert words in text_of(response)
    assert count(app, m.Response) == 0
    assert count(app, m.Answer) == 0
    assert "Answer this consultation" not in text_of(client.get(f"/consultations/{info['slug']}"))


# --- answering -------------------------------------------------------------------------------


def test_the_answer_page_asks_every_question_with_the_safeguarding_warning(app, client, parent):
    info = consultation(
        app,
        questions=[
            {"kind": m.FREE_TEXT, "prompt": "What do you think?", "required": True, "hint": "Say as much as you like."},
            {"kind": m.CHOOSE_ONE, "prompt": "Which name do you prefer?", "options": ["SEND", "CAN"]},
            {"kind": m.CHOOSE_SEVERAL, "prompt": "Where should it appear?", "options": ["Letters", "Website"]},
            {"kind": m.SCALE, "prompt": "How much does it matter?"},
        ],
    )
    with app.app_context():
        question = db.session.get(m.Question, info["questions"][m.SCALE]["id"])
        question.scale_low_label, question.scale_high_label = "Not at all", "Very much"
        db.session.commit()
    response = client.get(answer_path(info))
    text = text_of(response)
    assert "Say as much as you like." in text
    assert "Which name do you prefer? (optional)" in text
    assert "1 means not at all, 5 means very much." in text
    assert "do not write it here" in text and "0300 123 4567" in text
    assert "Who can see your answers?" in text
    assert "under your first name, “Priya”" in text
    types = {(field.get("name"), field.get("type")) for field in page(response).inputs}
    assert (field(info, m.CHOOSE_ONE), "radio") in types
    assert (field(info, m.CHOOSE_SEVERAL), "checkbox") in types
    assert (field(info, m.SCALE), "radio") in types
    assert {
        value
        for name, value in [(f.get("name"), f.get("value")) for f in page(response).inputs]
        if name == field(info, m.SCALE)
    } == {"1", "2", "3", "4", "5"}
    assert textarea(response, field(info, m.FREE_TEXT)) == ""
    assert "Continue" in text and "Save and finish later" in text
    assert "you can check your answers before you send them" in text


def test_save_a_draft_then_finish_it_later(app, client, parent):
    info = consultation(app)
    partial = {
        field(info, m.CHOOSE_ONE): option(info, m.CHOOSE_ONE, 2),
        field(info, m.CHOOSE_SEVERAL): [option(info, m.CHOOSE_SEVERAL, 1)],
        "save": "Save and finish later",
    }
    response = client.post(answer_path(info), data=partial, follow_redirects=True)
    assert f"Your answers are saved. You can finish them until {format_day(info['closes_on'])}" in text_of(response)
    assert "Draft saved" in text_of(response) and "Continue your answers" in text_of(response)
    [draft] = all_responses(app)
    assert draft.is_draft and draft.visibility == m.PRIVATE

    again = client.get(answer_path(info))
    assert checked_values(again, field(info, m.CHOOSE_ONE)) == {option(info, m.CHOOSE_ONE, 2)}
    assert checked_values(again, field(info, m.CHOOSE_SEVERAL)) == {option(info, m.CHOOSE_SEVERAL, 1)}
    assert "They have not been sent yet" in text_of(again)

    # Later: a few more words, saved again, then sent.
    client.post(answer_path(info), data={**partial, field(info, m.FREE_TEXT): "Half a thought", "visibility": m.PUBLIC})
    again = client.get(answer_path(info))
    assert textarea(again, field(info, m.FREE_TEXT)) == "Half a thought"
    assert checked_values(again, "visibility") == {m.PUBLIC}

    response = send_answers(client, info, follow_redirects=True)
    assert "A moderator will check them before they appear on the board" in text_of(response)
    assert "Sent, waiting for moderation" in text_of(response)
    [sent] = all_responses(app)
    assert sent.id == draft.id and not sent.is_draft and sent.moderation == m.PENDING
    answers = {answer.question_id: answer for answer in sent.answers}
    assert answers[info["questions"][m.FREE_TEXT]["id"]].text == "CAN sounds kinder.\nIt is about what we can do."
    assert answers[info["questions"][m.SCALE]["id"]].scale == 4
    assert [o.id for o in answers[info["questions"][m.CHOOSE_SEVERAL]["id"]].choices] == info["questions"][
        m.CHOOSE_SEVERAL
    ]["options"][0::2]
    [event] = events(app, "consultation.response_submitted")
    assert event.object_id == str(sent.id) and event.actor_id == parent.id


def test_sent_answers_are_locked(app, client, parent):
    info = consultation(app)
    send_answers(client, info)
    response = client.get(answer_path(info))
    assert response.status_code == 200
    text = text_of(response)
    assert f"You answered on {format_day(london_today())}" in text
    assert "CAN sounds kinder." in text and "4 out of 5" in text
    assert 'name="send"' not in response.get_data(as_text=True)

    before = all_responses(app)
    for button in ({"check": "Continue"}, {"save": "Save and finish later"}):
        client.post(
            answer_path(info),
            data=full_answers(info, check=None, **{field(info, m.FREE_TEXT): "Changed my mind"}) | button,
        )
    # The check page of sent answers only shows them; sending them again does nothing.
    assert f"You answered on {format_day(london_today())}" in text_of(client.get(check_path(info)))
    assert client.post(check_path(info), data={"send": "Send answers"}).status_code == 200
    after = all_responses(app)
    assert [a.text for a in after[0].answers] == [a.text for a in before[0].answers]
    assert len(events(app, "consultation.response_submitted")) == 1


def test_sending_checks_required_questions_and_keeps_what_was_typed(app, client, parent):
    info = consultation(app)
    data = full_answers(info, visibility=None) | {field(info, m.FREE_TEXT): "   "}
    data[field(info, m.CHOOSE_ONE)] = option(info, m.CHOOSE_ONE, 0)
    response = client.post(answer_path(info), data=data)
    assert response.status_code == 200
    assert page(response).title.startswith("Error: ")
    summary = error_summary(response)
    assert "Enter your answer to “What do you think?”" in summary
    assert "Select who can see your answers" in summary
    html = response.get_data(as_text=True)
    assert f'href="#{field(info, m.FREE_TEXT)}"' in html and 'href="#visibility"' in html
    assert "govuk-error-message" in html
    assert checked_values(response, field(info, m.CHOOSE_ONE)) == {option(info, m.CHOOSE_ONE, 0)}
    assert checked_values(response, field(info, m.CHOOSE_SEVERAL)) == {
        option(info, m.CHOOSE_SEVERAL, 0),
        option(info, m.CHOOSE_SEVERAL, 2),
    }
    assert checked_values(response, field(info, m.SCALE)) == {"4"}
    assert count(app, m.Response) == 0

    # Saving for later checks nothing.
    data.pop("check")
    assert client.post(answer_path(info), data=data | {"save": "Save and finish later"}).status_code == 302
    assert all_responses(app)[0].is_draft


def test_too_long_an_answer_is_refused_even_as_a_draft(app, client, parent):
    info = consultation(app)
    response = client.post(
        answer_path(info), data={field(info, m.FREE_TEXT): "x" * 5001, "save": "Save and finish later"}
    )
    assert response.status_code == 200
    assert "Your answer must be 5000 characters or fewer" in error_summary(response)
    assert count(app, m.Response) == 0

    # Sending says everything that is wrong at once.
    response = client.post(answer_path(info), data={field(info, m.FREE_TEXT): "x" * 5001, "check": "Continue"})
    summary = error_summary(response)
    assert "5000 characters or fewer" in summary and "Select who can see your answers" in summary
    assert "Enter your answer" not in summary
    assert count(app, m.Response) == 0


@pytest.mark.parametrize(
    "role, visibility, moderation, words",
    [
        (roles.PARENT, m.PUBLIC, m.PENDING, "A moderator will check them before they appear on the board"),
        (roles.PARENT, m.PRIVATE, m.APPROVED, "They are private: only council staff can read them."),
        (roles.YOUTH, m.PUBLIC, m.PENDING, "A moderator will check them before they appear on the board"),
        (roles.YOUTH, m.PRIVATE, m.PENDING, "once a moderator has checked them"),
    ],
)
def test_what_waits_for_moderation(app, users, role, visibility, moderation, words):
    info = consultation(app)
    client = signed_in_client(app, users.make(role))
    response = send_answers(client, info, full_answers(info, visibility=visibility), follow_redirects=True)
    assert words in text_of(response)
    [sent] = all_responses(app)
    assert sent.moderation == moderation and sent.visibility == visibility and sent.submitted_at is not None


def test_a_draft_is_locked_once_the_consultation_closes(app, client, parent):
    info = consultation(app)
    client.post(answer_path(info), data={field(info, m.FREE_TEXT): "Not finished yet", "save": "Save and finish later"})
    update(app, m.Consultation, info["id"], closes_on=london_today() - timedelta(days=1))

    response = client.get(answer_path(info))
    assert response.status_code == 200
    text = text_of(response)
    assert "This consultation has closed" in text and "Not finished yet" in text
    assert "did not send them before the consultation closed" in text
    response = client.post(answer_path(info), data=full_answers(info))
    assert response.status_code == 200
    [draft] = all_responses(app)
    assert draft.is_draft and [a.text for a in draft.answers] == ["Not finished yet"]
    assert "You did not send these answers before the consultation closed" in text_of(
        client.get(f"/consultations/{info['slug']}")
    )


# --- the youth forum's collective voice ------------------------------------------------------


def test_youth_members_can_answer_for_the_forum_when_asked(app, users, client):
    info = consultation(app, audience=m.EVERYONE, forum_may_answer=True)
    youth = users.make(roles.YOUTH, name="Alex Young")
    member = signed_in_client(app, youth)
    consultation_page = text_of(member.get(f"/consultations/{info['slug']}"))
    assert (
        "Answer as yourself" in consultation_page
        and "Answer for the youth forum (its collective voice)" in consultation_page
    )

    forum_page = member.get(answer_path(info, "forum"))
    assert "for the youth forum as a whole" in text_of(forum_page)
    assert "The youth forum (collective response)" in text_of(forum_page)
    forum_answers = full_answers(info, **{field(info, m.FREE_TEXT): "We agreed on CAN."})
    assert member.post(answer_path(info, "forum"), data=forum_answers).location.endswith(check_path(info, "forum"))
    checking = text_of(member.get(check_path(info, "forum")))
    assert "Check the youth forum’s answers before sending them" in checking and "We agreed on CAN." in checking
    assert send_from_check_page(member, info, "forum").status_code == 302
    own_answers = full_answers(info, **{field(info, m.FREE_TEXT): "I like CAN."})
    assert send_answers(member, info, own_answers).status_code == 302
    forum, own = sorted(all_responses(app), key=lambda r: r.voice)
    assert (forum.voice, own.voice) == (m.FORUM_VOICE, m.OWN_VOICE)
    assert forum.moderation == m.PENDING

    update(app, m.Response, forum.id, moderation=m.APPROVED)
    update(app, m.Response, own.id, moderation=m.APPROVED)
    board = text_of(client.get(f"/consultations/{info['slug']}"))
    assert "The youth forum (collective response)" in board and "We agreed on CAN." in board
    assert "Youth forum member" in board and "I like CAN." in board
    assert "Alex" not in board


def test_the_youth_forum_gives_one_collective_answer(app, users):
    info = consultation(app, audience=m.EVERYONE, forum_may_answer=True)
    first = signed_in_client(app, users.make(roles.YOUTH))
    second = signed_in_client(app, users.make(roles.YOUTH))
    saved = full_answers(info, **{field(info, m.FREE_TEXT): "We are still agreeing."})
    del saved["check"]
    assert first.post(answer_path(info, "forum"), data={**saved, "save": "Save and finish later"}).status_code == 302

    refused = second.post(
        answer_path(info, "forum"), data=full_answers(info, **{field(info, m.FREE_TEXT): "Another view."})
    )
    assert refused.status_code == 403
    assert "already writing the youth forum's answer" in text_of(refused)
    assert "already writing the youth forum's answer" in text_of(second.get(answer_path(info, "forum")))
    assert [r.voice for r in all_responses(app)] == [m.FORUM_VOICE]
    # Each member still has their own voice.
    assert (
        send_answers(second, info, full_answers(info, **{field(info, m.FREE_TEXT): "My own view."})).status_code == 302
    )
    assert all_responses(app)[-1].voice == m.OWN_VOICE and not all_responses(app)[-1].is_draft


def test_an_answer_with_characters_that_only_look_like_numbers_is_not_a_server_error(app, users):
    info = consultation(app)
    member = signed_in_client(app, users.make(roles.PARENT))
    response = member.post(answer_path(info), data=full_answers(info, **{field(info, m.CHOOSE_ONE): "²"}))
    assert response.status_code in (200, 302)


def test_the_forum_voice_only_where_allowed_and_only_for_youth_members(app, users):
    allowed = consultation(app, title="Forum may answer", audience=m.EVERYONE, forum_may_answer=True)
    not_allowed = consultation(app, title="Forum may not answer", audience=m.EVERYONE)
    youth = signed_in_client(app, users.make(roles.YOUTH))
    assert youth.get(answer_path(not_allowed, "forum")).status_code == 404
    assert youth.post(answer_path(not_allowed, "forum"), data=full_answers(not_allowed)).status_code == 404
    assert "Answer for the youth forum" not in text_of(youth.get(f"/consultations/{not_allowed['slug']}"))

    parent = signed_in_client(app, users.make(roles.PARENT))
    assert "Answer for the youth forum" not in text_of(parent.get(f"/consultations/{allowed['slug']}"))
    assert parent.get(answer_path(allowed, "forum")).status_code == 403
    assert parent.post(answer_path(allowed, "forum"), data=full_answers(allowed)).status_code == 403
    assert youth.get(answer_path(allowed, "nonsense")).status_code == 404
    assert count(app, m.Response) == 0


# --- what the public sees --------------------------------------------------------------------


def test_only_approved_public_answers_and_comments_are_on_the_board(app, client, users):
    info = consultation(app)
    parent = users.make(roles.PARENT, name="Jo Bloggs")
    others = [users.make(roles.PARENT) for _ in range(6)]
    shown = make_response(app, info, parent, text="Approved and public.")
    make_response(app, info, others[0], text="Waiting for moderation.", moderation=m.PENDING)
    make_response(app, info, others[1], text="Hidden by a moderator.", moderation=m.HIDDEN)
    make_response(app, info, others[2], text="Passed to safeguarding.", moderation=m.SAFEGUARDING)
    make_response(app, info, others[3], text="Private but approved.", visibility=m.PRIVATE)
    make_response(app, info, others[4], text="Still a draft.", submitted=False)
    redacted = make_response(app, info, others[5], text="Partly [removed].", redacted_at=utcnow())
    make_comment(app, shown, others[0], "An approved comment.")
    make_comment(app, shown, others[1], "A pending comment.", moderation=m.PENDING)
    make_comment(app, shown, others[2], "A hidden comment.", moderation=m.HIDDEN)

    response = client.get(f"/consultations/{info['slug']}")
    text = text_of(response)
    assert "Approved and public." in text and "Partly [removed]." in text
    for hidden in (
        "Waiting for moderation.",
        "Hidden by a moderator.",
        "Passed to safeguarding.",
        "Private but approved.",
        "Still a draft.",
    ):
        assert hidden not in text
    assert "An approved comment." in text
    assert "A pending comment." not in text and "A hidden comment." not in text
    assert "2 answers shared on the board" in text
    assert "Jo" in text and "Bloggs" not in text
    html = response.get_data(as_text=True)
    section = html[html.index(f'id="response-{redacted}"') :]
    assert "A moderator removed part of this answer" in page_of_html(section)
    assert "A moderator removed part of this answer" not in page_of_html(
        html[html.index(f'id="response-{shown}"') : html.index(f'id="response-{redacted}"')]
    )


def page_of_html(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_members_see_what_happened_to_their_answers(app, users):
    info = consultation(app)
    author = users.make(roles.PARENT)
    response_id = make_response(app, info, author, moderation=m.HIDDEN, moderation_reason="It named a member of staff.")
    client = signed_in_client(app, author)
    text = text_of(client.get(f"/consultations/{info['slug']}"))
    assert "Hidden by a moderator" in text and "It named a member of staff." in text

    update(app, m.Response, response_id, moderation=m.APPROVED, moderation_reason=None)
    response = client.get(f"/consultations/{info['slug']}")
    assert "Published on the board" in text_of(response)
    assert f'href="/consultations/{info["slug"]}#response-{response_id}"' in response.get_data(as_text=True)
    assert "Answer this consultation" not in text_of(response)


# --- "I agree" -------------------------------------------------------------------------------


def agree_path(info, response_id) -> str:
    return f"/consultations/{info['slug']}/responses/{response_id}/agree"


def agreements(app, response_id) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).where(m.Agreement.response_id == response_id))


def test_one_i_agree_per_person(app, users):
    info = consultation(app)
    author = users.make(roles.PARENT)
    response_id = make_response(app, info, author, text="More caseworkers please.")
    reader = signed_in_client(app, users.make(roles.YOUTH))

    shown = reader.get(f"/consultations/{info['slug']}")
    assert "0 people agree" in text_of(shown)
    assert f'action="{agree_path(info, response_id)}"' in shown.get_data(as_text=True)

    response = reader.post(agree_path(info, response_id))
    assert response.status_code == 302
    assert response.location.endswith(f"/consultations/{info['slug']}")
    text = text_of(reader.get(response.location))
    assert "1 person agrees, including you" in text
    response = reader.post(agree_path(info, response_id), follow_redirects=True)
    assert "You already agree with this" in text_of(response)
    assert agreements(app, response_id) == 1

    signed_in_client(app, users.make(roles.PARENT)).post(agree_path(info, response_id))
    assert agreements(app, response_id) == 2

    # Not on your own answers.
    own = signed_in_client(app, author)
    page_for_author = own.get(f"/consultations/{info['slug']}")
    assert f'action="{agree_path(info, response_id)}"' not in page_for_author.get_data(as_text=True)
    assert "cannot agree with or comment on your own answers" in text_of(
        own.post(agree_path(info, response_id), follow_redirects=True)
    )
    assert agreements(app, response_id) == 2


def test_i_agree_only_for_the_audience_on_the_board_while_open(app, users, client):
    info = consultation(app, audience=m.PARENTS)
    author = users.make(roles.PARENT)
    on_board = make_response(app, info, author)
    pending = make_response(app, info, users.make(roles.PARENT), moderation=m.PENDING)

    assert client.post(agree_path(info, on_board)).status_code == 302  # to sign in
    assert signed_in_client(app, users.make(roles.YOUTH)).post(agree_path(info, on_board)).status_code == 403
    assert signed_in_client(app, users.make(roles.CASEWORKER)).post(agree_path(info, on_board)).status_code == 403
    parent = signed_in_client(app, users.make(roles.PARENT))
    assert parent.post(agree_path(info, pending)).status_code == 404
    assert parent.post(agree_path(info, 999999)).status_code == 404
    other = consultation(app, title="Another one")
    assert parent.post(agree_path(other, on_board)).status_code == 404
    assert count(app, m.Agreement) == 0

    update(app, m.Consultation, info["id"], closes_on=london_today() - timedelta(days=1))
    response = parent.post(agree_path(info, on_board), follow_redirects=True)
    assert "You can no longer agree or comment" in text_of(response)
    assert count(app, m.Agreement) == 0
    assert f'action="{agree_path(info, on_board)}"' not in parent.get(f"/consultations/{info['slug']}").get_data(
        as_text=True
    )


# --- comments --------------------------------------------------------------------------------


def comment_path(info, response_id) -> str:
    return f"/consultations/{info['slug']}/responses/{response_id}/comment"


def test_comments_wait_for_a_moderator(app, users):
    info = consultation(app)
    author = users.make(roles.PARENT)
    response_id = make_response(app, info, author, text="Transport was late every day.")
    commenter = users.make(roles.PARENT, name="Sam Commenter")
    client = signed_in_client(app, commenter)

    assert f'href="{comment_path(info, response_id)}"' in client.get(f"/consultations/{info['slug']}").get_data(
        as_text=True
    )
    form = client.get(comment_path(info, response_id))
    assert form.status_code == 200
    assert "Transport was late every day." in text_of(form) and "do not write it here" in text_of(form)

    empty = client.post(comment_path(info, response_id), data={"body": "  "})
    assert empty.status_code == 200 and "Enter your comment" in error_summary(empty)
    too_long = client.post(comment_path(info, response_id), data={"body": "x" * 2001})
    assert "2000 characters or fewer" in error_summary(too_long)
    assert count(app, m.Comment) == 0

    response = client.post(comment_path(info, response_id), data={"body": "Same for us."})
    assert response.status_code == 302
    assert response.location.endswith(f"/consultations/{info['slug']}")
    text = text_of(client.get(response.location))
    assert "A moderator will check your comment before it appears on the board, usually within 2 working days" in text
    assert "Until then only you can see it" in text
    assert "Same for us." not in text_of(app.test_client().get(f"/consultations/{info['slug']}"))
    with app.app_context():
        comment = db.session.scalar(sa.select(m.Comment))
        assert comment.moderation == m.PENDING and comment.author_id == commenter.id
        comment_id = comment.id
    [event] = events(app, "consultation.comment_added")
    assert event.object_id == str(comment_id)

    update(app, m.Comment, comment_id, moderation=m.APPROVED)
    text = text_of(app.test_client().get(f"/consultations/{info['slug']}"))
    assert "Same for us." in text and "Sam" in text and "Commenter" not in text


def test_no_comments_on_your_own_answers_after_closing_or_from_outside_the_audience(app, users):
    info = consultation(app, audience=m.PARENTS)
    author = users.make(roles.PARENT)
    response_id = make_response(app, info, author)
    own = signed_in_client(app, author)
    assert own.get(comment_path(info, response_id)).status_code == 302
    assert own.post(comment_path(info, response_id), data={"body": "Me again"}).status_code == 302
    youth = signed_in_client(app, users.make(roles.YOUTH))
    assert youth.post(comment_path(info, response_id), data={"body": "Hello"}).status_code == 403
    pending = make_response(app, info, users.make(roles.PARENT), moderation=m.PENDING)
    parent = signed_in_client(app, users.make(roles.PARENT))
    assert parent.get(comment_path(info, pending)).status_code == 404

    update(app, m.Consultation, info["id"], closes_on=london_today() - timedelta(days=1))
    response = parent.post(comment_path(info, response_id), data={"body": "Too late"}, follow_redirects=True)
    assert "You can no longer agree or comment" in text_of(response)
    assert count(app, m.Comment) == 0


# --- a fixed number of queries ---------------------------------------------------------------


def test_the_board_issues_the_same_number_of_queries_however_many_consultations(app, client, users):
    states = [m.OPEN, m.CLOSED, m.OUTCOME_PUBLISHED, m.UPCOMING, m.DRAFT]
    for n in range(5):
        consultation(app, title=f"Consultation {n}", state=states[n % 5])
    few = count_queries(app, client, "/consultations")
    for n in range(5, 30):
        consultation(app, title=f"Consultation {n}", state=states[n % 5])
    assert count_queries(app, client, "/consultations") == few
    assert few <= 3, few
    reader = signed_in_client(app, users.make(roles.PARENT))
    assert count_queries(app, reader, "/consultations") <= few + 3


def _busy_board(app, info, users, how_many: int, reader) -> None:
    for n in range(how_many):
        author = users.make(roles.YOUTH if n % 2 else roles.PARENT)
        response_id = make_response(app, info, author, text=f"Answer {n}", voice=m.OWN_VOICE)
        with app.app_context():
            db.session.add(
                m.Answer(
                    response_id=response_id,
                    question_id=info["questions"][m.CHOOSE_SEVERAL]["id"],
                    choices=db.session.scalars(
                        sa.select(m.QuestionOption).where(
                            m.QuestionOption.id.in_(info["questions"][m.CHOOSE_SEVERAL]["options"])
                        )
                    ).all(),
                )
            )
            db.session.add(m.Answer(response_id=response_id, question_id=info["questions"][m.SCALE]["id"], scale=3))
            db.session.add(m.Agreement(response_id=response_id, user_id=reader.id))
            db.session.add(m.Agreement(response_id=response_id, user_id=users.make(roles.PARENT).id))
            db.session.commit()
        commenter = users.make(roles.YOUTH)
        make_comment(app, response_id, commenter, f"Comment {n}")
        make_comment(app, response_id, author if n else commenter, f"Pending {n}", moderation=m.PENDING)


def test_the_consultation_page_issues_the_same_number_of_queries_however_many_answers(app, users):
    info = consultation(app, forum_may_answer=True)
    person = users.make(roles.PARENT)
    reader = signed_in_client(app, person)
    make_response(app, info, person, text="My own answer")
    anonymous = app.test_client()
    path = f"/consultations/{info['slug']}"

    _busy_board(app, info, users, 2, person)
    few = (count_queries(app, reader, path), count_queries(app, anonymous, path))
    _busy_board(app, info, users, 12, person)
    many = (count_queries(app, reader, path), count_queries(app, anonymous, path))
    shown = text_of(anonymous.get(path))
    assert "Answer 11" in shown and "Comment 11" in shown and "Pending 11" not in shown
    assert many == few
    assert max(few) <= 16, few


def test_answers_on_the_board_are_paged(app, users, client):
    info = consultation(app)
    ids = [make_response(app, info, users.make(roles.PARENT), text=f"Answer number {n}.") for n in range(23)]
    first = text_of(client.get(f"/consultations/{info['slug']}"))
    assert "Answer number 0." in first and "Answer number 19." in first and "Answer number 20." not in first
    assert "Page 1 of 2" in first
    second = text_of(client.get(f"/consultations/{info['slug']}?page=2"))
    assert "Answer number 22." in second and "Answer number 0." not in second

    reader = signed_in_client(app, users.make(roles.PARENT))
    response = reader.post(agree_path(info, ids[21]))
    assert response.location.endswith(f"/consultations/{info['slug']}?page=2")


# --- the pages themselves --------------------------------------------------------------------


def test_every_board_page_keeps_the_security_headers_and_no_inline_styles(app, users):
    from tests.test_security import check_page_headers

    info = consultation(app, forum_may_answer=True)
    closed = consultation(app, title="Closed one", state=m.CLOSED)
    author = users.make(roles.PARENT)
    response_id = make_response(app, info, author)
    youth = signed_in_client(app, users.make(roles.YOUTH))
    parent = signed_in_client(app, users.make(roles.PARENT))
    send_answers(youth, info, voice="forum")
    parent.post(answer_path(info), data=full_answers(info))
    pages = [
        app.test_client().get("/consultations"),
        app.test_client().get(f"/consultations/{info['slug']}"),
        youth.get(f"/consultations/{info['slug']}"),
        youth.get(answer_path(info)),
        youth.get(answer_path(info, "forum")),  # sent: read only
        youth.get(answer_path(closed)),
        youth.get(comment_path(info, response_id)),
        youth.post(answer_path(info), data={field(info, m.FREE_TEXT): "x" * 5001, "check": "Continue"}),
        parent.get(check_path(info)),
        parent.get(answer_path(info, "forum")),  # 403
    ]
    assert [p.status_code for p in pages] == [200] * 9 + [403]
    for shown in pages:
        check_page_headers(shown)
        title = page(shown).title.split(" – ")[0].removeprefix("Error: ")
        assert f">{title}</h1>" in shown.get_data(as_text=True), title


def test_an_expired_answer_form_is_shown_again_with_the_answers(csrf_app):
    from tests.factories import make_user
    from tests.test_security import sign_in_with_token

    with csrf_app.app_context():
        person = make_user(roles.PARENT)
    info = consultation(csrf_app)
    client = csrf_app.test_client()
    sign_in_with_token(client, person)
    response = client.post(answer_path(info), data=full_answers(info, csrf_token="stale"))
    assert response.status_code == 400
    assert "timed out" in text_of(response)
    assert textarea(response, field(info, m.FREE_TEXT)).startswith("CAN sounds kinder.")
    assert count(csrf_app, m.Response) == 0


def test_a_member_can_ask_to_hear_about_changes_their_answers_help_to_make(app, users, auth, client):
    with app.app_context():
        consultation = make_consultation(title="Learning updates")
        slug = consultation.slug
        question_ids = [q.id for q in consultation.questions]
    auth.sign_in(users.make(roles.PARENT))
    page = client.get(f"/consultations/{slug}/answer").get_data(as_text=True)
    assert "Email me when the council publishes a change my answers helped to bring about" in page
    client.post(
        f"/consultations/{slug}/answer",
        data={
            f"question_{question_ids[0]}": "Yes please",
            "visibility": "private",
            "learning_updates": "y",
            "save": "1",
        },
    )
    page = client.get(f"/consultations/{slug}/answer").get_data(as_text=True)
    assert re.search(r'name="learning_updates"[^>]*checked', page)
    with app.app_context():
        assert db.session.scalar(db.select(m.Response.wants_learning_updates)) is True


# --- checking the answers before sending them ------------------------------------------------


def change_links(response) -> list[str]:
    """The Change links on a check-your-answers page, in order, as (href, what they change)."""
    html = response.get_data(as_text=True)
    return [
        (href, page_of_html(hidden))
        for href, hidden in re.findall(
            r'<a class="govuk-link" href="([^"]+)">\s*Change<span class="govuk-visually-hidden">(.*?)</span>',
            html,
            re.S,
        )
    ]


def test_continue_shows_the_answers_to_check_and_sends_nothing_yet(app, client, parent):
    info = consultation(app)
    response = client.post(answer_path(info), data=full_answers(info))
    assert response.status_code == 302 and response.location.endswith(check_path(info))
    assert count(app, m.Response) == 1 and all_responses(app)[0].is_draft
    assert events(app, "consultation.response_submitted") == []

    shown = client.get(check_path(info))
    assert shown.status_code == 200
    text = text_of(shown)
    assert page(shown).title.startswith("Check your answers before sending them")
    assert ">Check your answers before sending them</h1>" in shown.get_data(as_text=True)
    for words in (
        "What do you think? CAN sounds kinder.",
        "Which name do you prefer? CAN",
        "Where should the new name appear? Letters Schools",
        "How much does the name matter to you? 4 out of 5",
        "Who can see your answers Everyone (public)",
        "Email me about changes my answers helped to bring about No",
        "Once you send your answers, you cannot change them.",
        "under your first name, “Priya”",
    ):
        assert words in text, words
    # One Change link for each question and each choice, to the place on the questions page.
    assert change_links(shown) == [
        (f"{answer_path(info)}#{field(info, m.FREE_TEXT)}", "your answer to “What do you think?”"),
        (f"{answer_path(info)}#{field(info, m.CHOOSE_ONE)}", "your answer to “Which name do you prefer?”"),
        (f"{answer_path(info)}#{field(info, m.CHOOSE_SEVERAL)}", "your answer to “Where should the new name appear?”"),
        (f"{answer_path(info)}#{field(info, m.SCALE)}", "your answer to “How much does the name matter to you?”"),
        (f"{answer_path(info)}#visibility", "who can see your answers"),
        (
            f"{answer_path(info)}#learning_updates",
            "whether we email you about changes your answers helped to bring about",
        ),
    ]
    questions = client.get(answer_path(info)).get_data(as_text=True)
    for href, _ in change_links(shown):
        assert f'id="{href.split("#")[1]}"' in questions, href
    assert f'href="{answer_path(info)}"' in shown.get_data(as_text=True)  # the back link


def test_going_back_and_forth_loses_nothing_then_send_sends_what_was_checked(app, client, parent):
    info = consultation(app)
    client.post(answer_path(info), data=full_answers(info))

    # "Change" leads back to the questions with everything as it was typed.
    again = client.get(answer_path(info))
    assert textarea(again, field(info, m.FREE_TEXT)) == "CAN sounds kinder.\nIt is about what we can do."
    assert checked_values(again, field(info, m.CHOOSE_ONE)) == {option(info, m.CHOOSE_ONE, 1)}
    assert checked_values(again, field(info, m.CHOOSE_SEVERAL)) == {
        option(info, m.CHOOSE_SEVERAL, 0),
        option(info, m.CHOOSE_SEVERAL, 2),
    }
    assert checked_values(again, field(info, m.SCALE)) == {"4"}
    assert checked_values(again, "visibility") == {m.PUBLIC}

    # One answer changed, one optional answer taken out, and on to check again.
    changed = full_answers(info, **{field(info, m.CHOOSE_ONE): option(info, m.CHOOSE_ONE, 2), field(info, m.SCALE): ""})
    assert client.post(answer_path(info), data=changed).location.endswith(check_path(info))
    text = text_of(client.get(check_path(info)))
    assert "Which name do you prefer? Something else" in text
    assert "How much does the name matter to you? Not answered" in text
    assert "CAN sounds kinder." in text

    response = send_from_check_page(client, info, follow_redirects=True)
    assert "Your answers have been sent" in text_of(response)
    assert "Sent, waiting for moderation" in text_of(response)
    [sent] = all_responses(app)
    assert not sent.is_draft and sent.visibility == m.PUBLIC and sent.moderation == m.PENDING
    answers = {answer.question_id: answer for answer in sent.answers}
    assert [o.id for o in answers[info["questions"][m.CHOOSE_ONE]["id"]].choices] == [option_id(info, m.CHOOSE_ONE, 2)]
    assert info["questions"][m.SCALE]["id"] not in answers
    assert answers[info["questions"][m.FREE_TEXT]["id"]].text == "CAN sounds kinder.\nIt is about what we can do."
    assert len(events(app, "consultation.response_submitted")) == 1


def option_id(info: dict, kind: str, index: int) -> int:
    return info["questions"][kind]["options"][index]


def test_answers_changed_in_another_tab_are_shown_again_not_sent_unseen(app, client, parent):
    info = consultation(app)
    client.post(answer_path(info), data=full_answers(info))
    first_tab = client.get(check_path(info))
    stale = page(first_tab).value_of("saved_at")

    # Meanwhile, in another tab, the words change.
    client.post(answer_path(info), data=full_answers(info, **{field(info, m.FREE_TEXT): "Second thoughts."}))
    response = client.post(check_path(info), data={"saved_at": stale, "send": "Send answers"})
    assert response.status_code == 200
    text = text_of(response)
    assert "Your answers changed after this page was opened" in text and "Second thoughts." in text
    assert all_responses(app)[0].is_draft

    send_from_check_page(client, info)
    [sent] = all_responses(app)
    assert not sent.is_draft and [a.text for a in sent.answers if a.text] == ["Second thoughts."]


def test_the_check_page_needs_saved_complete_answers_to_send(app, client, parent):
    info = consultation(app)
    # Nothing saved yet: back to the questions.
    response = client.get(check_path(info))
    assert response.status_code == 302 and response.location.endswith(answer_path(info))

    # Saved for later without the required answer: the questions, with what is missing.
    client.post(answer_path(info), data={field(info, m.CHOOSE_ONE): option(info, m.CHOOSE_ONE, 0), "save": "Save"})
    for response in (client.get(check_path(info)), client.post(check_path(info), data={"send": "Send answers"})):
        assert response.status_code == 200
        assert page(response).title.startswith("Error: ")
        assert "Enter your answer to “What do you think?”" in error_summary(response)
        assert f'action="{answer_path(info)}"' in response.get_data(as_text=True)
        assert checked_values(response, field(info, m.CHOOSE_ONE)) == {option(info, m.CHOOSE_ONE, 0)}
    assert all_responses(app)[0].is_draft


def test_answers_cannot_be_sent_from_the_check_page_once_closed(app, client, parent):
    info = consultation(app)
    client.post(answer_path(info), data=full_answers(info))
    shown = client.get(check_path(info))
    update(app, m.Consultation, info["id"], closes_on=london_today() - timedelta(days=1))
    response = client.post(
        check_path(info), data={"saved_at": page(shown).value_of("saved_at"), "send": "Send answers"}
    )
    assert response.status_code == 200 and "This consultation has closed" in text_of(response)
    assert all_responses(app)[0].is_draft
    assert events(app, "consultation.response_submitted") == []


def test_an_expired_check_page_is_shown_again_and_sends_nothing(csrf_app):
    from tests.factories import make_user
    from tests.test_security import csrf_token_from, sign_in_with_token

    with csrf_app.app_context():
        person = make_user(roles.PARENT)
    info = consultation(csrf_app)
    client = csrf_app.test_client()
    sign_in_with_token(client, person)
    token = csrf_token_from(client.get(answer_path(info)))
    client.post(answer_path(info), data=full_answers(info, csrf_token=token))
    shown = client.get(check_path(info))
    response = client.post(
        check_path(info), data={"saved_at": page(shown).value_of("saved_at"), "send": "Send answers", "csrf_token": "x"}
    )
    assert response.status_code == 400
    assert "timed out" in text_of(response) and "CAN sounds kinder." in text_of(response)
    assert all_responses(csrf_app)[0].is_draft


# --- a comment waiting to be checked, as its author sees it ----------------------------------


def comment_on_page(response, comment_id: int) -> str | None:
    """What the board shows of one comment, or None when it is not there."""
    html = response.get_data(as_text=True)
    match = re.search(rf'<li[^>]*id="comment-{comment_id}".*?</li>', html, re.S)
    return page_of_html(match.group(0)) if match else None


def test_a_youth_member_sees_their_own_comment_waiting_to_be_checked_and_nobody_else_does(app, users):
    info = consultation(app)
    answer_author = users.make(roles.PARENT)
    response_id = make_response(app, info, answer_author, text="Transport was late every day.")
    youth = signed_in_client(app, users.make(roles.YOUTH))
    youth.post(comment_path(info, response_id), data={"body": "Same at my school."})
    with app.app_context():
        comment_id = db.session.scalar(sa.select(m.Comment.id))

    mine = youth.get(f"/consultations/{info['slug']}")
    shown = comment_on_page(mine, comment_id)
    assert shown is not None and "Same at my school." in shown
    assert "Waiting to be checked" in shown and "Only you can see it until a moderator checks it" in shown
    html = mine.get_data(as_text=True)
    assert re.search(r'<strong class="govuk-tag[^"]*">\s*Waiting to be checked\s*</strong>', html)

    manager = signed_in_client(app, users.make(roles.MANAGER))
    for other in (
        app.test_client(),
        signed_in_client(app, answer_author),
        signed_in_client(app, users.make(roles.YOUTH)),
        manager,
    ):
        seen = other.get(f"/consultations/{info['slug']}")
        assert comment_on_page(seen, comment_id) is None
        assert "Same at my school." not in text_of(seen) and "Waiting to be checked" not in text_of(seen)

    # Approved: on the board for everyone, with no tag. Hidden: gone, for its author too.
    update(app, m.Comment, comment_id, moderation=m.APPROVED)
    approved = comment_on_page(youth.get(f"/consultations/{info['slug']}"), comment_id)
    assert "Same at my school." in approved and "Waiting to be checked" not in approved
    assert "Same at my school." in text_of(app.test_client().get(f"/consultations/{info['slug']}"))
    update(app, m.Comment, comment_id, moderation=m.HIDDEN)
    assert comment_on_page(youth.get(f"/consultations/{info['slug']}"), comment_id) is None


# --- taking back "I agree" -------------------------------------------------------------------


def take_back_path(info, response_id) -> str:
    return f"/consultations/{info['slug']}/responses/{response_id}/take-back-agreement"


def test_i_agree_can_be_taken_back_and_the_count_follows(app, users):
    info = consultation(app)
    response_id = make_response(app, info, users.make(roles.PARENT), text="More caseworkers please.")
    signed_in_client(app, users.make(roles.PARENT)).post(agree_path(info, response_id))
    reader = signed_in_client(app, users.make(roles.YOUTH))
    reader.post(agree_path(info, response_id))

    agreed = reader.get(f"/consultations/{info['slug']}")
    html = agreed.get_data(as_text=True)
    assert "2 people agree, including you" in text_of(agreed)
    assert f'action="{take_back_path(info, response_id)}"' in html
    assert f'action="{agree_path(info, response_id)}"' not in html
    assert "Take back my agreement with" in text_of(agreed)

    response = reader.post(take_back_path(info, response_id))
    assert response.status_code == 302
    assert response.location.endswith(f"/consultations/{info['slug']}")
    after = reader.get(response.location)
    assert "You have taken back your agreement" in text_of(after)
    assert "1 person agrees" in text_of(after) and "including you" not in text_of(after)
    assert f'action="{agree_path(info, response_id)}"' in after.get_data(as_text=True)
    assert agreements(app, response_id) == 1  # the other person still agrees

    # Pressing it again changes nothing; agreeing again counts again.
    again = reader.post(take_back_path(info, response_id), follow_redirects=True)
    assert again.status_code == 200 and "nothing to take back" in text_of(again)
    assert agreements(app, response_id) == 1
    reader.post(agree_path(info, response_id))
    assert agreements(app, response_id) == 2


def test_taking_back_follows_the_rules_for_agreeing(app, users, client):
    info = consultation(app, audience=m.PARENTS)
    author = users.make(roles.PARENT)
    response_id = make_response(app, info, author)
    pending = make_response(app, info, users.make(roles.PARENT), moderation=m.PENDING)
    person = users.make(roles.PARENT)
    parent = signed_in_client(app, person)
    parent.post(agree_path(info, response_id))
    assert agreements(app, response_id) == 1

    assert client.post(take_back_path(info, response_id)).status_code == 302  # to sign in
    assert signed_in_client(app, users.make(roles.YOUTH)).post(take_back_path(info, response_id)).status_code == 403
    assert signed_in_client(app, users.make(roles.MANAGER)).post(take_back_path(info, response_id)).status_code == 403
    assert parent.post(take_back_path(info, pending)).status_code == 404
    assert parent.post(take_back_path(consultation(app, title="Another one"), response_id)).status_code == 404
    assert parent.get(take_back_path(info, response_id)).status_code == 405
    assert agreements(app, response_id) == 1

    update(app, m.Consultation, info["id"], closes_on=london_today() - timedelta(days=1))
    closed = parent.post(take_back_path(info, response_id), follow_redirects=True)
    assert "You can no longer agree or comment" in text_of(closed)
    assert agreements(app, response_id) == 1
    assert f'action="{take_back_path(info, response_id)}"' not in closed.get_data(as_text=True)


def test_taking_back_needs_the_pages_csrf_token(csrf_app):
    from tests.factories import make_user
    from tests.test_security import csrf_token_from, sign_in_with_token

    with csrf_app.app_context():
        author, reader = make_user(roles.PARENT), make_user(roles.PARENT)
    info = consultation(csrf_app)
    response_id = make_response(csrf_app, info, author)
    client = csrf_app.test_client()
    sign_in_with_token(client, reader)
    token = csrf_token_from(client.get(f"/consultations/{info['slug']}"))
    client.post(agree_path(info, response_id), data={"csrf_token": token})
    assert agreements(csrf_app, response_id) == 1

    assert client.post(take_back_path(info, response_id)).status_code == 400
    assert agreements(csrf_app, response_id) == 1
    token = csrf_token_from(client.get(f"/consultations/{info['slug']}"))
    assert client.post(take_back_path(info, response_id), data={"csrf_token": token}).status_code == 302
    assert agreements(csrf_app, response_id) == 0


# --- how long checking takes -----------------------------------------------------------------


def test_the_board_and_each_consultation_say_how_long_checking_usually_takes(app, users):
    from portal.consultations.moderation import USUAL_CHECK_WORKING_DAYS

    info = consultation(app)
    response_id = make_response(app, info, users.make(roles.PARENT))
    member = signed_in_client(app, users.make(roles.YOUTH))
    pages = ("/consultations", f"/consultations/{info['slug']}", comment_path(info, response_id))

    assert USUAL_CHECK_WORKING_DAYS == 2
    for path in pages:
        text = text_of(member.get(path))
        assert (
            "We check every answer and comment before it is shown on the board, usually within 2 working days." in text
        ), path
    member.post(answer_path(info), data=full_answers(info))
    assert "usually within 2 working days" in text_of(member.get(check_path(info)))

    # One setting changes every page, and what people are told once they have sent something.
    app.config["CONSULTATION_CHECK_WORKING_DAYS"] = 5
    for path in (*pages, check_path(info)):
        text = text_of(member.get(path))
        assert "usually within 5 working days" in text and "2 working days" not in text, path
    commented = member.post(comment_path(info, response_id), data={"body": "Me too."}, follow_redirects=True)
    assert "A moderator will check your comment before it appears on the board, usually within 5 working days" in (
        text_of(commented)
    )
    sent = send_from_check_page(member, info, follow_redirects=True)
    assert "before they appear on the board, usually within 5 working days" in text_of(sent)

    app.config["CONSULTATION_CHECK_WORKING_DAYS"] = 1
    assert "usually within 1 working day." in text_of(member.get("/consultations"))
    for nonsense in ("soon", 0, None):
        app.config["CONSULTATION_CHECK_WORKING_DAYS"] = nonsense
        assert "usually within 2 working days." in text_of(member.get("/consultations"))
