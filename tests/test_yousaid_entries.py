"""You Said, We Did entries: managers write and publish them at /manage/you-said-we-did, the
public reads them at /you-said-we-did (page, entry, Atom feed, CSV and JSON), families who asked
are emailed once per change, and the evidence counts are what a person counting by hand gets.
"""

import csv
import io
import json
from datetime import date, datetime, timezone
from itertools import count
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa

from portal.accounts import roles
from portal.casework.models import CaseOutcome
from portal.consultations import models as cm
from portal.core.models import AuditEvent
from portal.core.terms import term_of
from portal.core.time import london_today
from portal.extensions import db
from portal.feedback.models import Case, CaseMessage
from portal.themes.models import LearningTheme
from portal.yousaid import entries as services
from portal.yousaid.evidence import Evidence, count_evidence, evidence_for
from portal.yousaid.models import DONE, IN_PROGRESS, PLANNED, UpdateNotice, YouSaidChange, YouSaidEntry
from tests.consultation_helpers import make_consultation
from tests.factories import make_user
from tests.query_counts import count_queries
from tests.test_security import error_summary, page

_numbers = count(1)
UTC = timezone.utc
ATOM = "{http://www.w3.org/2005/Atom}"


# --- helpers -------------------------------------------------------------------------------


@pytest.fixture
def manager(users, auth):
    person = users.make(roles.MANAGER, name="Morgan Manager")
    auth.sign_in(person)
    return person


def make_theme(app, name: str) -> int:
    with app.app_context():
        theme = LearningTheme(name=name)
        db.session.add(theme)
        db.session.commit()
        return theme.id


def make_case(app, *, kind="complaint", received_at=None, outcomes=(), **fields) -> tuple[int, str]:
    """A case straight in the database. ``outcomes`` is one list of theme ids per stage that has
    an outcome. Returns (id, reference)."""
    number = next(_numbers)
    values = {
        "reference": f"CAN-2026-{number:05d}",
        "submission_key": f"yousaid-{number}",
        "kind": kind,
        "status": "closed",
        "stage": len(outcomes) or 1,
        "what_happened": "Something happened.",
        "received_at": received_at or datetime(2026, 10, 1, 12, tzinfo=UTC),
    } | fields
    with app.app_context():
        case = Case(**values)
        db.session.add(case)
        db.session.flush()
        for stage, theme_ids in enumerate(outcomes, start=1):
            outcome = CaseOutcome(case_id=case.id, stage=stage, outcome="upheld", summary=f"Outcome at stage {stage}.")
            outcome.themes = [db.session.get(LearningTheme, theme_id) for theme_id in theme_ids]
            db.session.add(outcome)
        db.session.commit()
        return case.id, case.reference


def make_consultation_in(app, title: str = "How named caseworkers keep in touch", **fields) -> int:
    with app.app_context():
        return make_consultation(title=title, state=cm.CLOSED, **fields).id


def make_response(app, consultation_id: int, *, submitted_at, themes=(), texts=None, author=None, wants=False) -> int:
    """A response with one answer per entry in ``themes`` (a list of theme ids per answer)."""
    with app.app_context():
        author_id = author.id if author else make_user(roles.PARENT).id
        questions = db.session.scalars(
            sa.select(cm.Question).where(cm.Question.consultation_id == consultation_id).order_by(cm.Question.position)
        ).all()
        response = cm.Response(
            consultation_id=consultation_id,
            author_id=author_id,
            submitted_at=submitted_at,
            wants_learning_updates=wants,
            moderation=cm.APPROVED,
        )
        db.session.add(response)
        db.session.flush()
        for position, theme_ids in enumerate(themes):
            answer = cm.Answer(
                response_id=response.id,
                question_id=questions[position].id,
                text=(texts or {}).get(position, "An answer."),
            )
            answer.themes = [db.session.get(LearningTheme, theme_id) for theme_id in theme_ids]
            db.session.add(answer)
        db.session.commit()
        return response.id


def make_entry(
    app,
    theme_id: int,
    *,
    term="autumn-2026",
    title=None,
    published=True,
    status=PLANNED,
    consultations=(),
    cases=(),
    **fields,
) -> int:
    """An entry through the services, as a manager would make it. Returns its id."""
    with app.app_context():
        actor = make_user(roles.MANAGER)
        entry = services.create_entry(
            actor,
            action_status=status,
            term=term,
            theme_id=theme_id,
            title=title or f"Entry {next(_numbers)}",
            you_said=fields.pop("you_said", "Families said letters were hard to follow."),
            we_did=fields.pop("we_did", "We rewrote the letters with the parent carer forum."),
            action_owner=fields.pop("action_owner", "Head of SENAR"),
            **fields,
        )
        if consultations or cases:
            references = db.session.scalars(sa.select(Case.reference).where(Case.id.in_(cases))).all()
            services.set_evidence(actor, entry, consultation_ids=list(consultations), references=list(references))
        if published:
            services.publish(actor, entry)
        db.session.commit()
        return entry.id


