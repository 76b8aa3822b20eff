"""Every chat command, in one place; this order is the order of /help and the menu."""

from __future__ import annotations

from bot.i18n import N_
from handlers import (
    channel,
    contacts,
    deadline,
    done,
    evidence,
    extend,
    help,
    invite,
    lang,
    link,
    plans,
    report,
    snooze,
    start,
    status,
    tasks,
    undo,
    verify,
)
from handlers.base import OFFICE_AND_ISO, OFFICE_ONLY, OVERSIGHT, HandlerSpec

HANDLERS: dict[str, HandlerSpec] = {
    spec.name: spec
    for spec in (
        HandlerSpec(
            "start",
            start.handle,
            N_("register with the Office's code"),
            N_("/start CODE"),
            needs_registration=False,
        ),
        HandlerSpec(
            "help", help.handle, N_("list the commands"), N_("/help"), needs_registration=False
        ),
        HandlerSpec(
            "tasks", tasks.handle, N_("my unit's tasks and their state"), N_("/tasks (/viec)")
        ),
        HandlerSpec(
            "done", done.handle, N_("confirm task N is finished"), N_("/done N [note] (/xong)")
        ),
        HandlerSpec("undo", undo.handle, N_("take back a confirmation"), N_("/undo N (/huy)")),
        HandlerSpec(
            "snooze",
            snooze.handle,
            N_("remind me of task N later (1 to 10 working days)"),
            N_("/snooze N [days] (/hoanlai)"),
        ),
        HandlerSpec(
            "status",
            status.handle,
            N_("progress of the plans, of one plan or of one task"),
            N_("/status [KEY or N] (/tinhhinh)"),
        ),
        HandlerSpec(
            "evidence",
            evidence.handle,
            N_("the evidence files of a task"),
            N_("/evidence N [@UNIT] (/minhchung)"),
        ),
        HandlerSpec(
            "plans",
            plans.handle,
            N_("the plans, their state and counts"),
            N_("/plans [close|open KEY] (/kehoach)"),
            roles=OVERSIGHT,
        ),
        HandlerSpec(
            "verify",
            verify.handle,
            N_("verify a unit's confirmation"),
            N_("/verify N [@UNIT] (/duyet)"),
            roles=OFFICE_AND_ISO,
        ),
        HandlerSpec(
            "reject",
            verify.reject,
            N_("send a confirmation back, with the reason"),
            N_("/reject N @UNIT reason (/tuchoi)"),
            roles=OFFICE_AND_ISO,
        ),
        HandlerSpec(
            "deadline",
            deadline.handle,
            N_("set the date of a task without one"),
            N_("/deadline N dd/mm/yyyy (/hanchot)"),
            roles=OFFICE_ONLY,
        ),
        HandlerSpec(
            "extend",
            extend.handle,
            N_("extend a task's deadline, for all or one unit"),
            N_("/extend N dd/mm/yyyy [@UNIT] [reason] (/giahan)"),
            roles=OFFICE_ONLY,
        ),
        HandlerSpec(
            "invite",
            invite.handle,
            N_("create a registration code"),
            N_("/invite UNIT ROLE (/moi)"),
            roles=OFFICE_ONLY,
        ),
        HandlerSpec(
            "contacts",
            contacts.handle,
            N_("registered people"),
            N_("/contacts (/danhba)"),
            roles=OFFICE_ONLY,
        ),
        HandlerSpec(
            "revoke",
            contacts.revoke,
            N_("remove a registered person"),
            N_("/revoke N (/thuhoi)"),
            roles=OFFICE_ONLY,
        ),
        HandlerSpec(
            "report",
            report.handle,
            N_("the year-end report or the tracking sheet"),
            N_("/report [xlsx] (/baocao)"),
            roles=OFFICE_ONLY,
        ),
        HandlerSpec(
            "lang", lang.handle, N_("reply language: vi or en"), N_("/lang vi|en (/ngonngu)")
        ),
        HandlerSpec(
            "channel",
            channel.handle,
            N_("where reminders go: Telegram, Zalo or both"),
            N_("/channel telegram|zalo|all (/kenh)"),
        ),
        HandlerSpec(
            "link",
            link.handle,
            N_("a code to use the bot on the other app too"),
            N_("/link (/lienket)"),
        ),
    )
}
