"""Every chat command, in one place; this order is the order of /help and the menu."""

from __future__ import annotations

from bot.i18n import N_
from handlers import (
    channel,
    contacts,
    deadline,
    done,
    evidence,
    help,
    invite,
    lang,
    link,
    plans,
    report,
    start,
    status,
    tasks,
    undo,
)
from handlers.base import OFFICE_ONLY, OVERSIGHT, HandlerSpec

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
            "deadline",
            deadline.handle,
            N_("set the date of an “as regulated” task"),
            N_("/deadline N dd/mm/yyyy (/hanchot)"),
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
