"""Asking families how we did (issue 16): once a stage of a complaint closes, the family is
asked once, on their channel, how it was handled. Opening the link records nothing (link
scanners follow links); pressing the button records the answer, once. The results appear per
stage, category and term, with groups of fewer than 5 answers kept back so that no family can
be recognised: in the termly update (frozen when it is published), the annual report and the
managers' page."""

import re
import secrets
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
import time_machine

from portal.accounts import roles
from portal.casework import services as casework
from portal.core.terms import parse_term
from portal.extensions import db
from portal.feedback import survey
from portal.feedback.survey_models import SatisfactionSurvey
from portal.notifications.models import EMAIL, SMS
from portal.reports.satisfaction import satisfaction_results
from portal.themes.models import LearningTheme
from tests.casework_helpers import answer_stage_1, category_id, get_case, new_case
from tests.factories import get_user, make_user

TEMPLATE = "satisfaction_survey"
TEAM = "Travel Assist"
MONDAY = date(2026, 3, 9)
AUTUMN = parse_term("autumn-2025")


def words(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def csrf_token(response) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.get_data(as_text=True)).group(1)


@pytest.fixture
def complaint(app, frozen):
    """A stage 1 complaint from a family who gave an email address, not answered yet."""
    frozen(MONDAY)
    with app.app_context():
        category = category_id("Home-to-school transport", TEAM)
        return new_case(category=category, contact_email="jo@example.org", contact_name="Jo Smith")


def close_stage(app, reference: str) -> None:
    with app.test_request_context():
        answer_stage_1(reference)
        db.session.commit()


def all_surveys() -> list[SatisfactionSurvey]:
    return db.session.scalars(sa.select(SatisfactionSurvey).order_by(SatisfactionSurvey.id)).all()


@pytest.fixture
def invited(app, complaint, outbox) -> str:
    """The stage 1 response sent: the path of the survey link the family was sent."""
    close_stage(app, complaint)
    return outbox.link_in(outbox.last("jo@example.org", TEMPLATE))


# --- the invitation ----------------------------------------------------------------------------


def test_the_family_is_asked_once_by_email_when_the_stage_closes(app, complaint, outbox):
    close_stage(app, complaint)
    invitation = outbox.last("jo@example.org", TEMPLATE)
    assert invitation.channel == EMAIL
    assert invitation.subject == f"How did we do? {complaint}"
    assert "3 short questions" in invitation.body
    assert "/survey/" in outbox.link_in(invitation)
    # The response itself went too, before the invitation.
    assert outbox.messages("jo@example.org", "caseworker_reply")
    # Asked again about the same stage (a second response, a retried request): nothing more is sent.
    with app.test_request_context():
        assert survey.invite(get_case(complaint), 1) is None
        db.session.commit()
    assert len(outbox.messages("jo@example.org", TEMPLATE)) == 1
    with app.app_context():
        assert [(row.stage, row.answered_at) for row in all_surveys()] == [(1, None)]


def test_each_stage_is_asked_about_on_its_own(app, complaint, outbox):
    close_stage(app, complaint)
    with app.test_request_context():
        case = get_case(complaint)
        case.stage = 2
        case.status = "acknowledged"
        case.responded_at = None
        casework.record_outcome(case, get_user(make_user(roles.MANAGER)), outcome="not_upheld", summary="Reviewed.")
        db.session.commit()
        assert [row.stage for row in all_surveys()] == [1, 2]
    assert len(outbox.messages("jo@example.org", TEMPLATE)) == 2


def test_a_family_who_gave_only_a_phone_number_is_asked_by_text(app, frozen, outbox):
    frozen(MONDAY)
    app.config["NOTIFY_API_KEY"] = "test-key"
    with app.app_context():
        category = category_id("Home-to-school transport", TEAM)
        reference = new_case(category=category, contact_email=None, contact_phone="07700 900123")
    close_stage(app, reference)
    text = outbox.last("07700 900123", TEMPLATE)
    assert text.channel == SMS
    assert len(text.body) < 250
    assert "/survey/" in outbox.link_in(text)


