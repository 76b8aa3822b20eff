"""Refusals worded for the person: what went wrong and what to type instead."""

from __future__ import annotations

from bot.i18n import N_, Translator, chat_date
from bot.services import errors
from handlers.render import local_time, period_label


def explain(error: errors.ServiceError, tr: Translator) -> str:
    _ = tr.gettext
    if isinstance(error, errors.NoPlan):
        return _("No plan has been loaded yet. Please ask the Office to import the plan.")
    if isinstance(error, errors.UnknownTask):
        if not error.highest and error.keys:
            return _(
                "No plan being followed has a task {no}. The plans are {keys}: type a task as "
                "KEY.N, for example {first}.6, or /tasks to see your tasks.",
                no=error.no,
                keys=", ".join(error.keys),
                first=error.keys[0],
            )
        if not error.highest:
            return _(
                "No plan being followed has a task {no}. Type /tasks to see your tasks, or "
                "/plans to see the plans.",
                no=error.no,
            )
        if "." in error.no:
            return _(
                "Plan {plan} has no task {no} (its tasks run from {plan}.1 to {plan}.{highest})."
                " Type /tasks to see them.",
                plan=error.plan,
                no=error.no,
                highest=error.highest,
            )
        return _(
            "The plan has no task {no} (tasks run from 1 to {highest}). Type /tasks to see them.",
            no=error.no,
            highest=error.highest,
        )
    if isinstance(error, errors.UnknownPlan):
        return _(
            "There is no plan with the key “{key}”. The plans are: {keys}. Type /plans to see "
            "them.",
            key=error.key,
            keys=", ".join(error.keys),
        )
    if isinstance(error, errors.PlanClosed):
        return _(
            "Plan {key} has been closed by the Office: nothing more is recorded or reminded in "
            "it. Type /plans to see the plans being followed.",
            key=error.key,
        )
    if isinstance(error, errors.AmbiguousTask):
        return _(
            "Task {no} could be any of: {addresses}. Please type the task with its plan's key, "
            "for example {first}.",
            no=error.no,
            addresses=", ".join(error.addresses),
            first=error.addresses[0],
        )
    if isinstance(error, errors.WhichPlan):
        return _(
            "Several plans are being followed: {keys}. Please add the plan's key, for example "
            "{first}.",
            keys=", ".join(error.keys),
            first=error.keys[0],
        )
    if isinstance(error, errors.KeyTaken):
        return _(
            "The key “{key}” already belongs to plan {number}. Please choose another key.",
            key=error.key,
            number=error.number,
        )
    if isinstance(error, errors.NotYourTask):
        return _(
            "{unit} has no part in task {no}. Type /tasks to see your unit's tasks.",
            unit=error.unit,
            no=error.no,
        )
    if isinstance(error, errors.AlreadyConfirmed):
        if error.period:
            text = _(
                "Task {no} ({period}) was already confirmed by {by} at {when}.",
                no=error.no,
                period=period_label(error.period, tr),
                by=error.by or "?",
                when=local_time(error.at, tr),
            )
        else:
            text = _(
                "Task {no} was already confirmed by {by} at {when}.",
                no=error.no,
                by=error.by or "?",
                when=local_time(error.at, tr),
            )
        return text + "\n" + _("To correct it, type /undo {no} and confirm again.", no=error.no)
    if isinstance(error, errors.NothingToUndo):
        return _(
            "Your unit has not confirmed task {no}, so there is nothing to take back.",
            no=error.no,
        )
    if isinstance(error, errors.NotAllowed):
        if error.action in ("verify", "reject"):
            return _("Only the Office and Ban ISO may do this. Type /help to see your commands.")
        return _("Only the Office may do this. Type /help to see your commands.")
    if isinstance(error, errors.NotRegularTask):
        return (
            _(
                "Task {no} already has its time in the plan; only tasks marked "
                "“as regulated” get a deadline from the Office.",
                no=error.no,
            )
            + "\n"
            + _(
                "To move its deadline, type: /extend {no} dd/mm/yyyy [@UNIT] [reason]", no=error.no
            )
        )
    if isinstance(error, errors.DateOutOfRange):
        return _(
            "{date} is outside the plan's time. Please give a date within the plan's year.",
            date=chat_date(error.value),
        )
    if isinstance(error, errors.UnknownUnit):
        if not error.suggestions:
            return _(
                "No unit is called “{name}”. Please write the unit's name, short name or "
                "abbreviation after @, for example @KH-TC.",
                name=error.name,
            )
        return _(
            "No unit is called “{name}”. Known units: {units}.",
            name=error.name,
            units=", ".join(error.suggestions),
        )
    text = _explain_office(error, tr)
    if text is not None:
        return text
    if isinstance(error, errors.InvalidCode):
        return {
            "unknown": _(
                "This invitation code is not valid. Please check the code the Office gave you "
                "and type: /start CODE"
            ),
            "used": _(
                "This invitation code has already been used; each code works once. "
                "Please ask the Office for a new one."
            ),
            "expired": _(
                "This invitation code has expired (codes last 7 days). "
                "Please ask the Office for a new one."
            ),
        }[error.reason]
    if isinstance(error, errors.Throttled):
        return _(
            "Too many wrong codes. Please try again after {when}.",
            when=local_time(error.until, tr),
        )
    if isinstance(error, errors.UnknownContact):
        return _(
            "There is no contact number {id}. Type /contacts to see the list.",
            id=error.contact_id,
        )
    return _("Sorry, that could not be done. Type /help to see the commands.")


