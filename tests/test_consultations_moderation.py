"""Managers moderate the board, read the results, tag answers with learning themes, download
the responses and publish "We asked, You said, We did".

Tests marked BOARD read the public page /consultations/<slug> (portal/consultations/views.py),
to show what moderation changes for the public.
"""

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.accounts import roles
from portal.accounts.models import User
from portal.consultations import answering
from portal.consultations import models as m
from portal.core.models import AuditEvent
from portal.core.time import utcnow
from portal.extensions import db
from portal.themes.models import LearningTheme
from tests.consultation_helpers import make_consultation
from tests.factories import PASSWORD, give_app_code
from tests.query_counts import count_queries
from tests.test_security import error_summary, page, snapshot

SAFEGUARDING_INBOX = "childrens.advice@example.org"


# --- helpers -------------------------------------------------------------------------------


def text_of(response) -> str:
    return page(response).text


@pytest.fixture
def manager(users, auth):
    person = users.make(roles.MANAGER, name="Morgan Manager")
    auth.sign_in(person)
    return person


def consultation(app, **kwargs) -> dict:
    """A consultation with the default questions; returns its ids by question kind."""
    with app.app_context():
        made = make_consultation(**kwargs)
        info = {"id": made.id, "slug": made.slug, "title": made.title}
        for question in made.questions:
            info[question.kind] = question.id
            info[f"{question.kind}_options"] = {option.label: option.id for option in question.options}
        return info


def respond(
    app,
    info: dict,
    person,
    *,
    text: str | None = "The new name is better",
    one: str | None = None,
    several: tuple[str, ...] = (),
    scale: int | None = None,
    voice: str = m.OWN_VOICE,
    visibility: str = m.PUBLIC,
    submitted: bool = True,
    minutes_ago: int = 60,
) -> tuple[int, int | None]:
    """A response as the answering pages send it, with the moderation the submission rules
    give it. Returns (response id, id of its free-text answer)."""
    with app.app_context():
        response = m.Response(consultation_id=info["id"], author_id=person.id, voice=voice, visibility=visibility)
        text_answer = None
        if text is not None:
            text_answer = m.Answer(question_id=info[m.FREE_TEXT], text=text)
            response.answers.append(text_answer)
        if one:
            response.answers.append(
                m.Answer(
                    question_id=info[m.CHOOSE_ONE], choices=[db.session.get(m.QuestionOption, info["one_options"][one])]
                )
            )
        if several:
            response.answers.append(
                m.Answer(
                    question_id=info[m.CHOOSE_SEVERAL],
                    choices=[db.session.get(m.QuestionOption, info["several_options"][label]) for label in several],
                )
            )
        if scale:
            response.answers.append(m.Answer(question_id=info[m.SCALE], scale=scale))
        if submitted:
            response.submitted_at = utcnow() - timedelta(minutes=minutes_ago)
            response.moderation = answering.moderation_on_sending(response, db.session.get(User, person.id))
        db.session.add(response)
        db.session.commit()
        return response.id, text_answer.id if text_answer else None


def comment_on(app, response_id: int, person, body: str, *, moderation: str = m.PENDING, minutes_ago: int = 30) -> int:
    with app.app_context():
        comment = m.Comment(
            response_id=response_id,
            author_id=person.id,
            body=body,
            moderation=moderation,
            created_at=utcnow() - timedelta(minutes=minutes_ago),
        )
        db.session.add(comment)
        db.session.commit()
        return comment.id


def row(app, model, row_id):
    with app.app_context():
        found = db.session.get(model, row_id)
        db.session.expunge(found)
        return found


def answer_text(app, answer_id: int) -> str | None:
    with app.app_context():
        return db.session.get(m.Answer, answer_id).text


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        found = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()
        db.session.expunge_all()
        return found


def decide(client, what: str, post_id: int, decision: str, reason: str = "", **words):
    return client.post(
        f"/manage/consultations/moderation/{what}/{post_id}", data={"decision": decision, "reason": reason, **words}
    )


def board(client, info: dict) -> str:
    """The public page, as a visitor who is not signed in reads it (BOARD)."""
    response = client.application.test_client().get(f"/consultations/{info['slug']}")
    assert response.status_code == 200
    return text_of(response)


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def themes(app, *names: str, retired: tuple[str, ...] = ()) -> dict[str, int]:
    with app.app_context():
        made = [LearningTheme(name=name) for name in names] + [
            LearningTheme(name=name, active=False) for name in retired
        ]
        db.session.add_all(made)
        db.session.commit()
        return {theme.name: theme.id for theme in made}


# --- who may use these pages ---------------------------------------------------------------


def paths(app, users) -> list[str]:
    info = consultation(app, state=m.CLOSED)
    parent = users.make(roles.PARENT)
    response_id, answer_id = respond(app, info, parent)
    comment_id = comment_on(app, response_id, parent, "I agree with this")
    return [
        "/manage/consultations/moderation",
        f"/manage/consultations/moderation/responses/{response_id}",
        f"/manage/consultations/moderation/comments/{comment_id}",
        f"/manage/consultations/{info['id']}/results",
        f"/manage/consultations/{info['id']}/answers/{answer_id}/themes",
        f"/manage/consultations/{info['id']}/export.csv",
        f"/manage/consultations/{info['id']}/outcome",
    ]


