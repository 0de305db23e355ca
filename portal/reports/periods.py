"""The council's financial year, the period the annual complaints report covers.

The year runs from 1 April to 31 March, in UK time. It is named by the calendar year it starts
in: ``2025`` is 1 April 2025 to 31 March 2026, labelled "April 2025 to March 2026".
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from portal.core.time import london_midnight, london_today

FIRST_YEAR = 2000
_YEAR = re.compile(r"^\d{4}$", re.ASCII)


@dataclass(frozen=True, order=True)
class FinancialYear:
    start_year: int

    @property
    def starts_on(self) -> date:
        return date(self.start_year, 4, 1)

    @property
    def ends_on(self) -> date:
        """The last day of the year (inclusive)."""
        return date(self.start_year + 1, 3, 31)

    @property
    def starts_at(self) -> datetime:
        """Midnight in London on 1 April, as UTC: the first moment of the year."""
        return london_midnight(self.starts_on)

    @property
    def ends_at(self) -> datetime:
        """Midnight in London on the next 1 April, as UTC: the first moment after the year."""
        return london_midnight(self.ends_on + timedelta(days=1))

    @property
    def label(self) -> str:
        return f"April {self.start_year} to March {self.start_year + 1}"

    @property
    def short_label(self) -> str:
        """2025-26, for file names."""
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"

    def previous(self) -> "FinancialYear":
        return FinancialYear(self.start_year - 1)

    def next(self) -> "FinancialYear":
        return FinancialYear(self.start_year + 1)

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


def year_of(day: date) -> FinancialYear:
    return FinancialYear(day.year if day.month >= 4 else day.year - 1)


def current_year(today: date | None = None) -> FinancialYear:
    """The latest year that has started."""
    return year_of(today or london_today())


def parse_year(value: str | None, today: date | None = None) -> tuple[FinancialYear, str | None]:
    """The year asked for in ``?year=``, or the current year with a message saying why the
    value was not used. No value at all is not a mistake: it means the current year."""
    latest = current_year(today)
    if value is None or value.strip() == "":
        return latest, None
    value = value.strip()
    if not _YEAR.match(value) or int(value) < FIRST_YEAR:
        return (
            latest,
            f"There is no report for “{value[:20]}”. Choose a year from the list. This is the report for {latest.label}.",
        )
    year = FinancialYear(int(value))
    if year > latest:
        return latest, f"The year {year.label} has not started yet. This is the report for {latest.label}."
    return year, None


def years_to_offer(earliest: date | None, shown: FinancialYear, today: date | None = None) -> list[FinancialYear]:
    """The years the chooser lists, newest first: from the first year with any feedback (or
    the one shown, if earlier) to the current one."""
    latest = current_year(today)
    first = min(year_of(earliest) if earliest else latest, shown, latest)
    return [FinancialYear(start) for start in range(latest.start_year, first.start_year - 1, -1)]
