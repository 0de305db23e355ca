"""What the penetration test found, each with the test that would have caught it: throttles
that a rewritten address slipped past, crafted input that gave 500s, links that outlived an
account's changes, personal pages kept by caches, and personal data in the log."""

from datetime import timedelta

import pytest

from portal.extensions import db
from tests.casework_helpers import category_id, submit_case
from tests.factories import give_app_code
from tests.feedback_helpers import open_case_by_link
from tests.test_security import page

# One account written five ways that all mean the same address once normalised (NFKC, control
# characters dropped, spaces trimmed, case folded): each must count against one allowance.
EMAIL_VARIANTS = [
    "manager@example.org\x03",
    "  MANAGER@Example.org  ",
    "\uff4d\uff41\uff4e\uff41\uff47\uff45\uff52@example.org",  # full-width letters
    "manager\uff20example.org",  # full-width at sign
    "\x00manager@example.org\x7f",
]


def new_case(app, **answers) -> str:
    with app.app_context():
        category = category_id("Home-to-school transport", "Travel Assist")
    return submit_case(app, category, **answers)


def post_from(client, path, data, n):
    """A POST from a new address each time, so only the per-account limit can stop it."""
    return client.post(path, data=data, environ_base={"REMOTE_ADDR": f"203.0.113.{n + 1}"})


@pytest.fixture
def manager(users):
    return users.make("manager", email="manager@example.org")


def test_sign_in_variants_of_one_address_share_one_allowance(app, client, manager):
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = f"{len(EMAIL_VARIANTS)} per 15 minutes"
    for n, variant in enumerate(EMAIL_VARIANTS):
        response = post_from(client, "/sign-in", {"email": variant, "password": "wrong-guess"}, n)
        assert response.status_code == 200, variant
    response = post_from(client, "/sign-in", {"email": "manager@example.org", "password": "wrong-guess"}, 50)
    assert response.status_code == 429
    assert "Too many attempts" in page(response).text


def test_password_reset_variants_cannot_flood_one_person(app, client, manager, outbox):
    app.config["EMAIL_LINK_LIMIT"] = "3 per hour"
    statuses = [
        post_from(client, "/forgotten-password", {"email": variant}, n).status_code
        for n, variant in enumerate(EMAIL_VARIANTS * 3)
    ]
    assert statuses[:3] == [302, 302, 302]
    assert set(statuses[3:]) == {429}
    assert len(outbox.messages("manager@example.org", "password_reset")) <= 3


def test_registration_variants_share_one_allowance(app, client, manager, outbox):
    app.config["EMAIL_LINK_LIMIT"] = "2 per hour"
    form = {"name": "Someone", "password": "Quiet-Harbour-Window-93", "role": "parent"}
    statuses = [
        post_from(client, "/register", {**form, "email": variant}, n).status_code
        for n, variant in enumerate(EMAIL_VARIANTS)
    ]
    assert statuses[:2] == [302, 302]
    assert set(statuses[2:]) == {429}
    assert len(outbox.messages("manager@example.org")) <= 2


def test_track_variants_of_one_reference_share_one_allowance(app, client, outbox):
    reference = new_case(app)
    app.config["EMAIL_LINK_LIMIT"] = "3 per hour"
    variants = [
        reference.lower(),
        f"  {reference}\x03 ",
        reference.translate(
            str.maketrans("0123456789", "\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19")
        ),
        reference,
    ]
    statuses = [
        post_from(client, "/track", {"reference": variant, "contact": "jo@example.org"}, n).status_code
        for n, variant in enumerate(variants)
    ]
    assert statuses == [302, 302, 302, 429]
    assert len(outbox.messages("jo@example.org", "case_link")) == 3


def test_a_different_account_keeps_its_own_allowance(app, client, manager, users):
    other = users.make("parent", email="parent@example.org")
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    for n, variant in enumerate(EMAIL_VARIANTS[:3]):
        post_from(client, "/sign-in", {"email": variant, "password": "wrong-guess"}, n)
    response = post_from(client, "/sign-in", {"email": other.email, "password": "wrong-guess"}, 60)
    assert response.status_code == 200
    assert "Enter the email address and password for your account" in page(response).text


# --- crafted input -------------------------------------------------------------------------

NUL = "%00"
HUGE = "99999999999999999999"

