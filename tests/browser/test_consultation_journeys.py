"""The co-production board in a real browser: a youth forum member answers an open
consultation (a draft first, then a mistake, then checked, changed and sent, partly by
keyboard); a manager moderates it and, once the consultation has closed, publishes "We asked,
You said, We did"; the member reads the outcome from the email. Also a phone reading the
board, answering with JavaScript off, and, with JavaScript off, agreeing with an answer,
taking that back, and a comment its author sees waiting to be checked.

Every page visited is checked with axe (see conftest.py).
"""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.accounts import roles
from portal.consultations import models as m
from portal.core.time import london_today, utcnow
from portal.extensions import db
from tests.browser.conftest import _visitor
from tests.consultation_helpers import make_consultation

pytestmark = pytest.mark.browser

TITLE = "A new youth club timetable"
QUESTIONS = [
    {"kind": m.FREE_TEXT, "prompt": "What would make the club better?", "required": True},
    {"kind": m.CHOOSE_ONE, "prompt": "Which evening suits you best?", "options": ["Monday", "Wednesday", "Friday"]},
    {"kind": m.CHOOSE_SEVERAL, "prompt": "What should the club offer?", "options": ["Games", "Music", "Cooking"]},
    {"kind": m.SCALE, "prompt": "How much would you use the club?"},
]
WRITTEN = "Quieter rooms for people who find noise hard, and a lift to the top floor."


@pytest.fixture
def manager_visitor(browser, live_server, request):
    """A second person's browser, checked by axe like the first."""
    yield from _visitor(browser, live_server, request)


def make(live_server, **kwargs) -> dict:
    with live_server.app.app_context():
        consultation = make_consultation(**kwargs)
        return {"id": consultation.id, "slug": consultation.slug, "title": consultation.title}


def heading(page):
    return page.get_by_role("heading", level=1)


def menu(page):
    return page.get_by_role("navigation", name="Menu")


def success(page):
    return page.get_by_role("alert", name="Success")


def group(page, legend: str):
    return page.get_by_role("group", name=re.compile("^" + re.escape(legend)))


def time_passes_until_closed(live_server, consultation_id: int) -> None:
    """Move the consultation's dates into the past, as the weeks going by would."""
    today = london_today()
    with live_server.app.app_context():
        consultation = db.session.get(m.Consultation, consultation_id)
        consultation.opens_on = today - timedelta(days=30)
        consultation.closes_on = today - timedelta(days=1)
        db.session.commit()


