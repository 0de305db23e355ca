"""Each case's ``remedy_due_on``: when the first promise still to do on it is due, or None.

It is worked out again in the database, in the same flush, for every case whose remedies were
written, done or deleted through the session, so that no code path that records a remedy has to
remember it. Bulk loads that insert remedies by statement call ``refresh`` for their cases.
"""

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.casework.models import CaseOutcome, Remedy
from portal.core.session_events import listen_once
from portal.feedback.models import Case


def earliest_due():
    """SQL: the earliest due date of the promises still to do on the case being updated."""
    return (
        sa.select(sa.func.min(Remedy.due_on))
        .join(CaseOutcome, CaseOutcome.id == Remedy.outcome_id)
        .where(CaseOutcome.case_id == Case.id, Remedy.done_at.is_(None))
        .scalar_subquery()
    )


def refresh(connection, outcome_ids: Iterable[int] = (), case_ids: Iterable[int] = ()) -> None:
    """Work ``remedy_due_on`` out again for the cases of ``outcome_ids`` and ``case_ids``. Run on
    the connection, not through the session: this keeps a copy of the remedies, and is no change
    the kept figures need to hear of."""
    of_outcomes = sa.select(CaseOutcome.case_id).where(CaseOutcome.id.in_(sorted(set(outcome_ids))))
    connection.execute(
        sa.update(Case.__table__)
        .where(sa.or_(Case.id.in_(sorted(set(case_ids))), Case.id.in_(of_outcomes)))
        .values(remedy_due_on=earliest_due())
    )


def _remedies_flushed(session: Session, flush_context) -> None:
    outcome_ids = {
        outcome_id
        for row in (*session.new, *session.dirty, *session.deleted)
        if isinstance(row, Remedy)
        for outcome_id in _outcome_ids(row)
    }
    if outcome_ids:
        refresh(session.connection(), outcome_ids=outcome_ids)


def _outcome_ids(remedy: Remedy) -> set[int]:
    """The outcome a remedy belongs to, and the one it belonged to if it moved."""
    history = sa.inspect(remedy).attrs.outcome_id.history
    ids = {*history.added, *history.unchanged, *history.deleted, remedy.outcome_id}
    outcome = remedy.__dict__.get("outcome")  # as set, never loaded in the middle of a flush
    if outcome is not None and outcome.id is not None:
        ids.add(outcome.id)
    return {outcome_id for outcome_id in ids if outcome_id is not None}


def watch() -> None:
    listen_once({"after_flush": _remedies_flushed})
