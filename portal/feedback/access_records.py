"""A record of who looked at what: every time a member of staff opens a case (its page or one of
its action pages), downloads one of its files or exports it, one AccessRecord says who, when,
which case (and which file) and what. Families looking at their own case are not recorded.

Writing one costs a single INSERT in the request's own transaction: ``record`` leaves the
commit to the caller, and ``record_in_this_request`` commits it once the page has been sent,
for pages that never commit. Managers read a case's log a page at a time (``page_of``); the
family's subject access export reads it whole (``records_of``).
"""

from collections.abc import Iterable

import sqlalchemy as sa
from flask import after_this_request

from portal.accounts import roles
from portal.accounts.models import User
from portal.core.paging import Paged, clamp_page
from portal.extensions import db
from portal.feedback.models import AccessRecord, Attachment, Case

PER_PAGE = 50


def record(user, case: Case, what: str, attachment: Attachment | None = None) -> AccessRecord:
    """Add a record that ``user`` did ``what`` (an AccessRecord kind) to ``case``; the caller
    commits."""
    entry = AccessRecord(
        case_id=case.id,
        user_id=user.id,
        role=user.role,
        what=what,
        attachment_id=attachment.id if attachment is not None else None,
    )
    db.session.add(entry)
    return entry


def record_export(user, case_ids: Iterable[int]) -> None:
    """Record that ``user`` exported these cases: one INSERT however many there are. The caller
    commits."""
    rows = [
        {"case_id": case_id, "user_id": user.id, "role": user.role, "what": AccessRecord.EXPORTED}
        for case_id in dict.fromkeys(case_ids)
    ]
    if rows:
        db.session.execute(sa.insert(AccessRecord), rows)


def record_in_this_request(user, case: Case, what: str, attachment: Attachment | None = None) -> None:
    """``record``, committed once this request's response is ready: a page that only reads (a
    GET) has no commit of its own, and committing before it renders would expire what it has
    loaded and cost its queries again. A response that failed records nothing."""
    record(user, case, what, attachment)

    @after_this_request
    def commit_the_record(response):
        if response.status_code < 400:
            db.session.commit()
        return response


def _select(case_id: int):
    return (
        sa.select(AccessRecord, User.name, Attachment.filename)
        .outerjoin(User, User.id == AccessRecord.user_id)
        .outerjoin(Attachment, Attachment.id == AccessRecord.attachment_id)
        .where(AccessRecord.case_id == case_id)
    )


def page_of(case: Case, page: int = 1) -> Paged:
    """One page of the case's log, newest first; each item a dict as ``records_of`` gives. Two
    queries, however long the log."""
    total = db.session.scalar(sa.select(sa.func.count(AccessRecord.id)).where(AccessRecord.case_id == case.id))
    page = clamp_page(page, total, PER_PAGE)
    rows = db.session.execute(
        _select(case.id)
        .order_by(AccessRecord.occurred_at.desc(), AccessRecord.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return Paged([_plain(*row) for row in rows], total, page, PER_PAGE)


def records_of(case_id: int) -> list[dict]:
    """Every access record of one case, oldest first, in a plain shape for the family's subject
    access export (and anything else that must not depend on the model): one dict per record,

        at             when, a timezone-aware UTC datetime
        user_id        who (None if their account has since been deleted)
        name           their name, or "A former member of staff"
        role           the role they held then ("caseworker"), and role_label its words
        what           "viewed", "downloaded" or "exported", and what_label its words
        attachment_id  for a download, the file's id (None once the file is deleted)
        filename       and its name

    One query."""
    rows = db.session.execute(_select(case_id).order_by(AccessRecord.occurred_at, AccessRecord.id)).all()
    return [_plain(*row) for row in rows]


def _plain(entry: AccessRecord, name: str | None, filename: str | None) -> dict:
    return {
        "at": entry.occurred_at,
        "user_id": entry.user_id,
        "name": name or "A former member of staff",
        "role": entry.role,
        "role_label": roles.LABELS.get(entry.role, entry.role),
        "what": entry.what,
        "what_label": entry.label,
        "attachment_id": entry.attachment_id,
        "filename": filename,
    }
