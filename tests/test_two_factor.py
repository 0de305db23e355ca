"""Two-factor authentication: no staff member reaches a family's case with a password alone.
Staff set up an authenticator app before any staff page opens; each sign-in then asks for a
code from it (each code works once), or one of ten single-use recovery codes. An admin can
reset a lost phone, and that is audited; the second step is throttled like the first. Parents
and youth members may turn it on, and are never made to."""

import html
import re
from datetime import timedelta

import pyotp
import pytest
import time_machine

from portal.accounts.models import RecoveryCode, SignedInSession, TwoFactor
from portal.core.models import AuditEvent
from portal.core.time import utcnow
from portal.extensions import db
from tests.casework_helpers import new_case, sign_in
from tests.factories import app_code, make_user

STAFF_PAGES = ["/cases", "/manage/cases", "/manage/routing", "/admin/users"]


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def password_step(client, person):
    return client.post("/sign-in", data={"email": person.email, "password": person.password})


def set_up_secret(client) -> str:
    """The secret the set-up page is showing (as the QR code and the key)."""
    page = text(client.get("/account/two-factor"))
    key = re.search(r'<code class="twc-secret">([A-Z2-7 ]+)</code>', page).group(1)
    return key.replace(" ", "")


def recovery_codes_in(response) -> list[str]:
    return re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", response.get_data(as_text=True))


@pytest.fixture
def newcomer(app):
    """A caseworker who has not set up two-factor authentication yet."""
    with app.app_context():
        return make_user("caseworker", team="SENAR North", two_factor_set_up=False)


# --- setting it up ---------------------------------------------------------------------------


def test_staff_pages_stay_shut_until_two_factor_is_set_up(app, client, newcomer):
    assert password_step(client, newcomer).status_code == 302
    with app.app_context():
        reference = new_case(team="SENAR North", caseworker=newcomer)
    for path in [*STAFF_PAGES, f"/cases/{reference}", "/account"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/account/two-factor", path
    page = text(client.get("/account/two-factor"))
    assert "Set up two-factor authentication" in page
    assert "Because you can see information about children and families" in page
    assert re.search(r'<svg role="img" aria-label="QR code to scan with your authenticator app"', page)


def test_setting_up_takes_a_right_code_and_shows_ten_recovery_codes_once(app, client, newcomer):
    password_step(client, newcomer)
    secret = set_up_secret(client)
    assert set_up_secret(client) == secret  # the same QR code on a reload

    wrong = client.post("/account/two-factor", data={"code": "000000"})
    assert wrong.status_code == 200
    assert "The code is not right" in text(wrong)
    assert 'href="#code"' in text(wrong)  # in the error summary, linked to the box
    with app.app_context():
        assert db.session.get(TwoFactor, newcomer.id) is None

    done = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    assert done.headers["Cache-Control"] == "no-store"
    codes = recovery_codes_in(done)
    assert len(codes) == 10 and len(set(codes)) == 10
    with app.app_context():
        stored = db.session.scalars(db.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == newcomer.id)).all()
        assert len(stored) == 10 and not set(stored) & {code.replace("-", "") for code in codes}  # hashed
        assert db.session.get(TwoFactor, newcomer.id).secret != secret  # not kept as it is
        assert db.session.scalar(
            db.select(AuditEvent).where(
                AuditEvent.action == "user.two_factor_set_up", AuditEvent.actor_id == newcomer.id
            )
        )
    for path in STAFF_PAGES[:1]:
        assert client.get(path).status_code == 200  # this session gave its code


# --- signing in --------------------------------------------------------------------------------


def test_staff_sign_in_asks_for_a_code_and_a_wrong_one_is_refused(app, client, users):
    caseworker = users.make("caseworker", team="SENAR North")
    first = password_step(client, caseworker)
    assert first.headers["Location"] == "/sign-in/code"
    assert client.get("/cases").headers["Location"].startswith("/sign-in")  # not signed in yet
    wrong = client.post("/sign-in/code", data={"code": "123 456"})
    assert wrong.status_code == 200
    assert "The code is not right" in text(wrong)
    right = client.post("/sign-in/code", data={"code": app_code(app, caseworker.email)})
    assert right.status_code == 302 and right.headers["Location"] == "/cases"
    assert client.get("/cases").status_code == 200
    with app.app_context():
        assert db.session.scalar(
            db.select(SignedInSession.second_factor_at).where(SignedInSession.user_id == caseworker.id)
        )


