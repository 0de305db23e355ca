"""The feedback journey and following a case, as a family meets them in a real browser: a
complaint sent from a phone with JavaScript on, the same complaint with JavaScript off (and a
mistake on the way), and following the case from another device through an emailed link.

Every page visited is checked with axe (see conftest.py).
"""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from portal.accounts import roles
from portal.accounts.models import User
from portal.accounts.services import create_user
from portal.casework import services as casework_services
from portal.core.calendar import add_months, add_working_days, receipt_day
from portal.core.time import format_day, london_today
from portal.demo import seed_categories, seed_teams
from portal.extensions import db
from portal.feedback import services
from portal.feedback.models import Case, Category
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
REFERENCE = re.compile(r"CAN-\d{4}-\d{5}")

WHAT_HAPPENED = "The new EHC plan leaves out the speech therapy Sam had every week.\n\nI asked twice by email."
OUTCOME = "Put the therapy back in the plan and say sorry."
OUTCOME_CHANGED = "Put the weekly speech therapy back in the plan."
EMAIL = "jo.smith@example.org"
PLAN_TRIAGE = "What an EHC plan says about my child's needs or support"
INTERPRETER = "An interpreter or information in another language"


@pytest.fixture
def categories(live_server):
    """The council's teams and the categories families choose from."""
    with live_server.app.app_context():
        seed_categories(seed_teams())
        db.session.commit()


# --- Steps of the journey ---------------------------------------------------------------------


def heading(page):
    """The page's main heading: an <h1>, or a question's legend that is the page heading."""
    return page.get_by_role("heading", level=1)


def choose(visitor, question: str, answer: str) -> None:
    """Answer a one-question radios page and go on."""
    page = visitor.page
    expect(heading(page)).to_have_text(question)
    page.get_by_role("group", name=question).get_by_role("radio", name=answer, exact=True).check()
    visitor.submit("Continue")


def start(visitor) -> None:
    page = visitor.page
    visitor.goto("/feedback")
    expect(heading(page)).to_have_text("Tell us what you think")
    visitor.submit("Start now")
    expect(page).to_have_url(re.compile(r"/feedback/what-would-you-like-to-do$"))


def work_out_deadline(visitor, letter: date) -> None:
    """On the appeal-route page, give the decision letter's date and have the deadline worked out."""
    page = visitor.page
    expect(heading(page)).to_have_text("You can appeal this decision")
    when = page.get_by_role("group", name="When was the decision letter dated?")
    when.get_by_label("Day").fill(str(letter.day))
    when.get_by_label("Month").fill(str(letter.month))
    when.get_by_label("Year").fill(str(letter.year))
    visitor.submit("Work out my deadline")
    expect(page).to_have_url(re.compile(r"/feedback/other-ways-to-resolve-this$"))
    deadline = format_day(add_months(letter, 2))
    expect(page.locator(".govuk-inset-text")).to_have_text(f"Contact a mediation adviser by {deadline}.")
    # The date stays in the boxes.
    expect(when.get_by_label("Day")).to_have_value(str(letter.day))
    visitor.submit("Continue with my complaint")


def about_the_child(visitor) -> None:
    page = visitor.page
    expect(heading(page)).to_have_text("About the child or young person")
    page.get_by_label("First name or initials (optional)").fill("SB")
    page.get_by_label("School year (optional)").select_option("Year 4")
    page.get_by_label("School, college or setting (optional)").fill("Riverside Primary School")
    page.get_by_role(
        "group", name=re.compile(r"^Do they have an education, health and care \(EHC\) plan")
    ).get_by_label("Yes", exact=True).check()
    visitor.submit("Continue")


def a_parent_giving_feedback(visitor) -> None:
    page = visitor.page
    expect(heading(page)).to_have_text("Who is giving this feedback?")
    page.get_by_role("group", name="Who is giving this feedback?").get_by_label("A parent or carer").check()
    page.get_by_role("group", name="Is the child or young person aged 16 to 25?").get_by_label("No").check()
    visitor.submit("Continue")


