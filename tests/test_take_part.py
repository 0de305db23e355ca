"""Ways to take part: managers publish opportunities, parents and youth forum members take a
place (saying what they need) and give it back; capacity is kept by the database; a reminder
goes the day before; /take-part and its calendar show what is coming up."""

import io
import json
import threading
import zipfile
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal.accounts import roles
from portal.accounts.models import User
from portal.consultations import models as m
from portal.consultations import take_part
from portal.consultations import take_part_models as t
from portal.core.rules import RuleError
from portal.core.time import LONDON, london_today
from portal.extensions import db
from tests.consultation_helpers import make_consultation
from tests.factories import get_user, make_user
from tests.query_counts import count_queries
from tests.take_part_helpers import make_opportunity, take
from tests.test_security import page

# --- helpers ---------------------------------------------------------------------------------


def text(response) -> str:
    return page(response).text


def opportunity_path(app, opportunity_id: int) -> str:
    with app.test_request_context():
        return f"/take-part/{db.session.get(t.Opportunity, opportunity_id).slug}"


def places_taken(app, opportunity_id: int) -> int:
    with app.test_request_context():
        return db.session.get(t.Opportunity, opportunity_id).places_taken


def unfold(calendar: str) -> list[str]:
    """RFC 5545 content lines: CRLF line ends, a line starting with a space continues the last."""
    assert "\n" not in calendar.replace("\r\n", ""), "a bare line feed"
    lines: list[str] = []
    for line in calendar.split("\r\n"):
        if line.startswith(" "):
            lines[-1] += line[1:]
        elif line:
            lines.append(line)
    return lines


def events_in(calendar: str) -> list[dict[str, str]]:
    events, current = [], None
    for line in unfold(calendar):
        name, _, value = line.partition(":")
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            current[name] = value
    return events


@pytest.fixture
def manager(app):
    with app.test_request_context():
        return make_user(roles.MANAGER)


# --- taking a place ------------------------------------------------------------------------------


def test_a_parent_takes_a_place_with_what_they_need_and_is_emailed(app, client, auth, users, manager, outbox):
    parent = users.make(roles.PARENT, name="Priya Kaur")
    with app.test_request_context():
        opportunity = make_opportunity(manager.id)
    path = opportunity_path(app, opportunity.id)
    auth.sign_in(parent)
    shown = text(client.get(path))
    assert "Take a place" in shown and "10 places left" in shown

    response = client.post(
        f"{path}/place", data={"needs": ["bsl", "quiet"], "access_needs": "My son will come with me"}
    )
    assert response.status_code == 302
    assert "Your places" in text(client.get("/take-part"))
    shown = text(client.get(path))
    assert "You have a place" in shown and "9 places left" in shown
    assert "A British Sign Language (BSL) interpreter" in shown and "My son will come with me" in shown

    email = outbox.last(parent.email, "opportunity_place_taken")
    assert "Short breaks drop-in" in email.subject
    assert "A British Sign Language (BSL) interpreter" in email.body
    assert "Civic Centre, Room 2" in email.body and "6pm to 8pm" in email.body


def test_capacity_cannot_be_exceeded_and_a_full_opportunity_offers_no_place(app, client, auth, users, manager):
    with app.test_request_context():
        opportunity = make_opportunity(manager.id, capacity=2)
        first, second, third = (make_user(roles.PARENT) for _ in range(3))
        take(opportunity.id, first.id)
        take(opportunity.id, second.id)
        with pytest.raises(RuleError, match="All the places have been taken"):
            take(opportunity.id, third.id)
        db.session.rollback()
    assert places_taken(app, opportunity.id) == 2

    path = opportunity_path(app, opportunity.id)
    auth.sign_in(third)
    shown = text(client.get(path))
    assert "This is full: all 2 places have been taken" in shown
    assert "Take a place" not in shown
    refused = client.post(f"{path}/place", data={})
    assert refused.status_code == 400
    assert "All the places have been taken" in text(refused)
    assert places_taken(app, opportunity.id) == 2


