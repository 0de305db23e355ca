"""Working days: Monday to Friday, except England and Wales bank holidays.

The Complaint Handling Code counts its limits in working days. Bank holidays come from the
``holidays`` package, which computes them from rules (Easter included) and needs no network.
"""

from datetime import date, timedelta
from functools import cache

import holidays


@cache
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.UK(subdiv="ENG", years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself is not counted).

    Something received on a Friday with a limit of 5 working days is due the next Friday.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days after ``start`` up to and including ``end`` (negative if end is earlier)."""
    if end < start:
        return -working_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def add_months(start: date, months: int) -> date:
    """Calendar months later, clamped to the month's last day (31 December + 2 months = 28/29 February)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    for day in range(start.day, 27, -1):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return date(year, month, min(start.day, 28))


def receipt_day(day: date) -> date:
    """The working day something counts as received: itself, or the next working day if it
    arrived at a weekend or on a bank holiday."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day