def contact_details(visitor) -> None:
    page = visitor.page
    expect(heading(page)).to_have_text("Your contact details")
    page.get_by_label("Your full name").fill("Jo Smith")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Phone number").fill("07700 900982")
    page.get_by_label("Your relationship to the child or young person").select_option("Parent")
    page.get_by_role("group", name="How should we contact you?").get_by_label("Email").check()
    visitor.submit("Continue")


def upload_evidence(visitor) -> None:
    page = visitor.page
    expect(heading(page)).to_have_text("Upload evidence (optional)")
    page.get_by_label("Upload a file").set_input_files(
        {"name": "decision letter.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    visitor.submit("Upload file")
    expect(page).to_have_url(re.compile(r"/feedback/evidence$"))
    expect(page.get_by_role("heading", name="Files added")).to_be_visible()
    expect(page.locator(".govuk-summary-list")).to_contain_text("decision letter.pdf")
    visitor.submit("Continue")


def check_and_change_outcome(visitor) -> None:
    """Check your answers, change one answer through its Change link, and come back."""
    page = visitor.page
    expect(page).to_have_url(re.compile(r"/feedback/check-your-answers$"))
    expect(heading(page)).to_have_text("Check your answers before sending your complaint")
    answers = page.locator("main")
    for shown in (
        "Make a complaint",
        "Home-to-school transport",
        PLAN_TRIAGE,
        "Jo Smith",
        EMAIL,
        f"{INTERPRETER}: Polish",
        "decision letter.pdf",
    ):
        expect(answers).to_contain_text(shown)

    visitor.follow("Change what you would like to happen")
    expect(page).to_have_url(re.compile(r"/feedback/what-happened\?change=1$"))
    expect(page.get_by_role("link", name="Back", exact=True)).to_have_attribute("href", "/feedback/check-your-answers")
    expect(page.get_by_label("What would you like to happen?")).to_have_value(OUTCOME)
    page.get_by_label("What would you like to happen?").fill(OUTCOME_CHANGED)
    visitor.submit("Continue")

    expect(page).to_have_url(re.compile(r"/feedback/check-your-answers$"))
    expect(answers).to_contain_text(OUTCOME_CHANGED)
    expect(answers).not_to_contain_text(OUTCOME)


def send_and_confirm(visitor, letter: date) -> str:
    page = visitor.page
    visitor.submit("Send complaint")
    expect(page).to_have_url(re.compile(r"/feedback/confirmation$"))
    expect(heading(page)).to_have_text("Complaint sent")
    panel = page.locator(".govuk-panel")
    expect(panel).to_contain_text("Your reference number")
    reference = panel.locator("strong").inner_text().strip()
    assert REFERENCE.fullmatch(reference), reference
    expect(page.get_by_text(f"We have sent a confirmation email to {EMAIL}")).to_be_visible()
    expect(page.locator("main")).to_contain_text(f"contact a mediation adviser by {format_day(add_months(letter, 2))}")
    return reference


# (1) A phone, JavaScript on ---------------------------------------------------------------------


def fits_a_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} is {width}px wide on a 375px screen"


def test_complaint_from_a_phone_with_javascript(phone_visitor, categories):
    visitor = phone_visitor
    page = visitor.page
    # Every page this visitor loads must also fit the screen, not only pass axe.
    check_page = visitor.assert_accessible
    visitor.assert_accessible = lambda: (check_page(), fits_a_phone(page))
    letter = date.today() - timedelta(days=20)

    # This family reads the start page in easy read, looks up a word, and starts from there.
    visitor.goto("/feedback")
    visitor.follow("Read this page in easy read")
    expect(heading(page)).to_have_text("Tell us what you think: easy read")
    visitor.click(page.get_by_role("main").get_by_role("link", name="What these words mean"))
    expect(heading(page)).to_have_text("What these words mean")
    page.get_by_role("navigation", name="Words on this page").get_by_role("link", name="SENDIASS").click()
    expect(page).to_have_url(re.compile(r"/glossary#sendiass$"))
    expect(page.get_by_role("heading", name="SENDIASS", exact=True)).to_be_in_viewport()
    visitor.goto("/easy-read/feedback")
    visitor.submit("Start now")
    expect(page).to_have_url(re.compile(r"/feedback/what-would-you-like-to-do$"))
    choose(visitor, "What would you like to do?", "Make a complaint")
    choose(visitor, "Is a child at risk of harm?", "No")
    choose(visitor, "What is it about?", "Home-to-school transport")
    choose(visitor, "Is your complaint about one of these?", PLAN_TRIAGE)
    work_out_deadline(visitor, letter)

    expect(heading(page)).to_have_text("Tell us about your complaint")
    what_happened = page.get_by_label("What happened?")
    what_happened.fill(WHAT_HAPPENED)
    # The character count component counts down as the person types.
    expect(page.locator(".govuk-character-count__status").first).to_have_text(
        f"You have {5000 - len(WHAT_HAPPENED):,} characters remaining"
    )
    page.get_by_label("What would you like to happen?").fill(OUTCOME)
    visitor.submit("Continue")

    about_the_child(visitor)
    a_parent_giving_feedback(visitor)
    choose(visitor, "Do you want a reply?", "Yes, I will give my contact details")
    contact_details(visitor)

    expect(heading(page)).to_have_text("Do you need any support from us?")
    language = page.get_by_label("Which language?")
    expect(language).to_be_hidden()
    page.get_by_label(INTERPRETER).check()
    # Ticking the box reveals the question about it.
    expect(language).to_be_visible()
    language.fill("Polish")
    visitor.assert_accessible()  # with the reveal open
    visitor.submit("Continue")

    upload_evidence(visitor)
    check_and_change_outcome(visitor)
    send_and_confirm(visitor, letter)

    visitor.follow("Read this page in easy read")
    expect(heading(page)).to_have_text("We have your feedback: easy read")
    visitor.follow("What happens to your case: easy read")
    expect(heading(page)).to_have_text("What happens to your case: easy read")


# (2) JavaScript off -------------------------------------------------------------------------------


def test_complaint_without_javascript_with_a_mistake_on_the_way(no_js_visitor, categories):
    visitor = no_js_visitor
    page = visitor.page
    letter = date.today() - timedelta(days=3)

    start(visitor)

    # Continue without choosing: the server says what is missing.
    visitor.submit("Continue")
    expect(page).to_have_title(re.compile(r"^Error: What would you like to do\? – "))
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary.get_by_role("link", name="Select what you would like to do")).to_be_visible()
    expect(page.locator(".govuk-error-message")).to_contain_text("Select what you would like to do")

    choose(visitor, "What would you like to do?", "Make a complaint")
    choose(visitor, "Is a child at risk of harm?", "No")
    choose(visitor, "What is it about?", "Home-to-school transport")
    choose(visitor, "Is your complaint about one of these?", PLAN_TRIAGE)
    work_out_deadline(visitor, letter)

    # A gap on a text page: what was typed survives the error.
    page.get_by_label("What happened?").fill(WHAT_HAPPENED)
    visitor.submit("Continue")
    expect(page).to_have_title(re.compile(r"^Error: Tell us about your complaint – "))
    expect(
        page.locator(".govuk-error-summary").get_by_role("link", name="Enter what you would like to happen")
    ).to_have_attribute("href", "#outcome_wanted")
    expect(page.get_by_label("What happened?")).to_have_value(WHAT_HAPPENED)
    page.get_by_label("What would you like to happen?").fill(OUTCOME)
    visitor.submit("Continue")

    about_the_child(visitor)
    a_parent_giving_feedback(visitor)
    choose(visitor, "Do you want a reply?", "Yes, I will give my contact details")
    contact_details(visitor)

    # Without JavaScript the follow-up question is shown all the time.
    expect(heading(page)).to_have_text("Do you need any support from us?")
    page.get_by_label(INTERPRETER).check()
    page.get_by_label("Which language?").fill("Polish")
    visitor.submit("Continue")

    upload_evidence(visitor)
    check_and_change_outcome(visitor)
    send_and_confirm(visitor, letter)


