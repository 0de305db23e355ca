"""Figures counted over many rows, kept until a change can have altered them: a report read a
second time costs one query however many cases there are.

Domains name the tables their figures are counted from (``watch``), each with a function saying
from when a change to one of its rows can have changed figures: the earliest of the row's dates
and times, before and after the change, and of the rows it belongs to. A change through the
session (objects flushed, or INSERT, UPDATE and DELETE statements it runs) moves FiguresVersion
on in the same transaction as it commits, and logs the change as a FiguresChange with that
moment (``since``; none for a statement, which may have changed any row). An object counts as
changed when its columns, the rows it points to or its watched link tables changed: a message
added to a case is not a change to the case. Figures are kept with the end of the period they
count (``ends_at``) and the number they were counted at: they are good while no change logged
after that number has a ``since`` before their end. So a change to
this year's cases leaves last year's figures in use. The number is read before anything is
counted, so figures counted while someone else changed the data are kept at the number before
the change, and that change is checked against them. Figures found good are marked as checked
up to the current number, and the log keeps only the latest changes: figures kept at a number
older than the log reaches are counted again.

Figures for a period still going on depend on the day as well (what is overdue today), so they
are good only on the London day they were counted, and are kept only when counted as of the
present: every row written since has been logged, so nothing newer is left out.

Some figures count only things that happened (a complaint received, a response sent), and not
what was waiting at the end of the period. A change is logged with a second moment for them,
``events_since``: the earliest such thing it touched. Giving an open complaint a new deadline
changes what was waiting past its deadline at the end of every period since it arrived, but
none of what happened in them; so figures kept ``events_only`` are still good after it.
"""

from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.core.dialects import insert_for
from portal.core.models import FiguresChange, FiguresVersion, KeptFigures
from portal.core.session_events import listen_once
from portal.core.time import london_midnight, utcnow
from portal.extensions import db

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)

