"""Managers' casework pages: routing settings that really change routing, response templates,
learning themes, and oversight with bulk reassignment.

Who may open these pages is checked for every route and role in tests/test_security.py (ACCESS).
"""

import re
from datetime import timedelta
from itertools import count

import pytest
import sqlalchemy as sa

from portal.accounts import roles
from portal.accounts.models import Team, User
from portal.casework.models import CaseworkerSettings, ResponseTemplate
from portal.core.models import AuditEvent
from portal.core.time import london_today
from portal.extensions import db
from portal.feedback import services as feedback_services
from portal.feedback.models import Case, Category
from portal.themes.models import LearningTheme
from tests.casework_helpers import answer_stage_1, submit_case
from tests.feedback_helpers import make_category
from tests.query_counts import count_queries
from tests.test_security import error_summary, page

_numbers = count(1)


# --- helpers -------------------------------------------------------------------------------


@pytest.fixture
def manager(users, auth):
    person = users.make(roles.MANAGER, name="Morgan Manager")
    auth.sign_in(person)
    return person


def team_id(app, name: str) -> int:
    with app.app_context():
        team = db.session.scalar(sa.select(Team).where(Team.name == name))
        if team is None:
            team = Team(name=name)
            db.session.add(team)
            db.session.commit()
        return team.id


def category_in(app, name: str, team: str) -> int:
    with app.app_context():
        return make_category(name, team)


def send_case(app, category_id: int, family: str | None = None) -> Case:
    """A family sends a complaint (through the feedback services); returns the routed case
    (detached). Each family is different, so that continuity does not decide the caseworker."""
    number = next(_numbers)
    family = family or f"family{number}@example.org"
    submit_case(app, category_id, contact_email=family, child_name=f"Child {number}", child_setting=f"School {number}")
    with app.app_context():
        case = db.session.scalar(sa.select(Case).where(Case.contact_email == family).order_by(Case.id.desc()))
        db.session.expunge(case)
        return case


def make_case(app, **fields) -> int:
    """A case put straight in the database, for lists and counts. Returns its id."""
    number = next(_numbers)
    values = {
        "reference": f"CAN-2099-{number:05d}",
        "submission_key": f"test-{number}",
        "kind": "complaint",
        "status": "received",
        "stage": 1,
        "what_happened": "Something happened.",
        "contact_name": f"Family {number}",
    } | fields
    with app.app_context():
        case = Case(**values)
        db.session.add(case)
        db.session.commit()
        return case.id


def get_case(app, case_id: int) -> Case:
    with app.app_context():
        case = db.session.get(Case, case_id)
        db.session.expunge(case)
        return case


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        found = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        ).all()
        db.session.expunge_all()
        return found


def settings_of(app, person) -> CaseworkerSettings | None:
    with app.app_context():
        settings = db.session.get(CaseworkerSettings, person.id)
        if settings is not None:
            db.session.expunge(settings)
        return settings


def set_routing(client, person, *, team: int, accepting: str = "yes", capacity="40", stage_2: str = "no"):
    return client.post(
        f"/manage/routing/caseworkers/{person.id}",
        data={"team": str(team), "accepting": accepting, "capacity": str(capacity), "stage_2": stage_2},
    )


def text_of(response) -> str:
    return page(response).text


# --- the pages ------------------------------------------------------------------------------


