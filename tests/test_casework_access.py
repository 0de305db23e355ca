"""Who may open what under /cases, and the workspace's lists.

Every case route (the case page, a file, each action by GET and POST) lets in a caseworker in
the case's team and a manager; a caseworker in another team gets 404, as if the case did not
exist; parents (even the family's own account), youth members and administrators get 403, and
anyone not signed in is sent to sign in. A case's access log is for managers only: every
caseworker gets 403. A refused request changes nothing.

The workspace: its queues hold the right cases, filters and search find them on SQLite and on
PostgreSQL, long lists are paged, and the page costs the same number of queries however many
cases there are."""

import re
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from portal.accounts import roles
from portal.casework import views
from portal.casework.models import CaseOutcome, Remedy
from portal.core.calendar import add_months, add_working_days
from portal.core.time import london_today, utcnow
from portal.extensions import db
from portal.feedback.models import Attachment, FileBlob
from portal.notifications.models import OutboxMessage
from tests.casework_helpers import category_id, get_case, new_case, sign_in, team_id
from tests.factories import make_user
from tests.query_counts import count_queries
from tests.test_files import PDF

TEAM = "Travel Assist"
OTHER_TEAM = "SENAR North"

TEAM_CASEWORKER = "caseworker in the team"
MANAGER = "manager"
OUTSIDER = "caseworker in another team"
FAMILY_PARENT = "the family's own parent account"
YOUTH = "youth member"
ADMIN = "admin"
ANONYMOUS = "anonymous"

# What each visitor gets when refused.
REFUSED = {OUTSIDER: 404, FAMILY_PARENT: 403, YOUTH: 403, ADMIN: 403, ANONYMOUS: 302}
LET_IN = (TEAM_CASEWORKER, MANAGER)
# Pages for managers alone, and what the others get there.
MANAGERS_ONLY = ("access-log",)
REFUSED_BUT_MANAGERS = REFUSED | {TEAM_CASEWORKER: 403, OUTSIDER: 403}


def snapshot(app) -> dict:
    """Every row of every table, to show that a refused request changed nothing."""
    with app.app_context():
        return {
            table.name: sorted(repr(tuple(row)) for row in db.session.execute(table.select()))
            for table in db.metadata.sorted_tables
        }


@pytest.fixture
def world(app):
    with app.app_context():
        category = category_id("Home-to-school transport", TEAM)
        team_id(OTHER_TEAM)
        handler = make_user("caseworker", team=TEAM)
        parent = make_user("parent")
        people = {
            TEAM_CASEWORKER: make_user("caseworker", team=TEAM),
            MANAGER: make_user("manager"),
            OUTSIDER: make_user("caseworker", team=OTHER_TEAM),
            FAMILY_PARENT: parent,
            YOUTH: make_user("youth"),
            ADMIN: make_user("admin"),
        }
    return SimpleNamespace(category=category, handler=handler, parent=parent, people=people)


def family_case(app, world, state: str) -> str:
    """A case of the parent's, handled by a colleague of the team caseworker, in ``state``."""
    today = london_today()
    fields = dict(
        category=world.category,
        caseworker=world.handler,
        user_id=world.parent.id,
        contact_email=world.parent.email,
        acknowledge_by=add_working_days(today, 5),
    )
    if state in ("acknowledged", "closed", "answered", "promised"):
        fields |= dict(status=state, acknowledged_at=utcnow(), respond_by=add_working_days(today, 10))
    if state in ("answered", "promised"):
        fields |= dict(status="responded", responded_at=utcnow())
    if state == "late":
        fields |= dict(problem_known_on=add_months(today, -24))
    if state == "awaiting_consent":
        fields |= dict(speaker="advocate", representative_email="advocate@example.org", consent_state="awaited")
    with app.app_context():
        reference = new_case(**fields)
        if state == "promised":  # answered with a promise still to keep
            outcome = CaseOutcome(case=get_case(reference), stage=1, outcome="upheld", summary="Sorry.")
            outcome.remedies.append(Remedy(kind="apology", description="An apology", due_on=today))
            db.session.add(outcome)
            db.session.commit()
        if state == "undelivered":  # a message to the family Notify could never deliver
            message = OutboxMessage(
                recipient="family@example.org",
                subject="A reply",
                template="caseworker_reply",
                status="sent",
                case_id=get_case(reference).id,
                delivery_status="permanent-failure",
            )
            db.session.add(message)
            db.session.commit()
        return reference


