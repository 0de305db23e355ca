"""The rules for families' feedback: drafts, submission, references, evidence, following a
case, replies and escalation. Plain functions; the caller commits."""

import secrets
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import undefer

from portal.accounts import roles
from portal.accounts.services import normalise_email
from portal.core import audit, procedures, settings
from portal.core.calendar import add_months, add_working_days
from portal.core.complaint_code import STAGE_1
from portal.core.files import CheckedFile
from portal.core.forms import canonical_text
from portal.core.links import public_url
from portal.core.time import LONDON, london_today, utcnow
from portal.core.wording import render_family_text
from portal.extensions import db
from portal.feedback import access, journey, reply_address, representation, signals
from portal.feedback.models import (
    ACKNOWLEDGED,
    AWAITING_FAMILY,
    CONSENT_AWAITED,
    CONSENT_BY_PHONE,
    CONSENT_GIVEN,
    ESCALATED,
    PARENT,
    RECEIVED,
    REPRESENTATIVES,
    STAFF_CHANNELS,
    YOUNG_PERSON,
    Adjustment,
    Attachment,
    Case,
    CaseAccessToken,
    CaseMessage,
    Category,
    FeedbackDraft,
    FileBlob,
    ReferenceCounter,
)
from portal.notifications.models import EMAIL, LARGE_PRINT_LETTER, LETTER, SMS
from portal.notifications.services import queue_email

MAX_FILES = 5
MEDIATION_MONTHS = 2

# What the audit log calls this module's actions (read by portal.audit_labels).
AUDIT_LABELS = {
    "case.submitted": "Feedback received",
    "case.stage_2_logged": "Staff recorded the family's request for stage 2",
    "case.family_replied": "The family replied",
    "case.escalated": "The family asked for a stage 2 review",
    "case.evidence_added": "The family added evidence",
    "case.link_sent": "A link to the case was emailed to the family",
    "case.code_sent": "A code to open the case was texted to the family",
    "case.learning_updates": "The family's wish to hear about changes was set",
}


# --- drafts --------------------------------------------------------------------------------

DRAFT_HOURS = 24


def find_draft(key: str | None) -> FeedbackDraft | None:
    """The unsent, unexpired draft with this key."""
    if not key:
        return None
    draft = db.session.scalar(db.select(FeedbackDraft).where(FeedbackDraft.key == key))
    if draft is None or draft.updated_at < utcnow() - timedelta(hours=DRAFT_HOURS):
        return None
    return draft


def new_draft(user=None) -> FeedbackDraft:
    draft = FeedbackDraft(key=secrets.token_urlsafe(32), answers={}, user_id=getattr(user, "id", None))
    if user is not None and getattr(user, "is_authenticated", False):
        # A signed-in family need not type their details again.
        draft.answers = {"contact_name": user.name, "contact_email": user.email}
    db.session.add(draft)
    return draft


def purge_drafts() -> int:
    """Delete unsent drafts (and their files) older than a day: they hold a family's details,
    and nobody can reach them any more. Returns how many went. A file already on a case (sent
    with it, or with a reply) is never touched: only deleting the case removes those."""
    cutoff = utcnow() - timedelta(hours=DRAFT_HOURS)
    stale = db.select(FeedbackDraft.id).where(FeedbackDraft.case_id.is_(None), FeedbackDraft.updated_at < cutoff)
    return delete_drafts(stale)


def delete_drafts(drafts) -> int:
    """Delete the drafts whose ids ``drafts`` selects, with the files only they hold; a file
    already sent with a case stays with the case. Returns how many drafts went."""
    # Let go of the draft first, so that deleting it (draft_id cascades) cannot take a case's file.
    db.session.execute(
        db.update(Attachment)
        .where(Attachment.draft_id.in_(drafts), Attachment.case_id.is_not(None))
        .values(draft_id=None)
    )
    blob_ids = db.session.scalars(
        db.delete(Attachment)
        .where(Attachment.draft_id.in_(drafts), Attachment.case_id.is_(None))
        .returning(Attachment.blob_id)
    ).all()
    if blob_ids:
        db.session.execute(db.delete(FileBlob).where(FileBlob.id.in_(blob_ids)))
    return db.session.execute(db.delete(FeedbackDraft).where(FeedbackDraft.id.in_(drafts))).rowcount