def test_manager_has_a_link_to_manage_cases_and_every_page_opens(app, client, manager, users):
    travel = team_id(app, "Travel Assist")
    category = category_in(app, "Home-to-school transport", "Travel Assist")
    caseworker = users.make(roles.CASEWORKER, team="Travel Assist")
    with app.app_context():
        template = ResponseTemplate(name="Holding reply", body="Dear {family_name}")
        theme = LearningTheme(name="Named contact and continuity")
        db.session.add_all([template, theme])
        db.session.commit()
        template_id, theme_id = template.id, theme.id

    start = client.get("/cases")
    assert 'href="/manage/cases"' in start.get_data(as_text=True)
    for path in (
        "/manage/cases",
        "/manage/routing",
        f"/manage/routing/categories/{category}",
        f"/manage/routing/caseworkers/{caseworker.id}",
        f"/manage/routing/teams/{travel}",
        "/manage/templates",
        "/manage/templates/new",
        f"/manage/templates/{template_id}",
        f"/manage/templates/{template_id}/delete",
        "/manage/themes",
        "/manage/themes/new",
        f"/manage/themes/{theme_id}",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Manage cases" in text_of(response), path


def test_pages_for_things_that_do_not_exist_are_not_found(client, manager, users):
    parent = users.make(roles.PARENT)
    for path in (
        "/manage/routing/categories/999999",
        f"/manage/routing/caseworkers/{parent.id}",  # not a caseworker
        "/manage/routing/teams/999999",
        "/manage/templates/999999",
        "/manage/themes/999999",
        "/manage/cases?show=caseworker&caseworker=999999",
    ):
        assert client.get(path).status_code == 404, path


@pytest.mark.parametrize("role", [roles.CASEWORKER, roles.PARENT, roles.ADMIN])
def test_other_roles_cannot_move_cases(app, users, auth, client, role):
    caseworker = users.make(roles.CASEWORKER, team="SENAR North")
    case_id = make_case(app, team_id=team_id(app, "SENAR North"))
    auth.sign_in(users.make(role))
    response = client.post("/manage/cases", data={"cases": str(case_id), "caseworker": str(caseworker.id)})
    assert response.status_code == 403
    assert get_case(app, case_id).caseworker_id is None


# --- routing settings ----------------------------------------------------------------------


def test_routing_page_shows_categories_caseworkers_and_teams(app, client, manager, users):
    category_in(app, "Home-to-school transport", "Travel Assist")
    users.make(roles.CASEWORKER, name="Casey Worker", team="Travel Assist")
    text = text_of(client.get("/manage/routing"))
    assert "Home-to-school transport Travel Assist" in text
    assert "Casey Worker Travel Assist Yes 0 40" in text
    assert "Travel Assist No lead None: families reply through their case page 1" in text


def test_a_caseworker_not_taking_cases_gets_no_new_case(app, client, manager, users):
    category = category_in(app, "Home-to-school transport", "Travel Assist")
    travel = team_id(app, "Travel Assist")
    away = users.make(roles.CASEWORKER, name="Alex Away", team="Travel Assist")
    here = users.make(roles.CASEWORKER, name="Bo Here", team="Travel Assist")
    assert settings_of(app, away) is None

    response = set_routing(client, away, team=travel, accepting="no", capacity=40)
    assert response.status_code == 302
    assert response.location.startswith("/manage/routing")
    saved = settings_of(app, away)
    assert saved is not None and saved.accepting_new_cases is False  # the row is made on first save

    routed = [send_case(app, category) for _ in range(3)]
    assert {case.caseworker_id for case in routed} == {here.id}

    # Taking cases again: the least loaded (Alex, with none) gets the next one.
    set_routing(client, away, team=travel, accepting="yes", capacity=40)
    assert send_case(app, category).caseworker_id == away.id

    changes = events(app, "caseworker.taking_cases_changed")
    assert [(e.details["old"], e.details["new"]) for e in changes] == [(True, False), (False, True)]
    assert all(e.actor_id == manager.id and e.object_id == str(away.id) for e in changes)


def test_capacity_is_respected(app, client, manager, users):
    category = category_in(app, "Home-to-school transport", "Travel Assist")
    travel = team_id(app, "Travel Assist")
    only = users.make(roles.CASEWORKER, team="Travel Assist")
    set_routing(client, only, team=travel, capacity=1)

    first, second = send_case(app, category), send_case(app, category)
    assert first.caseworker_id == only.id
    assert second.caseworker_id is None  # full: it waits in the team's queue
    assert second.team_id == travel

    text = text_of(client.get("/manage/cases"))
    assert "Travel Assist 1 0 0" in text  # one unassigned case in the team's queue
    assert [(e.details["old"], e.details["new"]) for e in events(app, "caseworker.capacity_changed")] == [(40, 1)]


def test_a_category_moved_to_another_team_routes_there(app, client, manager, users):
    category = category_in(app, "Home-to-school transport", "Travel Assist")
    users.make(roles.CASEWORKER, team="Travel Assist")
    north = team_id(app, "SENAR North")
    northerner = users.make(roles.CASEWORKER, team="SENAR North")

    assert send_case(app, category).team_id != north
    response = client.post(f"/manage/routing/categories/{category}", data={"team": str(north)})
    assert response.status_code == 302
    case = send_case(app, category)
    assert case.team_id == north
    assert case.caseworker_id == northerner.id
    [change] = events(app, "category.team_changed")
    assert change.details["new"] == north and change.actor_id == manager.id


def test_moving_a_caseworker_to_another_team_routes_that_teams_cases_to_them(app, client, manager, users):
    category = category_in(app, "EHC needs assessment", "SENAR North")
    north = team_id(app, "SENAR North")
    mover = users.make(roles.CASEWORKER, team="SENAR South")
    set_routing(client, mover, team=north)
    assert send_case(app, category).caseworker_id == mover.id
    [change] = events(app, "user.team_changed")
    assert change.details["new"] == north


@pytest.mark.parametrize(
    "typed, message",
    [
        ("", "Enter the most open cases this caseworker can hold"),
        ("twelve", "Enter the capacity as a whole number, like 40"),
        ("12.5", "Enter the capacity as a whole number, like 40"),
        ("-1", "Enter the capacity as a whole number, like 40"),
        ("201", "Capacity must be between 0 and 200"),
    ],
)
def test_capacity_must_be_a_whole_number_from_0_to_200(app, client, manager, users, typed, message):
    north = team_id(app, "SENAR North")
    team_id(app, "SENAR South")
    person = users.make(roles.CASEWORKER, team="SENAR South")
    response = set_routing(client, person, team=north, accepting="no", capacity=typed)

    assert response.status_code == 200
    shown = page(response)
    assert shown.title.startswith("Error: ")
    assert message in error_summary(response)
    assert 'href="#capacity"' in response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    assert re.search(
        r'id="capacity-error"[^>]*>\s*<span class="govuk-visually-hidden">Error:</span> ' + re.escape(message), html
    )
    # What was typed and chosen is still there.
    assert shown.value_of("capacity") == typed
    assert re.search(rf'value="{north}" checked', html)
    assert re.search(r'value="no" checked', html)
    # Nothing saved.
    assert settings_of(app, person) is None
    with app.app_context():
        assert db.session.get(User, person.id).team.name == "SENAR South"


def test_capacity_of_0_and_200_are_allowed(app, client, manager, users):
    north = team_id(app, "SENAR North")
    person = users.make(roles.CASEWORKER, team="SENAR North")
    for value in (0, 200):
        assert set_routing(client, person, team=north, capacity=value).status_code == 302
        assert settings_of(app, person).capacity == value


def test_a_manager_marks_a_caseworker_to_review_stage_2_and_the_routing_page_says_so(app, client, manager, users):
    north = team_id(app, "SENAR North")
    person = users.make(roles.CASEWORKER, team="SENAR North", name="Senior Caseworker")
    form = text_of(client.get(f"/manage/routing/caseworkers/{person.id}"))
    assert "Do they review complaints at stage 2?" in form
    assert set_routing(client, person, team=north, accepting="no", stage_2="yes").status_code == 302
    assert settings_of(app, person).handles_stage_2 is True
    with app.app_context():
        changed = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "caseworker.stage_2_changed"))
        assert (changed.actor_id, changed.details["new"]) == (manager.id, True)
    # Not taking new cases, but reviewing stage 2: the only "Yes" in their row is the stage 2 column.
    html = client.get("/manage/routing").get_data(as_text=True)
    row = next(part for part in html.split("<tr")[1:] if "Senior Caseworker" in part)
    assert re.findall(r">(Yes|No)<", row) == ["No", "Yes"]
    refused = set_routing(client, person, team=north, stage_2="")
    assert "Select whether they review complaints at stage 2" in text_of(refused)