def fitting_state(app, name: str) -> str:
    """A state in which the action is allowed, so that a missing check would show."""
    action = views.ACTIONS[name]
    if name == "remedy":  # its rule reads the case's promises from the database
        return "promised"
    if name == "reached":  # its rule reads the case's undelivered messages from the database
        return "undelivered"
    if name == "consent":  # a representative speaks for the family, whose consent is awaited
        return "awaiting_consent"
    for state in ("received", "acknowledged", "closed", "answered", "late"):
        waiting = state in ("received", "late")
        case = SimpleNamespace(
            status=state,
            is_open=state != "closed",
            stage=1,
            anonymous=False,
            is_complaint=True,
            received_at=utcnow(),
            responded_at=utcnow() if state == "answered" else None,
            closed_at=None,
            extension_used=False,
            not_complaint_reason=None,
            acknowledged_at=None if waiting else utcnow(),
            acknowledge_by=add_working_days(london_today(), 5),
            respond_by=None if waiting else utcnow().date(),
            problem_known_on=add_months(london_today(), -24) if state == "late" else None,
            late_decision=None,
            about_staff_id=None,
            anonymised_at=None,
        )
        with app.app_context():  # some rules read the administrators' settings
            if action.allowed(case):
                return state
    raise AssertionError(f"no state allows {name}")


def posted(app, world, name: str, reference: str) -> dict:
    """What the action's form would send: enough to change the case if it got through."""
    with app.app_context():
        other_team = team_id(OTHER_TEAM)
        remedy = db.session.scalar(
            db.select(Remedy.id).join(CaseOutcome).where(CaseOutcome.case_id == get_case(reference).id)
        )
        today = london_today()
    data = {
        "acknowledge": {"body": "Thank you for your complaint.", "understanding": "The taxi.", "outcome": "A taxi."},
        "reply": {"body": "An update for you."},
        "note": {"body": "An internal note."},
        "request-information": {"body": "Which days?"},
        "extend": {"working_days": "3", "reason": "Waiting for records."},
        "outcome": {
            "outcome": "upheld",
            "summary": "We got it wrong.",
            **{
                f"remedy-{n}-{field}": value
                for n in range(3)
                for field, value in (("kind", ""), ("description", ""), ("due_on", ["", "", ""]))
            },
        },
        "transfer": {"caseworker": "", "team": str(other_team), "reason": "Belongs to SENAR North."},
        "not-a-complaint": {"reason": "service_request", "signposting": "We will arrange it."},
        "close": {},
        "reopen": {"reason": "There is more to do."},
        "reached": {"body": "Phoned the family."},
        "ombudsman": {"notified_on": ["2", "3", "2026"], "decision": "pending"},
        "remedy": {"remedy": str(remedy), "what": "done", "on": [str(today.day), str(today.month), str(today.year)]},
        "procedure": {"procedure": "childrens_social_care", "reason": "It is about short breaks."},
        "support": {"which": "new", "kind": "advocate", "status": "requested", "review_on": ["", "", ""]},
        "about-staff": {"person": str(world.handler.id), "reason": "The family says the caseworker was rude."},
        "late-complaint": {"decision": "accept", "reason": "The family could not complain sooner."},
        "stage-2-request": {"requested_on": [str(today.day), str(today.month), str(today.year)], "channel": "phone"},
        "consent": {"method": "phone", "given_on": [str(today.day), str(today.month), str(today.year)]},
    }
    assert set(data) == set(views.ACTIONS), "give each action here the data its form sends"
    return data[name]


def evidence_on(app, reference: str) -> int:
    with app.app_context():
        case = get_case(reference)
        attachment = Attachment(
            case=case,
            blob=FileBlob(data=PDF),
            filename="letter.pdf",
            content_type="application/pdf",
            size=len(PDF),
            sha256="0" * 64,
            from_family=True,
        )
        db.session.add(attachment)
        db.session.commit()
        return attachment.id


