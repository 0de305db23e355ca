"""Who speaks for whom, in a real browser: an advocate giving feedback for a family (with a
mistake on the way and the consent uploaded), the family's check of who spoke, the young
person's wishes without JavaScript, the family withdrawing the advocate's authority, and a
manager recording consent given on a call.

Every page visited is checked with axe (see conftest.py).
"""

import re

import pytest
from playwright.sync_api import expect

from portal.core.time import london_today
from portal.extensions import db
from portal.feedback.models import Category
from tests.browser.test_feedback_journeys import (
    PDF,
    about_the_child,
    categories,  # noqa: F401 (a fixture)
    choose,
    heading,
)
from tests.casework_helpers import submit_case

pytestmark = pytest.mark.browser

WHO = "Who is giving this feedback?"
AGE = "Is the child or young person aged 16 to 25?"


def up_to_who_is_giving(visitor) -> None:
    page = visitor.page
    visitor.goto("/feedback")
    visitor.submit("Start now")
    choose(visitor, "What would you like to do?", "Make a complaint")
    choose(visitor, "Is a child at risk of harm?", "No")
    choose(visitor, "What is it about?", "Home-to-school transport")
    choose(visitor, "Is your complaint about one of these?", "None of these")
    page.get_by_label("What happened?").fill("The taxi has not come for two weeks.")
    page.get_by_label("What would you like to happen?").fill("A taxi that comes.")
    visitor.submit("Continue")
    about_the_child(visitor)
    expect(heading(page)).to_have_text(WHO)


def test_an_advocate_gives_feedback_for_a_family_who_later_withdraw_their_authority(visitor, categories):  # noqa: F811
    page = visitor.page
    up_to_who_is_giving(visitor)

    # Continue with nothing chosen: the errors are shown, in the summary and by the questions.
    visitor.submit("Continue")
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select who is giving this feedback")
    expect(summary).to_contain_text("Select yes if the child or young person is aged 16 to 25")
    page.get_by_role("group", name=WHO).get_by_label("An advocate").check()
    page.get_by_role("group", name=AGE).get_by_label("No").check()
    visitor.submit("Continue")

    expect(heading(page)).to_have_text("About you")
    page.get_by_label("Your full name").fill("Ana Advocate")
    page.get_by_label("Your organisation").fill("Family Voices")
    page.get_by_label("Your email address").fill("ana@")
    consent = page.get_by_role("group", name="Do you have the family's consent to act for them?")
    consent.get_by_label("Yes, I will upload their signed consent now").check()
    visitor.submit("Continue")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter an email address in the correct format")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the signed consent to upload")
    expect(page.get_by_label("Your organisation")).to_have_value("Family Voices")
    page.get_by_label("Your email address").fill("ana@example.org")
    page.get_by_label("Upload the signed consent (if you have it now)").set_input_files(
        {"name": "consent.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    visitor.submit("Continue")

    choose(visitor, "Do you want a reply?", "Yes, I will give my contact details")
    expect(heading(page)).to_have_text("The family's contact details")
    page.get_by_label("Full name of the parent, carer or young person").fill("Jo Smith")
    page.get_by_label("Email address").fill("jo@example.org")
    page.get_by_label("Their relationship to the child or young person").select_option("Parent")
    page.get_by_role("group", name="How should we contact them?").get_by_label("Email").check()
    visitor.submit("Continue")
    expect(heading(page)).to_have_text("Do you need any support from us?")
    visitor.submit("Continue")
    visitor.submit("Continue")  # no more evidence

    expect(heading(page)).to_have_text("Check your answers before sending your complaint")
    who = page.locator("main")
    expect(who).to_contain_text("An advocate")
    expect(who).to_contain_text("Ana Advocate")
    visitor.follow("Change who is giving this feedback")
    expect(heading(page)).to_have_text(WHO)
    expect(page.get_by_role("group", name=WHO).get_by_label("An advocate")).to_be_checked()
    visitor.submit("Continue")
    expect(page).to_have_url(re.compile(r"/feedback/check-your-answers$"))
    visitor.submit("Send complaint")
    reference = re.search(r"CAN-\d{4}-\d{5}", page.locator("main").inner_text()).group(0)

    expect(page.locator("main")).to_contain_text("We cannot share any details of the child or young person with you")

    # The family open their case from their own email, and withdraw the advocate's authority.
    visitor.goto(visitor.server.link_in(visitor.server.last_email("jo@example.org", "case_received")))
    expect(page).to_have_url(re.compile(rf"/my-cases/{reference}$"))
    expect(page.get_by_role("heading", name="Who speaks for you")).to_be_visible()
    visitor.follow("Withdraw their authority to act for you")
    expect(heading(page)).to_have_text("Are you sure you want to withdraw Ana Advocate's authority?")
    visitor.submit("Withdraw their authority")
    expect(page).to_have_url(re.compile(rf"/my-cases/{reference}$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have withdrawn Ana Advocate's authority")
    expect(page.locator("main")).to_contain_text("You withdrew their authority")


def test_the_young_persons_wishes_without_javascript(no_js_visitor, categories):  # noqa: F811
    visitor = no_js_visitor
    page = visitor.page
    up_to_who_is_giving(visitor)
    page.get_by_role("group", name=WHO).get_by_label("A parent or carer").check()
    page.get_by_role("group", name=AGE).get_by_label("Yes").check()
    visitor.submit("Continue")

    expect(heading(page)).to_have_text("The young person's wishes")
    direct = page.get_by_role("group", name="Does the young person want us to contact them directly?")
    direct.get_by_label("Yes").check()
    visitor.submit("Continue")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the young person's email address")
    page.get_by_label("The young person's email address (if they want us to contact them directly)").fill(
        "alex@example.org"
    )
    page.get_by_role(
        "group", name="Does the young person agree that their parent or carer acts for them?"
    ).get_by_label("No").check()
    visitor.submit("Continue")
    expect(heading(page)).to_have_text("Do you want a reply?")


def test_a_manager_records_consent_given_on_a_call(visitor, live_server, categories):  # noqa: F811
    page = visitor.page
    app = live_server.app
    with app.app_context():
        category = db.session.scalar(db.select(Category.id).where(Category.name == "Home-to-school transport"))
    reference = submit_case(
        app,
        category,
        speaker="sendiass",
        young_person_age="no",
        representative_name="Sol Adviser",
        representative_organisation="City SENDIASS",
        representative_email="sol@example.org",
        consent="later",
    )
    manager = live_server.make_user("manager")
    visitor.sign_in(manager.email, manager.password)

    visitor.goto("/cases?queue=consent")
    expect(page.get_by_role("navigation", name="Queues")).to_contain_text("Awaiting consent")
    visitor.follow(reference)
    expect(page.get_by_role("heading", name="Who speaks for whom")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Consent awaited")
    visitor.follow("Record the family's consent")

    expect(heading(page)).to_have_text("Record the family's consent")
    page.get_by_role("group", name="How did the family give their consent?").get_by_label(
        "The family gave it on a call"
    ).check()
    when = page.get_by_role("group", name="When did they give it?")
    today = london_today()
    when.get_by_label("Day").fill(str(today.day))
    when.get_by_label("Month").fill(str(today.month))
    when.get_by_label("Year").fill(str(today.year + 1))
    visitor.submit("Record consent")
    expect(page.locator(".govuk-error-summary")).to_contain_text("must be today or in the past")
    when.get_by_label("Year").fill(str(today.year))
    visitor.submit("Record consent")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Consent recorded")
    expect(page.locator("main")).to_contain_text("Consent given")