# (3) Following the case from another device ----------------------------------------------------


@pytest.fixture
def sent_complaint(live_server, categories) -> str:
    """A complaint sent earlier (on a phone, say), with a reply wanted by email. Its reference."""
    with live_server.app.test_request_context():
        category_id = db.session.scalar(db.select(Category.id).where(Category.name == "Home-to-school transport"))
        draft = services.new_draft()
        services.save_answers(
            draft,
            {
                "kind": "complaint",
                "worried": "no",
                "category_id": str(category_id),
                "triage": "none",
                "what_happened": "The taxi did not come for three weeks.",
                "outcome_wanted": "A reliable taxi.",
                "child_seen": True,
                "speaker": "parent",
                "young_person_age": "no",
                "reply": "yes",
                "contact_name": "Jo Smith",
                "contact_email": EMAIL,
                "relationship": "Parent",
                "preferred_contact": "email",
                "adjustments_seen": True,
                "evidence_seen": True,
            },
        )
        db.session.flush()
        case = services.submit(draft)
        db.session.commit()
        return case.reference


def test_following_a_case_through_an_emailed_link(visitor, live_server, sent_complaint):
    reference = sent_complaint
    page = visitor.page

    visitor.goto("/track")
    expect(heading(page)).to_have_text("Follow your case")
    page.get_by_label("Reference number").fill(reference.lower())
    page.get_by_label("Email address or phone number").fill(EMAIL.upper())
    visitor.submit("Send me a link or code")
    expect(page).to_have_url(re.compile(r"/track/check-your-email$"))
    expect(heading(page)).to_have_text("Check your email")

    link = live_server.link_in(live_server.last_email(EMAIL, "case_link"))
    visitor.goto(link)
    expect(page).to_have_url(live_server.url(f"/my-cases/{reference}"))
    expect(heading(page)).to_have_text("Your complaint about home-to-school transport")
    visitor.follow("Read this page in easy read")
    expect(heading(page)).to_have_text("What happens to your case: easy read")
    page.go_back()
    visitor.assert_accessible()
    expect(heading(page)).to_have_text("Your complaint about home-to-school transport")
    details = page.locator(".govuk-summary-list").first
    expect(details).to_contain_text("Received (stage 1)")
    # A complaint is acknowledged within 5 working days, at each stage.
    acknowledge_by = format_day(add_working_days(receipt_day(london_today()), 5))
    acknowledgement = details.locator(".govuk-summary-list__row", has_text="We will acknowledge it by")
    expect(acknowledgement).to_contain_text(acknowledge_by)
    expect(page.get_by_text("No messages yet.")).to_be_visible()

    # What the family told us, read back, and a copy laid out to print: the page alone.
    expect(page.locator("main")).to_contain_text("The taxi did not come for three weeks.")
    visitor.follow("print what you told us")
    expect(heading(page)).to_have_text("What you told us")
    expect(page.locator("main")).to_contain_text("A reliable taxi.")
    # With JavaScript, a button opens the browser's print dialog.
    page.evaluate("window.print = () => { window.printed = true; }")
    page.get_by_role("button", name="Print this page").click()
    assert page.evaluate("window.printed") is True
    page.emulate_media(media="print")
    for chrome in (".govuk-generic-header", ".govuk-footer", ".govuk-back-link", "[data-print-page]"):
        expect(page.locator(chrome).first).to_be_hidden()
    page.emulate_media(media="screen")
    visitor.follow("Back to your case")

    page.get_by_label("Your message").fill("The taxi came today but was an hour late.")
    visitor.submit("Send")
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Your message has been sent.")
    conversation = page.locator(".twc-conversation")
    expect(conversation.locator("li")).to_have_count(1)
    expect(conversation).to_contain_text("You")
    expect(conversation).to_contain_text("The taxi came today but was an hour late.")

    # Stage 2 is not offered before the stage 1 response.
    expect(page.get_by_role("button", name="Ask for a stage 2 review")).to_have_count(0)
    expect(page.get_by_text("We will send our stage 1 response")).to_be_visible()

    # The link worked once: tapped again in the same browser it goes back to the case it opened.
    visitor.goto(link)
    expect(page).to_have_url(re.compile(rf"/my-cases/{reference}$"))
    # In another browser it leads to /track with the reference filled in, never a dead end.
    other = visitor.page.context.browser.new_context()
    try:
        stranger = other.new_page()
        stranger.goto(link)
        expect(stranger).to_have_url(re.compile(rf"/track\?reference={reference}$"))
        expect(stranger.get_by_label("Reference number")).to_have_value(reference)
        expect(stranger.get_by_text("That link has been used or has expired")).to_be_visible()
        assert_accessible(stranger)
    finally:
        other.close()


