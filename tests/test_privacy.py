"""The privacy notices promise only what the portal does: the controller and its Data Protection
Officer, the lawful basis, the retention periods from portal.core.retention, and the rights as
offered. Young people get a notice of their own, register with an age group (never a date of
birth), and are never named on the board."""

import re

import lxml.html
import pytest

from config import Config
from portal.accounts import roles
from portal.accounts.models import User
from portal.consultations import models as m
from portal.core import retention
from portal.extensions import db
from portal.feedback.services import DRAFT_HOURS
from tests.factories import PASSWORD
from tests.test_consultations_board import consultation, full_answers, send_answers, signed_in_client, update
from tests.test_security import page

YOUNG_PEOPLE_TITLE = "How we use your information: for young people"


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return re.sub(r"\s+", " ", page(response).text)


# --- the privacy notice ----------------------------------------------------------------------


def test_the_notice_names_the_controller_and_the_dpo_from_configuration(app, client):
    app.config.update(
        COUNCIL_NAME="Northtown City Council", DPO_NAME="Data Protection Team", DPO_EMAIL="dp@northtown.example.org"
    )
    response = client.get("/privacy")
    text = text_of(response)
    assert "Northtown City Council is the data controller" in text
    assert "Data Protection Team" in text
    assert 'href="mailto:dp@northtown.example.org"' in response.get_data(as_text=True)


def test_the_dpo_has_sensible_defaults():
    assert (Config.DPO_NAME, Config.DPO_EMAIL) == ("Data Protection Officer", "dpo@example.org")


def test_the_notice_states_the_lawful_basis_and_the_article_9_condition(client):
    text = text_of(client.get("/privacy"))
    assert "UK GDPR Article 6(1)(e)" in text and "Children and Families Act 2014" in text
    assert "Article 9(2)(g)" in text and "Data Protection Act 2018, Schedule 1, paragraph 6" in text


def test_the_notice_says_who_sees_a_case_and_the_rights_as_offered(client):
    text = text_of(client.get("/privacy"))
    assert "named caseworker" in text and "two-factor authentication" in text
    assert "Every time a member of staff opens a case, we record who it was and when" in text
    for right in ("download a copy", "sign out everywhere", "turn on two-factor sign-in", "close your account"):
        assert right in text
    assert "Information Commissioner's Office" in text
    # What the old notice promised and no code did.
    assert "then delete them" not in text


def test_the_notice_shows_the_retention_periods_from_the_schedule(app, client, monkeypatch):
    text = text_of(client.get("/privacy"))
    assert "We keep it for 6 years after the case is closed" in text
    assert f"We delete it {DRAFT_HOURS} hours after you last changed it" in text
    assert "We delete it 24 hours after you sent it" in text
    assert "You are signed out 12 hours after you sign in, at most" in text

    monkeypatch.setitem(retention.DEFAULTS, "closed_cases", retention.Period(7, "years"))
    monkeypatch.setitem(retention.DEFAULTS, "outbox", retention.Period(1, "years"))
    changed = text_of(client.get("/privacy"))
    assert "We keep it for 7 years after the case is closed" in changed
    assert "We delete it 1 year after it was sent" in changed
    assert "6 years after the case is closed" not in changed


def test_the_notice_says_what_happens_to_each_kind_when_its_time_is_up(client):
    text = text_of(client.get("/privacy"))
    assert "after the case is closed. Then we remove your name, contact details, your child's details" in text
    assert "after the consultation closes. Then we remove what you wrote and your name" in text
    assert "once you are signed out" in text
    deleted = set(retention.DEFAULTS) - retention.ANONYMISED - {"signed_in_sessions"}
    assert text.count("We delete it ") == len(deleted)
    assert "not automatic" not in text


def test_the_schedule_matches_what_the_code_does_today():
    assert retention.DEFAULTS["feedback_drafts"] == retention.Period(DRAFT_HOURS, "hours")
    assert retention.DEFAULTS["kept_forms"] == retention.Period(Config.KEPT_FORM_HOURS, "hours")
    assert retention.DEFAULTS["signed_in_sessions"] == retention.Period(Config.SIGNED_IN_SESSION_HOURS, "hours")


