"""The termly update at /updates/<term>: figures assembled from the data for the term, what
managers write, publishing, the printable page and its PDF, and the managers' pages.

The figures are checked against a small fixed set of feedback whose counts were worked out by
hand (see AUTUMN_2025 below), including feedback received either side of London midnight at
both ends of the term, acknowledgements and responses on and just after their deadline days,
and complaints still open at the term's end. Every case and consultation answer carries
distinctive personal details and free text, and none of it may reach the page or the PDF.
"""

import io
import re
from datetime import date, datetime, timedelta, timezone
from itertools import count
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from portal.accounts import roles
from portal.consultations.models import APPROVED, FREE_TEXT, Answer, Consultation, Question, Response
from portal.core.audit import describe
from portal.core.models import AuditEvent
from portal.core.terms import parse_term, term_of
from portal.core.time import london_today, utcnow
from portal.extensions import db
from portal.feedback.models import Case
from portal.reports import termly
from portal.reports.models import PublishedDocument, TermlyUpdate
from portal.themes.models import LearningTheme
from portal.yousaid.models import YouSaidEntry
from tests.casework_helpers import category_id
from tests.factories import get_user, make_user
from tests.query_counts import count_queries
from tests.test_reports_complaints import PERSONAL as CASE_PERSONAL
from tests.test_reports_complaints import Stage, _many, complaint, london, tables
from tests.test_security import check_page_headers, error_summary, page, sign_in_with_token

TRANSPORT = "Home-to-school transport"
REVIEWS = "Annual reviews"
ASSESSMENT = "EHC needs assessment"
TIMELINESS = "Timeliness of EHC assessments and plans"

AUTUMN = parse_term("autumn-2025")
PATH = "/updates/autumn-2025"

# What families wrote in consultation answers, and who they are: none of it may be published.
PERSONAL = [*CASE_PERSONAL, "Quokkaberry", "Huckleberry Moonbeam", "huckleberry.moonbeam", "St Wigbert"]

_numbers = count(1)


# --- the fixed data set ----------------------------------------------------------------------


def feedback(kind: str, received: datetime, category: str | None = None) -> None:
    """A compliment, suggestion or question, with personal details that must stay private."""
    number = next(_numbers)
    db.session.add(
        Case(
            reference=f"CAN-2025-{number + 90000}",
            submission_key=f"termly-{number}",
            kind=kind,
            status="received",
            category_id=category_id(category, "SENAR North") if category else None,
            received_at=received,
            what_happened="Zebedee Quillfeather says the purple umbrella helped Marigold at Larkspur Heights.",
            contact_name="Zebedee Quillfeather",
            contact_email="zebedee.quillfeather@example.org",
        )
    )
    db.session.commit()


def autumn_2025(staff=None) -> dict:
    """Feedback around the autumn term 2025 (1 September to 31 December, UK time), named as in
    AUTUMN_2025's comments. Summer time ends on 26 October 2025, so midnight in London on 1
    September is 23:00 UTC on 31 August, and on 1 January it is midnight UTC. Bank holidays:
    25 August, 25 and 26 December 2025, 1 January 2026."""
    made = {}
    # T1, transport: received at 23:30 on Sunday 31 August (UK), in the summer term. Acknowledged
    # (2 September) and answered (12 September) on time in the autumn term; upheld.
    made["T1"] = complaint(
        london(2025, 8, 31, 23, 30),
        TRANSPORT,
        Stage(london(2025, 9, 2), None, london(2025, 9, 12), "upheld", (TIMELINESS,)),
        closed=london(2025, 9, 12),
        staff=staff,
    )
    # T2, transport: received at 00:30 on 1 September (UK; still 31 August in UTC), so in the
    # autumn term. Acknowledged at 23:30 on its deadline day (on time); answered at 00:30 the
    # day after its deadline (late); partly upheld.
    made["T2"] = complaint(
        london(2025, 9, 1, 0, 30),
        TRANSPORT,
        Stage(london(2025, 9, 8, 23, 30), None, london(2025, 9, 23, 0, 30), "partly_upheld", (TIMELINESS,)),
        staff=staff,
    )
    # T3, reviews: acknowledged a day late; extended by 5 working days and answered by the
    # extended deadline; not upheld.
    made["T3"] = complaint(
        london(2025, 9, 10),
        REVIEWS,
        Stage(london(2025, 9, 18), (london(2025, 9, 30), 5), london(2025, 10, 8), "not_upheld"),
        staff=staff,
    )
    # T4, assessment: stage 1 on time, not upheld; stage 2 asked for on 20 October,
    # acknowledged and answered on time, upheld.
    made["T4"] = complaint(
        london(2025, 10, 1),
        ASSESSMENT,
        Stage(london(2025, 10, 2), None, london(2025, 10, 10), "not_upheld"),
        escalated=london(2025, 10, 20),
        stage2=Stage(london(2025, 10, 22), None, london(2025, 11, 10), "upheld"),
        closed=london(2025, 11, 12),
        staff=staff,
    )
    # T5, assessment: acknowledged on time; the response due 16 December was never sent.
    made["T5"] = complaint(london(2025, 12, 1), ASSESSMENT, Stage(london(2025, 12, 2)), staff=staff)
    # T6, transport: received at 23:30 on 31 December (UK), the term's last half hour; its
    # acknowledgement is due on 8 January, so it is not late at the term's end.
    made["T6"] = complaint(london(2025, 12, 31, 23, 30), TRANSPORT, staff=staff)
    # T7, reviews: received at 00:30 on 1 January 2026, in the spring term.
    made["T7"] = complaint(london(2026, 1, 1, 0, 30), REVIEWS, staff=staff)
    # T8, reviews: received 15 December, due to be acknowledged by 22 December; never was.
    made["T8"] = complaint(london(2025, 12, 15), REVIEWS, staff=staff)
    # T9, transport: acknowledged on time; the response due 5 December was sent on 2 January
    # 2026 (late, in the spring term): waiting past its deadline at the autumn term's end.
    made["T9"] = complaint(
        london(2025, 11, 20), TRANSPORT, Stage(london(2025, 11, 21), None, london(2026, 1, 2), "upheld"), staff=staff
    )
    # T10, transport: acknowledged, then found to be a request for a service: still feedback
    # received, but out of the timescales.
    made["T10"] = complaint(
        london(2025, 9, 5), TRANSPORT, Stage(london(2025, 9, 8)), not_complaint="service_request", staff=staff
    )
    feedback("compliment", london(2025, 8, 31, 23, 30))  # F1: summer term, no category
    feedback("suggestion", london(2025, 9, 1, 0, 10), ASSESSMENT)  # F2
    feedback("compliment", london(2025, 10, 15), TRANSPORT)  # F3
    feedback("question", london(2025, 12, 31, 23, 59), REVIEWS)  # F4: the term's last minute
    feedback("question", london(2026, 1, 1, 0, 1), REVIEWS)  # F5: spring term
    return made