def test_a_code_works_once(app, client, users):
    caseworker = users.make("caseworker")
    password_step(client, caseworker)
    code = app_code(app, caseworker.email)
    assert client.post("/sign-in/code", data={"code": code}).status_code == 302
    client.post("/sign-out")
    other = app.test_client()
    password_step(other, caseworker)
    again = other.post("/sign-in/code", data={"code": code})
    assert again.status_code == 200 and "each code works once" in text(again)


def test_the_code_step_ends_ten_minutes_after_the_password(app, client, users):
    caseworker = users.make("caseworker")
    with time_machine.travel(utcnow(), tick=False) as clock:
        password_step(client, caseworker)
        clock.shift(timedelta(minutes=11))
        response = client.post("/sign-in/code", data={"code": pyotp.TOTP(caseworker.app_secret).now()})
        assert response.headers["Location"] == "/sign-in"
        assert "more than 10 minutes since you gave your password" in text(client.get("/sign-in"))


def test_a_recovery_code_signs_in_once(app, client, newcomer):
    password_step(client, newcomer)
    secret = set_up_secret(client)
    codes = recovery_codes_in(client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()}))
    client.post("/sign-out")

    password_step(client, newcomer)
    assert client.post("/sign-in/recovery-code", data={"code": codes[3].upper()}).status_code == 302
    assert "You have 9 unused recovery codes" in text(client.get("/account/two-factor"))
    client.post("/sign-out")
    password_step(client, newcomer)
    used = client.post("/sign-in/recovery-code", data={"code": codes[3]})
    assert used.status_code == 200 and "has been used" in text(used)

    assert client.post("/sign-in/recovery-code", data={"code": codes[4]}).status_code == 302
    asked = text(client.get("/account/two-factor/recovery-codes"))
    assert "first show us it is you" in asked
    wrong = client.post("/account/two-factor/recovery-codes", data={"secret": "not my password"})
    assert wrong.status_code == 200 and "The password is not right" in text(wrong)
    fresh = recovery_codes_in(client.post("/account/two-factor/recovery-codes", data={"secret": newcomer.password}))
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    client.post("/sign-out")
    password_step(client, newcomer)
    assert client.post("/sign-in/recovery-code", data={"code": codes[5]}).status_code == 200  # old ones stopped


def test_the_code_step_is_throttled(app, client, users):
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    caseworker = users.make("caseworker")
    password_step(client, caseworker)
    for _ in range(3):
        assert client.post("/sign-in/code", data={"code": "000000"}).status_code == 200
    assert client.post("/sign-in/code", data={"code": app_code(app, caseworker.email)}).status_code == 429


# --- an admin reset ------------------------------------------------------------------------


def test_an_admin_resets_a_lost_phone_and_it_is_audited(app, auth, users):
    caseworker = users.make("caseworker", team="SENAR North")
    theirs = app.test_client()
    sign_in(theirs, caseworker)
    assert theirs.get("/cases").status_code == 200
    admin = users.make("admin")
    auth.sign_in(admin)
    assert "Reset two-factor authentication" in text(auth.client.get(f"/admin/users/{caseworker.id}"))
    done = auth.client.post(f"/admin/users/{caseworker.id}/reset-two-factor", follow_redirects=True)
    assert "two-factor authentication is reset" in text(done)

    assert theirs.get("/cases").headers["Location"].startswith("/sign-in")  # signed out everywhere
    with app.app_context():
        assert db.session.get(TwoFactor, caseworker.id) is None
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "user.two_factor_reset"))
        assert event.actor_id == admin.id and event.object_id == str(caseworker.id)
    # At their next sign-in, the password is enough only to set it up again.
    assert password_step(theirs, caseworker).headers["Location"] == "/cases"
    assert theirs.get("/cases").headers["Location"] == "/account/two-factor"