def test_youth_member_answers_a_manager_moderates_and_publishes_the_outcome(live_server, visitor, manager_visitor):
    consultation = make(live_server, title=TITLE, audience=m.YOUTH_FORUM, questions=QUESTIONS)
    member = live_server.make_user(roles.YOUTH, name="Riley Jenkins", email="riley.jenkins@example.org")
    manager = live_server.make_user(roles.MANAGER, name="Morgan Manager", email="morgan.manager@example.org")
    page = visitor.page

    # The member signs in and finds the consultation from "Have your say".
    visitor.sign_in(member.email, member.password)
    expect(menu(page).get_by_role("link", name="Your account")).to_be_visible()
    visitor.click(menu(page).get_by_role("link", name="Have your say"))
    expect(heading(page)).to_have_text("Have your say")
    expect(page.get_by_text("usually within 2 working days")).to_be_visible()
    visitor.follow(TITLE)
    expect(heading(page)).to_have_text(TITLE)
    visitor.click(page.get_by_role("button", name="Answer this consultation"))
    expect(heading(page)).to_have_text("Answer the consultation")

    # Some answers by keyboard alone: Tab into each group, arrows choose a radio, Space ticks a box.
    page.get_by_label("What would make the club better?").focus()
    page.keyboard.press("Tab")
    evenings = group(page, "Which evening suits you best?")
    expect(evenings.get_by_label("Monday")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(evenings.get_by_label("Wednesday")).to_be_checked()
    page.keyboard.press("Tab")
    offers = group(page, "What should the club offer?")
    expect(offers.get_by_label("Games")).to_be_focused()
    page.keyboard.press("Tab")
    expect(offers.get_by_label("Music")).to_be_focused()
    page.keyboard.press("Space")
    expect(offers.get_by_label("Music")).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    scale = group(page, "How much would you use the club?")
    expect(scale.get_by_label("1", exact=True)).to_be_focused()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(scale.get_by_label("4", exact=True)).to_be_checked()
    group(page, "Who can see your answers?").get_by_label("Everyone (public)").check()
    expect(page.get_by_text("as \u201cYouth forum member\u201d, never with your name")).to_be_visible()

    visitor.submit("Save and finish later")
    expect(success(page)).to_contain_text("Your answers are saved")
    expect(page.get_by_text("Draft saved", exact=True)).to_be_visible()

    # The member leaves, and comes back to the saved answers.
    visitor.click(menu(page).get_by_role("link", name="Your account"))
    visitor.click(menu(page).get_by_role("link", name="Have your say"))
    visitor.follow(TITLE)
    expect(page.get_by_text("Draft saved", exact=True)).to_be_visible()
    visitor.click(page.get_by_role("button", name="Continue your answers"))
    expect(page.get_by_text("They have not been sent yet")).to_be_visible()
    expect(group(page, "Which evening suits you best?").get_by_label("Wednesday")).to_be_checked()
    expect(group(page, "What should the club offer?").get_by_label("Music")).to_be_checked()
    expect(group(page, "What should the club offer?").get_by_label("Games")).not_to_be_checked()
    expect(group(page, "How much would you use the club?").get_by_label("4", exact=True)).to_be_checked()
    expect(group(page, "Who can see your answers?").get_by_label("Everyone (public)")).to_be_checked()

    # Going on with the required question empty: told what is missing, nothing lost.
    visitor.submit("Continue")
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    missing = "Enter your answer to \u201cWhat would make the club better?\u201d"
    expect(summary).to_contain_text(missing)
    expect(group(page, "Which evening suits you best?").get_by_label("Wednesday")).to_be_checked()
    expect(group(page, "How much would you use the club?").get_by_label("4", exact=True)).to_be_checked()
    summary.get_by_role("link", name=missing).click()
    expect(page.get_by_label("What would make the club better?")).to_be_focused()
    page.get_by_label("What would make the club better?").fill(WRITTEN)
    visitor.submit("Continue")

    # Check the answers; back to the questions (a Change link, then the browser's Back), one
    # answer changed: nothing typed is lost on the way.
    expect(heading(page)).to_have_text("Check your answers before sending them")
    answers = page.locator(".govuk-summary-list")
    expect(answers).to_contain_text(WRITTEN)
    expect(answers).to_contain_text("Wednesday")
    expect(answers).to_contain_text("Everyone (public)")
    visitor.click(page.get_by_role("link", name="Change your answer to \u201cWhich evening suits you best?\u201d"))
    expect(heading(page)).to_have_text("Answer the consultation")
    expect(page.get_by_label("What would make the club better?")).to_have_value(WRITTEN)
    expect(group(page, "What should the club offer?").get_by_label("Music")).to_be_checked()
    group(page, "Which evening suits you best?").get_by_label("Friday").check()
    visitor.submit("Continue")
    expect(answers).to_contain_text("Friday")
    expect(answers).not_to_contain_text("Wednesday")
    expect(answers).to_contain_text(WRITTEN)
    page.go_back()
    visitor.assert_accessible()
    expect(heading(page)).to_have_text("Answer the consultation")
    expect(page.get_by_label("What would make the club better?")).to_have_value(WRITTEN)
    expect(group(page, "Which evening suits you best?").get_by_label("Friday")).to_be_checked()
    expect(group(page, "How much would you use the club?").get_by_label("4", exact=True)).to_be_checked()
    visitor.submit("Continue")
    expect(heading(page)).to_have_text("Check your answers before sending them")
    visitor.submit("Send answers")
    expect(success(page)).to_contain_text("A moderator will check them before they appear on the board")
    expect(page.get_by_text("Sent, waiting for moderation")).to_be_visible()
    expect(page.get_by_text("No answers have been shared on the board yet.")).to_be_visible()

    # A manager moderates: Consultations, the moderation queue, the post, approve.
    boss = manager_visitor.page
    manager_visitor.sign_in(manager.email, manager.password)
    manager_visitor.click(menu(boss).get_by_role("link", name="Consultations"))
    expect(heading(boss)).to_have_text("Consultations")
    manager_visitor.click(boss.get_by_role("link", name="moderation queue", exact=True))
    expect(heading(boss)).to_have_text("Posts waiting for moderation")
    expect(boss.get_by_role("table")).to_contain_text("1 post waiting")
    manager_visitor.click(boss.get_by_role("link", name=re.compile(r"^Decide on the response from Riley Jenkins")))
    expect(heading(boss)).to_have_text("Moderate a response")
    expect(boss.locator(".govuk-summary-list").get_by_text(WRITTEN)).to_be_visible()
    group(boss, "What is your decision?").get_by_label("Approve", exact=True).check()
    manager_visitor.submit("Save decision")
    expect(success(boss)).to_contain_text("Response approved. The author has been told.")
    expect(boss.get_by_text("No posts are waiting for moderation.")).to_be_visible()

    # The answer is on the public page, as "Youth forum member", never with the member's name.
    visitor.goto(f"/consultations/{consultation['slug']}")
    expect(page.get_by_text("Published on the board")).to_be_visible()
    shared = page.locator(".govuk-heading-s", has_text="Youth forum member")
    expect(shared).to_have_count(1)
    expect(page.get_by_text(WRITTEN)).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Riley")
    expect(page.locator("main")).not_to_contain_text("Jenkins")
    approved = live_server.last_email(member.email, "consultation_approved")
    assert TITLE in approved.subject

    # Weeks go by and the consultation closes; the manager writes and publishes the outcome.
    time_passes_until_closed(live_server, consultation["id"])
    manager_visitor.click(menu(boss).get_by_role("link", name="Consultations"))
    expect(boss.locator("#closed ~ table").first).to_contain_text(TITLE)
    manager_visitor.follow(TITLE)
    manager_visitor.follow("Write the outcome")
    expect(heading(boss)).to_contain_text("Outcome")
    boss.get_by_label("We asked", exact=True).fill("We asked the youth forum when the club should open.")
    boss.get_by_label("You said", exact=True).fill("You said Wednesday evenings, with quieter rooms.")
    boss.get_by_label("We did", exact=True).fill("From September the club opens on Wednesdays, with a quiet room.")
    manager_visitor.submit("Publish outcome")
    expect(success(boss)).to_contain_text("Outcome published. 1 person who took part has been emailed a link to it.")

    # The member gets the email and reads the outcome from its link.
    told = live_server.last_email(member.email, "consultation_outcome")
    assert TITLE in told.subject
    visitor.goto(live_server.link_in(told))
    expect(heading(page)).to_have_text(TITLE)
    expect(page.locator(".govuk-tag", has_text="Outcome published")).to_be_visible()
    expect(page.get_by_role("heading", name="We did", exact=True)).to_be_visible()
    expect(page.get_by_text("From September the club opens on Wednesdays")).to_be_visible()
    expect(page.get_by_text(WRITTEN)).to_be_visible()

    # Exactly the two emails about this consultation reached the member.
    templates = [
        email.template for email in live_server.emails(member.email) if email.template.startswith("consultation_")
    ]
    assert templates == ["consultation_approved", "consultation_outcome"]


def test_a_phone_reads_the_board_and_a_consultation(live_server, phone_visitor):
    make(live_server, title="Short breaks for the summer", audience=m.EVERYONE)
    make(live_server, title="Renaming SEND to CAN", audience=m.PARENTS, state=m.OUTCOME_PUBLISHED)
    page = phone_visitor.page

    phone_visitor.goto("/consultations")
    expect(heading(page)).to_have_text("Have your say")
    expect(page.get_by_role("link", name="Renaming SEND to CAN")).to_be_visible()
    phone_visitor.follow("Short breaks for the summer")
    expect(heading(page)).to_have_text("Short breaks for the summer")
    expect(page.get_by_role("button", name="Sign in or create an account to answer")).to_be_visible()
    # Nothing is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_answering_with_javascript_off_saves_a_draft(live_server, no_js_visitor):
    consultation = make(live_server, title=TITLE, audience=m.EVERYONE, questions=QUESTIONS)
    member = live_server.make_user(roles.YOUTH)
    visitor = no_js_visitor
    page = visitor.page

    visitor.sign_in(member.email, member.password)
    visitor.goto(f"/consultations/{consultation['slug']}")
    visitor.click(page.get_by_role("button", name="Answer this consultation"))
    page.get_by_label("What would make the club better?").fill(WRITTEN)
    group(page, "Which evening suits you best?").get_by_label("Friday").check()
    visitor.submit("Save and finish later")
    expect(success(page)).to_contain_text("Your answers are saved")
    expect(page.get_by_text("Draft saved", exact=True)).to_be_visible()

    visitor.click(page.get_by_role("button", name="Continue your answers"))
    expect(page.get_by_label("What would make the club better?")).to_have_value(WRITTEN)
    expect(group(page, "Which evening suits you best?").get_by_label("Friday")).to_be_checked()


def test_agreeing_taking_it_back_and_a_comment_waiting_to_be_checked_with_javascript_off(
    live_server, no_js_visitor, visitor
):
    consultation = make(live_server, title=TITLE, audience=m.EVERYONE, questions=QUESTIONS)
    author = live_server.make_user(roles.PARENT, name="Jo Bloggs")
    with live_server.app.app_context():
        question = db.session.get(m.Consultation, consultation["id"]).questions[0]
        shared = m.Response(
            consultation_id=consultation["id"],
            author_id=author.id,
            visibility=m.PUBLIC,
            moderation=m.APPROVED,
            submitted_at=utcnow(),
            answers=[m.Answer(question_id=question.id, text="Open on Fridays, please.")],
        )
        db.session.add(shared)
        db.session.commit()
    member = live_server.make_user(roles.YOUTH)
    page = no_js_visitor.page

    no_js_visitor.sign_in(member.email, member.password)
    no_js_visitor.goto(f"/consultations/{consultation['slug']}")
    expect(page.get_by_text("usually within 2 working days")).to_be_visible()
    expect(page.get_by_text("0 people agree")).to_be_visible()
    no_js_visitor.submit("I agree with Jo")
    expect(success(page)).to_contain_text("You agree with this answer")
    expect(page.get_by_text("1 person agrees, including you")).to_be_visible()
    expect(page.get_by_role("button", name="I agree with Jo", exact=True)).to_have_count(0)

    no_js_visitor.submit("Take back my agreement with Jo")
    expect(success(page)).to_contain_text("You have taken back your agreement")
    expect(page.get_by_text("0 people agree")).to_be_visible()
    expect(page.get_by_role("button", name="I agree with Jo", exact=True)).to_be_visible()

    no_js_visitor.click(page.get_by_role("link", name="Add a comment on the answers from Jo"))
    expect(heading(page)).to_have_text("Add a comment")
    page.get_by_label("Your comment").fill("Fridays suit me too.")
    no_js_visitor.submit("Send comment")
    expect(success(page)).to_contain_text("usually within 2 working days")
    mine = page.locator("li", has_text="Fridays suit me too.")
    expect(mine.locator(".govuk-tag")).to_have_text("Waiting to be checked")
    expect(mine).to_contain_text("Only you can see it until a moderator checks it")

    # Nobody else sees it until a moderator has checked it.
    visitor.goto(f"/consultations/{consultation['slug']}")
    expect(visitor.page.get_by_text("Open on Fridays, please.")).to_be_visible()
    expect(visitor.page.locator("main")).not_to_contain_text("Fridays suit me too.")
    expect(visitor.page.locator("main")).not_to_contain_text("Waiting to be checked")
