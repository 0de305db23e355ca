"""Equality monitoring (Equality Act 2010, section 149): optional questions after sending
feedback and after answering a consultation, kept with no link to the person, the case or the
answers, and counted for the annual complaints report with small numbers kept back."""

from datetime import date

import pytest
import sqlalchemy as sa

from portal.accounts import roles
from portal.core.disclosure import FEWER, MIN_GROUP, protect
from portal.equality import services as equality
from portal.equality.models import EqualityResponse
from portal.equality.questions import CONSULTATION, FEEDBACK, QUESTION_KEYS, QUESTIONS
from portal.extensions import db
from portal.feedback.models import Case
from tests.factories import get_user
from tests.feedback_helpers import make_category, submit, walk
from tests.governance_helpers import prepare_pack
from tests.test_consultations_board import consultation, send_answers
from tests.test_reports_complaints import report_pdf_text, tables
from tests.test_security import page

TODAY = date(2026, 5, 1)


@pytest.fixture(autouse=True)
def today(frozen):
    frozen(TODAY)


def shown(counts: dict[str, int]) -> tuple[dict[str, str], str]:
    cells, total = protect(counts)
    return {key: cell.text for key, cell in cells.items()}, total.text


# --- keeping small numbers back ---------------------------------------------------------------


def test_numbers_from_one_to_four_are_kept_back_with_one_more_where_one_alone_could_be_worked_out():
    assert MIN_GROUP == 5 and FEWER == "fewer than 5"
    assert shown({"a": 5, "b": 12, "c": 0}) == ({"a": "5", "b": "12", "c": "0"}, "17")
    # One small number alone could be worked out from the total: the next smallest goes too.
    assert shown({"a": 3, "b": 7, "c": 20, "d": 0}) == ({"a": FEWER, "b": FEWER, "c": "20", "d": "0"}, "30")
    # Two small numbers hide each other.
    assert shown({"a": 1, "b": 4, "c": 9}) == ({"a": FEWER, "b": FEWER, "c": "9"}, "14")
    # One small number and nothing else to keep back: the total is kept back instead.
    assert shown({"a": 2, "b": 0}) == ({"a": FEWER, "b": "0"}, FEWER)
    assert shown({"a": 0, "b": 0}) == ({"a": "0", "b": "0"}, "0")
    # A small total is kept back whatever its parts.
    assert shown({"a": 2, "b": 2}) == ({"a": FEWER, "b": FEWER}, FEWER)


def test_no_small_number_can_be_worked_out_from_the_totals(app):
    """Every question's table, for a spread of answers: never one hidden cell that the total
    and the cells shown give away."""
    with app.app_context():
        for number in range(23):
            equality.record(
                FEEDBACK,
                {
                    "sex": "female" if number < 20 else "male",
                    "disability": "yes" if number < 6 else "no",
                    "first_language_english": "no" if number == 0 else "yes",
                },
                TODAY,
            )
        results = equality.results(TODAY, TODAY)
        assert results.responses == 23
        for counts in results.questions:
            hidden = [answer for answer in counts.answers if answer.shown.kept_back]
            assert all(not 0 < answer.shown.count < MIN_GROUP or answer.shown.kept_back for answer in counts.answers)
            assert len(hidden) != 1 or counts.total.kept_back, counts.question.key
        by_key = {counts.question.key: counts for counts in results.questions}
        sex = {answer.label: answer.shown.text for answer in by_key["sex"].answers}
        # 3 men could be worked out from 23 people and 20 women: the 20 are kept back too.
        assert sex == {"Female": FEWER, "Male": FEWER, "Prefer not to say": "0", "Not answered": "0"}
        assert by_key["sex"].total.text == "23"
        assert {answer.label: answer.shown.text for answer in by_key["age_band"].answers}["Not answered"] == "23"
        language = {answer.label: answer.shown.text for answer in by_key["first_language_english"].answers}
        assert language["No"] == FEWER and language["Not answered"] == "0" and language["Yes"] == FEWER


# --- after sending feedback -------------------------------------------------------------------


@pytest.fixture
def category(app):
    with app.app_context():
        return make_category()


def send_feedback(client, category):
    walk(client, category)
    assert submit(client).status_code == 302
    return client.get("/feedback/confirmation")