def test_the_notice_links_the_young_peoples_notice(client):
    assert 'href="/privacy/young-people"' in client.get("/privacy").get_data(as_text=True)


# --- young people ----------------------------------------------------------------------------


def test_the_young_peoples_notice_has_its_title_as_its_heading(client):
    response = client.get("/privacy/young-people")
    document = lxml.html.fromstring(response.get_data(as_text=True))
    assert document.findtext(".//title").strip().startswith(YOUNG_PEOPLE_TITLE + " ")
    assert [heading.text_content().strip() for heading in document.xpath("//h1")] == [YOUNG_PEOPLE_TITLE]
    text = text_of(response)
    assert "We do not ask for your date of birth" in text and "dpo@example.org" in text
    assert f"for {retention.DEFAULTS['consultation_answers'].text} after the consultation closes" in text


@pytest.mark.parametrize("path", ["/register", "/consultations"])
def test_pages_young_people_use_link_their_notice(client, path):
    assert 'href="/privacy/young-people"' in client.get(path).get_data(as_text=True)


def register(client, **data):
    return client.post("/register", data={"name": "Sam Young", "email": "sam@example.org", "password": PASSWORD} | data)


def stored_user(app, email="sam@example.org") -> User:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        db.session.expunge_all()
        return user


def test_youth_registration_stores_the_age_band(app, client):
    assert register(client, role=roles.YOUTH, age_band="16-18").status_code == 302
    assert stored_user(app).age_band == "16-18"


def test_the_age_band_is_optional(app, client):
    assert register(client, role=roles.YOUTH).status_code == 302
    assert stored_user(app).age_band is None


def test_a_parent_never_has_an_age_band(app, client):
    assert register(client, role=roles.PARENT, age_band="19-25").status_code == 302
    assert stored_user(app).age_band is None


def test_an_unknown_age_band_is_refused(app, client):
    response = register(client, role=roles.YOUTH, age_band="12")
    assert response.status_code == 200
    assert "Select your age group, or leave it blank" in text_of(response)
    assert stored_user(app) is None


def test_registration_never_asks_for_a_date_of_birth(client):
    html = client.get("/register").get_data(as_text=True)
    assert "birth" not in html.replace("not your date of birth", "").lower()
    assert not re.search(r'name="[^"]*(dob|birth)', html, re.IGNORECASE)
    for band in ("11 to 15", "16 to 18", "19 to 25", "Prefer not to say"):
        assert band in html


def test_managers_approving_youth_members_see_their_age_band(app, client, users):
    register(client, role=roles.YOUTH, age_band="11-15")
    manager = signed_in_client(app, users.make(roles.MANAGER))
    text = text_of(manager.get("/manage/youth-members"))
    assert "Age group" in text and "11 to 15" in text


def test_the_board_hides_a_youth_members_name_by_default(app, client, users):
    info = consultation(app, audience=m.EVERYONE)
    youth = users.make(roles.YOUTH, name="Jordan Quill")
    member = signed_in_client(app, youth)
    assert send_answers(member, info, full_answers(info)).status_code == 302
    with app.app_context():
        response_id = db.session.scalar(db.select(m.Response.id))
    update(app, m.Response, response_id, moderation=m.APPROVED)

    board = text_of(client.get(f"/consultations/{info['slug']}"))
    assert "Youth forum member" in board
    assert "Jordan" not in board and "Quill" not in board


def test_a_youth_member_answering_is_pointed_to_their_notice(app, users):
    info = consultation(app, audience=m.EVERYONE)
    member = signed_in_client(app, users.make(roles.YOUTH))
    html = member.get(f"/consultations/{info['slug']}/answer").get_data(as_text=True)
    assert 'href="/privacy/young-people"' in html and "Your name is never shown on the board" in html
