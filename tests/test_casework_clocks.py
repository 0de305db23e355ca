"""The Complaint Handling Code's clocks: acknowledge within 5 working days of receipt, respond
within 10 (stage 1) or 20 (stage 2) of acknowledging, one extension per stage of at most 10 or
20 working days with reasons and the Ombudsman's details, what is due next, whether it is
overdue or due soon, and the history of every change shown on the case."""

from datetime import date, datetime, timedelta, timezone

import pytest

from portal.casework import clocks, receivers, services
from portal.casework.models import DeadlineChange
from portal.core.calendar import add_working_days
from portal.core.time import LONDON, london_today, utcnow
from portal.extensions import db
from portal.feedback import services as feedback_services
from portal.feedback.models import CaseMessage
from portal.reports.complaints import complaints_report
from portal.reports.periods import year_of
from tests.casework_helpers import (
    answer_stage_1,
    category_id,
    events_for,
    get_case,
    new_case,
    set_lead,
    sign_in,
    submit_case,
)
from tests.factories import get_user, make_user

TEAM = "Travel Assist"


@pytest.fixture
def caseworker(app):
    with app.app_context():
        return make_user("caseworker", team=TEAM)


@pytest.fixture
def category(app):
    with app.app_context():
        return category_id("Home-to-school transport", TEAM)


def started(received: date, **fields) -> str:
    """A stage 1 complaint whose clock started on ``received``. Call inside an app context."""
    reference = new_case(team=TEAM, **fields)
    clocks.start_stage(get_case(reference), received)
    db.session.commit()
    return reference


def acknowledged_on(app, day: date, frozen, caseworker, **fields) -> str:
    frozen(day)
    with app.test_request_context():
        reference = started(day, caseworker=caseworker, **fields)
        services.acknowledge(get_case(reference), get_user(caseworker))
        db.session.commit()
    return reference


# --- the clocks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "received, due",
    [
        (date(2026, 1, 9), date(2026, 1, 16)),  # a Friday: the next Friday
        (date(2026, 1, 3), date(2026, 1, 12)),  # a Saturday counts from Monday
        (date(2026, 1, 4), date(2026, 1, 12)),  # a Sunday too
        (date(2026, 4, 2), date(2026, 4, 13)),  # Good Friday and Easter Monday are not working days
        (date(2026, 4, 3), date(2026, 4, 14)),  # received on Good Friday: counts from Tuesday
        (date(2026, 12, 24), date(2027, 1, 5)),  # Christmas, Boxing Day (observed) and New Year
    ],
)
def test_stage_1_must_be_acknowledged_within_5_working_days_of_receipt(app, received, due):
    with app.app_context():
        case = get_case(started(received))
        assert case.acknowledge_by == due
        assert clocks.next_deadline(case) == ("acknowledge", due)


def test_feedback_sent_late_on_friday_evening_in_summer_counts_as_received_on_monday(app):
    """23:30 UTC on Friday 5 June is 00:30 on Saturday in London."""
    with app.app_context():
        reference = new_case(team=TEAM, received_at=datetime(2026, 6, 5, 23, 30, tzinfo=timezone.utc))
        receivers.on_case_submitted(get_case(reference))
        db.session.commit()
        assert get_case(reference).acknowledge_by == date(2026, 6, 15)


def test_a_submitted_complaint_gets_its_acknowledgement_clock_and_a_compliment_only_its_reply_target(app, category):
    complaint = submit_case(app, category)
    compliment = submit_case(app, category, kind="compliment", contact_email="kind@example.org")
    with app.app_context():
        received = get_case(complaint).received_at.astimezone(LONDON).date()
        assert get_case(complaint).acknowledge_by == add_working_days(clocks.receipt_day(received), 5)
        assert get_case(compliment).acknowledge_by is None
        assert clocks.next_deadline(get_case(compliment)) == (
            clocks.RESPOND,
            add_working_days(clocks.receipt_day(received), 10),
        )