def text_of(response) -> str:
    return page(response).text


def public_outputs(client) -> dict[str, str]:
    """Every public You Said, We Did output, as text, with each published entry's own page."""
    outputs = {
        "page": client.get("/you-said-we-did"),
        "feed": client.get("/you-said-we-did/feed.atom"),
        "csv": client.get("/you-said-we-did.csv"),
        "json": client.get("/you-said-we-did.json"),
    }
    for name, response in outputs.items():
        assert response.status_code == 200, name
    texts = {name: response.get_data(as_text=True) for name, response in outputs.items()}
    for item in json.loads(texts["json"])["entries"]:
        response = client.get(f"/you-said-we-did/{item['id']}")
        assert response.status_code == 200
        texts[f"entry {item['id']}"] = response.get_data(as_text=True)
    return texts


def csv_rows(response) -> list[dict]:
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


# --- the evidence counts, by hand ------------------------------------------------------------


@pytest.fixture
def counted(app):
    """A small fixed set of feedback and answers around the summer/autumn 2026 boundary (in
    British Summer Time, so London's midnight is 23:00 UTC) and the autumn/spring boundary
    (in GMT). Returns the theme ids."""
    talk = make_theme(app, "Communication and keeping in touch")
    travel = make_theme(app, "Home-to-school transport")

    # Feedback about keeping in touch.
    make_case(app, received_at=datetime(2026, 8, 31, 22, 30, tzinfo=UTC), outcomes=[[talk]])  # 23:30 on 31 Aug: summer
    make_case(app, received_at=datetime(2026, 8, 31, 23, 30, tzinfo=UTC), outcomes=[[talk]])  # 00:30 on 1 Sep: autumn
    make_case(app, received_at=datetime(2026, 10, 10, 9, tzinfo=UTC), outcomes=[[talk], [talk]])  # both stages: once
    make_case(app, kind="compliment", received_at=datetime(2026, 11, 1, 9, tzinfo=UTC), outcomes=[[talk, travel]])
    make_case(app, kind="suggestion", received_at=datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC), outcomes=[[talk]])
    make_case(app, kind="suggestion", received_at=datetime(2027, 1, 1, 0, 0, tzinfo=UTC), outcomes=[[talk]])  # spring
    make_case(app, received_at=datetime(2026, 10, 2, 9, tzinfo=UTC), outcomes=[[]])  # an outcome with no theme
    make_case(app, received_at=datetime(2026, 10, 3, 9, tzinfo=UTC), status="received")  # no outcome yet
    make_case(app, kind="question", received_at=datetime(2026, 10, 4, 9, tzinfo=UTC), outcomes=[[talk]])  # not counted
    make_case(app, received_at=datetime(2026, 10, 5, 9, tzinfo=UTC), outcomes=[[], [travel]])  # transport, at stage 2

    # Consultation answers, counted by when the response was sent.
    consultation = make_consultation_in(app)
    make_response(
        app, consultation, submitted_at=datetime(2026, 10, 5, 18, tzinfo=UTC), themes=[[talk], [talk, travel], []]
    )
    make_response(app, consultation, submitted_at=datetime(2026, 8, 31, 23, 30, tzinfo=UTC), themes=[[talk]])  # 1 Sep
    make_response(app, consultation, submitted_at=datetime(2026, 8, 31, 22, 30, tzinfo=UTC), themes=[[talk]])  # 31 Aug
    make_response(app, consultation, submitted_at=None, themes=[[talk], [travel]])  # a draft: not counted
    return {"talk": talk, "travel": travel, "consultation": consultation}


def test_evidence_counts_match_a_hand_count(app, counted):
    talk, travel = counted["talk"], counted["travel"]
    with app.app_context():
        found = evidence_for(
            [
                (talk, "summer-2026"),
                (talk, "autumn-2026"),
                (talk, "spring-2027"),
                (travel, "autumn-2026"),
                (travel, "summer-2026"),
                (talk, "spring-2026"),
                (talk, "not-a-term"),
            ]
        )
    assert found[(talk, "summer-2026")] == Evidence(complaints=1, answers=1)
    assert found[(talk, "autumn-2026")] == Evidence(complaints=2, compliments=1, suggestions=1, answers=3)
    assert found[(talk, "spring-2027")] == Evidence(suggestions=1)
    assert found[(travel, "autumn-2026")] == Evidence(complaints=1, compliments=1, answers=1)
    for nothing in [(travel, "summer-2026"), (talk, "spring-2026"), (talk, "not-a-term")]:
        assert nothing not in found


