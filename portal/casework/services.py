"""What a caseworker does to a case. Plain functions: each records what happened in the audit
log, writes any email to the family through the outbox, and leaves the commit to the caller."""

import re
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import defer

from portal.accounts import roles
from portal.casework import clocks, routing
from portal.casework.models import CaseOutcome, OmbudsmanReferral, Remedy, ResponseTemplate
from portal.core import audit, procedures
from portal.core.calendar import add_months
from portal.core.complaint_code import LATE_COMPLAINT_MONTHS, OMBUDSMAN_DETAILS, STAGE_1
from portal.core.files import CheckedFile
from portal.core.rules import RuleError
from portal.core.time import LONDON, london_today, utcnow
from portal.core.wording import render_family_text
from portal.extensions import db
from portal.feedback import services as feedback
from portal.feedback import survey
from portal.feedback.models import (
    ACKNOWLEDGED,
    AWAITING_FAMILY,
    CLOSED,
    LATE_ACCEPTED,
    LATE_REFUSED,
    RECEIVED,
    RESPONDED,
    Adjustment,
    Case,
    CaseMessage,
)
from portal.feedback.services import add_attachment, next_stage_ask_by, stage_ended_on
from portal.notifications.models import OutboxMessage
from portal.themes.models import LearningTheme

# What the audit log calls this module's actions (read by portal.audit_labels).
AUDIT_LABELS = {
    "case.assigned": "Assigned",
    "case.queued": "Put in the team's queue",
    "case.deadline_changed": "Deadline changed",
    "case.acknowledged": "Acknowledged",
    "case.replied": "Reply sent to the family",
    "case.note_added": "Internal note added",
    "case.information_requested": "More information asked for",
    "case.extended": "Deadline extended",
    "case.outcome_recorded": "Outcome recorded",
    "case.closed": "Closed",
    "case.reopened": "Reopened",
    "case.not_a_complaint": "Marked as not a complaint",
    "case.ombudsman_recorded": "Ombudsman referral recorded",
    "case.late_accepted": "Taken on although made more than 12 months after the family knew",
    "case.about_staff": "Marked as a complaint about a member of staff",
    "case.adjustment_recorded": "Support for the family recorded",
    "case.procedure_changed": "The complaints procedure changed",
    "case.remedy_done": "A promised remedy was done",
    "case.remedy_changed": "A promised remedy changed",
}

OMBUDSMAN = OMBUDSMAN_DETAILS

OUT_OF_TIME = "out_of_time"
NOT_COMPLAINT_REASONS = {
    "service_request": "A request for a service, which we will deal with as a request",
    "other_route": "A matter with its own statutory route, such as an appeal to the SEND Tribunal",
    OUT_OF_TIME: f"Made more than {LATE_COMPLAINT_MONTHS} months after the family knew of the problem (Code 2.2)",
}
# The reasons a caseworker chooses from when marking a case as not a complaint; a late
# complaint is refused by its own decision (decide_late_complaint), which checks the dates.
CHOSEN_NOT_COMPLAINT_REASONS = {key: label for key, label in NOT_COMPLAINT_REASONS.items() if key != OUT_OF_TIME}


class ActionError(RuleError):
    """An action the case's state does not allow, in words for the caseworker."""


def _family_text(message: str, **context) -> str:
    """Words for the family from templates/casework/messages/<message>.txt, each given the
    Ombudsman's details."""
    return render_family_text(f"casework/messages/{message}.txt", ombudsman=OMBUDSMAN, **context)


# --- what may be done to a case now -----------------------------------------------------------
# Each action's rule is written once, as why it is refused (None: it is allowed). The action
# raises that reason; its can_ predicate, which the case page asks, reads the same rule.


def _first_refusal(*rules: tuple[bool, str]) -> str | None:
    """The reason of the first rule that does not hold."""
    return next((reason for holds, reason in rules if not holds), None)


def _refuse(reason: str | None) -> None:
    if reason:
        raise ActionError(reason)


NO_CONTACT = "The family did not leave their details, so there is nobody to write to"


def _acknowledge_refusal(case: Case) -> str | None:
    return _first_refusal(
        (case.is_open, "Reopen the case before acknowledging it"),
        (case.acknowledged_at is None, "This case has already been acknowledged"),
    )


def _reply_refusal(case: Case) -> str | None:
    return _first_refusal((not case.anonymous, NO_CONTACT))