def test_saving_unchanged_settings_records_nothing_but_makes_the_row(app, client, manager, users):
    north = team_id(app, "SENAR North")
    person = users.make(roles.CASEWORKER, team="SENAR North")
    assert set_routing(client, person, team=north, accepting="yes", capacity=40).status_code == 302
    assert settings_of(app, person).capacity == 40
    with app.app_context():
        recorded = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.actor_id == manager.id)).all()
        assert recorded == ["user.signed_in"]


def test_team_lead_is_a_manager(app, client, manager, users):
    north = team_id(app, "SENAR North")
    lead = users.make(roles.MANAGER, name="Lee Lead")
    caseworker = users.make(roles.CASEWORKER)

    response = client.get(f"/manage/routing/teams/{north}")
    assert "Lee Lead" in text_of(response)
    assert caseworker.name not in text_of(response)

    refused = client.post(f"/manage/routing/teams/{north}", data={"lead": str(caseworker.id)})
    assert refused.status_code == 200
    assert "Error: " in page(refused).title
    missing = client.post(f"/manage/routing/teams/{north}", data={})
    assert "Select the team's lead, or no lead" in error_summary(missing)

    assert client.post(f"/manage/routing/teams/{north}", data={"lead": str(lead.id)}).status_code == 302
    with app.app_context():
        assert db.session.get(Team, north).lead_id == lead.id
    assert "SENAR North Lee Lead" in text_of(client.get("/manage/routing"))

    assert client.post(f"/manage/routing/teams/{north}", data={"lead": "none"}).status_code == 302
    with app.app_context():
        assert db.session.get(Team, north).lead_id is None
    assert [(e.details["old"], e.details["new"]) for e in events(app, "team.lead_changed")] == [
        (None, lead.id),
        (lead.id, None),
    ]


