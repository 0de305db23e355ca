"""The account page's list of where the person is signed in, signing one device or every device
out, and a parent or youth member closing their own account (UK GDPR Article 17): the login
goes, what they told the council stays."""

import html
from urllib.parse import urlsplit

import lxml.html
import pytest
import sqlalchemy as sa

from portal.accounts import roles, services
from portal.accounts.models import SignedInSession, User
from portal.accounts.user_agents import describe
from portal.consultations import authoring
from portal.consultations import models as m
from portal.core.models import AuditEvent
from portal.core.time import utcnow
from portal.extensions import db
from tests.casework_helpers import category_id, sign_in, submit_case
from tests.consultation_helpers import make_consultation
from tests.factories import PASSWORD, get_user

FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_ON_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1"
)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def browser(app, user_agent: str):
    """A test client that says it is this browser on every request."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client


def signed_in_on(app, person, user_agent: str):
    client = browser(app, user_agent)
    sign_in(client, person)
    return client


def goes_to_sign_in(response) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/sign-in"


def device_rows(response) -> dict[str, str]:
    """The account page's devices table: each row's first cell (the device) -> the row's words."""
    document = lxml.html.fromstring(response.get_data(as_text=True))
    heading = document.xpath("//h2[@id='signed-in-devices']")[0]
    table = heading.getnext()
    return {
        " ".join(row.xpath("./td")[0].text_content().split()): " ".join(row.text_content().split())
        for row in table.xpath(".//tbody/tr")
    }


def session_id(app, person, device: str) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(SignedInSession.id).where(SignedInSession.user_id == person.id, SignedInSession.device == device)
        )


def actions(app, person) -> list[str]:
    with app.app_context():
        return db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.object_type == "user", AuditEvent.object_id == str(person.id))
            .order_by(AuditEvent.id)
        ).all()


@pytest.fixture
def parent(users):
    return users.make(roles.PARENT, name="Ada Parent", email="ada@example.org")


@pytest.fixture
def two_devices(app, parent):
    """The parent signed in on a Windows laptop and on an iPhone."""
    return signed_in_on(app, parent, FIREFOX_ON_WINDOWS), signed_in_on(app, parent, SAFARI_ON_IPHONE)


# --- naming the device ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "user_agent, words",
    [
        (FIREFOX_ON_WINDOWS, "Firefox on Windows"),
        (SAFARI_ON_IPHONE, "Safari on iPhone"),
        (
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
            "Safari/537.36 Edg/131.0.0.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/18.1 Safari/605.1.15",
            "Safari on Mac",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
            "Samsung Internet on Android",
        ),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 Chrome/131.0.0.0 Safari/537.36",
            "Chrome on ChromeOS",
        ),
        ("curl/8.5.0", "An unknown browser"),
        ("", "An unknown browser"),
        (None, "An unknown browser"),
    ],
)
def test_the_device_is_named_in_words(user_agent, words):
    assert describe(user_agent) == words


# --- where you are signed in -----------------------------------------------------------------


def test_account_page_lists_both_devices_and_marks_this_one(app, two_devices):
    laptop, phone = two_devices
    rows = device_rows(laptop.get("/account"))
    assert set(rows) == {"Firefox on Windows This device", "Safari on iPhone"}
    assert "Sign out" not in rows["Firefox on Windows This device"]
    assert "Sign out of Safari on iPhone" in rows["Safari on iPhone"]

    # Seen from the phone, the phone is this device.
    assert set(device_rows(phone.get("/account"))) == {"Firefox on Windows", "Safari on iPhone This device"}


def test_sessions_that_are_over_are_not_listed(app, parent, two_devices):
    laptop, phone = two_devices
    phone.post("/sign-out")
    third = signed_in_on(app, parent, "curl/8.5.0")
    with app.app_context():
        db.session.execute(
            sa.update(SignedInSession)
            .where(SignedInSession.id == session_id(app, parent, "An unknown browser"))
            .values(expires_at=utcnow())
        )
        db.session.commit()
    assert goes_to_sign_in(third.get("/account"))
    assert set(device_rows(laptop.get("/account"))) == {"Firefox on Windows This device"}


