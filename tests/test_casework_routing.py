"""Routing a case to a named caseworker: continuity with the family's caseworker, the least
loaded caseworker under capacity, the team's queue, urgent cases, stage 2 handlers, and
routing many cases at the same moment."""

import sys
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.accounts.models import User
from portal.casework import routing
from portal.core.models import AuditEvent
from portal.core.time import utcnow
from portal.extensions import db
from portal.feedback import services as feedback_services
from portal.feedback.models import Case
from tests.casework_helpers import (
    answer_stage_1,
    category_id,
    events_for,
    get_case,
    new_case,
    set_lead,
    settings,
    sign_in,
    submit_case,
)
from tests.factories import make_user

TEAM = "Travel Assist"
OTHER_TEAM = "SENAR North"


@pytest.fixture
def transport(app):
    with app.app_context():
        return category_id("Home-to-school transport", TEAM)


def caseworkers(app, count, team=TEAM):
    with app.app_context():
        return [make_user("caseworker", team=team) for _ in range(count)]


def give_open_cases(app, person, count, team=TEAM):
    with app.app_context():
        for _ in range(count):
            new_case(team=team, caseworker=person, status="acknowledged")


def handler_of(app, reference):
    with app.app_context():
        return get_case(reference).caseworker_id


def assignment_reasons(app, reference):
    with app.app_context():
        return [
            (event.action, event.details.get("new"), event.details["reason"])
            for event in events_for(reference)
            if event.action in ("case.assigned", "case.queued")
        ]


# --- least loaded, capacity, queue ------------------------------------------------------------


def test_a_new_case_goes_to_the_teams_caseworker_with_fewest_open_cases(app, transport):
    busy, lighter = caseworkers(app, 2)
    caseworkers(app, 1, team=OTHER_TEAM)  # idle, but in another team: never asked
    give_open_cases(app, busy, 3)
    give_open_cases(app, lighter, 1)
    with app.app_context():
        # Closed cases are not work: five of them still leave `lighter` the least loaded.
        for _ in range(5):
            new_case(team=TEAM, caseworker=lighter, status="closed")
    reference = submit_case(app, transport)
    assert handler_of(app, reference) == lighter.id
    assert assignment_reasons(app, reference) == [
        ("case.assigned", lighter.id, "the team's caseworker with the fewest open cases")
    ]


def test_successive_cases_are_spread_across_the_team(app, transport):
    team = caseworkers(app, 3)
    references = [
        submit_case(app, transport, contact_email=f"family{n}@example.org", child_name=f"Child {n}") for n in range(6)
    ]
    handlers = Counter(handler_of(app, reference) for reference in references)
    assert handlers == {person.id: 2 for person in team}


def test_a_caseworker_at_capacity_gets_no_new_case(app, transport):
    full, roomy = caseworkers(app, 2)
    with app.app_context():
        settings(full, capacity=2)
    give_open_cases(app, full, 2)
    give_open_cases(app, roomy, 5)
    reference = submit_case(app, transport)
    assert handler_of(app, reference) == roomy.id


def test_a_caseworker_not_accepting_new_cases_gets_none_even_when_idle(app, transport):
    paused, working = caseworkers(app, 2)
    with app.app_context():
        settings(paused, accepting=False)
    give_open_cases(app, working, 4)
    reference = submit_case(app, transport)
    assert handler_of(app, reference) == working.id


def test_a_disabled_caseworker_gets_no_case(app, transport):
    with app.app_context():
        make_user("caseworker", team=TEAM, disabled=True)
    (working,) = caseworkers(app, 1)
    give_open_cases(app, working, 4)
    assert handler_of(app, submit_case(app, transport)) == working.id
    assert (
        handler_of(app, submit_case(app, transport, contact_email="other@example.org", child_name="Kit")) == working.id
    )


def test_when_nobody_can_take_it_the_case_waits_in_the_teams_queue(app, transport):
    full, paused = caseworkers(app, 2)
    with app.app_context():
        settings(full, capacity=1)
        settings(paused, accepting=False)
    give_open_cases(app, full, 1)
    reference = submit_case(app, transport)
    with app.app_context():
        case = get_case(reference)
        assert case.caseworker_id is None
        assert case.team.name == TEAM
    assert assignment_reasons(app, reference) == [
        ("case.queued", None, "no caseworker with capacity: in the team's queue")
    ]