# Worked out by hand from autumn_2025() for 1 September to 31 December 2025.
AUTUMN_2025 = {
    # complaints received: T2 T3 T4 T5 T6 T8 T9 T10 (not T1, T7); F2 F3 F4 (not F1, F5)
    "total": 11,
    "kinds": {"Complaints": (8, 73), "Compliments": (1, 9), "Suggestions": (1, 9), "Questions": (1, 9)},
    # (complaints, compliments, suggestions, questions)
    "categories": {
        REVIEWS: [2, 0, 0, 1],  # T3 T8, F4
        ASSESSMENT: [2, 0, 1, 0],  # T4 T5, F2
        TRANSPORT: [4, 1, 0, 0],  # T2 T6 T9 T10, F3
    },
    # acknowledged in the term: T1 T2 T3(late) T4 T5 T9; T10 is out of the procedure
    "stage1_acknowledged": (6, 5, 83),
    # answered in the term: T1 T2(late) T3 T4 (T9's answer is in the spring term)
    "stage1_responded": (4, 3, 75),
    "stage1_waiting": (1, 2),  # for an acknowledgement: T8; for a response: T5 T9
    "stage2_acknowledged": (1, 1, 100),  # T4
    "stage2_responded": (1, 1, 100),  # T4
    "stage1_outcomes": {"Upheld": (1, 25), "Partly upheld": (1, 25), "Not upheld": (2, 50)},
    "stage2_outcomes": {"Upheld": (1, 100), "Partly upheld": (0, 0), "Not upheld": (0, 0)},
}


def _theme(name: str) -> LearningTheme:
    theme = db.session.scalar(sa.select(LearningTheme).where(LearningTheme.name == name))
    if theme is None:
        theme = LearningTheme(name=name)
        db.session.add(theme)
        db.session.flush()
    return theme


def entry(term: str, title: str, *, published: bool = True, theme: str = TIMELINESS) -> int:
    row = YouSaidEntry(
        term=term,
        theme_id=_theme(theme).id,
        title=title,
        you_said=f"Families said {title.lower()} took too long.",
        we_did=f"We changed how {title.lower()} works.",
        action_owner="Head of SENAR",
        published_at=utcnow() if published else None,
    )
    db.session.add(row)
    db.session.commit()
    return row.id


def consultation(
    slug: str, opens_on: date, closes_on: date, *, published: bool = True, outcome: bool = False
) -> Consultation:
    row = Consultation(
        slug=slug,
        title=f"Consultation {slug.replace('-', ' ')}",
        summary="What we want to know.",
        background="Why we are asking.",
        audience="everyone",
        opens_on=opens_on,
        closes_on=closes_on,
        published_at=utcnow() if published else None,
        outcome_published_at=utcnow() if outcome else None,
    )
    db.session.add(row)
    db.session.commit()
    return row


def answer(of: Consultation, author, text: str, submitted: datetime, theme: str = TIMELINESS) -> None:
    question = Question(consultation_id=of.id, kind=FREE_TEXT, prompt="What would help?")
    db.session.add(question)
    db.session.flush()
    response = Response(consultation_id=of.id, author_id=author.id, submitted_at=submitted, moderation=APPROVED)
    response.answers.append(Answer(question_id=question.id, text=text, themes=[_theme(theme)]))
    db.session.add(response)
    db.session.commit()


@pytest.fixture
def caseworker(app):
    with app.app_context():
        return make_user("caseworker", name="Ottoline Periwinkle", team="SENAR North")


@pytest.fixture
def manager(users):
    return users.make(roles.MANAGER)