def test_the_database_refuses_more_places_than_capacity_whatever_the_code_does(app, manager):
    with app.test_request_context():
        opportunity = make_opportunity(manager.id, capacity=1)
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(
                sa.update(t.Opportunity).where(t.Opportunity.id == opportunity.id).values(places_taken=2)
            )
            db.session.flush()
        db.session.rollback()


@pytest.mark.real_commits
def test_two_people_racing_for_the_last_place_one_gets_it(app, manager):
    """Two threads, each with its own session and commits, take the one place left at the same
    moment: exactly one has it, the other is told it is full, and the count is right."""
    with app.test_request_context():
        opportunity = make_opportunity(manager.id, capacity=3)
        for _ in range(2):
            take(opportunity.id, make_user(roles.PARENT).id)
        racers = [make_user(roles.PARENT).id for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def race(user_id: int):
        with app.test_request_context():
            try:
                barrier.wait(timeout=30)
                take(opportunity.id, user_id)
                outcomes.append("place")
            except RuleError as refused:
                outcomes.append(str(refused))
                db.session.rollback()
            finally:
                db.session.remove()

    workers = [threading.Thread(target=race, args=(user_id,)) for user_id in racers]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert sorted(outcomes) == ["All the places have been taken", "place"]
    with app.test_request_context():
        assert db.session.get(t.Opportunity, opportunity.id).places_taken == 3
        live = db.session.scalar(
            sa.select(sa.func.count(t.SignUp.id)).where(
                t.SignUp.opportunity_id == opportunity.id, t.SignUp.cancelled_at.is_(None)
            )
        )
        assert live == 3


def test_giving_up_a_place_frees_it_for_someone_else(app, client, auth, users, manager):
    with app.test_request_context():
        opportunity = make_opportunity(manager.id, capacity=1)
        holder, waiting = make_user(roles.PARENT), make_user(roles.YOUTH)
        take(opportunity.id, holder.id)
    path = opportunity_path(app, opportunity.id)
    auth.sign_in(holder)
    assert "Are you sure you want to give up your place?" in text(client.get(f"{path}/give-up"))
    client.post(f"{path}/give-up")
    assert "Take a place" in text(client.get(path))
    client.post(f"{path}/give-up")  # again, from an old tab: nothing more is freed
    assert places_taken(app, opportunity.id) == 0

    auth.sign_out()
    auth.sign_in(waiting)
    assert client.post(f"{path}/place", data={}).status_code == 302
    assert places_taken(app, opportunity.id) == 1


def test_a_person_signs_up_once_and_taking_a_place_again_changes_only_their_needs(app, manager):
    with app.test_request_context():
        opportunity = make_opportunity(manager.id)
        parent = make_user(roles.PARENT)
        take(opportunity.id, parent.id, ["bsl"])
        take(opportunity.id, parent.id, ["step_free"], "Parking near the door")
        assert db.session.get(t.Opportunity, opportunity.id).places_taken == 1
        sign_up = take_part.sign_up_of(db.session.get(t.Opportunity, opportunity.id), get_user(parent))
        assert sign_up.needs == ["step_free"] and sign_up.access_needs == "Parking near the door"


def test_only_its_audience_may_take_a_place(app, client, auth, users, manager):
    with app.test_request_context():
        opportunity = make_opportunity(manager.id, audience=t.FOR_PARENTS)
    path = opportunity_path(app, opportunity.id)
    auth.sign_in(users.make(roles.YOUTH))
    shown = text(client.get(path))
    assert "you cannot take a place" in shown and "Take a place" not in shown
    assert client.post(f"{path}/place", data={}).status_code == 403
    assert places_taken(app, opportunity.id) == 0


def test_anonymous_visitors_are_asked_to_sign_in_to_take_a_place(app, client, manager):
    with app.test_request_context():
        opportunity = make_opportunity(manager.id)
    path = opportunity_path(app, opportunity.id)
    assert "Sign in or create an account to take a place" in text(client.get(path))
    response = client.post(f"{path}/place", data={})
    assert response.status_code == 302 and response.location.startswith("/sign-in")


# --- reminders -------------------------------------------------------------------------------


def test_a_reminder_goes_once_the_day_before_and_not_for_places_given_up_or_cancelled(app, runner, frozen, outbox):
    frozen(date(2026, 6, 1))
    with app.test_request_context():
        manager = make_user(roles.MANAGER)
        tomorrow = make_opportunity(manager.id, day=date(2026, 6, 2), title="Tomorrow drop-in")
        called_off = make_opportunity(manager.id, day=date(2026, 6, 2), title="Called off")
        later = make_opportunity(manager.id, day=date(2026, 6, 9), title="Next week")
        coming, leaving = make_user(roles.PARENT), make_user(roles.PARENT)
        for opportunity in (tomorrow, called_off, later):
            take(opportunity.id, coming.id)
        take(tomorrow.id, leaving.id)
        take_part.give_back_place(take_part.sign_up_of(db.session.get(t.Opportunity, tomorrow.id), get_user(leaving)))
        take_part.cancel(get_user(manager), db.session.get(t.Opportunity, called_off.id))
        db.session.commit()

    result = runner.invoke(args=["alerts", "send"])
    assert result.exit_code == 0, result.output
    assert "Reminded 1 person(s) of a place tomorrow" in result.output
    reminders = outbox.messages(template="opportunity_reminder")
    assert [(message.recipient, message.subject) for message in reminders] == [
        (coming.email, "Tomorrow: Tomorrow drop-in")
    ]
    assert "is tomorrow" in reminders[0].body

    runner.invoke(args=["alerts", "send"])
    assert len(outbox.messages(template="opportunity_reminder")) == 1


# --- managing ----------------------------------------------------------------------------------


def _form(**changes) -> dict:
    day = london_today() + timedelta(days=10)
    data = {
        "kind": t.WORKING_GROUP,
        "title": "Short breaks working group",
        "description": "We plan the new short breaks offer together.",
        "format": t.IN_PERSON,
        "day": [str(day.day), str(day.month), str(day.year)],
        "starts": "6:30pm",
        "ends": "20:00",
        "place": "Civic Centre",
        "accessibility": "Step-free access",
        "audience": t.FOR_ANYONE,
        "capacity": "12",
    }
    return data | changes


def test_a_manager_creates_publishes_and_cancels_an_opportunity(app, client, auth, manager, outbox):
    auth.sign_in(manager)
    created = client.post("/manage/consultations/opportunities/new", data=_form())
    assert created.status_code == 302
    with app.test_request_context():
        opportunity = db.session.scalar(sa.select(t.Opportunity))
        assert opportunity.status == t.DRAFT
        assert opportunity.starts_in_london.hour == 18 and opportunity.starts_in_london.minute == 30
        opportunity_id, slug = opportunity.id, opportunity.slug
    assert client.get(f"/take-part/{slug}").status_code == 404

    client.post(f"/manage/consultations/opportunities/{opportunity_id}/publish")
    assert "Short breaks working group" in text(client.get("/take-part"))
    with app.test_request_context():
        parent = make_user(roles.PARENT)
        take(opportunity_id, parent.id)

    client.post(f"/manage/consultations/opportunities/{opportunity_id}/cancel")
    with app.test_request_context():
        assert db.session.get(t.Opportunity, opportunity_id).status == t.CANCELLED
    assert outbox.last(parent.email, "opportunity_cancelled").subject == "Cancelled: Short breaks working group"
    assert "This has been cancelled" in text(client.get(f"/take-part/{slug}"))
    assert "Short breaks working group" not in text(client.get("/take-part"))


def test_the_form_says_what_is_wrong_next_to_each_field(app, client, auth, manager):
    auth.sign_in(manager)
    response = client.post(
        "/manage/consultations/opportunities/new", data=_form(title="", starts="25:00", capacity="none")
    )
    assert response.status_code == 200
    shown = text(response)
    assert "Error:" in page(response).title
    for message in ("Enter the title", "The start time must be a time", "The number of places must be a whole number"):
        assert shown.count(message) == 2, message  # in the summary and next to the field


def test_the_places_cannot_be_fewer_than_those_taken(app, client, auth, manager):
    with app.test_request_context():
        opportunity = make_opportunity(manager.id, capacity=3)
        for _ in range(2):
            take(opportunity.id, make_user(roles.PARENT).id)
    auth.sign_in(manager)
    response = client.post(f"/manage/consultations/opportunities/{opportunity.id}/edit", data=_form(capacity="1"))
    assert response.status_code == 200
    assert text(response).count("The number of places cannot be fewer than the 2 already taken") == 2
    with app.test_request_context():
        assert db.session.get(t.Opportunity, opportunity.id).capacity == 3


def test_access_needs_are_shown_to_managers_only(app, client, auth, users, manager):
    with app.test_request_context():
        opportunity = make_opportunity(manager.id)
        parent = make_user(roles.PARENT, name="Nadia Holt")
        take(opportunity.id, parent.id, ["hearing_loop"], "I lip-read, please face me")
    path = opportunity_path(app, opportunity.id)
    for visitor in (None, users.make(roles.PARENT), users.make(roles.CASEWORKER)):
        if visitor:
            auth.sign_in(visitor)
        shown = text(client.get(path))
        assert "I lip-read" not in shown and "Nadia" not in shown
        assert client.get(f"/manage/consultations/opportunities/{opportunity.id}").status_code in (302, 403)
        auth.sign_out()
    auth.sign_in(manager)
    shown = text(client.get(f"/manage/consultations/opportunities/{opportunity.id}"))
    assert "Nadia Holt" in shown and "I lip-read, please face me" in shown and "A hearing loop" in shown


# --- the public list and the calendar ------------------------------------------------------------


def test_take_part_lists_opportunities_and_open_consultations_soonest_first(app, client, manager):
    with app.test_request_context():
        make_opportunity(manager.id, title="In three days", day=london_today() + timedelta(days=3))
        make_opportunity(manager.id, title="In twenty days", day=london_today() + timedelta(days=20))
        make_opportunity(manager.id, title="Still a draft", publish=False)
        make_consultation(title="Closing in a week", state=m.OPEN)
        make_consultation(title="Not open yet", state=m.UPCOMING)
    shown = text(client.get("/take-part"))
    assert shown.index("In three days") < shown.index("Closing in a week") < shown.index("In twenty days")
    assert "Still a draft" not in shown and "Not open yet" not in shown

    board = text(client.get("/consultations"))
    assert "Come and take part" in board and "In three days" in board
    assert 'href="/take-part"' in client.get("/consultations").get_data(as_text=True)
    assert 'href="/take-part"' in client.get("/").get_data(as_text=True)  # the public navigation


def test_the_calendar_feed_has_each_upcoming_opportunity_in_utc(app, client, frozen):
    frozen(date(2026, 6, 1))  # British Summer Time: 6pm in London is 5pm UTC
    with app.test_request_context():
        manager = make_user(roles.MANAGER)
        summer = make_opportunity(
            manager.id,
            day=date(2026, 6, 10),
            title="Forum session; planning, the summer",
            kind=t.FORUM_SESSION,
            description="A long description " * 10,
        )
        make_opportunity(manager.id, title="Draft only", publish=False)
    response = client.get("/take-part.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.get_data(as_text=True)
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    lines = unfold(body)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR" and "VERSION:2.0" in lines
    events = events_in(body)
    assert len(events) == 1
    event = events[0]
    assert event["DTSTART"] == "20260610T170000Z" and event["DTEND"] == "20260610T190000Z"
    assert event["SUMMARY"] == "Forum session\\; planning\\, the summer"
    assert event["LOCATION"] == "Civic Centre\\, Room 2\\, High Street"
    assert event["URL"].endswith(f"/take-part/{summer.slug}")
    assert datetime.strptime(event["DTSTART"], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc) == summer.starts_at

    single = client.get(f"/take-part/{summer.slug}.ics")
    assert single.headers["Content-Disposition"] == f'attachment; filename="{summer.slug}.ics"'
    assert [e["UID"] for e in events_in(single.get_data(as_text=True))] == [event["UID"]]


def test_in_winter_the_calendar_time_is_the_london_time(app, client, frozen):
    frozen(date(2026, 12, 1))
    with app.test_request_context():
        make_opportunity(make_user(roles.MANAGER).id, day=date(2026, 12, 10))
    (event,) = events_in(client.get("/take-part.ics").get_data(as_text=True))
    assert event["DTSTART"] == "20261210T180000Z"


def test_drafts_are_never_public(app, client, manager):
    with app.test_request_context():
        draft = make_opportunity(manager.id, title="Secret plan", publish=False)
    assert client.get(f"/take-part/{draft.slug}").status_code == 404
    assert client.get(f"/take-part/{draft.slug}.ics").status_code == 404
    assert "Secret plan" not in text(client.get("/take-part"))
    assert "Secret plan" not in client.get("/take-part.ics").get_data(as_text=True)
    assert "Secret plan" not in text(client.get("/consultations"))


def test_the_list_is_kept_and_changes_at_once_when_a_place_fills_or_one_is_published(app, manager):
    app.config["PAGE_CACHE"] = True
    app.extensions["page_cache"].clear()
    with app.test_request_context():
        opportunity = make_opportunity(manager.id, capacity=1)
    visitor = app.test_client()
    assert "1 place left" in text(visitor.get("/take-part"))
    assert count_queries(app, app.test_client(), "/take-part") == 0
    with app.test_request_context():
        take(opportunity.id, make_user(roles.PARENT).id)
    assert "Full: all 1 places have been taken" in text(app.test_client().get("/take-part"))
    with app.test_request_context():
        make_opportunity(manager.id, title="A new youth forum session")
    assert "A new youth forum session" in text(app.test_client().get("/take-part"))
    with app.test_request_context():
        take_part.cancel(db.session.get(User, manager.id), db.session.get(t.Opportunity, opportunity.id))
        db.session.commit()
    assert "Short breaks drop-in" not in text(app.test_client().get("/take-part"))


def test_a_consultation_opening_shows_on_take_part_that_morning(app, frozen):
    app.config["PAGE_CACHE"] = True
    app.extensions["page_cache"].clear()
    frozen(date(2026, 5, 4))
    with app.app_context():
        make_consultation(
            title="Respite care", state=m.UPCOMING, opens_on=date(2026, 5, 5), closes_on=date(2026, 5, 30)
        )
    assert "Respite care" not in text(app.test_client().get("/take-part"))
    assert count_queries(app, app.test_client(), "/take-part") == 0
    frozen(date(2026, 5, 5))
    assert "Respite care" in text(app.test_client().get("/take-part"))


# --- personal data -------------------------------------------------------------------------------


def test_closing_an_account_erases_its_places_and_frees_them(app, client, auth, users, manager):
    parent = users.make(roles.PARENT)
    with app.test_request_context():
        opportunity = make_opportunity(manager.id)
        take(opportunity.id, parent.id, ["bsl"], "Needs known only to us")
    auth.sign_in(parent)
    client.post("/account/close", data={"password": parent.password, "confirm": "y"})
    with app.test_request_context():
        assert db.session.get(t.Opportunity, opportunity.id).places_taken == 0
        assert db.session.scalar(sa.select(sa.func.count(t.SignUp.id))) == 0


def test_places_and_needs_are_deleted_a_month_after_the_event(app, runner, frozen):
    frozen(date(2026, 3, 2))
    with app.test_request_context():
        manager = make_user(roles.MANAGER)
        old = make_opportunity(manager.id, day=date(2026, 3, 5))
        parent = make_user(roles.PARENT)
        take(old.id, parent.id, ["quiet"], "Long gone needs")
    frozen(date(2026, 4, 20))
    with app.test_request_context():
        recent = make_opportunity(manager.id, day=date(2026, 4, 25))
        take(recent.id, parent.id, [], "Recent needs")
    result = runner.invoke(args=["retention", "apply"])
    assert result.exit_code == 0, result.output
    with app.test_request_context():
        left = db.session.scalars(sa.select(t.SignUp.access_needs)).all()
        assert left == ["Recent needs"]


def test_the_opportunities_pages_keep_the_london_day(app, manager):
    """An opportunity's day and times are London's, summer or winter."""
    with app.test_request_context():
        opportunity = make_opportunity(manager.id, day=date(2027, 7, 1), starts=(9, 15), ends=(11, 0))
        assert opportunity.starts_at.astimezone(LONDON).strftime("%H:%M") == "09:15"
        assert opportunity.starts_at.astimezone(timezone.utc).strftime("%H:%M") == "08:15"


# --- the demo ------------------------------------------------------------------------------------


def test_the_demo_has_a_full_drop_in_places_left_elsewhere_documents_and_offline_answers(app, client, demo):
    with app.app_context():
        opportunities = db.session.scalars(sa.select(t.Opportunity).order_by(t.Opportunity.starts_at)).all()
        drop_in = opportunities[0]
        assert drop_in.kind == t.DROP_IN and drop_in.is_full and drop_in.places_taken == drop_in.capacity
        assert any(not o.is_full for o in opportunities[1:])
        documents = db.session.scalars(sa.select(m.Document)).all()
        assert sorted(d.easy_read for d in documents) == [False, True]
        assert all(d.data.startswith(b"%PDF-") for d in documents)
        channels = set(db.session.scalars(sa.select(m.Response.channel)))
        assert {m.PAPER, m.PHONE, m.IN_PERSON} <= channels
        slug, consultation = drop_in.slug, documents[0].consultation.slug
    shown = text(client.get(f"/take-part/{slug}"))
    assert "This is full" in shown and "Take a place" not in shown
    assert "Read before you answer" in text(client.get(f"/consultations/{consultation}"))


def test_the_places_taken_and_needs_given_are_in_the_persons_data_export(app, client, auth, users, manager):
    parent = users.make(roles.PARENT)
    with app.test_request_context():
        opportunity = make_opportunity(manager.id)
        take(opportunity.id, parent.id, ["bsl"], "An aisle seat")
    auth.sign_in(parent)
    response = client.post("/account/your-data")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    places = json.loads(archive.read("your-data.json"))["opportunity_places"]
    assert [(p["opportunity"], p["needs"]) for p in places] == [
        ("Short breaks drop-in", ["A British Sign Language (BSL) interpreter", "An aisle seat"])
    ]
    assert "An aisle seat" in archive.read("your-data.html").decode()


def test_a_published_opportunity_keeps_its_address_when_its_title_is_corrected(app, client, auth, manager):
    with app.test_request_context():
        published = make_opportunity(manager.id, title="Short breaks drop-in")
        draft = make_opportunity(manager.id, title="Early idea", publish=False)
    auth.sign_in(manager)
    for made in (published, draft):
        response = client.post(
            f"/manage/consultations/opportunities/{made.id}/edit", data=_form(title="Corrected title")
        )
        assert response.status_code == 302
    with app.app_context():
        assert db.session.get(t.Opportunity, published.id).slug == published.slug
        assert db.session.get(t.Opportunity, draft.id).slug == "corrected-title"
    assert client.get(f"/take-part/{published.slug}").status_code == 200
    history = text(client.get(f"/manage/consultations/opportunities/{published.id}"))
    assert "Changed a way to take part" in history and "Published a way to take part" in history
