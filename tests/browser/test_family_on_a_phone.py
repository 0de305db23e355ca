"""A family on a phone, end to end: a complaint sent from a 375 px screen with a file chosen
and Continue pressed (not the upload button), the council's reply read from the one-tap link
in its email, and a message typed as the family's access ran out that is not lost. And the
timeout warning a signed-in person sees before their session ends, with "Stay signed in".

Every page visited is checked with axe (see conftest.py).
"""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.accounts import roles
from portal.accounts.models import User
from portal.casework import services as casework_services
from portal.core.time import utcnow
from portal.extensions import db
from portal.feedback import services
from portal.feedback.models import Case, CaseAccessGrant
from tests.browser.test_feedback_journeys import (
    EMAIL,
    PDF,
    REFERENCE,
    a_parent_giving_feedback,
    categories,  # noqa: F401 (a fixture)
    choose,
    contact_details,
    fits_a_phone,
    heading,
    sent_complaint,  # noqa: F401 (a fixture)
)

pytestmark = pytest.mark.browser

WHAT_HAPPENED = "The taxi has not come for three weeks, so Sam has missed school."
OUTCOME = "A taxi that comes every day."
REPLY = "I have spoken to the taxi company. A new driver starts on Monday."
FAMILY_MESSAGE = "Thank you. Will the new driver know about Sam's seat?"


def one_tap_link(live_server, template: str) -> str:
    """The link in the newest email of ``template`` that opens the case in one tap."""
    body = live_server.last_email(EMAIL, template).body
    match = re.search(r"https?://[^/\s]+(/my-cases/[^/\s]+/open/\S+)", body)
    assert match, f"no one-tap link in the email:\n{body}"
    return live_server.url(match.group(1))


def caseworker_replies(live_server, reference: str) -> None:
    with live_server.app.test_request_context():
        case = db.session.scalar(db.select(Case).where(Case.reference == reference))
        caseworker = db.session.scalar(db.select(User).where(User.role == roles.CASEWORKER))
        casework_services.acknowledge(case, caseworker)
        casework_services.reply(case, caseworker, REPLY)
        db.session.commit()


def access_runs_out(live_server) -> None:
    """As if the family had last opened their case longer ago than access lasts."""
    app = live_server.app
    with app.app_context():
        long_ago = utcnow() - timedelta(hours=app.config["CASE_ACCESS_IDLE_HOURS"], minutes=1)
        db.session.execute(db.update(CaseAccessGrant).values(last_seen_at=long_ago))
        db.session.commit()