# Every list and search page, with each parameter it reads (the role that sees it).
LIST_PARAMETERS = {
    ("caseworker", "/cases"): ["q", "queue", "stage", "status", "category", "urgent", "sort", "page"],
    ("manager", "/manage/cases"): ["show", "team", "caseworker", "page"],
    ("manager", "/manage/consultations/moderation"): ["page"],
    ("admin", "/admin/users"): ["q", "role", "page"],
    ("admin", "/admin/outbox"): ["state", "page"],
    (None, "/consultations"): ["page"],
    (None, "/reports/complaints"): ["year"],
    (None, "/reports/complaints.csv"): ["year"],
    (None, "/you-said-we-did"): ["page", "theme", "term"],
}

CRAFTED_ADDRESSES = [
    "/my-cases/%00",
    "/my-cases/CAN-2026-%0000001",
    "/consultations/%00",
    "/consultations/a%00b/answer",
    "/you-said-we-did/%00",
    "/updates/%00",
    "/track/open/%00",
    "/reset-password/%00",
    "/confirm-email/%00",
    "/cases/%00",
]


def signed_in_client(app, users, role):
    client = app.test_client()
    if role is not None:
        person = users.make(role)
        response = client.post("/sign-in", data={"email": person.email, "password": person.password})
        assert give_app_code(client, response, person.email).status_code == 302
    return client


@pytest.mark.parametrize(("role", "path"), list(LIST_PARAMETERS))
def test_crafted_list_and_search_parameters_never_give_a_server_error(app, users, role, path):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = signed_in_client(app, users, role)
    for parameter in LIST_PARAMETERS[(role, path)]:
        for value in (NUL, f"a{NUL}b", HUGE, "-1", "%C2%B2", "x" * 300):
            response = client.get(f"{path}?{parameter}={value}")
            assert response.status_code in (200, 400, 404), f"{path}?{parameter}={value}: {response.status_code}"


def test_an_absurd_page_number_shows_the_last_page(app, users):
    client = signed_in_client(app, users, "caseworker")
    response = client.get(f"/cases?queue=all&page={HUGE}")
    assert response.status_code == 200
    assert "Cases" in page(response).text


@pytest.mark.parametrize("address", CRAFTED_ADDRESSES)
def test_a_nul_byte_in_an_address_is_not_found(app, client, address):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get(address)
    assert response.status_code == 404
    assert "Page not found" in page(response).text


def test_a_nul_byte_in_an_address_is_not_found_for_staff_either(app, users):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = signed_in_client(app, users, "manager")
    for address in CRAFTED_ADDRESSES:
        assert client.get(address).status_code == 404, address


def test_an_outcome_sent_without_the_remedy_date_boxes_is_a_form_error(app, users):
    from tests.casework_helpers import new_case as make_case

    app.config["PROPAGATE_EXCEPTIONS"] = False
    caseworker = users.make("caseworker")
    with app.app_context():
        reference = make_case(team="SENAR North", caseworker=caseworker, status="in_progress")
    client = signed_in_client(app, users, None)
    give_app_code(
        client,
        client.post("/sign-in", data={"email": caseworker.email, "password": caseworker.password}),
        caseworker.email,
    )
    # A finding but no summary (so the form fails), remedies with a kind and no date boxes at all.
    response = client.post(
        f"/cases/{reference}/outcome",
        data={"outcome": "upheld", "summary": "", "remedy-0-kind": "apology", "remedy-0-description": "We are sorry."},
    )
    assert response.status_code in (200, 400)
    assert "There is a problem" in page(response).text
    assert "We are sorry." in response.get_data(as_text=True)


# --- links that outlive a change to the account --------------------------------------------

NEW_PASSWORD = "Fresh-Meadow-Compass-81"


def reset_link_for(client, outbox, person) -> str:
    client.post("/forgotten-password", data={"email": person.email})
    return outbox.link_in(outbox.last(person.email, "password_reset"))


def change_role(app, person, role):
    from portal.accounts import services
    from tests.factories import get_user

    with app.test_request_context():
        user = get_user(person)
        services.update_user(None, user, role=role, team=user.team)
        db.session.commit()


def disable_then_enable(app, person):
    from portal.accounts import services
    from tests.factories import get_user

    with app.test_request_context():
        user = get_user(person)
        services.disable_user(None, user)
        db.session.commit()
        services.enable_user(None, user)
        db.session.commit()


@pytest.mark.parametrize("change", ["disabled and enabled again", "role changed"])
def test_a_change_to_the_account_voids_its_outstanding_reset_links(app, client, users, outbox, change):
    person = users.make("caseworker")
    link = reset_link_for(client, outbox, person)
    if change == "role changed":
        change_role(app, person, "manager")
    else:
        disable_then_enable(app, person)
    response = client.get(link)
    assert response.status_code == 404
    assert "Ask for a new password reset link" in response.get_data(as_text=True)
    assert client.post(link, data={"password": NEW_PASSWORD}).status_code == 404
    # A link asked for after the change works.
    assert client.get(reset_link_for(client, outbox, person)).status_code == 200


