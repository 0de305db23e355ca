"""Registering, confirming an email address, signing in and out, resetting a password,
and what administrators and managers do with accounts."""

import re
from datetime import timedelta

import pyotp
import pytest

from portal.accounts import roles
from portal.accounts.models import AccountToken, User
from portal.accounts.passwords import password_problem
from portal.core.models import AuditEvent
from portal.core.time import utcnow
from portal.extensions import db
from tests.factories import PASSWORD, get_user, give_app_code

NEW_PASSWORD = "Velvet-Compass-Meadow-19"


def register(client, role="parent", name="Ada Parent", email="ada@example.org", password=PASSWORD):
    return client.post("/register", data={"role": role, "name": name, "email": email, "password": password})


# --- passwords -----------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["password123", "qwertyuiop", "iloveyou12", "Password1!"])
def test_common_passwords_are_refused(password):
    assert password_problem(password) is not None


def test_short_password_is_refused_with_the_rule():
    assert password_problem("Ab1!x") == "Password must be 12 characters or more"


def test_three_random_words_are_accepted():
    assert password_problem("otter lantern biscuit") is None


def test_password_made_of_your_own_name_is_refused():
    assert password_problem("adalovelace2026", user_inputs=("Ada Lovelace",)) is not None


def test_passwords_are_stored_as_argon2_hashes(app, users):
    person = users.make()
    with app.app_context():
        stored = get_user(person).password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


# --- registration ----------------------------------------------------------------------------


def test_register_sends_a_confirmation_link_then_signs_in(client, outbox):
    response = register(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/register/check-your-email"
    assert "ada@example.org" in client.get(response.headers["Location"]).get_data(as_text=True)

    # Not signed in until the address is confirmed.
    assert client.get("/account").status_code == 302
    message = outbox.last("ada@example.org", "confirm_email")
    assert message.subject == "Confirm your email address"

    confirmed = client.get(outbox.link_in(message))
    assert confirmed.status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert "Ada Parent" in page
    assert "Parent or carer" in page


def test_confirmation_link_works_once(client, outbox):
    register(client)
    link = outbox.link_in(outbox.last("ada@example.org", "confirm_email"))
    assert client.get(link).status_code == 302
    client.post("/sign-out")
    again = client.get(link)
    assert again.status_code == 404
    assert "expired or has already been used" in again.get_data(as_text=True)


def test_unconfirmed_account_cannot_sign_in_and_gets_a_new_link(client, auth, outbox):
    register(client)
    response = auth.sign_in("ada@example.org")
    assert response.status_code == 200
    assert "confirm your email address before you can sign in" in response.get_data(as_text=True)
    assert len(outbox.messages("ada@example.org", "confirm_email")) == 2
    assert client.get("/account").status_code == 302


def test_registration_errors_keep_what_was_typed(client):
    response = register(client, name="Ada Parent", email="not-an-email", password="short")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: " in text
    assert "There is a problem" in text
    assert "Enter an email address in the correct format" in text
    assert "Password must be 12 characters or more" in text
    assert 'value="Ada Parent"' in text
    assert 'value="not-an-email"' in text
    assert 'value="short"' not in text  # a password is never sent back to the page


def test_registration_without_choosing_a_role_says_so(client):
    response = client.post("/register", data={"name": "A", "email": "a@example.org", "password": PASSWORD})
    assert "Select whether you are a parent or carer, or a youth forum member" in response.get_data(as_text=True)


def test_staff_roles_cannot_be_chosen_when_registering(app, client):
    response = register(client, role="admin")
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(User).where(User.email == "ada@example.org")) is None


def test_youth_member_waits_for_approval(app, client, outbox, users):
    register(client, role="youth", name="Kai Young", email="kai@example.org")
    client.get(outbox.link_in(outbox.last("kai@example.org", "confirm_email")))
    page = client.get("/account").get_data(as_text=True)
    assert "checking that you are a member of the youth forum" in page
    with app.app_context():
        kai = db.session.scalar(db.select(User).where(User.email == "kai@example.org"))
        assert kai.awaiting_approval and not kai.can_post

    manager = users.make("manager")
    manager_client = app.test_client()
    give_app_code(
        manager_client,
        manager_client.post("/sign-in", data={"email": manager.email, "password": PASSWORD}),
        manager.email,
    )
    waiting = manager_client.get("/manage/youth-members").get_data(as_text=True)
    assert "Kai Young" in waiting
    approved = manager_client.post(f"/manage/youth-members/{kai.id}/approve", follow_redirects=True)
    assert "Kai Young can now take part" in approved.get_data(as_text=True)
    assert "No one is waiting for approval" in approved.get_data(as_text=True)
    assert outbox.last("kai@example.org", "youth_approved")
    with app.app_context():
        assert db.session.get(User, kai.id).can_post
    assert "checking that you are a member" not in client.get("/account").get_data(as_text=True)