def _request_information_refusal(case: Case) -> str | None:
    return _first_refusal(
        (case.is_open, "Reopen the case before asking the family for more information"),
        (not case.anonymous, NO_CONTACT),
    )


def _record_outcome_refusal(case: Case) -> str | None:
    return _first_refusal(
        (case.is_open, "Reopen the case before recording the response"),
        (case.responded_at is None, "The response at this stage has already been recorded"),
    )


def _transfer_refusal(case: Case) -> str | None:
    return _first_refusal((case.is_open, "Reopen the case before transferring it"))


def _not_a_complaint_refusal(case: Case) -> str | None:
    return _first_refusal(
        (case.is_complaint, "Only a complaint can be marked as not a complaint"),
        (case.is_open, "Reopen the case before marking it as not a complaint"),
    )


def _close_refusal(case: Case) -> str | None:
    return _first_refusal((case.is_open, "This case is already closed"))


def _reopen_refusal(case: Case) -> str | None:
    return _first_refusal(
        (not case.is_open, "Only a closed case can be reopened"),
        # Nobody could be told: who the family are was removed.
        (case.anonymised_at is None, "This case was anonymised under the retention schedule, so it cannot be reopened"),
    )


def _ombudsman_refusal(case: Case) -> str | None:
    through_the_procedure = case.is_complaint and case.not_complaint_reason is None
    return _first_refusal((through_the_procedure, "Only a complaint can be referred to the Ombudsman"))


def _late_decision_refusal(case: Case) -> str | None:
    return _first_refusal(
        (made_late(case), f"Only a complaint made more than {LATE_COMPLAINT_MONTHS} months late needs this decision"),
        (case.late_decision is None, "The decision on this late complaint has been made"),
        (case.is_open and case.not_complaint_reason is None, "Reopen the case before deciding"),
    )


def can_acknowledge(case: Case) -> bool:
    return _acknowledge_refusal(case) is None


def can_reply(case: Case) -> bool:
    """Open or closed, as long as the family left their details."""
    return _reply_refusal(case) is None


def can_add_note(case: Case) -> bool:
    """Internal notes are for staff, whatever the case's state."""
    return True


def can_request_information(case: Case) -> bool:
    return _request_information_refusal(case) is None


# The Code's rule for its one extension per stage lives with the clocks.
can_extend = clocks.can_extend


def can_record_outcome(case: Case) -> bool:
    return _record_outcome_refusal(case) is None


def can_transfer(case: Case) -> bool:
    return _transfer_refusal(case) is None


def can_mark_not_a_complaint(case: Case) -> bool:
    return _not_a_complaint_refusal(case) is None


def can_close(case: Case) -> bool:
    return _close_refusal(case) is None


def can_decide_late_complaint(case: Case) -> bool:
    return _late_decision_refusal(case) is None


def _about_staff_refusal(case: Case) -> str | None:
    return _first_refusal(
        (case.is_complaint, "Only a complaint can be about a member of staff"),
        (case.about_staff_id is None, "This complaint is already marked as about a member of staff"),
    )


def can_mark_about_staff(case: Case) -> bool:
    return _about_staff_refusal(case) is None


def can_reopen(case: Case) -> bool:
    return _reopen_refusal(case) is None


def can_record_ombudsman(case: Case) -> bool:
    """A complaint that went through the procedure, open or closed: families go to the
    Ombudsman after it, usually long after the case was closed."""
    return _ombudsman_refusal(case) is None


may_record_ombudsman = can_record_ombudsman  # its earlier name, for callers that use it


# --- the actions ---------------------------------------------------------------------------


def route_onwards(case: Case) -> str:
    """How the family can take it further: every final response ends with this (Code 6.7).
    Holding replies and requests for information do not: nothing is final in them yet."""
    until, following = None, None
    procedure = procedures.procedure_of(case)
    if case.is_complaint and (case.stage or STAGE_1) >= procedure.last_stage:
        route = "ombudsman"
    elif case.is_complaint:
        route = "next_stage"
        until = next_stage_ask_by(case, london_today())
        following = procedure.stage((case.stage or STAGE_1) + 1)
    else:
        route = "complaint"
    return _family_text("route_onwards", route=route, until=until, following=following)


def _message(case: Case, actor, body: str, *, internal: bool = False) -> CaseMessage:
    message = CaseMessage(case=case, author_id=actor.id, body=body.strip(), internal=internal)
    db.session.add(message)
    return message


