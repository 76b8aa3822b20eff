"""Periods of recurring tasks: the keys people see and confirm ("2022-08", "2022-Q3")."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.model import Every
from bot.domain.periods import Period, parse_period_key, period_of, periods_between

MONDAY_1_AUGUST_2022 = date(2022, 8, 1)


@pytest.mark.parametrize(
    ("every", "key", "start", "end"),
    [
        (Every.WEEK, "2022-W31", date(2022, 8, 1), date(2022, 8, 7)),
        (Every.MONTH, "2022-08", date(2022, 8, 1), date(2022, 8, 31)),
        (Every.QUARTER, "2022-Q3", date(2022, 7, 1), date(2022, 9, 30)),
        (Every.HALF_YEAR, "2022-H2", date(2022, 7, 1), date(2022, 12, 31)),
        (Every.YEAR, "2022", date(2022, 1, 1), date(2022, 12, 31)),
    ],
)
def test_period_of_1_august_2022(every: Every, key: str, start: date, end: date) -> None:
    assert period_of(every, MONDAY_1_AUGUST_2022) == Period(key, start, end)


def test_week_keys_follow_iso_years_at_new_year() -> None:
    # 01/01/2021 is a Friday: it belongs to the last ISO week of 2020.
    assert period_of(Every.WEEK, date(2021, 1, 1)).key == "2020-W53"
    assert period_of(Every.WEEK, date(2024, 12, 30)).key == "2025-W01"


def test_month_ends_on_its_last_day() -> None:
    assert period_of(Every.MONTH, date(2024, 2, 10)).end == date(2024, 2, 29)
    assert period_of(Every.MONTH, date(2022, 12, 5)).end == date(2022, 12, 31)
    assert period_of(Every.QUARTER, date(2022, 11, 5)).key == "2022-Q4"
    assert period_of(Every.HALF_YEAR, date(2022, 6, 30)).key == "2022-H1"


def test_period_of_accepts_the_stored_string() -> None:
    assert period_of("month", MONDAY_1_AUGUST_2022).key == "2022-08"  # type: ignore[arg-type]


def test_periods_of_plan_187_from_its_issue_date() -> None:
    months = periods_between(Every.MONTH, date(2022, 2, 7), date(2022, 12, 31))
    assert [p.key for p in months] == [f"2022-{m:02d}" for m in range(2, 13)]
    assert months[0].start == date(2022, 2, 1)  # the whole first period, not from the 7th


def test_periods_between_overlapping_and_empty() -> None:
    quarters = periods_between(Every.QUARTER, date(2022, 3, 31), date(2022, 4, 1))
    assert [p.key for p in quarters] == ["2022-Q1", "2022-Q2"]
    assert periods_between(Every.MONTH, date(2022, 5, 1), date(2022, 4, 30)) == []
    weeks = periods_between(Every.WEEK, date(2022, 1, 1), date(2022, 12, 31))
    assert weeks[0].key == "2021-W52"
    assert weeks[-1].key == "2022-W52"
    assert len(weeks) == 53


@pytest.mark.parametrize(
    "key", ["2022-W31", "2022-08", "2022-Q3", "2022-H2", "2022", "2020-W53", " 2022-01 "]
)
def test_parse_period_key_round_trips(key: str) -> None:
    period = parse_period_key(key)
    assert period.key == key.strip()
    assert parse_period_key(period.key) == period


@pytest.mark.parametrize(
    "key", ["", "2022-13", "2022-00", "2022-W53", "2022-W00", "2022-Q5", "2022-H3", "08/2022", "x"]
)
def test_parse_period_key_rejects_what_is_not_a_period(key: str) -> None:
    with pytest.raises(ValueError, match="not a period key"):
        parse_period_key(key)


@given(
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
    every=st.sampled_from(list(Every)),
)
def test_every_day_lies_in_its_period_and_its_key_round_trips(day: date, every: Every) -> None:
    period = period_of(every, day)
    assert day in period
    assert parse_period_key(period.key) == period
    # Periods tile the calendar: the next day is in this period or starts the next one.
    following = period_of(every, period.end + timedelta(days=1))
    assert following.start == period.end + timedelta(days=1)


def test_a_month_of_each_year_is_keyed_as_that_month() -> None:
    # "Tháng 12 hằng năm": yearly, and each year's period is its December.
    december = period_of(Every.YEAR, date(2025, 3, 10), month=12)
    assert december == Period("2025-12", date(2025, 12, 1), date(2025, 12, 31))
    assert parse_period_key(december.key) == december  # "/xong 4 tháng 12" names it
    assert date(2025, 3, 10) not in december
    periods = periods_between(Every.YEAR, date(2025, 3, 15), date(2030, 12, 31), month=12)
    assert [p.key for p in periods] == [f"{year}-12" for year in range(2025, 2031)]
    february = periods_between(Every.YEAR, date(2024, 2, 10), date(2026, 2, 5), month=2)
    assert [(p.key, p.end) for p in february] == [
        ("2024-02", date(2024, 2, 29)),
        ("2025-02", date(2025, 2, 28)),
        ("2026-02", date(2026, 2, 28)),  # overlaps 01-05/02/2026
    ]
    assert periods_between(Every.YEAR, date(2025, 1, 1), date(2025, 11, 30), month=12) == []
    assert periods_between(Every.YEAR, date(2025, 5, 1), date(2025, 4, 1), month=12) == []


@pytest.mark.parametrize(
    ("every", "month", "message"),
    [(Every.MONTH, 12, "for yearly periods only"), (Every.YEAR, 13, "not a month: 13")],
)
def test_a_month_of_the_year_only_for_yearly_tasks(every: Every, month: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        period_of(every, date(2025, 1, 1), month=month)
    with pytest.raises(ValueError, match=message):
        periods_between(every, date(2025, 1, 1), date(2025, 12, 31), month=month)
