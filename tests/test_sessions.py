"""Signed-in sessions end after a spell without use (an hour for families and youth members,
half an hour for staff, and in any case 12 hours after sign-in), with a warning first and a
way to stay signed in. What someone sent after their session ended is never lost: it is kept,
and after they sign in again (or open a new link to their case) it is back in the form, once,
for them alone. A family is never answered with a 404 because their session ran out."""

import html
import re
from datetime import timedelta

import pytest

from portal.accounts.models import SignedInSession, User
from portal.core.models import KeptForm
from portal.core.time import utcnow
from portal.extensions import db
from portal.feedback.models import CaseAccessGrant, CaseMessage
from tests.casework_helpers import category_id, get_case, new_case, sign_in, submit_case
from tests.consultation_helpers import make_consultation
from tests.factories import give_app_code, make_user
from tests.feedback_helpers import open_case_by_link, send_reply

TEAM = "Travel Assist"
KEPT_BANNER = "What you wrote has not been sent yet."


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def idle_for(app, person, minutes: float) -> None:
    """As if ``person`` last opened a page ``minutes`` ago, in every browser."""
    with app.app_context():
        db.session.execute(
            db.update(SignedInSession)
            .where(SignedInSession.user_id == person.id)
            .values(last_seen_at=utcnow() - timedelta(minutes=minutes))
        )
        db.session.commit()


def last_seen(app, person):
    with app.app_context():
        return db.session.scalar(
            db.select(SignedInSession.last_seen_at)
            .where(SignedInSession.user_id == person.id)
            .order_by(SignedInSession.id.desc())
        )


def goes_to_sign_in(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def kept_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(KeptForm))


# --- how long a session lasts ------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "page", "idle_minutes"),
    [("parent", "/my-cases", 60), ("youth", "/consultations", 60), ("caseworker", "/cases", 30)],
)
def test_a_session_ends_after_its_idle_spell_and_not_before(app, client, users, role, page, idle_minutes):
    person = users.make(role)
    sign_in(client, person)
    idle_for(app, person, idle_minutes - 1)
    assert client.get("/account").status_code == 200
    assert client.get(page).status_code == 200

    idle_for(app, person, idle_minutes + 1)
    response = client.get("/account")
    assert goes_to_sign_in(response)
    assert "next=%2Faccount" in response.headers["Location"]
    shown = text(client.get(response.headers["Location"]))
    assert "You were signed out because you had not used the portal for a while" in shown