def test_stage_1_response_is_due_10_working_days_from_acknowledgement(app, frozen, caseworker):
    # Acknowledged on Friday 1 May 2026; Monday 4 May is a bank holiday.
    reference = acknowledged_on(app, date(2026, 5, 1), frozen, caseworker)
    with app.app_context():
        case = get_case(reference)
        assert case.status == "acknowledged"
        assert case.respond_by == date(2026, 5, 18)
        assert clocks.next_deadline(case) == ("respond", date(2026, 5, 18))


def test_the_response_clock_runs_from_the_acknowledgement_not_the_receipt(app, frozen, caseworker):
    frozen(date(2026, 1, 14))  # acknowledged 3 working days after a Friday receipt
    with app.test_request_context():
        reference = started(date(2026, 1, 9), caseworker=caseworker)
        services.acknowledge(get_case(reference), get_user(caseworker))
        db.session.commit()
        assert get_case(reference).respond_by == date(2026, 1, 28)


def test_stage_2_is_acknowledged_within_5_and_answered_within_20_working_days(app, frozen, caseworker):
    with app.app_context():
        other = make_user("caseworker", team=TEAM, stage_2=True)
    reference = acknowledged_on(app, date(2026, 4, 20), frozen, caseworker)
    frozen(date(2026, 5, 1))  # answered, and the family asks for stage 2, on Friday 1 May 2026
    with app.test_request_context():
        answer_stage_1(get_case(reference))
        feedback_services.escalate(get_case(reference), "Nothing has changed.")
        db.session.commit()
        case = get_case(reference)
        assert (case.stage, case.status) == (2, "escalated")
        assert case.acknowledge_by == date(2026, 5, 11)
        assert case.respond_by is None
        assert clocks.next_deadline(case) == ("acknowledge", date(2026, 5, 11))
        assert case.caseworker_id == other.id

        frozen(date(2026, 5, 6))
        services.acknowledge(case, get_user(other))
        db.session.commit()
        # 20 working days after Wednesday 6 May, skipping the spring bank holiday on 25 May.
        assert get_case(reference).respond_by == date(2026, 6, 4)


def test_the_acknowledgement_offered_promises_the_date_that_acknowledging_sets(app, frozen, caseworker):
    frozen(date(2026, 5, 1))
    with app.test_request_context():
        case = get_case(started(date(2026, 4, 28), caseworker=caseworker))
        offered = services.draft_acknowledgement(case, get_user(caseworker))
        assert "We will send you a full response by 18 May 2026." in offered
        services.acknowledge(case, get_user(caseworker))
        assert case.respond_by == date(2026, 5, 18)


# --- extensions -------------------------------------------------------------------------------


def test_an_extension_needs_an_acknowledged_case(app):
    with app.app_context():
        case = get_case(started(date(2026, 1, 9)))
        with pytest.raises(clocks.ClockError, match="Acknowledge the case before extending"):
            clocks.extend(case, 5, "Waiting for records", None)


@pytest.mark.parametrize("days", [0, -3])
def test_an_extension_is_at_least_1_working_day(app, frozen, caseworker, days):
    reference = acknowledged_on(app, date(2026, 5, 1), frozen, caseworker)
    with app.app_context():
        case = get_case(reference)
        with pytest.raises(clocks.ClockError, match="at least 1 working day"):
            clocks.extend(case, days, "Waiting for the school's records", get_user(caseworker))
        db.session.rollback()
        assert get_case(reference).respond_by == date(2026, 5, 18)
        assert get_case(reference).extension_used is False


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_an_extension_needs_a_reason(app, frozen, caseworker, reason):
    reference = acknowledged_on(app, date(2026, 5, 1), frozen, caseworker)
    with app.app_context():
        with pytest.raises(clocks.ClockError, match="Enter the reason"):
            clocks.extend(get_case(reference), 5, reason, None)


