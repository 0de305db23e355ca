from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def london_today() -> date:
    """The date it is now in England: deadlines and opening days are London days."""
    return utcnow().astimezone(LONDON).date()


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every database.

    SQLite hands back naive datetimes; this puts the UTC zone back so that
    comparisons with utcnow() work the same on SQLite and PostgreSQL.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use portal.core.time.utcnow()")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


LONDON = ZoneInfo("Europe/London")


def format_date(value: datetime | None) -> str:
    """23 November 2026, in UK time."""
    return f"{value.astimezone(LONDON):%-d %B %Y}" if value else ""


def format_datetime(value: datetime | None) -> str:
    """23 November 2026 at 2:05pm, in UK time."""
    if not value:
        return ""
    local = value.astimezone(LONDON)
    return f"{local:%-d %B %Y} at {local:%-I:%M}{local:%p}".replace("AM", "am").replace("PM", "pm")


def format_day(value) -> str:
    """A calendar date (no time): 23 November 2026."""
    return f"{value:%-d %B %Y}" if value else ""


def london_midnight(day: date) -> datetime:
    """The moment ``day`` begins in London, in UTC (23:00 the day before in summer time)."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(timezone.utc)