def save_answers(draft: FeedbackDraft, values: dict) -> None:
    # A new dict, so that SQLAlchemy sees the JSON column change.
    draft.answers = {**(draft.answers or {}), **values}
    draft.updated_at = utcnow()


def mediation_deadline(letter_date: date | None) -> date | None:
    """The last day to contact a mediation adviser: 2 months from the decision letter."""
    return add_months(letter_date, MEDIATION_MONTHS) if letter_date else None


# --- evidence ------------------------------------------------------------------------------


def add_attachment(checked: CheckedFile, *, draft=None, case=None, message=None, from_family=True) -> Attachment:
    attachment = Attachment(
        blob=FileBlob(data=checked.data),
        filename=checked.filename,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        from_family=from_family,
        case=case,
        message=message,
    )
    if draft is not None:
        attachment.draft_id = draft.id
    db.session.add(attachment)
    return attachment


def draft_attachments(draft: FeedbackDraft) -> list[Attachment]:
    return db.session.scalars(
        db.select(Attachment).where(Attachment.draft_id == draft.id).order_by(Attachment.id)
    ).all()


def _hold_until_commit(model, row_id: int) -> None:
    """Lock the row, so that two uploads at once cannot both take the last room (PostgreSQL;
    SQLite has one writer at a time anyway)."""
    db.session.execute(db.select(model.id).where(model.id == row_id).with_for_update())


def draft_files_size(draft: FeedbackDraft) -> int:
    """How many bytes of files the draft holds. Locks the draft until commit."""
    _hold_until_commit(FeedbackDraft, draft.id)
    return db.session.scalar(
        db.select(db.func.coalesce(db.func.sum(Attachment.size), 0)).where(Attachment.draft_id == draft.id)
    )


def _start_of_london_day() -> datetime:
    return datetime.combine(london_today(), datetime.min.time(), tzinfo=LONDON)


def reply_files_size_today(case: Case) -> int:
    """How many bytes of files the family has sent with replies on this case since midnight,
    London time. Locks the case until commit."""
    _hold_until_commit(Case, case.id)
    return db.session.scalar(
        db.select(db.func.coalesce(db.func.sum(Attachment.size), 0)).where(
            Attachment.case_id == case.id,
            Attachment.message_id.is_not(None),
            Attachment.from_family.is_(True),
            Attachment.created_at >= _start_of_london_day(),
        )
    )


def remove_draft_attachment(draft: FeedbackDraft, attachment_id: int) -> bool:
    attachment = db.session.scalar(
        db.select(Attachment).where(Attachment.id == attachment_id, Attachment.draft_id == draft.id)
    )
    if attachment is None:
        return False
    blob = attachment.blob
    db.session.delete(attachment)
    db.session.delete(blob)
    return True


# --- submission ----------------------------------------------------------------------------