def test_only_youth_members_can_be_approved(app, client, auth, users):
    parent = users.make("parent", approved=False)
    auth.sign_in(users.make("manager"))
    assert client.post(f"/manage/youth-members/{parent.id}/approve").status_code == 404


# --- signing in and out ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "lands_on", "heading"),
    [
        ("parent", "/my-cases", "Your cases"),
        ("youth", "/consultations", "Have your say"),
        ("caseworker", "/cases", "Cases"),
        ("manager", "/manage/cases", "Manage cases"),
        ("admin", "/admin/users", "Users"),
    ],
)
def test_each_role_lands_on_its_own_page_after_signing_in(client, auth, users, role, lands_on, heading):
    response = auth.sign_in(users.make(role))
    assert response.location == lands_on
    page = client.get(lands_on)
    assert page.status_code == 200
    assert re.search(rf"<h1[^>]*>\s*{heading}", page.get_data(as_text=True))
    # Coming back to the sign-in page while signed in goes to the same place.
    assert client.get("/sign-in").location == lands_on


def test_a_page_that_asked_for_sign_in_wins_over_the_landing_page(client, auth, users):
    response = auth.sign_in(users.make("caseworker"), query_string={"next": "/account"})
    assert response.location == "/account"


def test_sign_in_and_out(client, auth, users):
    person = users.make("parent", name="Priya Shah")
    response = auth.sign_in(person)
    assert response.status_code == 302
    assert response.headers["Location"] == "/my-cases"
    assert "Priya Shah" in client.get("/account").get_data(as_text=True)

    signed_out = auth.sign_out()
    assert signed_out.headers["Location"] == "/"
    assert "You have signed out" in client.get("/").get_data(as_text=True)
    assert client.get("/account").status_code == 302


def test_wrong_password_gives_one_message_for_both_fields(client, auth, users):
    person = users.make()
    response = auth.sign_in(person, password="Not-The-Right-One-99")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter the email address and password for your account" in text
    assert f'value="{person.email}"' in text


def test_unknown_email_gives_the_same_message(client, auth):
    response = auth.sign_in("nobody@example.org")
    assert "Enter the email address and password for your account" in response.get_data(as_text=True)


def test_email_is_matched_whatever_its_case(client, auth, users):
    users.make(email="mixed@example.org")
    assert auth.sign_in(" MIXED@Example.org ").status_code == 302


def test_sign_in_returns_to_the_page_asked_for(client, auth, users):
    admin = users.make("admin")
    first = client.get("/admin/users")
    assert first.status_code == 302
    assert "/sign-in?next=%2Fadmin%2Fusers" in first.headers["Location"]
    response = auth.sign_in(admin, query_string={"next": "/admin/users"})
    assert response.headers["Location"] == "/admin/users"


def test_sign_in_is_recorded_in_the_audit_log(app, auth, users):
    person = users.make()
    auth.sign_in(person)
    with app.app_context():
        actions = db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.object_id == str(person.id))).all()
    assert "user.signed_in" in actions


def test_sign_out_page_offers_a_button_without_javascript(client, auth, users):
    auth.sign_in(users.make())
    page = client.get("/sign-out").get_data(as_text=True)
    assert '<form method="post"' in page
    assert "Sign out" in page


# --- password reset --------------------------------------------------------------------------


def test_password_reset_by_email_link(client, auth, outbox, users):
    person = users.make()
    response = client.post("/forgotten-password", data={"email": person.email})
    assert response.headers["Location"] == "/forgotten-password/check-your-email"

    link = outbox.link_in(outbox.last(person.email, "password_reset"))
    assert "Choose a new password" in client.get(link).get_data(as_text=True)
    saved = client.post(link, data={"password": NEW_PASSWORD})
    assert saved.headers["Location"] == "/sign-in"

    assert auth.sign_in(person).status_code == 200  # old password no longer works
    assert auth.sign_in(person, password=NEW_PASSWORD).status_code == 302


def test_reset_link_is_single_use(client, outbox, users):
    person = users.make()
    client.post("/forgotten-password", data={"email": person.email})
    link = outbox.link_in(outbox.last(person.email, "password_reset"))
    client.post(link, data={"password": NEW_PASSWORD})
    assert client.get(link).status_code == 404
    assert client.post(link, data={"password": "Another-Fresh-Phrase-55"}).status_code == 404