def test_category_team_must_be_chosen(app, client, manager):
    with app.app_context():
        category = Category(name="Other")
        db.session.add(category)
        db.session.commit()
        category_id = category.id
    team_id(app, "SENAR North")
    response = client.post(f"/manage/routing/categories/{category_id}", data={})
    assert response.status_code == 200
    assert "Select the team that handles this category" in error_summary(response)


# --- oversight and reassignment ------------------------------------------------------------


def test_workload_counts_open_due_soon_and_overdue_cases(app, client, manager, users):
    north = team_id(app, "SENAR North")
    busy = users.make(roles.CASEWORKER, name="Busy Bee", team="SENAR North")
    users.make(roles.CASEWORKER, name="Idle Ivy", team="SENAR North")
    today = london_today()
    make_case(app, team_id=north, caseworker_id=busy.id, acknowledge_by=today - timedelta(days=3))  # overdue
    make_case(app, team_id=north, caseworker_id=busy.id, acknowledge_by=today)  # due soon
    make_case(app, team_id=north, caseworker_id=busy.id, acknowledge_by=today + timedelta(days=30))
    make_case(app, team_id=north, caseworker_id=busy.id, status="closed")  # not counted
    make_case(app, team_id=north, acknowledge_by=today - timedelta(days=1))  # unassigned and overdue

    text = text_of(client.get("/manage/cases"))
    # Caseworker, team, open, due soon, overdue, capacity, taking new cases.
    assert "Busy Bee SENAR North 3 1 1 40 Yes" in text
    assert "Idle Ivy SENAR North 0 0 0 40 Yes" in text
    # Team queue: unassigned, overdue, urgent.
    assert "SENAR North 1 1 0" in text
    assert "Unassigned (1)" in text and "Overdue (2)" in text and "Stage 2 (0)" in text


def test_bulk_reassignment_moves_the_ticked_cases_and_records_why(app, client, manager, users):
    north = team_id(app, "SENAR North")
    leaving = users.make(roles.CASEWORKER, name="Lou Leaving", team="SENAR North")
    staying = users.make(roles.CASEWORKER, name="Sam Staying", team="SENAR North")
    ticked = [make_case(app, team_id=north, caseworker_id=leaving.id) for _ in range(3)]
    kept = make_case(app, team_id=north, caseworker_id=leaving.id)

    listed = client.get(f"/manage/cases?show=caseworker&caseworker={leaving.id}")
    assert "Open cases held by Lou Leaving" in text_of(listed)
    assert all(
        f'name="cases" type="checkbox" value="{case_id}"' in listed.get_data(as_text=True)
        for case_id in ticked + [kept]
    )

    response = client.post(
        f"/manage/cases?show=caseworker&caseworker={leaving.id}",
        data={"cases": [str(i) for i in ticked], "caseworker": str(staying.id), "reason": "Lou is on leave"},
    )
    assert response.status_code == 302
    assert response.location.startswith(f"/manage/cases?show=caseworker&caseworker={leaving.id}")
    assert all(get_case(app, case_id).caseworker_id == staying.id for case_id in ticked)
    assert get_case(app, kept).caseworker_id == leaving.id

    moved = events(app, "case.assigned")
    assert sorted(int(e.object_id) for e in moved) == sorted(ticked)
    for event in moved:
        assert event.actor_id == manager.id
        assert event.details["old"] == leaving.id and event.details["new"] == staying.id
        assert event.details["reason"] == "moved by a manager: Lou is on leave"

    after = client.get(response.location)
    assert "3 cases moved to Sam Staying" in text_of(after)
    assert "Lou Leaving SENAR North 1 0 0" in text_of(after)