def test_a_parent_on_a_phone_complains_reads_the_reply_in_one_tap_and_loses_nothing(
    phone_visitor,
    live_server,
    categories,  # noqa: F811
):
    visitor = phone_visitor
    page = visitor.page
    check_page = visitor.assert_accessible
    visitor.assert_accessible = lambda: (check_page(), fits_a_phone(page))
    live_server.make_user("caseworker", team="Travel Assist", name="Sam Carter")

    visitor.goto("/feedback")
    visitor.submit("Start now")
    choose(visitor, "What would you like to do?", "Make a complaint")
    choose(visitor, "Is a child at risk of harm?", "No")
    choose(visitor, "What is it about?", "Home-to-school transport")
    choose(visitor, "Is your complaint about one of these?", "None of these")
    page.get_by_label("What happened?").fill(WHAT_HAPPENED)
    page.get_by_label("What would you like to happen?").fill(OUTCOME)
    visitor.submit("Continue")
    expect(heading(page)).to_have_text("About the child or young person")
    visitor.submit("Continue")
    a_parent_giving_feedback(visitor)
    choose(visitor, "Do you want a reply?", "Yes, I will give my contact details")
    contact_details(visitor)
    expect(heading(page)).to_have_text("Do you need any support from us?")
    visitor.submit("Continue")

    # A file chosen, then Continue rather than the upload button: the file is kept.
    page.get_by_label("Upload a file").set_input_files(
        {"name": "taxi emails.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    visitor.submit("Continue")
    expect(page).to_have_url(re.compile(r"/feedback/check-your-answers$"))
    expect(page.locator("main")).to_contain_text("taxi emails.pdf")
    visitor.submit("Send complaint")
    reference = page.locator(".govuk-panel strong").inner_text().strip()
    assert REFERENCE.fullmatch(reference), reference

    # The reply comes by email; its link opens the case in one tap, on a browser that holds
    # nothing from before.
    caseworker_replies(live_server, reference)
    page.context.clear_cookies()
    visitor.goto(one_tap_link(live_server, "caseworker_reply"))
    expect(page).to_have_url(re.compile(rf"/my-cases/{reference}$"))
    expect(page.locator("main")).to_contain_text(REPLY)
    expect(page.locator("main")).to_contain_text("taxi emails.pdf")

    # The family types an answer, but their access runs out before they send it.
    page.get_by_label("Your message").fill(FAMILY_MESSAGE)
    access_runs_out(live_server)
    visitor.submit("Send")
    expect(page).to_have_url(re.compile(rf"/track\?reference={reference}$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("We have kept it")
    expect(page.get_by_label("Reference number")).to_have_value(reference)
    page.get_by_label("Email address or phone number").fill(EMAIL)
    visitor.submit("Send me a link or code")

    visitor.goto(one_tap_link(live_server, "case_link"))
    expect(page.get_by_role("alert")).to_contain_text("What you wrote has not been sent yet.")
    expect(page.get_by_label("Your message")).to_have_value(FAMILY_MESSAGE)
    visitor.submit("Send")
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text("Your message has been sent.")
    expect(banner).to_be_focused()
    expect(banner).to_be_in_viewport()
    expect(page.locator("main")).to_contain_text(FAMILY_MESSAGE)
    with live_server.app.app_context():
        case = services.find_case(reference)
        assert [m.body for m in case.messages if m.body == FAMILY_MESSAGE] == [FAMILY_MESSAGE]


def test_the_timeout_warning_offers_to_stay_signed_in_and_keeps_what_was_typed(visitor, live_server, sent_complaint):  # noqa: F811
    app = live_server.app
    page = visitor.page
    # A short spell, so the test sees the warning and the end: 10 seconds, warned for the last 5.
    app.config["FAMILY_SESSION_IDLE_MINUTES"] = 10 / 60
    app.config["SESSION_WARNING_MINUTES"] = 5 / 60
    with app.test_request_context():
        parent = live_server.make_user("parent", email=EMAIL)
        case = services.find_case(sent_complaint)
        case.user_id = parent.id
        db.session.commit()
    visitor.sign_in(EMAIL, parent.password)
    visitor.goto(f"/my-cases/{sent_complaint}")

    warning = page.get_by_role("dialog", name="You’re about to be signed out")
    expect(warning).to_be_visible(timeout=9_000)
    expect(warning).to_contain_text("For your security, we will sign you out in")
    expect(warning.get_by_role("button", name="Stay signed in")).to_be_focused()
    visitor.assert_accessible()  # with the dialog open
    warning.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()

    # Typing, then away from the screen: the session ends, and the page says so, but what
    # was typed stays on the page.
    page.get_by_label("Your message").fill(FAMILY_MESSAGE)
    ended = page.get_by_role("dialog", name="You have been signed out")
    expect(ended).to_be_visible(timeout=15_000)
    visitor.assert_accessible()
    ended.get_by_role("button", name="Close").click()
    expect(page.get_by_label("Your message")).to_have_value(FAMILY_MESSAGE)

    # Sending it asks them to sign in, then shows it again to send.
    visitor.submit("Send")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    app.config["FAMILY_SESSION_IDLE_MINUTES"] = 60
    expect(page.locator(".govuk-notification-banner")).to_contain_text("we will show it to you")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(parent.password)
    visitor.submit("Sign in")
    expect(page).to_have_url(re.compile(rf"/my-cases/{sent_complaint}$"))
    expect(page.get_by_label("Your message")).to_have_value(FAMILY_MESSAGE)
    visitor.submit("Send")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Your message has been sent.")


# Where the page's heading and its form's button are, from the top of the page.
POSITIONS = """() => [...document.querySelectorAll("h1, main button[type=submit]")]
  .map((element) => Math.round(element.getBoundingClientRect().top + window.scrollY))"""
SCRIPT = re.compile(r".*/static/dist/portal\.[0-9a-f]{8}\.js$")


def test_nothing_on_a_phone_moves_when_the_pages_script_starts(phone_visitor):
    """The script collapses the menu behind its button and gives the password a Show button:
    room for both is kept from the first paint, so the page is laid out the same before the
    script starts (here it never comes) as after."""
    page = phone_visitor.page
    page.route(SCRIPT, lambda route: route.abort())
    phone_visitor.goto("/sign-in")
    expect(page.get_by_role("link", name="Give feedback")).to_be_hidden()
    before = page.evaluate(POSITIONS)
    page.unroute(SCRIPT)
    phone_visitor.goto("/sign-in")
    expect(page.get_by_role("button", name="Show password")).to_be_visible()
    assert page.evaluate(POSITIONS) == before
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("link", name="Give feedback")).to_be_visible()


PHONE = "07700 900982"


def test_a_family_with_only_a_phone_opens_their_case_with_a_texted_code(phone_visitor, live_server):
    from tests.casework_helpers import new_case

    page = phone_visitor.page
    with live_server.app.app_context():
        reference = new_case(contact_email=None, contact_phone=PHONE, preferred_contact="phone")
    phone_visitor.goto("/track")
    page.get_by_label("Reference number").fill(reference.lower())
    page.get_by_label("Email address or phone number").fill("+44 7700 900982")
    phone_visitor.submit("Send me a link or code")
    expect(heading(page)).to_have_text("Enter the code we sent")
    code_field = page.get_by_label("Code")
    # A phone offers its number pad, and the code from the text message, to fill it.
    expect(code_field).to_have_attribute("inputmode", "numeric")
    expect(code_field).to_have_attribute("autocomplete", "one-time-code")
    fits_a_phone(page)

    phone_visitor.submit("Continue")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the code we sent you")
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    (text,) = live_server.emails(template="case_code")
    assert text.channel == "sms" and text.recipient == PHONE
    code = re.search(r"code for case \S+ is (\d{6})", text.body).group(1)
    code_field.fill(f"{code[:3]} {code[3:]}")  # as a text message may show it
    phone_visitor.submit("Continue")
    expect(page).to_have_url(re.compile(rf"/my-cases/{reference}$"))
    expect(heading(page)).to_have_text("Your complaint")
    expect(page.locator("main")).to_contain_text(reference)