def client_for(app, world, visitor):
    client = app.test_client()
    if visitor != ANONYMOUS:
        sign_in(client, world.people[visitor])
    return client


@pytest.mark.parametrize("visitor", [*LET_IN, *REFUSED])
def test_every_case_route_lets_in_the_team_and_managers_and_nobody_else(app, world, visitor):
    client = client_for(app, world, visitor)
    reference = family_case(app, world, "acknowledged")
    requests = [
        ("GET", f"/cases/{reference}", None, None),
        ("GET", f"/cases/{reference}/files/{evidence_on(app, reference)}", None, None),
        ("GET", f"/cases/{reference}/access-log", None, None),
    ]
    for name, action in views.ACTIONS.items():
        if action.roles and visitor in LET_IN and world.people[visitor].role not in action.roles:
            continue  # a manager's action: see the test below
        # A case of its own for each action, in a state that allows it.
        own = family_case(app, world, fitting_state(app, name))
        requests += [
            ("GET", f"/cases/{own}/{name}", None, own),
            ("POST", f"/cases/{own}/{name}", posted(app, world, name, own), own),
        ]

    problems = []
    for method, path, data, case_reference in requests:
        before = snapshot(app)
        response = client.open(path, method=method, data=data)
        changed = snapshot(app) != before
        where = f"{visitor}: {method} {path}"
        managers_only = path.rsplit("/", 1)[-1] in MANAGERS_ONLY
        refused = REFUSED_BUT_MANAGERS if managers_only else REFUSED
        if visitor == MANAGER or (visitor in LET_IN and not managers_only):
            if method == "GET" and response.status_code != 200:
                problems.append(f"{where} gave {response.status_code}, not 200")
            if method == "POST":
                if response.status_code != 302 or urlsplit(response.location).path not in (
                    f"/cases/{case_reference}",
                    "/cases",
                ):
                    problems.append(f"{where} gave {response.status_code} to {response.location}")
                if not changed:
                    problems.append(f"{where} changed nothing")
        else:
            if response.status_code != refused[visitor]:
                problems.append(f"{where} gave {response.status_code}, not {refused[visitor]}")
            if visitor == ANONYMOUS:
                location = urlsplit(response.location or "")
                if location.path != "/sign-in" or parse_qs(location.query).get("next") != [path]:
                    problems.append(f"{where} went to {response.location}, not to sign in")
            if changed:
                problems.append(f"{where} changed the data")
            if path.split("/")[2] in response.get_data(as_text=True) and response.status_code != 302:
                problems.append(f"{where} showed the reference")
    assert problems == []


def test_a_refused_visitor_cannot_tell_a_real_case_from_a_made_up_one(app, world):
    client = client_for(app, world, OUTSIDER)
    reference = family_case(app, world, "received")
    real = client.get(f"/cases/{reference}")
    made_up = client.get(f"/cases/{reference[:-5]}99999")
    assert real.status_code == made_up.status_code == 404

    def main(response):
        return re.search(r"<main.*</main>", response.get_data(as_text=True), re.S).group(0)

    assert main(real) == main(made_up)


def test_a_caseworker_sees_their_own_case_in_another_team_and_their_teams_cases(app, world):
    with app.app_context():
        mine_elsewhere = new_case(team=OTHER_TEAM, caseworker=world.people[TEAM_CASEWORKER])
        queued = new_case(team=TEAM)
        elsewhere = new_case(team=OTHER_TEAM)
    client = client_for(app, world, TEAM_CASEWORKER)
    assert client.get(f"/cases/{mine_elsewhere}").status_code == 200
    assert client.get(f"/cases/{queued.lower()}").status_code == 200
    assert client.get(f"/cases/{elsewhere}").status_code == 404
    assert client_for(app, world, MANAGER).get(f"/cases/{elsewhere}").status_code == 200


