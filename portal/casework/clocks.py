"""The Complaint Handling Code's clocks, in working days: each stage is acknowledged, then
answered, within the limits in portal/core/complaint_code.py. A response deadline can be
extended more than once, each time with its reason; the Code allows no more than 10 working
days (stage 1) or 20 (stage 2) in all "without good reason", so going past that needs a
manager's approval (Code 5.5 and 6.4). Every change of a deadline is kept, with its reason, as
a DeadlineChange.
"""

from datetime import date

import sqlalchemy as sa

from portal.accounts import roles
from portal.casework.models import DeadlineChange
from portal.core import audit, procedures, settings
from portal.core.calendar import add_working_days, receipt_day, working_days_between
from portal.core.complaint_code import STAGE_1
from portal.core.rules import RuleError
from portal.core.time import LONDON, london_today, utcnow
from portal.extensions import db

DUE_SOON_WORKING_DAYS = 2

ACKNOWLEDGE = "acknowledge"
RESPOND = "respond"
CLOCK_LABELS = {ACKNOWLEDGE: "Acknowledge by", RESPOND: "Respond by"}


class ClockError(RuleError):
    """A change the Code does not allow, in words for the caseworker."""


def _set(case, clock: str, new: date | None, reason: str, actor, **extension) -> None:
    field = "acknowledge_by" if clock == ACKNOWLEDGE else "respond_by"
    old = getattr(case, field)
    setattr(case, field, new)
    db.session.add(
        DeadlineChange(
            case_id=case.id,
            stage=case.stage or STAGE_1,
            clock=clock,
            old_date=old,
            new_date=new,
            reason=reason,
            changed_by_id=getattr(actor, "id", None),
            **extension,
        )
    )
    audit.record(
        actor,
        "case.deadline_changed",
        case,
        clock=clock,
        old=old.isoformat() if old else None,
        new=new.isoformat() if new else None,
    )


def start_stage(case, received: date, actor=None) -> None:
    """Set the clocks of the case's current stage, from the day it arrived: the acknowledgement's
    and, where the procedure counts the response from the start (the regulations do), the
    response's too."""
    rules = procedures.stage_of(case)
    start = receipt_day(received)
    case.extension_used = False
    case.respond_by = None
    _set(
        case,
        ACKNOWLEDGE,
        add_working_days(start, rules.acknowledge_days),
        f"Stage {rules.number} received: acknowledge within {rules.acknowledge_days} working days",
        actor,
    )
    if rules.respond_from == procedures.FROM_RECEIPT:
        _set(
            case,
            RESPOND,
            add_working_days(start, rules.respond_days),
            f"{rules.name}: respond within {rules.respond_days} working days of the start ({rules.citation})",
            actor,
        )


def start_target(case, received: date) -> None:
    """Set the reply target of feedback that is not a complaint (a question, a suggestion, a
    compliment): the working days managers set for its kind, from the day it arrived. It is
    the council's own promise, not a procedure's, so it has no stages and no extensions."""
    days = settings.reply_target_days(case.kind)
    case.respond_by = add_working_days(receipt_day(received), days) if days else None


def stage_started_on(case) -> date:
    """The day the case's current stage began: it arrived, or the family asked for this stage."""
    started = case.escalated_at if (case.stage or STAGE_1) > STAGE_1 and case.escalated_at else case.received_at
    return started.astimezone(LONDON).date()


def apply_procedure(case, actor, why: str) -> None:
    """Set the current stage's deadlines again by its procedure's rules (after the case moved
    to another procedure), from the day the stage began, keeping any extension agreed."""
    rules = procedures.stage_of(case)
    start = receipt_day(stage_started_on(case))
    if case.acknowledged_at is None:
        _set(case, ACKNOWLEDGE, add_working_days(start, rules.acknowledge_days), why, actor)
    # Extensions already agreed carry over, but never past what the new procedure allows.
    extended = min(extended_days(case), rules.extension_days)
    if rules.respond_from == procedures.FROM_RECEIPT:
        _set(case, RESPOND, add_working_days(start, rules.respond_days + extended), why, actor)
    elif case.acknowledged_at is not None:
        acknowledged = receipt_day(case.acknowledged_at.astimezone(LONDON).date())
        _set(case, RESPOND, add_working_days(acknowledged, rules.respond_days + extended), why, actor)
    else:
        case.respond_by = None


def response_due(case, on: date | None = None) -> date:
    """When the response would be due if the case were acknowledged ``on`` (today); for a
    procedure that counts from the start of the stage, the deadline already running."""
    rules = procedures.stage_of(case)
    if rules.respond_from == procedures.FROM_RECEIPT and case.respond_by:
        return case.respond_by
    return add_working_days(receipt_day(on or london_today()), rules.respond_days)


def acknowledge(case, actor) -> date:
    """Record the acknowledgement; under the Code the response clock starts from today.
    Whether the case may be acknowledged is services.can_acknowledge's to say."""
    rules = procedures.stage_of(case)
    case.acknowledged_at = utcnow()
    if rules.respond_from == procedures.FROM_RECEIPT and case.respond_by:
        return case.respond_by
    due = response_due(case)
    _set(case, RESPOND, due, f"Acknowledged: respond within {rules.respond_days} working days", actor)
    return due


