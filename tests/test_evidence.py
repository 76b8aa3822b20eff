"""Evidence files over real HTTP: the fake Bot API, python-telegram-bot, the channel's download,
the dispatcher and the store. A head's document with `/done 6` lands on disk with its SHA-256;
`/minhchung 6` sends it back; a 21 MB file is refused by Telegram, the confirmation kept; a name
like `../../etc/passwd` stays inside `[storage] dir`.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path, PurePosixPath

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.channels.base import Attachment, DownloadError, FileTooLarge
from bot.channels.telegram import TelegramChannel
from bot.config import Config, ConfigError, load_config
from bot.domain.model import Role
from bot.services import evidence
from bot.services.facade import BotServices
from bot.store.models import EvidenceFile
from tests.conftest import Chat
from tests.fakes.telegram_server import FakeTelegramServer
from tests.test_telegram_story import bot, confirmation_rows, registered, tg

__all__ = ["bot", "tg"]  # the fixtures this module uses from the story


@pytest_asyncio.fixture
async def stored(
    services: BotServices, bot: TelegramChannel, tmp_path: Path
) -> AsyncIterator[Path]:
    """`[storage] dir` in the test's folder, and the Telegram channel as the file source."""
    folder = tmp_path / "files"
    services.config = replace(services.config, storage_dir=folder)
    services.file_sources["telegram"] = bot
    yield folder
    services.file_sources.clear()


async def evidence_rows(services: BotServices) -> list[EvidenceFile]:
    async with services.db.session() as session:
        return list(await session.scalars(select(EvidenceFile).order_by(EvidenceFile.id)))


def is_inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and ".incoming" not in p.parts)


async def test_a_document_sent_with_done_is_kept_with_its_hash_and_sent_again(
    tg: FakeTelegramServer, services: BotServices, stored: Path
) -> None:
    head = await registered(services, tg, 3001, "Ban ISO Sở", Role.HEAD, "Trần Thị", "Hoa")
    office = await registered(services, tg, 3002, "Văn phòng Sở", Role.OFFICE, "Lê", "Lan")
    content = b"%PDF-1.4 bien ban danh gia noi bo\n" * 500

    seen = len(head.replies())
    update = tg.push_document(
        3001, "/done 6 đã đánh giá", "Biên bản đánh giá.pdf", content=content, first_name="Hoa"
    )
    reply = await head.next_reply(seen)
    assert "Tệp đính kèm đã được lưu làm minh chứng." in reply

    [row] = await evidence_rows(services)
    [(no, unit, confirmation)] = await confirmation_rows(services)
    assert (no, unit, row.confirmation_id) == (6, "Ban ISO Sở", confirmation.id)
    assert row.file_ref == update["message"]["document"]["file_id"]
    assert (row.name, row.size, row.error) == ("Biên bản đánh giá.pdf", len(content), None)
    assert row.sha256 == hashlib.sha256(content).hexdigest()
    assert row.path == "187/6/Ban_ISO_Sở/Biên_bản_đánh_giá.pdf"
    assert (stored / row.path).read_bytes() == content
    assert files_under(stored) == [stored / row.path]

    text, document = await office.says_all("/minhchung 6", 2)
    assert text.text.startswith("Minh chứng của nhiệm vụ 6: 1 tệp.\n• Ban ISO Sở — ")
    assert "Biên bản đánh giá.pdf, 17 KB, 09:00 ngày 01/08/2022, Trần Thị Hoa" in text.text
    assert document.method == "sendDocument"
    assert document.content == content
    assert document.file_name == "Biên bản đánh giá.pdf"
    assert document.text == "6 — Ban ISO Sở: Biên bản đánh giá.pdf"

    # The unit itself may ask; another unit's head may not see it.
    _, again = await head.says_all("/evidence 6", 2)
    assert again.content == content
    other = await registered(services, tg, 3003, "Phòng Giáo dục Trung học", Role.HEAD, "Nam")
    assert (await other.says("/minhchung 6 @Ban ISO Sở")) == (
        "Anh/chị chỉ xem được tệp minh chứng của đơn vị mình: gõ /minhchung 6."
    )