def test_answers_after_feedback_are_kept_with_no_link_to_the_case(app, client, category):
    confirmation = send_feedback(client, category)
    assert 'href="/feedback/questions-about-you"' in confirmation.get_data(as_text=True)
    questions = client.get("/feedback/questions-about-you")
    assert questions.status_code == 200
    for question in QUESTIONS:
        assert question.text in page(questions).text
    answered = client.post(
        "/feedback/questions-about-you",
        data={"age_band": "11_15", "ethnicity": "mixed", "religion": "prefer_not", "sex": "not-a-choice", "send": "1"},
    )
    assert answered.location.endswith("/feedback/confirmation")

    with app.app_context():
        rows = db.session.scalars(sa.select(EqualityResponse)).all()
        assert len(rows) == 1
        row = rows[0]
        assert (row.source, row.answered_on) == (FEEDBACK, TODAY)
        assert (row.age_band, row.ethnicity, row.religion, row.sex, row.disability) == (
            "11_15",
            "mixed",
            "prefer_not",
            None,
            None,
        )
        # Nothing that could lead back to the case, the person, or the moment they sent it.
        assert {column.name for column in EqualityResponse.__table__.columns} == {
            "id",
            "source",
            "answered_on",
            *QUESTION_KEYS,
        }
        assert not EqualityResponse.__table__.foreign_keys
        assert db.session.scalars(sa.select(Case)).one().reference  # the case was made, and knows nothing of it

    # Offered once: the page is gone and the confirmation no longer offers it.
    assert client.get("/feedback/questions-about-you").location.endswith("/feedback/confirmation")
    assert 'href="/feedback/questions-about-you"' not in client.get("/feedback/confirmation").get_data(as_text=True)


def test_skipping_the_questions_keeps_nothing(app, client, category):
    send_feedback(client, category)
    skipped = client.post("/feedback/questions-about-you", data={"age_band": "5_10", "skip": "1"})
    assert skipped.location.endswith("/feedback/confirmation")
    assert 'href="/feedback/questions-about-you"' not in client.get("/feedback/confirmation").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EqualityResponse)) == 0


def test_sending_every_question_blank_keeps_nothing(app, client, category):
    send_feedback(client, category)
    assert client.post("/feedback/questions-about-you", data={"send": "1"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EqualityResponse)) == 0


def test_the_questions_are_not_offered_without_feedback_sent(app, client):
    assert client.get("/feedback/questions-about-you").location.endswith("/feedback/confirmation")
    assert client.post("/feedback/questions-about-you", data={"sex": "male", "send": "1"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EqualityResponse)) == 0


# --- after answering a consultation -----------------------------------------------------------


def test_answers_after_a_consultation_are_kept_apart_from_the_answers(app, client, auth, users):
    info = consultation(app)
    auth.sign_in(users.make(roles.PARENT))
    path = f"/consultations/{info['slug']}/questions-about-you"
    assert client.get(path).location.endswith(f"/consultations/{info['slug']}")  # nothing sent yet
    assert send_answers(client, info).status_code == 302
    assert f'href="{path}"' in client.get(f"/consultations/{info['slug']}").get_data(as_text=True)
    assert f'href="{path}"' in client.get(f"/consultations/{info['slug']}/answer").get_data(as_text=True)
    assert client.post(path, data={"disability": "yes", "first_language_english": "no", "send": "1"}).status_code == 302
    with app.app_context():
        row = db.session.scalars(sa.select(EqualityResponse)).one()
        assert (row.source, row.disability, row.first_language_english) == (CONSULTATION, "yes", "no")
    assert f'href="{path}"' not in client.get(f"/consultations/{info['slug']}").get_data(as_text=True)


# --- in the annual complaints report ----------------------------------------------------------


def record_many(values: dict[str, str | None], times: int, day: date) -> None:
    for _ in range(times):
        equality.record(FEEDBACK, values, day)


def test_the_annual_report_shows_the_years_answers_with_small_numbers_kept_back(app, client, auth, users):
    manager = users.make(roles.MANAGER)
    with app.app_context():
        record_many({"sex": "female"}, 8, date(2025, 6, 1))
        record_many({"sex": "male"}, 2, date(2026, 3, 31))
        record_many({"sex": "male"}, 6, date(2026, 4, 1))  # the next year
        db.session.commit()
    live = tables(client.get("/reports/complaints?year=2025"))
    assert live["What is your sex?"] == {
        "Female": [FEWER],  # kept back too: with the total, it would give the 2 men away
        "Male": [FEWER],
        "Prefer not to say": ["0"],
        "Not answered": ["0"],
        "Total": ["10"],
    }
    csv = client.get("/reports/complaints.csv?year=2025").get_data(as_text=True)
    assert f"Equality monitoring,What is your sex?,Male,{FEWER}" in csv

    with app.app_context():
        prepare_pack(get_user(manager), equality_year())
    auth.sign_in(manager)
    client.post("/manage/reports/complaints", data={"year": "2025", "publish": "Publish"})
    auth.sign_out()
    with app.app_context():
        record_many({"sex": "male"}, 9, date(2025, 7, 1))
        db.session.commit()
    published = client.get("/reports/complaints?year=2025")
    assert tables(published)["What is your sex?"]["Male"] == [FEWER]  # frozen as published
    pdf = report_pdf_text(client.get("/reports/complaints/2025.pdf"))
    assert (
        f"What is your sex? Answer People Female {FEWER} Male {FEWER} Prefer not to say 0 Not answered 0 Total 10"
        in pdf
    )


def equality_year():
    from portal.reports.periods import FinancialYear

    return FinancialYear(2025)