def test_signing_out_the_other_device_ends_only_that_one(app, parent, two_devices):
    laptop, phone = two_devices
    phone_session = session_id(app, parent, "Safari on iPhone")

    response = laptop.post(f"/account/sessions/{phone_session}/sign-out")
    assert response.status_code == 302
    page = laptop.get(response.headers["Location"])
    assert "You have signed out on the other device." in text(page)
    assert set(device_rows(page)) == {"Firefox on Windows This device"}

    assert goes_to_sign_in(phone.get("/account"))
    assert laptop.get("/account").status_code == 200
    assert "user.signed_out_device" in actions(app, parent)


def test_another_persons_session_cannot_be_signed_out(app, users, parent, two_devices):
    laptop, _ = two_devices
    stranger = users.make(roles.PARENT)
    strangers_browser = signed_in_on(app, stranger, SAFARI_ON_IPHONE)

    assert laptop.post(f"/account/sessions/{session_id(app, stranger, 'Safari on iPhone')}/sign-out").status_code == 404
    assert laptop.post("/account/sessions/999999/sign-out").status_code == 404
    assert strangers_browser.get("/account").status_code == 200


def test_this_device_signs_out_through_sign_out_not_the_device_list(app, parent, two_devices):
    laptop, _ = two_devices
    assert laptop.post(f"/account/sessions/{session_id(app, parent, 'Firefox on Windows')}/sign-out").status_code == 404
    assert laptop.get("/account").status_code == 200


def test_sign_out_everywhere_ends_every_session_this_one_too(app, parent, two_devices):
    laptop, phone = two_devices
    response = laptop.post("/account/sign-out-everywhere")
    assert goes_to_sign_in(response)
    shown = laptop.get(response.headers["Location"])
    assert "You have signed out on every device" in text(shown)
    assert "govuk-notification-banner--success" in text(shown)

    assert goes_to_sign_in(laptop.get("/account"))
    assert goes_to_sign_in(phone.get("/account"))
    with app.app_context():
        live = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(SignedInSession)
            .where(SignedInSession.user_id == parent.id, SignedInSession.revoked_at.is_(None))
        )
    assert live == 0
    assert "user.signed_out_everywhere" in actions(app, parent)


def test_sign_out_everywhere_needs_a_post(app, two_devices):
    laptop, _ = two_devices
    assert laptop.get("/account/sign-out-everywhere").status_code == 405
    assert laptop.get("/account").status_code == 200


# --- closing an account ----------------------------------------------------------------------


def close(client, password=PASSWORD):
    return client.post("/account/close", data={"password": password})


def test_the_account_page_offers_closing_and_the_close_page_says_what_happens(app, two_devices):
    laptop, _ = two_devices
    assert 'href="/account/close"' in text(laptop.get("/account"))
    page = text(laptop.get("/account/close"))
    assert "<title>Close your account" in page
    for promise in ("can no longer sign in", "contact details you gave", "still count", "same email address"):
        assert promise in page


def test_a_wrong_password_is_refused_with_an_error(app, parent, two_devices):
    laptop, _ = two_devices
    response = close(laptop, "Not-My-Password-42")
    assert response.status_code == 200
    page = lxml.html.fromstring(response.get_data(as_text=True))
    message = "The password is not right. Enter the password you sign in with"
    assert page.findtext(".//title").startswith("Error: Close your account")
    assert message in page.xpath("string(//div[contains(@class, 'govuk-error-summary')])")
    assert message in page.xpath("string(//p[@id='password-error'])")
    assert laptop.get("/account").status_code == 200
    with app.app_context():
        assert get_user(parent).closed_at is None
        assert get_user(parent).email == "ada@example.org"


def test_an_empty_password_is_asked_for(app, two_devices):
    laptop, _ = two_devices
    response = close(laptop, "")
    assert response.status_code == 200
    assert "Enter your password" in text(response)