def test_the_queued_case_is_in_the_teams_unassigned_list(app, client, transport):
    (paused,) = caseworkers(app, 1)
    with app.app_context():
        settings(paused, accepting=False)
    reference = submit_case(app, transport)
    sign_in(client, paused)
    assert reference in client.get("/cases?queue=team").get_data(as_text=True)
    assert reference not in client.get("/cases?queue=mine").get_data(as_text=True)


# --- continuity -------------------------------------------------------------------------------


def busy_named_contact(app):
    """Two caseworkers: `named` (busier) already looks after a family; `idle` has nothing."""
    named, idle = caseworkers(app, 2)
    give_open_cases(app, named, 5)
    return named, idle


def test_the_same_email_keeps_the_familys_caseworker(app, transport):
    named, idle = busy_named_contact(app)
    with app.app_context():
        new_case(
            team=TEAM,
            caseworker=named,
            status="acknowledged",
            contact_email="jo@example.org",
            child_name="Other",
            child_setting="Elsewhere",
        )
    reference = submit_case(app, transport, contact_email="jo@example.org")
    assert handler_of(app, reference) == named.id
    assert assignment_reasons(app, reference) == [
        ("case.assigned", named.id, "continuity: the family's existing caseworker")
    ]


def test_the_same_parent_account_keeps_the_familys_caseworker(app, transport):
    named, idle = busy_named_contact(app)
    with app.app_context():
        parent = make_user("parent")
        new_case(
            team=TEAM,
            caseworker=named,
            user_id=parent.id,
            contact_email="old.address@example.org",
            child_name="Other",
            child_setting="Elsewhere",
        )
    reference = submit_case(app, transport, user=parent, contact_email="new.address@example.org")
    assert handler_of(app, reference) == named.id


def test_the_same_child_and_school_keeps_the_caseworker_whoever_writes(app, transport):
    named, idle = busy_named_contact(app)
    with app.app_context():
        new_case(
            team=TEAM,
            caseworker=named,
            contact_email="mum@example.org",
            child_name="Sam Jones",
            child_setting="Riverside Primary",
        )
    # Another carer writes about the same child, spelt with different capitals.
    reference = submit_case(
        app, transport, contact_email="grandad@example.org", child_name="sam jones", child_setting="RIVERSIDE PRIMARY"
    )
    assert handler_of(app, reference) == named.id


def test_the_same_child_name_at_another_school_is_not_the_same_child(app, transport):
    named, idle = busy_named_contact(app)
    with app.app_context():
        new_case(
            team=TEAM,
            caseworker=named,
            contact_email="mum@example.org",
            child_name="Sam Jones",
            child_setting="Hillside Academy",
        )
    reference = submit_case(
        app, transport, contact_email="grandad@example.org", child_name="Sam Jones", child_setting="Riverside Primary"
    )
    assert handler_of(app, reference) == idle.id


def test_a_recently_closed_case_still_counts_for_continuity(app, transport):
    named, idle = busy_named_contact(app)
    with app.app_context():
        new_case(
            team=TEAM,
            caseworker=named,
            status="closed",
            closed_at=utcnow() - timedelta(days=30),
            contact_email="jo@example.org",
        )
    assert handler_of(app, submit_case(app, transport, contact_email="jo@example.org")) == named.id


def test_a_case_closed_more_than_180_days_ago_does_not_count(app, transport):
    named, idle = busy_named_contact(app)
    with app.app_context():
        new_case(
            team=TEAM,
            caseworker=named,
            status="closed",
            closed_at=utcnow() - timedelta(days=200),
            contact_email="jo@example.org",
        )
    reference = submit_case(app, transport, contact_email="jo@example.org")
    assert handler_of(app, reference) == idle.id
    assert assignment_reasons(app, reference)[0][2] == "the team's caseworker with the fewest open cases"


def test_continuity_skips_a_caseworker_who_is_not_accepting_cases(app, transport):
    named, idle = busy_named_contact(app)
    with app.app_context():
        settings(named, accepting=False)
        new_case(team=TEAM, caseworker=named, contact_email="jo@example.org")
    assert handler_of(app, submit_case(app, transport, contact_email="jo@example.org")) == idle.id


# --- urgent ----------------------------------------------------------------------------------