def test_a_sent_message_is_confirmed_where_the_family_lands(phone_visitor, live_server, sent_complaint):
    """On a small screen, after "Send" the page opens at its top with the success banner in view
    and focused, so a screen reader reads it out and nobody has to look for it."""
    reference = sent_complaint
    visitor, page = phone_visitor, phone_visitor.page
    visitor.goto("/track")
    page.get_by_label("Reference number").fill(reference)
    page.get_by_label("Email address or phone number").fill(EMAIL)
    visitor.submit("Send me a link or code")
    visitor.goto(live_server.link_in(live_server.last_email(EMAIL, "case_link")))

    page.get_by_label("Your message").fill("The taxi was late again today.")
    visitor.submit("Send")
    expect(page).to_have_url(live_server.url(f"/my-cases/{reference}"))
    banner = page.get_by_role("alert", name="Success")
    expect(banner).to_contain_text("Your message has been sent.")
    expect(banner).to_be_focused()
    expect(banner).to_be_in_viewport()
    assert page.evaluate(
        "document.activeElement.matches('.govuk-notification-banner--success[role=alert]')"
        " && document.activeElement.textContent.includes('Your message has been sent.')"
    )
    expect(page.locator(".twc-conversation")).to_contain_text("The taxi was late again today.")


def answer_and_close(live_server, reference: str) -> None:
    """The caseworker's stage 1 response, then closing the case, through the casework services."""
    with live_server.app.test_request_context():
        case = db.session.scalar(db.select(Case).where(Case.reference == reference))
        handler = db.session.get(
            User,
            create_user(
                None, name="Sam Carter", email="sam.carter@example.org", role=roles.CASEWORKER, password=None
            ).id,
        )
        casework_services.acknowledge(case, handler)
        casework_services.record_outcome(
            case, handler, outcome="not_upheld", summary="The taxi firm's log shows it came."
        )
        casework_services.close(case, handler)
        db.session.commit()