async def test_a_file_over_20_mb_is_not_downloaded_but_the_confirmation_stands(
    tg: FakeTelegramServer, services: BotServices, stored: Path
) -> None:
    head = await registered(services, tg, 3101, "Ban ISO Sở", Role.HEAD, "Hoa")
    office = await registered(services, tg, 3102, "Văn phòng Sở", Role.OFFICE, "Lan")
    big = b"\0" * (21 * 1024 * 1024)

    seen = len(head.replies())
    tg.push_document(3101, "/xong 6", "video-hop.mp4", content=big, first_name="Hoa")
    reply = await head.next_reply(seen)
    assert reply.startswith("Đã ghi nhận Ban ISO Sở hoàn thành nhiệm vụ số 6 (ngày 01/08/2022).\n")
    assert (
        "Tệp video-hop.mp4 quá lớn nên bot không tải về được (trên 20 MB), nhưng việc xác nhận "
        "vẫn được ghi nhận. Vui lòng nén hoặc chia nhỏ thành các tệp dưới 20 MB rồi gửi kèm chú "
        "thích /minhchung 6."
    ) in reply
    assert "đã được lưu làm minh chứng" not in reply

    assert len(await confirmation_rows(services)) == 1
    [row] = await evidence_rows(services)
    assert (row.path, row.sha256, row.error) == (None, None, evidence.TOO_LARGE)
    assert files_under(stored) == []

    listed = await office.says("/minhchung 6")
    assert listed.endswith("— quá lớn, không tải về được (trên 20 MB)")
    assert [m.method for m in office.replies()] == ["sendMessage"]

    # As the reply says: the smaller file, captioned /minhchung 6, joins the same confirmation.
    seen = len(head.replies())
    tg.push_document(3101, "/minhchung 6", "video-hop.zip", content=b"zip", first_name="Hoa")
    added = await head.next_reply(seen)
    assert added == "Đã bổ sung minh chứng nhiệm vụ 6 của Ban ISO Sở: video-hop.zip (3 B)."
    too_large, small = await evidence_rows(services)
    assert too_large.confirmation_id == small.confirmation_id
    assert (small.path, small.size) == ("187/6/Ban_ISO_Sở/video-hop.zip", 3)
    assert files_under(stored) == [stored / small.path]
    assert len(await confirmation_rows(services)) == 1


async def test_a_hostile_file_name_stays_inside_the_storage_folder(
    tg: FakeTelegramServer, services: BotServices, stored: Path
) -> None:
    head = await registered(services, tg, 3201, "Ban ISO Sở", Role.HEAD, "Hoa")
    seen = len(head.replies())
    tg.push_document(3201, "/done 6", "../../etc/passwd", content=b"root:x:0:0", first_name="Hoa")
    await head.next_reply(seen)

    [row] = await evidence_rows(services)
    assert row.name == "../../etc/passwd"  # as sent, for people to read
    assert row.path == "187/6/Ban_ISO_Sở/passwd"
    [on_disk] = files_under(stored)
    assert is_inside(on_disk, stored)
    assert on_disk.read_bytes() == b"root:x:0:0"


def test_path_parts_are_cleaned_and_names_never_collide(tmp_path: Path) -> None:
    assert evidence.safe_part("..", "x") == "x"
    assert evidence.safe_part("..\\..\\boot.ini", "x") == "boot.ini"
    assert evidence.safe_part("a/b/../c d.pdf", "x") == "c_d.pdf"
    assert evidence.safe_part("báo cáo\x00;rm -rf.docx", "x") == "báo_cáo_rm_-rf.docx"
    assert evidence.safe_part("", "photo-3.jpg") == "photo-3.jpg"
    long = evidence.safe_part("a" * 300 + ".pdf", "x")
    assert len(long) <= evidence.NAME_MAX and long.endswith(".pdf")
    assert evidence.folder_for("../05-2023", 6, "Phòng KH/TC") == PurePosixPath(
        "05-2023", "6", "TC"
    )

    storage = evidence.Storage(tmp_path / "files")
    source = tmp_path / "in.pdf"
    source.write_bytes(b"one")
    folder = PurePosixPath("187", "6", "Ban_ISO_Sở")
    first = storage.place(source, folder, "bien-ban.pdf")
    second = storage.place(source, folder, "bien-ban.pdf")
    assert (first, second) == (f"{folder}/bien-ban.pdf", f"{folder}/bien-ban-2.pdf")
    with pytest.raises(ValueError, match="outside"):
        storage.locate("../nhacviec.db")


