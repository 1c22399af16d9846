"""Look at a report as a reader would: screenshots of the HTML, its print, and the workbook.

    python scripts/shoot.py reports/estate.html [reports/estate.xlsx] -o /tmp/shots

Writes full-page PNGs of the HTML at 1280 and 1920 px, the first screen at 1280 px, the
print-to-PDF (A4) with its page count, and, for a workbook, LibreOffice's PDF of it rasterised
with pdftoppm. Uses Debian's Chromium (/usr/bin/chromium) and soffice/pdftoppm from PATH.
`--docs` also refreshes docs/report-html.png and docs/report-excel.png.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
DOCS = Path(__file__).resolve().parents[1] / "docs"


def _pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("Pages:"))
    return int(line.split()[1])


def shoot_html(html: Path, out: Path, docs: bool = False) -> None:
    """Screenshots at both widths and the A4 print of `html` into `out`."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for width in (1280, 1920):
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(html.resolve().as_uri(), wait_until="load")
            page.wait_for_timeout(1500)  # plotly draws after load
            page.screenshot(path=str(out / f"{html.stem}-{width}.png"), full_page=True)
            # the full page in screen-sized pieces, legible in an image viewer
            height = page.evaluate("document.documentElement.scrollHeight")
            for i, top in enumerate(range(0, height, 1200), 1):
                page.screenshot(path=str(out / f"{html.stem}-{width}-{i:02d}.png"),
                                full_page=True, clip={"x": 0, "y": top, "width": width,
                                                      "height": min(1200, height - top)})
            if width == 1280:
                page.screenshot(path=str(out / f"{html.stem}-first.png"))
                if docs:
                    page.screenshot(path=str(DOCS / "report-html.png"))
                page.emulate_media(media="print")
                page.wait_for_timeout(1000)  # the charts re-lay out for the page
                pdf = out / f"{html.stem}-print.pdf"
                page.pdf(path=str(pdf), format="A4")
                print(f"{pdf}: {_pages(pdf)} pages")
                subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf),
                                str(out / f"{html.stem}-print")], check=True)
            page.close()
        browser.close()


def shoot_xlsx(xlsx: Path, out: Path, docs: bool = False) -> None:
    """LibreOffice's PDF of `xlsx`, its page count and a PNG per page."""
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp, "profile").as_uri()
        subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless",
                        "--convert-to", "pdf", "--outdir", str(out), str(xlsx)],
                       check=True, capture_output=True, timeout=300)
    pdf = out / f"{xlsx.stem}.pdf"
    print(f"{pdf}: {_pages(pdf)} pages")
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(out / f"{xlsx.stem}-xlsx")],
                   check=True)
    if docs:
        # the Summary sheet is the workbook's first page
        subprocess.run(["pdftoppm", "-r", "100", "-png", "-f", "1", "-l", "1", "-singlefile",
                        str(pdf), str(DOCS / "report-excel")], check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("-o", "--out", type=Path, default=Path("shots"))
    ap.add_argument("--docs", action="store_true", help="refresh docs/report-*.png")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for f in args.files:
        if f.suffix == ".html":
            shoot_html(f, args.out, args.docs)
        elif f.suffix == ".xlsx" and shutil.which("soffice"):
            shoot_xlsx(f, args.out, args.docs)


if __name__ == "__main__":
    main()
