"""seed-demo's cases and three terms of past feedback, made through the real actions under a
controlled clock: what someone trying the demo finds in the caseworkers' lists, on a case's page
and in the outbox, and that running it again adds nothing. The demo is seeded once per test
process (the ``demo`` fixture, tests/demo_rows.py) and each test checks one side of it."""

import re

import sqlalchemy as sa

from portal.accounts.models import User
from portal.casework import clocks
from portal.casework.models import CaseOutcome, DeadlineChange, Remedy
from portal.core.calendar import add_working_days, receipt_day
from portal.core.models import AuditEvent
from portal.core.terms import recent_terms, term_of
from portal.core.time import LONDON, london_today, utcnow
from portal.extensions import db
from portal.feedback import services as feedback_services
from portal.feedback.models import Case, CaseMessage, Category, ReferenceCounter
from portal.notifications.models import SENT, OutboxMessage
from portal.rights.models import DataRequest
from portal.yousaid.models import YouSaidChange, YouSaidEntry
from tests.demo_rows import DEMO_PASSWORD
from tests.factories import give_app_code

PASSWORD = DEMO_PASSWORD
HISTORY = "demo-history-"


def seed(runner):
    result = runner.invoke(args=["seed-demo", "--password", PASSWORD])
    assert result.exit_code == 0, result.output


def london_day(moment):
    return moment.astimezone(LONDON).date()


def snapshot():
    """How many rows of each kind the demo has, and the reference counters."""
    counted = [Case, DeadlineChange, CaseOutcome, Remedy, CaseMessage, AuditEvent, User, OutboxMessage]
    counted += [YouSaidEntry, YouSaidChange, DataRequest]
    counts = {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in counted}
    counts["references"] = sorted(
        db.session.execute(sa.select(ReferenceCounter.year, ReferenceCounter.last_number)).all()
    )
    return counts


def test_seed_demo_twice_changes_nothing_and_leaves_no_email_to_send(app, runner, demo):
    with app.app_context():
        before = snapshot()
        messages = db.session.scalars(sa.select(OutboxMessage)).all()
        # The actions emailed the families and staff; as they are invented, it counts as sent.
        assert {message.template for message in messages} >= {"case_received", "caseworker_reply"}
        assert all(message.status == SENT and message.body is None for message in messages)
        assert all(message.sent_at == message.created_at for message in messages)
    seed(runner)
    with app.app_context():
        assert snapshot() == before
    assert "Sent 0," in runner.invoke(args=["outbox", "send"]).output


def test_managers_find_a_data_request_from_the_demo_parent_and_one_taken_by_phone(app, demo):
    with app.app_context():
        found = db.session.scalars(sa.select(DataRequest).order_by(DataRequest.id)).all()
        assert [(row.kind, row.channel, row.status) for row in found] == [
            ("correction", "online", "open"),
            ("access", "phone", "open"),
        ]
        assert found[0].contact_email == "parent@example.org"
        assert found[1].user_id is None and found[1].case_id is not None  # a family without an account
        assert (found[1].due_on - found[1].received_on).days in (28, 29, 30, 31)


# --- what caseworkers and managers find ---------------------------------------------------------


def assert_clocks_in_every_state(cases):
    running = [clocks.next_deadline(case) for case in cases]
    states = {(clock, clocks.state(due)) for clock, due in filter(None, running)}
    assert {(clocks.ACKNOWLEDGE, "overdue"), (clocks.ACKNOWLEDGE, "due_soon")} <= states
    assert clocks.RESPOND in {clock for clock, _ in states}
    assert "on_track" in {state for _, state in states}


def assert_answered_and_escalated(cases):
    closed_findings = db.session.scalars(
        sa.select(CaseOutcome.outcome).join(Case).where(Case.status == "closed", Case.kind == "complaint")
    ).all()
    assert set(closed_findings) >= set(CaseOutcome.LABELS)
    assert any(case.stage == 2 and case.is_open for case in cases)
    for case in (case for case in cases if case.stage == 2):
        assert case.stage1_caseworker_id and case.caseworker_id != case.stage1_caseworker_id
    history = [case for case in cases if case.submission_key.startswith(HISTORY)]
    assert 80 <= len(history) <= 120
    assert sum(case.extension_used for case in history) >= 3
    assert any(case.not_complaint_reason for case in history)