def test_a_family_who_cannot_be_written_to_is_not_asked(app, frozen, outbox):
    frozen(MONDAY)
    with app.app_context():
        category = category_id("Home-to-school transport", TEAM)
        reference = new_case(category=category, anonymous=True, contact_email=None, contact_name=None)
    close_stage(app, reference)
    assert outbox.messages(template=TEMPLATE) == []
    with app.app_context():
        assert all_surveys() == []


def test_an_answer_to_something_that_is_not_a_complaint_asks_nothing(app, frozen, outbox):
    frozen(MONDAY)
    with app.app_context():
        category = category_id("Home-to-school transport", TEAM)
        reference = new_case(category=category, kind="suggestion", contact_email="sam@example.org")
    with app.test_request_context():
        casework.record_outcome(
            get_case(reference), get_user(make_user(roles.MANAGER)), outcome=None, summary="Thank you."
        )
        db.session.commit()
    assert outbox.messages(template=TEMPLATE) == []


# --- the answer page ----------------------------------------------------------------------------


def test_opening_the_link_records_nothing(app, client, invited):
    for _ in range(3):  # a link scanner, a preview, the family
        response = client.get(invited)
        assert response.status_code == 200
    page = words(response)
    assert "How satisfied are you with how we handled your complaint?" in page
    assert "Very satisfied" in page and "Did you feel listened to?" in page
    assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        assert [row.answered_at for row in all_surveys()] == [None]


def test_pressing_the_button_records_the_answer_once(app, csrf_app, client, invited):
    token = csrf_token(client.get(invited))
    response = client.post(
        invited, data={"csrf_token": token, "satisfaction": "2", "listened": "partly", "comments": "Slow replies."}
    )
    assert response.status_code == 302
    assert "Thank you for telling us how we did" in words(client.get(invited))
    # A second press, from another tab, changes nothing and thanks them again.
    again = client.post(invited, data={"csrf_token": token, "satisfaction": "5", "listened": "yes"})
    assert "Thank you for telling us how we did" in words(again)
    with app.app_context():
        [row] = all_surveys()
        assert (row.satisfaction, row.listened, row.comments) == (2, "partly", "Slow replies.")


def test_an_answer_without_the_form_token_is_not_recorded(app, csrf_app, client, invited):
    response = client.post(invited, data={"satisfaction": "5", "listened": "yes"})
    assert response.status_code in (200, 400)
    with app.app_context():
        assert [row.answered_at for row in all_surveys()] == [None]


def test_missing_answers_are_explained_and_what_was_typed_is_kept(app, client, invited):
    response = client.post(invited, data={"comments": "The caseworker was kind."})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: " in page
    summary = page[page.index("govuk-error-summary") : page.index("</form>")]
    for message in (
        "Select how satisfied you are with how we handled your complaint",
        "Select whether you felt listened to",
    ):
        assert page.count(message) == 2  # in the summary and next to the field
        assert message in summary
    assert 'href="#satisfaction"' in page and 'href="#listened"' in page
    assert "The caseworker was kind.</textarea>" in page
    with app.app_context():
        assert [row.answered_at for row in all_surveys()] == [None]


def test_comments_that_are_too_long_are_refused_kindly(app, client, invited):
    response = client.post(invited, data={"satisfaction": "3", "listened": "no", "comments": "x" * 2001})
    assert "What you tell us must be 2,000 characters or fewer" in words(response)
    with app.app_context():
        assert [row.answered_at for row in all_surveys()] == [None]


def test_an_expired_link_says_so_and_records_nothing(app, client, invited):
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=61), tick=False):
        response = client.get(invited)
        assert response.status_code == 410
        assert "This link has expired" in words(response)
        posted = client.post(invited, data={"satisfaction": "5", "listened": "yes"})
        assert posted.status_code == 410
    with app.app_context():
        assert [row.answered_at for row in all_surveys()] == [None]


