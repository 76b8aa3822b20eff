"""Many plans at once (DESIGN: Plans, keys and task addresses): keys, addresses, span and state.

The second plan, 05/KH-SGDĐT (administrative reform, 01/03/2022), numbers its tasks 1–7 as plan
187 does, and gives Ban ISO Sở a task 6 too, so a bare `6` is ambiguous for Ban ISO and the Office.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.domain.model import Role
from bot.domain.plans import PlanState, TaskRef, choose_key, derive_end, parse_task_ref
from bot.services.errors import KeyTaken
from bot.services.facade import BotServices
from bot.services.summary import summarize
from bot.store.models import Assignment, Confirmation, Plan, Task
from scheduler.engine import ReminderEngine
from tests.conftest import Chat
from tests.fakes.recording import RecordingChannel

SECOND_PLAN = Path(__file__).parent / "data" / "plans" / "05-KH-SGDDT-2022.txt"
ISO = "Ban ISO Sở"
HEAD_UNIT = "Phòng Giáo dục Trung học"


@pytest.fixture
async def two_plans(services: BotServices) -> BotServices:
    await services.import_plan(services.read_plan(SECOND_PLAN))
    return services


async def confirmed(services: BotServices) -> list[tuple[str, int, str]]:
    """(plan key, task no, unit) of every standing confirmation."""
    from bot.store.models import Unit

    async with services.db.session() as session:
        rows = await session.execute(
            select(Plan.key, Task.no, Unit.name)
            .join(Task, Task.plan_id == Plan.id)
            .join(Assignment, Assignment.task_id == Task.id)
            .join(Unit, Unit.id == Assignment.unit_id)
            .join(Confirmation, Confirmation.assignment_id == Assignment.id)
            .where(Confirmation.undone_at.is_(None))
            .order_by(Confirmation.id)
        )
        return [tuple(row) for row in rows]


# ---- keys and addresses (pure) -----------------------------------------------------------------


def test_a_key_is_the_number_head_and_a_clash_gets_the_year() -> None:
    assert choose_key("187/KH-SGDĐT", date(2022, 2, 7), []) == "187"
    assert choose_key("05/KH-SGDĐT", date(2023, 1, 5), ["187", "05"]) == "05-2023"
    assert choose_key("05/KH-UBND", date(2023, 3, 1), ["05", "05-2023"]) == "05-2023-2"


@pytest.mark.parametrize(
    ("typed", "ref"),
    [
        ("6", TaskRef(None, 6)),
        ("187.6", TaskRef("187", 6)),
        ("187/6", TaskRef("187", 6)),
        ("05-2023.3", TaskRef("05-2023", 3)),
        ("#6", TaskRef(None, 6)),
        ("187.", TaskRef(None, 187)),
        ("187/", None),
        (".6", None),
        ("187.6.1", None),
        ("abc", None),
        ("", None),
    ],
)
def test_task_addresses_as_people_type_them(typed: str, ref: TaskRef | None) -> None:
    assert parse_task_ref(typed) == ref


def test_a_plan_ends_where_its_tasks_end_and_never_before_its_year_or_school_year() -> None:
    from bot.domain.model import Every, Schedule

    issued = date(2022, 9, 5)
    assert derive_end(issued, 2022, "Kế hoạch năm 2022", []) == date(2022, 12, 31)
    school = "Kế hoạch thực hiện nhiệm vụ năm học 2022-2023"
    assert derive_end(issued, 2022, school, []) == date(2023, 5, 31)
    five_years = Schedule.recurring(Every.YEAR, start=issued, end=date(2026, 12, 31))
    assert derive_end(issued, 2022, "Đề án", [five_years]) == date(2026, 12, 31)


# ---- plans side by side ----------------------------------------------------------------------


async def test_importing_a_second_plan_keeps_the_first(two_plans: BotServices) -> None:
    statuses = await two_plans.statuses()
    assert [(s.key, s.number, len(s.tasks)) for s in statuses] == [
        ("187", "187/KH-SGDĐT", 10),
        ("05", "05/KH-SGDĐT", 7),
    ]
    assert [s.state for s in statuses] == [PlanState.ACTIVE, PlanState.ACTIVE]
    # Addresses carry the key while several plans are followed.
    assert statuses[0].task(6).address == "187.6"


async def test_the_same_number_again_updates_in_place_and_keeps_its_key(
    two_plans: BotServices,
) -> None:
    summary = await two_plans.import_plan(two_plans.read_plan(SECOND_PLAN), key="other")
    # An explicit key on re-import renames it; without one the key stays.
    assert (summary.created, summary.key) == (False, "other")
    again = await two_plans.import_plan(two_plans.read_plan(SECOND_PLAN))
    assert (again.created, again.key) == (False, "other")
    async with two_plans.db.session() as session:
        assert await session.scalar(select(func.count(Plan.id))) == 2


async def test_a_plan_imported_again_counts_its_units_anew(
    two_plans: BotServices, chat: Chat, tmp_path: Path
) -> None:
    """The units per task are kept at import: another import with other units and a row fewer
    is counted as the full status counts it, in `/status` and `/kehoach`."""
    lines = SECOND_PLAN.read_text("utf-8").splitlines()
    lines = [line for line in lines if not line.startswith("7\t")]
    lines = [
        line.replace(
            "\tCác phòng thuộc Sở\tVăn phòng Sở\t", f"\t{HEAD_UNIT}; {ISO}\tVăn phòng Sở\t"
        )
        for line in lines
    ]
    path = tmp_path / "05-KH-SGDDT-2022.txt"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    await two_plans.import_plan(two_plans.read_plan(path))

    summary = await two_plans.summary("05", detail=True)
    assert summary == summarize(await two_plans.status("05"))
    task2 = summary.task(2)
    assert task2 is not None and (task2.lead_count, task2.support_count) == (2, 1)
    assert [task.no for task in summary.tasks] == [1, 2, 3, 4, 5, 6]
    office = await chat.registered("vp", "Văn phòng Sở", Role.OFFICE)
    assert "• 05 — 05/KH-SGDĐT (đang theo dõi, đến 31/12/2022): 6 nhiệm vụ" in await office.says(
        "/kehoach"
    )


async def test_a_key_another_plan_has_is_refused(two_plans: BotServices) -> None:
    text = SECOND_PLAN.read_text("utf-8").replace("05/KH-SGDĐT", "09/KH-SGDĐT")
    path = SECOND_PLAN.parent.parent / "tmp-09.txt"
    try:
        path.write_text(text, "utf-8")
        with pytest.raises(KeyTaken) as refused:
            await two_plans.import_plan(two_plans.read_plan(path), key="187")
        assert refused.value.number == "187/KH-SGDĐT"
    finally:
        path.unlink(missing_ok=True)


async def test_a_bare_number_two_plans_fit_changes_nothing_and_offers_both(
    two_plans: BotServices, chat: Chat
) -> None:
    iso = await chat.registered("iso", ISO, Role.ISO)
    reply = await iso.says("/xong 6")
    assert reply == (
        "Số 6 có thể là nhiệm vụ: 187.6, 05.6. Vui lòng ghi kèm mã kế hoạch, ví dụ 187.6."
    )
    assert await confirmed(two_plans) == []

    reply = await iso.says("/xong 187.6 đã đánh giá nội bộ")
    assert reply.startswith(
        "Đã ghi nhận Ban ISO Sở hoàn thành nhiệm vụ số 187.6 (ngày 01/08/2022)."
    )
    assert "/huy 187.6" in reply
    assert await confirmed(two_plans) == [("187", 6, ISO)]

    assert "nhiệm vụ số 05.6" in await iso.says("/xong 05/6")
    assert await confirmed(two_plans) == [("187", 6, ISO), ("05", 6, ISO)]


async def test_a_bare_number_only_one_plan_fits_for_a_head_is_accepted(
    two_plans: BotServices, chat: Chat
) -> None:
    # Task 4 of plan 05 is Thanh tra Sở's: for this head only 187.4 fits.
    head = await chat.registered("head", HEAD_UNIT, Role.HEAD)
    reply = await head.says("/xong 4")
    assert "nhiệm vụ số 187.4" in reply
    assert await confirmed(two_plans) == [("187", 4, HEAD_UNIT)]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (
            "/xong 187.99",
            "Kế hoạch 187 không có nhiệm vụ 187.99 (các nhiệm vụ từ 187.1 đến 187.10).",
        ),
        ("/xong 999.6", "Không có kế hoạch nào mang mã “999”. Các kế hoạch hiện có: 187, 05."),
        # A key where a task is expected: `187.` reads as the number 187 (people write `6.`).
        (
            "/xong 187.",
            "Không kế hoạch nào đang theo dõi có nhiệm vụ số 187. Các kế hoạch: 187, 05; ghi "
            "nhiệm vụ theo dạng MÃ.SỐ, ví dụ 187.6",
        ),
        ("/xong .6", "“.6” không phải là số thứ tự nhiệm vụ."),
        ("/xong 11", "Không kế hoạch nào đang theo dõi có nhiệm vụ số 11. Các kế hoạch: 187, 05"),
    ],
)
async def test_bad_addresses_name_what_exists_and_change_nothing(
    two_plans: BotServices, chat: Chat, typed: str, expected: str
) -> None:
    iso = await chat.registered("iso", ISO, Role.ISO)
    reply = await iso.says(typed)
    assert reply.startswith(expected), reply
    assert await confirmed(two_plans) == []


async def test_status_all_plans_one_plan_and_one_task(two_plans: BotServices, chat: Chat) -> None:
    office = await chat.registered("vp", "Văn phòng Sở", Role.OFFICE)
    overview = await office.says("/tinhhinh")
    lines = overview.splitlines()
    assert lines[0] == "Tình hình thực hiện các kế hoạch đến ngày 01/08/2022:"
    # One line per plan, the most overdue first: 187's task 1 has been overdue since February.
    assert lines[1].startswith("• 187 — 187/KH-SGDĐT: hoàn thành 0/10, ")
    assert lines[2].startswith("• 05 — 05/KH-SGDĐT: hoàn thành 0/7, ")
    one_plan = await office.says("/tinhhinh 05")
    assert one_plan.startswith("Tình hình thực hiện Kế hoạch 05/KH-SGDĐT đến ngày 01/08/2022:")
    assert "\n7 nhiệm vụ: 0 hoàn thành, 2 quá hạn, " in one_plan
    assert "Chi tiết một nhiệm vụ: /tinhhinh 05.6" in one_plan
    one_task = await office.says("/tinhhinh 05.6")
    assert one_task.startswith("Nhiệm vụ 05.6: Đánh giá việc áp dụng Hệ thống quản lý")


async def test_tasks_span_the_plans(two_plans: BotServices, chat: Chat) -> None:
    head = await chat.registered("head", "Văn phòng Sở", Role.HEAD)
    text = await head.says("/viec")
    assert text.startswith("Việc của Văn phòng Sở theo Kế hoạch 187/KH-SGDĐT (")
    assert "\n\nViệc của Văn phòng Sở theo Kế hoạch 05/KH-SGDĐT (7 nhiệm vụ):" in text
    assert "\n05.3. Cập nhật, công khai thủ tục hành chính" in text


async def test_closing_a_plan_silences_it_and_leaves_the_other(
    two_plans: BotServices, chat: Chat
) -> None:
    office = await chat.registered("vp", "Văn phòng Sở", Role.OFFICE)
    iso = await chat.registered("iso", ISO, Role.ISO)
    head = await chat.registered("head", HEAD_UNIT, Role.HEAD)
    assert "Chỉ" not in await office.says("/kehoach")
    refused = await head.says("/kehoach dong 05")
    assert refused.startswith("Lệnh này dành cho Văn phòng Sở, Ban ISO và Lãnh đạo Sở.")
    refused = await iso.says("/kehoach dong 05")
    assert refused.startswith("Lệnh này chỉ dành cho Văn phòng Sở.")

    reply = await office.says("/kehoach dong 05")
    assert reply.startswith("Đã đóng Kế hoạch 05/KH-SGDĐT (05): không nhắc việc thêm.")
    listing = await office.says("/kehoach")
    assert "• 05 — 05/KH-SGDĐT (đã đóng, đến 31/12/2022): 7 nhiệm vụ" in listing

    # With one plan followed, a bare number is that plan's and messages show bare numbers.
    assert "nhiệm vụ số 6 (ngày 01/08/2022)" in await iso.says("/xong 6")
    closed = await iso.says("/xong 05.6")
    assert closed.startswith("Kế hoạch 05 đã được Văn phòng Sở đóng")
    assert await confirmed(two_plans) == [("187", 6, ISO)]

    channel = RecordingChannel("console")
    engine = ReminderEngine(two_plans, {"console": channel})
    await engine.tick(datetime(2022, 8, 1, 8, 0))
    [message] = channel.to("iso")
    assert "Kế hoạch 05/KH-SGDĐT" not in message and "Đánh giá việc áp dụng" not in message
    assert "(Kế hoạch 187/KH-SGDĐT)" in message

    assert "được theo dõi lại" in await office.says("/kehoach mo 05")
    assert [s.key for s in await two_plans.statuses()] == ["187", "05"]


async def test_one_morning_message_merges_both_plans_with_full_addresses(
    two_plans: BotServices, chat: Chat
) -> None:
    await chat.registered("iso", ISO, Role.ISO)
    channel = RecordingChannel("console")
    engine = ReminderEngine(two_plans, {"console": channel})
    await engine.tick(datetime(2022, 8, 1, 8, 0))
    [message] = channel.to("iso")
    assert message.startswith("Nhắc việc ngày 01/08/2022 — Ban ISO Sở\n")
    # Each plan's tasks under its own line, with addresses the buttons and commands accept.
    assert "\nKế hoạch 187/KH-SGDĐT:\n187.1. Xây dựng kế hoạch duy trì" in message
    assert "\nKế hoạch 05/KH-SGDĐT:\n05.1. Ban hành kế hoạch kiểm soát" in message
    assert "\n05.6. Đánh giá việc áp dụng" in message
    assert "/xong 187.7" in message and "/xong 05.6" in message


async def test_recurring_tasks_run_to_the_plans_end_which_the_office_may_set(
    two_plans: BotServices, chat: Chat
) -> None:
    await chat.registered("vp", "Văn phòng Sở", Role.OFFICE)
    channel = RecordingChannel("console")
    engine = ReminderEngine(two_plans, {"console": channel})
    # Plan 05 ends 31/12/2022: its monthly task 3 says nothing in February 2023.
    await engine.tick(datetime(2023, 2, 1, 8, 0))
    assert not any("05.3" in text for text in channel.to("vp"))
    change = await two_plans.set_plan_end("05", date(2023, 6, 30))
    assert change.end == date(2023, 6, 30)
    await engine.tick(datetime(2023, 3, 1, 8, 0))
    assert any("05.3. Cập nhật, công khai" in text for text in channel.to("vp"))
    [plan05] = [s for s in await two_plans.statuses() if s.key == "05"]
    assert (plan05.end, plan05.state) == (date(2023, 6, 30), PlanState.ACTIVE)


async def test_the_office_gets_one_closing_summary_after_a_plans_end(
    two_plans: BotServices, chat: Chat
) -> None:
    office = await chat.registered("vp", "Văn phòng Sở", Role.OFFICE)
    assert "nhiệm vụ số 05.1" in await office.says("/xong 05.1")
    channel = RecordingChannel("console")
    engine = ReminderEngine(two_plans, {"console": channel})
    # 31/12/2022 is a Saturday and 02/01/2023 the New Year holiday: the first working day after
    # both plans' end is Tuesday 03/01/2023.
    await engine.tick(datetime(2023, 1, 3, 8, 0))
    [message] = channel.to("vp")
    assert "Kế hoạch 187/KH-SGDĐT đã kết thúc ngày 31/12/2022." in message
    assert "Kế hoạch 05/KH-SGDĐT đã kết thúc ngày 31/12/2022." in message
    assert (
        "Các nhiệm vụ chưa hoàn thành: 05.2, 05.4, 05.5, 05.6, 05.7. Nhiệm vụ quá hạn tiếp tục "
        "được nhắc đến ngày 30/01/2023." in message
    )
    assert "dừng mọi nhắc việc: /kehoach dong 05" in message
    # Once only.
    await engine.tick(datetime(2023, 1, 4, 8, 0))
    await engine.tick(datetime(2023, 1, 9, 8, 0))
    assert sum("đã kết thúc ngày" in text for text in channel.to("vp")) == 1


async def test_a_supporting_unit_is_never_overdue_in_a_tasks_status(
    services: BotServices, chat: Chat
) -> None:
    office = await chat.registered("vp", "Văn phòng Sở", Role.OFFICE)
    head = await chat.registered("head", HEAD_UNIT, Role.HEAD)
    # Task 1 (led by Ban ISO, due 09/02) is long overdue; the departments only support it.
    detail = await office.says("/tinhhinh 1")
    assert "Tình trạng: Quá hạn 173 ngày" in detail
    assert "\n• Phòng Giáo dục Trung học — Phối hợp\n" in detail
    assert "Phòng Giáo dục Trung học — chưa xác nhận" not in detail
    assert "Đã ghi nhận" in await head.says("/xong 1 đã góp ý dự thảo")
    detail = await office.says("/tinhhinh 1")
    assert "\n• Phòng Giáo dục Trung học — Đã báo cáo, lúc 09:00 ngày 01/08/2022" in detail