def test_evidence_for_one_pair_is_the_same_as_in_a_batch(app, counted):
    talk = counted["talk"]
    with app.app_context():
        alone = evidence_for([(talk, "autumn-2026")])
    assert alone[(talk, "autumn-2026")] == Evidence(complaints=2, compliments=1, suggestions=1, answers=3)


def test_kept_evidence_follows_answers_sent_rethemed_and_deleted(app, counted):
    """Evidence kept per term is counted again when a response in that term is sent, an
    answer's themes change or a response goes, and is the evidence a fresh count gives."""
    talk, travel = counted["talk"], counted["travel"]
    pairs = [(theme, term) for theme in (talk, travel) for term in ("summer-2026", "autumn-2026")]
    with app.app_context():
        evidence_for(pairs)
        draft = db.session.scalars(sa.select(cm.Response).where(cm.Response.submitted_at.is_(None))).one()
        draft.submitted_at = datetime(2026, 8, 1, 9, tzinfo=UTC)  # sent in the summer term
        db.session.commit()
        assert evidence_for(pairs) == count_evidence(pairs)
        assert evidence_for(pairs)[(travel, "summer-2026")] == Evidence(answers=1)

        sent_in_autumn = db.session.scalars(
            sa.select(cm.Answer)
            .join(cm.Response)
            .where(cm.Response.submitted_at == datetime(2026, 10, 5, 18, tzinfo=UTC))
            .order_by(cm.Answer.id)
        ).first()
        sent_in_autumn.themes = [db.session.get(LearningTheme, travel)]
        db.session.commit()
        assert evidence_for(pairs) == count_evidence(pairs)
        assert evidence_for(pairs)[(talk, "autumn-2026")].answers == 2

        db.session.delete(sent_in_autumn.response)
        db.session.commit()
        assert evidence_for(pairs) == count_evidence(pairs)
        assert evidence_for(pairs)[(talk, "autumn-2026")].answers == 1


def test_the_public_sees_the_same_counts(app, client, counted):
    entry_id = make_entry(app, counted["talk"], term="autumn-2026", title="A named contact for every family")
    shown = text_of(client.get(f"/you-said-we-did/{entry_id}"))
    assert (
        "In the autumn term 2026, families sent 2 complaints, 1 compliment and 1 suggestion, "
        "and gave 3 consultation answers, about communication and keeping in touch." in shown
    )
    assert "2 complaints, 1 compliment and 1 suggestion" in text_of(client.get("/you-said-we-did"))

    item = client.get("/you-said-we-did.json").get_json()["entries"][0]
    assert item["evidence"] == {
        "complaints": 2,
        "compliments": 1,
        "suggestions": 1,
        "consultation_answers": 3,
        "survey_comments": 0,
        "linked_cases": 0,
    }
    row = csv_rows(client.get("/you-said-we-did.csv"))[0]
    assert (row["complaints"], row["compliments"], row["suggestions"], row["consultation_answers"]) == (
        "2",
        "1",
        "1",
        "3",
    )


def test_the_manager_sees_the_counts_to_quote(app, client, manager, counted):
    entry_id = make_entry(app, counted["talk"], term="summer-2026", published=False)
    shown = text_of(client.get(f"/manage/you-said-we-did/{entry_id}"))
    assert "Evidence you can quote" in shown
    assert (
        "In the summer term 2026, families sent 1 complaint, 0 compliments and 0 suggestions, and gave 1 consultation answer"
        in shown
    )


# --- what the public sees --------------------------------------------------------------------


def test_entries_are_listed_by_term_newest_first_then_by_theme(app, client):
    talk = make_theme(app, "Communication")
    offer = make_theme(app, "The Local Offer website")
    make_entry(app, offer, term="summer-2026", title="Local Offer rebuilt with families")
    make_entry(app, talk, term="autumn-2026", title="More named caseworkers")
    make_entry(app, offer, term="autumn-2026", title="Local Offer easier to find")
    make_entry(app, talk, term="spring-2027", title="The name CAN")

    text = text_of(client.get("/you-said-we-did"))
    order = [
        "Spring term 2027",
        "The name CAN",
        "Autumn term 2026",
        "Communication",
        "More named caseworkers",
        "The Local Offer website",
        "Local Offer easier to find",
        "Summer term 2026",
        "Local Offer rebuilt with families",
    ]
    last = text.index("Summer term 2026") + 1  # after the list of terms at the top
    positions = []
    for words in order:
        last = text.index(words, last)
        positions.append(last)
    assert positions == sorted(positions)


