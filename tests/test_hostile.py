"""Hostile input: odd text never crashes the bot, refused input changes nothing, codes hold.

Property-based (hypothesis) over what people can type: any Unicode (NFD, right-to-left marks,
zero-width characters, emoji, control characters, lone surrogates from a JSON body), very long
messages and random plan rows. The examples are bounded so the file runs in well under a minute.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from telegram import Message

from bot.channels.base import IncomingMessage, Reply, Sender
from bot.channels.ratelimit import SendLimiter
from bot.channels.telegram import TelegramChannel, to_incoming
from bot.commands import ALIASES, parse_command, parse_task_number
from bot.dispatch import Dispatcher
from bot.domain.model import ParsedPlan, Role
from bot.domain.timeexpr import parse_chat_date, parse_when
from bot.domain.units import UnitCatalog
from bot.i18n import LANGUAGES
from bot.importer import PlanFormatError, parse_plan_text
from bot.services import registry
from bot.services.facade import BotServices
from bot.store.models import (
    AuditEntry,
    Confirmation,
    Contact,
    FailedAttempt,
    Invite,
    Person,
    Task,
)
from handlers import HANDLERS
from handlers.channel import parse_choice
from handlers.invite import ROLE_WORDS
from tests.conftest import Chat
from tests.fakes.telegram_server import FakeTelegramServer

HOSTILE = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NOT_REGISTERED = "Anh/chị chưa đăng ký."
OFFICE_ONLY = "Lệnh này chỉ dành cho Văn phòng Sở."
UNITS = {
    Role.OFFICE: "Văn phòng Sở",
    Role.ISO: "Ban ISO Sở",
    Role.LEADER: "Lãnh đạo Sở",
    Role.HEAD: "Phòng Giáo dục Trung học",
    Role.MEMBER: "Thanh tra Sở",
}

# ---- what hostile people type ---------------------------------------------------------------

#: Pieces that have broken chat bots before: direction marks, joiners, BOMs, combining marks,
#: look-alike digits and slashes, ANSI escapes, NUL, a lone surrogate (valid in a JSON body).
TRICKY = [
    "\u202e",
    "\u200f",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\u2066",
    "\u0301",
    "\u0323",
    "👍🏽",
    "🇻🇳",
    "👨‍👩‍👧",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\r\n",
    "\t",
    "\u2028",
    "\ud800",
    "／",
    "６",
    "٦",
    "²",
    "①",
    "𝟔",
    "#",
    "TT",
    "-1",
    "0",
    "9" * 40,
    "1e3",
    "6.5",
    "'; DROP TABLE contacts; --",
    "%s%s%n",
    "{note}",
    "<b>",
    "@nhacviec_bot",
    unicodedata.normalize("NFD", "Đã hoàn thành nhiệm vụ"),
    unicodedata.normalize("NFD", "Phòng Giáo dục Trung học"),
    "ال٦",
    "عربى",
    "中文",
]
COMMAND_WORDS = sorted({word for name, aliases in ALIASES.items() for word in (name, *aliases)})

tricky = st.sampled_from(TRICKY)
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
fragments = st.lists(st.one_of(tricky, any_text, tricky), max_size=6).map("".join)
spacing = st.sampled_from([" ", "  ", "\n", "\t", "\u00a0", "\u3000", ""])


@st.composite
def command_word(draw: st.DrawFn) -> str:
    """A command as typed: any known name or alias, odd case, with or without slash and @bot."""
    word = draw(
        st.one_of(st.sampled_from(COMMAND_WORDS), st.from_regex(r"[a-z_]{1,12}", fullmatch=True))
    )
    if draw(st.booleans()):
        word = "".join(c.upper() if draw(st.booleans()) else c for c in word)
    slash = draw(st.sampled_from(["/", "/", "", "／"]))
    bot = draw(st.sampled_from(["", "", "@nhacviec_bot", "@other_bot", "@"]))
    return f"{slash}{word}{bot}"


#: An argument as people (and attackers) type them.
argument = st.one_of(
    tricky,
    tricky,
    any_text,
    fragments,
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from([*UNITS.values(), "Ban ISO", "head", "member", "office", "vi", "en", "all"]),
    st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
)


@st.composite
def message_text(draw: st.DrawFn) -> str:
    """Mostly a command with odd arguments, else junk alone; in any normalization."""
    parts = [draw(command_word())] if draw(st.integers(0, 3)) else []
    parts += draw(st.lists(argument, max_size=4))
    text = draw(spacing).join(parts)
    form = draw(st.sampled_from([None, "NFC", "NFD", "NFKC"]))
    if form:
        text = unicodedata.normalize(form, text)
    return text


_UNSAFE = re.compile("[\x00\ud800-\udfff]")


def is_valid_task(arg: str) -> bool:
    return parse_task_number(arg) in range(1, 11)


def could_change_state(text: str) -> bool:
    """Whether a registered person's command might legitimately succeed and change something.

    Judged on the text as the dispatcher parses it, so arguments that run together still count.
    Nothing is ever confirmed in these tests, so /undo always has nothing to take back.
    """
    command = parse_command(text)
    if command is None or not command.is_known:
        return False
    args = command.args
    if command.name == "done":
        return bool(args) and is_valid_task(args[0])
    if command.name == "deadline":
        return (
            len(args) >= 2
            and parse_task_number(args[0]) == 10
            and parse_chat_date(args[1], 2022) is not None
        )
    if command.name == "invite":
        return len(args) >= 2 and args[-1].casefold() in ROLE_WORDS
    if command.name == "revoke":
        raw = args[0].lstrip("#") if args else ""
        return raw.isdecimal() and int(raw) < 1000
    if command.name == "lang":
        return bool(args) and args[0].casefold() in LANGUAGES
    if command.name == "channel":
        return bool(command.rest) and parse_choice(command.rest) is not None
    return command.name in ("link", "report")  # they make a code or a file on purpose


STATE_CHANGING = ["done", "xong", "undo", "huy", "deadline", "hanchot", "invite", "moi"]
STATE_CHANGING += ["revoke", "thuhoi", "lang", "ngonngu", "channel", "kenh", "start", "batdau"]
READ_ONLY = ["status", "tinhhinh", "tasks", "viec", "help", "contacts", "danhba", "nosuchcommand"]


@st.composite
def refused_command(draw: st.DrawFn) -> str:
    """A command a registered person may type that must be refused (or that only reads).

    Arguments are shaped like the real ones (a number, a date, a role word) but spoiled; a text
    that could succeed after all is left out (`could_change_state`).
    """
    name = draw(st.sampled_from(STATE_CHANGING + READ_ONLY))
    number = draw(st.one_of(tricky, any_text, st.integers(-(10**30), 10**30).map(str)))
    day = draw(st.one_of(tricky, any_text, st.dates().map(lambda d: d.strftime("%d/%m/%Y"))))
    role = draw(st.one_of(tricky, any_text, st.sampled_from(sorted(ROLE_WORDS))))
    junk = draw(fragments)
    args = draw(
        st.sampled_from(
            [f"{number} {junk}", f"{number} {day} {junk}", f"{junk} {role}", junk, number, ""]
        )
    )
    return f"/{name} {args}"


# ---- the world: plan 187 and one person per role ------------------------------------------


@dataclass
class World:
    services: BotServices
    dispatcher: Dispatcher
    people: dict[Role, Sender]

    async def says(self, sender: Sender, text: str) -> Reply | None:
        message = IncomingMessage(sender, text, "1", datetime.now(UTC))
        return await self.dispatcher.handle(message)


@pytest_asyncio.fixture
async def world(chat: Chat) -> World:
    people = {}
    for role, unit in UNITS.items():
        person = await chat.registered(f"u-{role}", unit, role, f"Người {role}")
        people[role] = person.sender
    return World(chat.services, chat.dispatcher, people)


async def snapshot(services: BotServices) -> tuple[object, ...]:
    """Everything a command may change, except wrong-code counters (which must change)."""
    async with services.db.session() as session:
        counts = [
            await session.scalar(select(func.count(model.id)))
            for model in (Confirmation, Contact, Invite, AuditEntry, Person)
        ]
        invites_used = await session.scalar(
            select(func.count(Invite.id)).where(Invite.used_at.is_not(None))
        )
        deadlines = list(await session.scalars(select(Task.deadline_set).order_by(Task.id)))
        people = list(
            await session.execute(
                select(Person.id, Person.language, Person.prefer_channel).order_by(Person.id)
            )
        )
        revoked = await session.scalar(
            select(func.count(Contact.id)).where(Contact.revoked_at.is_not(None))
        )
    return (*counts, invites_used, deadlines, people, revoked)


def sane(reply: Reply | None) -> None:
    assert reply is None or isinstance(reply, Reply)
    if reply is not None:
        assert reply.text.strip()
        assert len(reply.text) < 6000  # never an echo of a huge message


# ---- no crash, no change -------------------------------------------------------------------


@HOSTILE
@given(
    text=message_text(),
    channel=st.sampled_from(["telegram", "zalo", "console"]),
    group=st.booleans(),
)
async def test_anything_a_stranger_types_is_answered_and_changes_nothing(
    world: World, text: str, channel: str, group: bool
):
    stranger = Sender(channel, "stranger-1", "-100" if group else "stranger-1", "X", group)
    before = await snapshot(world.services)
    sane(await world.says(stranger, text))
    assert await snapshot(world.services) == before


@HOSTILE
@given(
    role=st.sampled_from(list(UNITS)), text=refused_command(), form=st.sampled_from(["NFC", "NFD"])
)
async def test_refused_commands_from_every_role_change_nothing(
    world: World, role: Role, text: str, form: str
):
    text = unicodedata.normalize(form, text)
    assume(not could_change_state(text))
    before = await snapshot(world.services)
    sane(await world.says(world.people[role], text))
    assert await snapshot(world.services) == before


@HOSTILE
@given(role=st.sampled_from(list(UNITS)), text=message_text())
async def test_registered_people_typing_anything_get_an_answer(
    world: World, role: Role, text: str
):
    """No crash whatever they type (a valid command may change state: that is its job)."""
    assume(not re.match(r"\s*[/／]?\s*(report|baocao)", text, re.IGNORECASE))  # slow, not odd
    sane(await world.says(world.people[role], text))


#: (who, what): inputs the properties above once found crashing; each now gets a reply.
FORMER_CRASHES = [
    (Role.OFFICE, "/revoke ²"),
    (Role.OFFICE, "/revoke 99999999999999999999"),
    (Role.OFFICE, "/revoke 4294967296"),
    (None, "/start \ud800"),
    (Role.OFFICE, "/invite \ud800 head"),
    (Role.ISO, "/done 6 ghi chú \ud800"),
    (Role.ISO, "/done 6 ghi chú \x00"),
    (Role.OFFICE, "/invite Ban ISO\x00 head"),
]


@pytest.mark.parametrize(("role", "text"), FORMER_CRASHES)
async def test_former_crashes_get_a_reply(world: World, role: Role | None, text: str):
    sender = world.people[role] if role else Sender("zalo", "someone", "someone", "S")
    sane(await world.says(sender, text))


@settings(max_examples=100, deadline=None)
@given(
    word=st.sampled_from(COMMAND_WORDS),
    target=st.sampled_from(["", "@nhacviec_bot", "@NhacViec_Bot", "@other_bot"]),
    rest=fragments.filter(lambda text: not _UNSAFE.search(text)),
    form=st.sampled_from(["NFC", "NFD"]),
)
def test_telegram_commands_keep_their_arguments_whatever_surrounds_them(
    word: str, target: str, rest: str, form: str
):
    """Entity offsets are UTF-16 units: emoji and combining marks must not shift the cut."""
    rest = unicodedata.normalize(form, rest)
    typed = f"/{word}{target}"
    message = Message.de_json(
        {
            "message_id": 1,
            "date": 1_659_312_000,
            "chat": {"id": 42, "type": "private"},
            "from": {"id": 42, "is_bot": False, "first_name": rest[:64] or "A"},
            "text": f"{typed} {rest}",
            "entities": [
                {"type": "bot_command", "offset": 0, "length": len(typed.encode("utf-16-le")) // 2}
            ],
        },
        None,
    )
    incoming = to_incoming(message, bot_username="nhacviec_bot")
    if target == "@other_bot":
        assert incoming is None
    else:
        assert incoming is not None and incoming.text == f"/{word} {rest}"


async def test_very_long_messages_are_answered_briefly_and_change_nothing(world: World):
    blob = (
        "Đã xong 👍🏽\u202e\u200b" + unicodedata.normalize("NFD", "nhiệm vụ ") + "x" * 30
    ) * 2100
    assert len(blob.encode()) > 100_000
    stranger = Sender("zalo", "stranger-2", "stranger-2", "X")
    before = await snapshot(world.services)
    for sender in (stranger, *world.people.values()):
        for text in (blob, f"/done {blob}", f"/{blob}", f"/invite {blob} head", f"/start {blob}"):
            sane(await world.says(sender, text))
    assert await snapshot(world.services) == before
    # A valid /done with a 100 kB note: stored, the note cut to its limit, the reply bounded.
    reply = await world.says(world.people[Role.ISO], f"/done 6 {blob}")
    sane(reply)
    assert reply is not None and "Đã ghi nhận" in reply.text
    async with world.services.db.session() as session:
        note = await session.scalar(select(Confirmation.note))
    assert note is not None and 0 < len(note) <= 1000


# ---- plan rows -----------------------------------------------------------------------------

HEADER = "TT\tNội dung\tĐơn vị chủ trì\tĐơn vị phối hợp\tThời gian thực hiện"
WHENS = [
    "Trước 10/02/2022",
    "Trước ngày 15/12/2023",
    "Chậm nhất ngày 20/11/2023",
    "Từ 01/6 đến 30/7/2022",
    "Tháng 01/8 đến 15/9/2022",
    "01/6 - 30/7/2023",
    "Quý IV năm 2023",
    "Tháng 8 - 9/2023",
    "Thường xuyên",
    "Hằng quý",
    "Định kỳ 6 tháng",
    "Theo quy định",
    "Đột xuất",
    "31/02/2022",
    "Từ 30/7 đến 01/6/2022",
    "Quý V/2023",
    "Tháng 13/2023",
    "00/00/0000",
    "99/99/99999",
    "Trước 29/02/2023",
    "Năm 10000",
]
UNIT_CELLS = [
    "Ban ISO Sở",
    "Ban ISO",
    "Lãnh đạo Sở, Ban ISO",
    "Các phòng thuộc Sở",
    "Phòng GDĐT các huyện, thị xã, thành phố",
    "các phòng chuyên môn, nghiệp vụ thuộc Sở và Ban ISO",
    "Văn phòng Sở; Thanh tra Sở",
    ",;, và ,",
    "",
]
cell = st.one_of(tricky, any_text, fragments).map(
    lambda s: s.replace("\n", " ").replace("\t", " ")
)


@st.composite
def plan_document(draw: st.DrawFn) -> str:
    preamble = draw(
        st.lists(st.one_of(cell, st.just("Số: 12/KH-SGDĐT"), st.just("KẾ HOẠCH")), max_size=4)
    )
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        no = draw(
            st.one_of(
                st.integers(-5, 10**7).map(str), cell, st.sampled_from(["1.", "2)", "I", "1.1"])
            )
        )
        cells = [
            no,
            draw(cell),
            draw(st.one_of(st.sampled_from(UNIT_CELLS), cell)),
            draw(st.one_of(st.sampled_from(UNIT_CELLS), cell)),
            draw(st.one_of(st.sampled_from(WHENS), cell, st.sampled_from(WHENS).map(str.upper))),
        ]
        cells = cells[: draw(st.integers(1, 5))] + draw(st.lists(cell, max_size=2))
        rows.append("\t".join(cells))
    if draw(st.booleans()):
        body = [HEADER, *rows]
    else:  # a Markdown pipe table
        body = ["| " + HEADER.replace("\t", " | ") + " |", "|---|---|---|---|---|"]
        body += ["| " + row.replace("\t", " | ") + " |" for row in rows]
    text = "\n".join([*preamble, "", *body, *draw(st.lists(cell, max_size=2))])
    return unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), text)


@settings(max_examples=150, deadline=None)
@given(text=st.one_of(plan_document(), fragments, st.text(max_size=300)))
def test_plan_text_gives_a_plan_or_a_format_error_never_a_crash(text: str):
    catalog = UnitCatalog(units=["Văn phòng Sở", "Thanh tra Sở"])
    try:
        plan = parse_plan_text(text, catalog)
    except PlanFormatError as error:
        message = str(error)
        assert message.strip()
        return
    assert isinstance(plan, ParsedPlan)
    assert len({task.no for task in plan.tasks}) == len(plan.tasks)
    for task in plan.tasks:
        assert task.schedule.kind is not None


@settings(max_examples=200, deadline=None)
@given(
    text=st.one_of(st.sampled_from(WHENS), cell, fragments),
    year=st.one_of(st.none(), st.integers(1, 9999)),
)
def test_any_time_expression_parses_to_some_schedule(text: str, year: int | None):
    assert parse_when(text, year).kind is not None
    parse_chat_date(text, year or 2022)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=plan_document())
async def test_any_readable_plan_can_be_stored(world: World, text: str):
    """Any plan the importer reads from a file is stored, whatever characters it holds."""
    try:
        plan = parse_plan_text(text, world.services.catalog)
    except PlanFormatError:
        return
    await world.services.import_plan(plan, source="hypothesis")


async def test_a_plan_file_with_nul_bytes_is_stored(world: World):
    """A stray NUL byte in a .txt export becomes U+FFFD instead of failing the whole import."""
    text = (
        f"Số: 1/KH\nKẾ HOẠCH\nKiểm tra\n\n{HEADER}\n1\tNội\x00dung\tBan ISO\t\tTrước 10/02/2022\n"
    )
    await world.services.import_plan(parse_plan_text(text, world.services.catalog))


# ---- invite codes ------------------------------------------------------------------------------


def test_invite_codes_carry_at_least_40_bits_from_a_csprng():
    symbols = len(set(registry.CODE_ALPHABET))
    assert symbols == len(registry.CODE_ALPHABET)  # no symbol counted twice
    bits = registry.CODE_LENGTH * math.log2(symbols)
    assert bits >= 40, bits
    # No look-alikes a person could misread when copying a code by hand.
    assert not set(registry.CODE_ALPHABET) & set("0O1IL")
    codes = [registry.new_code() for _ in range(2000)]
    assert len(set(codes)) == len(codes)
    assert set("".join(codes)) == set(registry.CODE_ALPHABET)
    assert all(len(code) == registry.CODE_LENGTH for code in codes)


async def test_codes_are_stored_hashed_single_use_and_expire_after_seven_days(world: World):
    services = world.services
    clock = services.clock
    invite = await services.invite("Ban ISO", Role.HEAD, created_by="test")
    async with services.db.session() as session:
        stored = [
            value for row in await session.execute(select(Invite.__table__)) for value in row
        ]
    assert not any(invite.code in str(value) for value in stored)

    first, second = Sender("console", "a", "a", "A"), Sender("console", "b", "b", "B")
    assert "Đăng ký thành công" in (await world.says(first, f"/start {invite.code}")).text
    used = await world.says(second, f"/start {invite.code.lower()}")
    assert "Mã mời này đã được sử dụng" in used.text
    assert "Mã mời này đã được sử dụng" in (await world.says(first, f"/start {invite.code}")).text

    almost = await services.invite("Ban ISO", Role.HEAD, created_by="test")
    expired = await services.invite("Ban ISO", Role.HEAD, created_by="test")
    clock.advance(timedelta(days=7) - timedelta(seconds=1))
    late = Sender("console", "c", "c", "C")
    assert "Đăng ký thành công" in (await world.says(late, f"/start {almost.code}")).text
    clock.advance(timedelta(seconds=1))
    refused = await world.says(second, f"/start {expired.code}")
    assert "Mã mời đã hết hạn" in refused.text


async def test_five_wrong_codes_an_hour_then_even_a_valid_code_waits(world: World):
    services = world.services
    guesser = Sender("telegram", "guesser", "guesser", "G")
    neighbour = Sender("telegram", "neighbour", "neighbour", "N")
    valid = await services.invite("Thanh tra Sở", Role.MEMBER, created_by="test")
    other = await services.invite("Thanh tra Sở", Role.MEMBER, created_by="test")
    start = services.now()
    for attempt in range(5):
        reply = await world.says(guesser, f"/start {'Z' * 9}{'ABCDE'[attempt]}")
        assert "Mã mời không đúng" in reply.text
        services.clock.advance(timedelta(minutes=1))
    before = await snapshot(services)
    sixth = await world.says(guesser, f"/start {valid.code}")
    assert "Anh/chị đã nhập sai mã quá nhiều lần" in sixth.text
    assert await snapshot(services) == before  # the code is not spent by a refused try
    # Throttling is per sender: someone else is not held back.
    assert "Đăng ký thành công" in (await world.says(neighbour, f"/start {other.code}")).text
    services.clock.set(start + timedelta(minutes=59, seconds=59))
    assert "quá nhiều lần" in (await world.says(guesser, f"/start {valid.code}")).text
    services.clock.set(start + timedelta(hours=1))
    assert "Đăng ký thành công" in (await world.says(guesser, f"/start {valid.code}")).text
    async with services.db.session() as session:
        # Success wipes the counter: the person is known now.
        assert not await session.scalar(
            select(func.count(FailedAttempt.id)).where(FailedAttempt.user_id == "guesser")
        )


# ---- the role × command matrix ---------------------------------------------------------------

#: DESIGN's roles: the Office may do everything; Ban ISO and the leadership read everything;
#: heads and members work on their own unit's tasks. Registration and help need no account.
OFFICE_COMMANDS = {"deadline", "extend", "invite", "contacts", "revoke", "report"}
#: Checking what units confirmed is for the Office and Ban ISO, not the leadership.
OFFICE_ISO_COMMANDS = {"verify", "reject"}
OFFICE_AND_ISO_ONLY = "Lệnh này chỉ dành cho Văn phòng Sở và Ban ISO."
OVERSIGHT_COMMANDS = {"plans"}
OVERSIGHT_ONLY = "Lệnh này dành cho Văn phòng Sở, Ban ISO và Lãnh đạo Sở."
EVERYONE_REGISTERED = {
    "tasks", "done", "undo", "snooze", "status", "evidence", "lang", "channel", "link",
}  # fmt: skip
NO_ACCOUNT_NEEDED = {"start", "help"}
ARGS = {
    "start": "",
    "help": "",
    "tasks": "",
    "done": "6",
    "undo": "6",
    "snooze": "6",
    "status": "",
    "evidence": "6",
    "deadline": "10 15/12/2022",
    "extend": "2 15/09/2022",
    "verify": "6",
    "reject": "6 @Ban ISO thiếu biên bản",
    "invite": "Thanh tra Sở member",
    "contacts": "",
    "revoke": "999",
    "report": "",
    "plans": "",
    "lang": "vi",
    "channel": "",
    "link": "",
}


def test_the_matrix_covers_every_command():
    assert set(HANDLERS) == (
        OFFICE_COMMANDS
        | OFFICE_ISO_COMMANDS
        | OVERSIGHT_COMMANDS
        | EVERYONE_REGISTERED
        | NO_ACCOUNT_NEEDED
    )
    assert set(ARGS) == set(HANDLERS)


@pytest.mark.parametrize("role", [*UNITS, None], ids=[*map(str, UNITS), "unregistered"])
async def test_role_by_command_matrix(world: World, role: Role | None):
    sender = world.people[role] if role else Sender("telegram", "nobody", "nobody", "Ai đó")
    for command in HANDLERS:
        reply = await world.says(sender, f"/{command} {ARGS[command]}".strip())
        assert reply is not None, command
        text = reply.text
        if role is None:
            # /help answers a stranger with how to register; /start greets; the rest refuse.
            assert (NOT_REGISTERED in text) is (command != "start"), (command, text)
            assert ("Để đăng ký" in text) is (command == "start"), (command, text)
            assert OFFICE_ONLY not in text
        elif command in OFFICE_COMMANDS:
            assert (OFFICE_ONLY in text) is (role is not Role.OFFICE), (role, command, text)
        elif command in OFFICE_ISO_COMMANDS:
            allowed = role in (Role.OFFICE, Role.ISO)
            assert (OFFICE_AND_ISO_ONLY in text) is not allowed, (role, command, text)
        elif command in OVERSIGHT_COMMANDS:
            sees_all = role in (Role.OFFICE, Role.ISO, Role.LEADER)
            assert (OVERSIGHT_ONLY in text) is not sees_all, (role, command, text)
            assert OFFICE_ONLY not in text, (role, command, text)
        else:
            assert OFFICE_ONLY not in text and NOT_REGISTERED not in text, (role, command, text)
        if command == "status" and role is not None:
            sees_all = role in (Role.OFFICE, Role.ISO, Role.LEADER)
            assert ("Tình hình thực hiện Kế hoạch" in text) is sees_all, role
    # What each may do shows in /help: exactly the commands the matrix allows.
    if role is not None:
        help_text = (await world.says(sender, "/help")).text
        for command in HANDLERS.keys() - {"start"}:
            allowed = role in HANDLERS[command].roles
            assert (f"/{command}" in help_text) is allowed, (role, command)


# ---- no token, no code in the logs ------------------------------------------------------------

CODE = re.compile(r"\b[A-Z2-9]{10}\b")


@pytest_asyncio.fixture
async def tg() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer() as server:
        yield server


async def test_a_telegram_story_leaves_no_token_and_no_code_in_the_logs(
    tg: FakeTelegramServer, services: BotServices, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    channel = TelegramChannel(
        tg.token,
        base_url=tg.base_url,
        limiter=SendLimiter(per_chat_interval=0.0, margin=0.0),
        poll_timeout=1,
    )
    # Every logger at DEBUG, also those the channel quietens (httpx would print URLs).
    loggers = [
        logging.getLogger(),
        *(
            logger
            for logger in logging.root.manager.loggerDict.values()
            if isinstance(logger, logging.Logger)
        ),
    ]
    levels = {logger: logger.level for logger in loggers}
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    codes: list[str] = []
    try:
        await channel.start(Dispatcher(services).handle)
        first = await services.invite("Văn phòng Sở", Role.OFFICE, created_by="cli")
        codes.append(first.code)

        async def say(user: int, text: str) -> str:
            before = len([m for m in tg.sent if m.chat_id == user])
            tg.push_text(user, text, first_name=f"Người {user}")
            sent = await tg.wait_for_sent(lambda m: m.chat_id == user, count=before + 1)
            return sent[-1].text

        assert "Đăng ký thành công" in await say(9001, f"/start {first.code}")
        invited = await say(9001, "/invite Ban ISO head")
        codes += CODE.findall(invited)
        assert "Mã mời không đúng" in await say(9002, "/start WRONGCODE2")
        assert "Đăng ký thành công" in await say(9002, f"/start {codes[-1]}")
        linking = await say(9002, "/link")
        codes += CODE.findall(linking)
        assert "Đã ghi nhận" in await say(9002, "/done 6 đã xong")
        await say(9001, "/contacts")
    finally:
        await channel.stop()
        for logger, level in levels.items():
            logger.setLevel(level)

    assert len(set(codes)) == 3
    records = caplog.records
    assert any(r.name.startswith("telegram") and r.levelno == logging.DEBUG for r in records)
    text = "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.stack_info or ''}" for r in records
    )
    assert tg.token not in text and tg.token.split(":")[1] not in text
    leaked = [code for code in codes if code in text or code.lower() in text]
    assert leaked == [], next(
        (line for line in text.splitlines() if any(code in line for code in leaked)), ""
    )[:500]