def test_a_caseworker_without_a_team_sees_only_their_own_cases(app, world):
    with app.app_context():
        loner = make_user("caseworker")
        own = new_case(team=TEAM, caseworker=loner)
        queued = new_case(team=None)
    client = app.test_client()
    sign_in(client, loner)
    assert client.get(f"/cases/{own}").status_code == 200
    assert client.get(f"/cases/{queued}").status_code == 404
    assert listed(client, "queue=open") == [own]


def test_a_file_is_only_found_through_its_own_case(app, world):
    first = family_case(app, world, "received")
    second = family_case(app, world, "received")
    attachment = evidence_on(app, second)
    manager = client_for(app, world, MANAGER)
    assert manager.get(f"/cases/{second}/files/{attachment}").status_code == 200
    assert manager.get(f"/cases/{first}/files/{attachment}").status_code == 404


def test_a_file_is_sent_as_a_download_in_a_sandbox(app, world):
    reference = family_case(app, world, "received")
    response = client_for(app, world, TEAM_CASEWORKER).get(f"/cases/{reference}/files/{evidence_on(app, reference)}")
    assert response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'; sandbox"


def test_an_unknown_action_is_not_found(app, world):
    reference = family_case(app, world, "received")
    client = client_for(app, world, TEAM_CASEWORKER)
    assert client.get(f"/cases/{reference}/delete-everything").status_code == 404
    assert client.post(f"/cases/{reference}/delete-everything").status_code == 404


def test_a_managers_action_is_refused_to_a_caseworker_and_changes_nothing(app, world):
    client = client_for(app, world, TEAM_CASEWORKER)
    for name, action in views.ACTIONS.items():
        if not action.roles or roles.CASEWORKER in action.roles:
            continue
        own = family_case(app, world, fitting_state(app, name))
        assert f"/cases/{own}/{name}" not in client.get(f"/cases/{own}").get_data(as_text=True)
        before = snapshot(app)
        response = client.post(f"/cases/{own}/{name}", data=posted(app, world, name, own))
        assert response.status_code == 302 and urlsplit(response.location).path == f"/cases/{own}", name
        assert snapshot(app) == before, name


def test_every_rule_under_cases_is_for_caseworkers_and_managers_only(app):
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule == "/cases" or rule.rule.startswith("/cases/")]
    assert {rule.rule for rule in rules} == {
        "/cases",
        "/cases/new",
        "/cases/<reference>",
        "/cases/<reference>/files/<int:attachment_id>",
        "/cases/<reference>/access-log",
        "/cases/<reference>/<action_name>",
    }, "a new route under /cases needs its case in test_every_case_route_lets_in_the_team_and_managers_and_nobody_else"
    for rule in rules:
        view = app.view_functions[rule.endpoint]
        allowed = (
            (roles.MANAGER,) if rule.rule.rsplit("/", 1)[-1] in MANAGERS_ONLY else (roles.CASEWORKER, roles.MANAGER)
        )
        assert getattr(view, "allowed_roles", None) == allowed, rule.rule


# --- the workspace ----------------------------------------------------------------------------


def rows(page: str) -> list[str]:
    """The cases listed on a workspace page, in order (each row links to its case)."""
    return re.findall(r'href="/cases/(CAN-\d{4}-\d{5})"', page)


def listed(client, query="") -> list[str]:
    response = client.get(f"/cases?{query}")
    assert response.status_code == 200
    return sorted(rows(response.get_data(as_text=True)))


@pytest.fixture
def desk(app):
    """A caseworker in TEAM, a colleague, and one case in every queue."""
    today = london_today()
    with app.app_context():
        me = make_user("caseworker", team=TEAM)
        colleague = make_user("caseworker", team=TEAM)
        transport = category_id("Home-to-school transport", TEAM)
        reviews = category_id("Annual reviews", TEAM)
        cases = dict(
            mine=new_case(category=transport, caseworker=me, acknowledge_by=add_working_days(today, 5)),
            mine_due_soon=new_case(category=transport, caseworker=me, acknowledge_by=add_working_days(today, 2)),
            colleagues_overdue=new_case(
                category=reviews,
                caseworker=colleague,
                status="acknowledged",
                acknowledged_at=utcnow(),
                respond_by=today - timedelta(days=1),
            ),
            unassigned=new_case(category=transport, acknowledge_by=add_working_days(today, 4), urgent=True),
            stage_2=new_case(
                category=reviews, caseworker=me, status="escalated", stage=2, acknowledge_by=add_working_days(today, 3)
            ),
            question=new_case(category=reviews, caseworker=me, kind="question", status="acknowledged"),
            closed=new_case(
                category=transport, caseworker=me, status="closed", acknowledge_by=today - timedelta(days=9)
            ),
            other_team=new_case(team=OTHER_TEAM, acknowledge_by=today - timedelta(days=2)),
        )
    return SimpleNamespace(me=me, colleague=colleague, transport=transport, reviews=reviews, **cases)