def _email_family(case: Case, subject: str, body: str) -> None:
    """Send the family the message text itself. Never used for internal notes."""
    feedback.email_family(case, subject, "caseworker_reply", body=body)


def _send_reply(case: Case, actor, body: str, files: Iterable[CheckedFile] = (), *, final: bool = False) -> CaseMessage:
    """Write and email the reply, once the caller has checked that it may be sent: a request
    for information and a recorded response go out this way too. A ``final`` response ends
    with the route onwards."""
    text = f"{body.strip()}\n\n{route_onwards(case)}" if final else body.strip()
    message = _message(case, actor, text)
    for checked in files:
        add_attachment(checked, case=case, message=message, from_family=False)
    audit.record(actor, "case.replied", case)
    _email_family(case, f"A reply about {case.reference}", text)
    return message


def reply(case: Case, actor, body: str, files: list[CheckedFile] = ()) -> CaseMessage:
    """A reply the family sees on their case page and by email: a holding reply, not the
    stage's response, so it carries no route onwards (record_outcome sends that)."""
    _refuse(_reply_refusal(case))
    if not body.strip():
        raise ActionError("Enter your reply")
    if not case.is_complaint and case.responded_at is None:
        # A question, suggestion or compliment is answered by its first reply: its target is met.
        case.responded_at = utcnow()
        case.status = RESPONDED
    return _send_reply(case, actor, body, files)


def add_note(case: Case, actor, body: str) -> CaseMessage:
    """An internal note: staff only, never on the family's page, in email or in exports."""
    if not body.strip():
        raise ActionError("Enter the note")
    message = _message(case, actor, body, internal=True)
    audit.record(actor, "case.note_added", case)
    return message


def acknowledge(
    case: Case, actor, body: str | None = None, *, understanding: str | None = None, outcome: str | None = None
) -> None:
    """Acknowledge the case. For a complaint, the message sets out the council's understanding
    of it and of the outcome the family wants (Code 5.2, 6.2), as the caseworker confirmed or
    edited them; without them, the family's own words are restated."""
    _refuse(_acknowledge_refusal(case))
    if case.is_complaint and case.stage:
        case.complaint_understood = (understanding or "").strip() or case.what_happened
        case.outcome_understood = (outcome or "").strip() or case.outcome_wanted
    due = clocks.acknowledge(case, actor) if case.stage else None
    if case.stage is None:
        case.acknowledged_at = utcnow()
    case.status = ACKNOWLEDGED
    audit.record(actor, "case.acknowledged", case)
    text = body.strip() if body and body.strip() else default_acknowledgement(case, actor, due)
    if case.is_complaint and case.stage:
        text = _family_text("understanding", letter=text, case=case, procedure=procedures.procedure_of(case))
    _message(case, actor, text)
    _email_family(case, f"We are looking into {case.reference}", text)


def default_acknowledgement(case: Case, actor, due: date | None) -> str:
    return _family_text("acknowledgement", case=case, actor=actor, due=due)


def draft_acknowledgement(case: Case, actor) -> str:
    """The acknowledgement offered for the caseworker to check, with the date the response
    would be due if it were sent today."""
    return default_acknowledgement(case, actor, clocks.response_due(case) if case.stage else None)


def request_information(case: Case, actor, body: str) -> CaseMessage:
    _refuse(_request_information_refusal(case))
    if not body.strip():
        raise ActionError("Enter what you need from the family")
    message = _send_reply(case, actor, body)
    case.status = AWAITING_FAMILY
    audit.record(actor, "case.information_requested", case)
    return message


def extend(case: Case, actor, working_days: int, reason: str) -> date:
    """Extend the response deadline (clocks.extend has the Code's rules); the family is told
    the new date and why, with the Ombudsman's details."""
    beyond = clocks.beyond_code_limit(case, working_days) if clocks.can_extend(case) else False
    due = clocks.extend(case, working_days, reason, actor)
    text = _family_text("extension", reason=reason.strip(), due=due)
    _message(case, actor, text)
    audit.record(actor, "case.extended", case, working_days=working_days, beyond_code_limit=beyond)
    _email_family(case, f"We need more time: {case.reference}", text)
    return due