@pytest.mark.parametrize("role", [roles.CASEWORKER, roles.PARENT, roles.YOUTH, roles.ADMIN])
def test_only_managers_may_open_these_pages(app, client, users, auth, role):
    all_paths = paths(app, users)
    auth.sign_in(users.make(role))
    for path in all_paths:
        assert client.get(path).status_code == 403, path
        assert client.post(path, data={"decision": "hide", "reason": "No"}).status_code in (403, 405), path


def test_anonymous_visitors_are_sent_to_sign_in(app, client, users):
    for path in paths(app, users):
        response = client.get(path)
        assert response.status_code == 302 and response.location.startswith("/sign-in"), path


def test_every_page_opens_for_a_manager(app, client, users, manager):
    for path in paths(app, users):
        response = client.get(path)
        assert response.status_code == 200, path
        if response.mimetype == "text/html":
            assert page(response).inline_styles == 0, path


# --- the queue -----------------------------------------------------------------------------


def test_the_queue_lists_waiting_posts_oldest_first_with_who_when_and_where(app, client, users, manager):
    renaming = consultation(app, title="Renaming SEND to CAN")
    transport = consultation(app, title="Home-to-school transport")
    parent = users.make(roles.PARENT, name="Pat Parent")
    young = users.make(roles.YOUTH, name="Yasmin Young")
    other = users.make(roles.PARENT, name="Olu Other")
    public_id, _ = respond(app, renaming, parent, minutes_ago=300)
    private_youth_id, _ = respond(app, transport, young, visibility=m.PRIVATE, minutes_ago=200)
    respond(app, transport, other, visibility=m.PRIVATE, text="Private and approved at once", minutes_ago=250)
    respond(app, renaming, other, text="Still a draft", submitted=False)
    comment_id = comment_on(app, public_id, other, "Me too", minutes_ago=100)
    comment_on(app, public_id, young, "Already approved", moderation=m.APPROVED, minutes_ago=50)

    response = client.get("/manage/consultations/moderation")
    text = text_of(response)
    assert "3 posts waiting" in text
    html = response.get_data(as_text=True)
    first = html.index(f"/moderation/responses/{public_id}")
    second = html.index(f"/moderation/responses/{private_youth_id}")
    third = html.index(f"/moderation/comments/{comment_id}")
    assert first < second < third
    assert (
        f'<a class="govuk-link" href="/manage/consultations/{renaming["id"]}/results">Renaming SEND to CAN</a>' in html
    )
    assert "&lt;a" not in html
    assert "Pat Parent Parent or carer" in text
    assert "Yasmin Young Youth forum member" in text
    assert "Olu Other Parent or carer" in text
    assert "Comment on Pat’s response" in text
    assert text.count("Renaming SEND to CAN") == 2 and text.count("Home-to-school transport") == 1
    assert "Public" in text and "Private" in text
    # Posts that do not wait for anyone are not in the queue.
    assert "/moderation/responses/" + str(public_id + 2) not in html
    assert html.count("Decide<span") == 3


def test_an_empty_queue_says_so(app, client, manager):
    assert "No posts are waiting for moderation." in text_of(client.get("/manage/consultations/moderation"))


def test_the_queue_issues_the_same_number_of_queries_however_many_posts(app, client, users, manager):
    info = consultation(app)
    people = [users.make(roles.PARENT) for _ in range(3)] + [users.make(roles.YOUTH) for _ in range(3)]

    def some(start: int, how_many: int):
        for n in range(start, start + how_many):
            other = consultation(app, title=f"Consultation {n}")
            response_id, _ = respond(app, other, people[n % len(people)], minutes_ago=n)
            comment_on(app, response_id, people[(n + 1) % len(people)], f"Comment {n}", minutes_ago=n)
        return info

    some(0, 2)
    few = count_queries(app, client, "/manage/consultations/moderation")
    some(2, 20)
    many = count_queries(app, client, "/manage/consultations/moderation")
    assert "44 posts waiting" in text_of(client.get("/manage/consultations/moderation"))
    assert many == few
    assert few <= 10


# --- decisions -----------------------------------------------------------------------------


