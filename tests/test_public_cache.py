"""Public pages rendered once (portal.core.page_cache): what anonymous visitors are served from
the cache, what never is, and that each change the public would notice shows at once."""

import logging
from datetime import timedelta

import pytest
import redis
from flask import render_template_string

from portal.accounts import roles
from portal.consultations import models as m
from portal.consultations.moderation import APPROVE, HIDE
from portal.core.page_cache import public_page
from portal.core.terms import term_of
from portal.core.time import london_today
from portal.extensions import db
from portal.reports import termly
from portal.yousaid import entries as services
from portal.yousaid.models import IN_PROGRESS, YouSaidEntry
from tests.casework_helpers import answer_stage_1, new_case
from tests.conftest import clear_tables, make_app
from tests.consultation_helpers import make_consultation
from tests.factories import get_user, make_user
from tests.query_counts import count_queries
from tests.test_consultations_moderation import consultation, decide, respond
from tests.test_reports_complaints import figures
from tests.test_security import page
from tests.test_termly_updates import pdf_text
from tests.test_yousaid_entries import make_entry, make_theme

DEAD_REDIS = "redis://127.0.0.1:9/0"
OWN_REDIS = "redis://127.0.0.1:6379/7"


@pytest.fixture
def cached(app):
    """The shared app with its page cache on and empty (the app fixture turns it off again)."""
    app.config["PAGE_CACHE"] = True
    app.extensions["page_cache"].clear()
    return app


def anonymous(app):
    return app.test_client()


def text(response) -> str:
    return page(response).text


# --- who is served what ----------------------------------------------------------------------


def test_a_second_anonymous_visit_is_served_without_the_database(cached):
    theme = make_theme(cached, "Letters")
    make_entry(cached, theme, title="Clearer letters")
    visitor = anonymous(cached)
    assert count_queries(cached, visitor, "/you-said-we-did") > 0
    assert count_queries(cached, anonymous(cached), "/you-said-we-did") == 0
    assert "Clearer letters" in text(anonymous(cached).get("/you-said-we-did"))


def test_a_signed_in_persons_page_is_never_served_to_an_anonymous_visitor(cached, users, auth, client):
    auth.sign_in(users.make(roles.PARENT, name="Priya Kaur"))
    for path in ("/", "/you-said-we-did", "/consultations"):
        signed_in = client.get(path)
        assert "Sign out" in text(signed_in)
        assert signed_in.headers["Cache-Control"] == "no-store"

        for _ in range(2):
            shown = text(anonymous(cached).get(path))
            assert "Sign out" not in shown
            assert "Priya" not in shown


def test_a_signed_in_person_gets_their_own_page_not_the_anonymous_copy(cached, users, auth, client):
    for path in ("/", "/you-said-we-did", "/consultations"):
        anonymous(cached).get(path)
        assert count_queries(cached, anonymous(cached), path) == 0  # the copy is there
    auth.sign_in(users.make(roles.PARENT, name="Priya Kaur"))
    for path in ("/", "/you-said-we-did", "/consultations"):
        response = client.get(path)
        assert "Sign out" in text(response)
        assert response.headers["Cache-Control"] == "no-store"
        assert "ETag" not in response.headers


def test_a_flashed_message_is_shown_once_to_its_visitor_and_never_kept(cached):
    told = anonymous(cached)
    with told.session_transaction() as session:
        session["_flashes"] = [("success", "Thank you for telling us")]
    assert "Thank you for telling us" in text(told.get("/"))
    assert "Thank you for telling us" not in text(anonymous(cached).get("/"))
    assert "Thank you for telling us" not in text(told.get("/"))


def test_a_visitor_part_way_through_their_feedback_is_not_served_a_copy(cached):
    family = anonymous(cached)
    family.post("/feedback/begin")
    anonymous(cached).get("/")
    assert count_queries(cached, anonymous(cached), "/") == 0
    response = family.get("/")
    assert "ETag" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_a_page_that_renders_a_form_token_is_not_kept(server):
    """A form's CSRF token belongs to one visitor's session."""
    app = server()

    @app.get("/a-form-for-this-test")
    @public_page
    def a_form():
        return render_template_string('<input name="csrf_token" value="{{ csrf_token() }}">')

    anonymous(app).get("/a-form-for-this-test")
    visitor = anonymous(app)
    response = visitor.get("/a-form-for-this-test")
    assert "ETag" not in response.headers
    assert visitor.get_cookie("twc_session") is not None


