"""How fast the command line starts, and what `nhacviec plans` imports.

    python -m bench.startup            # 7 runs each; prints medians and the heavy imports

`nhacviec --help` is compared with `python -c pass` (the interpreter alone); issue 15's target is
within 5×. `nhacviec plans` runs in a temporary folder on a database `init` created, under
`python -X importtime`: it must not import Alembic (the database is at head), matplotlib,
python-docx, openpyxl or python-telegram-bot.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 7
HEAVY = ("alembic", "matplotlib", "docx", "openpyxl", "telegram", "sqlalchemy.orm", "babel")


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


def median_of(command: list[str], cwd: Path) -> float:
    timed(command, cwd)  # warm the file cache
    return statistics.median(timed(command, cwd) for _ in range(RUNS))


def imported(command: list[str], cwd: Path) -> dict[str, float]:
    """Top-level packages of HEAVY that `command` imports, with their cumulative time (ms)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *command], cwd=cwd, capture_output=True, text=True
    )
    found: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = (part.strip() for part in line.split("|"))
        if not cumulative.isdigit():
            continue
        for heavy in HEAVY:
            if name == heavy:
                found[heavy] = int(cumulative) / 1000
    return found


def main() -> None:
    script = shutil.which("nhacviec") or "nhacviec"
    folder = Path(tempfile.mkdtemp(prefix="nv-startup-"))
    env_python = [sys.executable]
    try:
        subprocess.run([script, "init"], cwd=folder, check=True, capture_output=True)
        bare = median_of([*env_python, "-c", "pass"], folder)
        help_ = median_of([script, "--help"], folder)
        plans = median_of([script, "plans"], folder)
        heavy = imported(["-m", "bot.cli", "plans"], folder)
        heavy_help = imported(["-m", "bot.cli", "--help"], folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"CPUs: {os.cpu_count()}; median of {RUNS} runs each")
    print(f"python -c pass       {bare * 1000:6.0f} ms")
    print(f"nhacviec --help      {help_ * 1000:6.0f} ms  ({help_ / bare:.1f}× python -c pass)")
    print(f"nhacviec plans       {plans * 1000:6.0f} ms")
    print(f"--help imports: {', '.join(f'{k} {v:.0f} ms' for k, v in heavy_help.items()) or '-'}")
    print(f"plans imports:  {', '.join(f'{k} {v:.0f} ms' for k, v in heavy.items()) or '-'}")


if __name__ == "__main__":
    main()
