"""Telegram through python-telegram-bot: updates in by long polling, paced sends out.

The channel turns every incoming message (commands, plain text, documents and photos with their
captions) into an `IncomingMessage`, hands it to the core and sends the `Reply` back. It knows
nothing of commands beyond Telegram's own `/cmd@botname` spelling.

Sends go through a `SendLimiter`: replies first, reminders after, never faster than Telegram
allows. A 429 pauses the limiter for the time Telegram asked and the send is retried a few times.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import traceback
import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NoReturn

from telegram import BotCommand, Message, Update
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
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBDeprecationWarning

from bot.channels.base import (
    Attachment,
    IncomingMessage,
    OutgoingFile,
    Reply,
    Sender,
    SendError,
    split_text,
)
from bot.channels.base import MessageHandler as OnMessage
from bot.channels.ratelimit import Priority, SendLimiter
from bot.clock import as_local

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_ERROR_TEXT = "Xin lỗi, đã có lỗi khi xử lý yêu cầu. Vui lòng thử lại sau ít phút."
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


class TelegramChannel:
    """The Channel protocol on Telegram, with python-telegram-bot 22 underneath.

    `base_url` is PTB's form, the token appended to it (`http://127.0.0.1:8081/bot` for a local
    server); `base_file_url` defaults to the matching `/file/bot`. `commands` are (name,
    description) pairs for the menu; `error_text` answers a message whose handler failed.
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
        polling: bool = True,
    ) -> None:
        if not token:
            raise ValueError("a Telegram bot token is required")
        quiet_http_logs()
        mask_secret_in_logs(token)
        self._commands = tuple(commands)
        self._error_text = error_text
        self._limiter = limiter or SendLimiter()
        self._poll_timeout = poll_timeout
        self._send_attempts = max(1, send_attempts)
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
        if not polling:
            # Webhook mode (later) feeds `application.update_queue` itself; no Updater then.
            builder = builder.updater(None)
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        # Every message, whatever it holds: the core decides what is a command.
        self.application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, self._on_update))
        self.application.add_error_handler(self._on_error)

    # ---- Channel protocol --------------------------------------------------------------------

    async def start(self, on_message: OnMessage) -> None:
        """Connect (getMe), register the command menu, and start polling for updates.

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
            if app.updater is not None:
                await app.updater.start_polling(
                    timeout=dt.timedelta(seconds=self._poll_timeout),
                    allowed_updates=[Update.MESSAGE],
                )
        except BaseException:
            await self.stop()
            raise
        log.info("Telegram channel started as @%s", app.bot.username)

    async def stop(self) -> None:
        """Stop polling, finish the updates in hand, and close the HTTP connections."""
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        if self._started:
            await app.shutdown()
        elif self._bot_ready:
            await app.bot.shutdown()
        self._started = self._bot_ready = False

    async def send_text(self, chat_id: str, text: str) -> str:
        """Send a reminder (low priority); a long text goes as several messages, in order."""
        return await self._send_text(chat_id, text, Priority.REMINDER)

    async def send_file(self, chat_id: str, file: OutgoingFile) -> str:
        """Send a report or chart as a reminder would (low priority)."""
        return await self._send_file(chat_id, file, Priority.REMINDER)

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

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log what escaped a handler; PTB keeps polling whatever happens here."""
        log.error("Error while processing a Telegram update", exc_info=context.error)

    # ---- outgoing ----------------------------------------------------------------------------

    async def _send_reply(self, chat_id: str, reply: Reply) -> None:
        if reply.text.strip():
            await self._send_text(chat_id, reply.text, Priority.REPLY)
        for file in reply.files:
            await self._send_file(chat_id, file, Priority.REPLY)

    async def _send_text(self, chat_id: str, text: str, priority: Priority) -> str:
        parts = [part for part in split_text(text, self.max_text_length) if part.strip()]
        if not parts:
            raise SendError("refusing to send an empty message", permanent=True)
        message_id = ""
        for part in parts:
            message_id = await self._send(
                chat_id,
                priority,
                lambda bot, part=part: bot.send_message(_chat_ref(chat_id), part),
            )
        return message_id

    async def _send_file(self, chat_id: str, file: OutgoingFile, priority: Priority) -> str:
        try:
            content = await asyncio.to_thread(file.path.read_bytes)
        except OSError as exc:
            raise SendError(f"cannot read {file.path}: {exc}", permanent=True) from exc
        caption = file.caption
        if len(caption) > CAPTION_LIMIT:
            # Telegram cuts nothing for us: a long caption goes first as its own message.
            await self._send_text(chat_id, caption, priority)
            caption = ""
        target = _chat_ref(chat_id)
        if file.kind == "photo":
            return await self._send(
                chat_id,
                priority,
                lambda bot: bot.send_photo(
                    target, content, caption=caption or None, filename=file.file_name
                ),
            )
        return await self._send(
            chat_id,
            priority,
            lambda bot: bot.send_document(
                target, content, caption=caption or None, filename=file.file_name
            ),
        )

    async def _send(
        self,
        chat_id: str,
        priority: Priority,
        call: Callable[[Any], Awaitable[Message]],
    ) -> str:
        """Send once a slot is free; obey 429s a bounded number of times; map PTB's errors."""
        await self._ensure_bot()
        retry_after: float | None = None
        for _ in range(self._send_attempts):
            await self._limiter.acquire(chat_id, priority=priority, is_group=_is_group(chat_id))
            try:
                message = await call(self.application.bot)
            except RetryAfter as exc:
                retry_after = retry_after_seconds(exc)
                log.warning("Telegram asked to wait %.0f s (chat %s)", retry_after, chat_id)
                self._limiter.pause(retry_after)
                continue
            except Forbidden as exc:
                raise SendError(f"Telegram chat {chat_id}: {exc.message}", permanent=True) from exc
            except ChatMigrated as exc:
                raise SendError(
                    f"Telegram group {chat_id} is now supergroup {exc.new_chat_id}",
                    permanent=True,
                ) from exc
            except BadRequest as exc:
                # The same request would be refused again (chat not found, text too long…).
                raise SendError(f"Telegram chat {chat_id}: {exc.message}", permanent=True) from exc
            except TelegramError as exc:  # NetworkError, TimedOut, server errors
                raise SendError(f"Telegram chat {chat_id}: {exc.message}") from exc
            return str(message.message_id)
        raise SendError(
            f"Telegram chat {chat_id}: still rate-limited after {self._send_attempts} attempts",
            retry_after=retry_after,
        )

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
    chat = message.chat
    return IncomingMessage(
        sender=Sender(
            channel="telegram",
            user_id=str(user.id),
            chat_id=str(chat.id),
            name=user.full_name,
            is_group_chat=chat.type in (ChatType.GROUP, ChatType.SUPERGROUP),
        ),
        text=text,
        message_id=str(message.message_id),
        received_at=as_local(message.date),
        attachment=attachment,
    )


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


