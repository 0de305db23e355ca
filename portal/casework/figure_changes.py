"""From when a change to a case, or to a row of its history, can have changed the report
figures (portal.core.kept_figures), told apart as the things that happened (``events``: a
complaint received, acknowledged, answered, escalated or closed; an outcome recorded; a deadline
moved; a remedy done; the Ombudsman notified) and what was waiting at the end of a period.

Each column a figure counts by is named here, once, with what a change to it touches:

- What a case is (its kind, category, procedure, stage, and why it was not taken on or where it
  was pointed): every figure it is counted in, so every date it holds and its history's.
- The dates of what happened to it: the figures of the days the change moved, before and after.
- Its deadlines: whether what they judge (an acknowledgement, a response) was on time, at the
  day it happened; and what was waiting past them at the end of every period since the stage
  began.

- Whether it is closed (its status), read for what is waiting now: the present.

A change to any other column (who the caseworker is, the family's contact details) changes no
figure. A figure that comes to count by another column adds it here.

A case still open is counted as waiting in every period from its arrival on, so a change to
what it is touches every period from then, and never before.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.casework.models import CaseOutcome, DeadlineChange, OmbudsmanReferral, Remedy
from portal.core.complaint_code import STAGE_1
from portal.core.kept_figures import OldValueUnknown, Touched, instants, moment, values_of
from portal.core.time import utcnow
from portal.feedback.models import Case

# What a case is: a change counts it again everywhere it was counted.
WHAT_IT_IS = frozenset({"kind", "category_id", "procedure", "stage", "not_complaint_reason", "triage_route"})
# When things happened to it.
WHEN = frozenset({"received_at", "acknowledged_at", "responded_at", "escalated_at", "closed_at"})
# Its deadlines, with the dates of what each judges.
DEADLINES = {
    "acknowledge_by": ("acknowledged_at",),
    "respond_by": ("responded_at", "closed_at"),
    "extension_used": ("responded_at",),
}
# Read as "not closed", for what is waiting now: a change to it touches the present.
NOW_ONLY = frozenset({"status"})
COUNTED = WHAT_IT_IS | WHEN | DEADLINES.keys() | NOW_ONLY


def of_case(session: Session, case: Case) -> Touched | list[datetime]:
    """What a change to a case touched: for a case written or deleted, or one whose kind,
    category or stage changed, every date it holds and its history's."""
    state = sa.inspect(case)
    changed = _changed_columns(case)
    if not state.has_identity or state.deleted or case in session.deleted or changed & WHAT_IT_IS:
        moments = instants(session, case)
        if case.received_at is None:
            moments.append(utcnow())  # received as it is written
        if state.has_identity:
            moments += _history_of(session, case.id)
        return moments
    events = [value for key in changed & WHEN for value in _moments_of(session, case, key)]
    waiting = []
    for key in changed & DEADLINES.keys():
        events += [value for judged in DEADLINES[key] for value in _moments_of(session, case, judged)]
        waiting += _moments_of(session, case, "escalated_at" if case.stage == 2 else "received_at")
    if changed & NOW_ONLY:
        waiting.append(utcnow())
    return Touched(events=events, waiting=waiting)


def _changed_columns(case: Case) -> set[str]:
    """The columns of ``case`` being changed: a category set through its relationship as well."""
    state = sa.inspect(case)
    changed = {
        attribute.key for attribute in state.mapper.column_attrs if state.attrs[attribute.key].history.has_changes()
    }
    if state.attrs["category"].history.has_changes():
        changed.add("category_id")
    return changed


def _moments_of(session: Session, row, key: str) -> list[datetime]:
    return [moment(value) for value in values_of(session, row, key) if value is not None]


def of_case_row(session: Session, row: CaseOutcome | Remedy | DeadlineChange | OmbudsmanReferral) -> Touched:
    """A row of a case's history, counted by its own dates: an outcome when it was recorded, a
    remedy as promised with its outcome and as done when it was done, a deadline change when it
    was made, a referral when the council heard of it. Stage 1 of an escalated complaint is read
    from its history, and what was waiting then from the case's arrival."""
    if isinstance(row, Remedy):
        outcome = _parent(session, row, "outcome", "outcome_id", CaseOutcome)
        events = _moments_of(session, row, "done_at")
        if _written_or_deleted(session, row) or sa.inspect(row).attrs["kind"].history.has_changes():
            events.append(outcome.recorded_at or utcnow())
        case = _parent(session, outcome, "case", "case_id", Case)
        return Touched(events=events, waiting=[case.received_at or utcnow()])
    case = _parent(session, row, "case", "case_id", Case)
    if isinstance(row, DeadlineChange):
        events = _moments_of(session, row, "changed_at")
        if row.stage == STAGE_1 and case.stage != STAGE_1:
            events.append(case.received_at or utcnow())
        return Touched(events=events, waiting=[case.received_at or utcnow()])
    return Touched(events=instants(session, row), waiting=[case.received_at or utcnow()])


def _written_or_deleted(session: Session, row) -> bool:
    return not sa.inspect(row).has_identity or row in session.deleted


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