async def test_where_files_cannot_be_fetched_or_sent_they_are_listed(chat: Chat) -> None:
    head = await chat.registered("h1", "Ban ISO Sở", Role.HEAD, name="Trần Thị Hoa")
    office = await chat.registered("o1", "Văn phòng Sở", Role.OFFICE, name="Lê Lan")
    leader = await chat.registered("l1", "Lãnh đạo Sở", Role.LEADER, name="Giám đốc")

    assert await office.says("/minhchung 6") == "Chưa có tệp minh chứng nào cho nhiệm vụ 6."
    reply = await head.says("/xong 6", Attachment("photo", "console-photo-1"))
    assert "Tệp đính kèm đã được lưu làm minh chứng." in reply  # the chat app keeps it

    listed = await leader.says("/minhchung 6 @Ban ISO Sở")
    assert listed == (
        "Minh chứng của nhiệm vụ 6: 1 tệp.\n"
        "• Ban ISO Sở — photo-1.jpg, ?, 09:00 ngày 01/08/2022, Trần Thị Hoa — chỉ lưu trên "
        "ứng dụng chat, chưa tải về"
    )
    assert (await office.says("/evidence 6 @Phòng Giáo dục Trung học")) == (
        "Phòng Giáo dục Trung học chưa gửi tệp minh chứng nào cho nhiệm vụ 6."
    )


async def test_bad_evidence_commands_get_the_right_form(chat: Chat) -> None:
    office = await chat.registered("o1", "Văn phòng Sở", Role.OFFICE)
    member = await chat.registered("m1", "Phòng Giáo dục Trung học", Role.MEMBER)
    assert (await office.says("/minhchung")).startswith(
        "Vui lòng ghi số thứ tự nhiệm vụ, ví dụ: /evidence 6"
    )
    assert "không phải là số thứ tự nhiệm vụ" in await office.says("/minhchung abc")
    assert (await office.says("/minhchung 6 Ban ISO")) == (
        "Để xem tệp của một đơn vị, ghi @ trước tên đơn vị, ví dụ: /minhchung 6 @P. KH-TC"
    )
    unknown = await office.says("/minhchung 6 @Phòng Không Có")
    assert unknown.startswith("Không tìm thấy đơn vị “Phòng Không Có”.")
    assert "Ban ISO Sở" in unknown
    assert "99" in await office.says("/minhchung 99")
    assert "Phòng Giáo dục Trung học" in await member.says("/minhchung 1")