def test_assigning_unassigned_cases_from_a_team_queue(app, client, manager, users):
    north, south = team_id(app, "SENAR North"), team_id(app, "SENAR South")
    worker = users.make(roles.CASEWORKER, name="Nat North", team="SENAR North")
    waiting = make_case(app, team_id=north)
    elsewhere = make_case(app, team_id=south)

    listed = client.get(f"/manage/cases?show=unassigned&team={north}")
    html = listed.get_data(as_text=True)
    assert "Unassigned cases in SENAR North" in text_of(listed)
    assert f'name="cases" type="checkbox" value="{waiting}"' in html
    assert f'name="cases" type="checkbox" value="{elsewhere}"' not in html

    response = client.post(
        f"/manage/cases?show=unassigned&team={north}", data={"cases": str(waiting), "caseworker": str(worker.id)}
    )
    assert response.status_code == 302
    case = get_case(app, waiting)
    assert case.caseworker_id == worker.id and case.team_id == north
    assert get_case(app, elsewhere).caseworker_id is None


def test_stage_2_case_cannot_go_to_its_stage_1_handler(app, client, manager, users):
    category = category_in(app, "EHC needs assessment", "SENAR North")
    first = users.make(roles.CASEWORKER, name="First Handler", team="SENAR North")
    case = send_case(app, category)
    assert case.caseworker_id == first.id
    second = users.make(roles.CASEWORKER, name="Second Handler", team="SENAR North", stage_2=True)
    other = make_case(app, team_id=team_id(app, "SENAR North"), caseworker_id=second.id)
    with app.test_request_context():
        answer_stage_1(db.session.get(Case, case.id))
        feedback_services.escalate(db.session.get(Case, case.id), None)
        db.session.commit()
    escalated = get_case(app, case.id)
    assert escalated.stage == 2 and escalated.stage1_caseworker_id == first.id
    assert escalated.caseworker_id == second.id  # routing already kept it from the stage 1 handler

    listed = client.get("/manage/cases?show=stage2")
    assert "Stage 1: First Handler" in text_of(listed)

    response = client.post(
        "/manage/cases?show=stage2",
        data={"cases": [str(case.id), str(other)], "caseworker": str(first.id)},
    )
    assert response.status_code == 200
    summary = error_summary(response)
    assert f"{case.reference} cannot go to First Handler" in summary
    assert "First Handler handled stage 1, so someone else must handle stage 2" in summary
    assert "No cases have been moved" in summary
    assert page(response).title.startswith("Error: ")
    html = response.get_data(as_text=True)
    assert re.search(rf'value="{case.id}" checked', html)  # the ticks are kept
    # None moved: not the refused case, and not the one that was allowed either.
    assert get_case(app, case.id).caseworker_id == second.id
    assert get_case(app, other).caseworker_id == second.id
    assert [e for e in events(app, "case.assigned") if e.actor_id == manager.id] == []

    # Without the refused case, the other one moves.
    allowed = client.post("/manage/cases?show=stage2", data={"cases": str(other), "caseworker": str(first.id)})
    assert allowed.status_code == 302
    assert get_case(app, other).caseworker_id == first.id


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"caseworker": "CW"}, "cases", "Select at least one case to move"),
        ({"cases": "CASE"}, "caseworker", "Select the caseworker to move the cases to"),
        ({"cases": "CASE", "caseworker": "PARENT"}, "caseworker", "Select an active caseworker to move the cases to"),
        (
            {"cases": "CLOSED", "caseworker": "CW"},
            "cases",
            "1 of the cases you ticked has been closed since the page loaded",
        ),
    ],
)
def test_reassignment_errors_are_shown_next_to_the_field(app, client, manager, users, data, field, message):
    north = team_id(app, "SENAR North")
    worker = users.make(roles.CASEWORKER, team="SENAR North")
    parent = users.make(roles.PARENT)
    case_id = make_case(app, team_id=north)
    closed = make_case(app, team_id=north, status="closed")
    values = {"CW": str(worker.id), "CASE": str(case_id), "PARENT": str(parent.id), "CLOSED": str(closed)}
    response = client.post("/manage/cases", data={key: values[value] for key, value in data.items()})

    assert response.status_code == 200
    assert message in error_summary(response)
    assert f'href="#{field}"' in response.get_data(as_text=True)
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert get_case(app, case_id).caseworker_id is None
    assert events(app, "case.assigned") == []


