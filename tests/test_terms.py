"""School terms: every day is in exactly one term, and addresses name terms."""

from datetime import date, datetime, timedelta, timezone

import pytest

from portal.core.terms import Term, parse_term, recent_terms, term_of


def test_every_day_of_a_year_is_in_exactly_one_term():
    day = date(2026, 1, 1)
    while day.year == 2026:
        terms = [Term(2026, index) for index in range(3) if Term(2026, index).contains(day)]
        assert len(terms) == 1, day
        day += timedelta(days=1)


@pytest.mark.parametrize(
    "day, slug",
    [
        (date(2026, 1, 1), "spring-2026"),
        (date(2026, 4, 5), "spring-2026"),  # Easter Sunday 2026 ends the spring term
        (date(2026, 4, 6), "summer-2026"),  # Easter Monday starts the summer term
        (date(2026, 8, 31), "summer-2026"),
        (date(2026, 9, 1), "autumn-2026"),
        (date(2026, 12, 31), "autumn-2026"),
        (date(2027, 3, 28), "spring-2027"),  # Easter Sunday 2027
        (date(2027, 3, 29), "summer-2027"),
    ],
)
def test_term_of_a_day(day, slug):
    assert term_of(day).slug == slug


def test_terms_follow_each_other_across_years():
    autumn = parse_term("autumn-2026")
    assert autumn.label == "Autumn term 2026"
    assert autumn.next().slug == "spring-2027"
    assert autumn.next().previous() == autumn
    assert autumn.next().starts_on == autumn.ends_on + timedelta(days=1)
    assert [t.slug for t in recent_terms(date(2026, 11, 22), 3)] == ["autumn-2026", "summer-2026", "spring-2026"]


@pytest.mark.parametrize("slug", ["", "winter-2026", "autumn-26", "autumn-2026x", "AUTUMN-2026", "autumn-9999", None])
def test_addresses_that_name_no_term(slug):
    assert parse_term(slug) is None


def test_a_term_starts_and_ends_at_midnight_in_london():
    # Autumn 2026 starts in summer time (midnight is 23:00 UTC the day before) and ends in
    # winter time (midnight is midnight UTC).
    autumn = parse_term("autumn-2026")
    assert autumn.starts_at == datetime(2026, 8, 31, 23, tzinfo=timezone.utc)
    assert autumn.ends_at == datetime(2027, 1, 1, 0, tzinfo=timezone.utc)
    # Easter Monday 2026 (6 April) is in summer time.
    summer = parse_term("summer-2026")
    assert summer.starts_at == datetime(2026, 4, 5, 23, tzinfo=timezone.utc)
    assert summer.ends_at == autumn.starts_at


def test_terms_follow_each_other_with_no_gap_in_time():
    term = parse_term("spring-2025")
    for _ in range(9):
        assert term.ends_at == term.next().starts_at
        assert term.starts_at < term.ends_at
        term = term.next()
