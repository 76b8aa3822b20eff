"""Vietnamese working days: where a reminder may go out and where one on a day off moves to."""

import json
import os
import subprocess
import sys
from datetime import date, timedelta

import pytest

from scheduler.calendar import EXTRA_DAY_OFF_NAME, WorkingCalendar
from scheduler.settings import ReminderSettings

CAL = WorkingCalendar()


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def test_tet_2022_is_off_from_31_january_to_4_february() -> None:
    for day in days(date(2022, 1, 29), date(2022, 2, 6)):
        assert not CAL.is_working_day(day), day
    assert CAL.is_working_day(date(2022, 1, 28))
    assert CAL.is_working_day(date(2022, 2, 7))
    assert CAL.holiday_name(date(2022, 2, 1)) == "Tết Nguyên Đán"
    assert CAL.next_working_day(date(2022, 1, 28)) == date(2022, 2, 7)
    assert CAL.on_or_before(date(2022, 2, 4)) == date(2022, 1, 28)


def test_national_day_2022_is_off_on_1_and_2_september() -> None:
    assert not CAL.is_working_day(date(2022, 9, 1))
    assert not CAL.is_working_day(date(2022, 9, 2))
    assert CAL.holiday_name(date(2022, 9, 2)) == "Quốc khánh"
    assert CAL.on_or_before(date(2022, 9, 2)) == date(2022, 8, 31)
    assert CAL.on_or_before(date(2022, 9, 4)) == date(2022, 8, 31)
    assert CAL.on_or_after(date(2022, 9, 1)) == date(2022, 9, 5)


def test_ordinary_days() -> None:
    assert CAL.is_working_day(date(2022, 8, 1))  # a Monday
    assert CAL.on_or_before(date(2022, 8, 1)) == date(2022, 8, 1)
    assert not CAL.is_working_day(date(2022, 8, 6))  # a Saturday
    assert CAL.holiday_name(date(2022, 8, 6)) is None  # a weekend is no holiday
    assert CAL.holiday_name(date(2022, 8, 1)) is None
    assert CAL.next_working_day(date(2022, 8, 5)) == date(2022, 8, 8)


def test_observed_days_off() -> None:
    # 2022: 30/4 and 1/5 fall on the weekend, so 2 and 3 May are off.
    assert not CAL.is_working_day(date(2022, 5, 2))
    assert not CAL.is_working_day(date(2022, 5, 3))
    assert "nghỉ bù" in (CAL.holiday_name(date(2022, 5, 3)) or "")


def test_government_swapped_days_and_make_up_saturdays() -> None:
    # 2024: Monday 29/4 off in exchange for working Saturday 04/5.
    assert not CAL.is_working_day(date(2024, 4, 29))
    assert CAL.is_working_day(date(2024, 5, 4))
    # 2025: Friday 02/5 off, Saturday 26/4 worked.
    assert not CAL.is_working_day(date(2025, 5, 2))
    assert CAL.is_working_day(date(2025, 4, 26))
    # A swap that crosses a year: 31/12/2018 off, made up on Saturday 05/01/2019.
    assert not CAL.is_working_day(date(2018, 12, 31))
    assert CAL.is_working_day(date(2019, 1, 5))
    assert WorkingCalendar().is_working_day(date(2019, 1, 5))  # 2019 asked first, alone


def test_add_working_days_counts_only_working_days() -> None:
    assert CAL.add_working_days(date(2022, 2, 9), 3) == date(2022, 2, 14)
    assert CAL.add_working_days(date(2022, 8, 30), 2) == date(2022, 9, 5)  # over 1-4/9
    assert CAL.add_working_days(date(2022, 2, 8), -2) == date(2022, 1, 28)  # back over Tết
    assert CAL.add_working_days(date(2022, 8, 6), 0) == date(2022, 8, 6)
    assert CAL.working_days_between(date(2022, 8, 29), date(2022, 9, 6)) == [
        date(2022, 8, 29),
        date(2022, 8, 30),
        date(2022, 8, 31),
        date(2022, 9, 5),
        date(2022, 9, 6),
    ]


