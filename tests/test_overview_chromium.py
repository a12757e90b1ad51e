"""The overview page in a real browser: headless Chromium (Debian ``chromium``) loads
``index.html`` offline, logs no console message, every link in the DOM it parsed resolves to a
file, and a screenshot is saved for a person to look at."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest

from analysis.publish import overview as publish_overview
from test_render import _district_folder

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium 未安装")


def _chromium(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr",
                           "--v=0", *extra, page.as_uri()],
                          capture_output=True, text=True, timeout=120, check=True)


@pytest.fixture(scope="module")
def overview(tmp_path_factory) -> Path:
    wave_dir = tmp_path_factory.mktemp("overview") / "2026"
    _district_folder(wave_dir, "桥东区", "桥东区", 0, ["report.html", "report.docx", "tables.xlsx"])
    _district_folder(wave_dir, "新华区", "新华区", 30, ["report.html", "report.docx"])
    _district_folder(wave_dir, "裕华区", "裕华区", -20, ["report.html"])
    publish_overview.write_index_html(wave_dir, "2026")
    return wave_dir / "index.html"


def test_chromium_console_is_clean_and_every_link_resolves(overview, tmp_path):
    done = _chromium(overview, tmp_path / "profile", "--dump-dom")
    assert "CONSOLE" not in done.stderr, done.stderr
    assert "各区县报告总览" in done.stdout                      # the DOM Chromium built
    links = re.findall(r'href="([^"#]+)"', done.stdout)
    assert len(links) == 6
    for link in links:
        assert (overview.parent / unquote(link)).is_file(), link


def test_chromium_screenshot(overview, tmp_path):
    shot = overview.parent / "index.png"
    done = _chromium(overview, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,900")
    assert "CONSOLE" not in done.stderr, done.stderr
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 10_000      # a rendered page, not a blank one
