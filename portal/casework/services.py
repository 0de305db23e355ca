"""What a caseworker does to a case. Plain functions: each records what happened in the audit
log, writes any email to the family through the outbox, and leaves the commit to the caller."""

import re
from datetime import date

from portal.casework import clocks, routing
from portal.casework.models import CaseOutcome, OmbudsmanReferral, Remedy, ResponseTemplate
from portal.core import audit
from portal.core.files import CheckedFile
from portal.core.links import public_url
from portal.core.models import LearningTheme
from portal.core.rules import RuleError
from portal.core.time import london_today, utcnow
from portal.extensions import db
from portal.feedback.models import ACKNOWLEDGED, AWAITING_FAMILY, CLOSED, RECEIVED, RESPONDED, Case, CaseMessage
from portal.feedback.services import add_attachment
from portal.notifications.services import queue_email

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
}

OMBUDSMAN = (
    "The Local Government and Social Care Ombudsman looks at complaints about councils for free. "
    "Website: www.lgo.org.uk. Telephone: 0300 061 0614."
)

NOT_COMPLAINT_REASONS = {
    "service_request": "A request for a service, which we will deal with as a request",
    "other_route": "A matter with its own statutory route, such as an appeal to the SEND Tribunal",
}


class ActionError(RuleError):
    """An action the case's state does not allow, in words for the caseworker."""


def route_onwards(case: Case) -> str:
    """How the family can take it further: every reply ends with this."""
    if case.is_complaint and case.stage == 2:
        return (
            "This is the council's final response. If you are still unhappy, you can ask the "
            f"Ombudsman to look at your complaint. {OMBUDSMAN}"
        )
    if case.is_complaint:
        return (
            "If you are unhappy with our answer, you can ask for your complaint to be looked at again "
            "by someone else (stage 2). You do not need to give a reason: use the link to your case, "
            "or reply to us."
        )
    return "If you are unhappy with how we have dealt with this, you can make a complaint through Together We CAN."


def _message(case: Case, actor, body: str, *, internal: bool = False) -> CaseMessage:
    message = CaseMessage(case=case, author_id=actor.id, body=body.strip(), internal=internal)
    db.session.add(message)
    return message


def _email_family(case: Case, subject: str, body: str) -> None:
    """Send the family the message text itself. Never used for internal notes."""
    if case.contact_email and not case.anonymous:
        queue_email(
            case.contact_email,
            subject,
            "caseworker_reply",
            case=case,
            body=body,
            link=public_url("tracking.track"),
        )


def reply(case: Case, actor, body: str, files: list[CheckedFile] = ()) -> CaseMessage:
    """A reply the family sees on their case page and by email, ending with the route onwards."""
    if not body.strip():
        raise ActionError("Enter your reply")
    text = f"{body.strip()}\n\n{route_onwards(case)}"
    message = _message(case, actor, text)
    for checked in files:
        add_attachment(checked, case=case, message=message, from_family=False)
    audit.record(actor, "case.replied", case)
    _email_family(case, f"A reply about {case.reference}", text)
    return message


def add_note(case: Case, actor, body: str) -> CaseMessage:
    """An internal note: staff only, never on the family's page, in email or in exports."""
    if not body.strip():
        raise ActionError("Enter the note")
    message = _message(case, actor, body, internal=True)
    audit.record(actor, "case.note_added", case)
    return message


def acknowledge(case: Case, actor, body: str | None = None) -> None:
    if not case.is_open:
        raise ActionError("Reopen the case before acknowledging it")
    due = clocks.acknowledge(case, actor) if case.stage else None
    if case.stage is None:
        case.acknowledged_at = utcnow()
    case.status = ACKNOWLEDGED
    audit.record(actor, "case.acknowledged", case)
    text = body.strip() if body and body.strip() else default_acknowledgement(case, actor, due)
    _message(case, actor, text)
    _email_family(case, f"We are looking into {case.reference}", text)


def default_acknowledgement(case: Case, actor, due: date | None) -> str:
    name = case.contact_name or "there"
    lines = [
        f"Dear {name},",
        "",
        f"Thank you for your {case.kind}. I am {actor.name} and I will be your named contact.",
    ]
    if due:
        lines.append(f"We will send you a full response by {due:%-d %B %Y}.")
    lines += ["", actor.name]
    return "\n".join(lines)


def request_information(case: Case, actor, body: str) -> CaseMessage:
    if not body.strip():
        raise ActionError("Enter what you need from the family")
    message = reply(case, actor, body)
    case.status = AWAITING_FAMILY
    audit.record(actor, "case.information_requested", case)
    return message


def extend(case: Case, actor, working_days: int, reason: str) -> date:
    """The stage's one extension; the family is told why, with the Ombudsman's details."""
    due = clocks.extend(case, working_days, reason, actor)
    text = (
        f"We need more time to respond to your complaint properly. {reason.strip()}\n\n"
        f"We will now respond by {due:%-d %B %Y}.\n\n"
        f"If you are unhappy about this delay, you can contact the Ombudsman. {OMBUDSMAN}"
    )
    _message(case, actor, text)
    audit.record(actor, "case.extended", case, working_days=working_days)
    _email_family(case, f"We need more time: {case.reference}", text)
    return due