class RemedyRow(NamedTuple):
    """One remedy as the caseworker typed it on the outcome page; blank fields are empty.
    ``due_on_typed``: something was typed in the date boxes; ``problem``: what the form could
    not read in the row, in words, and ``problem_in`` the part it is about ("kind",
    "description" or "due_on"). A plain (kind, description, due_on) tuple will do too."""

    kind: str
    description: str
    due_on: date | None = None
    due_on_typed: bool = False
    problem: str | None = None
    problem_in: str = "kind"


def remedy_field(index: int, part: str) -> str:
    """The outcome form's name for one part of a remedy row ("remedy-0-kind"), where a problem
    with it is shown."""
    return f"remedy-{index}-{part}"


def asks_for_finding(case: Case) -> bool:
    """A complaint's response states a finding (upheld or not) and any remedies; other feedback
    is simply answered."""
    return case.is_complaint


def _remedy_problem(row: RemedyRow) -> tuple[str, str] | None:
    """What is wrong with the row, as (the part it is about, the words). A row with nothing in
    it is not a promise, and is fine."""
    if not row.kind:
        typed = row.description.strip() or row.due_on or row.due_on_typed
        return ("kind", "select what kind of remedy this is") if typed else None
    if not row.description.strip():
        return "description", "say exactly what will be done"
    if row.problem:
        return row.problem_in, row.problem
    if row.kind not in Remedy.KINDS:
        return "kind", "select what kind of remedy this is"
    return None


def _promised(rows: Iterable[RemedyRow | tuple]) -> list[RemedyRow]:
    """The rows that promise something. A promise half filled in is refused, naming its row,
    never silently left out of the response."""
    promised = []
    for index, row in enumerate(RemedyRow(*row) for row in rows):
        found = _remedy_problem(row)
        if found:
            part, problem = found
            raise ActionError(f"Remedy {index + 1}: {problem}", remedy_field(index, part))
        if row.kind:
            promised.append(row._replace(description=row.description.strip()))
    return promised


def _checked_response(
    case: Case, outcome: str | None, summary: str, remedies: Iterable[RemedyRow | tuple]
) -> tuple[str | None, list[RemedyRow]]:
    """The finding and the promises, once the response may be recorded as typed."""
    _refuse(_record_outcome_refusal(case))
    promised = _promised(remedies)
    if not summary.strip():
        raise ActionError("Enter the response to send to the family")
    if not asks_for_finding(case):
        return None, []
    if outcome not in CaseOutcome.LABELS:
        raise ActionError("Select whether the complaint is upheld, partly upheld or not upheld")
    return outcome, promised


def _response_text(
    case: Case, outcome: str | None, summary: str, promised: list[RemedyRow], complaint: str, still_to_do: str
) -> str:
    """The stage response in the Code's parts (6.7): the stage, the complaint as understood, the
    finding and the decision with its reasons, the remedy, anything still to do. The route
    onwards, how to escalate, follows it (_send_reply)."""
    return _family_text(
        "outcome",
        stage=case.stage if asks_for_finding(case) else None,
        complaint=complaint,
        finding=CaseOutcome.LABELS[outcome] if outcome else None,
        summary=summary.strip(),
        remedies=promised,
        remedy_kinds=Remedy.KINDS,
        still_to_do=still_to_do,
    )


def _complaint_as_understood(case: Case, complaint: str | None) -> str:
    if not asks_for_finding(case):
        return ""
    return (complaint or "").strip() or case.complaint_understood or case.what_happened


def preview_outcome(
    case: Case,
    *,
    outcome: str | None,
    summary: str,
    remedies: Iterable[RemedyRow | tuple] = (),
    complaint: str | None = None,
    still_to_do: str | None = None,
) -> str:
    """The response exactly as the family would get it, route onwards included; nothing saved."""
    outcome, promised = _checked_response(case, outcome, summary, remedies)
    text = _response_text(
        case, outcome, summary, promised, _complaint_as_understood(case, complaint), (still_to_do or "").strip()
    )
    return f"{text.strip()}\n\n{route_onwards(case)}"