class SecretMaskingFilter(logging.Filter):
    """Replace secrets (bot tokens live in every Bot API URL) in a record's text and traceback."""

    def __init__(self, mask: str = "***") -> None:
        super().__init__()
        self.mask = mask
        self._secrets: set[str] = set()

    def add(self, secret: str) -> None:
        if secret:
            self._secrets.add(secret)

    def _masked(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, self.mask)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: logging reports it at emit time
            return True
        masked = self._masked(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and record.exc_info[0] is not None:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            masked = self._masked(text)
            if masked != text:
                # Formatters print exc_text as is; exc_info would be formatted again, unmasked.
                record.exc_text, record.exc_info = masked, None
        if record.stack_info:
            record.stack_info = self._masked(record.stack_info)
        return True


SECRET_FILTER = SecretMaskingFilter()
_factory_installed = False


def mask_secret_in_logs(secret: str) -> None:
    """Mask `secret` in every log record from now on, whichever logger or handler sees it.

    A filter on one logger misses its children and a filter on a handler misses handlers added
    later (pytest's caplog, the CLI's), so the filter runs where every record is born.
    """
    global _factory_installed
    SECRET_FILTER.add(secret)
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        SECRET_FILTER.filter(record)
        return record

    logging.setLogRecordFactory(factory)
    _factory_installed = True


def quiet_http_logs() -> None:
    """httpx logs every request URL, token included, at INFO: keep it to warnings."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