def test_each_queue_holds_the_right_cases(app, client, desk):
    sign_in(client, desk.me)
    expected = {
        "mine": [desk.mine, desk.mine_due_soon, desk.stage_2, desk.question],
        "team": [desk.unassigned],
        "due_soon": [desk.mine_due_soon],
        "overdue": [desk.colleagues_overdue],
        "open": [desk.mine, desk.mine_due_soon, desk.colleagues_overdue, desk.unassigned, desk.stage_2, desk.question],
        "support": [],  # nobody asked for an interpreter (tests/test_adjustments.py)
        "remedies": [],  # nothing promised on these (tests/test_remedies.py has the overdue ones)
        "undelivered": [],  # every message was delivered (tests/test_notify.py has the undelivered ones)
        "consent": [],  # nobody speaks for these families (tests/test_representatives.py has them)
        "closed": [desk.closed],
    }
    for queue, references in expected.items():
        assert listed(client, f"queue={queue}") == sorted(references), queue
    # With no queue chosen, a caseworker starts with their own cases.
    assert listed(client) == sorted(expected["mine"])
    # Each queue's tab says how many cases it holds.
    page = client.get("/cases").get_data(as_text=True)
    counts = dict(re.findall(r'queue=(\w+)"[^>]*>\s*[^<]*<span class="twc-queues__count">\((\d+)\)', page))
    assert counts == {queue: str(len(references)) for queue, references in expected.items()}


def test_a_manager_sees_every_teams_cases(app, client, desk):
    with app.app_context():
        manager = make_user("manager")
    sign_in(client, manager)
    assert listed(client, "queue=overdue") == sorted([desk.colleagues_overdue, desk.other_team])
    assert listed(client, "queue=team") == sorted([desk.unassigned, desk.other_team])


def test_the_list_is_ordered_by_the_next_deadline(app, client, desk):
    sign_in(client, desk.me)
    listed_in_order = rows(client.get("/cases?queue=open").get_data(as_text=True))
    assert listed_in_order[:4] == [desk.colleagues_overdue, desk.mine_due_soon, desk.stage_2, desk.unassigned]
    assert listed_in_order[-1] == desk.question  # no deadline: last


@pytest.mark.parametrize(
    "query, expected",
    [
        ("stage=2", ["stage_2"]),
        ("stage=1", ["mine", "mine_due_soon", "colleagues_overdue", "unassigned"]),
        ("stage=none", ["question"]),
        ("status=escalated", ["stage_2"]),
        ("urgent=1", ["unassigned"]),
        ("category=REVIEWS", ["colleagues_overdue", "stage_2", "question"]),
        ("category=REVIEWS&stage=1", ["colleagues_overdue"]),
    ],
)
def test_filters(app, client, desk, query, expected):
    sign_in(client, desk.me)
    query = query.replace("REVIEWS", str(desk.reviews))
    assert listed(client, f"queue=open&{query}") == sorted(getattr(desk, name) for name in expected)


