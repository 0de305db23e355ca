"""From when a change to a case, or to a row of its history, can have changed the report
figures (portal.core.kept_figures): the earliest of the dates and times it holds, before and
after the change, and of the case it belongs to.

Why the case's own dates are a bound: every figure counts a case in a period it was under way
in, or by a date in its history (received, asked for stage 2, acknowledged, answered, a deadline
moved, an outcome recorded, the Ombudsman notified). A case still open is counted as waiting in
every period from its arrival on, so a change to it touches every period from then: the change
matters from its earliest date onwards, and never before.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.casework.models import CaseOutcome, DeadlineChange, OmbudsmanReferral, Remedy
from portal.core.kept_figures import OldValueUnknown, instants, moment, values_of
from portal.core.time import utcnow
from portal.feedback.models import Case


def of_case(session: Session, case: Case) -> list[datetime]:
    """A case's dates and those of its history in the database (its outcomes, deadline changes
    and Ombudsman referral are counted by their own dates, with the case's kind and procedure)."""
    moments = instants(session, case)
    if case.received_at is None:
        moments.append(utcnow())  # received as it is written
    if sa.inspect(case).has_identity:
        moments += _history_of(session, case.id)
    return moments


def of_case_row(session: Session, row: CaseOutcome | Remedy | DeadlineChange | OmbudsmanReferral) -> list[datetime]:
    """A row of a case's history: its own dates, its outcome's (for a remedy) and its case's."""
    moments = instants(session, row)
    owner = row
    if isinstance(row, Remedy):
        owner = _parent(session, row, "outcome", "outcome_id", CaseOutcome)
        moments.append(owner.recorded_at or utcnow())
    case = _parent(session, owner, "case", "case_id", Case)
    return [*moments, case.received_at or utcnow()]


def _parent(session: Session, row, relationship: str, key: str, model):
    """The row ``row`` belongs to, as set on it or from the database. A row moved to another
    parent may have changed the figures of any period."""
    if len({value for value in values_of(session, row, key) if value is not None}) > 1:
        raise OldValueUnknown(key)
    parent = row.__dict__.get(relationship)
    if parent is None and getattr(row, key) is not None:
        parent = session.get(model, getattr(row, key))
    if parent is None:
        raise OldValueUnknown(key)
    return parent


def _history_of(session: Session, case_id: int) -> list[datetime]:
    """The earliest dates of a case's outcomes, deadline changes and Ombudsman referral: one query."""
    row = session.execute(
        sa.select(
            sa.select(sa.func.min(CaseOutcome.recorded_at)).where(CaseOutcome.case_id == case_id).scalar_subquery(),
            sa.select(sa.func.min(DeadlineChange.changed_at))
            .where(DeadlineChange.case_id == case_id)
            .scalar_subquery(),
            sa.select(sa.func.min(OmbudsmanReferral.notified_on))
            .where(OmbudsmanReferral.case_id == case_id)
            .scalar_subquery(),
        )
    ).one()
    return [moment(value) for value in row if value is not None]