def test_approving_a_public_response_puts_it_on_the_board_and_tells_the_author(app, client, users, manager, outbox):
    info = consultation(app)
    parent = users.make(roles.PARENT, name="Pat Parent")
    response_id, _ = respond(app, info, parent, text="Call it CAN, please")
    assert "Call it CAN, please" not in board(client, info)  # BOARD: nothing public before approval

    page_text = text_of(client.get(f"/manage/consultations/moderation/responses/{response_id}"))
    assert "Call it CAN, please" in page_text and "Pat Parent" in page_text and parent.email in page_text

    answer = decide(client, "responses", response_id, "approve")
    assert answer.status_code == 302 and answer.location.endswith("/manage/consultations/moderation")
    assert "Response approved. The author has been told." in text_of(client.get(answer.location))

    saved = row(app, m.Response, response_id)
    assert saved.moderation == m.APPROVED and saved.moderated_by_id == manager.id and saved.moderated_at
    assert saved.redacted_at is None
    assert "Call it CAN, please" in board(client, info)  # BOARD
    email = outbox.last(parent.email, "consultation_approved")
    assert info["title"] in email.body and outbox.link_in(email) == f"/consultations/{info['slug']}"
    assert len(events(app, "consultation_response.approved")) == 1
    assert "No posts are waiting" in text_of(client.get("/manage/consultations/moderation"))


@pytest.mark.parametrize(
    "decision, message",
    [
        ("hide", "Give the reason for hiding it"),
        ("redact", "Give the reason for removing words"),
        ("safeguarding", "Say why a child may be at risk"),
    ],
)
def test_a_reason_is_needed_to_hide_remove_words_or_pass_to_safeguarding(
    app, client, users, manager, outbox, decision, message
):
    info = consultation(app)
    parent = users.make(roles.PARENT)
    response_id, answer_id = respond(app, info, parent, text="Some words")
    before = snapshot(app)

    answer = decide(client, "responses", response_id, decision, "", **{f"answer_{answer_id}": "Some"})

    assert answer.status_code == 200
    assert page(answer).title.startswith("Error: ")
    assert message in error_summary(answer)
    assert snapshot(app) == before
    assert outbox.messages() == []


def test_a_decision_must_be_chosen_and_approving_needs_no_reason(app, client, users, manager):
    info = consultation(app)
    response_id, _ = respond(app, info, users.make(roles.PARENT))
    answer = client.post(f"/manage/consultations/moderation/responses/{response_id}", data={"reason": ""})
    assert "Select what to do with this post" in error_summary(answer)
    assert decide(client, "responses", response_id, "approve").status_code == 302


def test_removing_words_replaces_them_everywhere(app, client, users, manager, outbox):
    info = consultation(app, state=m.CLOSED)
    parent = users.make(roles.PARENT, name="Pat Parent")
    response_id, answer_id = respond(
        app, info, parent, text="The buses are late. Mr Grumbleton at Oak School shouts.", one="CAN"
    )

    same = decide(
        client,
        "responses",
        response_id,
        "redact",
        "Names a member of staff",
        **{f"answer_{answer_id}": "The buses are late. Mr Grumbleton at Oak School shouts."},
    )
    assert "Change the words you want to remove, or choose Approve" in error_summary(same)

    answer = decide(
        client,
        "responses",
        response_id,
        "redact",
        "It named a member of staff",
        **{f"answer_{answer_id}": "The buses are late. [Removed by a moderator]"},
    )
    assert answer.status_code == 302

    saved = row(app, m.Response, response_id)
    assert (
        saved.moderation == m.APPROVED and saved.redacted_at and saved.moderation_reason == "It named a member of staff"
    )
    assert answer_text(app, answer_id) == "The buses are late. [Removed by a moderator]"
    # The old words are nowhere: not in any table (answers, audit log, outbox), nor on any page.
    assert "Grumbleton" not in repr(snapshot(app))
    results = text_of(client.get(f"/manage/consultations/{info['id']}/results"))
    assert "[Removed by a moderator]" in results and "Words removed" in results and "Grumbleton" not in results
    exported = csv_rows(client.get(f"/manage/consultations/{info['id']}/export.csv"))
    assert exported[1][exported[0].index("Words removed")] == "Yes"
    assert exported[1][exported[0].index("What do you think?")] == "The buses are late. [Removed by a moderator]"
    assert "Grumbleton" not in repr(exported)
    public = board(client, info)  # BOARD
    assert "[Removed by a moderator]" in public and "Grumbleton" not in public

    email = outbox.last(parent.email, "consultation_approved_with_changes")
    assert "It named a member of staff" in email.body and outbox.link_in(email) == f"/consultations/{info['slug']}"
    assert len(events(app, "consultation_response.redacted")) == 1


def test_a_comment_can_be_approved_or_have_words_removed(app, client, users, manager, outbox):
    info = consultation(app)
    parent = users.make(roles.PARENT, name="Pat Parent")
    commenter = users.make(roles.PARENT, name="Chris Commenter")
    response_id, _ = respond(app, info, parent, text="Letters should say CAN")
    assert decide(client, "responses", response_id, "approve").status_code == 302
    first = comment_on(app, response_id, commenter, "Agreed, and call 07700 900123 to talk")
    second = comment_on(app, response_id, commenter, "Letters matter most")
    assert "call 07700" not in board(client, info)  # BOARD: comments wait too

    page_text = text_of(client.get(f"/manage/consultations/moderation/comments/{first}"))
    assert "Chris Commenter" in page_text and "Pat’s response" in page_text and "call 07700 900123" in page_text
    answer = decide(client, "comments", first, "redact", "We took out a phone number", body="Agreed")
    assert answer.status_code == 302
    assert decide(client, "comments", second, "approve").status_code == 302

    saved = row(app, m.Comment, first)
    assert saved.body == "Agreed" and saved.redacted_at and saved.moderation == m.APPROVED
    public = board(client, info)  # BOARD
    assert "Agreed" in public and "Letters matter most" in public and "07700" not in public
    assert "We took out a phone number" in outbox.last(commenter.email, "consultation_approved_with_changes").body
    assert len(outbox.messages(commenter.email, "consultation_approved")) == 1
    assert "07700" not in repr(snapshot(app))