def test_search_finds_a_case_by_reference_name_school_and_words(app, client):
    with app.app_context():
        me = make_user("caseworker", team=TEAM)
        category = category_id("Home-to-school transport", TEAM)
        wanted = new_case(
            category=category,
            caseworker=me,
            contact_name="Priya Shah",
            child_name="Arjun",
            child_setting="Riverside Primary School",
            what_happened="The minibus left without him on Tuesday.",
        )
        new_case(
            category=category,
            caseworker=me,
            contact_name="Tom Brown",
            child_setting="Hillside Academy",
            what_happened="No taxi came.",
        )
        hidden = new_case(
            team=OTHER_TEAM,
            contact_name="Priya Shah",
            child_setting="Riverside Primary School",
            what_happened="The minibus again.",
        )
    sign_in(client, me)
    for words in (wanted, wanted.lower(), "Priya Shah", "shah", "Riverside Primary", "minibus", "MINIBUS Tuesday"):
        assert listed(client, f"queue=open&q={words}") == [wanted], words
    assert listed(client, "queue=open&q=trampoline") == []
    # Another team's case is never found, even by its reference.
    assert listed(client, f"queue=open&q={hidden}") == []


def test_long_lists_are_paged(app, client):
    with app.app_context():
        me = make_user("caseworker", team=TEAM)
        category = category_id("Home-to-school transport", TEAM)
        references = [new_case(category=category, caseworker=me) for _ in range(30)]
    sign_in(client, me)
    first = client.get("/cases?queue=mine").get_data(as_text=True)
    second = client.get("/cases?queue=mine&page=2").get_data(as_text=True)
    assert len(rows(first)) == 25
    assert len(rows(second)) == 5
    assert sorted(rows(first) + rows(second)) == sorted(references)
    assert "Page 1 of 2" in first
    assert "page=2" in first
    assert "30 cases in my cases" in first
    # Past the end: an empty page, not an error.
    assert rows(client.get("/cases?queue=mine&page=9").get_data(as_text=True)) == []


def test_each_page_goes_on_from_the_last_in_deadline_order(app, client):
    """The first page holds the 25 soonest deadlines, the second the rest, each in order,
    whatever order the cases arrived in."""
    today = london_today()
    with app.app_context():
        me = make_user("caseworker", team=TEAM)
        category = category_id("Home-to-school transport", TEAM)
        days = [(n * 7) % 30 for n in range(30)]  # every day from 0 to 29, out of order
        by_day = {
            day: new_case(category=category, caseworker=me, acknowledge_by=today + timedelta(days=day)) for day in days
        }
    sign_in(client, me)
    first = rows(client.get("/cases?queue=mine").get_data(as_text=True))
    second = rows(client.get("/cases?queue=mine&page=2").get_data(as_text=True))
    assert first == [by_day[day] for day in range(25)]
    assert second == [by_day[day] for day in range(25, 30)]


def test_the_workspace_costs_the_same_queries_for_5_cases_as_for_60(app, client):
    with app.app_context():
        me = make_user("caseworker", team=TEAM)

    def add(count):
        """Cases each with a caseworker and a category of their own, so that loading either
        row by row would cost a query per case."""
        with app.app_context():
            for n in range(count):
                owner = me if n % 5 == 0 else make_user("caseworker", team=TEAM)
                category = category_id(f"Category {owner.id}-{n}", TEAM)
                new_case(category=category, caseworker=owner, acknowledge_by=london_today() + timedelta(days=n % 9))

    def queries(path):
        return count_queries(app, client, path)

    sign_in(client, me)
    add(5)
    client.get("/cases")  # warm up
    few = {path: queries(path) for path in ("/cases", "/cases?queue=open", "/cases?queue=open&q=case")}
    add(55)
    many = {path: queries(path) for path in few}
    assert many == few


def test_the_analyze_command_gives_the_planner_statistics_of_the_open_cases(app, runner):
    with app.app_context():
        me = make_user("caseworker", team=TEAM)
        new_case(category=category_id("Home-to-school transport", TEAM), caseworker=me)
    result = runner.invoke(args=["database", "analyze"])
    assert result.exit_code == 0, result.output
    assert "Refreshed the query planner's statistics." in result.output
    with app.app_context():
        if db.session.get_bind().dialect.name == "sqlite":
            # What lets SQLite count a caseworker's queues from the open cases alone.
            statistics = db.session.execute(sa.text("SELECT idx FROM sqlite_stat1 WHERE tbl = 'feedback_case'"))
            assert "ix_feedback_case_open" in set(statistics.scalars())
