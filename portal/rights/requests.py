"""The rules of requests to see, correct or delete personal data: when each is due, who it is
about, recording it (by the family online or by staff on their behalf), the lists managers
work from, and the decision, each change audited and the family told by email. The caller
commits."""

import calendar
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.accounts import roles
from portal.accounts.models import User
from portal.accounts.services import find_user_by_email, normalise_email
from portal.core import audit
from portal.core.links import public_url
from portal.core.paging import Paged, clamp_page
from portal.core.rules import RuleError
from portal.core.time import london_today, utcnow
from portal.extensions import db
from portal.feedback import access_records
from portal.feedback import services as feedback_services
from portal.feedback.models import ONLINE, Case
from portal.notifications.services import queue_email
from portal.rights import your_data
from portal.rights.models import ASKED_ONLINE, KIND_LABELS, OPEN, OUTCOMES, STAFF_CHANNELS, DataRequest

AUDIT_LABELS = {
    "data_request.received": "Asked about their data",
    "data_request.recorded": "Recorded a request about a family's data",
    "data_request.decided": "Decided a request about a family's data",
    "data_request.exported": "Produced a copy of a family's data",
}

DECIDED_PER_PAGE = 50


def one_month_after(received_on: date) -> date:
    """The day a request received on ``received_on`` must be answered by, as the ICO counts a
    calendar month: the same date next month, or that month's last day when it has no such
    date (31 January is due on 28 February, or the 29th in a leap year)."""
    year, month = divmod(received_on.month, 12)
    year, month = received_on.year + year, month + 1
    return date(year, month, min(received_on.day, calendar.monthrange(year, month)[1]))


# --- whose data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """The person a request is about: an account, or a family without one known by a case and
    the contact details on it."""

    user: User | None
    case: Case | None
    name: str | None
    email: str | None


def subject_of(data_request: DataRequest) -> Subject:
    return Subject(data_request.user, data_request.case, data_request.contact_name, data_request.contact_email)


def find_subject(given: str) -> Subject:
    """The family named by an account's email address or a case reference, as staff typed it;
    RuleError on the ``who`` field if there is none. A case made by an account holder is theirs."""
    given = (given or "").strip()
    if "@" in given:
        user = find_user_by_email(given)
        if user is None or user.role not in roles.SELF_REGISTERED:
            raise RuleError("No family account has this email address. Check it, or give a case reference", "who")
        return Subject(user, None, user.name, user.email)
    case = feedback_services.find_case(feedback_services.normalise_reference(given))
    if case is None:
        raise RuleError("No case has this reference. Check it, or give the email address of an account", "who")
    if case.user is not None:
        return Subject(case.user, case, case.user.name, case.user.email)
    return Subject(None, case, case.contact_name, case.contact_email)


def cases_of(subject: Subject) -> list[Case]:
    """The cases held about the subject, oldest first: an account holder's by the rule their own
    pages use; a family without one, the case they were found by and any other given with the
    same email address."""
    if subject.user is not None:
        found = list(feedback_services.cases_for_parent(subject.user))
        if subject.case is not None and all(case.id != subject.case.id for case in found):
            found.append(subject.case)
    else:
        conditions = [Case.id == subject.case.id] if subject.case is not None else []
        if subject.email:
            conditions.append(Case.contact_email == normalise_email(subject.email))
        found = (
            db.session.scalars(sa.select(Case).options(joinedload(Case.category)).where(sa.or_(*conditions))).all()
            if conditions
            else []
        )
    return sorted(found, key=lambda case: (case.received_at, case.id))


# --- recording a request ---------------------------------------------------------------------


def _new(kind: str, subject: Subject, *, what: str, why: str | None, channel: str, received_on: date, recorded_by):
    data_request = DataRequest(
        kind=kind,
        user_id=subject.user.id if subject.user else None,
        case_id=subject.case.id if subject.case else None,
        contact_name=subject.name,
        contact_email=subject.email,
        what=what.strip(),
        why=(why or "").strip() or None,
        channel=channel,
        received_on=received_on,
        due_on=one_month_after(received_on),
        recorded_by_id=recorded_by.id if recorded_by else None,
    )
    db.session.add(data_request)
    db.session.flush()
    return data_request


def ask(user: User, kind: str, what: str, why: str) -> DataRequest:
    """A signed-in parent or youth member asks online for something to be corrected or deleted."""
    if kind not in ASKED_ONLINE:
        raise ValueError(f"{kind!r} is not asked for online")
    subject = Subject(user, None, user.name, user.email)
    data_request = _new(kind, subject, what=what, why=why, channel=ONLINE, received_on=london_today(), recorded_by=None)
    audit.record(user, "data_request.received", data_request, kind=kind)
    _acknowledge(data_request)
    return data_request


def record(actor: User, *, kind: str, who: str, received_on: date, channel: str, what: str) -> DataRequest:
    """A manager writes down a request the family made another way. Its month runs from the day
    it really arrived. RuleError for an unknown family or a day still to come."""
    if kind not in KIND_LABELS or channel not in STAFF_CHANNELS:
        raise ValueError("unknown kind or channel")
    if received_on > london_today():
        raise RuleError("The date it was received must be today or in the past", "received_on")
    subject = find_subject(who)
    data_request = _new(kind, subject, what=what, why=None, channel=channel, received_on=received_on, recorded_by=actor)
    audit.record(actor, "data_request.recorded", data_request, kind=kind, channel=channel)
    _acknowledge(data_request)
    return data_request


# --- telling the family ----------------------------------------------------------------------


def _email_family(data_request: DataRequest, subject: str, template: str) -> None:
    """Email the family at the address the request holds, if it has one. An account holder is
    given the link to their requests; a family without an account is answered by email."""
    if not data_request.contact_email:
        return
    link = public_url("rights.your_data_page", _anchor="requests") if data_request.user_id else None
    queue_email(data_request.contact_email, subject, template, data_request=data_request, link=link)


def _acknowledge(data_request: DataRequest) -> None:
    _email_family(
        data_request,
        f"We have received your request about your data: {data_request.reference}",
        "data_request_received",
    )


# --- deciding --------------------------------------------------------------------------------


def decide(actor: User, data_request: DataRequest, outcome: str, reason: str) -> None:
    """Record the decision with its reason, and tell the family. RuleError if the request was
    decided already, the decision is not one open to its kind, or no reason is given."""
    if not data_request.is_open:
        raise RuleError("This request has been decided already")
    choices = OUTCOMES[data_request.kind]
    if outcome not in choices:
        raise RuleError("Select what you decided", "outcome")
    if not (reason or "").strip():
        raise RuleError("Enter the reason for the decision", "reason")
    data_request.outcome = outcome
    data_request.status = choices[outcome][1]
    data_request.reason = reason.strip()
    data_request.decided_by_id = actor.id
    data_request.decided_at = utcnow()
    audit.record(actor, "data_request.decided", data_request, outcome=outcome)
    _email_family(
        data_request, f"Our decision on your request about your data: {data_request.reference}", "data_request_decided"
    )


# --- the lists -------------------------------------------------------------------------------


def _with_people():
    return (joinedload(DataRequest.user), joinedload(DataRequest.case))


def open_requests() -> list[DataRequest]:
    """Every open request, the one due first at the top."""
    return db.session.scalars(
        sa.select(DataRequest)
        .options(*_with_people())
        .where(DataRequest.status == OPEN)
        .order_by(DataRequest.due_on, DataRequest.id)
    ).all()


def decided_requests(page: int = 1) -> Paged:
    """Decided requests, the latest decision first, a page at a time."""
    decided = DataRequest.status != OPEN
    total = db.session.scalar(sa.select(sa.func.count(DataRequest.id)).where(decided))
    page = clamp_page(page, total, DECIDED_PER_PAGE)
    rows = db.session.scalars(
        sa.select(DataRequest)
        .options(*_with_people())
        .where(decided)
        .order_by(DataRequest.decided_at.desc(), DataRequest.id.desc())
        .limit(DECIDED_PER_PAGE)
        .offset((page - 1) * DECIDED_PER_PAGE)
    ).all()
    return Paged(rows, total, page, DECIDED_PER_PAGE)


def requests_of(user: User) -> list[DataRequest]:
    """A family's own requests, newest first."""
    return db.session.scalars(
        sa.select(DataRequest).where(DataRequest.user_id == user.id).order_by(DataRequest.id.desc())
    ).all()


