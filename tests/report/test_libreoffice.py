"""The workbook opens in LibreOffice (headless conversion to PDF) without error."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from conftest import require_tool

pytestmark = [pytest.mark.libreoffice, pytest.mark.slow]


def test_workbook_converts_to_pdf(xlsx_file, tmp_path):
    require_tool("soffice", "LibreOffice (soffice)")
    profile = (tmp_path / "lo-profile").as_uri()
    out = tmp_path / "out"
    done = subprocess.run(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out), str(xlsx_file)],
        capture_output=True, text=True, timeout=180, check=False,
    )
    assert done.returncode == 0, done.stderr
    pdf = out / (xlsx_file.stem + ".pdf")
    assert pdf.exists(), done.stdout + done.stderr
    assert pdf.read_bytes()[:4] == b"%PDF"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                              text=True, timeout=60, check=True).stdout
        assert "Yearly savings [USD]" in text
        assert "Hypervisor licences" in text
        assert '=HYPERLINK("http://x","y")' in text