def test_hiding_takes_a_post_off_the_board_and_keeps_it_marked_in_the_export(app, client, users, manager, outbox):
    info = consultation(app)
    parent = users.make(roles.PARENT, name="Pat Parent")
    response_id, _ = respond(app, info, parent, text="Everyone at the council is hopeless")
    assert decide(client, "responses", response_id, "approve").status_code == 302
    assert "Everyone at the council is hopeless" in board(client, info)  # BOARD

    # Decided again later: hidden after all.
    answer = decide(client, "responses", response_id, "hide", "The board is for ideas about the new name")
    assert answer.status_code == 302
    assert "Response hidden. The author has been told why." in text_of(client.get(answer.location))

    assert row(app, m.Response, response_id).moderation == m.HIDDEN
    assert "Everyone at the council is hopeless" not in board(client, info)  # BOARD
    assert "The board is for ideas about the new name" in outbox.last(parent.email, "consultation_hidden").body
    exported = csv_rows(client.get(f"/manage/consultations/{info['id']}/export.csv"))
    assert len(exported) == 2
    assert exported[1][exported[0].index("Moderation")] == "Hidden"
    assert exported[1][exported[0].index("What do you think?")] == "Everyone at the council is hopeless"
    results = text_of(client.get(f"/manage/consultations/{info['id']}/results"))
    assert "Hidden" in results and "Everyone at the council is hopeless" in results
    assert [e.details["previous"] for e in events(app, "consultation_response.hidden")] == [m.APPROVED]

    # And approved again: the same decision twice changes nothing and tells no one twice.
    assert decide(client, "responses", response_id, "approve").status_code == 302
    assert decide(client, "responses", response_id, "approve").status_code == 302
    assert len(outbox.messages(parent.email, "consultation_approved")) == 2
    assert len(events(app, "consultation_response.approved")) == 2


def test_passing_to_safeguarding_tells_the_service_and_never_reaches_the_board(app, client, users, manager, outbox):
    info = consultation(app, state=m.CLOSED)
    young = users.make(roles.YOUTH, name="Yasmin Young", email="yasmin@example.org")
    response_id, answer_id = respond(app, info, young, text="My stepdad hits me when I say SEND", one="CAN")

    answer = decide(client, "responses", response_id, "safeguarding", "She says she is being hit at home")
    assert answer.status_code == 302
    assert "passed to safeguarding" in text_of(client.get(answer.location))

    assert row(app, m.Response, response_id).moderation == m.SAFEGUARDING
    referral = outbox.last(SAFEGUARDING_INBOX, "safeguarding_referral")
    for words in (
        "My stepdad hits me when I say SEND",
        info["title"],
        "Yasmin Young",
        "yasmin@example.org",
        "She says she is being hit at home",
        "Morgan Manager",
    ):
        assert words in referral.body, words
    assert outbox.link_in(referral) == f"/manage/consultations/moderation/responses/{response_id}"
    kind = outbox.last("yasmin@example.org", "consultation_support")
    assert "children's advice and support service may get in touch" in kind.body
    assert "safeguarding" not in kind.body.lower() and "stepdad" not in kind.body
    assert [message.template for message in outbox.messages("yasmin@example.org")] == ["consultation_support"]

    assert "stepdad" not in board(client, info)  # BOARD
    results = client.get(f"/manage/consultations/{info['id']}/results")
    assert "Passed to safeguarding" in text_of(results) and "stepdad" not in text_of(results)
    assert f"/answers/{answer_id}/themes" not in results.get_data(as_text=True)
    assert client.get(f"/manage/consultations/{info['id']}/answers/{answer_id}/themes").status_code == 404
    exported = csv_rows(client.get(f"/manage/consultations/{info['id']}/export.csv"))
    assert exported[1][exported[0].index("What do you think?")] == "Withheld: passed to safeguarding"
    assert exported[1][exported[0].index("Moderation")] == "Passed to safeguarding"
    assert "stepdad" not in repr(exported)
    assert len(events(app, "consultation_response.passed_to_safeguarding")) == 1

    # Final: the words stay withheld from moderators too, and no click puts them on the board.
    page = client.get(f"/manage/consultations/moderation/responses/{response_id}")
    assert "stepdad" not in page.get_data(as_text=True)
    refused = decide(client, "responses", response_id, "approve")
    assert refused.status_code == 200 and "stays off the board" in text_of(refused)
    assert row(app, m.Response, response_id).moderation == m.SAFEGUARDING
    assert "stepdad" not in board(client, info)  # BOARD
    assert len(outbox.messages(SAFEGUARDING_INBOX, "safeguarding_referral")) == 1

    # The author is told it was passed on, never the moderator's reason (written for the service).
    author = app.test_client()
    give_app_code(
        author,
        author.post("/sign-in", data={"email": "yasmin@example.org", "password": PASSWORD}),
        "yasmin@example.org",
    )
    own = text_of(author.get(f"/consultations/{info['slug']}"))
    assert "Passed to the children's advice and support service" in own
    assert "being hit at home" not in own