def test_case_lists_are_paged(app, client, manager):
    north = team_id(app, "SENAR North")
    for _ in range(30):
        make_case(app, team_id=north)
    first = client.get("/manage/cases?show=unassigned")
    assert first.get_data(as_text=True).count('name="cases"') == 25
    assert "page 1 of 2" in text_of(first)
    second = client.get("/manage/cases?show=unassigned&page=2")
    assert second.get_data(as_text=True).count('name="cases"') == 5


def _some_cases(app, how_many: int, caseworkers: list, teams: list[int], stage1: int) -> None:
    today = london_today()
    for n in range(how_many):
        make_case(
            app,
            team_id=teams[n % len(teams)],
            caseworker_id=None if n % 4 == 0 else caseworkers[n % len(caseworkers)].id,
            stage=2 if n % 5 == 0 else 1,
            stage1_caseworker_id=stage1 if n % 5 == 0 else None,
            acknowledge_by=today + timedelta(days=(n % 7) - 3),
            urgent=n % 6 == 0,
            status="closed" if n % 9 == 8 else "received",
        )


def test_oversight_issues_the_same_number_of_queries_however_many_cases(app, client, manager, users):
    teams = [team_id(app, "SENAR North"), team_id(app, "SENAR South")]
    category_in(app, "Annual reviews", "SENAR North")
    caseworkers = [users.make(roles.CASEWORKER, team=name) for name in ("SENAR North", "SENAR South", "SENAR North")]
    paths = [
        "/manage/cases",
        "/manage/cases?show=overdue",
        "/manage/cases?show=stage2",
        f"/manage/cases?show=unassigned&team={teams[0]}",
        f"/manage/cases?show=caseworker&caseworker={caseworkers[0].id}",
    ]

    _some_cases(app, 5, caseworkers, teams, stage1=caseworkers[1].id)
    few = {path: count_queries(app, client, path) for path in paths}
    _some_cases(app, 55, caseworkers, teams, stage1=caseworkers[1].id)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 60
    many = {path: count_queries(app, client, path) for path in paths}

    assert many == few
    assert max(few.values()) <= 12, few


# --- response templates --------------------------------------------------------------------


def test_templates_are_listed_with_the_placeholders_explained(app, client, manager):
    text = text_of(client.get("/manage/templates"))
    for name in (
        "{family_name}",
        "{reference}",
        "{acknowledge_by}",
        "{respond_by}",
        "{caseworker_name}",
        "{child_name}",
    ):
        assert name in text
    new_page = text_of(client.get("/manage/templates/new"))
    assert "{respond_by}" in new_page and "The date the full response is due" in new_page


