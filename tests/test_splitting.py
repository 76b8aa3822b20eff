"""The one splitter of long texts: Telegram's 4,096 and Zalo's 2,000 limits, on Vietnamese text."""

from __future__ import annotations

import unicodedata
from itertools import pairwise

import pytest

from bot.channels.splitting import split_text
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel

LIMITS = [TelegramChannel.max_text_length, ZaloChannel.max_text_length]
TASK = "Rà soát, cập nhật các quy trình giải quyết thủ tục hành chính theo ISO 9001:2015"


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def words(parts: list[str]) -> list[str]:
    return [word for part in parts for word in part.split()]


def test_the_channels_limits_are_telegrams_and_zalos() -> None:
    assert LIMITS == [4096, 2000]


@pytest.mark.parametrize("limit", LIMITS)
def test_a_text_that_fits_comes_back_whole(limit: int) -> None:
    text = "Nhắc việc ngày 04/10/2022\n\n  6. " + TASK
    assert split_text(text, limit) == [text]
    exact = "ệ" * limit
    assert split_text(exact, limit) == [exact]
    assert split_text(exact + "ệ", limit) == [exact, "ệ"]  # one word too long: cut hard


@pytest.mark.parametrize("limit", LIMITS)
def test_lines_are_kept_whole_and_in_order(limit: int) -> None:
    lines = [f"{n}. {TASK} – Phòng Kế hoạch - Tài chính, hạn 15/12/2022" for n in range(1, 200)]
    text = "\n".join(lines)
    parts = split_text(text, limit)

    assert len(parts) > 1
    assert all(len(part) <= limit for part in parts)
    assert "\n".join(parts) == text  # cut only between lines
    # Greedy: each part is as full as whole lines allow.
    for part, following in pairwise(parts):
        first_line = following.split("\n")[0]
        assert len(part) + 1 + len(first_line) > limit


def test_a_line_longer_than_a_message_is_cut_between_words() -> None:
    line = " ".join([TASK] * 60)  # about 5,000 characters, one paragraph
    parts = split_text(line, 2000)

    assert [len(p) <= 2000 for p in parts] == [True] * len(parts) and len(parts) == 3
    assert words(parts) == line.split()  # no word cut, none lost, none added
    assert all(part == part.strip() for part in parts)


def test_a_long_line_starts_a_new_part_and_keeps_its_indentation() -> None:
    text = "Tình hình thực hiện:\n   " + " ".join([TASK] * 30)
    first, second, *rest = split_text(text, 2000)
    assert first == "Tình hình thực hiện:"
    assert second.startswith("   Rà soát")
    assert words([first, second, *rest]) == text.split()


def test_blank_lines_at_a_cut_are_dropped_and_blank_text_gives_nothing() -> None:
    text = "a" * 10 + "\n\n\n" + "b" * 10
    assert split_text(text, 12) == ["a" * 10, "b" * 10]
    assert split_text("", 2000) == []
    assert split_text(" \n\t ", 2000) == []


def test_nfd_text_is_composed_first_so_it_counts_and_cuts_as_people_read_it() -> None:
    nfc = "Đã hoàn thành nhiệm vụ rà soát hệ thống quản lý chất lượng. " * 33
    nfd = unicodedata.normalize("NFD", nfc)
    assert len(nfd) > 2000 >= len(nfc)

    assert split_text(nfd, 2000) == [nfc]
    parts = split_text(nfd * 2, 2000)
    assert all(unicodedata.is_normalized("NFC", part) for part in parts)
    assert words(parts) == (nfc * 2).split()


def test_a_hard_cut_never_leaves_a_mark_or_joiner_alone() -> None:
    # A mark that has no composed form (x + combining dot below) stays NFD even after NFC.
    word = "x\u0323" * 30
    parts = split_text(word, 7)
    assert "".join(parts) == word
    assert all(not unicodedata.combining(part[0]) for part in parts)
    family = "👨\u200d👩\u200d👧"
    parts = split_text(family * 3, 9)
    assert "".join(parts) == family * 3
    assert all(part[0] != "\u200d" and part[-1] != "\u200d" for part in parts)


def test_emoji_beyond_the_bmp_count_two_as_telegram_counts_them() -> None:
    text = "✅ Xong 🎉 " * 800
    parts = split_text(text, 4096)
    assert all(utf16_units(part) <= 4096 for part in parts)
    assert words(parts) == text.split()
    assert max(len(part) for part in parts) < 4096


@pytest.mark.parametrize("limit", LIMITS)
def test_a_100_kb_message_is_split_quickly_and_losslessly(limit: int) -> None:
    line = "Phòng GDĐT các huyện, thị xã, thành phố: " + TASK + " 👍🏽"
    text = "\n".join(f"{n:04d}. {line}" for n in range(800))
    assert len(text.encode()) > 100_000

    parts = split_text(text, limit)

    assert all(0 < utf16_units(part) <= limit for part in parts)
    assert "\n".join(parts) == text
    assert len(parts) <= len(text) // (limit - len(line) - 8) + 1


def test_a_100_kb_word_is_cut_into_full_parts() -> None:
    blob = "ệ" * 100_000
    parts = split_text(blob, 2000)
    assert [len(part) for part in parts] == [2000] * 50


def test_a_limit_too_small_to_cut_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        split_text("abc", 1)