def test_opening_a_page_keeps_the_session_alive(app, client, users):
    parent = users.make("parent")
    sign_in(client, parent)
    idle_for(app, parent, 50)
    client.get("/my-cases")
    assert utcnow() - last_seen(app, parent) < timedelta(seconds=30)
    idle_for(app, parent, 0.2)  # a moment ago: not written again
    noted = last_seen(app, parent)
    client.get("/my-cases")
    assert last_seen(app, parent) == noted


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(app, client, users):
    parent = users.make("parent")
    sign_in(client, parent)
    with app.app_context():
        db.session.execute(
            db.update(SignedInSession)
            .where(SignedInSession.user_id == parent.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    assert goes_to_sign_in(client.get("/account"))


def test_the_session_status_says_how_long_is_left_without_keeping_it_alive(app, client, users):
    parent = users.make("parent")
    sign_in(client, parent)
    idle_for(app, parent, 40)
    before = last_seen(app, parent)
    status = client.get("/session").get_json()
    assert status["signed_in"] is True
    assert 19 * 60 <= status["seconds_left"] <= 20 * 60
    assert last_seen(app, parent) == before

    stayed = client.post("/session/stay-signed-in").get_json()
    assert stayed["signed_in"] is True
    assert stayed["seconds_left"] > 59 * 60
    assert utcnow() - last_seen(app, parent) < timedelta(seconds=30)


def test_once_the_session_has_ended_staying_signed_in_is_refused(app, client, users):
    parent = users.make("parent")
    sign_in(client, parent)
    idle_for(app, parent, 61)
    response = client.post("/session/stay-signed-in")
    assert response.status_code == 401
    assert response.get_json() == {"signed_in": False, "seconds_left": 0}
    assert goes_to_sign_in(client.get("/account"))


def test_signed_in_pages_carry_the_timeout_warning_and_others_do_not(app, client, users):
    assert "data-timeout-warning" not in text(client.get("/"))
    caseworker = users.make("caseworker")
    sign_in(client, caseworker)
    page = text(client.get("/cases"))
    warning = re.search(r"<dialog[^>]*data-timeout-warning[^>]*>", page).group(0)
    seconds_left = int(re.search(r'data-seconds-left="(\d+)"', warning).group(1))
    assert 29 * 60 <= seconds_left <= 30 * 60
    assert 'data-warn-seconds="300"' in warning
    assert "You’re about to be signed out" in page
    assert "Stay signed in" in page
    assert "You had not used the portal for 30 minutes" in page


# --- nothing sent is lost ------------------------------------------------------------------


@pytest.fixture
def caseworkers_case(app, outbox):
    with app.app_context():
        category = category_id("Home-to-school transport", TEAM)
        caseworker = make_user("caseworker", team=TEAM, name="Sam Carter")
    reference = submit_case(app, category)
    return caseworker, reference


def test_a_caseworkers_reply_sent_after_the_session_ended_is_back_in_the_form_after_sign_in(
    app, client, caseworkers_case
):
    caseworker, reference = caseworkers_case
    sign_in(client, caseworker)
    form_page = f"/cases/{reference}/reply"
    assert client.get(form_page).status_code == 200
    idle_for(app, caseworker, 31)

    reply = "Dear Jo, I have spoken to the taxi company & they will come on Monday."
    response = client.post(form_page, data={"body": reply}, headers={"Referer": f"http://localhost{form_page}"})
    assert goes_to_sign_in(response)
    assert "next=/cases/" in response.headers["Location"]
    asked = text(client.get(response.headers["Location"]))
    assert "so what you sent has not been saved yet" in asked
    with app.app_context():
        assert not db.session.scalars(db.select(CaseMessage).where(CaseMessage.body == reply)).all()

    back = give_app_code(
        client,
        client.post(response.headers["Location"], data={"email": caseworker.email, "password": caseworker.password}),
        caseworker.email,
    )
    assert back.headers["Location"] == form_page
    page = text(client.get(form_page))
    assert KEPT_BANNER in page
    assert reply in page  # in the reply box, to check and send
    assert kept_rows(app) == 0  # shown once, then gone
    assert reply not in text(client.get(form_page))


def test_what_was_kept_is_not_shown_to_someone_else_signing_in_on_that_browser(app, client, caseworkers_case, users):
    caseworker, reference = caseworkers_case
    sign_in(client, caseworker)
    idle_for(app, caseworker, 31)
    form_page = f"/cases/{reference}/reply"
    client.post(form_page, data={"body": "Private words about the family."})
    colleague = users.make("manager")
    sign_in(client, colleague)
    page = text(client.get(form_page))
    assert "Private words about the family." not in page
    assert KEPT_BANNER not in page


def test_passwords_are_never_kept(app, client, users):
    admin = users.make("admin")
    sign_in(client, admin)
    idle_for(app, admin, 31)
    client.post("/admin/users/new", data={"name": "New Person", "password": "hunter2-secret-words"})
    with app.app_context():
        kept = db.session.scalars(db.select(KeptForm)).all()
        assert kept and all("hunter2" not in str(row.sent) for row in kept)
        assert ["name", "New Person"] in kept[0].sent["values"]


def test_a_parents_message_after_their_session_ended_is_not_a_404_and_is_kept(app, client, outbox, users):
    parent = users.make("parent", email="jo@example.org")
    with app.app_context():
        category = category_id("Home-to-school transport", TEAM)
        user = db.session.get(User, parent.id)
    reference = submit_case(app, category, user=user)
    sign_in(client, parent)
    assert client.get(f"/my-cases/{reference}").status_code == 200
    idle_for(app, parent, 61)

    response = send_reply(client, reference, "The taxi came late again today.")
    assert goes_to_sign_in(response)
    assert f"next=/my-cases/{reference}" in response.headers["Location"]
    client.post(response.headers["Location"], data={"email": parent.email, "password": parent.password})
    page = text(client.get(f"/my-cases/{reference}"))
    assert KEPT_BANNER in page
    assert "The taxi came late again today." in page


def test_a_family_without_an_account_keeps_their_message_when_their_access_ended(app, outbox):
    with app.app_context():
        category = category_id("Home-to-school transport", TEAM)
    reference = submit_case(app, category)
    family = open_case_by_link(app, outbox, reference)
    with app.app_context():
        db.session.execute(
            db.update(CaseAccessGrant).values(
                last_seen_at=utcnow() - timedelta(hours=app.config["CASE_ACCESS_IDLE_HOURS"], minutes=1)
            )
        )
        db.session.commit()

    response = send_reply(family, reference, "Here is what happened on Friday.", file=("note.pdf", b"%PDF-1.4 x"))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/track?reference={reference}"
    asked = text(family.get(response.headers["Location"]))
    assert "Your access to this case on this device has ended" in asked
    assert "We have kept it" in asked

    family.post("/track", data={"reference": reference, "contact": "jo@example.org"})
    opened = family.get(outbox.link_in(outbox.last("jo@example.org", "case_link")))
    page = text(family.get(opened.headers["Location"]))
    assert "Here is what happened on Friday." in page
    assert "Choose any files again: they could not be kept." in page


def test_a_stranger_posting_to_a_case_still_gets_a_404_and_nothing_is_kept(app, client):
    with app.app_context():
        reference = new_case()
    assert send_reply(client, reference, "Hello").status_code == 404
    assert kept_rows(app) == 0


def test_a_lapsed_visitor_is_treated_the_same_whether_or_not_the_case_exists(app, client, users):
    parent = users.make("parent")
    sign_in(client, parent)
    idle_for(app, parent, 61)
    with app.app_context():
        reference = new_case()
        assert get_case(reference) is not None
    real = client.get(f"/my-cases/{reference}")
    made_up = client.get("/my-cases/CAN-2025-99999")
    assert goes_to_sign_in(real) and goes_to_sign_in(made_up)


def test_a_youth_members_newer_answer_is_not_replaced_by_the_older_draft(app, client, users):
    youth = users.make("youth")
    with app.app_context():
        consultation = make_consultation(
            questions=[{"kind": "text", "prompt": "What would make the youth forum better?"}]
        )
        answer_box = f"question_{consultation.questions[0].id}"
        page = f"/consultations/{consultation.slug}/answer"
    sign_in(client, youth)
    client.post(page, data={answer_box: "Older words.", "visibility": "public"})
    assert "Older words." in text(client.get(page))
    idle_for(app, youth, 61)

    response = client.post(page, data={answer_box: "Newer, better words.", "visibility": "public"})
    assert goes_to_sign_in(response)
    client.post(response.headers["Location"], data={"email": youth.email, "password": youth.password})
    shown = text(client.get(page))
    assert KEPT_BANNER in shown
    assert "Newer, better words." in shown
    assert "Older words." not in shown


def test_an_outcome_with_its_remedies_is_kept_row_by_row(app, client, caseworkers_case):
    caseworker, reference = caseworkers_case
    sign_in(client, caseworker)
    client.post(
        f"/cases/{reference}/acknowledge",
        data={"body": "Thank you.", "understanding": "The taxi did not come.", "outcome": "A reliable taxi."},
    )
    form_page = f"/cases/{reference}/outcome"
    assert client.get(form_page).status_code == 200
    idle_for(app, caseworker, 31)
    response = client.post(
        form_page,
        data={
            "outcome": "upheld",
            "summary": "The taxi firm let the family down on three days.",
            "remedy-0-kind": "apology",
            "remedy-0-description": "A written apology from the transport manager",
        },
    )
    give_app_code(
        client,
        client.post(response.headers["Location"], data={"email": caseworker.email, "password": caseworker.password}),
        caseworker.email,
    )
    page = text(client.get(form_page))
    assert KEPT_BANNER in page
    assert "The taxi firm let the family down on three days." in page
    assert "A written apology from the transport manager" in page


def test_what_nobody_came_back_for_is_deleted_after_a_day(app, client, users):
    first, second = users.make("admin"), users.make("admin")
    sign_in(client, first)
    idle_for(app, first, 31)
    client.post("/admin/users/new", data={"name": "Words left behind."})
    with app.app_context():
        db.session.execute(db.update(KeptForm).values(kept_at=utcnow() - timedelta(hours=25)))
        db.session.commit()
    other = app.test_client()
    sign_in(other, second)
    idle_for(app, second, 31)
    other.post("/admin/users/new", data={"name": "Newer words."})
    with app.app_context():
        assert [row.sent["values"] for row in db.session.scalars(db.select(KeptForm))] == [[["name", "Newer words."]]]