def test_a_response_can_be_extended_more_than_once_within_the_codes_10_working_days(app, frozen, caseworker):
    """Code 5.5: no more than 10 working days without good reason; it does not say once."""
    reference = acknowledged_on(app, date(2026, 5, 1), frozen, caseworker)
    with app.test_request_context():
        assert services.extend(get_case(reference), get_user(caseworker), 4, "Waiting for records.") == date(
            2026, 5, 22
        )
        # 6 more working days after Friday 22 May, skipping the bank holiday on Monday 25 May.
        due = services.extend(get_case(reference), get_user(caseworker), 6, "The provider sent the wrong records.")
        db.session.commit()
        assert due == date(2026, 6, 2)
        case = get_case(reference)
        assert clocks.extended_days(case) == 10
        extensions = [change for change in clocks.history(case) if change.extension_days]
        assert [(change.extension_days, change.beyond_code_limit) for change in extensions] == [(4, False), (6, False)]
        assert services.can_extend(case)


def test_going_past_the_codes_limit_needs_a_manager_and_is_recorded_as_approved(app, frozen, caseworker, outbox):
    reference = acknowledged_on(app, date(2026, 5, 1), frozen, caseworker, contact_email="jo@example.org")
    with app.app_context():
        manager = make_user("manager", name="Helen Brooks")
    with app.test_request_context():
        services.extend(get_case(reference), get_user(caseworker), 8, "Waiting for records.")
        db.session.commit()
        with pytest.raises(clocks.ClockError, match="needs a manager's approval") as refused:
            services.extend(get_case(reference), get_user(caseworker), 3, "Still waiting.")
        assert "no more than 10 working days of extension at stage 1 without good reason, and 8 have been used" in str(
            refused.value
        )
        assert refused.value.field == "working_days"
        db.session.rollback()
        due = services.extend(get_case(reference), get_user(manager), 3, "The school is closed for a flood.")
        db.session.commit()
        case = get_case(reference)
        assert case.respond_by == due == add_working_days(date(2026, 5, 18), 11)
        last = clocks.history(case)[-1]
        assert (last.extension_days, last.beyond_code_limit, last.approved_by_id) == (3, True, manager.id)
        assert "Approved by a manager, beyond the Code's limit" in last.reason
        assert events_for(reference, "case.extended")[-1].details["beyond_code_limit"] is True
        # The annual report counts the one beyond the limit on its own.
        report = complaints_report(year_of(date(2026, 5, 1)), now=utcnow() + timedelta(days=1))
        assert (report.extensions[1], report.extensions_beyond_limit[1]) == (2, 1)
    # Every new date goes to the family with the Ombudsman's details.
    emails = outbox.messages("jo@example.org", "caseworker_reply")
    assert len(emails) == 3  # the acknowledgement and both extensions
    assert due.strftime("%-d %B %Y") in emails[-1].body and "www.lgo.org.uk" in emails[-1].body


def test_the_family_is_told_why_with_the_ombudsmans_details(app, frozen, caseworker, outbox):
    reference = acknowledged_on(app, date(2026, 5, 1), frozen, caseworker, contact_email="jo@example.org")
    reason = "We are waiting for the transport provider's records."
    with app.test_request_context():
        services.extend(get_case(reference), get_user(caseworker), 10, reason)
        db.session.commit()
        message = db.session.scalars(db.select(CaseMessage).order_by(CaseMessage.id.desc())).first()
        assert message.internal is False  # on the family's page
        assert reason in message.body
    email = outbox.last("jo@example.org")
    for text in (reason, "2 June 2026", "Ombudsman", "www.lgo.org.uk", "0300 061 0614"):
        assert text in email.body


