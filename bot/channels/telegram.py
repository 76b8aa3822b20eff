"""Telegram through python-telegram-bot: updates in by long polling or webhook, paced sends out.

The channel turns every incoming message (commands, plain text, documents and photos with their
captions) into an `IncomingMessage`, hands it to the core and sends the `Reply` back. It knows
nothing of commands beyond Telegram's own `/cmd@botname` spelling.

Sends go through a `SendLimiter`: replies first, reminders after, never faster than Telegram
allows; long texts are cut by `splitting`, failed sends retried by `retry` (a 429 pauses the
limiter for the time Telegram asked), as on every channel.

In webhook mode the channel serves Telegram's calls with the shared `WebhookServer`, which checks
Telegram's `X-Telegram-Bot-Api-Secret-Token` header on every call before reading the body:
without the right secret the answer is 403 and nothing happens.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import warnings
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal, NoReturn

from telegram import (
    BotCommand,
    CallbackQuery,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    TelegramObject,
    Update,
    User,
)
from telegram.constants import ChatType, MessageEntityType
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBDeprecationWarning

from bot.channels.base import (
    Attachment,
    ButtonPress,
    Buttons,
    DownloadError,
    FileTooLarge,
    IncomingMessage,
    MessageEdit,
    OutgoingFile,
    Reply,
    Sender,
    SendError,
)
from bot.channels.base import MessageHandler as OnMessage
from bot.channels.ratelimit import Priority, SendLimiter
from bot.channels.recent import RecentIds
from bot.channels.retry import Delivery, Failure, Outcome, RetryPolicy, Sleep
from bot.channels.splitting import split_text
from bot.channels.webhook import ServesWebhook, WebhookRefused, WebhookServer
from bot.clock import as_local
from bot.logsafety import (
    add_record_hook,
    mask_token_in_logs,
    quiet_http_logs,
)

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_ERROR_TEXT = "Xin lỗi, đã có lỗi khi xử lý yêu cầu. Vui lòng thử lại sau ít phút."
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
DEFAULT_WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: Messages, and presses on our buttons.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
#: Telegram's limits: a press's answer (`answerCallbackQuery` text), a button's data in bytes.
NOTICE_LIMIT = 200
BUTTON_DATA_LIMIT = 64
#: Telegram's rule for `secret_token` (1–256 of these characters); we ask for at least 8.
_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{8,256}")


class TelegramChannel(ServesWebhook):
    """The Channel protocol on Telegram, with python-telegram-bot 22 underneath.

    `base_url` is PTB's form, the token appended to it (`http://127.0.0.1:8081/bot` for a local
    server); `base_file_url` defaults to the matching `/file/bot`. `commands` are (name,
    description) pairs for the menu; `error_text` answers a message whose handler failed.

    `mode="webhook"` serves updates on `webhook_listen` (host:port) at `webhook_path` and at the
    path of `webhook_url` (so a reverse proxy may pass the public path through or rewrite it),
    and tells Telegram `setWebhook(webhook_url, secret_token=secret)` at start. `polling=False`
    (polling mode) receives nothing: the channel only sends, as `nhacviec tick` needs.
    `request_timeout` (seconds) overrides PTB's connect/read/write timeouts of Bot API calls.
    A reply (and `setWebhook`) is tried `send_attempts` times, waiting `backoff_base`, twice
    that… up to `backoff_cap` seconds between tries (`sleep` is injected for tests).
    """

    name = "telegram"
    max_text_length = TEXT_LIMIT

    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        base_file_url: str | None = None,
        commands: Sequence[tuple[str, str]] = (),
        error_text: str = DEFAULT_ERROR_TEXT,
        limiter: SendLimiter | None = None,
        poll_timeout: float = 10,
        send_attempts: int = 3,
        backoff_base: float = 1.0,
        backoff_cap: float = 30.0,
        sleep: Sleep = asyncio.sleep,
        polling: bool = True,
        mode: Literal["polling", "webhook"] = "polling",
        webhook_url: str = "",
        webhook_listen: str = "127.0.0.1:8443",
        webhook_path: str = DEFAULT_WEBHOOK_PATH,
        secret: str = "",
        request_timeout: float | None = None,
    ) -> None:
        if not token:
            raise ValueError("a Telegram bot token is required")
        if mode not in ("polling", "webhook"):
            raise ValueError(f"Telegram mode must be 'polling' or 'webhook', got {mode!r}")
        self.mode = mode
        self._webhook: WebhookServer | None = None
        if mode == "webhook":
            if not _SECRET_SHAPE.fullmatch(secret):
                raise ValueError(
                    "Telegram webhook secret must be 8 to 256 characters: A-Z, a-z, 0-9, _ or -"
                )
            self._webhook = WebhookServer(
                channel="Telegram",
                listen=webhook_listen,
                webhook_url=webhook_url,
                default_path=webhook_path,
                secret=secret,
                secret_header=SECRET_HEADER,
                on_update=self._take_update,
            )
        self._webhook_url = webhook_url
        self._secret = secret
        self._seen_updates = RecentIds()
        quiet_http_logs()
        add_record_hook(redact_chat_contents)
        mask_token_in_logs(token)
        self._commands = tuple(commands)
        self._error_text = error_text
        self._poll_timeout = poll_timeout
        self._delivery = Delivery(
            "Telegram",
            limiter=limiter or SendLimiter(),
            classify=classify_error,
            policy=RetryPolicy(max(1, send_attempts), backoff_base, backoff_cap),
            sleep=sleep,
        )
        self._on_message: OnMessage | None = None
        self._bot_ready = False
        self._started = False
        self._init_lock = asyncio.Lock()
        builder = (
            ApplicationBuilder()
            .token(token)
            .base_url(base_url)
            .base_file_url(base_file_url or _file_url_for(base_url))
            .concurrent_updates(_PerChatUpdateProcessor())
            .job_queue(None)  # reminders have their own scheduler; PTB's would idle in memory
        )
        if request_timeout is not None:
            builder = (
                builder.connect_timeout(request_timeout)
                .read_timeout(request_timeout)
                .write_timeout(request_timeout)
            )
        if mode == "webhook" or not polling:
            # Our webhook server feeds `application.update_queue` itself; no Updater then.
            builder = builder.updater(None)
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        # Every message, whatever it holds: the core decides what is a command.
        self.application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, self._on_update))
        # Presses on the buttons under reminders and replies.
        self.application.add_handler(CallbackQueryHandler(self._on_press))
        self.application.add_error_handler(self._on_error)

    # ---- Channel protocol --------------------------------------------------------------------

    async def start(self, on_message: OnMessage) -> None:
        """Connect (getMe), register the command menu, and start polling or serving the webhook.

        PTB's `post_init` hook only runs inside `run_polling`, which would own the event loop;
        we drive the lifecycle ourselves so several channels and the scheduler share one loop,
        and call `_post_init` here instead.
        """
        if self._started:
            raise RuntimeError("the Telegram channel is already started")
        self._on_message = on_message
        app = self.application
        async with self._init_lock:
            try:
                await app.initialize()
            except BaseException as exc:
                await app.bot.shutdown()
                _raise_without_token(exc)
            self._bot_ready = self._started = True
        try:
            await self._post_init(app)
            await app.start()
            if self._webhook is not None:
                # Serve first, then tell Telegram where: its first call finds us listening.
                await self._webhook.start()
                await self._register_webhook()
            elif app.updater is not None:
                await app.updater.start_polling(
                    timeout=dt.timedelta(seconds=self._poll_timeout),
                    allowed_updates=ALLOWED_UPDATES,
                )
        except BaseException:
            await self.stop()
            raise
        log.info("Telegram channel started as @%s (%s)", app.bot.username, self.mode)

    async def stop(self) -> None:
        """Stop receiving, finish the updates in hand, and close the HTTP connections.

        The webhook stays registered with Telegram, which keeps new updates until we are back.
        """
        app = self.application
        if self._webhook is not None:
            await self._webhook.stop()
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        if self._started:
            await app.shutdown()
        elif self._bot_ready:
            await app.bot.shutdown()
        self._started = self._bot_ready = False

    async def send_text(self, chat_id: str, text: str, buttons: Buttons = ()) -> str:
        """Send a reminder (low priority); a long text goes as several messages, in order.

        `buttons` go under the last part, where the person has read to the end.
        """
        return await self._send_text(chat_id, text, Priority.REMINDER, buttons)

    async def send_file(self, chat_id: str, file: OutgoingFile) -> str:
        """Send a report or chart as a reminder would (low priority)."""
        return await self._send_file(chat_id, file, Priority.REMINDER)

    # ---- evidence files ----------------------------------------------------------------------

    async def download(self, file_ref: str, dest: Path, *, max_bytes: int) -> int:
        """Fetch a file a person sent (getFile, then the file URL) into `dest`; its size.

        The Bot API hands out files up to 20 MB only: a bigger one is refused by getFile
        ("file is too big"), which is FileTooLarge here as when its size is over `max_bytes`.
        """
        await self._ensure_bot()
        bot = self.application.bot
        try:
            found = await bot.get_file(file_ref)
        except BadRequest as exc:
            if "too big" in exc.message.lower():
                raise FileTooLarge(None, max_bytes) from None
            raise DownloadError(exc.message) from None
        except TelegramError as exc:
            raise DownloadError(exc.message) from None
        if found.file_size is not None and found.file_size > max_bytes:
            raise FileTooLarge(found.file_size, max_bytes)
        try:
            await found.download_to_drive(dest)
        except TelegramError as exc:
            raise DownloadError(exc.message) from None
        except OSError as exc:
            raise DownloadError(f"cannot write {dest.name}: {exc.strerror}") from None
        size = (await asyncio.to_thread(dest.stat)).st_size
        if size > max_bytes:
            await asyncio.to_thread(dest.unlink, missing_ok=True)
            raise FileTooLarge(size, max_bytes)
        return size

    # ---- incoming ----------------------------------------------------------------------------

    async def _post_init(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Register the command menu; a failure here must not keep the bot from answering."""
        if not self._commands:
            return
        try:
            await application.bot.set_my_commands(
                [BotCommand(name, description) for name, description in self._commands]
            )
        except TelegramError as exc:
            log.warning("Could not register the Telegram command menu: %s", exc)

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message is None or self._on_message is None:
            return
        incoming = to_incoming(message, bot_username=context.bot.username)
        if incoming is None:
            return
        try:
            reply = await self._on_message(incoming)
        except Exception:
            log.exception(
                "Handling Telegram message %s from chat %s failed",
                incoming.message_id,
                incoming.sender.chat_id,
            )
            reply = Reply(self._error_text)
        if reply is None:
            return
        try:
            await self._send_reply(incoming.sender.chat_id, reply)
        except SendError as exc:
            log.warning("Could not reply in chat %s: %s", incoming.sender.chat_id, exc)

    async def _on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer a button press (always: the app shows a spinner until then), then edit.

        The core runs the button's command for the presser; the message changes only when it
        went through. A refusal is shown as an alert and changes nothing.
        """
        query = update.callback_query
        if query is None:
            return
        press = to_press(query)
        reply: Reply | None = None
        if press is not None and self._on_message is not None:
            try:
                reply = await self._on_message(press)
            except Exception:
                log.exception("Handling a Telegram button press %s failed", query.id)
                reply = Reply(self._error_text)
        notice = reply.text if reply is not None else ""
        refused = reply is None or reply.edit is None
        try:
            await self._delivery.call(
                lambda: query.answer(_notice(notice) or None, show_alert=refused and bool(notice)),
                method="answerCallbackQuery",
            )
        except SendError as exc:
            log.warning("Could not answer the button press %s: %s", query.id, exc)
        if reply is None or press is None:
            return
        chat_id = press.sender.chat_id
        try:
            if reply.edit is not None:
                await self._edit(query, reply.edit)
            if len(notice) > NOTICE_LIMIT or reply.buttons or reply.files:
                # Too long for the notice, or it offers a choice: say it in the chat too.
                await self._send_reply(chat_id, replace(reply, edit=None))
        except SendError as exc:
            log.warning("Could not finish the button press in chat %s: %s", chat_id, exc)

    async def _edit(self, query: CallbackQuery, edit: MessageEdit) -> None:
        """Change the pressed message's text and take away the buttons that are done with."""
        message = query.message
        if not isinstance(message, Message):
            return  # too old for Telegram to show us (48 h): the notice has said it all
        kept = _without(message.reply_markup, edit.drop)
        text = edit.text[: self.max_text_length] or (message.text or "")
        if text == (message.text or "") and kept == (message.reply_markup or _NO_KEYBOARD):
            return  # nothing changes; Telegram would answer "message is not modified"
        if text == (message.text or ""):
            call = lambda: message.edit_reply_markup(reply_markup=kept)  # noqa: E731
        else:
            call = lambda: message.edit_text(text, reply_markup=kept)  # noqa: E731
        try:
            await self._delivery.call(call, method="editMessageText")
        except SendError as exc:
            log.warning("Could not edit message %s: %s", message.message_id, exc)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log what escaped a handler; PTB keeps polling whatever happens here."""
        log.error("Error while processing a Telegram update", exc_info=context.error)

    # ---- webhook -----------------------------------------------------------------------------

    async def _register_webhook(self) -> None:
        """`setWebhook` with our secret; network trouble and 429s are retried a few times."""
        await self._delivery.call(
            lambda: self.application.bot.set_webhook(
                self._webhook_url,
                secret_token=self._secret,
                allowed_updates=ALLOWED_UPDATES,
            ),
            method="setWebhook",
        )
        log.info("Telegram webhook registered at %s", self._webhook_url)

    async def _take_update(self, data: Any) -> None:
        """Queue one update from the webhook; PTB's update queue processes it after our answer.

        An update Telegram delivers twice (our answer got lost) is handled once.
        """
        update_id = data.get("update_id") if isinstance(data, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise WebhookRefused("not an update")
        if update_id in self._seen_updates:
            log.debug("Telegram delivered update %s again; ignored", update_id)
            return
        try:
            update = Update.de_json(data, self.application.bot)
        except Exception:
            # Telegram would deliver it again and again: take it, say why, and move on.
            log.warning("Telegram update %s could not be read and was dropped", update_id)
            return
        self._seen_updates.add(update_id)
        await self.application.update_queue.put(update)

    # ---- outgoing ----------------------------------------------------------------------------

    async def _send_reply(self, chat_id: str, reply: Reply) -> None:
        if reply.text.strip():
            await self._send_text(chat_id, reply.text, Priority.REPLY, reply.buttons)
        for file in reply.files:
            await self._send_file(chat_id, file, Priority.REPLY)

    async def _send_text(
        self, chat_id: str, text: str, priority: Priority, buttons: Buttons = ()
    ) -> str:
        parts = split_text(text, self.max_text_length)
        if not parts:
            raise SendError("refusing to send an empty message", permanent=True)
        markup = keyboard(buttons)
        message_id = ""
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            message_id = await self._send(
                chat_id,
                priority,
                lambda bot, part=part, last=last: bot.send_message(
                    _chat_ref(chat_id), part, reply_markup=markup if last else None
                ),
                part=index,
            )
        return message_id

    async def _send_file(self, chat_id: str, file: OutgoingFile, priority: Priority) -> str:
        try:
            content = await asyncio.to_thread(file.path.read_bytes)
        except OSError as exc:
            raise SendError(f"cannot read {file.path}: {exc}", permanent=True) from exc
        caption = file.caption
        part = 0
        if len(caption) > CAPTION_LIMIT:
            # Telegram cuts nothing for us: a long caption goes first as its own message.
            await self._send_text(chat_id, caption, priority)
            caption, part = "", 1
        target = _chat_ref(chat_id)
        if file.kind == "photo":
            return await self._send(
                chat_id,
                priority,
                lambda bot: bot.send_photo(
                    target, content, caption=caption or None, filename=file.file_name
                ),
                part=part,
            )
        return await self._send(
            chat_id,
            priority,
            lambda bot: bot.send_document(
                target, content, caption=caption or None, filename=file.file_name
            ),
            part=part,
        )

    async def _send(
        self,
        chat_id: str,
        priority: Priority,
        call: Callable[[Any], Awaitable[Message]],
        *,
        part: int = 0,
    ) -> str:
        """Send once a slot is free, retried as `retry.policy_for` says; the message's id."""
        await self._ensure_bot()
        message = await self._delivery.send(
            chat_id,
            lambda: call(self.application.bot),
            priority=priority,
            is_group=_is_group(chat_id),
            part=part,
        )
        return str(message.message_id)

    async def _ensure_bot(self) -> None:
        """Let reminders go out without polling (e.g. `nhacviec tick`): initialize on demand."""
        if self._bot_ready:
            return
        async with self._init_lock:
            if self._bot_ready:
                return
            try:
                await self.application.bot.initialize()
            except TelegramError as exc:
                await self.application.bot.shutdown()
                try:
                    _raise_without_token(exc)
                except TelegramError as clean:
                    raise SendError(f"Telegram is not reachable: {clean.message}") from None
            self._bot_ready = True