def record_outcome(
    case: Case,
    actor,
    *,
    outcome: str | None,
    summary: str,
    remedies: Iterable[RemedyRow | tuple[str, str, date | None]] = (),
    theme_ids: list[int] = (),
    complaint: str | None = None,
    still_to_do: str | None = None,
) -> CaseOutcome:
    """The stage response: the complaint as understood, the finding (complaints only), what was
    promised and by when, anything still to do, and the learning themes. It goes to the family
    with the route onwards."""
    outcome, promised = _checked_response(case, outcome, summary, remedies)
    complaint = _complaint_as_understood(case, complaint)
    still_to_do = (still_to_do or "").strip()
    record = CaseOutcome(
        case=case,
        stage=(case.stage or STAGE_1) if asks_for_finding(case) else None,
        outcome=outcome,
        summary=summary.strip(),
        still_to_do=still_to_do or None,
        recorded_by_id=actor.id,
    )
    # No finding and no remedies for other feedback, but its learning themes count all the same.
    for row in promised:
        record.remedies.append(Remedy(kind=row.kind, description=row.description, due_on=row.due_on))
    if complaint:
        case.complaint_understood = complaint
    record.themes = (
        db.session.scalars(db.select(LearningTheme).where(LearningTheme.id.in_(list(theme_ids)))).all()
        if theme_ids
        else []
    )
    db.session.add(record)
    case.responded_at = utcnow()
    case.status = RESPONDED
    _send_reply(case, actor, _response_text(case, outcome, summary, promised, complaint, still_to_do), final=True)
    audit.record(actor, "case.outcome_recorded", case, outcome=outcome, stage=case.stage)
    if record.stage is not None:
        # The stage is over: the family is asked, once, how it was handled.
        survey.invite(case, record.stage, actor)
    return record


class AfterClosing(NamedTuple):
    """What the family can still do once the case is closed, for the caseworker to confirm."""

    unanswered: bool  # no response has been recorded at this stage
    next_stage_until: date | None  # the last day to ask for the next stage from the case page
    ombudsman: bool  # the procedure is over: the Ombudsman is next


def after_closing(case: Case) -> AfterClosing:
    unanswered = case.responded_at is None
    in_procedure = bool(case.is_complaint and case.stage and case.not_complaint_reason is None)
    last = in_procedure and case.stage >= procedures.procedure_of(case).last_stage
    until = None
    if in_procedure and not last:
        until = next_stage_ask_by(case, stage_ended_on(case) or london_today())
    return AfterClosing(unanswered, until, last)


def close(case: Case, actor) -> None:
    _refuse(_close_refusal(case))
    case.status = CLOSED
    case.closed_at = utcnow()
    audit.record(actor, "case.closed", case)


def reopen(case: Case, actor, reason: str) -> None:
    _refuse(_reopen_refusal(case))
    if not reason.strip():
        raise ActionError("Enter why the case is being reopened")
    case.status = ACKNOWLEDGED if case.acknowledged_at else RECEIVED
    case.closed_at = None
    add_note(case, actor, f"Reopened: {reason.strip()}")
    audit.record(actor, "case.reopened", case)


def transfer(case: Case, actor, *, caseworker=None, team=None, reason: str) -> None:
    """To ``caseworker``, or with none to ``team``'s queue (routing.assign keeps the rules on who
    may take it and says which team the case ends up in)."""
    _refuse(_transfer_refusal(case))
    if caseworker is None and team is None:
        raise ActionError("Choose a caseworker or a team")
    if not reason.strip():
        raise ActionError("Enter why the case is being transferred")
    try:
        routing.assign(case, caseworker, f"transferred: {reason.strip()}", actor, team=team)
    except routing.AssignmentError as refused:
        raise ActionError(str(refused)) from None


def mark_not_a_complaint(case: Case, actor, reason: str, signposting: str) -> None:
    """Take a complaint out of the procedure (no Code clocks), telling the family where to go."""
    _refuse(_not_a_complaint_refusal(case))
    if reason not in NOT_COMPLAINT_REASONS:
        raise ActionError("Select why this is not a complaint")
    if not signposting.strip():
        raise ActionError("Enter what the family should do instead")
    case.not_complaint_reason = reason
    # Out of the procedure: no stage, no clocks (reopening it does not restart them).
    case.stage = None
    case.acknowledge_by = None
    case.respond_by = None
    text = _family_text("not_a_complaint", reason=reason, signposting=signposting.strip())
    _message(case, actor, text)
    _email_family(case, f"About {case.reference}", text)
    case.status = CLOSED
    case.closed_at = utcnow()
    audit.record(actor, "case.not_a_complaint", case, reason=reason)


# --- following remedies through to the end (Code 6.6) ----------------------------------------


def outstanding_remedies(case: Case) -> list[Remedy]:
    """What was promised on this case and is not done yet, soonest due first."""
    return db.session.scalars(
        db.select(Remedy)
        .join(CaseOutcome, CaseOutcome.id == Remedy.outcome_id)
        .where(CaseOutcome.case_id == case.id, Remedy.done_at.is_(None))
        .order_by(Remedy.due_on.is_(None), Remedy.due_on, Remedy.id)
    ).all()