def test_an_entrys_page_shows_what_was_said_and_done_with_its_dated_history(app, client):
    theme = make_theme(app, "Communication")
    consultation = make_consultation_in(
        app, title="How named caseworkers should keep in touch", slug="keeping-in-touch"
    )
    entry_id = make_entry(
        app,
        theme,
        title="A named contact for every family",
        you_said="You said you did not know who to call.",
        we_did="We are appointing more caseworkers.",
        action_owner="Head of SENAR",
        action_due_on=date(2027, 3, 31),
        consultations=[consultation],
    )
    with app.app_context():
        entry = db.session.get(YouSaidEntry, entry_id)
        services.change_status(None, entry, IN_PROGRESS, "Two caseworkers started.")
        services.change_status(None, entry, DONE, "All four are in post.")
        moments = [
            datetime(2026, 11, 2, 10, tzinfo=UTC),
            datetime(2027, 1, 15, 10, tzinfo=UTC),
            datetime(2027, 3, 1, 10, tzinfo=UTC),
        ]
        for change, moment in zip(entry.changes, moments, strict=True):
            change.occurred_at = moment
        db.session.commit()

    response = client.get(f"/you-said-we-did/{entry_id}")
    html = response.get_data(as_text=True)
    text = page(response).text
    assert "Autumn term 2026: Communication" in text
    assert "You said you did not know who to call." in text
    assert "We are appointing more caseworkers." in text
    assert "Head of SENAR" in text and "31 March 2027" in text
    assert 'href="/consultations/keeping-in-touch"' in html
    history = text[text.index("History") :]
    newest, middle, oldest = (history.index(day) for day in ("1 March 2027", "15 January 2027", "2 November 2026"))
    assert newest < middle < oldest
    assert "the action is now done. All four are in post." in history
    assert "the action is now in progress. Two caseworkers started." in history
    assert "published, with the action planned." in history
    assert f'datetime="{moments[0].isoformat()}"' in html
    assert '<link rel="alternate" type="application/atom+xml"' in html


def test_a_consultations_published_outcome_links_to_the_entries_that_cite_it(app, client):
    theme = make_theme(app, "Information and the Local Offer")
    with app.app_context():
        consultation = make_consultation(title="The Local Offer website", state=cm.OUTCOME_PUBLISHED)
        slug, consultation_id = consultation.slug, consultation.id
    published = make_entry(
        app, theme, title="Rebuilding the Local Offer with families", consultations=[consultation_id]
    )
    make_entry(app, theme, title="A draft about the Local Offer", consultations=[consultation_id], published=False)

    html = client.get(f"/consultations/{slug}").get_data(as_text=True)
    assert f'href="/you-said-we-did/{published}"' in html
    assert "Rebuilding the Local Offer with families" in html
    assert "A draft about the Local Offer" not in html


def test_drafts_are_invisible_to_the_public(app, client):
    theme = make_theme(app, "Communication")
    draft_id = make_entry(app, theme, title="Not ready to be seen", published=False, you_said="Half-written words.")
    shown_id = make_entry(app, theme, title="Ready to be seen")

    assert client.get(f"/you-said-we-did/{draft_id}").status_code == 404
    assert client.get("/you-said-we-did/999999").status_code == 404
    outputs = public_outputs(client)
    assert f"entry {shown_id}" in outputs and f"entry {draft_id}" not in outputs
    for name, text in outputs.items():
        assert "Ready to be seen" in text, name
        assert "Not ready to be seen" not in text, name
        assert "Half-written words." not in text, name