def test_each_stage_has_its_own_extension_and_stage_2_allows_up_to_20_days(app, frozen, caseworker):
    with app.app_context():
        other = make_user("caseworker", team=TEAM)
    reference = acknowledged_on(app, date(2026, 4, 20), frozen, caseworker)
    with app.test_request_context():
        services.extend(get_case(reference), get_user(caseworker), 5, "Waiting for records")
        db.session.commit()
        frozen(date(2026, 6, 1))
        feedback_services.escalate(get_case(reference), None)
        db.session.commit()
        services.acknowledge(get_case(reference), get_user(other))
        db.session.commit()
        case = get_case(reference)
        assert case.extension_used is False and clocks.extended_days(case) == 0
        assert case.respond_by == date(2026, 6, 29)
        with pytest.raises(clocks.ClockError, match="no more than 20 working days of extension at stage 2"):
            clocks.extend(case, 21, "An independent review", get_user(other))
        db.session.rollback()
        assert clocks.extend(get_case(reference), 20, "An independent review", get_user(other)) == date(2026, 7, 27)


def test_whether_a_case_can_be_extended_is_the_rule_extending_obeys(app, frozen, caseworker):
    """The case page asks services.can_extend; clocks.extend refuses for the same reasons."""
    with app.app_context():
        waiting = get_case(started(date(2026, 5, 1)))
        assert services.can_extend(waiting) is False
        assert "Acknowledge the case" in clocks.extension_refusal(waiting)
    reference = acknowledged_on(app, date(2026, 5, 1), frozen, caseworker)
    with app.test_request_context():
        case = get_case(reference)
        assert services.can_extend(case) is True
        services.record_outcome(case, get_user(caseworker), outcome="upheld", summary="We are sorry.")
        assert services.can_extend(case) is False
        with pytest.raises(clocks.ClockError, match="The response has been sent"):
            services.extend(case, get_user(caseworker), 5, "Waiting for records")
        db.session.rollback()

        case = get_case(reference)
        case.status, case.closed_at = "closed", utcnow()
        assert services.can_extend(case) is False
        with pytest.raises(clocks.ClockError, match="Only an open complaint"):
            clocks.extend(case, 5, "Waiting for records", None)
        db.session.rollback()

        services.extend(get_case(reference), get_user(caseworker), 5, "Waiting for records")
        # Extended once, it can be extended again (the Code limits the days, not the times).
        assert services.can_extend(get_case(reference)) is True
        db.session.rollback()


# --- next deadline and its state --------------------------------------------------------------


def test_next_deadline_follows_the_case(app, frozen, caseworker):
    frozen(date(2026, 5, 1))
    with app.test_request_context():
        case = get_case(started(date(2026, 4, 28), caseworker=caseworker))
        assert clocks.next_deadline(case) == ("acknowledge", date(2026, 5, 6))
        services.acknowledge(case, get_user(caseworker))
        assert clocks.next_deadline(case) == ("respond", date(2026, 5, 18))
        services.record_outcome(case, get_user(caseworker), outcome="upheld", summary="We are sorry.")
        assert clocks.next_deadline(case) is None
        db.session.rollback()

        case = get_case(started(date(2026, 4, 28)))
        case.status, case.closed_at = "closed", utcnow()
        assert clocks.next_deadline(case) is None
        assert clocks.next_deadline(get_case(new_case(team=TEAM, kind="question"))) is None


@pytest.mark.parametrize(
    "due, on, expected",
    [
        (date(2026, 5, 6), date(2026, 5, 7), "overdue"),  # yesterday
        (date(2026, 5, 7), date(2026, 5, 7), "due_soon"),  # today
        (date(2026, 5, 11), date(2026, 5, 7), "due_soon"),  # 2 working days: Friday and Monday
        (date(2026, 5, 12), date(2026, 5, 7), "on_track"),  # 3 working days
        (date(2026, 5, 6), date(2026, 5, 1), "due_soon"),  # 5 days away, but 4 May is a bank holiday
        (date(2026, 5, 26), date(2026, 5, 22), "due_soon"),  # over the spring bank holiday
        (None, date(2026, 5, 7), None),
    ],
)
def test_state_of_a_deadline(due, on, expected):
    assert clocks.state(due, on) == expected


def deadline_box(response) -> str:
    html = response.get_data(as_text=True)
    return html[html.index('<dl class="twc-facts">') : html.index("</dl>", html.index('<dl class="twc-facts">'))]