# --- families choose --------------------------------------------------------------------------


def test_a_parent_is_never_made_to_but_may_turn_it_on_and_off(app, client, users):
    parent = users.make("parent")
    assert password_step(client, parent).headers["Location"] == "/my-cases"
    assert "Off: you sign in with your password alone" in text(client.get("/account"))
    page = text(client.get("/account/two-factor"))
    assert "You can choose to need a code" in page
    secret = set_up_secret(client)
    client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    client.post("/sign-out")

    assert password_step(client, parent).headers["Location"] == "/sign-in/code"
    with app.app_context():
        db.session.execute(db.update(TwoFactor).values(last_step=None))
        db.session.commit()
    assert client.post("/sign-in/code", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    unchecked = client.post("/account/two-factor/turn-off", data={"secret": ""})
    assert "Enter your password" in text(unchecked)
    turned_off = client.post("/account/two-factor/turn-off", data={"secret": parent.password}, follow_redirects=True)
    assert "Two-factor authentication is off" in text(turned_off)
    client.post("/sign-out")
    assert password_step(client, parent).headers["Location"] == "/my-cases"


def test_staff_cannot_turn_it_off(app, client, users):
    caseworker = users.make("caseworker")
    sign_in(client, caseworker)
    assert "Staff cannot turn it off" in text(client.get("/account/two-factor"))
    client.post("/account/two-factor/turn-off", data={"secret": caseworker.password})
    with app.app_context():
        assert db.session.get(TwoFactor, caseworker.id) is not None


# --- the demo ---------------------------------------------------------------------------------


def test_the_demo_staff_sign_in_with_the_published_key(app, client, demo, runner):
    from portal.demo import DEMO_APP_SECRET

    printed = runner.invoke(args=["demo-code"]).output.strip()
    assert pyotp.TOTP(DEMO_APP_SECRET).verify(printed, valid_window=1)  # now, or a moment ago
    assert (
        client.post("/sign-in", data={"email": "manager@example.org", "password": demo}).headers["Location"]
        == "/sign-in/code"
    )
    assert client.post("/sign-in/code", data={"code": app_code(app, "manager@example.org")}).status_code == 302
    assert client.get("/manage/cases").status_code == 200


# --- telling the person ------------------------------------------------------------------------


def test_each_change_to_the_second_factor_is_emailed_to_its_owner(app, client, users, outbox):
    parent = users.make("parent")
    password_step(client, parent)
    secret = set_up_secret(client)
    client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    client.post("/account/two-factor/recovery-codes", data={"secret": parent.password})
    client.post("/account/two-factor/turn-off", data={"secret": parent.password})
    subjects = [message.subject for message in outbox.messages(parent.email, "account_security_change")]
    assert subjects == [
        "Your Together We CAN account: two-factor authentication was turned on",
        "Your Together We CAN account: new recovery codes were made",
        "Your Together We CAN account: two-factor authentication was turned off",
    ]
    last = outbox.last(parent.email, "account_security_change")
    assert "If it was not you" in last.body and "/forgotten-password" in last.body

    caseworker = users.make("caseworker")
    admin = app.test_client()
    sign_in(admin, users.make("admin"))
    assert admin.post(f"/admin/users/{caseworker.id}/reset-two-factor").status_code == 302
    reset = outbox.last(caseworker.email, "account_security_change")
    assert "an administrator reset your two-factor authentication" in reset.body


def test_a_code_used_again_is_refused_recorded_and_its_owner_told(app, client, users, outbox):
    caseworker = users.make("caseworker")
    code = app_code(app, caseworker.email)
    password_step(client, caseworker)
    assert client.post("/sign-in/code", data={"code": code}).status_code == 302
    client.post("/sign-out")
    password_step(client, caseworker)
    again = client.post("/sign-in/code", data={"code": code})
    assert again.status_code == 200 and "each code works once" in text(again)
    with app.app_context():
        assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "user.two_factor_code_reused"))
    told = outbox.last(caseworker.email, "account_security_change")
    assert "an authenticator code that had already been used" in told.body
