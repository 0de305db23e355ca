"""Figures counted over many rows, kept until those rows change: a report read a second time
costs one query however many cases there are.

Domains name the tables their figures are counted from (``watch``). Any change to one of them,
made through the session (objects flushed, or INSERT, UPDATE and DELETE statements it runs),
moves FiguresVersion on in the same transaction as it commits, and every kept figure counted
at an older number is ignored from then on. The number is read before anything is counted, so figures
counted while someone else changed the data are kept at the number before the change: never
taken for the figures after it.

Figures for a period still going on depend on the day as well (what is overdue today), so they
are good only on the London day they were counted, and are kept only when counted as of the
present: every row written since has moved the version on, so nothing newer is left out.
"""

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from portal.core.models import FiguresVersion, KeptFigures
from portal.core.time import utcnow
from portal.extensions import db

T = TypeVar("T")

# How far "now" may be from the clock and still be the present (a request takes time).
NOW = timedelta(minutes=1)
WATCHED: set[str] = set()
_WROTE = "kept_figures.wrote"
_CHANGED = "kept_figures.changed"


def watch(*tables: sa.Table) -> None:
    """Count changes to ``tables`` as changes to the figures (called once by each domain)."""
    WATCHED.update(table.name for table in tables)
    if not sa.event.contains(Session, "before_flush", _objects_changed):
        sa.event.listen(Session, "before_flush", _objects_changed)
        sa.event.listen(Session, "do_orm_execute", _statement_changes)
        sa.event.listen(Session, "after_flush", _remember_writing)
        sa.event.listen(Session, "before_commit", _move_on_if_changed)
        sa.event.listen(Session, "after_transaction_end", _forget_writing)


def _insert_for(bind):
    return postgresql_insert if bind.dialect.name == "postgresql" else sqlite_insert


def _move_on(connection) -> None:
    """Count one more change. The row is made if it is missing (a database emptied by hand):
    with no row to move on, kept figures would never go out of date."""
    table = FiguresVersion.__table__
    statement = _insert_for(connection)(table).values(id=1, number=1)
    connection.execute(
        statement.on_conflict_do_update(index_elements=[table.c.id], set_={"number": table.c.number + 1})
    )


def _watched(instance) -> bool:
    table = getattr(instance, "__table__", None)
    return table is not None and table.name in WATCHED


def _objects_changed(session: Session, flush_context, instances) -> None:
    changed = [*session.new, *session.deleted, *(obj for obj in session.dirty if session.is_modified(obj))]
    if any(_watched(instance) for instance in changed):
        session.info[_CHANGED] = True


def _statement_changes(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and table.name in WATCHED:
        state.session.info[_CHANGED] = True
        state.session.info[_WROTE] = True


def _move_on_if_changed(session: Session) -> None:
    """Move the version on last thing before the commit: its row lock is then held for a
    moment, and never while the transaction waits for a lock on something else."""
    session.flush()
    if session.info.pop(_CHANGED, False):
        _move_on(session.connection())


def _remember_writing(session: Session, flush_context) -> None:
    session.info[_WROTE] = True


def _forget_writing(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)
        session.info.pop(_CHANGED, None)


def _read(name: str, as_of_day: date | None, now: datetime) -> tuple[int, Any]:
    """The current version, and the figures kept under ``name`` if they are still good: one query."""
    good = sa.and_(
        KeptFigures.name == name,
        KeptFigures.version == FiguresVersion.number,
        KeptFigures.as_of_day.is_(None) if as_of_day is None else KeptFigures.as_of_day == as_of_day,
        KeptFigures.counted_at <= now,
    )
    row = db.session.execute(
        sa.select(FiguresVersion.number, KeptFigures.figures)
        .select_from(FiguresVersion)
        .outerjoin(KeptFigures, good)
        .where(FiguresVersion.id == 1)
    ).first()
    if row is None:  # no change counted yet on this database: _move_on makes the row at the first
        return 0, None
    return row.number, row.figures


def _keep(name: str, version: int, figures: Any, as_of_day: date | None, now: datetime) -> None:
    """Keep ``figures`` in a transaction of their own, so that a page that only reads still
    keeps them. Not while the caller's session has changes of its own: a second transaction
    would wait for its locks, and the figures might count what it has not committed."""
    if db.session.info.get(_WROTE) or db.session.new or db.session.dirty or db.session.deleted:
        return
    bind = db.session.get_bind()
    insert = _insert_for(bind)
    values = dict(name=name, version=version, as_of_day=as_of_day, counted_at=now, figures=figures)
    statement = insert(KeptFigures).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[KeptFigures.name],
        set_={column: statement.excluded[column] for column in values if column != "name"},
    )
    with Session(bind=bind, join_transaction_mode="create_savepoint") as keeper:
        keeper.execute(statement)
        keeper.commit()


def counted(
    name: str,
    count: Callable[[], T],
    *,
    as_of_day: date | None,
    now: datetime,
    to_figures: Callable[[T], Any],
    from_figures: Callable[[Any], T],
) -> T:
    """What ``count()`` gives, from the figures kept under ``name`` while they are good, or
    counted now and kept. ``as_of_day`` is None for a period that is over, else today."""
    if as_of_day is not None and abs(utcnow() - now) > NOW:
        # Figures for a period going on are kept as of the present: not for another moment.
        return count()
    version, figures = _read(name, as_of_day, now)
    if figures is not None:
        return from_figures(figures)
    result = count()
    _keep(name, version, to_figures(result), as_of_day, now)
    return result