# ---- translating Telegram's messages ---------------------------------------------------------


def to_incoming(message: Message, *, bot_username: str | None) -> IncomingMessage | None:
    """Build the channel-neutral message, or None for what is not for us.

    `/done@nhacviec_bot 6` becomes `/done 6`; a command addressed to another bot in a group is
    dropped, as are messages without sender, text, caption or file (stickers, service messages).
    """
    user = message.from_user
    if user is None:
        return None
    text = message.text or message.caption or ""
    entities = message.entities if message.text else message.caption_entities
    if entities and entities[0].type == MessageEntityType.BOT_COMMAND and entities[0].offset == 0:
        if message.text:
            command = message.parse_entity(entities[0])
        else:
            command = message.parse_caption_entity(entities[0])
        name, _, target = command.partition("@")
        if target and bot_username and target.lower() != bot_username.lower():
            return None
        text = name + text[len(command) :]
    attachment: Attachment | None = None
    if message.document is not None:
        attachment = Attachment("document", message.document.file_id, message.document.file_name)
    elif message.photo:
        attachment = Attachment("photo", message.photo[-1].file_id)
    if not text.strip() and attachment is None:
        return None
    return IncomingMessage(
        sender=_sender(user, message.chat),
        text=text,
        message_id=str(message.message_id),
        received_at=as_local(message.date),
        attachment=attachment,
    )


