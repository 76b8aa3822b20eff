"""Regenerate the report images in docs/ from the sample data of plan 187/KH-SGDĐT.

    python docs/make_images.py

writes docs/chart.png (the status chart) and docs/report-page1.png (the first page of the Word
report). The page is rendered by LibreOffice and poppler, which the bot itself never needs:
    apt-get install -y --no-install-recommends libreoffice-writer fonts-liberation poppler-utils
(fonts-liberation gives Liberation Serif, metric-compatible with Times New Roman).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))  # run from a checkout without installing the package

from bot.i18n import Translator  # noqa: E402
from bot.reports.chart import render_status_chart  # noqa: E402
from bot.reports.docx_report import write_year_report  # noqa: E402
from bot.reports.sample import sample_report_data  # noqa: E402

PAGE_DPI = 80


def _tool(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    sys.exit(f"{names[0]} not found; see this script's docstring for what to install")


def render_first_page(docx: Path, png: Path) -> Path:
    """Convert with LibreOffice (a throwaway profile, so a running instance does not interfere)
    and rasterise page 1 with pdftoppm."""
    soffice = _tool("soffice", "libreoffice")
    pdftoppm = _tool("pdftoppm")
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        profile = (folder / "profile").as_uri()
        subprocess.run(
            [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
             "--outdir", str(folder), str(docx)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
        pdf = folder / f"{docx.stem}.pdf"
        stem = folder / "page"
        subprocess.run(
            [pdftoppm, "-png", "-r", str(PAGE_DPI), "-f", "1", "-l", "1", "-singlefile",
             str(pdf), str(stem)],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        shutil.copyfile(stem.with_suffix(".png"), png)
    return png


def main() -> None:
    data = sample_report_data()
    tr = Translator("vi")
    chart = render_status_chart(data, DOCS / "chart.png", tr=tr)
    print(f"{chart} {chart.stat().st_size // 1024} KB")
    with tempfile.TemporaryDirectory() as work:
        docx = write_year_report(data, Path(work) / "bao-cao-2022.docx", tr=tr)
        page = render_first_page(docx, DOCS / "report-page1.png")
    print(f"{page} {page.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
