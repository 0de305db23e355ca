"""Reminders for cron (`flask --app wsgi sla remind`): caseworkers hear about their cases due
soon (within clocks.DUE_SOON_WORKING_DAYS working days), team leads about overdue ones; each once
per case and deadline."""

import sqlalchemy as sa

from portal.accounts.models import Team, User
from portal.casework import clocks
from portal.casework.models import ReminderSent
from portal.core.links import public_url
from portal.core.time import london_today
from portal.extensions import db
from portal.feedback.models import Case
from portal.notifications.services import queue_email


def _cases(condition):
    deadline = clocks.next_deadline_sql()
    return db.session.execute(
        sa.select(Case, deadline.label("deadline"), clocks.running_clock_sql().label("clock"))
        .options(db.joinedload(Case.caseworker), db.joinedload(Case.team).joinedload(Team.lead))
        .where(deadline.is_not(None), condition(deadline))
        .order_by(deadline, Case.id)
    ).all()


def _already_sent(kind: str, rows) -> set[tuple[int, str, object]]:
    """Which (case, clock, deadline) of these rows already had this kind of reminder, in one query."""
    case_ids = [case.id for case, _, _ in rows]
    if not case_ids:
        return set()
    sent = db.session.execute(
        sa.select(ReminderSent.case_id, ReminderSent.clock, ReminderSent.deadline).where(
            ReminderSent.kind == kind, ReminderSent.case_id.in_(case_ids)
        )
    )
    return set(sent)


def _once(case: Case, kind: str, clock: str, deadline, sent: set) -> bool:
    """Whether to remind, recording it in the same transaction as the email. The unique
    constraint makes a second cron run at the same moment fail at commit rather than repeat."""
    if (case.id, clock, deadline) in sent:
        return False
    sent.add((case.id, clock, deadline))
    db.session.add(ReminderSent(case_id=case.id, kind=kind, clock=clock, deadline=deadline))
    return True


def send_reminders(on=None) -> dict[str, int]:
    on = on or london_today()
    counts = {"due_soon": 0, "overdue": 0}
    due_soon = _cases(lambda d: sa.and_(d >= on, d <= clocks.due_soon_limit(on)))
    sent = _already_sent("due_soon", due_soon)
    for case, deadline, clock in due_soon:
        person: User | None = case.caseworker
        if person is not None and person.is_active and _once(case, "due_soon", clock, deadline, sent):
            queue_email(
                person.email,
                f"Due {deadline:%-d %B}: {case.reference}",
                "reminder_due_soon",
                case=case,
                person=person,
                deadline=deadline,
                clock=clocks.CLOCK_LABELS[clock].lower(),
                link=public_url("casework.case", reference=case.reference),
            )
            counts["due_soon"] += 1
    overdue = _cases(lambda d: d < on)
    sent = _already_sent("overdue", overdue)
    for case, deadline, clock in overdue:
        lead: User | None = case.team.lead if case.team else None
        about_them = lead is not None and lead.id == case.about_staff_id  # Code 5.4: never to them
        if lead is not None and lead.is_active and not about_them and _once(case, "overdue", clock, deadline, sent):
            queue_email(
                lead.email,
                f"Overdue since {deadline:%-d %B}: {case.reference}",
                "reminder_overdue",
                case=case,
                person=lead,
                deadline=deadline,
                clock=clocks.CLOCK_LABELS[clock].lower(),
                link=public_url("casework.case", reference=case.reference),
            )
            counts["overdue"] += 1
    return counts
