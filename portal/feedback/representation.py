"""Who speaks for whom on a case, and so who is written to, and with what.

The one rule every message about a case follows (``recipients``): the family on their channel;
a young person aged 16 to 25 who wants direct contact, directly; a representative (an advocate,
a SENDIASS adviser, a councillor or MP, a solicitor) only once the family's consent is
recorded, and never after it is withdrawn. Until then a representative, and a parent whose
young person has not agreed that they act for them, get a version with no personal details
of the child: only that the council needs consent before it can share them, and how to give it.
"""

import secrets
from dataclasses import dataclass
from datetime import date

from portal.accounts.services import normalise_email
from portal.core import audit
from portal.core.rules import RuleError
from portal.core.time import london_today, utcnow
from portal.core.wording import render_family_text
from portal.extensions import db
from portal.feedback.models import (
    CONSENT_AWAITED,
    CONSENT_BY_DOCUMENT,
    CONSENT_BY_PHONE,
    CONSENT_GIVEN,
    CONSENT_WITHDRAWN,
    REPRESENTATIVES,
    YOUNG_PERSON,
    Case,
    CaseMessage,
)
from portal.notifications.models import EMAIL

# Why a recipient gets the version without the child's details.
NEEDS_CONSENT = "consent"  # a representative whose authority is not yet recorded
YOUNG_PERSON_DECIDES = "young_person"  # a parent the young person has not agreed may act for them

FAMILY = "family"
REPRESENTATIVE = "representative"
YOUNG_PERSON_DIRECTLY = "young_person"

AUDIT_LABELS = {
    "case.consent_recorded": "Consent for the representative was recorded",
    "case.consent_withdrawn": "The family withdrew the representative's authority",
}


@dataclass(frozen=True)
class Recipient:
    """Someone a message about the case goes to, on which channel and address, and whether it
    may hold the child's personal details (if not, ``withheld_because`` says why)."""

    who: str  # FAMILY, REPRESENTATIVE or YOUNG_PERSON_DIRECTLY
    channel: str
    address: str
    name: str | None
    withheld_because: str | None = None

    @property
    def with_details(self) -> bool:
        return self.withheld_because is None


def needs_consent(case: Case) -> bool:
    """A representative speaks for the family and their consent is not yet recorded."""
    return case.speaker in REPRESENTATIVES and case.consent_state == CONSENT_AWAITED


def parent_may_have_details(case: Case) -> bool:
    """A young person aged 16 to 25 decides whether their parent acts for them (SEND Code 8.13)."""
    return not (case.young_person and case.speaker != YOUNG_PERSON and case.young_person_parent_acts is False)


def recipients(case: Case, family_channel: tuple[str, str] | None) -> list[Recipient]:
    """Everyone a message about the case goes to. ``family_channel`` is how the family (the
    case's contact) is reached, as feedback.services.family_channel decides it."""
    if case.anonymous:
        return []
    found = []
    if family_channel is not None:
        channel, address = family_channel
        withheld = None if parent_may_have_details(case) else YOUNG_PERSON_DECIDES
        found.append(Recipient(FAMILY, channel, address, case.contact_name, withheld))
    if (
        case.young_person
        and case.speaker != YOUNG_PERSON
        and case.young_person_contact_directly
        and case.young_person_email
        and case.young_person_email != case.contact_email
    ):
        found.append(Recipient(YOUNG_PERSON_DIRECTLY, EMAIL, case.young_person_email, None))
    if case.speaker in REPRESENTATIVES and case.representative_email and case.consent_state != CONSENT_WITHDRAWN:
        withheld = None if case.consent_state == CONSENT_GIVEN else NEEDS_CONSENT
        found.append(Recipient(REPRESENTATIVE, EMAIL, case.representative_email, case.representative_name, withheld))
    return found


def writes_for_the_case(case: Case, address: str) -> bool:
    """Whether an email from ``address`` comes from someone the case is written to besides the
    family's contact: the young person themselves, or a representative whose authority has not
    been withdrawn (their signed consent, sent by email, is how it is usually given)."""
    given = normalise_email(address)
    others = []
    if case.young_person and case.young_person_email:
        others.append(case.young_person_email)
    if case.speaker in REPRESENTATIVES and case.representative_email and case.consent_state != CONSENT_WITHDRAWN:
        others.append(case.representative_email)
    return any(secrets.compare_digest(normalise_email(other).encode(), given.encode()) for other in others)


# --- consent ---------------------------------------------------------------------------------


class ConsentError(RuleError):
    """What was asked cannot be done to this case's consent; the message says why."""


def consent_documents(case: Case) -> list:
    return [attachment for attachment in case.attachments if attachment.consent_document]


def files_sent(case: Case) -> list:
    """The files the family or their representative sent, newest first: any may be the signed
    consent (uploaded with the feedback, on the case page, or in an emailed reply)."""
    sent = [a for a in case.attachments if a.from_family and not (a.message is not None and a.message.internal)]
    return sorted(sent, key=lambda attachment: attachment.created_at, reverse=True)


def record_consent(case: Case, actor, *, method: str, given_on: date, document_id: int | None = None) -> None:
    """Staff record the family's consent for their representative: given on a call, or a
    signed document checked and accepted (one already marked, or the file ``document_id``
    names, which is marked now). From now on the representative is sent details."""
    if case.speaker not in REPRESENTATIVES:
        raise ConsentError("Nobody represents the family on this case")
    if case.consent_state == CONSENT_WITHDRAWN:
        raise ConsentError("The family withdrew the representative's authority")
    if method not in (CONSENT_BY_PHONE, CONSENT_BY_DOCUMENT):
        raise ConsentError("Select how consent was given", "method")
    sent = files_sent(case)
    document = next((a for a in sent if a.id == document_id), None) if document_id else None
    if document_id and document is None:
        raise ConsentError("Select a file from the list", "document")
    if method == CONSENT_BY_DOCUMENT and document is None and not consent_documents(case):
        if sent:
            raise ConsentError("Select the file that is the signed consent", "document")
        raise ConsentError(
            "There is no consent document on this case: choose a call, or ask for the document", "method"
        )
    if given_on is None or given_on > london_today():
        raise ConsentError("The date consent was given must be today or in the past", "given_on")
    if method == CONSENT_BY_DOCUMENT and document is not None:
        document.consent_document = True
    case.consent_state = CONSENT_GIVEN
    case.consent_method = method
    case.consent_given_on = given_on
    audit.record(actor, "case.consent_recorded", case, method=method, given_on=given_on.isoformat())


def can_record_consent(case: Case) -> bool:
    return needs_consent(case)


def can_withdraw(case: Case) -> bool:
    return case.speaker in REPRESENTATIVES and case.consent_state in (CONSENT_AWAITED, CONSENT_GIVEN)


def withdraw_consent(case: Case, user=None) -> None:
    """The family ends their representative's authority: the representative is sent nothing more."""
    if not can_withdraw(case):
        raise ConsentError("There is no representative's authority to withdraw")
    case.consent_state = CONSENT_WITHDRAWN
    case.consent_withdrawn_at = utcnow()
    # On the case's history, as the family and staff read it.
    body = render_family_text("feedback/messages/consent_withdrawn.txt", case=case)
    db.session.add(CaseMessage(case=case, body=body, from_family=True))
    audit.record(user if getattr(user, "is_authenticated", False) else None, "case.consent_withdrawn", case)