@pytest.mark.parametrize(
    "working_days, tag",
    [(-3, "Overdue"), (0, "Due soon"), (2, "Due soon"), (5, None)],
)
def test_the_case_page_says_when_a_deadline_is_overdue_or_due_soon(app, client, caseworker, working_days, tag):
    today = london_today()
    due = add_working_days(today, working_days) if working_days >= 0 else today - timedelta(days=-working_days)
    with app.app_context():
        reference = new_case(team=TEAM, caseworker=caseworker, acknowledge_by=due)
    sign_in(client, caseworker)
    box = deadline_box(client.get(f"/cases/{reference}"))
    assert "Acknowledge by" in box
    assert f"{due:%-d %B %Y}" in box
    for label in ("Overdue", "Due soon"):
        assert (label in box) == (label == tag)


# --- history ----------------------------------------------------------------------------------


def test_every_change_of_deadline_is_kept_with_its_reason_and_shown_on_the_case(app, client, frozen, caseworker):
    reference = acknowledged_on(app, date(2026, 5, 1), frozen, caseworker)
    with app.test_request_context():
        services.extend(get_case(reference), get_user(caseworker), 3, "The driver is on leave until Thursday.")
        db.session.commit()
        case = get_case(reference)
        changes = db.session.scalars(
            db.select(DeadlineChange).where(DeadlineChange.case_id == case.id).order_by(DeadlineChange.id)
        ).all()
        assert [(c.stage, c.clock, c.old_date, c.new_date) for c in changes] == [
            (1, "acknowledge", None, date(2026, 5, 11)),  # 4 May is a bank holiday
            (1, "respond", None, date(2026, 5, 18)),
            (1, "respond", date(2026, 5, 18), date(2026, 5, 21)),
        ]
        assert changes[1].changed_by_id == caseworker.id
        assert "Extended by 3 working days: The driver is on leave until Thursday." == changes[2].reason
        assert len(events_for(reference, "case.deadline_changed")) == 3

    sign_in(client, caseworker)
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    history = page[page.index("Deadline history") :]
    assert "stage 1 acknowledge by 11 May 2026" in history
    assert "stage 1 respond by 18 May 2026" in history
    assert "stage 1 respond by 21 May 2026 (was 18 May 2026)" in history
    assert "The driver is on leave until Thursday." in history


def test_escalation_adds_the_stage_2_clock_to_the_history(app, client, frozen, caseworker):
    with app.app_context():
        make_user("caseworker", team=TEAM)
    reference = acknowledged_on(app, date(2026, 4, 20), frozen, caseworker)
    frozen(date(2026, 5, 1))
    with app.test_request_context():
        answer_stage_1(get_case(reference))
        feedback_services.escalate(get_case(reference), None)
        db.session.commit()
    with app.app_context():
        manager = make_user("manager")
    sign_in(client, manager)
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    history = page[page.index("Deadline history") :]
    assert "stage 2 acknowledge by 11 May 2026" in history
    assert "Stage 2 received: acknowledge within 5 working days" in history


# --- reminders: flask sla remind ----------------------------------------------------------------


@pytest.fixture
def reminded(app, runner):
    """Run `flask sla remind` and return what it printed."""

    def run() -> str:
        result = runner.invoke(args=["sla", "remind"])
        assert result.exit_code == 0, result.output
        return result.output

    return run