def test_feed_lists_published_entries_newest_first_with_their_public_addresses(app, client):
    theme = make_theme(app, "Communication")
    older = make_entry(app, theme, title="Older entry")
    newer = make_entry(app, theme, title="Newer entry")
    make_entry(app, theme, title="Draft entry", published=False)
    with app.app_context():
        db.session.get(YouSaidEntry, older).published_at = datetime(2026, 9, 10, tzinfo=UTC)
        db.session.commit()

    response = client.get("/you-said-we-did/feed.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = ElementTree.fromstring(response.data)
    items = feed.findall(f"{ATOM}entry")
    assert [item.findtext(f"{ATOM}title") for item in items] == ["Newer entry", "Older entry"]
    links = [item.find(f"{ATOM}link").get("href") for item in items]
    assert [urlsplit(link).path for link in links] == [f"/you-said-we-did/{newer}", f"/you-said-we-did/{older}"]
    assert all(client.get(urlsplit(link).path).status_code == 200 for link in links)


def test_open_data_has_a_stable_shape(app, client):
    theme = make_theme(app, "Communication")
    consultation = make_consultation_in(app, title="Renaming SEND to CAN", slug="renaming-send-to-can")
    case_id, _ = make_case(app)
    entry_id = make_entry(
        app,
        theme,
        title='=HYPERLINK("bad")',
        status=IN_PROGRESS,
        action_starts_on=date(2026, 9, 1),
        consultations=[consultation],
        cases=[case_id],
    )

    data = client.get("/you-said-we-did.json").get_json()
    assert set(data) == {"description", "publisher", "generated_at", "count", "entries"}
    assert "no personal data" in data["description"]
    assert data["count"] == 1
    item = data["entries"][0]
    assert set(item) == {
        "id",
        "url",
        "term",
        "term_label",
        "theme",
        "title",
        "you_said",
        "we_did",
        "action_owner",
        "action_status",
        "action_starts_on",
        "action_due_on",
        "action_done_on",
        "published_at",
        "updated_at",
        "evidence",
        "consultations",
    }
    assert item["id"] == entry_id and item["term"] == "autumn-2026" and item["term_label"] == "Autumn term 2026"
    assert item["action_status"] == "in_progress" and item["action_starts_on"] == "2026-09-01"
    assert item["evidence"]["linked_cases"] == 1
    assert urlsplit(item["url"]).path == f"/you-said-we-did/{entry_id}"
    assert [c["title"] for c in item["consultations"]] == ["Renaming SEND to CAN"]
    assert urlsplit(item["consultations"][0]["url"]).path == "/consultations/renaming-send-to-can"

    response = client.get("/you-said-we-did.csv")
    assert response.mimetype == "text/csv"
    row = csv_rows(response)[0]
    assert row["title"] == '\'=HYPERLINK("bad")'  # never run as a formula
    assert row["linked_cases"] == "1" and row["consultation_titles"] == "Renaming SEND to CAN"


# --- nothing personal ------------------------------------------------------------------------

PERSONAL = [
    "Zebedee Quillfeather",
    "zebedee.quillfeather@example.org",
    "Primrose Quillfeather",
    "Thistlewood Academy",
    "the minibus left Primrose at the wrong gate",
    "Compensation for the lost mornings",
    "07700 900417",
    "Outcome summary naming Wrenfield",
    "Internal note about Wrenfield",
    "Ottoline Verbena",
    "ottoline.verbena@example.org",
    "my son Barnaby cannot read the Kestrel Lane letters",
    "Private answer from Marchbank House",
    "Comment from Ravensholme",
]


def test_nothing_personal_reaches_any_public_output(app, client):
    theme = make_theme(app, "Communication")
    case_id, reference = make_case(
        app,
        outcomes=[[theme]],
        contact_name="Zebedee Quillfeather",
        contact_email="zebedee.quillfeather@example.org",
        contact_phone="07700 900417",
        child_name="Primrose Quillfeather",
        child_setting="Thistlewood Academy",
        what_happened="the minibus left Primrose at the wrong gate",
        outcome_wanted="Compensation for the lost mornings",
        wants_learning_updates=True,
    )
    with app.app_context():
        outcome = db.session.scalar(sa.select(CaseOutcome).where(CaseOutcome.case_id == case_id))
        outcome.summary = "Outcome summary naming Wrenfield"
        db.session.add(CaseMessage(case_id=case_id, internal=True, body="Internal note about Wrenfield"))
        db.session.commit()
    consultation = make_consultation_in(app, title="Letters from the council")
    with app.app_context():
        author = make_user(roles.PARENT, name="Ottoline Verbena", email="ottoline.verbena@example.org")
    response_id = make_response(
        app,
        consultation,
        submitted_at=datetime(2026, 10, 5, 18, tzinfo=UTC),
        themes=[[theme], [theme]],
        texts={0: "my son Barnaby cannot read the Kestrel Lane letters", 1: "Private answer from Marchbank House"},
        author=author,
        wants=True,
    )
    with app.app_context():
        db.session.add(cm.Comment(response_id=response_id, author_id=author.id, body="Comment from Ravensholme"))
        db.session.commit()
    make_entry(app, theme, title="Clearer letters", consultations=[consultation], cases=[case_id])

    outputs = public_outputs(client)
    assert len(outputs) == 5
    for name, text in outputs.items():
        assert "Clearer letters" in text, name
        for words in [*PERSONAL, reference]:
            assert words.lower() not in text.lower(), f"{words!r} appears in the public {name}"
    # The counts are there, as numbers only.
    assert "1 complaint" in outputs["page"] and "2 consultation answers" in outputs["page"]


# --- telling the families who asked ----------------------------------------------------------


@pytest.fixture
def families(app):
    """An entry (a draft) with linked cases and a linked consultation, and who asked to hear."""
    theme = make_theme(app, "Communication")
    make_case(app, contact_email="Asked.By.Case@example.org", wants_learning_updates=True)
    make_case(app, contact_email="did.not.ask@example.org", wants_learning_updates=False)
    with app.app_context():
        account = make_user(roles.PARENT, email="account.holder@example.org")
    make_case(app, contact_email=None, user_id=account.id, wants_learning_updates=True)
    make_case(app, contact_email="both@example.org", wants_learning_updates=True)
    make_case(app, contact_email="unlinked@example.org", wants_learning_updates=True, reference="CAN-2026-99999")
    consultation = make_consultation_in(app)
    other = make_consultation_in(app, title="Another consultation")
    with app.app_context():
        answerer = make_user(roles.PARENT, email="answered@example.org")
        quiet = make_user(roles.PARENT, email="answered.quietly@example.org")
        both = make_user(roles.YOUTH, email="BOTH@example.org")
        elsewhere = make_user(roles.PARENT, email="answered.elsewhere@example.org")
        drafting = make_user(roles.PARENT, email="still.drafting@example.org")
    sent = datetime(2026, 10, 5, tzinfo=UTC)
    make_response(app, consultation, submitted_at=sent, themes=[[theme]], author=answerer, wants=True)
    make_response(app, consultation, submitted_at=sent, themes=[[theme]], author=quiet, wants=False)
    make_response(app, consultation, submitted_at=sent, themes=[[theme]], author=both, wants=True)
    make_response(app, other, submitted_at=sent, themes=[[theme]], author=elsewhere, wants=True)
    make_response(app, consultation, submitted_at=None, themes=[[theme]], author=drafting, wants=True)
    with app.app_context():
        linked = db.session.scalars(sa.select(Case.id).where(Case.reference != "CAN-2026-99999")).all()
    entry_id = make_entry(
        app, theme, title="Clearer letters", published=False, consultations=[consultation], cases=linked
    )
    return {"entry_id": entry_id}


TOLD = ["account.holder@example.org", "answered@example.org", "asked.by.case@example.org", "both@example.org"]


def test_families_who_asked_are_told_once_when_published_and_at_each_change(app, client, manager, outbox, families):
    entry_id = families["entry_id"]
    assert client.post(f"/manage/you-said-we-did/{entry_id}/publish").status_code == 302
    published = outbox.messages(template="you_said_published")
    assert sorted(message.recipient for message in published) == TOLD
    message = published[0]
    assert "Clearer letters" in message.subject
    assert outbox.link_in(message) == f"/you-said-we-did/{entry_id}"
    assert client.get(outbox.link_in(message)).status_code == 200

    # Running it again tells nobody twice.
    with app.test_request_context():
        change = db.session.scalar(sa.select(YouSaidChange).where(YouSaidChange.entry_id == entry_id))
        assert services.notify(change) == 0
        db.session.commit()
    assert len(outbox.messages(template="you_said_published")) == 4

    # Publishing again (a double click) changes nothing.
    client.post(f"/manage/you-said-we-did/{entry_id}/publish")
    assert len(outbox.messages(template="you_said_published")) == 4

    response = client.post(
        f"/manage/you-said-we-did/{entry_id}/status", data={"status": IN_PROGRESS, "note": "Two caseworkers started."}
    )
    assert response.status_code == 302
    changed = outbox.messages(template="you_said_status")
    assert sorted(message.recipient for message in changed) == TOLD
    assert "in progress" in changed[0].subject
    assert "Two caseworkers started." in changed[0].body
    with app.test_request_context():
        change = db.session.scalars(
            sa.select(YouSaidChange).where(YouSaidChange.entry_id == entry_id).order_by(YouSaidChange.id)
        ).all()[-1]
        assert services.notify(change) == 0
        db.session.commit()

    # The same status again is no change: no history, no email.
    client.post(f"/manage/you-said-we-did/{entry_id}/status", data={"status": IN_PROGRESS})
    assert len(outbox.messages(template="you_said_status")) == 4
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(UpdateNotice.id))) == 8
        assert db.session.scalar(sa.select(sa.func.count(YouSaidChange.id))) == 2