def test_reset_link_expires(app, client, outbox, users):
    person = users.make()
    client.post("/forgotten-password", data={"email": person.email})
    link = outbox.link_in(outbox.last(person.email, "password_reset"))
    with app.app_context():
        token = db.session.scalar(db.select(AccountToken).where(AccountToken.user_id == person.id))
        token.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    response = client.get(link)
    assert response.status_code == 404
    assert "Ask for a new password reset link" in response.get_data(as_text=True)


def test_reset_refuses_a_weak_new_password(client, outbox, users):
    person = users.make()
    client.post("/forgotten-password", data={"email": person.email})
    link = outbox.link_in(outbox.last(person.email, "password_reset"))
    response = client.post(link, data={"password": "password1234"})
    assert response.status_code == 200
    assert "harder to guess" in response.get_data(as_text=True)
    # The link still works after a refused attempt.
    assert client.get(link).status_code == 200


def test_reset_for_unknown_or_disabled_email_sends_nothing(client, outbox, users):
    disabled = users.make(disabled=True)
    for email in ("nobody@example.org", disabled.email):
        response = client.post("/forgotten-password", data={"email": email})
        assert response.headers["Location"] == "/forgotten-password/check-your-email"
    assert outbox.messages(template="password_reset") == []


# --- administration --------------------------------------------------------------------------


def test_admin_creates_a_staff_account_who_sets_their_own_password(app, client, auth, outbox, users):
    auth.sign_in(users.make("admin"))
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert "SENAR" not in form or "Team" in form
    with app.app_context():
        from portal.accounts.models import Team

        team = Team(name="SENAR East")
        db.session.add(team)
        db.session.commit()
        team_id = team.id
    response = client.post(
        "/admin/users/new",
        data={"name": "Casey Worker", "email": "casey@example.org", "role": "caseworker", "team": str(team_id)},
    )
    assert response.status_code == 302
    assert "Account created for Casey Worker" in client.get(response.headers["Location"]).get_data(as_text=True)

    invitation = outbox.last("casey@example.org", "account_created")
    fresh = app.test_client()
    fresh.post(outbox.link_in(invitation), data={"password": NEW_PASSWORD})
    assert fresh.post("/sign-in", data={"email": "casey@example.org", "password": NEW_PASSWORD}).status_code == 302
    # A new staff member sets up two-factor authentication before anything else opens.
    assert fresh.get("/account").headers["Location"] == "/account/two-factor"
    assert "Set up two-factor authentication" in fresh.get("/account/two-factor").get_data(as_text=True)
    with fresh.session_transaction() as saved:
        secret = saved["two_factor_new_secret"]
    assert fresh.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()}).status_code == 200
    page = fresh.get("/account").get_data(as_text=True)
    assert "Caseworker" in page and "SENAR East" in page


def test_admin_cannot_create_a_duplicate_account(client, auth, users):
    existing = users.make()
    auth.sign_in(users.make("admin"))
    response = client.post(
        "/admin/users/new", data={"name": "Again", "email": existing.email.upper(), "role": "parent", "team": ""}
    )
    assert "An account with this email address already exists" in response.get_data(as_text=True)


def test_admin_lists_and_searches_users(client, auth, users):
    users.make("parent", name="Findable Person")
    users.make("caseworker", name="Other Worker")
    auth.sign_in(users.make("admin"))
    page = client.get("/admin/users", query_string={"q": "findable"}).get_data(as_text=True)
    assert "Findable Person" in page and "Other Worker" not in page
    by_role = client.get("/admin/users", query_string={"role": "caseworker"}).get_data(as_text=True)
    assert "Other Worker" in by_role and "Findable Person" not in by_role


def test_admin_user_list_pages_its_rows(client, auth, users):
    admin = users.make("admin", name="Aaron Admin")
    for number in range(30):
        users.make("parent", name=f"Zed Parent {number:02d}")
    auth.sign_in(admin)
    first = client.get("/admin/users").get_data(as_text=True)
    assert "31 users" in first
    assert "Zed Parent 29" not in first
    second = client.get("/admin/users?page=2").get_data(as_text=True)
    assert "Zed Parent 29" in second