def record_outcome(
    case: Case,
    actor,
    *,
    outcome: str | None,
    summary: str,
    remedies: list[tuple[str, str, date | None]] = (),
    theme_ids: list[int] = (),
) -> CaseOutcome:
    """The stage response: the finding (complaints only), what was promised and by when,
    and the learning themes. The summary goes to the family with the route onwards."""
    if not summary.strip():
        raise ActionError("Enter the response to send to the family")
    if case.is_complaint:
        if outcome not in CaseOutcome.LABELS:
            raise ActionError("Select whether the complaint is upheld, partly upheld or not upheld")
        record = CaseOutcome(
            case=case, stage=case.stage or 1, outcome=outcome, summary=summary.strip(), recorded_by_id=actor.id
        )
        for kind, description, due_on in remedies:
            if kind not in Remedy.KINDS:
                raise ActionError("Select what kind of remedy this is")
            record.remedies.append(Remedy(kind=kind, description=description.strip(), due_on=due_on))
    else:
        # No finding and no remedies, but the learning themes count as evidence all the same.
        outcome, remedies = None, []
        record = CaseOutcome(case=case, stage=None, outcome=None, summary=summary.strip(), recorded_by_id=actor.id)
    record.themes = (
        db.session.scalars(db.select(LearningTheme).where(LearningTheme.id.in_(list(theme_ids)))).all()
        if theme_ids
        else []
    )
    db.session.add(record)
    case.responded_at = utcnow()
    case.status = RESPONDED
    promised = "".join(
        f"\n- {Remedy.KINDS[kind]}: {description.strip()}" + (f" (by {due_on:%-d %B %Y})" if due_on else "")
        for kind, description, due_on in remedies
    )
    finding = f"Our finding: your complaint is {CaseOutcome.LABELS[outcome].lower()}.\n\n" if outcome else ""
    text = f"{finding}{summary.strip()}" + (f"\n\nWhat we will do:{promised}" if promised else "")
    reply(case, actor, text)
    audit.record(actor, "case.outcome_recorded", case, outcome=outcome, stage=case.stage)
    return record


def close(case: Case, actor) -> None:
    if not case.is_open:
        raise ActionError("This case is already closed")
    case.status = CLOSED
    case.closed_at = utcnow()
    audit.record(actor, "case.closed", case)


def reopen(case: Case, actor, reason: str) -> None:
    if case.is_open:
        raise ActionError("Only a closed case can be reopened")
    if not reason.strip():
        raise ActionError("Enter why the case is being reopened")
    case.status = ACKNOWLEDGED if case.acknowledged_at else RECEIVED
    case.closed_at = None
    add_note(case, actor, f"Reopened: {reason.strip()}")
    audit.record(actor, "case.reopened", case)


def transfer(case: Case, actor, *, caseworker=None, team=None, reason: str) -> None:
    if not reason.strip():
        raise ActionError("Enter why the case is being transferred")
    if caseworker is None and team is None:
        raise ActionError("Choose a caseworker or a team")
    try:
        routing.assign(case, caseworker, f"transferred: {reason.strip()}", actor, team=team)
    except routing.AssignmentError as refused:
        raise ActionError(str(refused)) from None


def mark_not_a_complaint(case: Case, actor, reason: str, signposting: str) -> None:
    """Take a complaint out of the procedure (no Code clocks), telling the family where to go."""
    if not case.is_complaint:
        raise ActionError("Only a complaint can be marked as not a complaint")
    if reason not in NOT_COMPLAINT_REASONS:
        raise ActionError("Select why this is not a complaint")
    if not signposting.strip():
        raise ActionError("Enter what the family should do instead")
    case.not_complaint_reason = reason
    # Out of the procedure: no stage, no clocks (reopening it does not restart them).
    case.stage = None
    case.acknowledge_by = None
    case.respond_by = None
    text = (
        "We have looked at what you sent and it is not something the complaints procedure can deal with. "
        f"{signposting.strip()}"
    )
    _message(case, actor, text)
    _email_family(case, f"About {case.reference}", text)
    case.status = CLOSED
    case.closed_at = utcnow()
    audit.record(actor, "case.not_a_complaint", case, reason=reason)


def may_record_ombudsman(case: Case) -> bool:
    """A complaint that went through the procedure: families go to the Ombudsman after it,
    usually long after the case was closed."""
    return case.is_complaint and case.not_complaint_reason is None


def ombudsman_referral(case: Case) -> OmbudsmanReferral | None:
    return db.session.scalar(db.select(OmbudsmanReferral).where(OmbudsmanReferral.case_id == case.id))


def record_ombudsman(case: Case, actor, notified_on: date, decision: str) -> OmbudsmanReferral:
    """Record that the family went to the Ombudsman, or what the Ombudsman decided since."""
    if not may_record_ombudsman(case):
        raise ActionError("Only a complaint can be referred to the Ombudsman")
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