# How far "now" may be from the clock and still be the present (a request takes time).
NOW = timedelta(minutes=1)
# The log keeps the latest changes: once in PRUNE_EVERY changes, those more than KEEP_CHANGES
# back go. Figures kept at a number older than the log reaches are counted again.
KEEP_CHANGES = 10_000
PRUNE_EVERY = 1_000
# The events_since of a change that touched no event, only what was waiting: after every period.
NO_EVENTS = datetime(9999, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Touched:
    """The moments a change to a row touched: of things that happened (``events``), and from
    which what was waiting at a period's end changed (``waiting``)."""

    events: list[datetime] = field(default_factory=list)
    waiting: list[datetime] = field(default_factory=list)


# A row's function gives the moments its change touched (none: it changes no figures), all of
# them events unless it says otherwise with Touched; it may raise OldValueUnknown.
Since = Callable[[Session, Any], Iterable[datetime] | Touched]
# table name -> how to tell from when a change to one of its rows matters (None: from any time)
WATCHED: dict[str, Since | None] = {}
_WROTE = "kept_figures.wrote"
# session.info: the earliest moment this transaction's changes touched, and the earliest event
# they touched; None for any moment.
_CHANGED = "kept_figures.changed"


class OldValueUnknown(Exception):
    """A row belongs elsewhere than before (its parent changed): its change may touch any time."""


def watch(*tables: sa.Table, since: Since | None = None) -> None:
    """Count changes to ``tables`` as changes to the figures (called once by each domain).
    ``since(session, row)`` gives the moments a change to a row touched (see ``instants``);
    without it, a change to these tables may have changed the figures of any period."""
    WATCHED.update(dict.fromkeys((table.name for table in tables), since))
    listen_once(
        {
            "before_flush": _objects_changed,
            "do_orm_execute": _statement_changes,
            "after_flush": _remember_writing,
            "before_commit": _move_on_if_changed,
            "after_transaction_end": _forget_writing,
        }
    )


def values_of(session: Session, instance, key: str) -> list[Any]:
    """The value of ``instance``'s column attribute ``key`` as it is, and as the database
    still holds it before the change being flushed."""
    state = sa.inspect(instance)
    history = state.attrs[key].history
    values = [*history.added, *history.unchanged, *history.deleted]
    if state.has_identity and (not values or (history.added and not history.deleted)):
        # Not read before it was set (or not read at all): the database still has the old one.
        column = state.mapper.get_property(key).columns[0]
        identity = zip(state.mapper.primary_key, state.identity, strict=True)
        values.append(session.scalar(sa.select(column).where(*(pk == value for pk, value in identity))))
    return values


def _is_moment(column) -> bool:
    kind = getattr(column.type, "impl", column.type)
    return isinstance(kind, sa.Date | sa.DateTime)


def instants(session: Session, instance) -> list[datetime]:
    """Every date and time in ``instance``'s columns, as it is and as it was before the change
    being flushed (a date as the moment it begins in London)."""
    mapper = sa.inspect(instance).mapper
    keys = [mapper.get_property_by_column(column).key for column in mapper.columns if _is_moment(column)]
    return [moment(value) for key in keys for value in values_of(session, instance, key) if value is not None]


def moment(value: date | datetime) -> datetime:
    """A date or time as a moment: a date as the moment it begins in London."""
    return value if isinstance(value, datetime) else london_midnight(value)


def _move_on(connection, since: datetime | None, events_since: datetime | None) -> None:
    """Count one more change, and log from when it matters. The version row is made if it is
    missing (a database emptied by hand): with no row to move on, figures would never go out
    of date. A number logged twice (the same emptying) matters from any moment."""
    table = FiguresVersion.__table__
    insert = insert_for(connection)
    moved = insert(table).values(id=1, number=1)
    number = connection.execute(
        moved.on_conflict_do_update(index_elements=[table.c.id], set_={"number": table.c.number + 1}).returning(
            table.c.number
        )
    ).scalar_one()
    logged = insert(FiguresChange.__table__).values(number=number, since=since, events_since=events_since)
    connection.execute(
        logged.on_conflict_do_update(index_elements=["number"], set_={"since": None, "events_since": None})
    )
    if number % PRUNE_EVERY == 0:
        connection.execute(sa.delete(FiguresChange).where(FiguresChange.number <= number - KEEP_CHANGES))


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    """The earlier of two moments from which a change matters, where None is any moment."""
    return None if a is None or b is None else min(a, b)


def _note(session: Session, since: datetime | None, events_since: datetime | None) -> None:
    """Remember that this transaction changed what figures count, from ``since`` on, and the
    things that happened from ``events_since`` on."""
    if _CHANGED in session.info:
        noted_since, noted_events = session.info[_CHANGED]
        since, events_since = _earliest(since, noted_since), _earliest(events_since, noted_events)
    session.info[_CHANGED] = (since, events_since)


def _since(session: Session, instance) -> Iterator[tuple[datetime | None, datetime | None]]:
    """The moments from which a change to ``instance`` matters, and its events do (None: any),
    or nothing if it changes no figures."""
    table = getattr(instance, "__table__", None)
    if table is None or table.name not in WATCHED:
        return
    touched = WATCHED[table.name]
    if touched is None:
        yield None, None
        return
    try:
        found = touched(session, instance)
    except OldValueUnknown:
        yield None, None
        return
    if not isinstance(found, Touched):
        found = Touched(events=list(found))
    moments = [*found.events, *found.waiting]
    if moments:
        yield min(moments), min(found.events, default=NO_EVENTS)


def _counted_here_changed(instance) -> bool:
    """Whether a flushed object changed what its row holds: a column, a row it points to, or
    a watched link table. Rows added to its collections (a case's messages) are rows of
    their own, looked at on their own."""
    state = sa.inspect(instance)
    for attribute in state.mapper.column_attrs:
        if state.attrs[attribute.key].history.has_changes():
            return True
    for relationship in state.mapper.relationships:
        counted = relationship.direction is sa.orm.MANYTOONE or (
            relationship.secondary is not None and relationship.secondary.name in WATCHED
        )
        if counted and state.attrs[relationship.key].history.has_changes():
            return True
    return False


def _objects_changed(session: Session, flush_context, instances) -> None:
    changed = [*session.new, *session.deleted, *(obj for obj in session.dirty if _counted_here_changed(obj))]
    for instance in changed:
        for since, events_since in _since(session, instance):
            _note(session, since, events_since)


def _statement_changes(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and table.name in WATCHED:
        # Which rows a statement changed is not known here: it may have changed any period.
        _note(state.session, None, None)
        state.session.info[_WROTE] = True


def _move_on_if_changed(session: Session) -> None:
    """Move the version on last thing before the commit: its row lock is then held for a
    moment, and never while the transaction waits for a lock on something else."""
    session.flush()
    if _CHANGED in session.info:
        _move_on(session.connection(), *session.info.pop(_CHANGED))


def _remember_writing(session: Session, flush_context) -> None:
    session.info[_WROTE] = True


def _forget_writing(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)
        session.info.pop(_CHANGED, None)


@dataclass(frozen=True)
class Kept:
    """Where one part's figures are kept: its ``name``, the end of the period they count (None:
    no end), the day they are as of (None for a period that is over, else today), and whether
    they count only things that happened (not what was waiting at the period's end)."""

    name: str
    ends_at: datetime | None
    as_of_day: date | None
    events_only: bool = False


@dataclass(frozen=True)
class _Found:
    version: int
    figures: Any


def _read(names: list[str], events_only: list[str], now: datetime) -> tuple[int, dict[str, tuple[date | None, _Found]]]:
    """The current version, and the figures kept under ``names`` that no change since has
    touched (its events, for those named in ``events_only``), with the day each is as of and
    the number it was counted at: one query."""
    since = FiguresChange.since
    if events_only:
        since = sa.case((KeptFigures.name.in_(events_only), FiguresChange.events_since), else_=FiguresChange.since)
    touched = sa.exists().where(
        FiguresChange.number > KeptFigures.version,
        sa.or_(since.is_(None), KeptFigures.ends_at.is_(None), since < KeptFigures.ends_at),
    )
    # Every change after the number figures were kept at must still be in the log to check them.
    checkable = KeptFigures.version >= sa.func.coalesce(
        sa.select(sa.func.min(FiguresChange.number)).scalar_subquery() - 1, FiguresVersion.number
    )
    good = sa.and_(KeptFigures.name.in_(names), KeptFigures.counted_at <= now, checkable, ~touched)
    rows = db.session.execute(
        sa.select(
            FiguresVersion.number,
            KeptFigures.name,
            KeptFigures.version,
            KeptFigures.as_of_day,
            KeptFigures.figures,
        )
        .select_from(FiguresVersion)
        .outerjoin(KeptFigures, good)
        .where(FiguresVersion.id == 1)
    ).all()
    if not rows:  # no change counted yet on this database: _move_on makes the row at the first
        return 0, {}
    kept = {row.name: (row.as_of_day, _Found(row.version, row.figures)) for row in rows if row.name is not None}
    return rows[0].number, kept


def _keep(version: int, counted: list[tuple[Kept, Any]], confirmed: dict[str, int], now: datetime) -> None:
    """Keep the ``counted`` figures at ``version``, and mark those ``confirmed`` (name -> the
    number they were kept at) as checked up to ``version``, so the next reading looks through
    fewer changes. In a transaction of their own, so that a page that only reads still keeps
    them. Not while the caller's session has changes of its own: a second transaction would
    wait for its locks, and the figures might count what it has not committed."""
    if not counted and not confirmed:
        return
    if db.session.info.get(_WROTE) or db.session.new or db.session.dirty or db.session.deleted:
        return
    bind = db.session.get_bind()
    with Session(bind=bind, join_transaction_mode="create_savepoint") as keeper:
        if counted:
            statement = insert_for(bind)(KeptFigures).values(
                [
                    dict(
                        name=kept.name,
                        version=version,
                        as_of_day=kept.as_of_day,
                        ends_at=kept.ends_at,
                        counted_at=now,
                        figures=figures,
                    )
                    for kept, figures in counted
                ]
            )
            columns = ("version", "as_of_day", "ends_at", "counted_at", "figures")
            keeper.execute(
                statement.on_conflict_do_update(
                    index_elements=[KeptFigures.name],
                    set_={column: statement.excluded[column] for column in columns},
                )
            )
        if confirmed:
            # Only rows still at the number they were checked at: one kept again meanwhile may
            # have been counted at an older number than ``version``.
            keeper.execute(
                sa.update(KeptFigures)
                .where(sa.tuple_(KeptFigures.name, KeptFigures.version).in_(list(confirmed.items())))
                .values(version=version)
            )
        keeper.commit()


def counted_each(
    parts: dict[K, Kept],
    count: Callable[[list[K]], dict[K, T]],
    *,
    now: datetime,
    to_figures: Callable[[T], Any],
    from_figures: Callable[[Any], T],
) -> dict[K, T]:
    """What ``count(keys)`` gives for each of ``parts``: from the figures kept for it while they
    are good, or counted now (for all the parts missing at once) and kept."""
    present = abs(utcnow() - now) <= NOW
    # Figures for a period going on are kept as of the present: not for another moment.
    keepable = {key: kept for key, kept in parts.items() if kept.as_of_day is None or present}
    names = [kept.name for kept in keepable.values()]
    events_only = [kept.name for kept in keepable.values() if kept.events_only]
    version, found = _read(names, events_only, now) if keepable else (0, {})
    results: dict[K, T] = {}
    confirmed: dict[str, int] = {}
    for key, kept in keepable.items():
        as_of_day, figures = found.get(kept.name, (None, None))
        if figures is not None and as_of_day == kept.as_of_day:
            results[key] = from_figures(figures.figures)
            if figures.version < version:
                confirmed[kept.name] = figures.version
    missing = [key for key in parts if key not in results]
    fresh = count(missing) if missing else {}
    results.update(fresh)
    to_keep = [(keepable[key], to_figures(fresh[key])) for key in missing if key in keepable and key in fresh]
    _keep(version, to_keep, confirmed, now)
    return results


def counted(
    name: str,
    count: Callable[[], T],
    *,
    ends_at: datetime | None,
    as_of_day: date | None,
    now: datetime,
    to_figures: Callable[[T], Any],
    from_figures: Callable[[Any], T],
) -> T:
    """What ``count()`` gives, from the figures kept under ``name`` while they are good, or
    counted now and kept. ``ends_at`` is the end of the period counted; ``as_of_day`` None for
    a period that is over, else today."""
    return counted_each(
        {name: Kept(name, ends_at, as_of_day)},
        lambda _: {name: count()},
        now=now,
        to_figures=to_figures,
        from_figures=from_figures,
    )[name]