@pytest.fixture
def data(app, caseworker):
    """The autumn 2025 feedback, You Said, We Did entries in and around the term, and
    consultations in every state, one with an answer full of personal details."""
    today = london_today()
    with app.app_context():
        made = autumn_2025(get_user(caseworker))
        made["entries"] = {
            "autumn": entry("autumn-2025", "Assessment letters"),
            "autumn_draft": entry("autumn-2025", "Draft about transport", published=False),
            "spring": entry("spring-2026", "Spring review meetings"),
        }
        parent = make_user("parent", name="Huckleberry Moonbeam", email="huckleberry.moonbeam@example.org")
        made["consultations"] = {
            "open": consultation("open-now", today - timedelta(days=3), today + timedelta(days=10)).slug,
            "closing_today": consultation("closing-today", today - timedelta(days=30), today).slug,
            "upcoming": consultation("coming-up", today + timedelta(days=20), today + timedelta(days=40)).slug,
            "draft": consultation(
                "a-draft", today - timedelta(days=1), today + timedelta(days=10), published=False
            ).slug,
            "closed": consultation("closed-one", today - timedelta(days=40), today - timedelta(days=1)).slug,
            "outcome": consultation(
                "with-outcome", today - timedelta(days=3), today + timedelta(days=3), outcome=True
            ).slug,
        }
        answered = db.session.scalar(sa.select(Consultation).where(Consultation.slug == "closed-one"))
        answer(
            answered,
            get_user(parent),
            "Quokkaberry at St Wigbert school: Huckleberry Moonbeam's son waited.",
            london(2025, 10, 20),
        )
    return made


def publish(client, auth, manager, slug: str = "autumn-2025", **values):
    auth.sign_in(manager)
    response = client.post(
        f"/manage/updates/{slug}",
        data={
            "introduction": "A term of steady progress.\n\nWe answered more complaints on time.",
            "priorities": "Faster assessments.\r\n\r\nA named contact for every family.",
            "publish": "Publish",
            **values,
        },
    )
    auth.sign_out()
    return response


def pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(response.get_data()))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


# --- the term --------------------------------------------------------------------------------


def test_the_data_set_has_the_deadlines_the_counts_rely_on(data):
    """Guards the hand counts: the deadlines the boundary cases were chosen around."""
    assert data["T1"][1] == {"acknowledge": date(2025, 9, 8), "respond": date(2025, 9, 16)}
    assert data["T2"][1] == {"acknowledge": date(2025, 9, 8), "respond": date(2025, 9, 22)}
    assert data["T3"][1] == {"acknowledge": date(2025, 9, 17), "respond": date(2025, 10, 9)}  # extended from 2 October
    assert data["T4"][2] == {"acknowledge": date(2025, 10, 27), "respond": date(2025, 11, 19)}
    assert data["T5"][1]["respond"] == date(2025, 12, 16)
    assert data["T6"][1]["acknowledge"] == date(2026, 1, 8)  # after the term: not late
    assert data["T8"][1]["acknowledge"] == date(2025, 12, 22)
    assert data["T9"][1]["respond"] == date(2025, 12, 5)
    assert AUTUMN.starts_at == datetime(2025, 8, 31, 23, tzinfo=timezone.utc)
    assert AUTUMN.ends_at == datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_figures_for_the_term_match_the_hand_counted_data(app, data):
    with app.app_context():
        figures = termly.assemble(AUTUMN)
    expected = AUTUMN_2025
    assert figures.started and figures.complete
    assert figures.as_of_day == date(2025, 12, 31)
    assert figures.feedback.total == expected["total"]
    assert {f.label: (f.value, f.share) for f in figures.feedback.kinds} == expected["kinds"]
    assert {c.name: c.in_order for c in figures.feedback.categories} == expected["categories"]
    assert [c.name for c in figures.feedback.categories] == [REVIEWS, ASSESSMENT, TRANSPORT]

    stage1, stage2 = figures.timescales
    assert (stage1.acknowledged, stage1.acknowledged_on_time, stage1.acknowledged_on_time_percent) == expected[
        "stage1_acknowledged"
    ]
    assert (stage1.responded, stage1.responded_on_time, stage1.responded_on_time_percent) == expected[
        "stage1_responded"
    ]
    assert (stage1.waiting_acknowledgement_overdue, stage1.waiting_response_overdue) == expected["stage1_waiting"]
    assert (stage1.responded_after_extension, stage1.responded_after_extension_on_time) == (1, 1)
    assert (stage2.acknowledged, stage2.acknowledged_on_time, stage2.acknowledged_on_time_percent) == expected[
        "stage2_acknowledged"
    ]
    assert (stage2.responded, stage2.responded_on_time, stage2.responded_on_time_percent) == expected[
        "stage2_responded"
    ]
    assert stage2.waiting_overdue == 0
    assert {f.label: (f.value, f.share) for f in figures.outcomes(1)} == expected["stage1_outcomes"]
    assert {f.label: (f.value, f.share) for f in figures.outcomes(2)} == expected["stage2_outcomes"]


def test_the_terms_either_side_count_only_what_fell_in_them(app, data):
    with app.app_context():
        summer = termly.assemble(parse_term("summer-2025"))
        spring = termly.assemble(parse_term("spring-2026"), now=london(2026, 2, 2, 9))
    # Summer: T1 and F1, both at 23:30 on 31 August (UK time).
    assert summer.feedback.total == 2
    assert {f.label: f.value for f in summer.feedback.kinds} == {
        "Complaints": 1,
        "Compliments": 1,
        "Suggestions": 0,
        "Questions": 0,
    }
    assert {c.name: c.total for c in summer.feedback.categories} == {TRANSPORT: 1, "No category given": 1}
    assert summer.timescales[0].acknowledged == 0  # T1 was acknowledged in the autumn
    # Spring, still going on: T7 and F5 received; T9 answered late; T6 and T7 not yet late.
    assert not spring.complete and spring.as_of_day == date(2026, 2, 2)
    assert {f.label: f.value for f in spring.feedback.kinds} == {
        "Complaints": 1,
        "Compliments": 0,
        "Suggestions": 0,
        "Questions": 1,
    }
    stage1 = spring.timescales[0]
    assert (stage1.responded, stage1.responded_on_time, stage1.responded_on_time_percent) == (1, 0, 0)
    assert {f.label: f.value for f in spring.outcomes(1)} == {"Upheld": 1, "Partly upheld": 0, "Not upheld": 0}
    # On 2 February: T6 (due 8 January) and T7 (due 9 January) and T8 are waiting past their
    # acknowledgement deadlines; T5 past its response deadline.
    assert (stage1.waiting_acknowledgement_overdue, stage1.waiting_response_overdue) == (3, 1)


