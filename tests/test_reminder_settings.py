"""The `[reminders]` table: DESIGN's defaults, and one clear line for each mistake."""

import tomllib
from datetime import date, time
from pathlib import Path

import pytest

from bot.domain.model import Every
from scheduler.settings import ReminderSettings


def test_defaults_are_designs_policy() -> None:
    settings = ReminderSettings()
    assert settings.send_time == time(8, 0)
    assert settings.before_days == (14, 7, 3, 1)
    assert settings.due_soon_days == 7
    assert settings.escalate_after_working_days == 3
    assert settings.period_closing_days == 3
    assert settings.overdue_daily_working_days == 5
    assert settings.overdue_days_after_end == 30
    assert settings.needs_deadline_every is Every.MONTH
    assert (settings.snooze_default_days, settings.snooze_max_days) == (3, 10)
    assert settings.remind_support is False
    assert settings.late_grace_minutes == 15
    assert settings.enabled is True
    assert (settings.tick_seconds, settings.lease_seconds) == (60, 90)
    assert settings.claim_timeout_seconds == 120
    assert ReminderSettings.from_toml({}) == settings


def test_a_full_table_from_toml_text() -> None:
    table = tomllib.loads(
        """
        [reminders]
        send_time = "7:30"
        before_days = [1, 10, 3, 10]
        remind_support = true
        extra_days_off = ["2027-02-08", 2027-02-09]
        extra_working_days = ["2027-02-20"]
        needs_deadline_every = "week"
        overdue_daily_working_days = 0
        overdue_days_after_end = 60
        snooze_default_days = 1
        snooze_max_days = 5
        enabled = false
        tick_seconds = 5
        lease_seconds = 15
        claim_timeout_seconds = 30
        """
    )["reminders"]
    settings = ReminderSettings.from_toml(table)
    assert settings.send_time == time(7, 30)
    assert settings.before_days == (10, 3, 1)
    assert settings.remind_support is True
    assert settings.extra_days_off == (date(2027, 2, 8), date(2027, 2, 9))
    assert settings.extra_working_days == (date(2027, 2, 20),)
    assert settings.needs_deadline_every is Every.WEEK
    assert settings.overdue_daily_working_days == 0  # weekly from the first day overdue
    assert settings.overdue_days_after_end == 60
    assert (settings.snooze_default_days, settings.snooze_max_days) == (1, 5)
    assert settings.enabled is False
    assert (settings.tick_seconds, settings.lease_seconds, settings.claim_timeout_seconds) == (
        5,
        15,
        30,
    )
    assert not settings.calendar().is_working_day(date(2027, 2, 9))


def test_toml_local_time_is_accepted() -> None:
    table = tomllib.loads("send_time = 09:15:00")
    assert ReminderSettings.from_toml(table).send_time == time(9, 15)


DUE_SOON = "[reminders] due_soon_days must be a whole number, at least 0"
DATES = '[reminders] extra_days_off must be a list of dates "YYYY-MM-DD"'


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"send_time": "8h"}, '[reminders] send_time must be "HH:MM", got "8h"'),
        ({"send_time": "24:00"}, '[reminders] send_time must be "HH:MM", got "24:00"'),
        ({"send_time": 8}, '[reminders] send_time must be "HH:MM", got 8'),
        ({"due_soon_days": "7"}, f'{DUE_SOON}, got "7"'),
        ({"due_soon_days": True}, f"{DUE_SOON}, got True"),
        ({"escalate_after_working_days": 0}, "escalate_after_working_days must be a whole"),
        (
            {"overdue_daily_working_days": -1},
            "[reminders] overdue_daily_working_days must be a whole number from 0 to 366, got -1",
        ),
        (
            {"overdue_days_after_end": "30"},
            '[reminders] overdue_days_after_end must be a whole number from 0 to 3660, got "30"',
        ),
        (
            {"needs_deadline_every": "monthly"},
            '[reminders] needs_deadline_every must be one of "week", "month", "quarter",',
        ),
        (
            {"snooze_default_days": 0},
            "[reminders] snooze_default_days must be a whole number from 1 to 366, got 0",
        ),
        (
            {"snooze_max_days": 2.5},
            "[reminders] snooze_max_days must be a whole number from 1 to 366, got 2.5",
        ),
        (
            {"snooze_max_days": 2},
            "[reminders] snooze_default_days (3) must not exceed snooze_max_days (2)",
        ),
        (
            {"needs_deadline_weekday": 0},
            "[reminders] needs_deadline_weekday is no longer read; the Office is asked for a"
            " missing date on the first working day of each needs_deadline_every",
        ),
        ({"before_days": [14, 0]}, "[reminders] before_days must be a list of whole numbers"),
        ({"before_days": 14}, "[reminders] before_days must be a list of whole numbers"),
        ({"remind_support": "yes"}, '[reminders] remind_support must be true or false, got "yes"'),
        ({"enabled": 1}, "[reminders] enabled must be true or false, got 1"),
        ({"lease_seconds": 0}, "[reminders] lease_seconds must be a whole number from 1 to 3600"),
        ({"claim_timeout_seconds": 1.5}, "claim_timeout_seconds must be a whole number from 1"),
        ({"extra_days_off": ["08/02/2027"]}, f'{DATES}, got "08/02/2027"'),
        ({"extra_days_off": "2027-02-08"}, f'{DATES}, got "2027-02-08"'),
        ({"late_grace": 15}, "[reminders] unknown key 'late_grace'; known keys:"),
        (
            {"extra_days_off": ["2027-02-08"], "extra_working_days": ["2027-02-08"]},
            "[reminders] extra_days_off and extra_working_days both list 2027-02-08",
        ),
    ],
)
def test_mistakes_are_named_in_one_line(table: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=r"^\[reminders\] ") as error:
        ReminderSettings.from_toml(table)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_the_example_config_states_the_defaults() -> None:
    example = Path(__file__).resolve().parent.parent / "config.example.toml"
    table = tomllib.loads(example.read_text(encoding="utf-8"))["reminders"]
    assert ReminderSettings.from_toml(table) == ReminderSettings()
    for key in (
        "overdue_daily_working_days",
        "overdue_days_after_end",
        "needs_deadline_every",
        "snooze_default_days",
        "snooze_max_days",
    ):
        assert key in table
