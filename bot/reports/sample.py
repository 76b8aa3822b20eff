"""A realistic `ReportData` for plan 187/KH-SGDĐT on 26/09/2022, for tests and the docs images.

It holds every case a report must draw: units done on time and late, units overdue, a task due
this week, recurring monthly tasks with missed periods, and task 10 with no date. Patterns come
from fixed arithmetic, so the sample (and every image made from it) is the same on each run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from bot.clock import LOCAL_TZ
from bot.domain.model import AssignmentRole, Every, Schedule, State, StateKind
from bot.reports.data import AssignmentRow, ReminderLogRow, ReportData, TaskRow

TODAY = date(2022, 9, 26)
DUE_SOON_DAYS = 7

BAN_ISO = "Ban ISO Sở"
LEADERS = "Lãnh đạo Sở"
DEPARTMENTS_GROUP = "Các phòng thuộc Sở"
DEPARTMENTS = (
    "Văn phòng Sở",
    "Thanh tra Sở",
    "Phòng Tổ chức cán bộ",
    "Phòng Kế hoạch - Tài chính",
    "Phòng Giáo dục Mầm non",
    "Phòng Giáo dục Tiểu học",
    "Phòng Giáo dục Trung học",
    "Phòng Giáo dục chuyên nghiệp - Giáo dục thường xuyên",
    "Phòng Khảo thí và Quản lý chất lượng giáo dục",
)
PEOPLE = {
    BAN_ISO: "Trần Thị Hương",
    LEADERS: "Đỗ Văn Khải",
    "Văn phòng Sở": "Nguyễn Thị Lan",
    "Thanh tra Sở": "Phạm Văn Đức",
    "Phòng Tổ chức cán bộ": "Lê Thị Thu Hà",
    "Phòng Kế hoạch - Tài chính": "Vũ Minh Tuấn",
    "Phòng Giáo dục Mầm non": "Đặng Thị Ngọc Ánh",
    "Phòng Giáo dục Tiểu học": "Hoàng Văn Nam",
    "Phòng Giáo dục Trung học": "Bùi Thị Phương",
    "Phòng Giáo dục chuyên nghiệp - Giáo dục thường xuyên": "Ngô Quang Huy",
    "Phòng Khảo thí và Quản lý chất lượng giáo dục": "Đinh Thị Yến",
}

# (unit, confirmed on, note) for the one-off tasks; None = not confirmed yet.
Done = tuple[str, date | None, str | None]


def _state(due: date | None, confirmed: date | None, today: date) -> tuple[State, int]:
    """The state DESIGN defines, with the late_days the report rows carry."""
    if confirmed is not None:
        if due is None or confirmed <= due:
            return State(StateKind.DONE_ON_TIME), 0
        late = (confirmed - due).days
        return State(StateKind.DONE_LATE, late), late
    if due is None:
        return State(StateKind.NO_DATE), 0
    if due < today:
        overdue = (today - due).days
        return State(StateKind.OVERDUE, overdue), overdue
    left = (due - today).days
    return State(StateKind.DUE_SOON if left <= DUE_SOON_DAYS else StateKind.NOT_DUE, left), 0


def _at(day: date, unit: str) -> datetime:
    """A confirmation time during office hours, spread by unit so rows differ."""
    hour = 8 + len(unit) % 8
    return datetime.combine(day, time(hour, 5 + len(unit) % 50), tzinfo=LOCAL_TZ)


def _row(
    task_no: int,
    unit: str,
    role: AssignmentRole,
    due: date | None,
    confirmed: date | None,
    note: str | None = None,
    *,
    period: str = "",
    today: date = TODAY,
) -> AssignmentRow:
    state, late_days = _state(due, confirmed, today)
    return AssignmentRow(
        task_no=task_no,
        unit=unit,
        role=role,
        period=period,
        due=due,
        state=state,
        confirmed_at=_at(confirmed, unit) if confirmed else None,
        confirmed_by=PEOPLE.get(unit) if confirmed else None,
        note=note,
        late_days=late_days,
    )


def _task_state(rows: list[AssignmentRow]) -> State:
    """Worst lead state first: overdue, then open, then done late, then done on time."""
    leads = [row.state for row in rows if row.role is AssignmentRole.LEAD]
    for kind in (StateKind.OVERDUE, StateKind.DUE_SOON, StateKind.NOT_DUE, StateKind.NO_DATE):
        found = [state for state in leads if state.kind is kind]
        if found:
            return (
                max(found, key=lambda state: state.days)
                if kind is StateKind.OVERDUE
                else (min(found, key=lambda state: state.days))
            )
    late = [state for state in leads if state.kind is StateKind.DONE_LATE]
    if late:
        return max(late, key=lambda state: state.days)
    return State(StateKind.DONE_ON_TIME)


def _one_off(
    no: int,
    content: str,
    lead: tuple[str, ...],
    support: tuple[str, ...],
    when: str,
    schedule: Schedule,
    lead_done: Sequence[Done],
    support_done: Sequence[Done] = (),
) -> TaskRow:
    due = schedule.due
    rows = [_row(no, unit, AssignmentRole.LEAD, due, day, note) for unit, day, note in lead_done]
    rows += [
        _row(no, unit, AssignmentRole.SUPPORT, due, day, note) for unit, day, note in support_done
    ]
    leads = [row for row in rows if row.role is AssignmentRole.LEAD]
    return TaskRow(
        no=no,
        content=content,
        lead=lead,
        support=support,
        when=when,
        schedule=schedule,
        state=_task_state(rows),
        done_units=sum(row.state.kind.is_done for row in leads),
        owed_units=len(leads),
        missed_periods=0,
        assignments=tuple(rows),
    )


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


_RECURRING_NOTES = {
    4: "Không phát sinh quy trình mới trong kỳ",
    5: "Đã rà soát, đề nghị sửa đổi 01 quy trình",
    9: "Đã cập nhật danh mục tài liệu bên ngoài",
}


def _recurring(no: int, content: str, today: date) -> TaskRow:
    """A monthly task from the plan's month to today's: some periods missed, some late."""
    rows: list[AssignmentRow] = []
    for month in range(2, today.month + 1):
        period = f"{today.year}-{month:02d}"
        due = _month_end(today.year, month)
        for index, unit in enumerate(DEPARTMENTS):
            code = (no * 7 + index * 3 + month) % 11
            note = _RECURRING_NOTES[no] if code in (2, 7) else None
            if due >= today:  # the current period: two thirds already confirmed
                day = due - timedelta(days=8 + index) if (index + no) % 3 else None
            elif code == 0:
                day = None  # missed
            elif code == 5:
                day = due + timedelta(days=2 + index % 4)  # confirmed after the period
            else:
                day = due - timedelta(days=3 + index % 9)
            if day is None:
                note = None
            rows.append(
                _row(no, unit, AssignmentRole.LEAD, due, day, note, period=period, today=today)
            )
    current = [row for row in rows if row.due is not None and row.due >= today]
    missed = [
        row for row in rows if row.due is not None and row.due < today and row.confirmed_at is None
    ]
    return TaskRow(
        no=no,
        content=content,
        lead=(DEPARTMENTS_GROUP,),
        support=(BAN_ISO,),
        when="Thường xuyên",
        schedule=Schedule.recurring(Every.MONTH),
        state=_task_state(current),
        done_units=sum(row.state.kind.is_done for row in current),
        owed_units=len(current),
        missed_periods=len(missed),
        assignments=tuple(rows),
    )


def _tasks(today: date) -> tuple[TaskRow, ...]:
    y = today.year
    t2: list[Done] = [
        ("Văn phòng Sở", date(y, 8, 10), None),
        ("Thanh tra Sở", date(y, 8, 18), None),
        ("Phòng Tổ chức cán bộ", date(y, 8, 27), "Chờ ý kiến Lãnh đạo Sở phụ trách"),
        ("Phòng Kế hoạch - Tài chính", None, None),
        ("Phòng Giáo dục Mầm non", date(y, 8, 12), None),
        ("Phòng Giáo dục Tiểu học", date(y, 8, 22), None),
        ("Phòng Giáo dục Trung học", date(y, 8, 15), "Đã gửi Ban ISO mục tiêu năm học 2022-2023"),
        (
            "Phòng Giáo dục chuyên nghiệp - Giáo dục thường xuyên",
            date(y, 9, 5),
            "Bổ sung sau khi có số liệu tuyển sinh",
        ),
        ("Phòng Khảo thí và Quản lý chất lượng giáo dục", None, None),
    ]
    audit_support: list[Done] = [
        (unit, date(y, 7, 4 + 2 * index), None) for index, unit in enumerate(DEPARTMENTS)
    ]
    return (
        _one_off(
            1,
            "Xây dựng kế hoạch duy trì và áp dụng HTQLCL tiêu chuẩn quốc gia "
            "TCVN ISO 9001:2015 năm 2022",
            (BAN_ISO,),
            (DEPARTMENTS_GROUP,),
            "Trước 10/02/2022",
            Schedule.deadline(date(y, 2, 9)),
            [(BAN_ISO, date(y, 2, 7), "Kế hoạch số 187/KH-SGDĐT ngày 07/02/2022")],
        ),
        _one_off(
            2,
            "Đánh giá kết quả thực hiện mục tiêu chất lượng năm học 2021-2022; xây dựng mục "
            "tiêu chất lượng của đơn vị năm học 2022-2023",
            (DEPARTMENTS_GROUP,),
            (BAN_ISO,),
            "Trước 25/8/2022",
            Schedule.deadline(date(y, 8, 24)),
            t2,
            [(BAN_ISO, date(y, 8, 20), "Đã hướng dẫn các phòng xây dựng mục tiêu")],
        ),
        _one_off(
            3,
            "Trên cơ sở mục tiêu chất lượng các phòng, Ban ISO đánh giá kết quả thực hiện mục "
            "tiêu chất lượng năm học 2021-2022, xây dựng mục tiêu chất lượng của Sở năm học "
            "2022-2023",
            (BAN_ISO,),
            (DEPARTMENTS_GROUP,),
            "Trước 05/09/2022",
            Schedule.deadline(date(y, 9, 4)),
            [(BAN_ISO, date(y, 9, 8), "Chờ tổng hợp mục tiêu của các phòng")],
        ),
        _recurring(4, "Xây dựng mới một số quy trình ISO (nếu có)", today),
        _recurring(5, "Rà soát, bổ sung, sửa đổi các quy trình ISO của Sở", today),
        _one_off(
            6,
            "Đánh giá nội bộ",
            (LEADERS, BAN_ISO),
            (DEPARTMENTS_GROUP,),
            "Từ 01/6 đến 30/7/2022",
            Schedule.window(date(y, 6, 1), date(y, 7, 30)),
            [
                (LEADERS, date(y, 7, 28), None),
                (BAN_ISO, date(y, 7, 29), "Biên bản đánh giá nội bộ lưu tại Ban ISO"),
            ],
            audit_support,
        ),
        _one_off(
            7,
            "Tiến hành khắc phục sau đánh giá nội bộ",
            (LEADERS, BAN_ISO),
            (DEPARTMENTS_GROUP,),
            "Tháng 01/8 đến 15/9/2022",
            Schedule.window(date(y, 8, 1), date(y, 9, 15)),
            [(LEADERS, date(y, 9, 14), None), (BAN_ISO, None, None)],
        ),
        _one_off(
            8,
            "Tổ chức họp xem xét của Lãnh đạo",
            (LEADERS, BAN_ISO),
            (DEPARTMENTS_GROUP,),
            "Trước 30/9/2022",
            Schedule.deadline(date(y, 9, 29)),
            [(LEADERS, None, None), (BAN_ISO, None, None)],
        ),
        _recurring(
            9,
            "Các phòng thuộc Sở rà soát, bổ sung tài liệu bên ngoài của các quy trình ISO",
            today,
        ),
        _one_off(
            10,
            "Báo cáo kết quả thực hiện hoạt động duy trì và áp dụng, cải tiến HTQLCL theo "
            "tiêu chuẩn quốc gia TCVN ISO 9001:2015 năm 2022",
            (BAN_ISO,),
            (LEADERS, DEPARTMENTS_GROUP),
            "Theo quy định",
            Schedule.as_regulated(),
            [(BAN_ISO, None, None)],
        ),
    )


def _sent(day: date, hour: int = 8, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)


def _reminders(today: date) -> tuple[ReminderLogRow, ...]:
    """A few weeks of the outbox around task 2's deadline, with a failure and a late send."""
    y = today.year
    kt = "Phòng Khảo thí và Quản lý chất lượng giáo dục"
    kh = "Phòng Kế hoạch - Tài chính"
    rows = [
        (_sent(date(y, 8, 10)), "telegram", "Vũ Minh Tuấn", kh, 2, "upcoming", date(y, 8, 10)),
        (_sent(date(y, 8, 10)), "zalo", "Đinh Thị Yến", kt, 2, "upcoming", date(y, 8, 10)),
        (_sent(date(y, 8, 17)), "telegram", "Vũ Minh Tuấn", kh, 2, "upcoming", date(y, 8, 17)),
        (_sent(date(y, 8, 17)), "zalo", "Đinh Thị Yến", kt, 2, "upcoming", date(y, 8, 17)),
        (_sent(date(y, 8, 24)), "telegram", "Vũ Minh Tuấn", kh, 2, "due_today", date(y, 8, 24)),
        (_sent(date(y, 8, 24)), "zalo", "Đinh Thị Yến", kt, 2, "due_today", date(y, 8, 24)),
        (_sent(date(y, 8, 25)), "telegram", "Vũ Minh Tuấn", kh, 2, "overdue", date(y, 8, 25)),
        (
            _sent(date(y, 8, 29)),
            "telegram",
            "Nguyễn Thị Lan",
            "Văn phòng Sở",
            2,
            "escalation",
            date(y, 8, 29),
        ),
        (
            _sent(date(y, 8, 29)),
            "telegram",
            "Trần Thị Hương",
            BAN_ISO,
            2,
            "escalation",
            date(y, 8, 29),
        ),
        (
            _sent(date(y, 8, 1)),
            "telegram",
            "Trần Thị Hương",
            BAN_ISO,
            7,
            "opens",
            date(y, 8, 1),
        ),
        (_sent(date(y, 9, 1)), "zalo", "Đinh Thị Yến", kt, 9, "period_open", date(y, 9, 1)),
        (
            _sent(date(y, 9, 5), 10, 42),
            "telegram",
            "Nguyễn Thị Lan",
            "Văn phòng Sở",
            10,
            "needs_deadline",
            date(y, 9, 5),
        ),
        (
            _sent(date(y, 9, 16)),
            "telegram",
            "Trần Thị Hương",
            BAN_ISO,
            7,
            "overdue",
            date(y, 9, 16),
        ),
        (
            _sent(date(y, 9, 22)),
            "telegram",
            "Trần Thị Hương",
            BAN_ISO,
            8,
            "upcoming",
            date(y, 9, 22),
        ),
        (_sent(date(y, 9, 26)), "zalo", "Đinh Thị Yến", kt, 4, "period_closing", date(y, 9, 26)),
    ]
    statuses = {1: "failed", 3: "sent", 11: "sent", 13: "pending"}
    late = {11}  # sent at 10:42 after the bot was down at 08:00
    out = [
        ReminderLogRow(
            at=at,
            channel=channel,
            contact=contact,
            unit=unit,
            task_no=task_no,
            kind=kind,
            slot=slot,
            status=statuses.get(index, "sent"),
            late=index in late,
        )
        for index, (at, channel, contact, unit, task_no, kind, slot) in enumerate(rows)
    ]
    out.append(
        ReminderLogRow(
            _sent(date(y, 9, 2)),
            "zalo",
            "Đinh Thị Yến",
            kt,
            2,
            "overdue",
            date(y, 9, 2),
            "skipped",
            False,
        )
    )  # 02/09 is Quốc khánh: skipped, not moved, because the overdue nag is daily anyway
    return tuple(sorted(out, key=lambda row: (row.at, row.task_no, row.contact)))


def sample_report_data(today: date = TODAY) -> ReportData:
    """The 2022 plan as the Office would see it on `today` (default 26/09/2022)."""
    return ReportData(
        agency_parent="UBND TỈNH HƯNG YÊN",
        agency="SỞ GIÁO DỤC VÀ ĐÀO TẠO",
        place="Hưng Yên",
        plan_number="187/KH-SGDĐT",
        plan_issued=date(2022, 2, 7),
        plan_title=(
            "Duy trì áp dụng, cải tiến Hệ thống quản lý chất lượng theo tiêu chuẩn quốc gia "
            "TCVN ISO 9001:2015 vào hoạt động của Sở Giáo dục và Đào tạo Hưng Yên năm 2022"
        ),
        plan_year=2022,
        today=today,
        tasks=_tasks(today),
        reminders=_reminders(today),
        agency_code="SGDĐT",
        signer_title=("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"),
        signer_name=PEOPLE[LEADERS],
        recipients=(
            "UBND tỉnh (để báo cáo)",
            "Giám đốc, các Phó Giám đốc Sở",
            "Ban ISO Sở",
            "Các phòng thuộc Sở",
            "Lưu: VT, VP",
        ),
    )