def test_a_family_takes_a_closed_case_to_stage_2(visitor, live_server, sent_complaint):
    reference = sent_complaint
    answer_and_close(live_server, reference)
    page = visitor.page
    visitor.goto("/track")
    page.get_by_label("Reference number").fill(reference)
    page.get_by_label("Email address or phone number").fill(EMAIL)
    visitor.submit("Send me a link or code")
    visitor.goto(live_server.link_in(live_server.last_email(EMAIL, "case_link")))

    details = page.locator(".govuk-summary-list").first
    expect(details).to_contain_text("Closed (stage 1)")
    expect(page.get_by_text("even though the case is closed")).to_be_visible()
    visitor.click(page.get_by_role("button", name="Ask for a stage 2 review"))
    expect(heading(page)).to_have_text("Ask for a stage 2 review")
    page.get_by_label("Anything you want to tell us (optional)").fill("The taxi still does not come.")
    visitor.submit("Ask for a stage 2 review")

    expect(page).to_have_url(live_server.url(f"/my-cases/{reference}"))
    expect(page.get_by_role("alert", name="Success")).to_contain_text("You have asked for a stage 2 review")
    expect(details).to_contain_text("Stage 2 review asked for (stage 2)")
    expect(page.locator(".twc-conversation")).to_contain_text("The taxi still does not come.")
    expect(page.get_by_role("button", name="Ask for a stage 2 review")).to_have_count(0)
    with live_server.app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.reference == reference))
        assert (case.stage, case.closed_at) == (2, None)