def test_the_right_password_closes_the_account_and_signs_out_everywhere(app, parent, two_devices):
    laptop, phone = two_devices
    response = close(laptop)
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/"
    assert "Your account is closed" in text(laptop.get("/"))

    assert goes_to_sign_in(laptop.get("/account"))
    assert goes_to_sign_in(phone.get("/account"))
    with app.app_context():
        user = get_user(parent)
        assert user.closed_at is not None and not user.is_active
        assert user.password_hash is None
        assert user.name == ""
        assert user.email.endswith("@closed.invalid")
        assert services.find_user_by_email("ada@example.org") is None
    assert "user.closed" in actions(app, parent)

    # The person cannot sign in again: not with the old address, and the closed one is not
    # even an address the form takes.
    again = browser(app, FIREFOX_ON_WINDOWS)
    refused = again.post("/sign-in", data={"email": "ada@example.org", "password": PASSWORD})
    assert refused.status_code == 200
    assert "Enter the email address and password for your account" in text(refused)
    tombstone = again.post("/sign-in", data={"email": f"closed-{parent.id}@closed.invalid", "password": PASSWORD})
    assert tombstone.status_code == 200 and "<title>Error: Sign in" in text(tombstone)
    assert goes_to_sign_in(again.get("/account"))


def test_emailed_links_stop_working_when_the_account_closes(app, client, parent, outbox, two_devices):
    laptop, _ = two_devices
    client.post("/forgotten-password", data={"email": parent.email})
    link = outbox.link_in(outbox.last(parent.email, "password_reset"))
    close(laptop)
    assert client.get(link).status_code == 404


def test_a_closed_case_keeps_the_contact_details_for_staff(app, users, parent, two_devices):
    laptop, _ = two_devices
    with app.app_context():
        category = category_id("Home-to-school transport", "Travel Assist")
    reference = submit_case(app, category, user=parent, contact_name="Ada Parent", contact_email="ada@example.org")
    assert reference in text(laptop.get("/my-cases"))

    close(laptop)

    manager = users.make(roles.MANAGER)
    staff = app.test_client()
    sign_in(staff, manager)
    page = text(staff.get(f"/cases/{reference}"))
    assert "Ada Parent" in page
    assert "ada@example.org" in page


def test_consultation_answers_still_count_after_closing(app, parent, two_devices):
    laptop, _ = two_devices
    with app.app_context():
        consultation = make_consultation()
        question = consultation.questions[0]
        response = m.Response(
            consultation_id=consultation.id,
            author_id=parent.id,
            moderation=m.APPROVED,
            submitted_at=utcnow(),
            answers=[m.Answer(question_id=question.id, text="Call it CAN.")],
        )
        db.session.add(response)
        db.session.commit()
        consultation_id, response_id = consultation.id, response.id

    close(laptop)

    with app.app_context():
        assert authoring.counts([consultation_id])[consultation_id].submitted == 1
        kept = db.session.get(m.Response, response_id)
        assert [answer.text for answer in kept.answers] == ["Call it CAN."]
        # Shown on the board without a name: the account no longer has one.
        assert kept.shown_as == "A parent or carer"


def test_a_new_account_can_be_made_with_the_same_email(app, client, parent, outbox, two_devices):
    laptop, _ = two_devices
    close(laptop)
    response = client.post(
        "/register",
        data={"role": roles.PARENT, "name": "Ada Again", "email": "ada@example.org", "password": PASSWORD},
    )
    assert response.status_code == 302
    with app.app_context():
        fresh = services.find_user_by_email("ada@example.org")
        assert fresh is not None and fresh.id != parent.id and fresh.name == "Ada Again"
    assert outbox.last("ada@example.org", "confirm_email")


def test_an_admin_cannot_enable_a_closed_account(app, users, parent, two_devices):
    laptop, _ = two_devices
    close(laptop)
    admin = users.make(roles.ADMIN)
    staff = app.test_client()
    sign_in(staff, admin)
    page = text(staff.get(f"/admin/users/{parent.id}"))
    assert '<h1 class="govuk-heading-l">Closed account</h1>' in page
    assert "Enable account" not in page
    staff.post(f"/admin/users/{parent.id}/enable")
    with app.app_context():
        assert get_user(parent).disabled_at is not None


@pytest.mark.parametrize("role", [roles.CASEWORKER, roles.MANAGER, roles.ADMIN])
def test_staff_are_refused_the_close_page(app, users, role):
    person = users.make(role)
    client = app.test_client()
    sign_in(client, person)
    assert "/account/close" not in text(client.get("/account"))
    assert client.get("/account/close").status_code == 403
    assert close(client).status_code == 403
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user.closed_at is None and user.password_hash is not None
    assert client.get("/account").status_code == 200


