"""School terms, the periods "You Said, We Did" and the termly updates are counted in.

Every day belongs to exactly one term, so that nothing goes uncounted:
- autumn: 1 September to 31 December;
- spring: 1 January to Easter Sunday (the spring term ends with the Easter holidays);
- summer: Easter Monday to 31 August (the summer holidays count with the summer term).
A term is written in addresses as "autumn-2026", and its year is the calendar year it is in.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.easter import easter

from portal.core.time import london_midnight

SEASONS = ("spring", "summer", "autumn")  # in calendar order
_SLUG = re.compile(r"^(spring|summer|autumn)-(\d{4})$")


@dataclass(frozen=True, order=True)
class Term:
    year: int
    index: int  # position in SEASONS, so that terms sort in time order

    @property
    def season(self) -> str:
        return SEASONS[self.index]

    @property
    def slug(self) -> str:
        return f"{self.season}-{self.year}"

    @property
    def label(self) -> str:
        return f"{self.season.capitalize()} term {self.year}"

    @property
    def starts_on(self) -> date:
        if self.season == "spring":
            return date(self.year, 1, 1)
        if self.season == "summer":
            return easter(self.year) + timedelta(days=1)
        return date(self.year, 9, 1)

    @property
    def ends_on(self) -> date:
        """The last day of the term (inclusive)."""
        if self.season == "spring":
            return easter(self.year)
        if self.season == "summer":
            return date(self.year, 8, 31)
        return date(self.year, 12, 31)

    @property
    def starts_at(self) -> datetime:
        """Midnight in London on the first day, as UTC: the first moment of the term."""
        return london_midnight(self.starts_on)

    @property
    def ends_at(self) -> datetime:
        """Midnight in London after the last day, as UTC: the first moment after the term
        (and so the first moment of the next)."""
        return london_midnight(self.ends_on + timedelta(days=1))

    def next(self) -> "Term":
        if self.index == len(SEASONS) - 1:
            return Term(self.year + 1, 0)
        return Term(self.year, self.index + 1)

    def previous(self) -> "Term":
        if self.index == 0:
            return Term(self.year - 1, len(SEASONS) - 1)
        return Term(self.year, self.index - 1)

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def __str__(self) -> str:
        return self.label


def term_of(day: date) -> Term:
    for index in range(len(SEASONS)):
        term = Term(day.year, index)
        if term.contains(day):
            return term
    raise AssertionError(f"{day} is in no term")  # the three terms cover every day of a year


def parse_term(slug: str | None) -> Term | None:
    """The term an address names, or None if it names none."""
    match = _SLUG.match(slug or "")
    if not match:
        return None
    year = int(match.group(2))
    if not 2000 <= year <= 2100:
        return None
    return Term(year, SEASONS.index(match.group(1)))


def recent_terms(today: date, count: int) -> list[Term]:
    """The term today is in and the ``count - 1`` before it, newest first."""
    term = term_of(today)
    terms = []
    for _ in range(count):
        terms.append(term)
        term = term.previous()
    return terms
