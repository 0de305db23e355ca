"""Following a case by phone: /track texts a 6-digit one-time code to a family who gives the
phone number on their case, and the code opens the case in the browser that types it, as an
emailed link does. The code is kept only as a keyed hash; it works for CODE_MINUTES, once, and
is spent after MOST_WRONG_TRIES wrong tries; asking again replaces it. Plain functions; the
caller commits."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.core import audit
from portal.core.time import utcnow
from portal.extensions import db
from portal.feedback import access
from portal.feedback.models import Case, CaseAccessCode
from portal.feedback.services import contact_matches, find_case, normalise_reference
from portal.notifications.models import SMS
from portal.notifications.services import queue_email

CODE_DIGITS = 6
CODE_MINUTES = 10
MOST_WRONG_TRIES = 5


def is_phone_number(contact: str | None) -> bool:
    """What /track was given is a phone number rather than an email address."""
    return "@" not in (contact or "")


def normalise_code(code: str | None) -> str:
    """The code as typed, without the spaces or dashes people put in it."""
    return "".join(ch for ch in (code or "") if not ch.isspace() and ch != "-")


def _hash(case_id: int, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{case_id}:{code}".encode(), hashlib.sha256).hexdigest()


def send_case_code(reference: str, phone: str) -> bool:
    """Text a new one-time code to the case's phone number if the reference and the number
    match it, replacing any code sent before. Returns whether one was sent; the caller must
    not reveal it."""
    case = find_case(reference)
    if case is None or not case.contact_phone or not contact_matches(case, phone):
        return False
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = utcnow()
    values = dict(
        case_id=case.id,
        code_hash=_hash(case.id, code),
        created_at=now,
        expires_at=now + timedelta(minutes=CODE_MINUTES),
        wrong_tries=0,
        used_at=None,
    )
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(CaseAccessCode).values(**values)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["case_id"], set_={name: value for name, value in values.items() if name != "case_id"}
        )
    )
    # As with an emailed link: whoever followed the case on another device loses it now.
    access.end_grants(case)
    queue_email(
        case.contact_phone,
        f"Your code for case {case.reference}",
        "case_code",
        channel=SMS,
        case_id=case.id,
        written_for_texts=True,
        case=case,
        code=code,
        minutes=CODE_MINUTES,
    )
    audit.record(None, "case.code_sent", case)
    return True


def use_case_code(reference: str | None, code: str) -> Case | None:
    """The case the code opens, spending the code; None if the reference is unknown, or the
    code wrong, expired, used or spent. A wrong code counts against the case's code, whose
    last allowed wrong try spends it."""
    case = find_case(reference or "") if reference else None
    row = (
        db.session.scalar(db.select(CaseAccessCode).where(CaseAccessCode.case_id == case.id))
        if case is not None
        else None
    )
    given = normalise_code(code)
    if row is None:
        hmac.compare_digest(_hash(0, given), "0" * 64)  # the same work as for a real case
        return None
    live = row.used_at is None and row.wrong_tries < MOST_WRONG_TRIES and row.expires_at > utcnow()
    if not hmac.compare_digest(_hash(case.id, given), row.code_hash):
        if live:
            db.session.execute(
                db.update(CaseAccessCode)
                .where(CaseAccessCode.id == row.id)
                .values(wrong_tries=CaseAccessCode.wrong_tries + 1)
            )
        return None
    if not live:
        return None
    claimed = db.session.execute(
        db.update(CaseAccessCode)
        .where(
            CaseAccessCode.id == row.id,
            CaseAccessCode.used_at.is_(None),
            CaseAccessCode.wrong_tries < MOST_WRONG_TRIES,
        )
        .values(used_at=utcnow())
    )
    return case if claimed.rowcount == 1 else None


def reference_key(reference: str | None) -> str:
    """The form of a reference the code page's throttling counts by."""
    return normalise_reference(reference)[:20]
