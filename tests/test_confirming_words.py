"""What people type after a task, read without a database: task lists, periods, dates, @UNIT."""

from __future__ import annotations

from datetime import date

import pytest

from bot.app import catalog_for
from bot.config import Config
from bot.domain.confirming import chat_date_in_span, period_named, split_period, task_list
from bot.domain.model import Every
from bot.domain.plans import TaskRef
from bot.domain.unit_lookup import UnitIndex

TODAY = date(2022, 8, 1)
CATALOG = catalog_for(Config())
INDEX = UnitIndex(CATALOG.units, CATALOG)


def test_task_lists() -> None:
    three = [TaskRef(None, 4), TaskRef(None, 5), TaskRef(None, 9)]
    assert task_list(["4", "5", "9"]) == three
    assert task_list(["4,5,9"]) == three
    assert task_list(["4,", "5", ",9"]) == three
    assert task_list(["187.4", "187/5"]) == [TaskRef("187", 4), TaskRef("187", 5)]
    assert task_list(["4"]) is None  # one task is the plain form
    assert task_list(["4", "đã", "họp"]) is None  # the rest is a note
    assert task_list(["4", "tháng", "3"]) is None


@pytest.mark.parametrize(
    ("text", "span", "rest"),
    [
        ("tháng 3", (3, 1, None), ""),
        ("Tháng 03/2022 đã nộp", (3, 1, 2022), "đã nộp"),
        ("tháng 3 năm 2022", (3, 1, 2022), ""),
        ("quý I", (1, 3, None), ""),
        ("QUÝ IV-2022", (10, 3, 2022), ""),
        ("quý 1/2022, xong", (1, 3, 2022), "xong"),
        ("quí 2", (4, 3, None), ""),
        ("6 tháng đầu năm", (1, 6, None), ""),
        ("6 tháng cuối năm 2022", (7, 6, 2022), ""),
        ("năm 2022", (1, 12, 2022), ""),
        ("tháng 13", None, "tháng 13"),
        ("đã họp tháng 3", None, "đã họp tháng 3"),
    ],
)
def test_a_leading_period(text: str, span, rest: str) -> None:
    assert split_period(text) == (span, rest)


def test_the_period_a_span_names() -> None:
    assert period_named((3, 1, None), Every.MONTH, None, TODAY).key == "2022-03"
    assert period_named((10, 1, None), Every.MONTH, None, TODAY).key == "2021-10"  # the last one
    assert period_named((3, 1, None), Every.QUARTER, None, TODAY).key == "2022-Q1"
    assert period_named((1, 6, None), Every.HALF_YEAR, None, TODAY).key == "2022-H1"
    assert period_named((1, 6, None), Every.QUARTER, None, TODAY) is None  # two quarters
    assert period_named((1, 3, None), Every.MONTH, None, TODAY) is None  # three months
    # A yearly task tied to December keys its period by the month.
    assert period_named((12, 1, 2022), Every.YEAR, 12, TODAY).key == "2022-12"
    assert period_named((1, 12, 2022), Every.YEAR, 12, TODAY).key == "2022-12"


def test_dates_in_the_plans_span() -> None:
    start, end = date(2022, 2, 7), date(2022, 12, 31)
    for text in ("15/12/2022", "15-12-2022", "15.12.2022", "15/12", "15-12", "15.12"):
        assert chat_date_in_span(text, start, end, TODAY) == date(2022, 12, 15), text
    # A school-year plan: a date without a year is the next one in its span.
    school = (date(2022, 9, 5), date(2023, 5, 31))
    assert chat_date_in_span("15/01", *school, date(2022, 10, 1)) == date(2023, 1, 15)
    assert chat_date_in_span("15/10", *school, date(2022, 10, 1)) == date(2022, 10, 15)
    assert chat_date_in_span("31/02/2022", start, end, TODAY) is None
    assert chat_date_in_span("mai", start, end, TODAY) is None


@pytest.mark.parametrize(
    ("typed", "unit", "rest"),
    [
        ("@KH-TC", "Phòng Kế hoạch - Tài chính", ""),
        ("@kh-tc đã nộp", "Phòng Kế hoạch - Tài chính", "đã nộp"),
        ("@Phòng Kế hoạch - Tài chính ghi chú dài", "Phòng Kế hoạch - Tài chính", "ghi chú dài"),
        ("@Phòng KH-TC", "Phòng Kế hoạch - Tài chính", ""),
        ("@Kế hoạch - Tài chính", "Phòng Kế hoạch - Tài chính", ""),
        ("@TCCB", "Phòng Tổ chức cán bộ", ""),
        ("@GDTrH x", "Phòng Giáo dục Trung học", "x"),
        ("@GDTH", "Phòng Giáo dục Tiểu học", ""),
        ("@GDMN", "Phòng Giáo dục Mầm non", ""),
        ("@KT&KĐCLGD", "Phòng Khảo thí và Kiểm định chất lượng giáo dục", ""),
        ("@Thanh tra", "Thanh tra Sở", ""),
        ("@Ban ISO thiếu biên bản", "Ban ISO Sở", "thiếu biên bản"),
        ("@ban iso sở", "Ban ISO Sở", ""),
    ],
)
def test_a_unit_by_name_abbreviation_or_alias(typed: str, unit: str, rest: str) -> None:
    found = INDEX.match_prefix(typed)
    assert found is not None and (found.name, found.rest) == (unit, rest)


def test_a_wrong_unit_gets_the_closest_names() -> None:
    assert INDEX.match_prefix("@Phòng Kế hoạch tài vụ") is None
    assert INDEX.closest("@Phòng Kế hoạch tài vụ")[0] == "Phòng Kế hoạch - Tài chính"
    assert INDEX.match_prefix("@Zzz") is None and INDEX.closest("@Zzz") == ()