def test_setting_a_password_voids_every_other_link(app, client, users, outbox):
    person = users.make()
    first = reset_link_for(client, outbox, person)
    second = reset_link_for(client, outbox, person)
    assert client.post(second, data={"password": NEW_PASSWORD}).headers["Location"] == "/sign-in"
    assert client.get(first).status_code == 404


# --- a family's access to a case without an account ---------------------------------------


def shut_out(response, reference: str) -> bool:
    """A browser whose access to a case has ended sees none of it: it is sent to ask for a new
    link (a browser that never had access gets a 404)."""
    return response.status_code == 302 and response.headers["Location"] == f"/track?reference={reference}"


def test_the_browser_holds_no_case_access_of_its_own(app, outbox):
    """Access lives on the server: the session cookie names no case, and a copy of it stops
    working when the family closes access."""
    reference = new_case(app)
    family = open_case_by_link(app, outbox, reference)
    with family.session_transaction() as saved:
        assert all(not isinstance(value, int) for value in saved.get("case_access", []))
    copied = family.get_cookie("twc_session").value
    thief = app.test_client()
    thief.set_cookie("twc_session", copied)
    assert thief.get(f"/my-cases/{reference}").status_code == 200

    closed = family.post(f"/my-cases/{reference}/close-access")
    assert closed.headers["Location"] == "/track"
    assert shut_out(family.get(f"/my-cases/{reference}"), reference)
    assert shut_out(thief.get(f"/my-cases/{reference}"), reference)


def test_case_access_ends_after_idle_hours(app, outbox):
    import time_machine

    from portal.core.time import utcnow

    reference = new_case(app)
    start = utcnow()
    with time_machine.travel(start, tick=False) as clock:
        family = open_case_by_link(app, outbox, reference)
        clock.shift(timedelta(hours=3))
        assert family.get(f"/my-cases/{reference}").status_code == 200  # a visit keeps it alive
        clock.shift(timedelta(hours=3, minutes=59))
        assert family.get(f"/my-cases/{reference}").status_code == 200
        clock.shift(timedelta(hours=4, minutes=1))
        assert shut_out(family.get(f"/my-cases/{reference}"), reference)


def test_a_new_link_ends_every_older_access(app, outbox):
    reference = new_case(app)
    old_device = open_case_by_link(app, outbox, reference)
    assert old_device.get(f"/my-cases/{reference}").status_code == 200
    new_device = open_case_by_link(app, outbox, reference)
    assert new_device.get(f"/my-cases/{reference}").status_code == 200
    assert shut_out(old_device.get(f"/my-cases/{reference}"), reference)


# --- pages with personal data are never cached ---------------------------------------------


def test_pages_showing_personal_data_are_not_stored_signed_in_or_not(app, outbox):
    from tests.feedback_helpers import make_category, walk

    with app.app_context():
        category = make_category()
    family = app.test_client()
    walk(family, category)
    for path in ("/feedback/check-your-answers", "/feedback/your-details", "/feedback/what-happened"):
        response = family.get(path)
        assert response.status_code == 200, path
        assert response.headers.get("Cache-Control") == "no-store", path

    reference = new_case(app)
    follower = open_case_by_link(app, outbox, reference)
    response = follower.get(f"/my-cases/{reference}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_public_pages_for_a_visitor_with_nothing_personal_may_be_cached(client):
    assert "no-store" not in client.get("/you-said-we-did").headers.get("Cache-Control", "")


# --- personal data kept out of the log -----------------------------------------------------


def test_a_hit_limit_is_logged_without_the_email_address(app, client, manager, caplog):
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "1 per 15 minutes"
    with caplog.at_level("INFO"):
        for n in range(3):
            post_from(client, "/sign-in", {"email": "manager@example.org", "password": "wrong-guess"}, n)
    assert "exceeded" in caplog.text
    assert "manager@example.org" not in caplog.text


def test_a_database_error_carries_no_search_text(app):
    from sqlalchemy.exc import SQLAlchemyError

    with app.app_context():
        with pytest.raises(SQLAlchemyError) as raised:
            db.session.execute(db.text("SELECT * FROM no_such_table WHERE name = :q"), {"q": "Sam Smith autism"})
        db.session.rollback()
    assert "Sam Smith autism" not in str(raised.value)