def test_a_parents_private_response_that_never_waited_can_be_passed_to_safeguarding(
    app, client, users, manager, outbox
):
    info = consultation(app, state=m.CLOSED)
    parent = users.make(roles.PARENT, name="Pat Parent")
    response_id, _ = respond(app, info, parent, visibility=m.PRIVATE, text="I cannot cope and I am scared for my son")
    assert row(app, m.Response, response_id).moderation == m.APPROVED
    assert "No posts are waiting" in text_of(client.get("/manage/consultations/moderation"))

    results = client.get(f"/manage/consultations/{info['id']}/results").get_data(as_text=True)
    assert f"/manage/consultations/moderation/responses/{response_id}" in results
    decision_page = client.get(f"/manage/consultations/moderation/responses/{response_id}")
    assert "Private" in text_of(decision_page)
    assert decide(client, "responses", response_id, "safeguarding", "A parent says they cannot cope").status_code == 302
    assert "I cannot cope and I am scared for my son" in outbox.last(SAFEGUARDING_INBOX, "safeguarding_referral").body
    assert outbox.last(parent.email, "consultation_support")


def test_a_comment_can_be_passed_to_safeguarding(app, client, users, manager, outbox):
    info = consultation(app)
    parent = users.make(roles.PARENT)
    young = users.make(roles.YOUTH, name="Yasmin Young")
    response_id, _ = respond(app, info, parent)
    comment_id = comment_on(app, response_id, young, "Nobody at home feeds me")
    assert decide(client, "comments", comment_id, "safeguarding", "Possible neglect").status_code == 302
    assert "Nobody at home feeds me" in outbox.last(SAFEGUARDING_INBOX, "safeguarding_referral").body
    assert outbox.last(young.email, "consultation_support")
    assert row(app, m.Comment, comment_id).moderation == m.SAFEGUARDING


def test_drafts_and_unknown_posts_are_not_found(app, client, users, manager):
    info = consultation(app)
    draft_id, _ = respond(app, info, users.make(roles.PARENT), submitted=False)
    assert client.get(f"/manage/consultations/moderation/responses/{draft_id}").status_code == 404
    assert decide(client, "responses", draft_id, "approve").status_code == 404
    assert client.get("/manage/consultations/moderation/responses/999999").status_code == 404
    assert client.get("/manage/consultations/moderation/comments/999999").status_code == 404


# --- results -------------------------------------------------------------------------------


def some_results(app, users, info: dict, *, forum: bool = True) -> None:
    """Three sent answers and a draft; the youth forum's one collective answer among them
    unless ``forum`` is False (the forum answers each consultation once)."""
    young = users.make(roles.YOUTH)
    respond(app, info, users.make(roles.PARENT), one="CAN", several=("Letters", "Website"), scale=4)
    respond(app, info, young, one="CAN", several=("Website",), scale=4, visibility=m.PRIVATE)
    if forum:
        respond(app, info, young, voice=m.FORUM_VOICE, one="SEND", scale=2)
    else:
        respond(app, info, users.make(roles.PARENT), one="SEND", scale=2)
    respond(app, info, users.make(roles.PARENT), one="SEND", several=("Schools",), scale=1, submitted=False)


def test_results_count_in_the_database_and_draw_each_chart_beside_a_table(app, client, users, manager):
    info = consultation(app, forum_may_answer=True)
    some_results(app, users, info)

    response = client.get(f"/manage/consultations/{info['id']}/results")
    text = text_of(response)
    html = response.get_data(as_text=True)
    assert "3 responses sent, 1 of them for the youth forum (collective)" in text
    assert "3 people answered" in text  # choose one; the draft is not counted
    assert "CAN 2 67%" in text and "SEND 1 33%" in text and "Something else 0 0%" in text
    assert "2 people answered" in text  # choose several: one response chose nothing
    assert "Website 2 100%" in text and "Letters 1 50%" in text and "Schools 0 0%" in text
    assert "4 2 67%" in text and "2 1 33%" in text
    # A chart for each: an image with a text alternative, bars sized by SVG attributes, no inline style.
    assert html.count('role="img"') == 3
    assert (
        '<span id="chart-{}-title" hidden>Bar chart of the answers to “Which name do you prefer?”: '
        "SEND, 1 (33%); CAN, 2 (67%); Something else, 0 (0%).</span>".format(info[m.CHOOSE_ONE])
    ) in html
    assert f'aria-labelledby="chart-{info[m.CHOOSE_ONE]}-title"' in html
    # SEND then CAN: bars a third and two thirds of the chart's width (everyone who answered).
    chart = re.search(
        rf'<div class="twc-bar-chart"[^>]*id="chart-{info[m.CHOOSE_ONE]}-chart".*?</div>\s*</div>\s*</div>', html, re.S
    )
    assert re.findall(r'<svg [^>]*width="([\d.]+%)"', chart.group(0)) == ["33.3%", "66.7%", "0.0%"]
    assert page(response).inline_styles == 0
    # Free-text answers from every submitted response, private ones too.
    assert text.count("The new name is better") == 3