def test_a_draft_tells_nobody(app, client, manager, outbox, families):
    entry_id = families["entry_id"]
    response = client.post(f"/manage/you-said-we-did/{entry_id}/status", data={"status": DONE})
    assert response.status_code == 302
    assert outbox.messages() == []
    with app.app_context():
        entry = db.session.get(YouSaidEntry, entry_id)
        assert entry.action_status == DONE and entry.action_done_on == london_today()
        assert entry.changes == []


# --- managers writing entries ----------------------------------------------------------------


def test_a_manager_writes_links_evidence_publishes_and_updates_an_entry(app, client, manager, outbox):
    theme = make_theme(app, "Communication")
    consultation = make_consultation_in(app, title="Keeping in touch")
    with app.app_context():
        make_consultation(title="Draft consultation", state=cm.DRAFT)
    _, reference = make_case(app, received_at=datetime(2026, 10, 1, tzinfo=UTC), outcomes=[[theme]])
    term = term_of(london_today()).slug

    form = client.get("/manage/you-said-we-did/new")
    assert form.status_code == 200
    assert page(form).title.startswith("Write an entry")

    empty = client.post("/manage/you-said-we-did/new", data={"term": term})
    assert empty.status_code == 200
    assert page(empty).title.startswith("Error: Write an entry")
    summary = error_summary(empty)
    for problem in (
        "Select the learning theme",
        "Enter a title",
        "Enter what families said",
        "Enter who owns the action",
    ):
        assert problem in summary

    fields = {
        "term": term,
        "theme": str(theme),
        "title": "A named contact for every family",
        "you_said": "You said you did not know who to call.",
        "we_did": "We are appointing more caseworkers.",
        "action_owner": "Head of SENAR",
        "action_status": PLANNED,
        "action_due_on": ["31", "3", "2027"],
    }
    wrong = client.post("/manage/you-said-we-did/new", data=fields | {"action_starts_on": ["1", "4", ""]})
    assert "The start date must include a year" in error_summary(wrong)
    later = client.post(
        "/manage/you-said-we-did/new",
        data=fields | {"action_starts_on": ["1", "4", "2027"]},
    )
    assert "due must be the same as or after the date it starts" in error_summary(later)

    created = client.post("/manage/you-said-we-did/new", data=fields)
    assert created.status_code == 302
    with app.app_context():
        entry = db.session.scalar(sa.select(YouSaidEntry))
        entry_id = entry.id
        assert entry.published_at is None and entry.action_due_on == date(2027, 3, 31)
    assert urlsplit(created.location).path == f"/manage/you-said-we-did/{entry_id}"
    assert client.get(f"/you-said-we-did/{entry_id}").status_code == 404
    listed = text_of(client.get("/manage/you-said-we-did"))
    assert "A named contact for every family" in listed and "Draft" in listed

    evidence_page = client.get(f"/manage/you-said-we-did/{entry_id}/evidence")
    assert "Keeping in touch" in text_of(evidence_page)
    assert "Draft consultation" not in text_of(evidence_page)
    unknown = client.post(
        f"/manage/you-said-we-did/{entry_id}/evidence",
        data={"consultations": [str(consultation)], "cases": "CAN-2026-77777"},
    )
    assert "There is no case with the reference CAN-2026-77777" in error_summary(unknown)
    saved = client.post(
        f"/manage/you-said-we-did/{entry_id}/evidence",
        data={"consultations": [str(consultation)], "cases": f" {reference.lower()}\n{reference}\n"},
    )
    assert saved.status_code == 302
    with app.app_context():
        entry = db.session.get(YouSaidEntry, entry_id)
        assert [c.title for c in entry.consultations] == ["Keeping in touch"]
        assert [c.reference for c in entry.cases] == [reference]
    assert reference in text_of(client.get(f"/manage/you-said-we-did/{entry_id}/evidence"))

    assert client.post(f"/manage/you-said-we-did/{entry_id}/publish").status_code == 302
    public = text_of(client.get(f"/you-said-we-did/{entry_id}"))
    assert "A named contact for every family" in public
    assert "1 piece of feedback is linked to this entry as evidence" in public

    # Once published, the edit form has no status: that goes through the status page.
    edit = client.get(f"/manage/you-said-we-did/{entry_id}")
    assert 'name="action_status"' not in edit.get_data(as_text=True)
    changed = client.post(
        f"/manage/you-said-we-did/{entry_id}", data=fields | {"title": "A named caseworker for every family"}
    )
    assert changed.status_code == 302
    assert "A named caseworker for every family" in text_of(client.get(f"/you-said-we-did/{entry_id}"))

    status_page = client.get(f"/manage/you-said-we-did/{entry_id}/status")
    assert status_page.status_code == 200
    no_choice = client.post(f"/manage/you-said-we-did/{entry_id}/status", data={"status": ""})
    assert page(no_choice).title.startswith("Error: ")
    assert "Select the status of the action" in error_summary(no_choice)
    done = client.post(f"/manage/you-said-we-did/{entry_id}/status", data={"status": DONE, "note": "All in post."})
    assert done.status_code == 302
    public = text_of(client.get(f"/you-said-we-did/{entry_id}"))
    assert "the action is now done. All in post." in public
    assert "Done" in public

    with app.app_context():
        actions = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.object_type == "you_said_entry").order_by(AuditEvent.id)
        ).all()
    assert actions == [
        "you_said.created",
        "you_said.evidence_changed",
        "you_said.published",
        "you_said.changed",
        "you_said.status_changed",
    ]