def test_a_term_that_has_not_started_has_no_figures_yet(app, data):
    coming = term_of(london_today()).next()
    with app.app_context():
        figures = termly.assemble(coming)
    assert not figures.started
    assert figures.feedback.total == 0
    assert figures.timescales[0].acknowledged == 0
    # Consultations are about today, whatever the term.
    assert [c.slug for c in figures.open_consultations] == ["closing-today", "open-now"]


# --- publishing ------------------------------------------------------------------------------


def test_an_update_is_not_public_until_a_manager_publishes_it(app, client, auth, manager, data):
    assert client.get(PATH).status_code == 404
    assert client.get(PATH + ".pdf").status_code == 404
    assert "autumn-2025" not in client.get("/updates").get_data(as_text=True)

    # A draft is still not public.
    auth.sign_in(manager)
    saved = client.post(
        "/manage/updates/autumn-2025", data={"introduction": "Draft words", "priorities": "", "save": "Save draft"}
    )
    assert saved.status_code == 302
    assert "Draft saved." in client.get(saved.location).get_data(as_text=True)
    auth.sign_out()
    assert client.get(PATH).status_code == 404
    assert client.get(PATH + ".pdf").status_code == 404

    assert publish(client, auth, manager).status_code == 302
    response = client.get(PATH)
    assert response.status_code == 200
    shown = page(response)
    assert shown.title.startswith("Termly update: Autumn term 2025")
    assert f"Published on {london_today():%-d %B %Y}" in shown.text
    assert "Updated on" not in shown.text
    assert "A term of steady progress." in shown.text
    assert "Our priorities for next term (Spring term 2026)" in shown.text
    assert "A named contact for every family." in shown.text
    assert 'href="/updates/autumn-2025.pdf"' in response.get_data(as_text=True)
    check_page_headers(response)

    download = client.get(PATH + ".pdf")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"] == "attachment; filename=termly-update-autumn-2025.pdf"
    assert download.get_data().startswith(b"%PDF-")

    index = client.get("/updates")
    assert 'href="/updates/autumn-2025"' in index.get_data(as_text=True)


def test_publishing_needs_an_introduction_and_the_priorities(app, client, auth, manager, data):
    auth.sign_in(manager)
    response = client.post(
        "/manage/updates/autumn-2025", data={"introduction": "  ", "priorities": "", "publish": "Publish"}
    )
    assert response.status_code == 200
    assert page(response).title.startswith("Error: ")
    assert "Enter an introduction" in error_summary(response)
    response = client.post(
        "/manage/updates/autumn-2025", data={"introduction": "Hello", "priorities": "", "publish": "Publish"}
    )
    assert "Enter the priorities for next term" in error_summary(response)
    # What was typed is still there, and nothing was saved or published.
    assert "Hello</textarea>" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(TermlyUpdate.id))) == 0
    assert client.get(PATH).status_code == 404


def test_a_term_cannot_be_published_before_it_starts(app, client, auth, manager):
    coming = term_of(london_today()).next()
    auth.sign_in(manager)
    form = client.get(f"/manage/updates/{coming.slug}").get_data(as_text=True)
    assert ">Publish<" not in form and "Save draft" in form
    response = publish(client, auth, manager, coming.slug)
    assert response.status_code == 200
    assert "once the term has started" in error_summary(response)
    assert client.get(f"/updates/{coming.slug}").status_code == 404


def correct(client, slug: str = "autumn-2025", **values):
    """Send a correction, signed in as a manager."""
    return client.post(
        f"/manage/updates/{slug}",
        data={
            "introduction": "A corrected introduction.",
            "priorities": "Faster assessments.",
            "note": "Corrected the introduction.",
            "save": "Save corrections",
            **values,
        },
    )


