"""After sending a form, the page says what happened where the person lands: the redirect
carries no #fragment that would scroll past it, and the message is a GOV.UK success banner
(role="alert", which govuk-frontend focuses on load) at the top of the page, before its heading.
A manager whose save changed nothing goes back to the part of the page they came from."""

from urllib.parse import urlsplit

import lxml.html
import pytest

from portal.accounts import roles
from portal.consultations import models as m
from portal.core.time import format_day
from portal.extensions import db
from portal.feedback.models import Case
from tests.feedback_helpers import make_category
from tests.test_consultations_board import (
    agree_path,
    answer_path,
    comment_path,
    consultation,
    field,
    make_response,
    option,
    send_answers,
    signed_in_client,
)
from tests.test_feedback_cases import send_case

SUCCESS = "//div[contains(concat(' ', normalize-space(@class), ' '), ' govuk-notification-banner--success ')]"


def assert_confirmed(client, response, message: str) -> lxml.html.HtmlElement:
    """``response`` redirects, with no fragment, to a page that opens with a focused success
    banner saying ``message``. Returns the banner."""
    assert response.status_code == 302, response.status_code
    assert urlsplit(response.location).fragment == "", response.location
    landed = client.get(response.location)
    assert landed.status_code == 200
    main = lxml.html.fromstring(landed.get_data(as_text=True)).get_element_by_id("main-content")
    [banner] = main.xpath("." + SUCCESS)
    assert banner.get("role") == "alert"
    assert banner.get("data-module") == "govuk-notification-banner"
    assert message in " ".join(banner.text_content().split())
    # Nothing to read or scroll past before it.
    elements = list(main.iter())
    assert elements.index(banner) < elements.index(main.xpath(".//h1")[0])
    return banner


# --- families following a case ------------------------------------------------------------------


@pytest.fixture
def reference(app, client):
    """A complaint sent from ``client``, which may follow it."""
    with app.app_context():
        category = make_category()
    send_case(client, category)
    with app.app_context():
        return db.session.scalar(db.select(Case.reference).where(Case.contact_email == "jo@example.org"))


def test_a_family_message_sent_is_confirmed_at_the_top_of_the_case_page(client, reference):
    response = client.post(
        f"/my-cases/{reference}/reply", data={"body": "Here is the letter."}, content_type="multipart/form-data"
    )
    assert_confirmed(client, response, "Your message has been sent.")


def test_choosing_learning_updates_is_confirmed_at_the_top_of_the_case_page(client, reference):
    response = client.post(f"/my-cases/{reference}/learning-updates", data={"wanted": "yes"})
    assert_confirmed(
        client, response, "We will email you when we publish a change your feedback helped to bring about."
    )
    response = client.post(f"/my-cases/{reference}/learning-updates", data={"wanted": "no"})
    assert_confirmed(client, response, "We will not email you about changes we publish.")


# --- members on the consultation board ----------------------------------------------------------


@pytest.fixture
def member(app, users):
    return signed_in_client(app, users.make(roles.PARENT, name="Priya Shah"))


def test_save_and_finish_later_is_confirmed_at_the_top_of_the_consultation(app, member):
    info = consultation(app)
    response = member.post(
        answer_path(info),
        data={field(info, m.CHOOSE_ONE): option(info, m.CHOOSE_ONE, 0), "save": "Save and finish later"},
    )
    assert_confirmed(
        member, response, f"Your answers are saved. You can finish them until {format_day(info['closes_on'])}."
    )


def test_sent_answers_are_confirmed_at_the_top_of_the_consultation(app, member):
    info = consultation(app)
    response = send_answers(member, info)
    assert_confirmed(member, response, "A moderator will check them before they appear on the board")


def test_agreeing_and_commenting_are_confirmed_at_the_top_of_the_board_page(app, users, member):
    info = consultation(app)
    response_id = make_response(app, info, users.make(roles.PARENT), text="More caseworkers please.")
    assert_confirmed(member, member.post(agree_path(info, response_id)), "Thank you. You agree with this answer.")
    assert_confirmed(
        member,
        member.post(comment_path(info, response_id), data={"body": "Same for us."}),
        "A moderator will check your comment before it appears on the board",
    )
    # The way back from the comment form still leads to the answer itself.
    form = member.get(comment_path(info, response_id)).get_data(as_text=True)
    assert f'href="/consultations/{info["slug"]}#response-{response_id}"' in form


# --- managers -----------------------------------------------------------------------------------


def test_a_managers_saved_settings_are_confirmed_at_the_top_and_an_unchanged_save_goes_back_to_its_list(
    app, users, auth, client
):
    auth.sign_in(users.make("manager"))
    saved = client.post("/manage/routing/targets", data={"question": "5", "suggestion": "15", "compliment": "3"})
    assert_confirmed(client, saved, "Reply targets saved.")

    with app.app_context():
        category = make_category(name="Therapy", team="SENAR North")
    edit = f"/manage/routing/categories/{category}"
    shown = lxml.html.fromstring(client.get(edit).get_data(as_text=True))
    chosen = {name: shown.xpath(f"//input[@name='{name}'][@checked]/@value")[0] for name in ("team", "procedure")}
    unchanged = client.post(edit, data=chosen)
    assert unchanged.status_code == 302
    assert urlsplit(unchanged.location).fragment == "categories"