def test_a_retired_theme_or_an_unknown_term_is_refused(app, client, manager):
    make_theme(app, "Communication")
    with app.app_context():
        retired = LearningTheme(name="Retired", active=False)
        db.session.add(retired)
        db.session.commit()
        retired_id = retired.id
    response = client.post(
        "/manage/you-said-we-did/new",
        data={
            "term": "winter-2026",
            "theme": str(retired_id),
            "title": "T",
            "you_said": "Y",
            "we_did": "W",
            "action_owner": "O",
            "action_status": PLANNED,
        },
    )
    summary = error_summary(response)
    assert "Select the term" in summary and "Select the learning theme" in summary
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(YouSaidEntry.id))) == 0


def test_unknown_entries_are_not_found_for_managers(client, manager):
    for path in (
        "/manage/you-said-we-did/999999",
        "/manage/you-said-we-did/999999/status",
        "/manage/you-said-we-did/999999/evidence",
    ):
        assert client.get(path).status_code == 404
    assert client.post("/manage/you-said-we-did/999999/publish").status_code == 404


# --- who may manage entries ------------------------------------------------------------------

ROUTES = [
    ("GET", "/manage/you-said-we-did", 200),
    ("GET", "/manage/you-said-we-did/new", 200),
    ("POST", "/manage/you-said-we-did/new", 302),
    ("GET", "/manage/you-said-we-did/{id}", 200),
    ("POST", "/manage/you-said-we-did/{id}", 302),
    ("POST", "/manage/you-said-we-did/{id}/publish", 302),
    ("GET", "/manage/you-said-we-did/{id}/status", 200),
    ("POST", "/manage/you-said-we-did/{id}/status", 302),
    ("GET", "/manage/you-said-we-did/{id}/evidence", 200),
    ("POST", "/manage/you-said-we-did/{id}/evidence", 302),
]