def test_a_published_update_can_be_corrected_and_says_when(app, client, auth, manager, data, frozen):
    published_on, corrected_on = london_today() - timedelta(days=1), london_today()
    frozen(published_on)
    publish(client, auth, manager)
    first_pdf = client.get(PATH + ".pdf").get_data()
    frozen(corrected_on)
    auth.sign_in(manager)
    form = client.get("/manage/updates/autumn-2025").get_data(as_text=True)
    assert "Save corrections" in form and ">Publish<" not in form
    assert "What this correction changes" in form
    # A correction must keep both texts, and say what it changes.
    refused = correct(client, introduction="")
    assert "Enter an introduction" in error_summary(refused)
    refused = correct(client, note="  ")
    assert "Enter what this correction changes" in error_summary(refused)
    # Publishing again is not a correction: it needs a note too, and changes nothing.
    again = correct(client, note="", save=None, publish="Publish")
    assert "Enter what this correction changes" in error_summary(again)
    assert "A corrected introduction." not in page(client.get(PATH)).text

    corrected = correct(client)
    assert corrected.status_code == 302
    assert "Correction published as a new version." in client.get(corrected.location).get_data(as_text=True)
    auth.sign_out()

    shown = page(client.get(PATH))
    assert "A corrected introduction." in shown.text
    assert f"Published on {published_on:%-d %B %Y}. Updated on {corrected_on:%-d %B %Y}." in shown.text
    history = shown.text.split("History", 1)[1]
    assert f"Version 2 (this page) – {corrected_on:%-d %B %Y}: Corrected the introduction." in history
    assert f"Version 1 – {published_on:%-d %B %Y}: First published." in history
    html = client.get(PATH).get_data(as_text=True)
    assert 'href="/updates/autumn-2025/versions/1"' in html
    assert "A corrected introduction." in pdf_text(client.get(PATH + ".pdf"))
    assert "Version 2, updated on" in pdf_text(client.get(PATH + ".pdf"))

    # Version 1 stays readable at its own address, as it was.
    earlier = client.get(PATH + "/versions/1")
    assert earlier.status_code == 200
    earlier_text = page(earlier).text
    assert "A term of steady progress." in earlier_text and "A corrected introduction." not in earlier_text
    assert "This is version 1" in earlier_text and "It has since been corrected." in earlier_text
    assert client.get(PATH + "/versions/1.pdf").get_data() == first_pdf
    assert "A term of steady progress." in pdf_text(client.get(PATH + "/versions/1.pdf"))
    assert client.get(PATH + "/versions/2").status_code == 200
    assert client.get(PATH + "/versions/3").status_code == 404
    assert client.get(PATH + "/versions/3.pdf").status_code == 404
    assert client.get(PATH + "/versions/99999999999999999999.pdf").status_code == 404
    assert client.get(PATH + "/versions/0").status_code == 404
    assert f"updated on {corrected_on:%-d %B %Y}" in client.get("/updates").get_data(as_text=True)
    with app.app_context():
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.object_type == "termly_update").order_by(AuditEvent.id)
        ).all()
        assert [event.action for event in events] == [
            "termly_update.saved",
            "termly_update.published",
            "termly_update.corrected",
        ]
        assert events[-1].details == {"term": "autumn-2025", "fields": ["introduction", "priorities"], "version": 2}
        assert describe(events[1]) == "Termly update published"


def more_autumn_feedback(caseworker) -> None:
    """Complaints and other feedback that change the autumn 2025 figures."""
    _many(12, get_user(caseworker))
    for n in range(6):
        feedback("compliment", london(2025, 9, 15) + timedelta(days=7 * n), TRANSPORT)


def test_published_figures_and_pdf_do_not_change_when_the_cases_do(app, client, auth, manager, caseworker, data):
    publish(client, auth, manager)
    before_tables = tables(client.get(PATH))
    before_pdf = client.get(PATH + ".pdf").get_data()
    with app.app_context():
        more_autumn_feedback(caseworker)
        live = termly.assemble(AUTUMN)
        assert live.feedback.total != AUTUMN_2025["total"]  # the data really changed
    assert tables(client.get(PATH)) == before_tables
    assert before_tables["Feedback received, by type"]["Complaints"] == ["8 (73%)"]
    assert client.get(PATH + ".pdf").get_data() == before_pdf
    assert client.get(PATH + "/versions/1.pdf").get_data() == before_pdf
    # The manager sees the figures as they stand now, which a correction would publish.
    auth.sign_in(manager)
    counted_now = tables(client.get("/manage/updates/autumn-2025"))["Feedback received, by type"]
    assert counted_now["Compliments"] != before_tables["Feedback received, by type"]["Compliments"]
    correct(client)
    auth.sign_out()
    assert tables(client.get(PATH))["Feedback received, by type"] == counted_now
    assert tables(client.get(PATH + "/versions/1")) == before_tables


def struct_types(node, found=None) -> set[str]:
    """Every structure type (/H1, /Table, /TH...) in a tagged PDF's structure tree."""
    found = set() if found is None else found
    node = node.get_object()
    if isinstance(node, list):
        for child in node:
            struct_types(child, found)
        return found
    if not hasattr(node, "get"):
        return found
    if "/S" in node:
        found.add(str(node["/S"]))
    if "/K" in node:
        struct_types(node["/K"], found)
    return found


def test_the_published_pdf_is_tagged_with_its_language_title_headings_and_tables(client, auth, manager, data):
    publish(client, auth, manager)
    download = client.get(PATH + ".pdf")
    reader = PdfReader(io.BytesIO(download.get_data()))
    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert catalog["/Lang"] == "en-GB"
    assert reader.metadata.title == "Termly update: Autumn term 2025 – City Council"
    kinds = struct_types(catalog["/StructTreeRoot"])
    assert {"/H1", "/H2", "/H3", "/Table", "/TR", "/TH", "/TD", "/L", "/LI"} <= kinds, kinds
    # The same figures as the page, table by table.
    text = pdf_text(download)
    for label, (value, share) in AUTUMN_2025["kinds"].items():
        assert f"{label} {value} ({share}%)" in text


def test_serving_a_published_update_draws_and_counts_nothing(app, client, auth, manager, data, monkeypatch):
    publish(client, auth, manager)

    def refuse(*args, **kwargs):
        raise AssertionError("a published update was drawn again")

    monkeypatch.setattr(termly, "assemble", refuse)
    monkeypatch.setattr("portal.reports.printing.html_to_pdf", refuse)
    for path in (PATH, PATH + ".pdf", PATH + "/versions/1", PATH + "/versions/1.pdf", "/updates"):
        assert client.get(path).status_code == 200, path
    assert count_queries(app, client, PATH + ".pdf") == 1
    assert count_queries(app, client, PATH + "/versions/1.pdf") == 1
    assert count_queries(app, client, PATH) == 1


def test_a_version_never_changes_so_its_pdf_is_cached_for_long(client, auth, manager, data):
    publish(client, auth, manager)
    version = client.get(PATH + "/versions/1.pdf")
    assert version.headers["Content-Disposition"] == "attachment; filename=termly-update-autumn-2025-version-1.pdf"
    assert "immutable" in version.headers["Cache-Control"] and "max-age=31536000" in version.headers["Cache-Control"]
    # The newest version can be corrected, so its own address is kept only briefly.
    assert "immutable" not in client.get(PATH + ".pdf").headers["Cache-Control"]