def remedy_overdue_sql(on: date | None = None):
    """A SQL condition on Case: something promised on it was due before ``on`` and is not done.
    Open or closed: remedies are often due after a case is closed. Read from the date the first
    promise still to do is due (portal.casework.remedy_due), in an index of the cases with one."""
    return Case.remedy_due_on < (london_today() if on is None else on)


def cases_with_remedies_overdue(on: date | None = None):
    """The ids of the cases remedy_overdue_sql selects, as a select (for more conditions) that
    an index of the cases with a promise still to do answers alone: a count can stop early."""
    return db.select(Case.id).where(remedy_overdue_sql(on))


def can_update_remedy(case: Case) -> bool:
    """Something promised is still to do, open or closed (an anonymous family is not told)."""
    return bool(outstanding_remedies(case))


def update_remedy(
    case: Case, actor, remedy_id: int | None, *, done: bool, on: date | None, note: str, new_due_on: date | None
) -> Remedy:
    """Record that a promised remedy was done (on a day, today or before), or that it changed
    (what changed, and any new date). The family is told either way."""
    remedy = next((item for item in outstanding_remedies(case) if item.id == remedy_id), None)
    if remedy is None:
        raise ActionError("Select the remedy to update", "remedy")
    note = (note or "").strip()
    if done:
        if on is None:
            raise ActionError("Enter the date it was done", "on")
        if on > london_today():
            raise ActionError("The date it was done must be today or in the past", "on")
        remedy.done_at = utcnow() if on == london_today() else datetime.combine(on, time(12), tzinfo=LONDON)
        audit.record(actor, "case.remedy_done", case, remedy=remedy.id, done_on=on.isoformat())
    else:
        if not note:
            raise ActionError("Enter what has changed, for the family", "note")
        if new_due_on is not None and new_due_on < london_today():
            raise ActionError("The new date must be today or later", "new_due_on")
        old = remedy.due_on
        remedy.due_on = new_due_on or remedy.due_on
        audit.record(
            actor,
            "case.remedy_changed",
            case,
            remedy=remedy.id,
            old=old.isoformat() if old else None,
            new=remedy.due_on.isoformat() if remedy.due_on else None,
        )
    text = _family_text("remedy_update", remedy=remedy, done=done, on=on, note=note, remedy_kinds=Remedy.KINDS)
    _message(case, actor, text, internal=case.anonymous)
    _email_family(case, f"An update on what we promised: {case.reference}", text)
    return remedy


# --- the procedure a complaint follows -------------------------------------------------------


def can_change_procedure(case: Case) -> bool:
    return bool(case.is_complaint and case.stage and case.is_open and case.not_complaint_reason is None)


def change_procedure(case: Case, actor, procedure: str, reason: str) -> None:
    """Move an open complaint to another procedure (a manager's decision, with the reason): its
    current stage's deadlines are set again by the new rules, and the family is told."""
    if getattr(actor, "role", None) != roles.MANAGER:
        raise ActionError("Only a manager can change the procedure a complaint follows")
    _refuse(None if can_change_procedure(case) else "Only an open complaint can change procedure")
    if procedure not in procedures.PROCEDURES:
        raise ActionError("Select a complaints procedure", "procedure")
    if procedure == (case.procedure or procedures.CODE):
        raise ActionError("The complaint already follows that procedure", "procedure")
    if not reason.strip():
        raise ActionError("Enter why the complaint should follow this procedure", "reason")
    old = case.procedure
    case.procedure = procedure
    chosen = procedures.procedure_of(case)
    case.stage = min(case.stage, chosen.last_stage)
    clocks.apply_procedure(case, actor, f"Now follows the {chosen.name}: {reason.strip()}")
    audit.record(actor, "case.procedure_changed", case, old=old, new=procedure)
    add_note(case, actor, f"Procedure changed to the {chosen.name}: {reason.strip()}")
    text = _family_text("procedure_changed", case=case, procedure=chosen, stage=chosen.stage(case.stage))
    _message(case, actor, text)
    _email_family(case, f"How we will handle your complaint: {case.reference}", text)


# --- reasonable adjustments (Code 5.6) -------------------------------------------------------


