"""`nhacviec demo` plays the year on the console, readable, with the same counts every time.

The demo runs on a manual clock with a fixed script; the exact counts asserted below (messages
per role, tasks done, missed periods) are what a run that read the wall clock or depended on
the order rows come back in would get wrong.
"""

from __future__ import annotations

import io

from bot.demo import run_demo


async def test_the_demo_tells_the_year() -> None:
    first = io.StringIO()
    assert await run_demo(out=first) == 0
    text = first.getvalue()
    assert text.startswith("Trình diễn nhacviec: Kế hoạch 187/KH-SGDĐT, 11 người đã đăng ký")
    # Morning reminders, per unit, on working days only (Tết and 02/09 are silent).
    assert "── Thứ Hai 01/08/2022 ──" in text
    assert "→ Trần Văn Minh (Ban ISO Sở): [6] quá hạn 2 ngày · [7] bắt đầu từ hôm nay" in text
    assert "── Thứ Sáu 02/09/2022 ──" not in text
    # Replies on time and late, an escalation, the Office's /status and the closing summary.
    assert "← Trần Văn Minh (Ban ISO Sở): /xong 1 Đã ban hành Kế hoạch 187/KH-SGDĐT" in text
    assert "Đã ghi nhận Ban ISO Sở hoàn thành nhiệm vụ số 1 (ngày 09/02/2022)." in text
    assert "còn đơn vị chủ trì chưa hoàn thành" in text
    assert "Tình hình thực hiện Kế hoạch 187/KH-SGDĐT đến ngày 30/12/2022:" in text
    assert "Còn thiếu (1/9): P. KH-TC" in text
    assert "→ Nguyễn Thị Lan (Văn phòng Sở): [tổng hợp tuần]" in text  # Mondays
    summary = text.rstrip().splitlines()[-1]
    # The year's messages per role: 303 with the old daily nagging, far fewer with the rhythm
    # (overdue daily for 5 working days, then weekly; recurring tasks quarterly). The Office's
    # 55 include its weekly digest, one each Monday (41) besides its 14 reminders.
    assert summary.startswith(
        "Tổng kết năm: đã gửi 164 tin nhắc việc (Văn phòng Sở: 55, Ban ISO: 28, Lãnh đạo Sở: 13, "
        "8 trưởng phòng: 68 (nhiều nhất 29 tin một người));"
    ), summary
    assert "hoàn thành đúng hạn: 7, hoàn thành quá hạn: 2, chưa hoàn thành: 1" in text
    # Three departments skip the third quarter of tasks 4, 5 and 9: nine missed periods.
    assert "số kỳ của nhiệm vụ định kỳ không được xác nhận: 9." in text