def allocate_reference(year: int) -> str:
    """The next reference for ``year``, like CAN-2026-00042.

    The counter row is created if missing, then incremented by a single UPDATE ... RETURNING.
    On PostgreSQL the row lock held until commit makes concurrent submissions queue; SQLite
    has one writer at a time. A rolled-back submission gives its number back.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(ReferenceCounter).values(year=year, last_number=0).on_conflict_do_nothing(index_elements=["year"])
    )
    number = db.session.execute(
        db.update(ReferenceCounter)
        .where(ReferenceCounter.year == year)
        .values(last_number=ReferenceCounter.last_number + 1)
        .returning(ReferenceCounter.last_number)
    ).scalar_one()
    return f"CAN-{year}-{number:05d}"


def _text(answers: dict, key: str) -> str | None:
    value = answers.get(key)
    return value.strip() or None if isinstance(value, str) else None


def _received_at(day: date) -> datetime:
    """When something received on ``day`` counts as arriving: now if today, else midday that day."""
    if day >= london_today():
        return utcnow()
    return datetime.combine(day, time(12), tzinfo=LONDON)


def _case_from_answers(answers: dict, *, key: str, received_on: date) -> Case:
    """A new case from the feedback journey's answers, whoever typed them. Only answers to
    questions that apply are kept."""
    if journey.first_incomplete(answers) is not None:
        raise ValueError("the answers are not complete")
    complaint = journey.is_complaint(answers)
    reply = journey.wants_reply(answers)
    category = db.session.get(Category, int(answers["category_id"]))
    adjustments = set(answers.get("adjustments") or []) if reply else set()
    letter = (
        answers.get("decision_letter_date") if complaint and answers.get("triage") in journey.TRIBUNAL_ROUTES else None
    )
    known = answers.get("problem_known_on") if complaint else None
    return Case(
        reference=allocate_reference(received_on.year),
        submission_key=key,
        kind=answers["kind"],
        category=category,
        team=category.team if category else None,
        status=RECEIVED,
        stage=STAGE_1 if complaint else None,
        procedure=(category.procedure if category else procedures.CODE) if complaint else None,
        urgent=answers.get("worried") == "yes",
        triage_route=journey.ROUTE_OF_TRIAGE.get(answers.get("triage")) if complaint else None,
        decision_letter_date=date.fromisoformat(letter) if letter else None,
        what_happened=answers["what_happened"].strip(),
        outcome_wanted=_text(answers, "outcome_wanted") if complaint else None,
        problem_known_on=date.fromisoformat(known) if known else None,
        child_name=_text(answers, "child_name"),
        child_year_group=_text(answers, "child_year_group"),
        child_setting=_text(answers, "child_setting"),
        child_has_ehc_plan=_text(answers, "child_has_ehc_plan"),
        anonymous=not reply,
        contact_name=_text(answers, "contact_name") if reply else None,
        contact_email=(_text(answers, "contact_email") or "").lower() or None if reply else None,
        contact_phone=_text(answers, "contact_phone") if reply else None,
        contact_address=_text(answers, "contact_address") if reply else None,
        relationship_to_child=_text(answers, "relationship") if reply else None,
        preferred_contact=_text(answers, "preferred_contact") if reply else None,
        adjustments=_adjustments_asked_for(answers, adjustments),
        received_at=_received_at(received_on),
        **_who_speaks(answers),
    )


def _who_speaks(answers: dict) -> dict:
    """Who is giving the feedback, for whom, and with what consent, as a case keeps it."""
    speaker = answers.get("speaker") or PARENT
    represented = speaker in REPRESENTATIVES
    about_young_person = journey.about_a_young_person(answers)
    direct = answers.get("young_person_direct") == "yes" if about_young_person else None
    return {
        "speaker": speaker,
        "representative_name": _text(answers, "representative_name") if represented else None,
        "representative_organisation": _text(answers, "representative_organisation") if represented else None,
        "representative_email": (_text(answers, "representative_email") or "").lower() or None if represented else None,
        "consent_state": CONSENT_AWAITED if represented else None,
        "young_person": speaker == YOUNG_PERSON or about_young_person,
        "young_person_contact_directly": True if speaker == YOUNG_PERSON else direct,
        "young_person_email": (_text(answers, "young_person_email") or "").lower() or None if direct else None,
        "young_person_parent_acts": answers.get("young_person_parent_acts") == "yes" if about_young_person else None,
    }


# Each support choice in the journey, the kind of adjustment it asks for, and the answer that details it.
ADJUSTMENT_ANSWERS = {
    "easy_read": (Adjustment.EASY_READ, None),
    "large_print": (Adjustment.LARGE_PRINT, None),
    "interpreter": (Adjustment.INTERPRETER, "interpreter_language"),
    "time": (Adjustment.CONTACT, "preferred_time"),
    "advocate": (Adjustment.ADVOCATE, None),
    "other": (Adjustment.OTHER, "other_adjustments"),
}


def _adjustments_asked_for(answers: dict, chosen: set[str]) -> list[Adjustment]:
    """The support the family asked for in the journey (Code 5.6), each waiting to be arranged."""
    asked = []
    for choice, (kind, detail) in ADJUSTMENT_ANSWERS.items():
        if choice in chosen:
            asked.append(Adjustment(kind=kind, detail=_text(answers, detail) if detail else None))
    return asked


def _receive(case: Case, actor, **email) -> None:
    """Record and route a new case, then acknowledge receipt to the family by email. The staff
    side, listening for case_submitted, starts the clocks and routes it before the email is
    written."""
    audit.record(actor, "case.submitted", case, kind=case.kind, channel=case.channel)
    signals.case_submitted.send(case, actor=actor)
    email_family(case, f"We have received your {case.kind}: {case.reference}", "case_received", **email)


def submit(draft: FeedbackDraft, user=None) -> Case:
    """Turn a complete draft into a case, with its reference, evidence and acknowledgement email."""
    case = _case_from_answers(draft.answers, key=draft.key, received_on=london_today())
    if user is not None and getattr(user, "is_authenticated", False) and user.role == roles.PARENT:
        case.user_id = user.id
    db.session.add(case)
    db.session.flush()
    for attachment in draft_attachments(draft):
        attachment.case_id = case.id
        attachment.draft_id = None
    draft.case_id = case.id
    _receive(case, user if getattr(user, "is_authenticated", False) else None)
    return case


def log_case(
    answers: dict,
    *,
    channel: str,
    received_on: date,
    actor,
    files: Iterable[CheckedFile] = (),
    key: str | None = None,
) -> Case:
    """A case staff record for a family who got in touch another way (Code 3.1 to 3.2): by
    phone, letter, email, in person or through a councillor or MP. Its clocks run from the
    day it was really received. A family with an email address is sent the acknowledgement,
    with a link that opens their case, as every email about a case has. ``key`` names where it came from, if the caller has a
    name for it (the demo's planned cases do); otherwise it gets a new one."""
    if channel not in STAFF_CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if received_on > london_today():
        raise ValueError("a case cannot be received in the future")
    # Someone logging a case without saying who spoke is taking it from the parent or carer.
    case = _case_from_answers(
        journey.with_every_page_seen({"speaker": PARENT, **answers}),
        key=key or secrets.token_urlsafe(32),
        received_on=received_on,
    )
    if case.consent_state == CONSENT_AWAITED and answers.get("consent") == "phone":
        # The family gave consent on the call being logged: recorded from it, on its day.
        case.consent_state = CONSENT_GIVEN
        case.consent_method = CONSENT_BY_PHONE
        case.consent_given_on = received_on
    case.channel = channel
    case.logged_by_id = actor.id
    db.session.add(case)
    db.session.flush()
    if case.consent_state == CONSENT_GIVEN:
        audit.record(
            actor, "case.consent_recorded", case, method=CONSENT_BY_PHONE, given_on=case.consent_given_on.isoformat()
        )
    for checked in files:
        add_attachment(checked, case=case, from_family=True)
    _receive(case, actor)
    return case


def case_for_submission(key: str) -> Case | None:
    return db.session.scalar(db.select(Case).where(Case.submission_key == key))


# --- following a case ----------------------------------------------------------------------


def normalise_reference(reference: str | None) -> str:
    """The one form of a reference that lookups and /track's throttling use ("can-2026-00042 "
    with a stray control character or full-width digits is CAN-2026-00042)."""
    return canonical_text(reference).upper()


def find_case(reference: str, with_page_version: bool = False) -> Case | None:
    query = db.select(Case).where(Case.reference == normalise_reference(reference))
    if with_page_version:
        query = query.options(undefer(Case.page_version))
    return db.session.scalar(query)


def _digits(phone: str | None) -> str:
    """A UK phone number's digits as dialled from inside the UK: 07700 900982, +44 7700 900982,
    0044 7700 900982 and +44 (0)7700 900982 are all 07700900982."""
    digits = "".join(ch for ch in canonical_text(phone) if ch in "0123456789")
    if digits.startswith("0044"):
        digits = digits[2:]
    if digits.startswith("44"):
        national = digits[2:]
        return national if national.startswith("0") else "0" + national
    return digits


def contact_matches(case: Case, given: str) -> bool:
    given = (given or "").strip()
    if not given or case.anonymous:
        return False
    if "@" in given:
        return bool(case.contact_email) and secrets.compare_digest(
            case.contact_email.encode(), normalise_email(given).encode()
        )
    return (
        bool(case.contact_phone)
        and len(_digits(given)) >= 10
        and secrets.compare_digest(_digits(case.contact_phone), _digits(given))
    )


LINK_HOURS = 24


def send_case_link(reference: str, contact: str) -> bool:
    """Email a single-use link to the case if the reference and contact details match.
    Returns whether a link was sent; the caller must not reveal it."""
    case = find_case(reference)
    if case is None or not contact_matches(case, contact) or not case.contact_email:
        return False
    # Whoever followed an older link (a shared or stolen device) loses the case now.
    access.end_grants(case)
    email_family(case, f"Your link to case {case.reference}", "case_link", hours=LINK_HOURS, family_only=True)
    audit.record(None, "case.link_sent", case)
    return True


def wants_letters(case: Case) -> bool:
    """The family asked for large print (and it is not refused): they get letters."""
    return any(
        item.kind == Adjustment.LARGE_PRINT and item.status != Adjustment.NOT_POSSIBLE for item in case.adjustments
    )


def postal_address(case: Case) -> str:
    """The case's address one part a line, with no blank lines: as a letter's address block wants it."""
    return "\n".join(line.strip() for line in (case.contact_address or "").splitlines() if line.strip())


def family_channel(case: Case) -> tuple[str, str] | None:
    """How to reach the family, and at what address: None if they cannot be written to.

    Only GOV.UK Notify sends texts and letters, so without it everything is email. With it, a
    family who asked for large print gets a letter (if the case has their postal address),
    one who chose post a letter, and one who chose phone, or gave only a phone number, a text
    with a link to the case."""
    if case.anonymous:
        return None
    if current_app.config.get("NOTIFY_API_KEY"):
        address = postal_address(case)
        if wants_letters(case) and address:
            return LARGE_PRINT_LETTER, address
        if case.preferred_contact == "post" and address:
            return LETTER, address
        if case.contact_phone and (case.preferred_contact == "phone" or not case.contact_email):
            return SMS, case.contact_phone
    if case.contact_email:
        return EMAIL, case.contact_email
    return None


def email_family(
    case: Case, subject: str, template: str, *, hours: int | None = None, family_only: bool = False, **context
) -> None:
    """Write about the case to everyone the case says should hear (representation.recipients):
    the family on their channel (family_channel), a young person who asked to be contacted
    directly, and their representative. Each message that may hold the child's details carries
    its own single-use link that opens the case in one tap, for ``hours``
    (CASE_EMAIL_LINK_HOURS by default); anyone who may not yet have them (a representative
    without the family's consent) is sent instead a message with no details and no link,
    saying how to give consent. ``family_only`` writes to the family alone, as a link asked
    for at /track is. An email comes from the case's team mailbox when the team has one
    (MAIL_REPLY_ADDRESS otherwise), plus-addressed with a token naming the case
    (reply_address), so that a reply lands in the case (inbound_mail)."""
    people = representation.recipients(case, family_channel(case))
    if family_only:
        people = [person for person in people if person.who == representation.FAMILY]
    if not people:
        return
    if case.id is None:
        db.session.flush()  # the message records which case it is about
    hours = hours or current_app.config["CASE_EMAIL_LINK_HOURS"]
    team = case.team
    for person in people:
        reply_to = (
            reply_address.address_for(team.mailbox if team else None, case.id) if person.channel == EMAIL else None
        )
        if not person.with_details:
            queue_email(
                person.address,
                f"We need consent before we can share details: {case.reference}",
                "consent_needed",
                channel=person.channel,
                case_id=case.id,
                reply_to=reply_to,
                case=case,
                recipient_name=person.name,
                withheld_because=person.withheld_because,
                team=team,
            )
            continue
        queue_email(
            person.address,
            subject,
            template,
            channel=person.channel,
            case_id=case.id,
            reply_to=reply_to,
            case=case,
            recipient_name=person.name,
            link=_new_case_link(case, hours),
            link_expires_at=utcnow() + timedelta(hours=hours),
            track_url=public_url("feedback_tracking.track", reference=case.reference),
            team=team,
            **context,
        )


def _new_case_link(case: Case, hours: int) -> str:
    """A single-use link that opens the case, for ``hours``."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        CaseAccessToken(token_hash=access.hash_secret(token), case=case, expires_at=utcnow() + timedelta(hours=hours))
    )
    return public_url("feedback_tracking.open_case_link", reference=case.reference, token=token)


def find_case_link(token: str) -> CaseAccessToken | None:
    return db.session.scalar(db.select(CaseAccessToken).where(CaseAccessToken.token_hash == access.hash_secret(token)))


def use_case_link(token: str, reference: str | None = None) -> Case | None:
    """The case a link opens, marking the link used; None if unknown, used, expired, or (when
    the link names it) for another case."""
    found = find_case_link(token)
    if found is None or found.used_at is not None or found.expires_at <= utcnow():
        return None
    if reference is not None and found.case.reference != normalise_reference(reference):
        return None
    claimed = db.session.execute(
        db.update(CaseAccessToken)
        .where(CaseAccessToken.id == found.id, CaseAccessToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    return found.case if claimed.rowcount == 1 else None


def family_can_see(case: Case, user, browser_granted: bool) -> bool:
    """Whether this visitor is the family behind the case: through a live grant from an
    emailed link or the submission in this browser (``browser_granted``, see access.py), or
    as the signed-in parent who made it or whose confirmed email it was given with."""
    if browser_granted:
        return True
    if user is None or not getattr(user, "is_authenticated", False) or user.role != roles.PARENT:
        return False
    if case.user_id == user.id:
        return True
    return bool(user.email_confirmed_at and case.contact_email and case.contact_email == user.email)


def cases_for_parent(user) -> list[Case]:
    conditions = [Case.user_id == user.id]
    if user.email_confirmed_at:
        conditions.append(Case.contact_email == user.email)
    return db.session.scalars(
        db.select(Case)
        .options(db.joinedload(Case.category))
        .where(db.or_(*conditions))
        .order_by(Case.received_at.desc(), Case.id.desc())
    ).all()


def public_messages(case: Case) -> list[CaseMessage]:
    """The conversation the family sees: never internal notes."""
    return db.session.scalars(
        db.select(CaseMessage)
        .options(db.selectinload(CaseMessage.attachments), db.joinedload(CaseMessage.author))
        .where(CaseMessage.case_id == case.id, CaseMessage.internal.is_(False))
        .order_by(CaseMessage.id)
    ).all()


def family_attachment(case: Case, attachment_id: int) -> Attachment | None:
    """A file on this case the family may download (theirs, or sent to them in a reply)."""
    attachment = db.session.scalar(
        db.select(Attachment).where(Attachment.id == attachment_id, Attachment.case_id == case.id)
    )
    if attachment is None:
        return None
    if attachment.message is not None and attachment.message.internal:
        return None
    return attachment


def family_reply(case: Case, body: str, files: list[CheckedFile], user=None) -> CaseMessage:
    message = CaseMessage(
        case=case,
        body=body.strip(),
        from_family=True,
        author_id=user.id if getattr(user, "is_authenticated", False) else None,
    )
    db.session.add(message)
    for checked in files:
        add_attachment(checked, case=case, message=message)
    if case.status == AWAITING_FAMILY:
        case.status = ACKNOWLEDGED
    audit.record(
        user if getattr(user, "is_authenticated", False) else None, "case.family_replied", case, files=len(files)
    )
    _tell_caseworker(case, f"{case.reference}: the family has replied")
    return message


def set_learning_updates(case: Case, wanted: bool, user=None) -> None:
    """Record whether the family wants an email when the council publishes a change
    ("You said, we did") that this feedback is evidence for. Needs an email address."""
    if wanted and not case.contact_email:
        raise ValueError("the family gave no email address")
    if case.wants_learning_updates != wanted:
        case.wants_learning_updates = wanted
        audit.record(
            user if getattr(user, "is_authenticated", False) else None, "case.learning_updates", case, new=wanted
        )


# --- asking for the next stage (Code 5.7 to 5.9; Regulations 17 and 19) -----------------------
# Where a complaint stands, as the family's page explains it.
NEXT_NOT_YET = "not_yet"  # the stage is still running, within its limits
NEXT_OPEN = "open"  # answered (or closed): the family can ask, until the window ends
NEXT_LATE = "late"  # no answer by the stage's limit: the family can ask, or go to the Ombudsman
NEXT_WINDOW_PASSED = "window_passed"  # they can still ask, but not from the page


class NextStageRequest(NamedTuple):
    """Whether and how the family can take a complaint to the next stage of its procedure.
    ``until``: the last day they can ask from their case page (NEXT_OPEN, NEXT_WINDOW_PASSED),
    or the day the current stage's response is due (NEXT_NOT_YET). ``stage``: the next stage."""

    state: str
    stage: procedures.Stage
    until: date | None = None

    @property
    def allowed(self) -> bool:
        return self.state in (NEXT_OPEN, NEXT_LATE)


def stage_due(case: Case) -> date | None:
    """The last day for the current stage's response: its deadline once set, otherwise the
    latest it could be, had the acknowledgement come on its last day."""
    if case.respond_by:
        return case.respond_by
    if case.acknowledge_by:
        return add_working_days(case.acknowledge_by, procedures.stage_of(case).respond_days)
    return None


def stage_ended_on(case: Case) -> date | None:
    """The day the current stage ended: its response was sent, or, without one, the case was closed."""
    ended = case.responded_at or case.closed_at
    return ended.astimezone(LONDON).date() if ended else None


def next_stage_ask_by(case: Case, stage_ended: date) -> date:
    """The last day to ask for the next stage from the case page: the working days the
    procedure sets, or else the months administrators set."""
    within = procedures.procedure_of(case).next_stage_within_working_days
    if within is not None:
        return add_working_days(stage_ended, within)
    return add_months(stage_ended, settings.get(settings.STAGE_2_REQUEST_MONTHS))


def next_stage_request(case: Case, on: date | None = None) -> NextStageRequest | None:
    """How the family can take a complaint to its procedure's next stage; None for anything else
    (other feedback, a complaint at its last stage, or one taken out of the procedure)."""
    procedure = procedures.procedure_of(case)
    if not (case.is_complaint and case.stage and case.not_complaint_reason is None):
        return None
    if case.stage >= procedure.last_stage:
        return None
    following = procedure.stage(case.stage + 1)
    today = on or london_today()
    ended = stage_ended_on(case)
    if ended is not None:
        until = next_stage_ask_by(case, ended)
        return NextStageRequest(NEXT_OPEN if today <= until else NEXT_WINDOW_PASSED, following, until)
    due = stage_due(case)
    if due is not None and due < today:
        return NextStageRequest(NEXT_LATE, following)
    return NextStageRequest(NEXT_NOT_YET, following, due)


def final_stage_overdue(case: Case, on: date | None = None) -> bool:
    """The last stage's response is late: the family need not wait to go to the Ombudsman."""
    return bool(
        case.is_complaint
        and case.stage
        and case.stage >= procedures.procedure_of(case).last_stage
        and case.is_open
        and case.responded_at is None
        and case.respond_by
        and case.respond_by < (on or london_today())
    )


def can_escalate(case: Case) -> bool:
    """Once the stage's response is sent, open or closed, for as long as the procedure allows;
    or when the stage ran past its limit with no response. Never before."""
    request = next_stage_request(case)
    return request is not None and request.allowed


def escalate(case: Case, reason: str | None, user=None) -> None:
    """Move a complaint to its next stage at the family's request from their case page,
    reopening it if it was closed. No reason is needed."""
    if not can_escalate(case):
        raise ValueError("this complaint cannot be taken to its next stage from the case page now")
    body = render_family_text(
        "feedback/messages/escalation.txt",
        reason=(reason or "").strip(),
        stage=procedures.procedure_of(case).stage(case.stage + 1),
    )
    actor = user if getattr(user, "is_authenticated", False) else None
    audit.record(actor, "case.escalated", case)
    _move_to_next_stage(case, body, actor, london_today())


def can_log_next_stage_request(case: Case) -> bool:
    """Staff can record a request for the next stage the family made by phone, email or letter
    once the stage has ended or run past its limit, even after the case page's window: the
    council may still accept a late request."""
    request = next_stage_request(case)
    return request is not None and request.state != NEXT_NOT_YET


def log_next_stage_request(case: Case, actor, *, requested_on: date, channel: str, what_they_said: str) -> None:
    """A stage 2 request staff took by phone, email or letter, with the day it was really made:
    the stage 2 clocks run from that day."""
    if not can_log_next_stage_request(case):
        raise ValueError("this complaint cannot be taken to stage 2 now")
    if channel not in STAFF_CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if requested_on > london_today() or requested_on < case.received_at.astimezone(LONDON).date():
        raise ValueError("the request must be dated between the complaint's arrival and today")
    body = render_family_text(
        "feedback/messages/escalation_logged.txt",
        stage=procedures.procedure_of(case).stage(case.stage + 1),
        channel=STAFF_CHANNELS[channel],
        requested_on=requested_on,
        reason=(what_they_said or "").strip(),
    )
    audit.record(actor, "case.stage_2_logged", case, channel=channel, requested_on=requested_on.isoformat())
    _move_to_next_stage(case, body, actor, requested_on)


def _move_to_next_stage(case: Case, body: str, actor, requested_on: date) -> None:
    """The complaint goes to its next stage, reopened if it was closed. The staff side,
    listening for case_escalated, starts the stage's clock from ``requested_on`` and finds a
    new handler."""
    case.stage = case.stage + 1
    case.status = ESCALATED
    case.escalated_at = _received_at(requested_on)
    case.closed_at = None
    case.acknowledged_at = None
    case.responded_at = None
    db.session.add(CaseMessage(case=case, body=body, from_family=True))
    signals.case_escalated.send(case, actor=actor, received=requested_on)
    email_family(case, f"Your stage {case.stage} request: {case.reference}", "case_escalated")
    _tell_caseworker(case, f"{case.reference}: the family has asked for stage {case.stage}")


def _tell_caseworker(case: Case, subject: str) -> None:
    if case.caseworker is not None and case.caseworker.is_active:
        queue_email(case.caseworker.email, subject, "caseworker_update", case=case)
