"""The command line as scripts use it (DESIGN: CLI contract)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.bundled import bundled_plan
from bot.cli import main

EXPECTED = json.loads(
    (Path(__file__).parent / "data" / "187-KH-SGDDT-2022.expected.json").read_text("utf-8")
)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "n.db"}"\n', "utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_parse_json_follows_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "parse", str(bundled_plan()), "--json")
    assert status == 0
    parsed = json.loads(out)
    assert parsed["number"] == "187/KH-SGDĐT" and parsed["issued"] == "2022-02-07"
    assert parsed["title"].startswith("Duy trì áp dụng, cải tiến Hệ thống quản lý chất lượng")
    for task, expected in zip(parsed["tasks"], EXPECTED["tasks"], strict=True):
        assert task["content"]
        assert {k: task[k] for k in expected} == expected


def test_a_file_without_appendix_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "letter.txt"
    plan.write_text("Số: 1/KH-X\nKẾ HOẠCH\nKhông có phụ lục.\n", "utf-8")
    status, out, err = run(capsys, "parse", str(plan), "--json")
    assert status == 2 and out == ""
    assert err.startswith("nhacviec: letter.txt: Không tìm thấy bảng phụ lục")
    assert len(err.strip().splitlines()) == 1


def test_init_import_plan_and_reimport_keeps_confirmations(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "--config", str(config_file), "init")
    assert status == 0 and "plan 187/KH-SGDĐT imported" in out and "10 tasks" in out
    status, out, _ = run(capsys, "--config", str(config_file), "init")
    assert "plan 187/KH-SGDĐT loaded (10 tasks)" in out

    status, out, _ = run(
        capsys, "--config", str(config_file), "invite", "Ban ISO", "--role", "iso", "--json"
    )
    invite = json.loads(out)
    assert set(invite) == {"code", "unit", "role", "expires", "link"}
    assert invite["unit"] == "Ban ISO Sở" and invite["role"] == "iso"

    # Someone confirms task 3, then the Office re-imports a corrected plan.
    import asyncio

    from bot.app import open_services
    from bot.channels.base import Sender
    from bot.config import load_config

    async def confirm() -> None:
        services = await open_services(load_config(config_file))
        sender = Sender("console", "iso", "iso", "Ban ISO")
        await services.register(sender, invite["code"])
        await services.confirm(await services.find_contact(sender), 3, "xong")
        await services.db.dispose()

    asyncio.run(confirm())
    corrected = tmp_path / "plan.txt"
    corrected.write_text(
        bundled_plan().read_text("utf-8").replace("Trước 05/09/2022", "Trước 10/09/2022"), "utf-8"
    )
    status, out, _ = run(capsys, "--config", str(config_file), "import", str(corrected))
    assert status == 0 and "updated in place" in out and "confirmations kept" in out

    status, out, _ = run(capsys, "--config", str(config_file), "plan", "--json")
    task3 = json.loads(out)["tasks"][2]
    assert task3["schedule"] == {"kind": "deadline", "due": "2022-09-09"}

    status, out, _ = run(capsys, "--config", str(config_file), "status", "--json")
    report = json.loads(out)
    assert set(report) == {"as_of", "plans"}
    [plan] = report["plans"]
    assert {k: plan[k] for k in ("key", "number", "state")} == {
        "key": "187",
        "number": "187/KH-SGDĐT",
        "state": "ended",  # the machine's today is long after 31/12/2022
    }
    tasks = plan["tasks"]
    assignment = next(a for a in tasks[2]["assignments"] if a["unit"] == "Ban ISO Sở")
    assert assignment["done"] is True and assignment["note"] == "xong"
    assert set(tasks[0]) >= {"no", "label", "state", "due", "assignments"}
    assert set(assignment) == {"unit", "role", "done", "done_at", "by", "note", "verified"}

    status, out, _ = run(capsys, "--config", str(config_file), "contacts", "--json")
    contacts = json.loads(out)
    assert [(c["channel"], c["unit"], c["role"]) for c in contacts] == [
        ("console", "Ban ISO Sở", "iso")
    ]
    assert set(contacts[0]) >= {"channel", "unit", "role", "name", "since"}
    assert contacts[0]["memberships"] == [{"unit": "Ban ISO Sở", "role": "iso"}]


def test_broken_config_is_named_and_nothing_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "config.toml"
    bad.write_text('[reminders]\nsend_time = "8h"\n[telegram]\nenabled = "yes"\n', "utf-8")
    status, _, err = run(capsys, "--config", str(bad), "plan")
    assert status == 2
    assert (
        err.strip()
        == "nhacviec: configuration: [telegram] enabled must be true or false, got 'yes'"
    )
    status, _, err = run(capsys, "--config", str(tmp_path / "missing.toml"), "plan")
    assert status == 2 and "does not exist" in err


def test_the_installed_command_prints_no_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "plan"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "nhacviec: no plan is loaded: run `nhacviec init` or `nhacviec import FILE`"
    )


def test_chat_lets_a_person_try_the_commands_in_a_terminal(config_file: Path) -> None:
    base = [sys.executable, "-m", "bot.cli", "--config", str(config_file)]
    subprocess.run([*base, "init"], check=True, capture_output=True)
    result = subprocess.run(
        [*base, "chat", "--as", "Thanh tra Sở", "--name", "Trịnh Văn Long"],
        input="/viec\n/done 4 đã rà soát\n/done abc\n/quit\n",
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Chatting as Trịnh Văn Long — Thanh tra Sở" in result.stdout
    assert "Việc của Thanh tra Sở theo Kế hoạch 187/KH-SGDĐT" in result.stdout
    assert "Đã ghi nhận Thanh tra Sở hoàn thành nhiệm vụ số 4" in result.stdout
    assert "“abc” không phải là số thứ tự nhiệm vụ." in result.stdout


def test_routine_every_decides_thuong_xuyen_and_init_applies_a_change(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def every_of_routine_tasks() -> list[str]:
        _, out, _ = run(capsys, "--config", str(config_file), "plan", "--json")
        tasks = json.loads(out)["tasks"]
        return [t["schedule"]["every"] for t in tasks if t["when"] == "Thường xuyên"]

    run(capsys, "--config", str(config_file), "init")
    assert every_of_routine_tasks() == ["quarter"] * 3  # tasks 4, 5 and 9

    text = config_file.read_text("utf-8")
    config_file.write_text(text + '\n[reminders]\nroutine_every = "month"\n', "utf-8")
    status, out, _ = run(capsys, "--config", str(config_file), "init")
    assert status == 0 and "3 “Thường xuyên” tasks now follow [reminders] routine_every" in out
    assert every_of_routine_tasks() == ["month"] * 3

    config_file.write_text(text + '\n[reminders]\nroutine_every = "fortnight"\n', "utf-8")
    status, _, err = run(capsys, "--config", str(config_file), "init")
    assert status == 2
    assert '[reminders] routine_every must be one of "week", "month", "quarter"' in err


def test_plans_side_by_side_from_the_command_line(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    second = Path(__file__).parent / "data" / "plans" / "05-KH-SGDDT-2022.txt"
    cfg = ("--config", str(config_file))
    run(capsys, *cfg, "init")
    status, out, _ = run(capsys, *cfg, "import", str(second), "--key", "cchc")
    assert status == 0 and "Plan 05/KH-SGDĐT imported from" in out and "its key is cchc" in out
    assert "Other plans, unchanged: 187 (187/KH-SGDĐT)" in out

    status, _, err = run(capsys, *cfg, "import", str(second), "--key", "187")
    assert status == 1 and "already belongs to plan 187/KH-SGDĐT" in err

    status, out, _ = run(capsys, *cfg, "plans", "--json")
    plans = {plan["key"]: plan for plan in json.loads(out)}
    assert set(plans) == {"187", "cchc"}
    assert set(plans["cchc"]) == {
        "key", "number", "title", "issued", "start", "end", "state", "tasks", "open",
    }  # fmt: skip
    assert (plans["cchc"]["start"], plans["cchc"]["end"], plans["cchc"]["tasks"]) == (
        "2022-03-01",
        "2022-12-31",
        7,
    )

    status, _, err = run(capsys, *cfg, "plan", "--json")
    assert status == 1 and "Several plans are being followed: 187, cchc" in err
    status, out, _ = run(capsys, *cfg, "plan", "cchc", "--end", "30/06/2023")
    assert status == 0 and "Plan 05/KH-SGDĐT (cchc) now ends on 30/06/2023." in out

    status, out, _ = run(capsys, *cfg, "close", "cchc")
    assert status == 0 and "closed: no more reminders" in out
    status, out, _ = run(capsys, *cfg, "status", "--json")
    assert [plan["key"] for plan in json.loads(out)["plans"]] == ["187"]
    status, out, _ = run(capsys, *cfg, "status", "--plan", "cchc", "--json")
    [plan] = json.loads(out)["plans"]
    assert (plan["key"], plan["state"], len(plan["tasks"])) == ("cchc", "closed", 7)
    report = tmp_path / "cchc.xlsx"
    status, _, _ = run(
        capsys, *cfg, "report", "--plan", "cchc", "--format", "xlsx", "-o", str(report)
    )
    assert status == 0 and report.stat().st_size > 0
    status, out, _ = run(capsys, *cfg, "reopen", "cchc")
    assert status == 0 and "reopened" in out

    status, _, err = run(capsys, *cfg, "close", "nope")
    assert status == 1 and "There is no plan with the key “nope”. The plans are: 187, cchc" in err