def assert_every_term_has_each_kind(cases):
    kinds_by_term = {}
    for case in cases:
        kinds_by_term.setdefault(term_of(london_day(case.received_at)), set()).add(case.kind)
    for term in recent_terms(london_today(), 3):
        assert {"complaint", "compliment", "suggestion"} <= kinds_by_term.get(term, set()), term.label


def assert_nothing_happened_in_the_future():
    now = utcnow()
    for column in (
        Case.received_at,
        Case.acknowledged_at,
        Case.responded_at,
        Case.closed_at,
        AuditEvent.occurred_at,
        CaseMessage.created_at,
        DeadlineChange.changed_at,
        CaseOutcome.recorded_at,
    ):
        assert db.session.scalar(sa.select(sa.func.max(column))) <= now, column


def recorded_moments() -> dict[int, object]:
    """When each case was recorded: as it arrived online, or when staff logged it (it may have
    arrived by phone or letter days before)."""
    rows = db.session.execute(
        sa.select(AuditEvent.object_id, AuditEvent.occurred_at).where(
            AuditEvent.object_type == "feedback_case", AuditEvent.action == "case.submitted"
        )
    )
    return {int(object_id): moment for object_id, moment in rows}


def assert_references_follow_arrival(cases):
    """References are given in the order cases were recorded."""
    numbers = {}
    recorded = recorded_moments()
    for case in sorted(cases, key=lambda case: (recorded[case.id], case.id)):
        _, year, number = case.reference.split("-")
        numbers.setdefault(int(year), []).append(int(number))
    for year, taken in numbers.items():
        assert taken == list(range(1, len(taken) + 1)), year
    return numbers


def send_suggestion() -> Case:
    draft = feedback_services.new_draft()
    category = db.session.scalar(sa.select(Category.id).where(Category.name == "Other"))
    answers = dict(kind="suggestion", worried="no", category_id=str(category), what_happened="More drop-ins.")
    feedback_services.save_answers(
        draft, dict(answers, child_seen=True, speaker="parent", young_person_age="no", reply="no", evidence_seen=True)
    )
    return feedback_services.submit(draft)


def test_the_demo_has_cases_in_every_state_in_the_order_they_arrived(app, demo):
    with app.app_context(), app.test_request_context():
        cases = db.session.scalars(sa.select(Case)).all()
        assert_clocks_in_every_state(cases)
        assert_answered_and_escalated(cases)
        assert_every_term_has_each_kind(cases)
        assert_nothing_happened_in_the_future()
        # An interpreter asked for and not yet arranged, on an open case: a task in the queue.
        assert any(
            case.is_open and any(item.kind == "interpreter" and item.status == "requested" for item in case.adjustments)
            for case in cases
        )
        # A social care complaint at stage 2 of the statutory children's procedure.
        assert any(case.procedure == "childrens_social_care" and case.stage == 2 and case.is_open for case in cases)
        # A promise kept, and one now late.
        remedies = db.session.scalars(sa.select(Remedy)).all()
        assert any(remedy.done_at for remedy in remedies)
        assert any(not remedy.done_at and remedy.due_on and remedy.due_on < london_today() for remedy in remedies)
        # A closed stage 1 complaint of the demo parent's, answered this month: they can still ask for stage 2.
        assert any(
            case.contact_email == "parent@example.org" and not case.is_open and feedback_services.can_escalate(case)
            for case in cases
        )
        # A complaint made by phone, logged by staff after the call, its clocks running from the call.
        phoned = next(case for case in cases if case.channel == "phone")
        assert phoned.logged_by_id and phoned.acknowledge_by == add_working_days(
            receipt_day(london_day(phoned.received_at)), 5
        )
        # Families are invented, at example.org.
        assert all(case.contact_email.endswith("@example.org") for case in cases if case.contact_email)
        numbers = assert_references_follow_arrival(cases)
        # Feedback sent after seeding takes the next reference.
        year = london_today().year
        assert send_suggestion().reference == f"CAN-{year}-{len(numbers.get(year, [])) + 1:05d}"


# --- what a case's page shows -------------------------------------------------------------------