class BytesSource:
    """A channel's file store in memory: our own FileSource interface, nothing of PTB."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    async def download(self, file_ref: str, dest: Path, *, max_bytes: int) -> int:
        dest.write_bytes(self.files[file_ref])  # noqa: ASYNC240 - a few bytes in a test
        return len(self.files[file_ref])


async def test_the_reports_name_and_link_the_evidence(
    chat: Chat, services: BotServices, tmp_path: Path
) -> None:
    from docx import Document
    from openpyxl import load_workbook

    services.config = replace(services.config, storage_dir=tmp_path / "files")
    content = b"bien ban hop ban ISO"
    services.file_sources["console"] = BytesSource({"ref-1": content})
    head = await chat.registered("h1", "Ban ISO Sở", Role.HEAD, name="Trần Thị Hoa")
    await head.says("/xong 6", Attachment("document", "ref-1", "bien-ban.pdf"))

    sheet_path = await services.write_report("xlsx", tmp_path / "theo-doi.xlsx", "vi")
    workbook = load_workbook(sheet_path)
    files = workbook["Tệp minh chứng"]
    header = [cell.value for cell in files[5]]
    assert header == [
        "TT", "Đơn vị", "Kỳ", "Tệp", "Dung lượng (byte)", "SHA-256", "Nhận lúc", "Người gửi"
    ]  # fmt: skip
    row = [cell.value for cell in files[6]]
    assert row[:6] == [
        6, "Ban ISO Sở", None, "bien-ban.pdf", len(content), hashlib.sha256(content).hexdigest()
    ]  # fmt: skip
    assert files.cell(6, 4).hyperlink.target == "files/187/6/Ban_ISO_Sở/bien-ban.pdf"
    assert (tmp_path / files.cell(6, 4).hyperlink.target).read_bytes() == content
    main = workbook.worksheets[0]
    linked = [c for r in main.iter_rows(min_row=6) for c in r if c.value == "bien-ban.pdf"]
    assert [c.hyperlink.target for c in linked] == ["files/187/6/Ban_ISO_Sở/bien-ban.pdf"]

    docx_path = await services.write_report("docx", tmp_path / "bao-cao.docx", "vi")
    text = [p.text for p in Document(str(docx_path)).paragraphs]
    at = text.index("- Tệp minh chứng:")
    assert text[at + 1] == "+ Ban ISO Sở: bien-ban.pdf"


class FlakySource(BytesSource):
    """Fails the first `failures` downloads, as a network blip would."""

    def __init__(self, files: dict[str, bytes], failures: int) -> None:
        super().__init__(files)
        self.failures = failures

    async def download(self, file_ref: str, dest: Path, *, max_bytes: int) -> int:
        if self.failures:
            self.failures -= 1
            raise DownloadError("Timed out")
        return await super().download(file_ref, dest, max_bytes=max_bytes)


async def test_a_failed_download_keeps_the_confirmation_and_is_tried_again(
    chat: Chat, services: BotServices, tmp_path: Path
) -> None:
    folder = tmp_path / "files"
    services.config = replace(services.config, storage_dir=folder)
    services.file_sources["console"] = FlakySource({"ref-9": b"scan"}, failures=1)
    head = await chat.registered("h1", "Ban ISO Sở", Role.HEAD, name="Hoa")

    reply = await head.says("/xong 6", Attachment("photo", "ref-9"))
    assert reply.startswith("Đã ghi nhận Ban ISO Sở hoàn thành nhiệm vụ số 6")
    assert (
        "Chưa tải được tệp về lúc này; việc xác nhận vẫn được ghi nhận và bot sẽ thử tải lại "
        "tệp (/minhchung 6)."
    ) in reply
    [row] = await evidence_rows(services)
    assert (row.path, row.error) == (None, "Timed out")

    listed = await head.says("/minhchung 6")  # tries again, and this time it comes
    assert "• Ban ISO Sở — photo-1.jpg, 4 B, " in listed
    assert "chưa tải về" not in listed
    [row] = await evidence_rows(services)
    assert (row.path, row.error, row.size) == ("187/6/Ban_ISO_Sở/photo-1.jpg", None, 4)
    assert row.sha256 == hashlib.sha256(b"scan").hexdigest()
    assert files_under(folder) == [folder / row.path]


def test_storage_dir_is_read_from_the_config_next_to_it(tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    assert Config().storage_dir == Path("files")
    config_file.write_text('[storage]\ndir = "minh-chung"\n', encoding="utf-8")
    assert load_config(config_file, {}).storage_dir == tmp_path / "minh-chung"
    config_file.write_text('[storage]\nfolder = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown key \[storage\] folder"):
        load_config(config_file, {})


async def test_zalo_fetches_a_photo_by_its_address_within_the_limit(tmp_path: Path) -> None:
    import httpx

    from bot.channels.zalo import ZaloChannel
    from bot.channels.zalo_client import ZaloBotClient

    def serve(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/big.jpg":
            return httpx.Response(200, content=b"x" * 2048)
        if request.url.path == "/gone.jpg":
            return httpx.Response(404)
        return httpx.Response(200, content=b"jpeg")

    client = ZaloBotClient("1:zalo-token", transport=httpx.MockTransport(serve))
    zalo = ZaloChannel(client)
    dest = tmp_path / "photo"
    assert await zalo.download("https://cdn.example/a.jpg", dest, max_bytes=100) == 4
    assert dest.read_bytes() == b"jpeg"
    with pytest.raises(FileTooLarge):
        await zalo.download("https://cdn.example/big.jpg", tmp_path / "big", max_bytes=100)
    with pytest.raises(DownloadError):
        await zalo.download("https://cdn.example/gone.jpg", tmp_path / "gone", max_bytes=100)
    with pytest.raises(DownloadError):
        await zalo.download("not-an-address", tmp_path / "none", max_bytes=100)
    await client.aclose()


async def test_a_file_for_a_task_not_yet_confirmed_asks_for_done(
    chat: Chat, services: BotServices, tmp_path: Path
) -> None:
    services.config = replace(services.config, storage_dir=tmp_path / "files")
    services.file_sources["console"] = BytesSource({"ref-2": b"pdf", "ref-3": b"scan"})
    head = await chat.registered("h1", "Ban ISO Sở", Role.HEAD, name="Hoa")
    office = await chat.registered("o1", "Văn phòng Sở", Role.OFFICE, name="Lan")
    assert await head.says("/minhchung 6", Attachment("document", "ref-2", "a.pdf")) == (
        "Ban ISO Sở chưa xác nhận nhiệm vụ 6: vui lòng gửi tệp kèm lệnh /xong 6."
    )
    assert await evidence_rows(services) == []

    await head.says("/xong 6")
    # The Office received a paper scan for the unit and adds it to the unit's confirmation.
    added = await office.says("/minhchung 6 @Ban ISO Sở", Attachment("photo", "ref-3"))
    assert added.startswith("Đã bổ sung minh chứng nhiệm vụ 6 của Ban ISO Sở: photo-")
    [row] = await evidence_rows(services)
    assert row.sha256 == hashlib.sha256(b"scan").hexdigest()