def test_an_urgent_case_emails_the_team_lead_at_once(app, transport, outbox):
    (caseworker,) = caseworkers(app, 1)
    with app.app_context():
        lead = make_user("manager", team=TEAM)
        other_lead = make_user("manager", team=OTHER_TEAM)
        set_lead(TEAM, lead)
        set_lead(OTHER_TEAM, other_lead)
    reference = submit_case(app, transport, worried="yes")
    (email,) = outbox.messages(lead.email)
    assert email.template == "urgent_case"
    assert reference in email.subject
    assert caseworker.name in email.body
    assert f"/cases/{reference}" in email.body
    assert outbox.messages(other_lead.email) == []


def test_an_urgent_case_in_the_queue_tells_the_lead_it_is_unassigned(app, transport, outbox):
    with app.app_context():
        lead = make_user("manager", team=TEAM)
        set_lead(TEAM, lead)
    reference = submit_case(app, transport, worried="yes")
    email = outbox.last(lead.email, "urgent_case")
    assert "is in your team's queue" in email.body
    assert handler_of(app, reference) is None


def test_a_case_that_is_not_urgent_does_not_email_the_lead(app, transport, outbox):
    caseworkers(app, 1)
    with app.app_context():
        lead = make_user("manager", team=TEAM)
        set_lead(TEAM, lead)
    submit_case(app, transport)
    assert outbox.messages(lead.email) == []


# --- stage 2 -------------------------------------------------------------------------------


def escalate(app, reference):
    """The stage 1 handler answers; the family then asks for stage 2."""
    with app.test_request_context():
        answer_stage_1(reference)
        feedback_services.escalate(get_case(reference), None)
        db.session.commit()


def test_stage_2_goes_to_a_stage_2_handler_other_than_the_stage_1_handler(app, transport):
    (first,) = caseworkers(app, 1)
    with app.app_context():
        ordinary = make_user("caseworker", team=TEAM)
        reviewer = make_user("caseworker", team=TEAM, stage_2=True, name="Ola Reviewer")
        elsewhere = make_user("caseworker", team="SENAR North", stage_2=True)
    give_open_cases(app, ordinary, 2)
    give_open_cases(app, reviewer, 3)  # busier than the others, and still chosen
    reference = submit_case(app, transport)
    assert handler_of(app, reference) == first.id
    escalate(app, reference)
    with app.app_context():
        case = get_case(reference)
        assert case.stage == 2
        assert case.caseworker_id == reviewer.id  # the team's own stage 2 handler, not one elsewhere
        assert case.stage1_caseworker_id == first.id
        assert elsewhere.id != case.caseworker_id and ordinary.id != case.caseworker_id
    assert assignment_reasons(app, reference)[-1] == (
        "case.assigned",
        reviewer.id,
        "the stage 2 handler with the fewest open cases",
    )


def test_a_stage_2_handler_never_reviews_their_own_stage_1_answer(app, transport):
    with app.app_context():
        handler = make_user("caseworker", team=TEAM, stage_2=True)
        other = make_user("caseworker", team="SENAR North", stage_2=True)
    give_open_cases(app, other, 5)
    reference = submit_case(app, transport)
    assert handler_of(app, reference) == handler.id
    # The same family's other case is with the stage 1 handler too: continuity does not apply.
    with app.app_context():
        new_case(team=TEAM, caseworker=handler, contact_email="jo@example.org")
    escalate(app, reference)
    assert handler_of(app, reference) == other.id


def test_without_a_stage_2_handler_the_teams_lead_then_a_manager_reviews_it(app, transport):
    caseworkers(app, 2)
    with app.app_context():
        lead = make_user("manager", name="Team Lead")
        busy = make_user("manager", name="Busy Manager")
        quiet = make_user("manager", name="Quiet Manager")
    give_open_cases(app, busy, 1)
    with app.app_context():
        set_lead(TEAM, lead)
    first = submit_case(app, transport)
    escalate(app, first)
    assert handler_of(app, first) == lead.id
    with app.app_context():
        case = get_case(first)
        assert case.team.name == TEAM  # a manager reviewing it leaves it in the team
        set_lead(TEAM, None)
    second = submit_case(app, transport, contact_email="sam@example.org")
    escalate(app, second)
    # With no lead, the manager with the fewest open cases (the lead and the busy one hold one each).
    assert handler_of(app, second) == quiet.id
    assert assignment_reasons(app, second)[-1][2] == "stage 2: the manager with the fewest open cases"