def adjustment_to_arrange_sql():
    """A SQL condition on Case: open, with an interpreter or easy read still to arrange."""
    # From the support still to arrange (a partial index of it), not a look-up for every open case.
    return sa.and_(Case.is_open, Case.id.in_(db.select(Adjustment.case_id).where(*Adjustment.to_arrange())))


def record_adjustment(
    case: Case,
    actor,
    adjustment_id: int | None,
    *,
    kind: str | None,
    detail: str | None,
    status: str,
    reason: str | None,
    review_on: date | None,
) -> Adjustment:
    """Add support the family asked for (``adjustment_id`` None), or update one: arranged, or
    not possible with the reason, which the family is told, and when to look at it again."""
    if adjustment_id is None:
        if kind not in Adjustment.KINDS:
            raise ActionError("Select what kind of support it is", "kind")
        adjustment = Adjustment(case=case, kind=kind, status=Adjustment.REQUESTED)
        db.session.add(adjustment)
    else:
        adjustment = next((item for item in case.adjustments if item.id == adjustment_id), None)
        if adjustment is None:
            raise ActionError("Select the support to update", "which")
    if status not in Adjustment.STATUSES:
        raise ActionError("Select whether it is asked for, arranged or not possible", "status")
    reason = (reason or "").strip()
    if status == Adjustment.NOT_POSSIBLE and not reason:
        raise ActionError("Enter why it is not possible, for the family", "reason")
    if review_on is not None and review_on < london_today():
        raise ActionError("The review date must be today or later", "review_on")
    changed_status = adjustment.status != status
    adjustment.detail = (detail or "").strip() or adjustment.detail
    adjustment.status = status
    adjustment.reason = reason if status == Adjustment.NOT_POSSIBLE else None
    adjustment.review_on = review_on
    db.session.flush()
    audit.record(actor, "case.adjustment_recorded", case, kind=adjustment.kind, status=status)
    if changed_status and status != Adjustment.REQUESTED and not case.anonymous:
        text = _family_text("adjustment", adjustment=adjustment)
        _message(case, actor, text)
        _email_family(case, f"The support you asked for: {case.reference}", text)
    return adjustment


# --- messages Notify could not deliver -------------------------------------------------------


def messages_to_family(case: Case) -> list[OutboxMessage]:
    """The case's messages to the family, oldest first, with how each went; never their bodies."""
    return db.session.scalars(
        db.select(OutboxMessage)
        .options(defer(OutboxMessage.body, raiseload=True))
        .where(OutboxMessage.case_id == case.id)
        .order_by(OutboxMessage.id)
    ).all()


def _undelivered(case_id):
    return db.select(OutboxMessage.id).where(OutboxMessage.case_id == case_id, *OutboxMessage.to_follow_up())


def undelivered_sql():
    """A SQL condition on Case: open, with a message Notify could never deliver that no one
    has followed up: a task to reach the family another way."""
    # From the messages not yet followed up (a partial index of them), not a look-up for every open case.
    return sa.and_(Case.is_open, Case.id.in_(db.select(OutboxMessage.case_id).where(*OutboxMessage.to_follow_up())))


def has_undelivered(case: Case) -> bool:
    return case.is_open and db.session.scalar(_undelivered(case.id).limit(1)) is not None


def record_reached_another_way(case: Case, actor, how: str) -> None:
    """The caseworker reached the family another way: the task is done, and how is noted."""
    if not how.strip():
        raise ActionError("Enter how you reached the family", "body")
    now = utcnow()
    for message in db.session.scalars(
        db.select(OutboxMessage).options(defer(OutboxMessage.body)).where(OutboxMessage.id.in_(_undelivered(case.id)))
    ):
        message.followed_up_at = now
    add_note(case, actor, f"Reached the family another way after a message could not be delivered: {how.strip()}")


# --- a complaint about a member of staff (Code 5.4) ------------------------------------------


def mark_about_staff(case: Case, actor, person, reason: str) -> None:
    """The complaint is about ``person``: from now on they cannot see it or be given it, and if
    they have it, it goes to someone else by the routing rules."""
    _refuse(_about_staff_refusal(case))
    if person is None or person.role not in (roles.CASEWORKER, roles.MANAGER):
        raise ActionError("Select the member of staff the complaint is about", "person")
    if not reason.strip():
        raise ActionError("Enter what the complaint says about them", "reason")
    case.about_staff_id = person.id
    audit.record(actor, "case.about_staff", case, person=person.id)
    add_note(case, actor, f"This complaint is about {person.name}: {reason.strip()}")
    if case.caseworker_id == person.id:
        case.caseworker = None
        routing.route(case, actor)