def test_results_issue_the_same_number_of_queries_however_many_answers(app, client, users, manager):
    info = consultation(app, forum_may_answer=True)
    themes(app, "Communication", "Transport")
    some_results(app, users, info)
    few = count_queries(app, client, f"/manage/consultations/{info['id']}/results")
    for _ in range(6):
        some_results(app, users, info, forum=False)
    many = count_queries(app, client, f"/manage/consultations/{info['id']}/results")
    assert "21 responses sent" in text_of(client.get(f"/manage/consultations/{info['id']}/results"))
    assert many == few
    assert few <= 14


def test_results_are_for_published_consultations_only(app, client, users, manager):
    draft = consultation(app, state=m.DRAFT)
    for path in ("results", "export.csv", "outcome"):
        assert client.get(f"/manage/consultations/{draft['id']}/{path}").status_code == 404
    upcoming = consultation(app, state=m.UPCOMING, title="Coming up")
    assert "0 responses sent" in text_of(client.get(f"/manage/consultations/{upcoming['id']}/results"))


def test_free_text_answers_show_their_moderation_and_are_tagged_with_themes(app, client, users, manager):
    info = consultation(app, state=m.CLOSED)
    made = themes(app, "Communication", "Transport", retired=("Old theme",))
    parent = users.make(roles.PARENT)
    pending_id, pending_answer = respond(app, info, parent, text="Waiting words")
    private_id, private_answer = respond(
        app, info, users.make(roles.PARENT), visibility=m.PRIVATE, text="Private words"
    )
    with app.app_context():
        answer = db.session.get(m.Answer, private_answer)
        answer.themes = [db.session.get(LearningTheme, made["Old theme"])]
        db.session.commit()

    results = client.get(f"/manage/consultations/{info['id']}/results")
    text = text_of(results)
    assert "Waiting words Themes: none yet" in text and "Waiting for moderation" in text
    assert "Private words" in text and "Old theme (retired)" in text and "Approved" in text
    assert "Old theme" not in page(results).inputs.__repr__()  # a retired theme is not offered

    answer = client.post(
        f"/manage/consultations/{info['id']}/answers/{pending_answer}/themes",
        data={"themes": [str(made["Communication"]), str(made["Transport"]), str(made["Old theme"])]},
    )
    assert answer.status_code == 302
    assert answer.location.endswith(f"/manage/consultations/{info['id']}/results")
    with app.app_context():
        assert [t.name for t in db.session.get(m.Answer, pending_answer).themes] == ["Communication", "Transport"]
    assert "Learning themes saved." in text_of(client.get(answer.location))

    # None is fine; a retired theme the answer already has stays.
    assert (
        client.post(f"/manage/consultations/{info['id']}/answers/{pending_answer}/themes", data={}).status_code == 302
    )
    assert (
        client.post(
            f"/manage/consultations/{info['id']}/answers/{private_answer}/themes",
            data={"themes": [str(made["Transport"])]},
        ).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(m.Answer, pending_answer).themes == []
        assert [t.name for t in db.session.get(m.Answer, private_answer).themes] == ["Old theme", "Transport"]
    assert len(events(app, "consultation_answer.themes_changed")) == 3

    form_page = client.get(f"/manage/consultations/{info['id']}/answers/{private_answer}/themes")
    assert "Private words" in text_of(form_page) and "Old theme" in text_of(form_page)
    exported = csv_rows(client.get(f"/manage/consultations/{info['id']}/export.csv"))
    by_id = {r[0]: r for r in exported[1:]}
    assert by_id[str(private_id)][-1] == "Old theme; Transport" and by_id[str(pending_id)][-1] == ""


def test_an_answer_from_another_consultation_is_not_found(app, client, users, manager):
    info = consultation(app)
    other = consultation(app, title="Another one")
    _, answer_id = respond(app, other, users.make(roles.PARENT))
    assert client.get(f"/manage/consultations/{info['id']}/answers/{answer_id}/themes").status_code == 404
    assert client.post(f"/manage/consultations/{info['id']}/answers/{answer_id}/themes", data={}).status_code == 404


# --- export --------------------------------------------------------------------------------


def test_the_export_has_a_row_per_response_and_names_no_one(app, client, users, manager):
    info = consultation(app, forum_may_answer=True)
    parent = users.make(roles.PARENT, name="Pat Parent", email="pat@example.org")
    young = users.make(roles.YOUTH, name="Yasmin Young", email="yasmin@example.org")
    respond(app, info, parent, one="CAN", several=("Letters", "Schools"), scale=5, minutes_ago=90)
    respond(
        app, info, young, voice=m.FORUM_VOICE, visibility=m.PRIVATE, text="From the forum", one="SEND", minutes_ago=60
    )
    respond(app, info, users.make(roles.PARENT), submitted=False)

    response = client.get(f"/manage/consultations/{info['id']}/export.csv")
    assert f"consultation-{info['slug']}-responses.csv" in response.headers["Content-Disposition"]
    exported = csv_rows(response)
    assert exported[0] == [
        "Response ID",
        "Submitted",
        "Voice",
        "Visibility",
        "Moderation",
        "Words removed",
        "Author role",
        "What do you think?",
        "Which name do you prefer?",
        "Where should the new name appear?",
        "How much does the name matter to you?",
        "Themes",
    ]
    assert len(exported) == 3
    first, second = exported[1], exported[2]
    assert first[2:] == [
        "Own",
        "Public",
        "Waiting for moderation",
        "No",
        "Parent or carer",
        "The new name is better",
        "CAN",
        "Letters; Schools",
        "5",
        "",
    ]
    assert second[2:9] == [
        "Youth forum (collective)",
        "Private",
        "Waiting for moderation",
        "No",
        "Youth forum member",
        "From the forum",
        "SEND",
    ]
    everything = repr(exported)
    for personal in ("Pat Parent", "Pat", "pat@example.org", "Yasmin", "yasmin@example.org"):
        assert personal not in everything


@pytest.mark.parametrize("payload", ["=1+1", "+SUM(A1:A9)", "-2+3", "@cmd|' /C calc'!A0"])
def test_formula_payloads_come_out_inert(app, client, users, manager, payload):
    with app.app_context():
        made = make_consultation(
            questions=[
                {"kind": m.FREE_TEXT, "prompt": "What do you think?"},
                {"kind": m.CHOOSE_ONE, "prompt": "Pick one", "options": [payload, "Plain"]},
            ]
        )
        info = {
            "id": made.id,
            "text": made.questions[0].id,
            "one": made.questions[1].id,
            "one_options": {o.label: o.id for o in made.questions[1].options},
        }
    respond(app, info, users.make(roles.PARENT), text=payload, one=payload)

    exported = csv_rows(client.get(f"/manage/consultations/{info['id']}/export.csv"))
    assert exported[1][7] == "'" + payload
    assert exported[1][8] == "'" + payload


# --- the outcome ---------------------------------------------------------------------------


OUTCOME = {
    "we_asked": "We asked whether SEND should be called CAN.",
    "you_said": "2 of 3 of you preferred CAN.",
    "we_did": "We now say CAN on every letter from January.",
}


def test_the_outcome_waits_until_the_consultation_closes(app, client, users, manager, outbox):
    info = consultation(app, state=m.OPEN)
    respond(app, info, users.make(roles.PARENT))
    response = client.get(f"/manage/consultations/{info['id']}/outcome")
    assert response.status_code == 200
    assert "You can write the outcome once the consultation has closed." in text_of(response)
    assert 'name="we_did"' not in response.get_data(as_text=True)

    before = snapshot(app)
    answer = client.post(f"/manage/consultations/{info['id']}/outcome", data={**OUTCOME, "publish": "Publish outcome"})
    assert answer.status_code == 200 and "once the consultation has closed" in text_of(answer)
    assert snapshot(app) == before
    assert outbox.messages() == []


def test_a_draft_outcome_is_saved_and_publishing_needs_all_three_parts(app, client, users, manager, outbox):
    info = consultation(app, state=m.CLOSED)
    respond(app, info, users.make(roles.PARENT), one="CAN")
    form = client.get(f"/manage/consultations/{info['id']}/outcome")
    assert "The numbers" in text_of(form) and "CAN: 1 (100%)" in text_of(form)

    saved = client.post(
        f"/manage/consultations/{info['id']}/outcome", data={"we_asked": OUTCOME["we_asked"], "save": "Save draft"}
    )
    assert saved.status_code == 302
    assert "Draft saved. It is not public until you publish it." in text_of(client.get(saved.location))
    kept = row(app, m.Consultation, info["id"])
    assert kept.we_asked == OUTCOME["we_asked"] and kept.outcome_published_at is None
    assert OUTCOME["we_asked"] not in board(client, info)  # BOARD
    assert len(events(app, "consultation.outcome_saved")) == 1

    refused = client.post(
        f"/manage/consultations/{info['id']}/outcome",
        data={"we_asked": OUTCOME["we_asked"], "you_said": "", "we_did": "", "publish": "Publish outcome"},
    )
    assert refused.status_code == 200 and page(refused).title.startswith("Error: ")
    summary = error_summary(refused)
    assert "Enter a summary of what people said" in summary and "Enter what the council decided and will do" in summary
    assert row(app, m.Consultation, info["id"]).outcome_published_at is None
    assert outbox.messages() == []


def test_publishing_tells_each_person_who_took_part_once_and_corrections_tell_no_one(
    app, client, users, manager, outbox
):
    info = consultation(app, state=m.CLOSED, forum_may_answer=True, audience=m.EVERYONE)
    young = users.make(roles.YOUTH, email="young@example.org")
    parent = users.make(roles.PARENT, email="parent@example.org")
    commenter = users.make(roles.PARENT, email="commenter@example.org")
    drafter = users.make(roles.PARENT, email="drafter@example.org")
    young_own, _ = respond(app, info, young, one="CAN")
    respond(app, info, young, voice=m.FORUM_VOICE, one="CAN")
    parent_response, _ = respond(app, info, parent, one="SEND")
    comment_on(app, young_own, commenter, "Good point", moderation=m.APPROVED)
    comment_on(app, parent_response, young, "I see it differently")
    respond(app, info, drafter, submitted=False)
    other = consultation(app, title="Another consultation")
    respond(app, other, users.make(roles.PARENT, email="elsewhere@example.org"))

    answer = client.post(f"/manage/consultations/{info['id']}/outcome", data={**OUTCOME, "publish": "Publish outcome"})
    assert answer.status_code == 302
    assert "Outcome published. 3 people who took part have been emailed a link to it." in text_of(
        client.get(answer.location)
    )

    told = outbox.messages(template="consultation_outcome")
    assert sorted(message.recipient for message in told) == [
        "commenter@example.org",
        "parent@example.org",
        "young@example.org",
    ]
    assert all(outbox.link_in(message) == f"/consultations/{info['slug']}" for message in told)
    assert row(app, m.Consultation, info["id"]).outcome_published_at is not None
    public = board(client, info)  # BOARD: the public page shows the outcome
    assert OUTCOME["you_said"] in public and OUTCOME["we_did"] in public

    corrected = client.post(
        f"/manage/consultations/{info['id']}/outcome",
        data={**OUTCOME, "we_did": "We now say CAN on every letter from February.", "publish": "Save corrections"},
    )
    assert corrected.status_code == 302
    assert "no one has been emailed again" in text_of(client.get(corrected.location))
    assert len(outbox.messages(template="consultation_outcome")) == 3
    assert "from February" in board(client, info)  # BOARD
    # A correction cannot take away a part of a published outcome.
    emptied = client.post(
        f"/manage/consultations/{info['id']}/outcome", data={**OUTCOME, "we_did": "", "publish": "Save corrections"}
    )
    assert "Enter what the council decided and will do" in error_summary(emptied)
    assert len(events(app, "consultation.outcome_published")) == 1
    assert len(events(app, "consultation.outcome_corrected")) == 1


# --- forms that timed out --------------------------------------------------------------------


def test_a_decision_or_outcome_sent_without_its_token_is_shown_again_and_changes_nothing(csrf_app):
    from tests.factories import make_user
    from tests.test_security import sign_in_with_token

    with csrf_app.app_context():
        manager = make_user(roles.MANAGER)
        parent = make_user(roles.PARENT)
    info = consultation(csrf_app, state=m.CLOSED)
    response_id, _ = respond(csrf_app, info, parent)
    client = csrf_app.test_client()
    sign_in_with_token(client, manager)
    before = snapshot(csrf_app)

    shown = client.post(
        f"/manage/consultations/moderation/responses/{response_id}",
        data={"decision": "hide", "reason": "Off the subject of the consultation"},
    )
    assert shown.status_code == 400
    assert "This page timed out before you sent it" in error_summary(shown)
    assert "Off the subject of the consultation" in shown.get_data(as_text=True)
    outcome = client.post(f"/manage/consultations/{info['id']}/outcome", data={**OUTCOME, "publish": "Publish outcome"})
    assert outcome.status_code == 400 and OUTCOME["we_did"] in outcome.get_data(as_text=True)
    assert snapshot(csrf_app) == before


@pytest.mark.real_commits
def test_two_managers_publishing_the_outcome_at_once_tell_people_only_once(app, users, outbox):
    from portal.consultations import outcome
    from portal.core.time import london_today, utcnow

    info = consultation(app, state=m.CLOSED)
    respond(app, info, users.make(roles.PARENT))
    users.make(roles.MANAGER)  # a first manager, who publishes first
    second = users.make(roles.MANAGER)
    words = {"we_asked": "We asked.", "you_said": "You said.", "we_did": "We did."}
    with app.app_context():
        seen_by_second = db.session.get(m.Consultation, info["id"])  # both pages opened before either published
        assert seen_by_second.outcome_published_at is None
        # The first manager publishes and commits in another request.
        with db.engine.begin() as other_request:
            other_request.execute(
                sa.update(m.Consultation).where(m.Consultation.id == info["id"]).values(outcome_published_at=utcnow())
            )
        told = outcome.publish(db.session.get(User, second.id), seen_by_second, london_today(), **words)
        db.session.commit()
    assert told is None
    assert outbox.messages(template="consultation_outcome") == []