def test_the_feedback_start_page_is_one_page_for_every_visitor(cached):
    """Its Start button carries no session token, so the page is served from the cache and
    starting still works from it."""
    anonymous(cached).get("/feedback")
    visitor = anonymous(cached)
    assert count_queries(cached, visitor, "/feedback") == 0
    response = visitor.get("/feedback")
    assert "ETag" in response.headers
    assert visitor.get_cookie("twc_session") is None
    started = visitor.post("/feedback/begin", headers={"Sec-Fetch-Site": "same-origin"})
    assert started.status_code == 302 and "/feedback/" in started.headers["Location"]


@pytest.mark.parametrize(
    "headers",
    [{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}, {"Origin": "https://elsewhere.example"}],
)
def test_starting_feedback_from_another_site_is_refused(cached, headers):
    """Another site's page cannot post the Start button: it would replace the visitor's session
    (signing them out, or losing the draft they had begun)."""
    family = anonymous(cached)
    family.post("/feedback/begin", headers={"Origin": "http://localhost"})
    begun = family.get_cookie("twc_session").value
    refused = family.post("/feedback/begin", headers=headers)
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/feedback")
    assert family.get_cookie("twc_session").value == begun
    stranger = anonymous(cached)
    stranger.post("/feedback/begin", headers=headers)
    assert stranger.get_cookie("twc_session") is None