def assert_trail_matches(case):
    """The audit trail has an event for each change of a deadline and each message, at its moment."""
    trail = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "feedback_case", AuditEvent.object_id == str(case.id))
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    ).all()
    assert trail[0].action == "case.submitted"
    if case.channel == "online":
        assert trail[0].occurred_at == case.received_at
    else:
        # Logged by staff after it arrived; its clocks run from its arrival.
        assert trail[0].occurred_at >= case.received_at and case.logged_by_id is not None
    moments = {(event.action, event.occurred_at) for event in trail}
    for change in clocks.history(case):
        assert ("case.deadline_changed", change.changed_at) in moments, case.submission_key
    if case.acknowledged_at:
        assert ("case.acknowledged", case.acknowledged_at) in moments
    for message in case.messages:
        assert any(at == message.created_at for _, at in moments), case.submission_key


def assert_stage_1_kept(case):
    """An escalated complaint keeps its stage 1 clocks and response in the history."""
    changes = clocks.history(case)
    stage1 = [(change.clock, change.old_date is None) for change in changes if change.stage == 1]
    assert stage1[:2] == [("acknowledge", True), ("respond", True)], case.reference
    stage2 = [change for change in changes if change.stage == 2]
    assert stage2[0].clock == "acknowledge" and stage2[0].reason.startswith("Stage 2 received")
    assert stage2[0].changed_at == case.escalated_at
    stage1_outcome = db.session.scalar(
        sa.select(CaseOutcome).where(CaseOutcome.case_id == case.id, CaseOutcome.stage == 1)
    )
    assert stage1_outcome.recorded_at < case.escalated_at
    asked = [message for message in case.messages if message.from_family and "stage 2" in message.body]
    assert asked and asked[0].created_at == case.escalated_at


def an_extension():
    """A demo case whose response deadline was extended, and the extension."""
    case = db.session.scalars(
        sa.select(Case).where(Case.submission_key.like(f"{HISTORY}%"), Case.extension_used.is_(True))
    ).first()
    extension = db.session.scalars(
        sa.select(DeadlineChange)
        .where(DeadlineChange.case_id == case.id, DeadlineChange.reason.like("Extended by %"))
        .order_by(DeadlineChange.id)
    ).first()
    return case, extension


def test_each_cases_timeline_and_deadline_history_come_from_the_actions(app, client, demo):
    with app.app_context():
        cases = db.session.scalars(sa.select(Case)).all()
        for case in cases:
            assert_trail_matches(case)
        escalated = [case for case in cases if case.escalated_at]
        assert len(escalated) >= 3
        for case in escalated:
            assert_stage_1_kept(case)

        extended, extension = an_extension()
        assert extension.old_date < extension.new_date
        # The family was told the new date, on their case and by email, when it was extended.
        told = [message for message in extended.messages if message.created_at == extension.changed_at]
        assert told and f"{extension.new_date:%-d %B %Y}" in told[0].body
        emailed = sa.select(OutboxMessage.id).where(
            OutboxMessage.recipient == extended.contact_email, OutboxMessage.created_at == extension.changed_at
        )
        assert db.session.scalar(emailed)
        reference, reason = extended.reference, extension.reason

    give_app_code(
        client,
        client.post("/sign-in", data={"email": "manager@example.org", "password": PASSWORD}),
        "manager@example.org",
    )
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    assert "Deadline extended" in page and reason in page
    assert "Feedback received" in page and "Acknowledged" in page


def test_the_demo_family_with_only_a_phone_opens_their_case_with_the_code_in_the_mail_folder(
    app, runner, demo, tmp_path
):
    app.config["MAIL_DIR"] = str(tmp_path / "mail")
    printed = runner.invoke(args=["seed-demo", "--password", PASSWORD]).output
    found = re.search(r"follows case (CAN-\d{4}-\d{5}) at /track: give it with ([\d ]+),", printed)
    assert found, printed
    reference, phone = found.groups()
    family = app.test_client()
    asked = family.post("/track", data={"reference": reference, "contact": phone})
    assert asked.headers["Location"] == "/track/enter-code"
    assert "Sent 1," in runner.invoke(args=["outbox", "send"]).output
    (written,) = sorted((tmp_path / "mail").glob("outbox-*.txt"))
    code = re.search(r"is (\d{6})", written.read_text()).group(1)
    opened = family.post("/track/enter-code", data={"code": code})
    assert opened.headers["Location"] == f"/my-cases/{reference}"
    assert "transport assistant keeps changing" in family.get(opened.headers["Location"]).get_data(as_text=True)