def test_an_update_published_before_versions_were_kept_is_frozen_on_first_reading(app, client, manager, data):
    with app.app_context():
        publisher = get_user(manager).id
        db.session.add(
            TermlyUpdate(
                term=AUTUMN.slug,
                introduction="Published long ago.",
                priorities="Keep going.",
                published_at=london(2026, 1, 5),
                published_by_id=publisher,
            )
        )
        db.session.commit()
    assert client.get("/updates/summer-2025").status_code == 404
    response = client.get(PATH)
    assert response.status_code == 200
    assert "Published on 5 January 2026." in page(response).text
    assert "Version 1 (this page) – 5 January 2026: First published." in page(response).text
    assert "Published long ago." in pdf_text(client.get(PATH + ".pdf"))
    with app.app_context():
        rows = db.session.scalars(sa.select(PublishedDocument)).all()
        assert [(row.period, row.version, row.published_by_id) for row in rows] == [(AUTUMN.slug, 1, publisher)]


def test_two_managers_saving_the_same_new_term_share_one_update(app, manager):
    with app.app_context():
        person = get_user(manager)
        first, _ = termly.save(person, AUTUMN, introduction="One", priorities=None)
        second, changed = termly.save(person, AUTUMN, introduction="Two", priorities=None)
        db.session.commit()
        assert first.id == second.id and changed
        assert db.session.scalar(sa.select(sa.func.count(TermlyUpdate.id))) == 1


def test_the_public_list_shows_published_updates_newest_term_first(app, client, auth, manager, data):
    for slug in ("spring-2025", "autumn-2025", "summer-2025"):
        publish(client, auth, manager, slug)
    auth.sign_in(manager)
    client.post("/manage/updates/spring-2026", data={"introduction": "Not yet", "priorities": "", "save": "Save draft"})
    auth.sign_out()
    html = client.get("/updates").get_data(as_text=True)
    assert re.findall(r'href="/updates/([a-z]+-\d{4})"', html) == ["autumn-2025", "summer-2025", "spring-2025"]


# --- the page and the PDF --------------------------------------------------------------------


def test_the_page_shows_the_hand_counted_figures_in_tables(client, auth, manager, data):
    publish(client, auth, manager)
    response = client.get(PATH)
    shown = page(response)
    assert "These figures cover the whole term, from 1 September 2025 to 31 December 2025" in shown.text
    found = tables(response)
    assert found["Feedback received, by type"] == {
        "Complaints": ["8 (73%)"],
        "Compliments": ["1 (9%)"],
        "Suggestions": ["1 (9%)"],
        "Questions": ["1 (9%)"],
    }
    assert found["Feedback received, by category"] == {REVIEWS: ["3"], ASSESSMENT: ["3"], TRANSPORT: ["5"]}
    assert found["Feedback received, by category and type"] == {
        REVIEWS: ["2", "0", "0", "1", "3"],
        ASSESSMENT: ["2", "0", "1", "0", "3"],
        TRANSPORT: ["4", "1", "0", "0", "5"],
        "Total": ["8", "1", "1", "1", "11"],
    }
    stage1 = found["Stage 1 timescales"]
    assert stage1["Acknowledgements sent"] == ["6"]
    assert stage1["Acknowledged within 5 working days"] == ["5 of 6 (83%)"]
    assert stage1["Responded to by the deadline that applied"] == ["3 of 4 (75%)"]
    assert stage1["Responses sent after an extension"] == ["1"]
    assert stage1["Waiting past the deadline for an acknowledgement on 31 December 2025"] == ["1"]
    assert stage1["Waiting past the deadline for a response on 31 December 2025"] == ["2"]
    stage2 = found["Stage 2 timescales"]
    assert stage2["Acknowledged within 5 working days"] == ["1 of 1 (100%)"]
    assert stage2["Responded to by the deadline that applied"] == ["1 of 1 (100%)"]
    assert found["Share sent on time"] == {
        "Stage 1 acknowledged within 5 working days": ["83%"],
        "Stage 1 responded to by the deadline": ["75%"],
        "Stage 2 acknowledged within 5 working days": ["100%"],
        "Stage 2 responded to by the deadline": ["100%"],
    }
    assert found["Stage 1 outcomes (4 responses)"] == {
        "Upheld": ["1 (25%)"],
        "Partly upheld": ["1 (25%)"],
        "Not upheld": ["2 (50%)"],
    }
    assert found["Stage 2 outcomes (1 response)"]["Upheld"] == ["1 (100%)"]


def test_charts_are_drawn_with_their_table_beside_them(client, auth, manager, data):
    publish(client, auth, manager)
    html = client.get(PATH).get_data(as_text=True)
    figure = re.search(r'<figure[^>]*id="feedback-by-type".*?</figure>', html, re.S).group(0)
    chart, table = figure.split('<div class="twc-scroll-region"', 1)
    assert 'role="img"' in chart and "style" not in chart
    bars = [float(width) for width in re.findall(r'<svg [^>]*width="([\d.]+)%"', chart)]
    assert bars[0] == max(bars) and bars[1] / bars[0] == pytest.approx(1 / 8, abs=0.002)
    assert "<table" in table