def test_public_pages_carry_an_etag_and_answer_304_when_unchanged(cached):
    first = anonymous(cached).get("/you-said-we-did")
    assert first.headers["Cache-Control"] == "public, max-age=60"
    assert "Cookie" in first.headers["Vary"]
    etag = first.headers["ETag"]
    again = anonymous(cached).get("/you-said-we-did", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""

    make_entry(cached, make_theme(cached, "Transport"), title="Taxis on time")
    changed = anonymous(cached).get("/you-said-we-did", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "Taxis on time" in text(changed)


def test_the_inline_script_is_allowed_by_hash_on_a_page_served_from_the_cache(cached):
    from tests.test_security import check_page_headers

    anonymous(cached).get("/")
    check_page_headers(anonymous(cached).get("/"))


@pytest.fixture
def manager(users, auth):
    person = users.make(roles.MANAGER, name="Morgan Manager")
    auth.sign_in(person)
    return person


# --- what invalidates ------------------------------------------------------------------------


def test_publishing_an_entry_and_changing_its_status_show_at_once(cached):
    theme = make_theme(cached, "Letters")
    assert "Clearer letters" not in text(anonymous(cached).get("/you-said-we-did"))
    entry_id = make_entry(cached, theme, title="Clearer letters")
    assert "Clearer letters" in text(anonymous(cached).get("/you-said-we-did"))

    assert "In progress" not in text(anonymous(cached).get(f"/you-said-we-did/{entry_id}"))
    with cached.test_request_context():
        services.change_status(None, db.session.get(YouSaidEntry, entry_id), IN_PROGRESS, "Two letters rewritten.")
        db.session.commit()
    assert "In progress" in text(anonymous(cached).get(f"/you-said-we-did/{entry_id}"))


def test_publishing_a_termly_update_and_correcting_it_show_at_once(cached):
    term = term_of(london_today())
    assert anonymous(cached).get(f"/updates/{term.slug}").status_code == 404
    listed = text(anonymous(cached).get("/updates"))
    with cached.app_context():
        manager = make_user(roles.MANAGER)
    with cached.test_request_context():
        termly.publish(
            get_user(manager), term, london_today(), introduction="We listened this term.", priorities="Letters."
        )
        db.session.commit()
    assert text(anonymous(cached).get("/updates")) != listed
    assert "We listened this term." in text(anonymous(cached).get(f"/updates/{term.slug}"))

    with cached.test_request_context():
        termly.save(
            get_user(manager),
            term,
            introduction="We listened hard this term.",
            priorities="Letters.",
            note="The introduction said too little.",
        )
        db.session.commit()
    assert "We listened hard this term." in text(anonymous(cached).get(f"/updates/{term.slug}"))


def test_a_published_pdf_is_kept_like_a_page_and_a_correction_shows_at_once(cached):
    term = term_of(london_today())
    with cached.app_context():
        manager = make_user(roles.MANAGER)
    with cached.test_request_context():
        termly.publish(get_user(manager), term, london_today(), introduction="First words.", priorities="Letters.")
        db.session.commit()
    newest, first = f"/updates/{term.slug}.pdf", f"/updates/{term.slug}/versions/1.pdf"
    assert count_queries(cached, anonymous(cached), newest) > 0
    assert count_queries(cached, anonymous(cached), newest) == 0
    kept = anonymous(cached).get(newest)
    # Still a sandboxed download, cached by browsers for minutes only (a correction may come).
    assert kept.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert kept.headers["Content-Disposition"].startswith("attachment")
    assert kept.headers["Cache-Control"] == "public, max-age=300"
    assert anonymous(cached).get(newest, headers={"If-None-Match": kept.headers["ETag"]}).status_code == 304
    assert "First words." in pdf_text(kept)
    anonymous(cached).get(first)

    with cached.test_request_context():
        termly.save(get_user(manager), term, introduction="Better words.", priorities="Letters.", note="Clearer.")
        db.session.commit()
    assert "Better words." in pdf_text(anonymous(cached).get(newest))
    version_1 = anonymous(cached).get(first)
    assert "First words." in pdf_text(version_1)
    assert "immutable" in version_1.headers["Cache-Control"]


def test_a_moderators_approval_and_hiding_show_on_the_board_at_once(cached, client, users, manager):
    info = consultation(cached, title="Renaming SEND")
    parent = users.make(roles.PARENT, name="Sam Parent")
    response_id, _ = respond(cached, info, parent, text="Call it CAN, it is kinder")
    board = f"/consultations/{info['slug']}"
    assert "Call it CAN" not in text(anonymous(cached).get(board))

    assert decide(client, "responses", response_id, APPROVE).status_code == 302
    assert "Call it CAN" in text(anonymous(cached).get(board))

    assert decide(client, "responses", response_id, HIDE, reason="Off topic").status_code == 302
    assert "Call it CAN" not in text(anonymous(cached).get(board))


def test_a_consultation_opening_on_its_day_shows_on_the_board_that_morning(cached, frozen):
    today = london_today()
    frozen(today)
    with cached.app_context():
        make_consultation(title="Short breaks", state=m.UPCOMING)
        db.session.commit()
    assert "days left" not in text(anonymous(cached).get("/consultations"))
    assert count_queries(cached, anonymous(cached), "/consultations") == 0

    frozen(today + timedelta(days=7))
    assert "days left" in text(anonymous(cached).get("/consultations"))


def test_a_complaint_answered_and_closed_changes_the_annual_report_at_once(cached):
    with cached.app_context():
        reference = new_case()
    before = figures(anonymous(cached).get("/reports/complaints.csv"))
    report_page = text(anonymous(cached).get("/reports/complaints"))
    with cached.test_request_context():
        answer_stage_1(reference)
        db.session.commit()
    assert figures(anonymous(cached).get("/reports/complaints.csv")) != before
    assert text(anonymous(cached).get("/reports/complaints")) != report_page


def test_a_sign_in_elsewhere_leaves_the_copies_in_place(cached, users, auth):
    person = users.make(roles.PARENT)
    anonymous(cached).get("/you-said-we-did")
    auth.sign_in(person)
    assert "Sign out" in text(auth.client.get("/account"))
    assert count_queries(cached, anonymous(cached), "/you-said-we-did") == 0


# --- Redis -----------------------------------------------------------------------------------


@pytest.fixture
def server(migrated_database, tmp_path):
    """Build app servers on the test database with the page cache on; rows and keys cleared after."""
    made = []

    def build(**config):
        made.append(make_app(migrated_database, tmp_path, PAGE_CACHE=True, **config))
        return made[-1]

    yield build
    for app in made:
        try:
            app.extensions["page_cache"].clear()
        except redis.exceptions.RedisError:
            pass
    if made:
        clear_tables(made[0])


def redis_or_skip():
    try:
        redis.Redis.from_url(OWN_REDIS, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as error:
        pytest.skip(f"Redis is not reachable at {OWN_REDIS} ({error})")


def test_servers_share_their_copies_and_a_change_on_one_shows_on_the_other(server):
    redis_or_skip()
    first, second = server(REDIS_URL=OWN_REDIS), server(REDIS_URL=OWN_REDIS)
    first.extensions["page_cache"].clear()
    anonymous(first).get("/you-said-we-did")
    assert count_queries(second, anonymous(second), "/you-said-we-did") == 0

    make_entry(first, make_theme(first, "Letters"), title="Clearer letters")
    assert "Clearer letters" in text(anonymous(second).get("/you-said-we-did"))


def test_with_redis_down_public_pages_are_rendered_and_a_warning_logged(server, caplog):
    app = server(REDIS_URL=DEAD_REDIS, RATELIMIT_STORAGE_URI="memory://")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.WARNING, logger="portal.core.page_cache"):
        for _ in range(2):
            response = anonymous(app).get("/you-said-we-did")
            assert response.status_code == 200
            assert "You said, we did" in text(response)
        make_entry(app, make_theme(app, "Letters"), title="Clearer letters")
    assert "Clearer letters" in text(anonymous(app).get("/you-said-we-did"))
    assert "Page cache unavailable" in caplog.text