def test_a_link_still_works_on_its_last_days(app, client, invited):
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=59), tick=False):
        assert client.get(invited).status_code == 200


def test_a_forged_link_is_not_found(app, client, invited):
    token = invited.rsplit("/", 1)[1]
    assert client.get(f"/survey/{token[:-2]}xx").status_code == 404
    assert client.get("/survey/" + secrets.token_urlsafe(30)).status_code == 404
    with app.test_request_context():
        # Signed with the right key but not a link we sent (its hash is not stored): not found.
        [row] = all_surveys()
        other = survey._serializer().dumps(row.id) + ""
        if other != token:
            assert survey.find(other) is None
    assert client.post(f"/survey/{token[:-2]}xx", data={"satisfaction": "5", "listened": "yes"}).status_code == 404


# --- the results ------------------------------------------------------------------------------


def add_answers(
    count: int, *, satisfaction: int, listened: str, when: datetime, category: str, stage: int = 1, comments=None
):
    """``count`` answered surveys, each for a complaint of its own in ``category``."""
    category_row = category_id(category, TEAM)
    made = []
    for _ in range(count):
        reference = new_case(category=category_row)
        row = SatisfactionSurvey(
            case_id=get_case(reference).id,
            stage=stage,
            channel=EMAIL,
            invited_at=when - timedelta(days=1),
            answered_at=when,
            satisfaction=satisfaction,
            listened=listened,
            comments=comments,
        )
        db.session.add(row)
        made.append(row)
    db.session.commit()
    return made


AUTUMN_DAY = datetime(2025, 10, 15, 12, tzinfo=timezone.utc)


def test_results_by_stage_and_category_keep_small_groups_back(app):
    with app.app_context():
        add_answers(4, satisfaction=5, listened="yes", when=AUTUMN_DAY, category="Home-to-school transport")
        add_answers(2, satisfaction=1, listened="no", when=AUTUMN_DAY, category="Home-to-school transport")
        add_answers(3, satisfaction=2, listened="partly", when=AUTUMN_DAY, category="EHC needs assessments")
        add_answers(5, satisfaction=4, listened="yes", when=AUTUMN_DAY, category="Annual reviews")
        # Answered in the spring: not in the autumn's figures.
        add_answers(1, satisfaction=5, listened="yes", when=AUTUMN_DAY + timedelta(days=120), category="Annual reviews")
        results = satisfaction_results(AUTUMN)
    assert results.answered == 14
    assert (results.overall.satisfied_percent, results.overall.listened_percent) == (64, 64)
    by_stage = {group.label: group for group in results.stages}
    assert by_stage["Stage 1"].answered == 14 and by_stage["Stage 1"].satisfied_percent == 64
    assert by_stage["Stage 2"].answered == 0
    by_category = {group.label: group for group in results.categories}
    assert by_category["Home-to-school transport"].satisfied_percent == 67
    assert by_category["EHC needs assessments"].answered_shown == "fewer than 5"
    assert by_category["EHC needs assessments"].satisfied_percent is None
    # Shown beside the total, the next smallest group would give the small one away.
    assert by_category["Annual reviews"].suppressed
    csv = {(row[1], row[2]): row[3] for row in results.figures()}
    assert csv[("Families who answered", "EHC needs assessments")] == "fewer than 5"
    assert ("Satisfied with how it was handled (%)", "EHC needs assessments") not in csv
    assert csv[("Satisfied with how it was handled (%)", "Home-to-school transport")] == 67


def test_one_answer_at_stage_2_keeps_both_stages_back(app):
    with app.app_context():
        add_answers(9, satisfaction=5, listened="yes", when=AUTUMN_DAY, category="Home-to-school transport")
        add_answers(1, satisfaction=1, listened="no", when=AUTUMN_DAY, category="Home-to-school transport", stage=2)
        results = satisfaction_results(AUTUMN)
    assert not results.overall.suppressed
    assert [group.suppressed for group in results.stages] == [True, True]