def test_stage_2_cannot_be_given_by_hand_to_a_caseworker_who_does_not_review(app, transport):
    first, ordinary = caseworkers(app, 2)
    with app.app_context():
        manager = make_user("manager")
    reference = submit_case(app, transport)
    escalate(app, reference)
    with app.app_context():
        case = get_case(reference)
        with pytest.raises(routing.AssignmentError, match="goes to a manager or a stage 2 handler"):
            routing.assign(case, db.session.get(User, ordinary.id), "by hand")
        db.session.rollback()
        routing.assign(get_case(reference), db.session.get(User, manager.id), "by hand")
        db.session.commit()
        assert get_case(reference).caseworker_id == manager.id


def test_stage_2_waits_in_the_queue_when_only_the_stage_1_handler_could_take_it(app, transport):
    (only,) = caseworkers(app, 1)
    reference = submit_case(app, transport)
    escalate(app, reference)
    assert handler_of(app, reference) is None
    with app.app_context():
        case = get_case(reference)
        with pytest.raises(routing.AssignmentError, match="handled stage 1"):
            routing.assign(case, db.session.get(User, only.id), "by hand")
        db.session.rollback()
        assert get_case(reference).caseworker_id is None


def test_assign_refuses_someone_who_is_not_an_active_caseworker(app, transport):
    with app.app_context():
        manager = make_user("manager", team=TEAM)
        gone = make_user("caseworker", team=TEAM, disabled=True)
        reference = new_case(category=transport)
        case = get_case(reference)
        for person in (manager, gone):
            with pytest.raises(routing.AssignmentError, match="not an active caseworker"):
                routing.assign(case, db.session.get(User, person.id), "by hand")
        db.session.rollback()
        assert get_case(reference).caseworker_id is None


# --- at the same moment ---------------------------------------------------------------------


@pytest.mark.real_commits
def test_cases_routed_at_the_same_moment_are_assigned_once_each_and_stay_balanced(app, transport):
    """Thirty cases routed from ten threads at once, each with its own session and commits,
    into a team of three: every case gets exactly one caseworker, nobody gets more than one
    case more than anyone else, and no router chose from loads another had just changed."""
    team = caseworkers(app, 3)
    with app.app_context():
        references = [new_case(category=transport) for _ in range(30)]
    threads = 10
    barrier = threading.Barrier(threads)
    failures = []

    def work(chunk):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                for reference in chunk:
                    routing.route(get_case(reference))
                    db.session.commit()
            except Exception as error:  # a thread's exception would otherwise vanish
                failures.append(repr(error))
                db.session.rollback()
            finally:
                db.session.remove()

    # Widen every gap between reading the loads and writing the assignment: switch threads
    # as often as possible, and let each statement take a moment, as on a busy server.
    def slow_database(*_):
        time.sleep(0.001)

    workers = [threading.Thread(target=work, args=(references[n::threads],)) for n in range(threads)]
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    with app.app_context():
        sa.event.listen(db.engine, "after_cursor_execute", slow_database)
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
    finally:
        sys.setswitchinterval(switch_interval)
        with app.app_context():
            sa.event.remove(db.engine, "after_cursor_execute", slow_database)
    assert not any(worker.is_alive() for worker in workers), "routing threads did not finish"
    assert failures == []

    with app.app_context():
        cases = db.session.scalars(db.select(Case).where(Case.reference.in_(references))).all()
        assert len(cases) == 30
        assert all(case.caseworker_id is not None for case in cases), "a case was lost"
        loads = Counter(case.caseworker_id for case in cases)
        assert set(loads) == {person.id for person in team}
        assert max(loads.values()) - min(loads.values()) <= 1, loads
        for reference in references:
            assert len(events_for(reference, "case.assigned")) == 1, f"{reference} assigned more than once"

        # Replayed in the order they were made, every assignment went to a caseworker with the
        # fewest cases at that moment: nobody chose from loads another router had just changed.
        running = Counter({person.id: 0 for person in team})
        for event in db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "case.assigned").order_by(AuditEvent.id)
        ):
            chosen = event.details["new"]
            assert running[chosen] == min(running.values()), f"assigned from stale loads: {dict(running)} -> {chosen}"
            running[chosen] += 1
