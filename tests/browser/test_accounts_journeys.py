"""Accounts, as a person in a real browser meets them: registering, signing in and out,
resetting a password, mistakes, the keyboard, a phone, and no JavaScript.

Every page visited is checked with axe (see conftest.py).
"""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Velvet-Canyon-Tulip-58"
ANOTHER_PASSWORD = "Copper-Meadow-Lantern-91"


def fill_registration(page, *, name: str, email: str, password: str) -> None:
    page.get_by_role("group", name="Who are you?").get_by_label("A parent or carer").check()
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Create a password").fill(password)


def confirm_by_email(visitor, email: str) -> None:
    """Open the link in the confirmation email, as the person would from their inbox."""
    message = visitor.server.last_email(email, "confirm_email")
    visitor.goto(visitor.server.link_in(message))


def expect_account_page(visitor, *, name: str, email: str) -> None:
    page = visitor.page
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page).to_have_title(re.compile(r"^Your account – "))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    summary = page.locator(".govuk-summary-list")
    expect(summary).to_contain_text(name)
    expect(summary).to_contain_text(email)


# (a) -----------------------------------------------------------------------------------------


def test_parent_registers_confirms_their_email_and_is_signed_in(visitor):
    page = visitor.page
    visitor.goto("/")
    visitor.click(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Sign in"))
    visitor.follow("Create an account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")

    fill_registration(page, name="Ada Parent", email="ada.parent@example.org", password=NEW_PASSWORD)
    visitor.submit("Create account")

    expect(page).to_have_url(re.compile(r"/register/check-your-email$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page.get_by_text("ada.parent@example.org")).to_be_visible()

    confirm_by_email(visitor, "ada.parent@example.org")
    expect_account_page(visitor, name="Ada Parent", email="ada.parent@example.org")
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Your email address is confirmed")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Parent")


# (b) -----------------------------------------------------------------------------------------


def test_sign_in_then_sign_out_from_the_service_navigation(visitor, live_server):
    person = live_server.make_user("parent")
    page = visitor.page

    visitor.sign_in(person.email, person.password)
    # A parent lands on their cases.
    expect(page).to_have_url(re.compile(r"/my-cases$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cases")

    menu = page.get_by_role("navigation", name="Menu")
    visitor.click(menu.get_by_role("button", name="Sign out", exact=True))

    expect(page).to_have_url(live_server.url("/"))
    expect(page.get_by_role("alert", name="Success")).to_contain_text("You have signed out.")
    expect(menu.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(menu.get_by_role("link", name="Sign in", exact=True)).to_be_visible()

    visitor.goto("/account")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Faccount$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


# (c) -----------------------------------------------------------------------------------------


def test_forgotten_password_reset_by_email_then_sign_in_with_the_new_one(visitor, live_server):
    person = live_server.make_user("parent")
    page = visitor.page

    visitor.goto("/sign-in")
    visitor.follow("I have forgotten my password")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    page.get_by_label("Email address").fill(person.email)
    visitor.submit("Send reset link")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    reset_link = live_server.link_in(live_server.last_email(person.email, "password_reset"))
    visitor.goto(reset_link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    page.get_by_label("New password").fill(ANOTHER_PASSWORD)
    visitor.submit("Save password")

    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Your password has been saved")

    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password", exact=True).fill(ANOTHER_PASSWORD)
    visitor.submit("Sign in")
    expect(page).to_have_url(re.compile(r"/my-cases$"))

    response = visitor.goto(reset_link)
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has expired or has already been used")
    expect(page.get_by_role("link", name="Ask for a new password reset link")).to_be_visible()


# (d) -----------------------------------------------------------------------------------------


def test_wrong_password_shows_the_error_summary_and_keeps_the_email(visitor, live_server):
    person = live_server.make_user("parent")
    page = visitor.page

    visitor.sign_in(person.email, "Not-The-Right-Password-1")

    expect(page).to_have_title(re.compile(r"^Error: Sign in – "))
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary.get_by_role("link", name="Enter the email address and password for your account")).to_have_attribute(
        "href", "#email"
    )
    # GOV.UK Frontend's JavaScript moves focus to the summary, so screen readers announce it.
    expect(summary).to_be_focused()
    expect(page.get_by_label("Email address")).to_have_value(person.email)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")

    summary.get_by_role("link").click()
    expect(page.get_by_label("Email address")).to_be_focused()


# (e) -----------------------------------------------------------------------------------------


def test_keyboard_skip_link_comes_first_and_sign_out_is_reachable(visitor, live_server):
    person = live_server.make_user("parent")
    page = visitor.page

    visitor.goto("/")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#main-content")).to_be_focused()

    visitor.sign_in(person.email, person.password)
    expect(page).to_have_url(re.compile(r"/my-cases$"))

    sign_out = page.get_by_role("navigation", name="Menu").get_by_role("button", name="Sign out", exact=True)
    for _ in range(25):
        page.keyboard.press("Tab")
        if sign_out.evaluate("button => button === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the Sign out button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    visitor.assert_accessible()
    expect(page.get_by_role("alert", name="Success")).to_contain_text("You have signed out.")


# (f) -----------------------------------------------------------------------------------------


def assert_no_sideways_scrolling(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} is {width}px wide on a 375px screen"


def test_start_and_register_pages_on_a_phone(phone_visitor):
    page = phone_visitor.page

    phone_visitor.goto("/")
    assert_no_sideways_scrolling(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Together We CAN")

    # The service navigation folds into a menu button on a small screen.
    toggle = page.get_by_role("button", name="Menu")
    expect(toggle).to_be_visible()
    sign_in_link = page.get_by_role("navigation", name="Menu").get_by_role("link", name="Sign in")
    expect(sign_in_link).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    phone_visitor.assert_accessible()

    phone_visitor.click(sign_in_link)
    phone_visitor.follow("Create an account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    assert_no_sideways_scrolling(page)

    # The same page with its errors showing.
    phone_visitor.submit("Create account")
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_no_sideways_scrolling(page)


# (g) -----------------------------------------------------------------------------------------


def test_registering_works_without_javascript(no_js_visitor):
    visitor = no_js_visitor
    page = visitor.page

    visitor.goto("/register")
    # A first try with a gap in it: the errors come from the server, not from scripts.
    fill_registration(page, name="Sam Carer", email="sam.carer@example.org", password=NEW_PASSWORD)
    page.get_by_label("Your name").fill("")
    page.get_by_label("Create a password").fill("")
    visitor.submit("Create account")
    expect(page).to_have_title(re.compile(r"^Error: Create an account – "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter your name")
    expect(summary).to_contain_text("Enter a password")
    expect(page.get_by_label("A parent or carer")).to_be_checked()
    expect(page.get_by_label("Email address")).to_have_value("sam.carer@example.org")

    page.get_by_label("Your name").fill("Sam Carer")
    page.get_by_label("Create a password").fill(NEW_PASSWORD)
    visitor.submit("Create account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    confirm_by_email(visitor, "sam.carer@example.org")
    expect_account_page(visitor, name="Sam Carer", email="sam.carer@example.org")