def test_create_change_and_delete_a_template(app, client, manager):
    response = client.post(
        "/manage/templates/new", data={"name": " Holding reply ", "body": "Dear {family_name},\n\nAbout {reference}."}
    )
    assert response.status_code == 302
    with app.app_context():
        template = db.session.scalar(sa.select(ResponseTemplate))
        assert template.name == "Holding reply"
        template_id = template.id
    assert "Holding reply" in text_of(client.get("/manage/templates"))

    assert (
        client.post(
            f"/manage/templates/{template_id}",
            data={"name": "Holding reply", "body": "Hello {family_name}, by {respond_by}."},
        ).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(ResponseTemplate, template_id).body == "Hello {family_name}, by {respond_by}."

    confirm = client.get(f"/manage/templates/{template_id}/delete")
    assert "Are you sure you want to delete this template?" in text_of(confirm)
    assert client.post(f"/manage/templates/{template_id}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(ResponseTemplate, template_id) is None
    assert [
        e.action
        for e in events(app, "response_template.created")
        + events(app, "response_template.changed")
        + events(app, "response_template.deleted")
    ] == [
        "response_template.created",
        "response_template.changed",
        "response_template.deleted",
    ]


def test_a_template_is_offered_to_caseworkers_filled_in(app, client, manager, users, auth):
    category = category_in(app, "Home-to-school transport", "Travel Assist")
    caseworker = users.make(roles.CASEWORKER, name="Casey Worker", team="Travel Assist")
    client.post("/manage/templates/new", data={"name": "Hello", "body": "Dear {family_name}, I am {caseworker_name}."})
    case = send_case(app, category)
    with app.app_context():
        template_id = db.session.scalar(sa.select(ResponseTemplate.id))
    auth.sign_out()
    auth.sign_in(caseworker)
    reply = client.get(f"/cases/{case.reference}/reply?template={template_id}")
    assert "Dear Jo Smith, I am Casey Worker." in reply.get_data(as_text=True)


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"name": "", "body": "Dear {family_name}"}, "name", "Enter a name for the template"),
        ({"name": "holding REPLY", "body": "Dear {family_name}"}, "name", "A template with this name already exists"),
        ({"name": "New", "body": "  "}, "body", "Enter the wording of the template"),
        (
            {"name": "New", "body": "Dear {famly_name}"},
            "body",
            "The template uses {famly_name}, which is not a placeholder",
        ),
        ({"name": "x" * 101, "body": "Dear {family_name}"}, "name", "Name must be 100 characters or fewer"),
    ],
)
def test_template_errors_keep_what_was_typed(app, client, manager, data, field, message):
    with app.app_context():
        db.session.add(ResponseTemplate(name="Holding reply", body="Dear {family_name}"))
        db.session.commit()
    response = client.post("/manage/templates/new", data=data)
    assert response.status_code == 200
    assert message in error_summary(response)
    assert f'href="#{field}"' in response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    if data["body"].strip():
        assert data["body"] in html.replace("&#123;", "{").replace("&#125;", "}")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ResponseTemplate.id))) == 1


def test_renaming_a_template_to_another_ones_name_is_refused(app, client, manager):
    with app.app_context():
        db.session.add_all([ResponseTemplate(name="One", body="a"), ResponseTemplate(name="Two", body="b")])
        db.session.commit()
        two = db.session.scalar(sa.select(ResponseTemplate.id).where(ResponseTemplate.name == "Two"))
    response = client.post(f"/manage/templates/{two}", data={"name": "one", "body": "b"})
    assert "A template with this name already exists" in error_summary(response)
    # Keeping its own name is fine.
    assert client.post(f"/manage/templates/{two}", data={"name": "Two", "body": "changed"}).status_code == 302


# --- learning themes -----------------------------------------------------------------------


def test_add_rename_retire_and_restore_a_theme(app, client, manager):
    assert client.post("/manage/themes/new", data={"name": "Therapy provision"}).status_code == 302
    with app.app_context():
        theme_id = db.session.scalar(sa.select(LearningTheme.id).where(LearningTheme.name == "Therapy provision"))
    assert "Therapy provision In use" in text_of(client.get("/manage/themes"))

    assert client.post(f"/manage/themes/{theme_id}", data={"name": "Therapies"}).status_code == 302
    assert client.post(f"/manage/themes/{theme_id}/retire").status_code == 302
    with app.app_context():
        theme = db.session.get(LearningTheme, theme_id)
        assert (theme.name, theme.active) == ("Therapies", False)
    assert "Therapies Retired" in text_of(client.get("/manage/themes"))

    assert client.post(f"/manage/themes/{theme_id}/restore").status_code == 302
    with app.app_context():
        assert db.session.get(LearningTheme, theme_id).active is True
    actions = [
        e.action
        for e in events(app, "learning_theme.created")
        + events(app, "learning_theme.renamed")
        + events(app, "learning_theme.retired")
        + events(app, "learning_theme.restored")
    ]
    assert actions == [
        "learning_theme.created",
        "learning_theme.renamed",
        "learning_theme.retired",
        "learning_theme.restored",
    ]


def test_a_retired_theme_is_not_offered_when_recording_an_outcome(app, client, manager, users, auth):
    category = category_in(app, "Home-to-school transport", "Travel Assist")
    caseworker = users.make(roles.CASEWORKER, team="Travel Assist")
    client.post("/manage/themes/new", data={"name": "Kept theme"})
    client.post("/manage/themes/new", data={"name": "Old theme"})
    with app.app_context():
        old = db.session.scalar(sa.select(LearningTheme.id).where(LearningTheme.name == "Old theme"))
    client.post(f"/manage/themes/{old}/retire")
    case = send_case(app, category)
    auth.sign_out()
    auth.sign_in(caseworker)
    text = text_of(client.get(f"/cases/{case.reference}/outcome"))
    assert "Kept theme" in text and "Old theme" not in text