def _sender(user: User, chat: Chat) -> Sender:
    """Who wrote or pressed, and where the answer goes (their chat, or the group)."""
    return Sender(
        channel="telegram",
        user_id=str(user.id),
        chat_id=str(chat.id),
        name=user.full_name,
        is_group_chat=chat.type in (ChatType.GROUP, ChatType.SUPERGROUP),
    )


def to_press(query: CallbackQuery) -> ButtonPress | None:
    """The channel-neutral press, or None for a press without our data or its chat."""
    data = query.data
    message = query.message
    if not data or message is None:
        return None
    return ButtonPress(
        sender=_sender(query.from_user, message.chat),
        command=data,
        press_id=query.id,
        received_at=as_local(dt.datetime.now(dt.UTC)),
        message_text=(message.text or "") if isinstance(message, Message) else "",
    )


def keyboard(buttons: Buttons) -> InlineKeyboardMarkup | None:
    """Telegram's inline keyboard for our rows; a button whose data is too long is left out."""
    rows = [
        [
            InlineKeyboardButton(button.label, callback_data=button.command)
            for button in row
            if len(button.command.encode()) <= BUTTON_DATA_LIMIT
        ]
        for row in buttons
    ]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


_NO_KEYBOARD = InlineKeyboardMarkup([])


