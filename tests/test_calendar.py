"""Working days for the Complaint Handling Code's clocks."""

from datetime import date

import pytest

from portal.core.calendar import add_months, add_working_days, is_working_day, working_days_between


@pytest.mark.parametrize(
    "start, days, due",
    [
        (date(2026, 11, 16), 5, date(2026, 11, 23)),  # Monday + 5 = next Monday
        (date(2026, 11, 20), 5, date(2026, 11, 27)),  # Friday + 5 = next Friday
        (date(2026, 11, 21), 1, date(2026, 11, 23)),  # received on a Saturday
        (date(2026, 12, 23), 5, date(2027, 1, 4)),  # over Christmas, Boxing Day (observed) and New Year
        (date(2026, 12, 24), 1, date(2026, 12, 29)),  # 25th, weekend, 28th all closed
        (date(2027, 3, 25), 1, date(2027, 3, 30)),  # Good Friday and Easter Monday 2027
        (date(2026, 4, 2), 10, date(2026, 4, 20)),  # Easter 2026 inside a 10-day limit
        (date(2026, 5, 22), 1, date(2026, 5, 26)),  # spring bank holiday
        (date(2026, 11, 23), 0, date(2026, 11, 23)),
    ],
)
def test_add_working_days(start, days, due):
    assert add_working_days(start, days) == due


def test_bank_holidays_and_weekends_are_not_working_days():
    assert not is_working_day(date(2026, 12, 25))
    assert not is_working_day(date(2026, 12, 28))  # Boxing Day observed on the Monday
    assert not is_working_day(date(2026, 8, 31))  # late summer bank holiday
    assert not is_working_day(date(2026, 11, 22))  # a Sunday
    assert is_working_day(date(2026, 12, 29))


def test_working_days_between_counts_both_ways():
    assert working_days_between(date(2026, 12, 23), date(2027, 1, 4)) == 5
    assert working_days_between(date(2027, 1, 4), date(2026, 12, 23)) == -5
    assert working_days_between(date(2026, 11, 23), date(2026, 11, 23)) == 0


@pytest.mark.parametrize(
    "start, months, expected",
    [
        (date(2026, 9, 15), 2, date(2026, 11, 15)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2027, 12, 31), 2, date(2028, 2, 29)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
    ],
)
def test_add_months_clamps_to_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_receipt_day_moves_weekends_and_holidays_to_the_next_working_day():
    from portal.core.calendar import receipt_day

    assert receipt_day(date(2026, 11, 21)) == date(2026, 11, 23)  # Saturday
    assert receipt_day(date(2026, 12, 25)) == date(2026, 12, 29)
    assert receipt_day(date(2026, 11, 24)) == date(2026, 11, 24)