def extension_refusal(case) -> str | None:
    """Why the response deadline cannot be extended now, in words for the caseworker; None
    when it can. An extension moves a response deadline that is still running."""
    if not case.is_open or case.stage is None:
        return "Only an open complaint's response deadline can be extended"
    if case.respond_by is None:
        return "Acknowledge the case before extending its response deadline"
    if case.responded_at is not None:
        return "The response has been sent, so there is no deadline left to extend"
    return None


def can_extend(case) -> bool:
    return extension_refusal(case) is None


def extended_days(case) -> int:
    """Working days the response deadline has been extended by at the case's current stage."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(DeadlineChange.extension_days), 0)).where(
            DeadlineChange.case_id == case.id,
            DeadlineChange.stage == case.stage,
            DeadlineChange.extension_days.is_not(None),
        )
    )


def beyond_code_limit(case, working_days: int) -> bool:
    """Whether extending by ``working_days`` more takes the stage past its procedure's limit."""
    return extended_days(case) + working_days > procedures.stage_of(case).extension_days


def extend(case, working_days: int, reason: str, actor) -> date:
    """Extend the response deadline, with the reason that goes to the family (see
    services.extend). Within the Code's limit any caseworker may; beyond it, the extension is
    a manager's to approve, and is recorded as approved by them."""
    refusal = extension_refusal(case)
    if refusal:
        raise ClockError(refusal)
    stage = case.stage
    if working_days < 1:
        raise ClockError("An extension must be at least 1 working day", "working_days")
    if not reason.strip():
        raise ClockError("Enter the reason for the extension", "reason")
    beyond = beyond_code_limit(case, working_days)
    rules = procedures.stage_of(case)
    if beyond and rules.extension_is_a_limit:
        used = extended_days(case)
        raise ClockError(
            f"{rules.name} can take no more than {rules.longest} working days in all ({rules.citation}), "
            f"so it can be extended by {max(0, rules.extension_days - used)} more at most",
            "working_days",
        )
    if beyond and getattr(actor, "role", None) != roles.MANAGER:
        limit, used = rules.extension_days, extended_days(case)
        raise ClockError(
            f"The Code allows no more than {limit} working days of extension at stage {stage} without good reason, "
            f"and {used} {'has' if used == 1 else 'have'} been used. Going further needs a manager's approval: "
            "ask a manager to make this extension",
            "working_days",
        )
    due = add_working_days(case.respond_by, working_days)
    case.extension_used = True
    approval = " Approved by a manager, beyond the Code's limit." if beyond else ""
    _set(
        case,
        RESPOND,
        due,
        f"Extended by {working_days} working days: {reason.strip()}{approval}",
        actor,
        extension_days=working_days,
        beyond_code_limit=beyond,
        approved_by_id=actor.id if beyond else None,
    )
    return due


def next_deadline(case) -> tuple[str, date] | None:
    """The clock running now, and when it runs out; None for a case without clocks or closed.
    Feedback that is not a complaint has one clock, its reply target."""
    if not case.is_open:
        return None
    if case.stage is None:
        return (RESPOND, case.respond_by) if case.respond_by and case.responded_at is None else None
    if case.acknowledged_at is None and case.acknowledge_by:
        return ACKNOWLEDGE, case.acknowledge_by
    if case.responded_at is None and case.respond_by:
        return RESPOND, case.respond_by
    return None


def state(due: date | None, on: date | None = None) -> str | None:
    """ "overdue", "due_soon" (within 2 working days) or "on_track"."""
    if due is None:
        return None
    on = on or london_today()
    if due < on:
        return "overdue"
    if working_days_between(on, due) <= DUE_SOON_WORKING_DAYS:
        return "due_soon"
    return "on_track"


def due_soon_limit(on: date | None = None) -> date:
    """The last date counted as due soon: for SQL filters."""
    return add_working_days(on or london_today(), DUE_SOON_WORKING_DAYS)


def history(case) -> list[DeadlineChange]:
    return db.session.scalars(
        db.select(DeadlineChange)
        .options(db.joinedload(DeadlineChange.changed_by))
        .where(DeadlineChange.case_id == case.id)
        .order_by(DeadlineChange.changed_at, DeadlineChange.id)
    ).all()


def next_deadline_sql():
    """next_deadline() as SQL, for filtering and sorting lists: NULL when no clock runs."""
    from portal.feedback.models import CLOSED, Case

    return sa.case(
        (Case.status == CLOSED, sa.null()),
        (Case.stage.is_(None), sa.case((Case.responded_at.is_(None), Case.respond_by), else_=sa.null())),
        (Case.acknowledged_at.is_(None), Case.acknowledge_by),
        (Case.responded_at.is_(None), Case.respond_by),
        else_=sa.null(),
    )


def running_clock_sql():
    from portal.feedback.models import Case

    return sa.case((sa.and_(Case.stage.is_not(None), Case.acknowledged_at.is_(None)), ACKNOWLEDGE), else_=RESPOND)
