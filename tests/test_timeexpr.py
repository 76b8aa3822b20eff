"""The time expressions of DESIGN's table, written every way people and Word write them."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.model import Every, Schedule, ScheduleKind
from bot.domain.timeexpr import parse_chat_date, parse_when

PLAN_YEAR = 2022


def deadline(y: int, m: int, d: int) -> Schedule:
    return Schedule.deadline(date(y, m, d))


def window(start: tuple[int, int, int], end: tuple[int, int, int]) -> Schedule:
    return Schedule.window(date(*start), date(*end))


# Every example of DESIGN's "Time expressions → schedule" table, with what it must mean.
DESIGN_ROWS = [
    ("Trước 10/02/2022", deadline(2022, 2, 9)),
    ("Trước ngày 15/12/2023", deadline(2023, 12, 14)),
    ("Chậm nhất ngày 20/11/2023", deadline(2023, 11, 20)),
    ("Hạn chót 20/11/2023", deadline(2023, 11, 20)),
    ("Hoàn thành trước 30/6/2023", deadline(2023, 6, 29)),
    ("Từ 01/6 đến 30/7/2022", window((2022, 6, 1), (2022, 7, 30))),
    ("Tháng 01/8 đến 15/9/2022", window((2022, 8, 1), (2022, 9, 15))),
    ("Từ ngày 01/6/2023 đến ngày 31/7/2023", window((2023, 6, 1), (2023, 7, 31))),
    ("01/6 - 30/7/2023", window((2023, 6, 1), (2023, 7, 30))),
    ("Tháng 3/2023", window((2023, 3, 1), (2023, 3, 31))),
    ("Trong tháng 3/2023", window((2023, 3, 1), (2023, 3, 31))),
    ("Tháng 8 - 9/2023", window((2023, 8, 1), (2023, 9, 30))),
    ("Từ tháng 3 đến tháng 5/2023", window((2023, 3, 1), (2023, 5, 31))),
    ("Quý II/2023", window((2023, 4, 1), (2023, 6, 30))),
    ("Quý 2 năm 2023", window((2023, 4, 1), (2023, 6, 30))),
    ("Quý IV năm 2023", window((2023, 10, 1), (2023, 12, 31))),
    ("6 tháng đầu năm", window((2022, 1, 1), (2022, 6, 30))),
    ("6 tháng cuối năm", window((2022, 7, 1), (2022, 12, 31))),
    ("Năm 2023", window((2023, 1, 1), (2023, 12, 31))),
    ("Thường xuyên", Schedule.recurring(Every.QUARTER)),
    ("Hằng tháng", Schedule.recurring(Every.MONTH)),
    ("Hàng tháng", Schedule.recurring(Every.MONTH)),
    ("Hằng quý", Schedule.recurring(Every.QUARTER)),
    ("Hàng quý", Schedule.recurring(Every.QUARTER)),
    ("Định kỳ 6 tháng", Schedule.recurring(Every.HALF_YEAR)),
    ("Hằng năm", Schedule.recurring(Every.YEAR)),
    ("Hàng năm", Schedule.recurring(Every.YEAR)),
    ("Hằng tuần", Schedule.recurring(Every.WEEK)),
    ("Theo quy định", Schedule.as_regulated()),
    ("Theo yêu cầu", Schedule.as_regulated()),
    ("Khi có yêu cầu", Schedule.as_regulated()),
    ("Đột xuất", Schedule.as_regulated()),
]
ROW_IDS = [text for text, _ in DESIGN_ROWS]


@pytest.mark.parametrize(("text", "expected"), DESIGN_ROWS, ids=ROW_IDS)
def test_every_design_example_gives_its_schedule(text: str, expected: Schedule) -> None:
    assert parse_when(text, PLAN_YEAR) == expected


@pytest.mark.parametrize(("text", "expected"), DESIGN_ROWS, ids=ROW_IDS)
def test_decomposed_unicode_reads_the_same(text: str, expected: Schedule) -> None:
    decomposed = unicodedata.normalize("NFD", text)
    assert decomposed != text or text.isascii()
    assert parse_when(decomposed, PLAN_YEAR) == expected


@pytest.mark.parametrize(("text", "expected"), DESIGN_ROWS, ids=ROW_IDS)
def test_case_and_spacing_do_not_matter(text: str, expected: Schedule) -> None:
    shouted = "  " + "\u00a0 ".join(text.upper().split()) + " \t"
    assert parse_when(shouted, PLAN_YEAR) == expected


def test_the_deadline_of_before_d_is_the_day_before() -> None:
    assert parse_when("Trước 01/01/2023", PLAN_YEAR) == deadline(2022, 12, 31)
    assert parse_when("Trước 01/3/2024", PLAN_YEAR) == deadline(2024, 2, 29)


@pytest.mark.parametrize("dash", ["-", "–", "—"])
def test_all_three_dashes_separate_a_range(dash: str) -> None:
    assert parse_when(f"01/6 {dash} 30/7/2023", PLAN_YEAR) == window((2023, 6, 1), (2023, 7, 30))
    assert parse_when(f"01/6{dash}30/7/2023", PLAN_YEAR) == window((2023, 6, 1), (2023, 7, 30))
    assert parse_when(f"Tháng 8 {dash} 9/2023", PLAN_YEAR) == window((2023, 8, 1), (2023, 9, 30))


def test_a_date_without_year_is_in_the_plan_year() -> None:
    assert parse_when("Trước 25/8", 2022) == deadline(2022, 8, 24)
    assert parse_when("Hạn chót 20/11", 2023) == deadline(2023, 11, 20)
    assert parse_when("Tháng 3", 2024) == window((2024, 3, 1), (2024, 3, 31))
    assert parse_when("Quý II", 2024) == window((2024, 4, 1), (2024, 6, 30))
    assert parse_when("Từ 01/6 đến 30/7", 2023) == window((2023, 6, 1), (2023, 7, 30))


def test_a_range_takes_the_year_of_its_end_not_the_plan_year() -> None:
    assert parse_when("Từ 01/6 đến 30/7/2024", 2022) == window((2024, 6, 1), (2024, 7, 30))
    assert parse_when("Từ 01/12 đến 31/01/2023", 2022) == window((2022, 12, 1), (2023, 1, 31))
    assert parse_when("Từ tháng 11 đến tháng 2/2023", 2023) == window((2022, 11, 1), (2023, 2, 28))


def test_document_style_dates_are_read() -> None:
    assert parse_when("Trước ngày 15 tháng 12 năm 2023", PLAN_YEAR) == deadline(2023, 12, 14)
    assert parse_when("Tháng 3 năm 2023", PLAN_YEAR) == window((2023, 3, 1), (2023, 3, 31))
    assert parse_when("Trước 10 / 02 / 2022.", PLAN_YEAR) == deadline(2022, 2, 9)


def test_without_a_plan_year_only_dated_expressions_are_placed() -> None:
    assert parse_when("Trước 25/8", None).kind is ScheduleKind.UNKNOWN
    assert parse_when("Trước 25/8/2022", None) == deadline(2022, 8, 24)
    assert parse_when("Hằng quý", None) == Schedule.recurring(Every.QUARTER)


@pytest.mark.parametrize(
    "text",
    [
        "31/02/2023",
        "Trước 31/02/2023",
        "Trước 32/1/2023",
        "Chậm nhất ngày 0/5/2023",
        "Tháng 13/2023",
        "Quý V/2023",
        "Từ 30/7/2023 đến 01/6/2023",
        "Trước 01/01/0000",
        "Trước 01/01/0001",
    ],
)
def test_impossible_dates_are_unknown(text: str) -> None:
    assert parse_when(text, PLAN_YEAR) == Schedule.unknown()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Trước",
        "Bắt đầu triển khai từ năm 2026",
        "22",
        "???",
        "Trước 10/02/2022 và sau đó",
    ],
)
def test_anything_else_is_unknown(text: str) -> None:
    assert parse_when(text, PLAN_YEAR) == Schedule.unknown()


@given(st.text(), st.one_of(st.none(), st.integers(min_value=-10_000, max_value=10_000)))
def test_no_text_makes_it_raise(text: str, year: int | None) -> None:
    assert isinstance(parse_when(text, year), Schedule)


WORDS = ["Trước", "ngày", "Từ", "đến", "tháng", "Quý", "năm", "Hằng", "-", "–", "/", "IV"]


@given(
    st.lists(
        st.one_of(st.sampled_from(WORDS), st.integers(min_value=0, max_value=9999).map(str)),
        max_size=8,
    )
)
def test_near_miss_expressions_never_raise(parts: list[str]) -> None:
    assert isinstance(parse_when(" ".join(parts), PLAN_YEAR), Schedule)
    assert isinstance(parse_when("/".join(parts), PLAN_YEAR), Schedule)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/12/2022", date(2022, 12, 15)),
        ("15/12", date(2023, 12, 15)),
        (" 5/1/2024 ", date(2024, 1, 5)),
        ("ngày 05/01", date(2023, 1, 5)),
    ],
)
def test_chat_dates(text: str, expected: date) -> None:
    assert parse_chat_date(text, default_year=2023) == expected


@pytest.mark.parametrize("text", ["31/02/2023", "15-12-2022", "tomorrow", "", "15/12/22", "1/13"])
def test_chat_dates_that_are_not_dates_give_none(text: str) -> None:
    assert parse_chat_date(text, default_year=2023) is None


@given(st.text())
def test_chat_dates_never_raise(text: str) -> None:
    result = parse_chat_date(text, default_year=2023)
    assert result is None or isinstance(result, date)


@pytest.mark.parametrize("every", list(Every))
def test_routine_follows_the_configured_period(every: Every) -> None:
    # A bare "Thường xuyên" names no period: the agency's `routine_every` decides it.
    assert parse_when("Thường xuyên", PLAN_YEAR, every) == Schedule.recurring(every)
    assert parse_when("thường xuyên.", PLAN_YEAR, every) == Schedule.recurring(every)
    # A period the plan states is kept whatever the config says.
    assert parse_when("Hằng tháng", PLAN_YEAR, every) == Schedule.recurring(Every.MONTH)


ISSUED = date(2025, 11, 19)  # QĐ 2530/QĐ-TTg: a plan issued late in its first year


def yearly(start: tuple[int, int, int], end: tuple[int, int, int]) -> Schedule:
    return Schedule.recurring(Every.YEAR, start=date(*start), end=date(*end))


# The forms DESIGN added for real plans, phrased as the published appendices phrase them.
REAL_ROWS = [
    ("2026 - 2030", yearly((2026, 1, 1), (2030, 12, 31))),
    ("2026-2030", yearly((2026, 1, 1), (2030, 12, 31))),
    ("Giai đoạn 2026 - 2030", yearly((2026, 1, 1), (2030, 12, 31))),
    ("Giai đoạn 2026 - 2030.", yearly((2026, 1, 1), (2030, 12, 31))),
    ("Giai đoạn 2026–2030", yearly((2026, 1, 1), (2030, 12, 31))),
    ("Năm 2025-2030", yearly((2025, 11, 19), (2030, 12, 31))),
    ("Từ năm 2025 đến năm 2030", yearly((2025, 11, 19), (2030, 12, 31))),
    ("Năm 2025-2026", yearly((2025, 11, 19), (2026, 12, 31))),
    ("2025", window((2025, 1, 1), (2025, 12, 31))),
    ("2026", window((2026, 1, 1), (2026, 12, 31))),
    ("Năm 2026", window((2026, 1, 1), (2026, 12, 31))),
    ("Quí IV-2025", window((2025, 10, 1), (2025, 12, 31))),
    ("Quý IV.2025", window((2025, 10, 1), (2025, 12, 31))),
    ("Quý IV/2025 - Quý II/2026", window((2025, 10, 1), (2026, 6, 30))),
    ("Tháng 06/2026", window((2026, 6, 1), (2026, 6, 30))),
    ("Tháng 02/2026", window((2026, 2, 1), (2026, 2, 28))),
    ("Tuần đầu tháng 4/2023", window((2023, 4, 1), (2023, 4, 7))),
    ("Đầu tháng 4/2023", window((2023, 4, 1), (2023, 4, 10))),
    ("Giữa tháng 4/2023", window((2023, 4, 11), (2023, 4, 20))),
    ("Cuối tháng 2/2024", window((2024, 2, 21), (2024, 2, 29))),
    ("Tuần cuối tháng 2/2023", window((2023, 2, 22), (2023, 2, 28))),
    ("Năm học 2022-2023", window((2022, 9, 1), (2023, 5, 31))),
    ("Trước năm 2030", deadline(2029, 12, 31)),
    ("Ngày 31/12/2025", deadline(2025, 12, 31)),
    ("31/10/2025", deadline(2025, 10, 31)),
    ("Tháng 12 hằng năm", Schedule.recurring(Every.YEAR, month=12)),
    ("Thường xuyên, hằng năm", Schedule.recurring(Every.YEAR)),
    (
        "Thường xuyên, định kỳ hằng quý báo cáo kết quả về Sở",
        Schedule.recurring(Every.QUARTER),
    ),
    ("Thực hiện thường xuyên, liên tục", Schedule.recurring(Every.QUARTER)),
    ("Nhiệm vụ thường xuyên", Schedule.recurring(Every.QUARTER)),
    ("Theo kế hoạch", Schedule.as_regulated()),
    ("Theo kế hoạch riêng", Schedule.as_regulated()),
    ("Theo lộ trình của Bộ Giáo dục và Đào tạo", Schedule.as_regulated()),
    ("Theo hướng dẫn của Bộ", Schedule.as_regulated()),
    ("Theo chỉ đạo của UBND tỉnh", Schedule.as_regulated()),
    ("Sau khi có kết quả đánh giá", Schedule.as_regulated()),
    ("Khi có phát sinh", Schedule.as_regulated()),
]


@pytest.mark.parametrize("form", ["NFC", "NFD"])
@pytest.mark.parametrize(("text", "expected"), REAL_ROWS)
def test_real_plan_forms(text: str, expected: Schedule, form: str) -> None:
    written = unicodedata.normalize(form, text)
    assert parse_when(written, 2025, issued=ISSUED) == expected


def test_a_year_span_starts_on_first_january_without_an_issue_date() -> None:
    assert parse_when("Năm 2025-2030", 2025) == yearly((2025, 1, 1), (2030, 12, 31))


def test_a_year_span_issued_before_it_starts_keeps_first_january() -> None:
    assert parse_when("2026 - 2030", 2025, issued=ISSUED) == yearly((2026, 1, 1), (2030, 12, 31))


def test_a_year_span_that_ended_before_the_plan_is_unknown() -> None:
    assert parse_when("2020 - 2024", 2025, issued=ISSUED) == Schedule.unknown()


def test_routine_every_still_governs_the_bare_routine_forms() -> None:
    assert parse_when("Thường xuyên, liên tục", 2025, Every.MONTH) == Schedule.recurring(
        Every.MONTH
    )


@pytest.mark.parametrize(
    "text", ["2030 - 2026", "Tháng 13 hằng năm", "Năm học 2022-2025", "Quý V/2025"]
)
def test_impossible_new_forms_are_unknown(text: str) -> None:
    assert parse_when(text, 2025, issued=ISSUED) == Schedule.unknown()


def test_a_huge_cell_is_unknown_at_once() -> None:
    assert parse_when("2026 - 2030 " * 10_000, 2025) == Schedule.unknown()