#: How each command that acts for one of the sender's units is typed with `@UNIT`.
_WITH_UNIT = {
    "done": N_("/done {no} @{unit}"),
    "undo": N_("/undo {no} @{unit}"),
    "snooze": N_("/snooze {no} @{unit}"),
    "evidence": N_("/evidence {no} @{unit}"),
    "status": N_("/status {no} @{unit}"),
}


def _example(command: str, no: str, unit: str, tr: Translator) -> str:
    return tr.gettext(_WITH_UNIT.get(command, _WITH_UNIT["done"]), no=no, unit=unit)


def _explain_office(error: errors.ServiceError, tr: Translator) -> str | None:
    """The refusals of confirming for a unit, verifying, rejecting and extending."""
    _ = tr.gettext
    if isinstance(error, errors.OnBehalfNotAllowed):
        return _(
            "Only the Office may confirm for another unit ({unit}). To confirm your own unit's "
            "part, type the task number without @, for example /done 6.",
            unit=error.unit,
        )
    if isinstance(error, errors.WhichUnit):
        return _(
            "Task {no} belongs to several of your units: {units}. Nothing was changed. Please "
            "add the unit after @, for example: {example}",
            no=error.no,
            units=", ".join(error.units),
            example=_example(error.command, error.no, error.units[0], tr),
        )
    if isinstance(error, errors.NotOneOfYours):
        return _(
            "You do not act for {unit}; your units are {units}. Nothing was changed. Name one "
            "of them after @, or ask the Office for a code to act for another unit.",
            unit=error.unit,
            units=", ".join(error.units),
        )
    if isinstance(error, errors.NotAMember):
        return _(
            "#{id} {name} does not act for {unit}; their units are {units}. Nothing was "
            "changed. Type /contacts to see each person's units.",
            id=error.contact_id,
            name=error.name or "?",
            unit=error.unit,
            units=", ".join(error.held),
        )
    if isinstance(error, errors.LastMembership):
        return _(
            "{unit} is the only unit of #{id} {name}, so nothing was changed. To remove the "
            "person, type /revoke {id}.",
            unit=error.unit,
            id=error.contact_id,
            name=error.name or "?",
        )
    if isinstance(error, errors.UnitRequired):
        return _(
            "Please name the unit whose confirmation is sent back, and the reason: "
            "/reject {no} @UNIT reason, for example /reject {no} @KH-TC thiếu biên bản.",
            no=error.no,
        )
    if isinstance(error, errors.ReasonRequired):
        return _(
            "Please add the reason, so {unit} knows what to do: /reject {no} @UNIT reason.",
            unit=error.unit,
            no=error.no,
        )
    if isinstance(error, errors.NothingToVerify):
        if error.unit:
            return _(
                "{unit} has no confirmation of task {no} waiting to be verified.",
                unit=error.unit,
                no=error.no,
            )
        return _("Task {no} has no confirmation waiting to be verified.", no=error.no)
    if isinstance(error, errors.NothingToReject):
        return _(
            "{unit} has not confirmed task {no}, so there is nothing to send back.",
            unit=error.unit,
            no=error.no,
        )
    if isinstance(error, errors.NotDated):
        if error.recurring:
            return _(
                "Task {no} recurs every period and has no single deadline to extend; a missed "
                "period can still be confirmed late, e.g. /done {no} tháng 3.",
                no=error.no,
            )
        return _(
            "Task {no} has no deadline yet. Set one first: /deadline {no} dd/mm/yyyy",
            no=error.no,
        )
    if isinstance(error, errors.AlreadyFinished):
        if error.unit:
            return _(
                "{unit} has already finished task {no}; there is nothing to extend.",
                unit=error.unit,
                no=error.no,
            )
        return _(
            "Task {no} is already finished by every lead unit; there is nothing to extend.",
            no=error.no,
        )
    if isinstance(error, errors.DateBeforeStart):
        return _(
            "{date} is before the plan began ({start}). Please give a later date.",
            date=chat_date(error.value),
            start=chat_date(error.start),
        )
    if isinstance(error, errors.NotLater):
        return _(
            "Task {no} is already due on {due}; an extension must be a later date than that.",
            no=error.no,
            due=chat_date(error.due),
        )
    if isinstance(error, errors.InvalidDate):
        return _(
            "“{value}” is not a valid date. Please write it as dd/mm/yyyy, e.g. 15/12/2022.",
            value=error.value,
        )
    if isinstance(error, errors.PeriodNotFound):
        if error.future:
            return _(
                "That period of task {no} has not begun yet; only the current or a past period "
                "can be confirmed.",
                no=error.no,
            )
        return _(
            "Task {no} is confirmed {every}; please name one such period of the plan, for "
            "example: {example}.",
            no=error.no,
            every=_(_EVERY_WORDS.get(error.every, "by period")),
            example=_EVERY_EXAMPLES.get(error.every, "/xong 4 tháng 3").replace("N", error.no),
        )
    return None


_EVERY_WORDS = {
    "week": N_("every week"),
    "month": N_("every month"),
    "quarter": N_("every quarter"),
    "half_year": N_("every half year"),
    "year": N_("every year"),
}
_EVERY_EXAMPLES = {
    "week": "/xong N",
    "month": "/xong N tháng 3",
    "quarter": "/xong N quý I",
    "half_year": "/xong N 6 tháng đầu năm",
    "year": "/xong N năm 2022",
}
