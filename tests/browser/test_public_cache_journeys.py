"""A public page served from the page cache in a real browser: the GOV.UK inline script that
marks the page as having JavaScript runs under the CSP (allowed by its hash, as Chromium
computes it), and someone who signs in afterwards sees their own navigation, not the copy."""

import pytest

from portal.accounts import roles

pytestmark = pytest.mark.browser


@pytest.fixture
def cached_server(live_server):
    """The served app with its page cache on and empty (live_server puts the setting back)."""
    live_server.app.config["PAGE_CACHE"] = True
    live_server.app.extensions["page_cache"].clear()
    return live_server


def test_the_inline_script_runs_on_a_cached_page_and_signing_in_shows_your_own_menu(visitor, cached_server):
    page = visitor.page
    blocked = []
    page.on(
        "console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None
    )
    person = cached_server.make_user(roles.PARENT, name="Priya Kaur")

    for _ in range(2):  # rendered, then served from the cache
        response = visitor.goto("/you-said-we-did")
        assert response.headers.get("etag")
        assert "js-enabled" in page.evaluate("document.body.className")
    assert blocked == []

    visitor.sign_in(person.email, person.password)
    visitor.goto("/you-said-we-did")
    assert page.get_by_role("button", name="Sign out").count() == 1
    assert blocked == []
