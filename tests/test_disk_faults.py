"""Issue 18 D19, D20: a full disk and a read-only folder, on a real file system that fills up.

The output folder is a small tmpfs (``mount -t tmpfs -o size=…``), so ENOSPC and EROFS come from the
kernel, in this process and in the report kernels alike; where this machine does not allow mounting
(no root, no CAP_SYS_ADMIN) the tests are skipped. Through `survey` as a user runs it:

- D19: reports on a disk with room for about one unit's report: the first unit's report is written,
  the others fail with a message naming the path and the fix, the run goes on to the end (exit 1,
  not 3), and no file under a final name is truncated (every notebook, JSON file and Office zip left
  there opens); with space again, a rerun makes every report;
- D20: prepare onto a full disk, and a report into a read-only folder: exit 2 with the path and
  the fix, not “内部错误”.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from analysis import config
from conftest import wjx_frame

SURVEY = Path(sys.executable).parent / "survey"
WAVE = "disk"
UNITS = ["桥东区", "桥西区", "长安区"]


def _mount(point: Path, size_kb: int, *options: str) -> None:
    point.mkdir(parents=True, exist_ok=True)
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join([f"size={size_kb}k", *options]), "tmpfs", str(point)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {p.stderr.strip()}")


def _umount(point: Path) -> None:
    subprocess.run(["umount", "-l", str(point)], capture_output=True)


@pytest.fixture
def mounts():
    made: list[Path] = []

    def mount(point: Path, size_kb: int, *options: str) -> Path:
        _mount(point, size_kb, *options)
        made.append(point)
        return point
    yield mount
    for point in reversed(made):
        _umount(point)


def _rows(unit: str, n: int = 8) -> list[dict]:
    return [{"district": unit, "gender": "男女"[i % 2], "age": str(28 + 4 * i), "edu": ["大专", "本科"][i % 2],
             "post": "社区“两委”委员", "employment": "专职", "sat_pay": ["满意", "一般", "非常满意"][i % 3],
             "sat_workload": ["一般", "满意"][i % 2]} for i in range(n)]


@pytest.fixture(scope="module")
def project(tmp_path_factory, books):
    home = tmp_path_factory.mktemp("disk")
    shutil.copytree(config.NOTEBOOK_DIR, home / "notebooks")
    shutil.copytree(config.CODEBOOK_DIR, home / "config" / "codebooks")
    raw = home / "data" / "raw" / WAVE
    raw.mkdir(parents=True)
    wjx_frame(books["worker"], [r for u in UNITS for r in _rows(u)]).to_excel(raw / "社区工作者问卷.xlsx", index=False)
    p = _survey(home, "build", "--jobs", "1")
    assert p.returncode == 0, p.stdout + p.stderr
    return home


def _survey(home: Path, *args: str) -> subprocess.CompletedProcess:
    quiet = ["--quiet"] if args[0] != "prepare" else []
    return subprocess.run([str(SURVEY), *args, "--wave", WAVE, *quiet], cwd=home, capture_output=True, text=True,
                          env={**os.environ, "SURVEY_HOME": str(home)}, timeout=900)


def _size_kb(folder: Path) -> int:
    return sum(-(-p.stat().st_size // 4096) * 4 for p in folder.rglob("*") if p.is_file())


def _assert_nothing_truncated(root: Path) -> None:
    for path in root.rglob("*"):
        if not path.is_file() or path.name.startswith("."):
            continue
        assert not path.name.endswith(".tmp"), path
        if path.suffix == ".ipynb":
            nbformat.read(str(path), as_version=4)
        elif path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix in (".docx", ".xlsx"):
            assert zipfile.ZipFile(path).testzip() is None, path


def test_d19_disk_full_while_writing_reports(project, tmp_path, mounts):
    one = max(_size_kb(project / "reports" / WAVE / u) for u in UNITS)
    reports = mounts(tmp_path / "small", int(one * 1.6) + 512)
    p = _survey(project, "report", "--reports-dir", str(reports), "--jobs", "1", "--force")
    out = p.stdout + p.stderr
    assert p.returncode == 1, out                          # some units failed; not 3 (内部错误), not stopped
    assert "内部错误" not in out and "Traceback" not in out
    wave = reports / WAVE
    done = [u for u in UNITS if (wave / u / "report.html").is_file()]
    failed = [u for u in UNITS if u not in done]
    assert done == UNITS[:1] and failed == UNITS[1:], out
    for unit in failed:                                     # the summary line of each says where and what to do
        line = next(x for x in p.stdout.splitlines() if x.startswith(unit))
        assert "磁盘空间已满，写不进 " + str(wave) in line and "腾出该磁盘的空间" in line, line
    _assert_nothing_truncated(reports)
    # space again: the same command makes the missing reports
    _umount(reports)
    mounts(reports, 64 * 1024)
    p = _survey(project, "report", "--reports-dir", str(reports), "--jobs", "1")
    assert p.returncode == 0, p.stdout + p.stderr
    assert all((reports / WAVE / u / "report.html").is_file() for u in UNITS)


def test_d20_prepare_onto_a_full_disk_says_where_and_what_to_do(project, tmp_path, mounts):
    full = mounts(tmp_path / "full", 256)
    (full / "filler").write_bytes(b"\0" * (240 * 1024))
    p = _survey(project, "prepare", "--processed-dir", str(full))
    out = p.stdout + p.stderr
    assert p.returncode == 2, out
    assert "磁盘空间已满，写不进 " + str(full) in out and "解决办法" in out and "--processed-dir" in out
    assert "内部错误" not in out and "Traceback" not in out
    assert sorted(x.name for x in full.iterdir() if not x.name.startswith(".")) == ["filler"]


def test_d20_a_read_only_reports_folder_says_where_and_what_to_do(project, tmp_path, mounts):
    ro = mounts(tmp_path / "ro", 1024, "ro")
    p = _survey(project, "report", "--reports-dir", str(ro))
    out = p.stdout + p.stderr
    assert p.returncode == 2, out
    assert "没有写入权限" in out and str(ro) in out and "解决办法" in out
    assert "内部错误" not in out and "Traceback" not in out