def test_the_pdf_holds_the_same_figures(client, auth, manager, data):
    publish(client, auth, manager)
    text = pdf_text(client.get(PATH + ".pdf"))
    assert "Termly update: Autumn term 2025" in text
    assert "A term of steady progress." in text and "A named contact for every family." in text
    assert "These figures cover the whole term, from 1 September 2025 to 31 December 2025." in text
    for expected in (
        "Complaints 8 (73%)",
        "Compliments 1 (9%)",
        "Home-to-school transport 4 1 0 0 5",
        "Total 8 1 1 1 11",
        "Acknowledged within 5 working days 5 of 6 (83%)",
        "Responded to by the deadline that applied 3 of 4 (75%)",
        "Stage 1 outcomes (4 responses)",
        "Not upheld 2 (50%)",
        "Stage 2 outcomes (1 response)",
        "Assessment letters",
        "Consultation open now",
        "Consultation coming up",
        "Our priorities for next term (Spring term 2026)",
    ):
        assert expected in text, expected
    assert "Draft" not in text


def test_the_terms_published_you_said_we_did_entries_are_listed_with_their_evidence(client, auth, manager, data):
    publish(client, auth, manager)
    html = client.get(PATH).get_data(as_text=True)
    shown = page(client.get(PATH))
    entries = data["entries"]
    assert f'href="/you-said-we-did/{entries["autumn"]}"' in html
    assert "Assessment letters" in shown.text
    # T2 was received in the term with an outcome tagged with the theme (T1 in the summer);
    # the answer tagged with it was sent in the term.
    assert "families sent 1 complaint, 0 compliments and 0 suggestions, and gave 1 consultation answer" in shown.text
    assert "Draft about transport" not in shown.text
    assert f'/you-said-we-did/{entries["autumn_draft"]}"' not in html
    assert "Spring review meetings" not in shown.text


def test_consultations_open_now_and_coming_up_are_listed_and_no_others(client, auth, manager, data):
    publish(client, auth, manager)
    html = client.get(PATH).get_data(as_text=True)
    open_now = html.split("Consultations open now", 1)[1].split("Consultations coming up", 1)[0]
    coming = html.split("Consultations coming up", 1)[1].split('id="priorities"', 1)[0]
    assert re.findall(r'href="/consultations/([a-z-]+)"', open_now) == ["closing-today", "open-now"]
    assert "Closes on" in open_now and "(closes today)" in open_now and "(10 days left)" in open_now
    assert re.findall(r'href="/consultations/([a-z-]+)"', coming) == ["coming-up"]
    for hidden in ("a-draft", "closed-one", "with-outcome"):
        assert f"/consultations/{hidden}" not in html


def test_nothing_personal_reaches_the_page_or_the_pdf(client, auth, manager, data):
    publish(client, auth, manager)
    bodies = {
        PATH: client.get(PATH).get_data(as_text=True),
        PATH + ".pdf": pdf_text(client.get(PATH + ".pdf")),
        "/updates": client.get("/updates").get_data(as_text=True),
    }
    assert "Complaints 8 (73%)" in bodies[PATH + ".pdf"]  # the text really was read
    for path, body in bodies.items():
        for secret in PERSONAL:
            assert secret.lower() not in body.lower(), f"{secret!r} in {path}"


def test_the_page_prints_on_a4(app):
    css = app.extensions["asset_manifest"].built_file("portal.css").read_text(encoding="utf-8")
    assert re.search(r"@page\s*\{[^}]*size:\s*A4", css)
    assert "@media print" in css


# --- the managers' pages ---------------------------------------------------------------------


def test_managers_see_recent_terms_with_their_state(app, client, auth, manager, data):
    publish(client, auth, manager)
    auth.sign_in(manager)
    client.post("/manage/updates/summer-2025", data={"introduction": "Drafted", "priorities": "", "save": "Save draft"})
    current = term_of(london_today())
    response = client.get("/manage/updates")
    assert response.status_code == 200
    rows = tables(response)["Updates by term, newest first"]
    expected = [current.next(), current, current.previous(), current.previous().previous()]
    labels = list(rows)
    assert labels[:4] == [term.label for term in expected]
    for term in expected:
        assert rows[term.label][0] == "Not started"
    # Older terms with an update are listed too, newest first.
    assert labels[4:] == ["Autumn term 2025", "Summer term 2025"]
    assert rows["Autumn term 2025"][0] == "Published"
    assert rows["Summer term 2025"][0] == "Draft"
    check_page_headers(response)


def test_managers_see_the_figures_and_can_preview_a_draft(app, client, auth, manager, data):
    auth.sign_in(manager)
    response = client.get("/manage/updates/autumn-2025")
    assert response.status_code == 200
    assert tables(response)["Stage 1 timescales"]["Acknowledged within 5 working days"] == ["5 of 6 (83%)"]
    check_page_headers(response)
    client.post(
        "/manage/updates/autumn-2025", data={"introduction": "Draft words here", "priorities": "", "save": "Save draft"}
    )
    preview = client.get("/manage/updates/autumn-2025/preview")
    assert preview.status_code == 200
    assert "This is a preview of a draft" in page(preview).text
    assert "Draft words here" in page(preview).text
    check_page_headers(preview)
    document = client.get("/manage/updates/autumn-2025/preview.pdf")
    assert document.mimetype == "application/pdf"
    assert "Draft: this update is not published yet." in pdf_text(document)
    # The public still sees nothing.
    auth.sign_out()
    assert client.get(PATH).status_code == 404


MANAGER_ROUTES = [
    ("GET", "/manage/updates", 200),
    ("GET", "/manage/updates/autumn-2025", 200),
    ("POST", "/manage/updates/autumn-2025", 302),
    ("GET", "/manage/updates/autumn-2025/preview", 200),
    ("GET", "/manage/updates/autumn-2025/preview.pdf", 200),
]