def request_of(user: User, request_id: int) -> DataRequest | None:
    """One of the family's own requests; None for anyone else's."""
    return db.session.scalar(sa.select(DataRequest).where(DataRequest.id == request_id, DataRequest.user_id == user.id))


@dataclass(frozen=True)
class Counts:
    open: int
    overdue: int


def counts(today: date | None = None) -> Counts:
    """How many requests are open, and how many of those are past their deadline: one query."""
    today = today or london_today()
    is_open = DataRequest.status == OPEN
    row = db.session.execute(
        sa.select(
            sa.func.count(sa.case((is_open, 1))),
            sa.func.count(sa.case((sa.and_(is_open, DataRequest.due_on < today), 1))),
        )
    ).one()
    return Counts(open=row[0], overdue=row[1])


def days_left(data_request: DataRequest, today: date | None = None) -> int:
    """Days until the deadline: 0 on the day itself, below 0 once it has passed."""
    return (data_request.due_on - (today or london_today())).days


# --- a copy of the family's data, produced by staff --------------------------------------------


def export_for_family(actor: User, data_request: DataRequest) -> bytes:
    """The ZIP the family would download, produced by ``actor`` on their behalf, with internal
    notes included and marked for review. Audited, and put in the access log of every case it
    holds. RuleError if one of the cases is a complaint about ``actor`` (Code 5.4): another
    manager must produce it."""
    subject = subject_of(data_request)
    found = cases_of(subject)
    if any(case.about_staff_id == actor.id for case in found):
        raise RuleError("One of this family's cases is about you, so another manager must produce their data")
    data = your_data.gather_for_review(subject.user, subject.name, subject.email, found, data_request.reference)
    archive = your_data.as_zip(data)
    access_records.record_export(actor, data.case_ids)
    audit.record(actor, "data_request.exported", data_request, cases=data.case_ids)
    return archive