def test_admin_changes_a_role_and_it_is_audited(app, client, auth, users):
    admin = users.make("admin")
    person = users.make("caseworker")
    auth.sign_in(admin)
    client.post(f"/admin/users/{person.id}", data={"role": "manager", "team": ""})
    with app.app_context():
        assert get_user(person).role == roles.MANAGER
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "user.role_changed"))
        assert event.actor_id == admin.id
        assert event.details == {"old": "caseworker", "new": "manager"}
    assert "Role changed from caseworker to manager" in client.get(f"/admin/users/{person.id}").get_data(as_text=True)


def test_admin_cannot_demote_or_disable_themselves(app, client, auth, users):
    admin = users.make("admin")
    auth.sign_in(admin)
    response = client.post(f"/admin/users/{admin.id}", data={"role": "parent", "team": ""})
    assert "cannot take the administrator role away from yourself" in response.get_data(as_text=True)
    assert client.post(f"/admin/users/{admin.id}/disable").status_code == 400
    with app.app_context():
        assert get_user(admin).role == roles.ADMIN and get_user(admin).is_active


def test_disabled_user_is_signed_out_at_once_and_can_be_enabled(app, auth, users):
    person = users.make()
    victim = app.test_client()
    victim.post("/sign-in", data={"email": person.email, "password": PASSWORD})
    assert victim.get("/account").status_code == 200

    auth.sign_in(users.make("admin"))
    auth.client.post(f"/admin/users/{person.id}/disable")
    assert victim.get("/account").status_code == 302
    assert victim.post("/sign-in", data={"email": person.email, "password": PASSWORD}).status_code == 200

    auth.client.post(f"/admin/users/{person.id}/enable")
    assert victim.post("/sign-in", data={"email": person.email, "password": PASSWORD}).status_code == 302


# --- commands --------------------------------------------------------------------------------


def test_users_create_command(app, runner, auth):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Lead@Example.org",
            "--name",
            "Team Lead",
            "--role",
            "manager",
            "--password",
            NEW_PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created manager account lead@example.org" in result.output
    assert auth.sign_in("lead@example.org", password=NEW_PASSWORD).status_code == 302


def test_users_create_refuses_weak_password_and_duplicates(runner, users):
    weak = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "a@example.org",
            "--name",
            "A",
            "--role",
            "parent",
            "--password",
            "password",
        ]
    )
    assert weak.exit_code != 0
    assert "Password must be 12 characters or more" in weak.output
    existing = users.make()
    duplicate = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            existing.email,
            "--name",
            "B",
            "--role",
            "parent",
            "--password",
            NEW_PASSWORD,
        ]
    )
    assert duplicate.exit_code != 0
    assert "already exists" in duplicate.output


def test_users_create_without_password_emails_a_link(runner, outbox):
    result = runner.invoke(
        args=["users", "create", "--email", "new@example.org", "--name", "New", "--role", "caseworker"]
    )
    assert result.exit_code == 0, result.output
    message = outbox.last("new@example.org", "account_created")
    assert "http://127.0.0.1:5000/reset-password/" in message.body


def test_seed_demo_makes_the_demo_accounts_and_is_idempotent(app, runner, auth):
    first = runner.invoke(args=["seed-demo", "--password", NEW_PASSWORD])
    assert first.exit_code == 0, first.output
    for email in (
        "parent@example.org",
        "parent2@example.org",
        "youth@example.org",
        "caseworker@example.org",
        "caseworker2@example.org",
        "manager@example.org",
        "admin@example.org",
    ):
        assert email in first.output

    def snapshot():
        with app.app_context():
            from portal.accounts.models import Team
            from portal.feedback.models import Category

            return (
                db.session.scalars(db.select(User.email).order_by(User.email)).all(),
                db.session.scalars(db.select(Team.name).order_by(Team.name)).all(),
                db.session.scalars(db.select(Category.name).order_by(Category.name)).all(),
                db.session.scalar(db.select(db.func.count(AuditEvent.id))),
            )

    before = snapshot()
    assert len(before[1]) == 6 and "Travel Assist" in before[1]
    assert len(before[2]) == 11 and "Home-to-school transport" in before[2]
    second = runner.invoke(args=["seed-demo", "--password", "A-Different-Password-Entirely"])
    assert second.exit_code == 0
    assert snapshot() == before
    assert "already there" in second.output
    assert auth.sign_in("manager@example.org", password=NEW_PASSWORD).status_code == 302
    with app.app_context():
        youth = db.session.scalar(db.select(User).where(User.email == "youth@example.org"))
        assert youth.can_post


def test_role_question_has_a_legend(client):
    page = client.get("/register").get_data(as_text=True)
    assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--m">' in page
    assert "Who are you?" in page