# --- complaints made late (Code 2.2) -------------------------------------------------------


def made_late(case: Case) -> bool:
    """A complaint received more than 12 months after the family first knew of the problem."""
    if not (case.is_complaint and case.problem_known_on):
        return False
    received = case.received_at.astimezone(LONDON).date()
    return case.problem_known_on < add_months(received, -LATE_COMPLAINT_MONTHS)


def late_decision_needed(case: Case) -> bool:
    """Flagged for a decision: a late complaint nobody has yet accepted or refused."""
    return can_decide_late_complaint(case)


def decide_late_complaint(case: Case, actor, *, accept: bool, reason: str) -> None:
    """Take a late complaint on, with the good reason for it; or refuse it, telling the family
    why and that they can ask the Ombudsman to look at the decision."""
    _refuse(_late_decision_refusal(case))
    if not reason.strip():
        raise ActionError("Enter the reason for the decision")
    if accept:
        case.late_decision = LATE_ACCEPTED
        case.late_decision_reason = reason.strip()
        audit.record(actor, "case.late_accepted", case)
        add_note(case, actor, f"Taken on although made late: {reason.strip()}")
        return
    mark_not_a_complaint(case, actor, OUT_OF_TIME, reason)
    case.late_decision = LATE_REFUSED
    case.late_decision_reason = reason.strip()


# --- stage 2 requests made to staff ---------------------------------------------------------

can_log_next_stage_request = feedback.can_log_next_stage_request


def log_next_stage_request(case: Case, actor, *, requested_on: date, channel: str, what_they_said: str) -> None:
    """Record a request for the next stage the family made by phone, email, letter or in person."""
    _refuse(None if can_log_next_stage_request(case) else "This complaint cannot go to its next stage now")
    received = case.received_at.astimezone(LONDON).date()
    if requested_on > london_today():
        raise ActionError("The date the family asked must be today or in the past", "requested_on")
    if requested_on < received:
        raise ActionError(
            f"The date the family asked must be on or after the day the complaint arrived, {received:%-d %B %Y}",
            "requested_on",
        )
    ended = stage_ended_on(case)
    if ended is not None and requested_on < ended:
        raise ActionError(
            f"The date the family asked must be on or after the stage {case.stage} response, {ended:%-d %B %Y}",
            "requested_on",
        )
    feedback.log_next_stage_request(
        case, actor, requested_on=requested_on, channel=channel, what_they_said=what_they_said
    )


def ombudsman_referral(case: Case) -> OmbudsmanReferral | None:
    return db.session.scalar(db.select(OmbudsmanReferral).where(OmbudsmanReferral.case_id == case.id))


def record_ombudsman(case: Case, actor, notified_on: date, decision: str) -> OmbudsmanReferral:
    """Record that the family went to the Ombudsman, or what the Ombudsman decided since."""
    _refuse(_ombudsman_refusal(case))
    if decision not in OmbudsmanReferral.DECISIONS:
        raise ActionError("Select what the Ombudsman has decided")
    if notified_on > london_today():
        raise ActionError("The date the council heard of it must be today or in the past")
    referral = ombudsman_referral(case)
    if referral is None:
        referral = OmbudsmanReferral(case=case, notified_on=notified_on, decision=decision)
        db.session.add(referral)
    old = referral.decision if referral.id else None
    referral.notified_on = notified_on
    referral.decision = decision
    referral.recorded_by_id = getattr(actor, "id", None)
    audit.record(actor, "case.ombudsman_recorded", case, old=old, new=decision)
    return referral


# --- response templates --------------------------------------------------------------------

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill_template(template: ResponseTemplate, case: Case, actor) -> str:
    """The template's text with {family_name}, {reference}, {acknowledge_by}, {respond_by},
    {caseworker_name} and {child_name} filled in; anything else in braces is left as typed."""
    values = {
        "family_name": case.contact_name or "there",
        "reference": case.reference,
        "acknowledge_by": f"{case.acknowledge_by:%-d %B %Y}" if case.acknowledge_by else "",
        "respond_by": f"{case.respond_by:%-d %B %Y}" if case.respond_by else "",
        "caseworker_name": actor.name,
        "child_name": case.child_name or "your child",
    }
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), template.body)