def test_sla_remind_tells_caseworkers_what_is_due_soon_and_leads_what_is_overdue(app, reminded, outbox, caseworker):
    today = london_today()
    with app.app_context():
        lead = make_user("manager", team=TEAM)
        set_lead(TEAM, lead)
        colleague = make_user("caseworker", team=TEAM)
        acknowledge_soon = new_case(team=TEAM, caseworker=caseworker, acknowledge_by=add_working_days(today, 1))
        respond_soon = new_case(
            team=TEAM,
            caseworker=caseworker,
            status="acknowledged",
            acknowledged_at=utcnow(),
            acknowledge_by=today - timedelta(days=20),
            respond_by=add_working_days(today, 2),
        )
        new_case(team=TEAM, caseworker=caseworker, acknowledge_by=add_working_days(today, 3))  # not yet
        overdue = new_case(team=TEAM, caseworker=colleague, acknowledge_by=today - timedelta(days=3))
        # No clock running: answered, closed, or not a complaint.
        new_case(
            team=TEAM,
            caseworker=caseworker,
            status="responded",
            acknowledged_at=utcnow(),
            responded_at=utcnow(),
            respond_by=today,
        )
        new_case(team=TEAM, caseworker=caseworker, status="closed", acknowledge_by=today - timedelta(days=3))
        new_case(team=TEAM, caseworker=caseworker, kind="question")

    output = reminded()
    assert "Reminded caseworkers of 2 case(s) due soon and team leads of 1 overdue." in output

    to_caseworker = outbox.messages(caseworker.email)
    assert sorted(m.template for m in to_caseworker) == ["reminder_due_soon"] * 2
    by_case = {m.subject.split(": ")[-1]: m for m in to_caseworker}
    assert set(by_case) == {acknowledge_soon, respond_soon}
    assert f"must be acknowledged by {add_working_days(today, 1):%-d %B %Y}" in by_case[acknowledge_soon].body
    assert f"must be responded to by {add_working_days(today, 2):%-d %B %Y}" in by_case[respond_soon].body
    assert f"/cases/{respond_soon}" in by_case[respond_soon].body

    (to_lead,) = outbox.messages(lead.email)
    assert to_lead.template == "reminder_overdue"
    assert overdue in to_lead.subject
    assert outbox.messages(colleague.email) == []


def test_sla_remind_twice_sends_nothing_more(app, reminded, outbox, caseworker):
    today = london_today()
    with app.app_context():
        lead = make_user("manager", team=TEAM)
        set_lead(TEAM, lead)
        new_case(team=TEAM, caseworker=caseworker, acknowledge_by=today)
        new_case(team=TEAM, caseworker=caseworker, acknowledge_by=today - timedelta(days=1))
    reminded()
    sent = len(outbox.messages())
    assert sent == 2
    assert "Reminded caseworkers of 0 case(s) due soon and team leads of 0 overdue." in reminded()
    assert len(outbox.messages()) == sent


def test_a_new_deadline_after_an_extension_is_reminded_again(app, reminded, outbox, caseworker):
    today = london_today()
    with app.app_context():
        reference = new_case(
            team=TEAM,
            caseworker=caseworker,
            status="acknowledged",
            acknowledged_at=utcnow(),
            acknowledge_by=today - timedelta(days=10),
            respond_by=today,
        )
    reminded()
    assert len(outbox.messages(caseworker.email, "reminder_due_soon")) == 1
    with app.test_request_context():
        new_date = services.extend(get_case(reference), get_user(caseworker), 1, "Waiting for the school.")
        db.session.commit()
    reminded()
    reminders = outbox.messages(caseworker.email, "reminder_due_soon")
    assert len(reminders) == 2
    assert f"must be responded to by {new_date:%-d %B %Y}" in reminders[-1].body
    reminded()
    assert len(outbox.messages(caseworker.email, "reminder_due_soon")) == 2


def test_sla_remind_skips_people_who_cannot_act(app, reminded, outbox):
    today = london_today()
    with app.app_context():
        gone = make_user("caseworker", team=TEAM, disabled=True)
        new_case(team=TEAM, caseworker=gone, acknowledge_by=today)  # a disabled caseworker
        new_case(team=TEAM, acknowledge_by=today)  # in the queue: nobody to tell yet
        new_case(team=TEAM, acknowledge_by=today - timedelta(days=2))  # overdue, but the team has no lead
    assert "0 case(s) due soon and team leads of 0 overdue" in reminded()
    assert outbox.messages() == []