def test_a_single_small_group_cannot_be_worked_out_from_the_total(app):
    with app.app_context():
        add_answers(6, satisfaction=5, listened="yes", when=AUTUMN_DAY, category="Home-to-school transport")
        add_answers(7, satisfaction=4, listened="yes", when=AUTUMN_DAY, category="EHC needs assessments")
        add_answers(2, satisfaction=1, listened="no", when=AUTUMN_DAY, category="Annual reviews")
        results = satisfaction_results(AUTUMN)
    shown = {group.label: group.suppressed for group in results.categories}
    assert shown == {"Annual reviews": True, "Home-to-school transport": True, "EHC needs assessments": False}
    assert not results.overall.suppressed


def test_fewer_than_five_answers_in_a_term_shows_no_figures(app):
    with app.app_context():
        add_answers(3, satisfaction=1, listened="no", when=AUTUMN_DAY, category="Home-to-school transport")
        results = satisfaction_results(AUTUMN)
    assert results.overall.suppressed and results.overall.satisfied_percent is None


# --- in the termly update, frozen when published -------------------------------------------------


def publish_autumn(client, auth, manager):
    auth.sign_in(manager)
    response = client.post(
        "/manage/updates/autumn-2025",
        data={"introduction": "A term.", "priorities": "Faster replies.", "publish": "Publish"},
    )
    auth.sign_out()
    assert response.status_code == 302


def satisfaction_part(response) -> str:
    """The words of the update's satisfaction section."""
    page = response.get_data(as_text=True)
    start = page.index('id="satisfaction"')
    section = page[start : page.index("<h2", start + 10)]
    return " ".join(re.sub(r"<[^>]+>", " ", section).split())


def test_the_termly_update_shows_the_results_and_freezes_them_when_published(app, client, auth, users):
    manager = users.make(roles.MANAGER)
    with app.app_context():
        add_answers(6, satisfaction=5, listened="yes", when=AUTUMN_DAY, category="Home-to-school transport")
        add_answers(2, satisfaction=1, listened="no", when=AUTUMN_DAY, category="EHC needs assessments")
    auth.sign_in(manager)
    preview = satisfaction_part(client.get("/manage/updates/autumn-2025"))
    auth.sign_out()
    assert "8 families answered" in preview
    assert "75% were satisfied" in preview
    publish_autumn(client, auth, manager)
    published = satisfaction_part(client.get("/updates/autumn-2025"))
    assert "8 families answered" in published and "75% were satisfied" in published
    assert "fewer than 5" in published
    with app.app_context():
        add_answers(4, satisfaction=1, listened="no", when=AUTUMN_DAY, category="EHC needs assessments")
    assert satisfaction_part(client.get("/updates/autumn-2025")) == published
    assert satisfaction_part(client.get("/updates/autumn-2025/versions/1")) == published


def test_the_annual_report_shows_the_years_results(app, client):
    with app.app_context():
        add_answers(5, satisfaction=4, listened="partly", when=AUTUMN_DAY, category="Home-to-school transport")
    page = words(client.get("/reports/complaints?year=2025"))
    assert "How families felt we handled their complaints" in page
    assert "5 families answered" in page and "100% were satisfied" in page and "0% felt listened to" in page
    csv = client.get("/reports/complaints.csv?year=2025").get_data(as_text=True)
    assert "Satisfaction,Families who answered,All complaints,5" in csv


# --- the managers' pages -------------------------------------------------------------------------


