"""The fake Telegram server itself, spoken to over HTTP the way python-telegram-bot speaks."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from tests.fakes.telegram_server import FakeTelegramServer


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest_asyncio.fixture
async def tg() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer() as server:
        yield server


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(
    http: aiohttp.ClientSession, tg: FakeTelegramServer, method: str, **params: Any
) -> tuple[int, dict[str, Any]]:
    """POST form-encoded like PTB: strings raw, everything else JSON-encoded."""
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    async with http.post(f"{tg.base_url}{tg.token}/{method}", data=form) as response:
        return response.status, await response.json()


async def test_get_me_and_token_errors(tg, http):
    status, body = await call(http, tg, "getMe")
    assert status == 200
    assert body["result"]["username"] == "nhacviec_bot"

    async with http.post(f"{tg.base_url}999:wrong-token/getMe") as response:
        assert response.status == 401
        assert (await response.json())["description"] == "Unauthorized"
    async with http.post(f"{tg.base_url}not-a-token/getMe") as response:
        assert response.status == 404


async def test_unknown_method_is_404_like_telegram(tg, http):
    status, body = await call(http, tg, "sendTelepathy", chat_id=1)
    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_method_names_are_case_insensitive(tg, http):
    status, _ = await call(http, tg, "getme")
    assert status == 200


async def test_offsets_confirm_and_drop_updates(tg, http):
    first = tg.push_text(42, "một")
    second = tg.push_text(42, "hai")
    tg.push_text(42, "ba")

    _, body = await call(http, tg, "getUpdates")
    assert [u["message"]["text"] for u in body["result"]] == ["một", "hai", "ba"]

    _, body = await call(http, tg, "getUpdates", offset=second["update_id"], limit=1)
    assert [u["message"]["text"] for u in body["result"]] == ["hai"]
    assert first["update_id"] not in [u["update_id"] for u in tg.pending_updates]

    _, body = await call(http, tg, "getUpdates", offset=-1)
    assert [u["message"]["text"] for u in body["result"]] == ["ba"]
    assert len(tg.pending_updates) == 1


async def test_long_poll_returns_as_soon_as_an_update_arrives(tg, http):
    poll = asyncio.ensure_future(call(http, tg, "getUpdates", timeout=30))
    await tg.wait_for_long_poll()
    started = time.monotonic()
    tg.push_text(42, "/help")

    _, body = await asyncio.wait_for(poll, 5)
    assert time.monotonic() - started < 1.0
    assert body["result"][0]["message"]["text"] == "/help"


async def test_long_poll_without_updates_answers_empty_after_its_timeout(tg, http):
    started = time.monotonic()
    _, body = await call(http, tg, "getUpdates", timeout=0.2)
    assert body["result"] == []
    assert 0.15 <= time.monotonic() - started < 2.0


async def test_pushed_commands_carry_a_bot_command_entity(tg):
    update = tg.push_text(-1001, "/done@nhacviec_bot 6", chat_id=-100500, chat_type="supergroup")
    message = update["message"]
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 18}]
    assert message["chat"]["type"] == "supergroup"
    assert "entities" not in tg.push_text(42, "xin chào")["message"]
    with pytest.raises(ValueError, match="chat_id"):
        tg.push_text(42, "/status", chat_type="group")


async def test_strings_stay_strings_and_json_values_are_decoded(tg, http):
    status, body = await call(http, tg, "sendMessage", chat_id=42, text="123")
    assert status == 200
    assert body["result"]["text"] == "123"
    assert tg.sent[0].chat_id == 42
    assert tg.sent[0].text == "123"


async def test_send_message_refuses_empty_and_too_long_texts(tg, http):
    status, body = await call(http, tg, "sendMessage", chat_id=42, text=" ")
    assert (status, body["description"]) == (400, "Bad Request: message text is empty")
    status, _ = await call(http, tg, "sendMessage", chat_id=42, text="x" * 4097)
    assert status == 400
    assert tg.sent == []


async def test_multipart_uploads_are_recorded_with_name_and_bytes(tg, http):
    form = aiohttp.FormData()
    form.add_field("chat_id", "42")
    form.add_field("caption", "Báo cáo")
    form.add_field("document", b"PK\x03\x04 report", filename="bao-cao.xlsx")
    async with http.post(f"{tg.base_url}{tg.token}/sendDocument", data=form) as response:
        assert response.status == 200
    photo = aiohttp.FormData()
    photo.add_field("chat_id", "42")
    photo.add_field("photo", b"\xff\xd8 chart", filename="chart.png")
    async with http.post(f"{tg.base_url}{tg.token}/sendPhoto", data=photo) as response:
        assert response.status == 200

    document, chart = await tg.wait_for_sent(count=2)
    assert (document.method, document.file_name, document.text) == (
        "sendDocument",
        "bao-cao.xlsx",
        "Báo cáo",
    )
    assert document.content == b"PK\x03\x04 report"
    assert document.file_size == len(b"PK\x03\x04 report")
    assert (chart.method, chart.file_name) == ("sendPhoto", "chart.png")


async def test_set_my_commands_is_recorded_and_validated(tg, http):
    commands = [{"command": "done", "description": "Báo hoàn thành"}]
    status, _ = await call(http, tg, "setMyCommands", commands=commands)
    assert status == 200
    assert tg.commands == [("done", "Báo hoàn thành")]
    _, body = await call(http, tg, "getMyCommands")
    assert body["result"] == commands

    status, body = await call(
        http, tg, "setMyCommands", commands=[{"command": "Done!", "description": "x"}]
    )
    assert (status, body["description"]) == (400, "Bad Request: BOT_COMMAND_INVALID")


async def test_pushed_document_can_be_downloaded(tg, http):
    update = tg.push_document(42, "/done 6", "minh-chung.pdf", content=b"%PDF evidence")
    file_id = update["message"]["document"]["file_id"]
    _, body = await call(http, tg, "getFile", file_id=file_id)
    path = body["result"]["file_path"]
    async with http.get(f"{tg.base_file_url}{tg.token}/{path}") as response:
        assert await response.read() == b"%PDF evidence"


async def test_webhook_blocks_get_updates_until_deleted(tg, http):
    tg.push_text(42, "cũ")
    await call(http, tg, "setWebhook", url="https://example.invalid/hook")
    status, _ = await call(http, tg, "getUpdates")
    assert status == 409
    _, info = await call(http, tg, "getWebhookInfo")
    assert info["result"]["pending_update_count"] == 1

    await call(http, tg, "deleteWebhook", drop_pending_updates=True)
    _, body = await call(http, tg, "getUpdates")
    assert body["result"] == []


async def test_flood_limits_answer_429_with_retry_after(http):
    clock = FakeClock()
    async with FakeTelegramServer(enforce_limits=True, clock=clock) as tg:
        assert (await call(http, tg, "sendMessage", chat_id=42, text="1"))[0] == 200
        status, body = await call(http, tg, "sendMessage", chat_id=42, text="2")
        assert status == 429
        assert body["parameters"] == {"retry_after": 1}
        assert tg.too_many_requests == 1

        clock.now += 1.0
        assert (await call(http, tg, "sendMessage", chat_id=42, text="3"))[0] == 200
        assert [m.text for m in tg.sent] == ["1", "3"]


async def test_more_than_30_sends_a_second_overall_are_refused(http):
    clock = FakeClock()
    async with FakeTelegramServer(enforce_limits=True, clock=clock) as tg:
        statuses = [
            (await call(http, tg, "sendMessage", chat_id=chat, text="x"))[0]
            for chat in range(1, 32)
        ]
        assert statuses == [200] * 30 + [429]
        clock.now += 0.999
        assert (await call(http, tg, "sendMessage", chat_id=99, text="x"))[0] == 429
        clock.now += 0.002
        assert (await call(http, tg, "sendMessage", chat_id=99, text="x"))[0] == 200
        assert tg.too_many_requests == 2


async def test_more_than_20_a_minute_to_a_group_are_refused(http):
    clock = FakeClock()
    async with FakeTelegramServer(enforce_limits=True, clock=clock) as tg:
        for _ in range(20):
            assert (await call(http, tg, "sendMessage", chat_id=-100500, text="x"))[0] == 200
            clock.now += 1.5
        status, body = await call(http, tg, "sendMessage", chat_id=-100500, text="x")
        assert status == 429
        assert body["parameters"]["retry_after"] == 30  # the first one leaves the minute then


async def test_limits_are_off_by_default(tg, http):
    statuses = [(await call(http, tg, "sendMessage", chat_id=42, text="x"))[0] for _ in range(5)]
    assert statuses == [200] * 5


async def test_fail_next_answers_500_to_sends_only(tg, http):
    tg.fail_next(2)
    assert (await call(http, tg, "getMe"))[0] == 200
    statuses = [(await call(http, tg, "sendMessage", chat_id=42, text="x"))[0] for _ in range(3)]
    assert statuses == [500, 500, 200]
    assert len(tg.sent) == 1


async def test_throttle_for_answers_429_until_it_ends(http):
    clock = FakeClock()
    async with FakeTelegramServer(clock=clock) as tg:
        tg.throttle_for(3.0)
        status, body = await call(http, tg, "sendMessage", chat_id=42, text="x")
        assert (status, body["parameters"]["retry_after"]) == (429, 3)
        clock.now += 3.0
        assert (await call(http, tg, "sendMessage", chat_id=42, text="x"))[0] == 200
        assert tg.too_many_requests == 1


async def test_hang_next_delays_the_answer(tg, http):
    tg.hang_next(seconds=0.3, methods=["getMe"])
    started = time.monotonic()
    assert (await call(http, tg, "getMe"))[0] == 200
    assert time.monotonic() - started >= 0.25
    started = time.monotonic()
    await call(http, tg, "getMe")
    assert time.monotonic() - started < 0.25


async def test_blocked_chat_answers_403(tg, http):
    tg.block_chat(42)
    status, body = await call(http, tg, "sendMessage", chat_id=42, text="x")
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")


async def test_wait_for_sent_times_out_with_what_was_sent(tg, http):
    await call(http, tg, "sendMessage", chat_id=42, text="Chào anh")
    with pytest.raises(AssertionError, match="Chào anh"):
        await tg.wait_for_sent(lambda m: "Tạm biệt" in m.text, timeout=0.2)


async def test_stop_releases_a_parked_long_poll(http):
    tg = FakeTelegramServer()
    await tg.start()
    poll = asyncio.ensure_future(call(http, tg, "getUpdates", timeout=30))
    await tg.wait_for_long_poll()
    started = time.monotonic()
    await tg.stop()

    # Answered empty just before closing, or cut off: either way not held for 30 s.
    done, _ = await asyncio.wait({poll}, timeout=5)
    assert done
    if poll.exception() is None:
        assert poll.result()[1]["result"] == []
    assert time.monotonic() - started < 3.0


KEYBOARD = {
    "inline_keyboard": [
        [{"text": "✅ Xong 6", "callback_data": "done 187.6"}],
        [{"text": "✅ Xong 7", "callback_data": "done 187.7"}],
    ]
}


async def test_callback_queries_answers_and_edits_follow_telegrams_rules(tg, http):
    status, body = await call(http, tg, "sendMessage", chat_id=42, text="A", reply_markup=KEYBOARD)
    assert status == 200 and body["result"]["reply_markup"] == KEYBOARD
    message_id = body["result"]["message_id"]

    # A press carries the message as it is now, keyboard included, and its data.
    update = tg.push_press(42, message_id, "done 187.6")
    query = update["callback_query"]
    assert (query["data"], query["message"]["reply_markup"]) == ("done 187.6", KEYBOARD)
    status, body = await call(http, tg, "getUpdates")
    assert [u["update_id"] for u in body["result"]] == [update["update_id"]]

    # Each press is answered once, with at most 200 characters.
    assert (await call(http, tg, "answerCallbackQuery", callback_query_id=query["id"]))[0] == 200
    status, body = await call(http, tg, "answerCallbackQuery", callback_query_id=query["id"])
    assert status == 400 and "query is too old" in body["description"]
    other = tg.push_press(42, message_id, "x")["callback_query"]["id"]
    status, _ = await call(
        http, tg, "answerCallbackQuery", callback_query_id=other, text="x" * 201
    )
    assert status == 400

    # An edit without a keyboard takes the keyboard away; the same content again is refused.
    status, body = await call(
        http, tg, "editMessageText", chat_id=42, message_id=message_id, text="A ✅"
    )
    assert status == 200 and "reply_markup" not in body["result"]
    status, body = await call(
        http, tg, "editMessageText", chat_id=42, message_id=message_id, text="A ✅"
    )
    assert status == 400 and body["description"].startswith("Bad Request: message is not modified")
    status, body = await call(
        http,
        tg,
        "editMessageReplyMarkup",
        chat_id=42,
        message_id=message_id,
        reply_markup=KEYBOARD,
    )
    assert status == 200 and tg.buttons_of(tg.message(42, message_id))[1] == [
        ("✅ Xong 7", "done 187.7")
    ]
    status, body = await call(http, tg, "editMessageText", chat_id=42, message_id=999, text="B")
    assert status == 400 and body["description"] == "Bad Request: message to edit not found"
    bad = {"inline_keyboard": [[{"text": "x", "callback_data": "d" * 65}]]}
    status, body = await call(http, tg, "sendMessage", chat_id=42, text="C", reply_markup=bad)
    assert status == 400 and body["description"] == "Bad Request: BUTTON_DATA_INVALID"


async def test_presses_are_left_out_unless_the_bot_asks_for_them(tg, http):
    _, body = await call(http, tg, "sendMessage", chat_id=42, text="A", reply_markup=KEYBOARD)
    await call(http, tg, "getUpdates", allowed_updates=["message"])
    tg.push_press(42, body["result"]["message_id"], "done 187.6")
    assert tg.pending_updates == [] and len(tg.dropped_updates) == 1
