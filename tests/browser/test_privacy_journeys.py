"""The privacy notices in a real browser, and a youth forum member registering with an age
group, with and without JavaScript. Every page visited is checked with axe (see conftest.py)."""

import re

import pytest
from playwright.sync_api import expect

from portal.accounts.models import User
from portal.extensions import db

pytestmark = pytest.mark.browser

PASSWORD = "Velvet-Harbour-Kite-37"
AGE_QUESTION = "If you are joining the youth forum, how old are you? (optional)"


def test_a_young_person_registers_with_an_age_group_after_reading_their_notice(visitor, live_server):
    page = visitor.page
    visitor.goto("/register")
    visitor.follow("how we use your information: for young people")
    expect(page.get_by_role("heading", level=1)).to_have_text("How we use your information: for young people")
    expect(page).to_have_title(re.compile(r"^How we use your information: for young people – "))
    visitor.goto("/register")

    page.get_by_role("group", name="Who are you?").get_by_label("A member of the youth forum").check()
    page.get_by_role("group", name=AGE_QUESTION).get_by_label("16 to 18").check()
    page.get_by_label("Your name").fill("Robin Young")
    page.get_by_label("Email address").fill("robin.young@example.org")
    page.get_by_label("Create a password").fill(PASSWORD)
    visitor.submit("Create account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    with live_server.app.app_context():
        assert db.session.scalar(db.select(User.age_band).where(User.email == "robin.young@example.org")) == "16-18"


def test_without_javascript_the_age_group_question_is_shown(no_js_visitor):
    page = no_js_visitor.page
    no_js_visitor.goto("/register")
    expect(page.get_by_role("group", name=AGE_QUESTION)).to_be_visible()


def test_the_privacy_notice_from_the_footer(visitor):
    page = visitor.page
    visitor.goto("/")
    visitor.click(page.get_by_role("contentinfo").get_by_role("link", name="Privacy notice"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    expect(page.get_by_role("table")).to_contain_text("6 years after the case is closed")
    visitor.follow("how we use your information: for young people")
    expect(page.get_by_role("heading", level=1)).to_have_text("How we use your information: for young people")
