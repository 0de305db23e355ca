"""A family's own pages kept for them once rendered (portal.core.kept_pages): their case page
and the questions of their feedback journey. What is kept is only ever served to the same
visitor, for the same page, and is rendered again as soon as anything on it changes."""

import re

import pytest
import sqlalchemy as sa

from portal.casework import services as casework
from portal.extensions import db
from portal.feedback.models import Adjustment, Case
from tests.casework_helpers import category_id, get_case, sign_in, submit_case
from tests.factories import get_user
from tests.feedback_helpers import answer, send_reply
from tests.query_counts import count_queries


@pytest.fixture
def kept(app):
    """The shared app with kept pages on and none kept (the app fixture turns them off again)."""
    app.config["KEPT_PAGES"] = True
    app.extensions["kept_pages"].clear()
    return app


@pytest.fixture
def category(app):
    with app.app_context():
        return category_id("EHC needs assessment", "SENAR North")


@pytest.fixture
def parent(users):
    return users.make("parent", email="jo@example.org")


@pytest.fixture
def family(kept, category, parent):
    """A signed-in parent's browser, and their case's reference."""
    reference = submit_case(kept, category, user=parent)
    browser = kept.test_client()
    sign_in(browser, parent)
    return browser, reference


def text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def csrf_tokens(response) -> set[str]:
    return set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True)))


# --- kept, and for whom ------------------------------------------------------------------------


def test_a_case_page_seen_again_is_not_rendered_again(kept, family):
    browser, reference = family
    first = count_queries(kept, browser, f"/my-cases/{reference}")
    again = count_queries(kept, browser, f"/my-cases/{reference}")
    assert again < first
    assert text(browser.get(f"/my-cases/{reference}")) == text(browser.get(f"/my-cases/{reference}"))


def test_another_parent_is_never_served_a_page_kept_for_the_family(kept, family, users):
    browser, reference = family
    assert "Sam" in text(browser.get(f"/my-cases/{reference}"))
    stranger = kept.test_client()
    sign_in(stranger, users.make("parent", email="someone.else@example.org"))
    assert stranger.get(f"/my-cases/{reference}").status_code == 404
    assert kept.test_client().get(f"/my-cases/{reference}").status_code in (302, 404)


def test_a_kept_page_carries_this_sessions_own_working_token(kept, family):
    browser, reference = family
    kept.config["WTF_CSRF_ENABLED"] = True
    browser.get(f"/my-cases/{reference}")
    served = browser.get(f"/my-cases/{reference}")
    assert "csrf-token-of-this-session" not in served.get_data(as_text=True)
    (token,) = csrf_tokens(served)
    sent = browser.post(
        f"/my-cases/{reference}/reply",
        data={"csrf_token": token, "body": "Sent from a page that was kept."},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302
    assert "Sent from a page that was kept." in text(browser.get(f"/my-cases/{reference}"))


def test_the_timeout_warning_on_a_kept_page_counts_from_now(kept, family, frozen):
    browser, reference = family
    seconds = re.compile(r'data-seconds-left="(\d+)"')
    first = int(seconds.search(browser.get(f"/my-cases/{reference}").get_data(as_text=True)).group(1))
    assert first > 0
    served = browser.get(f"/my-cases/{reference}").get_data(as_text=True)
    assert 0 < int(seconds.search(served).group(1)) <= first


# --- rendered again when it changes ------------------------------------------------------------


def test_the_familys_own_reply_shows_at_once_with_its_message(kept, family):
    browser, reference = family
    browser.get(f"/my-cases/{reference}")
    send_reply(browser, reference, "Here is the letter from school.")
    after = text(browser.get(f"/my-cases/{reference}"))
    assert "Here is the letter from school." in after and "Your message has been sent." in after
    # The message shown once is gone on the next visit, and the reply stays.
    again = text(browser.get(f"/my-cases/{reference}"))
    assert "Your message has been sent." not in again and "Here is the letter from school." in again


def test_a_caseworkers_reply_and_a_new_caseworker_show_at_once(kept, family, users):
    browser, reference = family
    before = text(browser.get(f"/my-cases/{reference}"))
    caseworker = users.make("caseworker", name="Priya Shah")
    with kept.test_request_context():
        case = get_case(reference)
        casework.reply(case, get_user(caseworker), "We have spoken to the transport team.")
        case.caseworker_id = caseworker.id
        db.session.commit()
    after = text(browser.get(f"/my-cases/{reference}"))
    assert "We have spoken to the transport team." not in before
    assert "We have spoken to the transport team." in after and "Priya Shah" in after


def test_a_change_to_a_row_of_the_case_shows_at_once(kept, family):
    browser, reference = family
    assert "Large print" not in text(browser.get(f"/my-cases/{reference}"))
    with kept.app_context():
        db.session.add(Adjustment(case_id=get_case(reference).id, kind=Adjustment.LARGE_PRINT))
        db.session.commit()
    assert "Large print" in text(browser.get(f"/my-cases/{reference}"))


def test_a_bulk_change_to_cases_shows_at_once(kept, family):
    browser, reference = family
    browser.get(f"/my-cases/{reference}")
    with kept.app_context():
        db.session.execute(sa.update(Case).where(Case.reference == reference).values(child_name="Alex"))
        db.session.commit()
    assert "Alex" in text(browser.get(f"/my-cases/{reference}"))


def test_nothing_is_kept_when_kept_pages_are_off(app, category, parent):
    reference = submit_case(app, category, user=parent)
    browser = app.test_client()
    sign_in(browser, parent)
    first = count_queries(app, browser, f"/my-cases/{reference}")
    assert count_queries(app, browser, f"/my-cases/{reference}") == first


# --- the feedback journey ----------------------------------------------------------------------


def test_a_question_shows_the_answer_just_given_after_it_was_kept(kept):
    browser = kept.test_client()
    browser.post("/feedback/begin")
    first = browser.get("/feedback/what-would-you-like-to-do")
    assert 'value="complaint" checked' not in first.get_data(as_text=True)
    assert answer(browser, "kind", {"kind": "complaint"}).status_code == 302
    again = browser.get("/feedback/what-would-you-like-to-do").get_data(as_text=True)
    assert re.search(r'value="complaint"\s+checked|checked\s+value="complaint"', again) or (
        'id="kind"' in again and "checked" in again
    )


def test_a_question_kept_for_one_browser_is_not_served_to_another(kept):
    first, second = kept.test_client(), kept.test_client()
    for browser in (first, second):
        browser.post("/feedback/begin")
    answer(first, "kind", {"kind": "compliment"})
    first_page = first.get("/feedback/what-would-you-like-to-do").get_data(as_text=True)
    second_page = second.get("/feedback/what-would-you-like-to-do").get_data(as_text=True)
    assert "checked" in first_page and "checked" not in second_page