@pytest.mark.parametrize("visitor", ["anonymous", *roles.ALL])
@pytest.mark.parametrize("method, rule, status", ROUTES, ids=[f"{m} {r}" for m, r, _ in ROUTES])
def test_only_managers_manage_entries(app, client, users, auth, visitor, method, rule, status):
    theme = make_theme(app, "Communication")
    entry_id = make_entry(app, theme, published=False)
    path = rule.format(id=entry_id)
    data = {
        "term": "autumn-2026",
        "theme": str(theme),
        "title": "Changed",
        "you_said": "Y",
        "we_did": "W",
        "action_owner": "O",
        "action_status": IN_PROGRESS,
        "status": DONE,
        "cases": "",
    }
    if visitor != "anonymous":
        auth.sign_in(users.make(visitor))
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))

    response = client.open(path, method=method, data=data)

    if visitor == "anonymous":
        assert response.status_code == 302
        location = urlsplit(response.location)
        assert location.path == "/sign-in" and parse_qs(location.query)["next"] == [path]
    elif visitor == roles.MANAGER:
        assert response.status_code == status
    else:
        assert response.status_code == 403
    with app.app_context():
        after = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    changed = after != before
    assert changed == (visitor == roles.MANAGER and method == "POST" and not rule.endswith("/evidence")), path


# --- pages issue a fixed number of queries ----------------------------------------------------


def _more_entries(app, themes: list[int], how_many: int, consultation: int, case_id: int) -> None:
    terms = ["summer-2026", "autumn-2026", "spring-2027"]
    for n in range(how_many):
        entry_id = make_entry(
            app,
            themes[n % len(themes)],
            term=terms[n % len(terms)],
            published=n % 4 != 3,
            consultations=[consultation] if n % 2 else [],
            cases=[case_id] if n % 3 == 0 else [],
        )
        if n % 5 == 0:
            with app.app_context():
                entry = db.session.get(YouSaidEntry, entry_id)
                services.change_status(None, entry, IN_PROGRESS, "Started.")
                db.session.commit()


def test_pages_issue_the_same_number_of_queries_however_many_entries(app, client, manager, counted):
    themes = [counted["talk"], counted["travel"]]
    case_id, _ = make_case(app, outcomes=[[themes[0]]])
    public = ["/you-said-we-did", "/you-said-we-did/feed.atom", "/you-said-we-did.csv", "/you-said-we-did.json"]
    managers = ["/manage/you-said-we-did"]

    _more_entries(app, themes, 3, counted["consultation"], case_id)
    few = {path: count_queries(app, client, path) for path in public + managers}
    _more_entries(app, themes, 15, counted["consultation"], case_id)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(YouSaidEntry.id))) == 18
    many = {path: count_queries(app, client, path) for path in public + managers}

    assert many == few
    assert max(few.values()) <= 10, few
