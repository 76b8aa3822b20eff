"""A person with several memberships (issue 13, item 5), over real HTTP on the fake Bot API.

The Chánh Văn phòng also sits on Ban ISO. She typed a Ban ISO code and was moved out of the
Office: her next `/danhba` was refused. Now a code adds a membership and says so; commands act for
her unit that owns the task and ask for `@UNIT` when both do; reminders of both units reach her
in one morning message; the Office can remove one membership (`/thuhoi N @UNIT`).

The clock is the conftest's ManualClock (Monday 01/08/2022, 09:00). In plan 187, Ban ISO Sở
leads tasks 1, 3, 6, 7, 8, 10 and supports 2, 4, 5, 9; Văn phòng Sở, one of "Các phòng thuộc
Sở", leads 2, 4, 5, 9 and supports the others.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from bot.channels.telegram import TelegramChannel
from bot.clock import LOCAL_TZ
from bot.domain.model import Role
from bot.services.facade import BotServices
from bot.store.models import AuditEntry, Contact, Invite, Membership, Person, Unit
from scheduler.engine import ReminderEngine
from tests.fakes.telegram_server import FakeTelegramServer
from tests.test_telegram_buttons import press
from tests.test_telegram_story import (  # noqa: F401 (fixtures: bot, tg)
    CODE,
    TelegramUser,
    bot,
    confirmation_rows,
    registered,
    snapshot,
    tg,
)

OFFICE_UNIT = "Văn phòng Sở"
ISO_UNIT = "Ban ISO Sở"


async def memberships(services: BotServices) -> list[tuple[int, str, str]]:
    async with services.db.session() as session:
        rows = await session.execute(
            select(Membership.person_id, Unit.name, Membership.role)
            .join(Unit, Unit.id == Membership.unit_id)
            .order_by(Membership.id)
        )
        return [tuple(row) for row in rows]


async def office_and_iso(services: BotServices, server: FakeTelegramServer) -> TelegramUser:
    """Nguyễn Thị Hoa, Chánh Văn phòng, registered for the Office, then given a Ban ISO code."""
    hoa = await registered(services, server, 1001, OFFICE_UNIT, Role.OFFICE, "Nguyễn Thị", "Hoa")
    code = (await services.invite(ISO_UNIT, Role.ISO, created_by="test")).code
    reply = await hoa.says(f"/start {code}")
    assert reply.startswith("Đã bổ sung")
    return hoa


async def test_a_second_code_adds_a_membership_and_keeps_the_office(
    tg: FakeTelegramServer,  # noqa: F811
    bot: TelegramChannel,  # noqa: F811
    services: BotServices,
) -> None:
    hoa = await registered(services, tg, 1001, OFFICE_UNIT, Role.OFFICE, "Nguyễn Thị", "Hoa")
    invitation = await hoa.says("/moi Ban ISO iso")
    code = CODE.search(invitation).group(0)

    added = await hoa.says(f"/start {code}")
    assert added == (
        "Đã bổ sung: anh/chị nay làm việc thêm cho Ban ISO Sở với vai trò thành viên Ban ISO, "
        "vẫn giữ các đơn vị đã có. Các đơn vị của anh/chị: Văn phòng Sở, Ban ISO Sở.\n"
        "Anh/chị nhận nhắc việc của từng đơn vị. Lệnh về một nhiệm vụ được thực hiện cho đơn vị "
        "của anh/chị có tham gia nhiệm vụ đó; khi nhiều đơn vị của anh/chị cùng tham gia, ghi "
        "thêm tên đơn vị sau dấu @, ví dụ /xong 6 @Ban ISO Sở."
    )
    # One person, one contact, two memberships: nobody was moved.
    async with services.db.session() as session:
        assert await session.scalar(select(func.count(Person.id))) == 1
        assert await session.scalar(select(func.count(Contact.id))) == 1
        person_id = await session.scalar(select(Person.id))
    assert await memberships(services) == [
        (person_id, OFFICE_UNIT, "office"),
        (person_id, ISO_UNIT, "iso"),
    ]

    # The bug: her next /danhba (Office only) was refused. It still answers, listing both units.
    contacts = await hoa.says("/danhba")
    assert (
        "#1 Nguyễn Thị Hoa — Văn phòng Sở — theo dõi, đôn đốc (Văn phòng); "
        "Ban ISO Sở — thành viên Ban ISO — telegram — từ 01/08/2022"
    ) in contacts
    assert "Để thu hồi một đơn vị của một người: /thuhoi SỐ @ĐƠN_VỊ" in contacts
    assert await hoa.says("/start") == (
        "Anh/chị đã đăng ký cho Văn phòng Sở (theo dõi, đôn đốc (Văn phòng)), Ban ISO Sở "
        "(thành viên Ban ISO).\nGõ /viec để xem việc của các đơn vị, /trogiup để xem các lệnh."
    )

    # A code for what she holds already changes nothing and stays unused for its owner.
    again = (await services.invite(ISO_UNIT, Role.ISO, created_by="test")).code
    before = await snapshot(services)
    assert await hoa.says(f"/start {again}") == (
        "Anh/chị đã làm việc cho Ban ISO Sở với vai trò thành viên Ban ISO: không có gì thay "
        "đổi, mã mời chưa được sử dụng. Gõ /viec để xem việc của các đơn vị."
    )
    assert await snapshot(services) == before
    assert len(await memberships(services)) == 2
    async with services.db.session() as session:
        unused = await session.scalar(
            select(func.count(Invite.id)).where(Invite.used_at.is_(None))
        )
    assert unused == 1


async def test_commands_act_for_the_unit_that_owns_the_task_and_ask_when_both_do(
    tg: FakeTelegramServer,  # noqa: F811
    bot: TelegramChannel,  # noqa: F811
    services: BotServices,
) -> None:
    hoa = await office_and_iso(services, tg)
    before = await snapshot(services)

    asked = await hoa.says("/xong 7 đã lập kế hoạch")
    assert asked == (
        "Nhiệm vụ 7 thuộc nhiều đơn vị của anh/chị: Văn phòng Sở, Ban ISO Sở. Chưa có gì được "
        "ghi nhận. Vui lòng ghi thêm tên đơn vị sau dấu @, ví dụ: /xong 7 @Văn phòng Sở"
    )
    (message,) = [m for m in tg.sent if m.text == asked]
    assert tg.buttons_of(tg.message(1001, message.message_id)) == [
        [("@Văn phòng Sở", "done 7 @Văn phòng Sở")],
        [("@Ban ISO Sở", "done 7 @Ban ISO Sở")],
    ]
    assert await snapshot(services) == before

    # Pressing a unit's button confirms for it, as typing `/xong 8 @Ban ISO Sở` would.
    asked = await hoa.says("/xong 8")
    (message,) = [m for m in tg.sent if m.text == asked]
    answer = await press(tg, 1001, message, "done 8 @Ban ISO Sở")
    assert answer["text"].startswith("Đã ghi nhận Ban ISO Sở hoàn thành nhiệm vụ số 8")
    ((no, unit, row),) = await confirmation_rows(services)
    assert (no, unit, row.on_behalf) == (8, ISO_UNIT, False)

    done = await hoa.says("/xong 7 @Ban ISO đã lập kế hoạch")
    assert done == (
        "Đã ghi nhận Ban ISO Sở hoàn thành nhiệm vụ số 7 (ngày 01/08/2022).\n"
        "Ghi chú: đã lập kế hoạch\nNếu xác nhận nhầm, gõ /huy 7 để hủy."
    )
    *_, (no, unit, row) = await confirmation_rows(services)
    assert (no, unit, row.on_behalf, row.by_unit) == (7, ISO_UNIT, False, ISO_UNIT)

    # Undo and snooze ask the same way, and take @UNIT.
    assert (await hoa.says("/huy 7")).startswith("Nhiệm vụ 7 thuộc nhiều đơn vị của anh/chị")
    assert await hoa.says("/huy 7 @Ban ISO") == (
        "Đã hủy xác nhận nhiệm vụ 7 của Ban ISO Sở (xác nhận ngày 01/08/2022).\n"
        "Khi hoàn thành, gõ /xong 7."
    )
    assert (await hoa.says("/hoanlai 3")).endswith("ví dụ: /hoanlai 3 @Văn phòng Sở")
    held = await hoa.says("/hoanlai 3 @Ban ISO 5")
    assert held.startswith(
        "Đã tạm hoãn nhắc nhiệm vụ số 3 của Ban ISO Sở đến hết ngày 08/08/2022 (5 ngày"
    )

    # Undo acts for her own units only, even for the Office (it sends others' back with /tuchoi).
    assert (await hoa.says("/huy 6 @KH-TC")).startswith(
        "Anh/chị không làm việc cho Phòng Kế hoạch - Tài chính; các đơn vị của anh/chị là "
        "Văn phòng Sở, Ban ISO Sở."
    )
    # The Office's on-behalf rule stays: a unit not hers is confirmed for, and says so.
    behalf = await hoa.says("/xong 6 @Lãnh đạo Sở")
    assert behalf.startswith(
        "Đã ghi nhận thay cho Lãnh đạo Sở: hoàn thành nhiệm vụ 6 ngày 01/08/2022 (người xác "
        "nhận: Nguyễn Thị Hoa, Văn phòng Sở)."
    )
    *_, (no, unit, row) = await confirmation_rows(services)
    assert (no, unit, row.on_behalf, row.by_unit) == (6, "Lãnh đạo Sở", True, OFFICE_UNIT)


async def test_a_head_in_two_units_may_name_only_their_own(
    tg: FakeTelegramServer,  # noqa: F811
    bot: TelegramChannel,  # noqa: F811
    services: BotServices,
) -> None:
    lan = await registered(
        services, tg, 3003, "Phòng Giáo dục Trung học", Role.HEAD, "Phạm Thị", "Lan"
    )
    code = (await services.invite(ISO_UNIT, Role.MEMBER, created_by="test")).code
    assert (await lan.says(f"/start {code}")).startswith("Đã bổ sung")
    before = await snapshot(services)

    assert await lan.says("/xong 6 @KH-TC") == (
        "Anh/chị không làm việc cho Phòng Kế hoạch - Tài chính; các đơn vị của anh/chị là "
        "Phòng Giáo dục Trung học, Ban ISO Sở. Chưa có gì thay đổi. Vui lòng ghi một trong các "
        "đơn vị đó sau dấu @, hoặc đề nghị Văn phòng Sở cấp mã mời để làm việc cho đơn vị khác."
    )
    assert (await lan.says("/xong 6 @Phòng Không Tồn Tại")).startswith(
        "Không tìm thấy đơn vị “Phòng Không Tồn Tại”"
    )
    assert await snapshot(services) == before
    # Task 6 is led by Ban ISO and supported by her Phòng: she is asked, then names one.
    assert (await lan.says("/xong 6")).startswith("Nhiệm vụ 6 thuộc nhiều đơn vị của anh/chị")
    assert (await lan.says("/xong 6 @Ban ISO")).startswith("Đã ghi nhận Ban ISO Sở hoàn thành")
    # Her /viec lists each unit's tasks.
    tasks = await lan.says("/viec")
    assert "Việc của Phòng Giáo dục Trung học" in tasks
    assert "Việc của Ban ISO Sở" in tasks


async def test_both_units_reminders_arrive_in_one_morning_message(
    tg: FakeTelegramServer,  # noqa: F811
    bot: TelegramChannel,  # noqa: F811
    services: BotServices,
) -> None:
    hoa = await office_and_iso(services, tg)
    engine = ReminderEngine(services, {"telegram": bot})
    await engine.tick(datetime(2022, 8, 1, 8, 0, tzinfo=LOCAL_TZ))

    reminders = [m for m in hoa.replies() if m.text.startswith("Nhắc việc")]
    (reminder,) = reminders  # one message, however many memberships
    assert reminder.text.startswith("Nhắc việc ngày 01/08/2022 — Văn phòng Sở, Ban ISO Sở")
    rows = tg.buttons_of(tg.message(1001, reminder.message_id))
    # Ban ISO's tasks 1, 6, 7 and the Office's 4, 5, 9, each once.
    assert sorted(row[0][1] for row in rows) == [f"done 187.{no}" for no in (1, 4, 5, 6, 7, 9)]
    # A second tick the same morning sends nothing more.
    await engine.tick(datetime(2022, 8, 1, 8, 30, tzinfo=LOCAL_TZ))
    assert len([m for m in hoa.replies() if m.text.startswith("Nhắc việc")]) == 1


async def test_revoke_removes_one_membership_and_refuses_what_is_not_there(
    tg: FakeTelegramServer,  # noqa: F811
    bot: TelegramChannel,  # noqa: F811
    services: BotServices,
) -> None:
    hoa = await office_and_iso(services, tg)
    lan = await registered(
        services, tg, 3003, "Phòng Giáo dục Trung học", Role.HEAD, "Phạm Thị", "Lan"
    )
    before = await snapshot(services)
    assert await hoa.says("/thuhoi 2 @Ban ISO") == (
        "#2 Phạm Thị Lan không làm việc cho Ban ISO Sở; các đơn vị của người này là Phòng Giáo "
        "dục Trung học. Chưa có gì thay đổi. Gõ /danhba để xem đơn vị của từng người."
    )
    assert await hoa.says("/thuhoi 2 @GDTrH") == (
        "Phòng Giáo dục Trung học là đơn vị duy nhất của #2 Phạm Thị Lan nên chưa có gì thay "
        "đổi. Để thu hồi đăng ký của người này, gõ /thuhoi 2."
    )
    assert (await hoa.says("/thuhoi 2 @Phòng Không Tồn Tại")).startswith(
        "Không tìm thấy đơn vị “Phòng Không Tồn Tại”"
    )
    assert (await hoa.says("/thuhoi 9 @Ban ISO")).startswith("Không có người đăng ký số 9")
    assert (await hoa.says("/thuhoi 1 ISO")).startswith(
        "Để thu hồi một đơn vị của một người, ghi dấu @ trước tên đơn vị"
    )
    assert await snapshot(services) == before

    assert await hoa.says("/thuhoi 1 @Ban ISO") == (
        "Đã thu hồi Ban ISO Sở của #1 Nguyễn Thị Hoa: người này không còn làm việc cho đơn vị "
        "đó và không nhận nhắc việc của đơn vị đó nữa. Người này vẫn làm việc cho Văn phòng Sở."
    )
    assert [unit for _, unit, _ in await memberships(services)] == [
        OFFICE_UNIT,
        "Phòng Giáo dục Trung học",
    ]
    async with services.db.session() as session:
        audit = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "membership_remove")
        )
    assert audit.subject == ISO_UNIT
    # She still runs the Office; task 7 is asked about no more: only the Office's part is hers.
    assert "Nguyễn Thị Hoa" in await hoa.says("/danhba")
    assert (await hoa.says("/xong 7")).startswith("Đã ghi nhận Văn phòng Sở hoàn thành nhiệm vụ")
    # The old form still revokes a whole contact.
    assert (await hoa.says("/thuhoi 2")).startswith("Đã thu hồi đăng ký #2 Phạm Thị Lan")
    assert (await lan.says("/viec")).startswith("Anh/chị chưa đăng ký")