def _without(markup: InlineKeyboardMarkup | None, drop: frozenset[str]) -> InlineKeyboardMarkup:
    """The keyboard less the buttons typing a command in `drop` (empty: no keyboard at all)."""
    rows = [
        [button for button in row if button.callback_data not in drop]
        for row in (markup.inline_keyboard if markup is not None else ())
    ]
    return InlineKeyboardMarkup([row for row in rows if row])


def _notice(text: str) -> str:
    """What fits in a press's answer: the text, or its first line cut to Telegram's limit."""
    if len(text) <= NOTICE_LIMIT:
        return text
    first = text.splitlines()[0] if text else ""
    return first if len(first) <= NOTICE_LIMIT else first[: NOTICE_LIMIT - 1] + "…"


class _PerChatUpdateProcessor(BaseUpdateProcessor):
    """Handle different chats concurrently, and the messages of one chat in order.

    One slow reply (three parts, a second apart) must not hold up everybody else's commands, but
    `/done 6` then `/undo 6` from one person must not swap.
    """

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[object, asyncio.Lock] = {}
        self._users: dict[object, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        key = chat.id if chat is not None else None
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


# ---- small helpers ---------------------------------------------------------------------------


def _raise_without_token(exc: BaseException) -> NoReturn:
    """Re-raise, except that PTB's InvalidToken quotes the token: replace it by a clean one."""
    if isinstance(exc, InvalidToken):
        raise InvalidToken("the Telegram server rejected the bot token") from None
    raise exc


def classify_error(exc: Exception) -> Failure | None:
    """What a PTB error means for trying again (`retry.Outcome`); None if it is not one."""
    if isinstance(exc, RetryAfter):
        return Failure(Outcome.THROTTLED, exc.message, retry_after_seconds(exc))
    if isinstance(exc, ChatMigrated):
        return Failure(Outcome.FINAL, f"the group is now supergroup {exc.new_chat_id}")
    if isinstance(exc, Forbidden | BadRequest | InvalidToken):
        # Blocked, kicked, chat not found, text too long: the same request would be refused.
        return Failure(Outcome.FINAL, exc.message)
    if isinstance(exc, TelegramError):  # NetworkError, TimedOut, server errors
        return Failure(Outcome.TRANSIENT, exc.message)
    return None


def retry_after_seconds(exc: RetryAfter) -> float:
    """Read a RetryAfter's delay whether PTB gives int seconds or a timedelta (PTB_TIMEDELTA)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)


def _chat_ref(chat_id: str) -> int | str:
    """Telegram chat ids are integers; `@channelname` stays a string."""
    return int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id


def _is_group(chat_id: str) -> bool:
    """Telegram gives groups and supergroups negative ids, people positive ones."""
    return chat_id.startswith("-")


def _file_url_for(base_url: str) -> str:
    if base_url.endswith("/bot"):
        return base_url.removesuffix("/bot") + "/file/bot"
    return base_url.rstrip("/") + "/file/bot"


# ---- keeping the token out of logs -------------------------------------------------------------


def redact_chat_contents(record: logging.LogRecord) -> None:
    """Keep what people write out of PTB's DEBUG records; keep the record itself.

    PTB logs every request's parameters, every answer and every update at DEBUG: replies and
    messages, invitation codes among them (`/start CODE`, the Office's `/invite` answer). The
    endpoint names and ids stay; dicts, lists and Telegram objects become a short summary.
    """
    if record.levelno > logging.DEBUG or not record.name.startswith("telegram"):
        return
    args = record.args
    if isinstance(args, Mapping):
        args = (args,)  # logging unwraps a single dict argument
    if not args or not any(_has_contents(arg) for arg in args):
        return
    if "%(" in str(record.msg):
        record.msg, record.args = "(a Telegram record with chat contents, withheld)", ()
        return
    record.args = tuple(_summary(arg) if _has_contents(arg) else arg for arg in args)


def _has_contents(value: object) -> bool:
    if isinstance(value, Mapping | TelegramObject):
        return True
    return isinstance(value, list | tuple) and not all(isinstance(v, int) for v in value)


def _summary(value: object) -> str:
    if isinstance(value, Update):
        return f"<update {value.update_id}>"
    if isinstance(value, Mapping):
        return "<" + ", ".join(map(str, value)) + ">"
    if isinstance(value, list | tuple):
        return f"<{len(value)} items>"
    return f"<{type(value).__name__}>"