@pytest.mark.parametrize("visitor", [None, *roles.ALL])
@pytest.mark.parametrize("method, path, status", MANAGER_ROUTES, ids=[f"{m} {p}" for m, p, _ in MANAGER_ROUTES])
def test_only_managers_may_use_the_managers_pages(app, client, auth, users, visitor, method, path, status):
    if visitor:
        auth.sign_in(users.make(visitor))
    response = client.open(
        path, method=method, data={"introduction": "Words", "priorities": "More", "save": "Save draft"}
    )
    with app.app_context():
        saved = db.session.scalar(sa.select(sa.func.count(TermlyUpdate.id)))
    if visitor is None:
        assert response.status_code == 302
        location = urlsplit(response.location)
        assert location.path == "/sign-in" and parse_qs(location.query)["next"] == [path]
    elif visitor == roles.MANAGER:
        assert response.status_code == status
    else:
        assert response.status_code == 403
    assert saved == (1 if visitor == roles.MANAGER and method == "POST" else 0)


@pytest.mark.parametrize(
    "slug",
    ["winter-2025", "autumn-25", "AUTUMN-2025", "autumn-1999", "autumn-2025x", "autumn-2025.pdf.pdf", "%3Cscript%3E"],
)
def test_addresses_that_name_no_term_are_not_found(client, auth, manager, slug):
    assert client.get(f"/updates/{slug}").status_code == 404
    assert client.get(f"/updates/{slug}.pdf").status_code == 404
    auth.sign_in(manager)
    assert client.get(f"/manage/updates/{slug}").status_code == 404
    assert client.post(f"/manage/updates/{slug}", data={"introduction": "x", "save": "Save draft"}).status_code == 404
    assert client.get(f"/manage/updates/{slug}/preview").status_code == 404


def test_a_form_sent_without_its_csrf_token_is_shown_again_and_saves_nothing(csrf_app):
    with csrf_app.app_context():
        person = make_user(roles.MANAGER)
    client = csrf_app.test_client()
    sign_in_with_token(client, person)
    response = client.post(
        "/manage/updates/autumn-2025", data={"introduction": "Kept words", "priorities": "", "publish": "Publish"}
    )
    assert response.status_code == 400
    assert "timed out" in response.get_data(as_text=True)
    assert "Kept words</textarea>" in response.get_data(as_text=True)
    with csrf_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(TermlyUpdate.id))) == 0


# --- speed -----------------------------------------------------------------------------------


def test_the_update_issues_the_same_number_of_queries_however_much_feedback(
    app, client, auth, manager, caseworker, data
):
    publish(client, auth, manager)
    public = [PATH, PATH + ".pdf", "/updates"]
    with app.app_context():
        _many(5, get_user(caseworker))
    few = {path: count_queries(app, client, path) for path in public}
    auth.sign_in(manager)
    few_manager = {
        path: count_queries(app, client, path) for path in ("/manage/updates/autumn-2025", "/manage/updates")
    }
    auth.sign_out()
    with app.app_context():
        _many(50, get_user(caseworker))
        for n in range(20):
            feedback(
                ("compliment", "suggestion", "question")[n % 3],
                london(2025, 9, 2) + timedelta(days=5 * n),
                (TRANSPORT, REVIEWS, None)[n % 3],
            )
        assert termly.assemble(AUTUMN).feedback.total > AUTUMN_2025["total"] + 30
    many = {path: count_queries(app, client, path) for path in public}
    auth.sign_in(manager)
    many_manager = {
        path: count_queries(app, client, path) for path in ("/manage/updates/autumn-2025", "/manage/updates")
    }
    assert many == few
    assert many_manager == few_manager
    # Counting the term's figures, with a look for the kept complaints figures, feedback figures
    # and You Said, We Did evidence, and the keeping of each.
    assert few[PATH] <= 17, few


def test_the_update_reports_the_plans_progress_where_it_is_behind_and_ways_to_take_part(
    app, client, auth, manager, data
):
    from portal.improvement import plan
    from portal.improvement.models import DONE, ON_TRACK, Milestone
    from tests.take_part_helpers import make_opportunity
    from tests.test_improvement import make_area
    from tests.test_improvement import publish as publish_plan

    made = make_area(
        app,
        title="Long waits for therapies",
        milestones=(("Hire six therapists", -10, None), ("Open a second clinic", 60, ON_TRACK)),
    )
    publish_plan(app)
    with app.app_context():
        drop_in = make_opportunity(get_user(manager).id, title="Short breaks drop-in")
    publish(client, auth, manager)

    html = client.get(PATH).get_data(as_text=True)
    progress = html.split('id="improvement-plan"', 1)[1].split('id="take-part"', 1)[0]
    behind = progress.split("Where we have not made enough progress", 1)[1]
    assert "Long waits for therapies" in progress and "0 of 2" in progress
    assert "Hire six therapists" in behind and "Open a second clinic" not in behind
    take_part = html.split('id="take-part"', 1)[1].split('id="priorities"', 1)[0]
    assert f'href="/take-part/{drop_in.slug}"' in take_part and "10 places left" in take_part
    assert "Hire six therapists" in pdf_text(client.get(PATH + ".pdf"))

    # The plan moves on; the published update keeps what it said.
    with app.app_context():
        milestone = db.session.get(Milestone, made["milestone_ids"][0])
        plan.change_status(get_user(manager), milestone, DONE, "Six therapists started in January.")
        db.session.commit()
    publish_plan(app, "The therapists are in post.")
    assert (
        client.get(PATH).get_data(as_text=True).split('id="improvement-plan"', 1)[1].split('id="take-part"', 1)[0]
        == progress
    )