@pytest.mark.parametrize(
    "name, message",
    [
        ("", "Enter the name of the theme"),
        ("THERAPY provision", "A theme with this name already exists"),
        ("x" * 101, "Name must be 100 characters or fewer"),
    ],
)
def test_theme_names_are_required_and_unique(app, client, manager, name, message):
    with app.app_context():
        db.session.add_all([LearningTheme(name="Therapy provision"), LearningTheme(name="Other")])
        db.session.commit()
        other = db.session.scalar(sa.select(LearningTheme.id).where(LearningTheme.name == "Other"))
    for path in ("/manage/themes/new", f"/manage/themes/{other}"):
        response = client.post(path, data={"name": name})
        assert response.status_code == 200
        assert message in error_summary(response)
        assert page(response).value_of("name") == name
    with app.app_context():
        assert sorted(db.session.scalars(sa.select(LearningTheme.name))) == ["Other", "Therapy provision"]


# --- forms that timed out ---------------------------------------------------------------------


def test_a_form_sent_without_its_token_is_shown_again_and_changes_nothing(csrf_app):
    from tests.test_security import sign_in_with_token

    with csrf_app.app_context():
        theme = LearningTheme(name="Therapy provision")
        db.session.add(theme)
        db.session.commit()
        theme_id = theme.id
    client = csrf_app.test_client()
    sign_in_with_token(client, make_user_in(csrf_app, roles.MANAGER))

    response = client.post("/manage/templates/new", data={"name": "Holding reply", "body": "Dear {family_name}"})
    assert response.status_code == 400
    assert "This page timed out before you sent it" in error_summary(response)
    assert page(response).value_of("name") == "Holding reply"
    assert client.post(f"/manage/themes/{theme_id}/retire").status_code == 400
    with csrf_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ResponseTemplate.id))) == 0
        assert db.session.get(LearningTheme, theme_id).active is True


def make_user_in(app, role):
    from tests.factories import make_user

    with app.app_context():
        return make_user(role)


# --- details -------------------------------------------------------------------------------


def test_every_placeholder_explained_is_one_the_portal_fills_in(app):
    from portal.casework.management import PLACEHOLDERS
    from portal.casework.services import fill_template

    body = " ".join("{" + name + "}" for name in PLACEHOLDERS)
    with app.test_request_context():
        case = Case(reference="CAN-2099-00001", contact_name="Jo", child_name="Sam")
        filled = fill_template(ResponseTemplate(name="All", body=body), case, User(name="Casey"))
    assert "{" not in filled, filled


def test_a_disabled_caseworker_still_holding_cases_is_listed_so_they_can_be_moved(app, client, manager, users):
    north = team_id(app, "SENAR North")
    gone = users.make(roles.CASEWORKER, name="Gone Away", team="SENAR North", disabled=True)
    users.make(roles.CASEWORKER, name="Never Here", team="SENAR North", disabled=True)
    make_case(app, team_id=north, caseworker_id=gone.id)
    response = client.get("/manage/cases")
    text = text_of(response)
    assert "Gone Away Account disabled SENAR North 1 0 0" in text
    assert "Never Here" not in text
    # They can be moved away from, but not to.
    assert f'<option value="{gone.id}"' not in response.get_data(as_text=True)
    assert "Move cases from Gone Away" in text


def test_unassigned_cases_with_no_team_have_their_own_queue(app, client, manager):
    team_id(app, "SENAR North")
    loose = make_case(app)
    text = text_of(client.get("/manage/cases"))
    assert "No team 1 0 0" in text
    html = client.get("/manage/cases?show=unassigned&team=none").get_data(as_text=True)
    assert f'name="cases" type="checkbox" value="{loose}"' in html


def test_manage_cases_is_marked_in_the_navigation_on_every_manage_page(client, manager):
    for path in ("/manage/routing", "/manage/templates/new", "/manage/themes"):
        html = client.get(path).get_data(as_text=True)
        item = re.search(r'<li class="govuk-service-navigation__item[^"]*">\s*<a[^>]*href="/manage/cases"', html)
        assert item and "govuk-service-navigation__item--active" in item.group(0), path