def test_managers_see_the_trend_over_terms_as_a_chart_and_a_table(app, client, auth, users, frozen):
    frozen(date(2026, 3, 9))  # spring 2026
    with app.app_context():
        add_answers(5, satisfaction=5, listened="yes", when=AUTUMN_DAY, category="Home-to-school transport")
        add_answers(
            3,
            satisfaction=2,
            listened="no",
            when=datetime(2026, 2, 2, 12, tzinfo=timezone.utc),
            category="Home-to-school transport",
        )
    auth.sign_in(users.make(roles.MANAGER))
    response = client.get("/manage/satisfaction")
    assert response.status_code == 200
    page = words(response)
    assert 'role="img"' in response.get_data(as_text=True)
    assert "Autumn term 2025 5 100% 5.0 out of 5 100%" in page
    assert "Spring term 2026 fewer than 5 Not shown" in page
    assert 'href="/manage/satisfaction"' in client.get("/manage/themes").get_data(as_text=True)


def test_only_managers_see_the_results(app, client, auth, users):
    auth.sign_in(users.make(roles.CASEWORKER))
    assert client.get("/manage/satisfaction").status_code == 403


def test_comments_are_tagged_with_learning_themes(app, client, auth, users):
    manager = users.make(roles.MANAGER)
    with app.app_context():
        theme = LearningTheme(name="Keeping families informed", active=True)
        db.session.add(theme)
        [answer] = add_answers(
            1,
            satisfaction=2,
            listened="partly",
            when=AUTUMN_DAY,
            category="Home-to-school transport",
            comments="Nobody told us what was happening.",
        )
        theme_id, answer_id = theme.id, answer.id
    auth.sign_in(manager)
    page = words(client.get("/manage/survey-comments"))
    assert "Nobody told us what was happening." in page and "Waiting to be tagged (1)" in page
    response = client.post(f"/manage/survey-comments/{answer_id}", data={"themes": [str(theme_id)]})
    assert response.status_code == 302
    assert "Waiting to be tagged (0)" in words(client.get("/manage/survey-comments"))
    with app.app_context():
        row = db.session.get(SatisfactionSurvey, answer_id)
        assert [t.name for t in row.themes] == ["Keeping families informed"] and row.tagged_at is not None


def test_tagged_comments_count_as_you_said_we_did_evidence(app, client, auth, users):
    from portal.yousaid.evidence import evidence_for

    with app.app_context():
        theme = LearningTheme(name="Keeping families informed", active=True)
        db.session.add(theme)
        db.session.commit()
        theme_id = theme.id
        assert evidence_for([(theme_id, "autumn-2025")]).get((theme_id, "autumn-2025")) is None
        answers = add_answers(
            2, satisfaction=2, listened="no", when=AUTUMN_DAY, category="Home-to-school transport", comments="No news."
        )
        ids = [answer.id for answer in answers]
    auth.sign_in(users.make(roles.MANAGER))
    for answer_id in ids:
        client.post(f"/manage/survey-comments/{answer_id}", data={"themes": [str(theme_id)]})
    with app.app_context():
        found = evidence_for([(theme_id, "autumn-2025"), (theme_id, "spring-2026")])
    assert found[(theme_id, "autumn-2025")].survey_comments == 2
    assert found[(theme_id, "autumn-2025")].total == 2
    assert (theme_id, "spring-2026") not in found


def test_anonymising_a_case_removes_the_comments_and_keeps_the_scores(app):
    from portal.retention import cases as retention_cases

    with app.app_context():
        [answer] = add_answers(
            1,
            satisfaction=3,
            listened="partly",
            when=AUTUMN_DAY,
            category="Home-to-school transport",
            comments="Ask Jo.",
        )
        answer_id, case_id = answer.id, answer.case_id
        assert retention_cases.anonymise([case_id], AUTUMN_DAY + timedelta(days=2000)) == 1
        db.session.commit()
        db.session.expire_all()
        row = db.session.get(SatisfactionSurvey, answer_id)
        assert (row.comments, row.token_hash, row.satisfaction, row.listened) == (None, None, 3, "partly")
        assert survey.comments_waiting() == 0