def test_extra_days_off_and_working_days_from_settings() -> None:
    settings = ReminderSettings.from_toml(
        {"extra_days_off": ["2027-02-08", "2022-08-15"], "extra_working_days": ["2022-08-13"]}
    )
    calendar = settings.calendar()
    assert not calendar.is_working_day(date(2027, 2, 8))
    assert calendar.holiday_name(date(2027, 2, 8)) == EXTRA_DAY_OFF_NAME
    assert not calendar.is_working_day(date(2022, 8, 15))
    assert calendar.on_or_before(date(2022, 8, 15)) == date(2022, 8, 13)  # the worked Saturday
    assert calendar.is_working_day(date(2022, 8, 13))
    assert calendar.holiday_name(date(2022, 8, 13)) is None
    assert CAL.is_working_day(date(2022, 8, 15))  # the default calendar is untouched


def test_a_day_cannot_be_both_off_and_worked() -> None:
    with pytest.raises(ValueError, match="2022-08-15"):
        WorkingCalendar([date(2022, 8, 15)], [date(2022, 8, 15)])


def test_each_year_is_built_once_however_many_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tick asks about days hundreds of thousands of times: the holiday data of a year must be
    built once, not per lookup (a rebuild per call made a province's tick take minutes)."""
    import scheduler.calendar as calendar_module

    built: list[tuple[int, ...]] = []
    real = calendar_module.holidays.country_holidays

    def counting(*args: object, **kwargs: object) -> object:
        built.append(tuple(kwargs.get("years", ())))  # type: ignore[arg-type]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(calendar_module.holidays, "country_holidays", counting)
    calendar = WorkingCalendar()
    for n in range(100_000):
        calendar.is_working_day(date(2022, 1, 1) + timedelta(days=n % 365))
    assert calendar.add_working_days(date(2022, 12, 30), 2) == date(2023, 1, 4)
    assert built == [(2021, 2022, 2023), (2022, 2023, 2024)]


_TZ_PROBE = """
import json
from datetime import date, datetime, timedelta, timezone
from bot.domain.model import AssignmentRole, Schedule
from scheduler.calendar import WorkingCalendar
from scheduler.policy import AssignmentFacts, plan_reminders
from scheduler.settings import ReminderSettings

cal = WorkingCalendar()
year = [date(2022, 1, 1) + timedelta(days=n) for n in range(365)]
task_2 = Schedule.deadline(date(2022, 8, 24))
facts = [AssignmentFacts(1, 2, 2, "Phòng A", AssignmentRole.LEAD, task_2,
                         date(2022, 2, 7), date(2022, 12, 31))]
ticks = []
for hour in range(0, 24 * 40, 7):  # every 7 hours, 10/8 to 19/9 (UTC)
    now = datetime(2022, 8, 10, tzinfo=timezone.utc) + timedelta(hours=hour)
    result = plan_reminders(facts, [], cal, ReminderSettings(), now)
    ticks.append([[r.kind, r.slot.isoformat(), r.days, r.late] for r in result.due])
print(json.dumps({
    "working": [cal.is_working_day(d) for d in year],
    "before": [cal.on_or_before(d).isoformat() for d in year],
    "names": [cal.holiday_name(d) for d in year],
    "ticks": ticks,
}))
"""


def test_results_do_not_depend_on_the_server_time_zone() -> None:
    outputs = {}
    for zone in ("UTC", "America/New_York", "Asia/Ho_Chi_Minh"):
        env = {**os.environ, "TZ": zone, "PYTHONPATH": os.pathsep.join(sys.path)}
        run = subprocess.run(
            [sys.executable, "-c", _TZ_PROBE], env=env, capture_output=True, text=True, check=True
        )
        outputs[zone] = json.loads(run.stdout)
    assert outputs["UTC"] == outputs["America/New_York"] == outputs["Asia/Ho_Chi_Minh"]
    assert any(outputs["UTC"]["ticks"])  # the probe did see reminders