def test_a_youth_member_can_close_their_account(app, users):
    member = users.make(roles.YOUTH)
    client = signed_in_on(app, member, SAFARI_ON_IPHONE)
    assert close(client).status_code == 302
    with app.app_context():
        assert get_user(member).closed_at is not None


def test_the_close_page_needs_signing_in(client):
    assert goes_to_sign_in(client.get("/account/close"))


def test_moderating_a_closed_accounts_post_emails_nobody(app, users, parent, outbox, two_devices):
    from portal.consultations import moderation

    laptop, _ = two_devices
    with app.app_context():
        consultation = make_consultation()
        response = m.Response(
            consultation_id=consultation.id,
            author_id=parent.id,
            moderation=m.PENDING,
            submitted_at=utcnow(),
            answers=[m.Answer(question_id=consultation.questions[0].id, text="Call it CAN.")],
        )
        db.session.add(response)
        db.session.commit()
        response_id = response.id
    manager = users.make(roles.MANAGER)
    close(laptop)

    with app.test_request_context():
        moderation.decide_response(
            db.session.get(User, manager.id), db.session.get(m.Response, response_id), moderation.APPROVE
        )
        db.session.commit()
    assert outbox.messages(template="consultation_approved") == []


def test_without_a_csrf_token_nothing_is_signed_out_or_closed(csrf_app, parent):
    laptop = browser(csrf_app, FIREFOX_ON_WINDOWS)
    form = laptop.get("/sign-in").get_data(as_text=True)
    token = lxml.html.fromstring(form).xpath("string(//input[@name='csrf_token']/@value)")
    laptop.post("/sign-in", data={"email": parent.email, "password": PASSWORD, "csrf_token": token})
    own = session_id(csrf_app, parent, "Firefox on Windows")
    for path in ("/account/sign-out-everywhere", f"/account/sessions/{own}/sign-out", "/account/close"):
        refused = laptop.post(path, data={"password": PASSWORD})
        assert refused.status_code == 400, path
        assert "timed out" in text(refused), path
    assert laptop.get("/account").status_code == 200
    with csrf_app.app_context():
        assert get_user(parent).closed_at is None


def test_the_close_page_needs_signing_in_to_post_too(client):
    assert goes_to_sign_in(client.post("/account/close", data={"password": PASSWORD}))


def test_guessing_the_password_on_the_close_page_is_throttled(app, parent, two_devices):
    laptop, _ = two_devices
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    for _ in range(3):
        assert close(laptop, "Not-My-Password-42").status_code == 200
    assert close(laptop).status_code == 429
    with app.app_context():
        assert get_user(parent).closed_at is None


# --- changing the password ----------------------------------------------------------------------


def test_changing_the_password_needs_the_current_one_and_signs_out_every_other_device(app, users, outbox):
    parent = users.make("parent")
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, parent)
    sign_in(elsewhere, parent)
    assert "/account/password" in text(here.get("/account"))

    wrong = here.post(
        "/account/password", data={"current_password": "not it at all", "password": "Amber-Kettle-Meadow-19"}
    )
    assert wrong.status_code == 200
    assert "The password is not right" in text(wrong)
    assert 'value="Amber-Kettle-Meadow-19"' not in wrong.get_data(as_text=True)  # never echoed back
    weak = here.post("/account/password", data={"current_password": PASSWORD, "password": "short"})
    assert "Password must be 12 characters or more" in text(weak)

    changed = here.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": "Amber-Kettle-Meadow-19"},
        follow_redirects=True,
    )
    assert "Your password has been changed" in text(changed)
    assert here.get("/account").status_code == 200  # this device stays signed in
    assert elsewhere.get("/account").status_code == 302  # the other is signed out
    told = outbox.last(parent.email, "account_security_change")
    assert "your password was changed" in told.body

    later = app.test_client()
    refused = later.post("/sign-in", data={"email": parent.email, "password": PASSWORD})
    assert refused.status_code == 200
    assert later.post("/sign-in", data={"email": parent.email, "password": "Amber-Kettle-Meadow-19"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.password_changed"))
