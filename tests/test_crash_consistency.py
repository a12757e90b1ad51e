"""A run killed outright (SIGKILL: no handler runs) leaves nothing half-written under a final name,
and the next run ends exactly where an uninterrupted run ends. Two commands on the same wave at
once: the second stops with a message naming the first, which finishes undisturbed.

These run the real ``survey`` command on the sample (three districts, one kernel) in subprocesses.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis import clean, config
from analysis.run import locks

SURVEY = str(Path(sys.executable).parent / "survey")
DISTRICTS = ["桥西区", "新华区", "裕华区"]
# report.ipynb carries papermill's cell timings and _logs the run's; everything else is the report
VARYING = {"report.ipynb"}


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("processed")
    clean.prepare_wave(config.DEFAULT_WAVE, processed_dir=folder)
    return folder


def report_cmd(processed: Path, reports: Path, *extra: str) -> list[str]:
    args = [SURVEY, "report", "--processed-dir", str(processed), "--reports-dir", str(reports), "-j", "1",
            "--quiet", *extra]
    for d in DISTRICTS:
        args += ["-d", d]
    return args


def finished(wave_dir: Path) -> list[Path]:
    """District folders under their final names (not temporary, not _logs/_failed)."""
    return [p for p in wave_dir.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))] \
        if wave_dir.is_dir() else []


def contents(wave_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(wave_dir)): p.read_bytes() for p in sorted(wave_dir.rglob("*"))
            if p.is_file() and p.name not in VARYING and "_logs" not in p.parts}


def children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def uninterrupted(processed, tmp_path_factory):
    reports = tmp_path_factory.mktemp("reports-whole")
    subprocess.run(report_cmd(processed, reports), check=True, capture_output=True)
    return reports / config.DEFAULT_WAVE


def test_sigkill_mid_run_then_rerun_equals_an_uninterrupted_run(processed, uninterrupted, tmp_path):
    reports = tmp_path / "reports"
    wave_dir = reports / config.DEFAULT_WAVE
    proc = subprocess.Popen(report_cmd(processed, reports), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    # kill once the first district is published and the second is being written
    while time.monotonic() < deadline and proc.poll() is None:
        if finished(wave_dir) and any(p.name.endswith(".tmp") for p in wave_dir.iterdir()):
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed"
    kernels = children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    done = finished(wave_dir)
    assert len(done) == 1
    for folder in done:                          # what has a final name is complete
        assert (folder / "manifest.json").is_file() and (folder / "report.docx").is_file()
    leftovers = [p.name for p in wave_dir.iterdir() if p.name.startswith(".")]
    assert leftovers, "the killed run's temporary folder should still be there"
    assert all(p.endswith(".tmp") or ".old-" in p for p in leftovers)
    for _ in range(150):                         # its kernel notices its parent is gone and exits
        if not any(alive(k) for k in kernels):
            break
        time.sleep(0.1)
    assert not any(alive(k) for k in kernels)

    rerun = subprocess.run(report_cmd(processed, reports), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert "跳过 1 个" in rerun.stdout              # the published district was not redone
    assert not [p for p in wave_dir.iterdir() if p.name.startswith(".")]   # leftovers removed
    assert sorted(p.name for p in finished(wave_dir)) == sorted(p.name for p in finished(uninterrupted))
    whole, resumed = contents(uninterrupted), contents(wave_dir)
    assert resumed.keys() == whole.keys()
    assert [k for k in whole if whole[k] != resumed[k]] == []


def test_a_second_run_on_the_same_wave_stops_and_names_the_first(processed, uninterrupted, tmp_path):
    reports = tmp_path / "reports"
    first = subprocess.Popen(report_cmd(processed, reports), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    lock = locks.lock_path(reports / config.DEFAULT_WAVE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and first.poll() is None:
        if lock.is_file() and f'"pid": {first.pid}' in lock.read_text(encoding="utf-8"):
            break
        time.sleep(0.05)
    second = subprocess.run(report_cmd(processed, reports, "--force"), capture_output=True, text=True)
    prepare = subprocess.run([SURVEY, "prepare", "--processed-dir", str(processed)], capture_output=True,
                             text=True)
    assert first.wait(timeout=600) == 0
    assert second.returncode == 2 and "另一个 survey 命令" in second.stderr
    assert f"进程 {first.pid}" in second.stderr and "Traceback" not in second.stderr
    # prepare may not rewrite the data a running report reads
    assert prepare.returncode == 2 and "另一个 survey 命令" in prepare.stderr
    whole, after = contents(uninterrupted), contents(reports / config.DEFAULT_WAVE)
    assert after.keys() == whole.keys() and [k for k in whole if whole[k] != after[k]] == []
    assert lock.read_text(encoding="utf-8") == ""        # released, holder cleared


def test_lock_is_released_however_the_holder_ends(tmp_path):
    folder = tmp_path / "reports" / "2026"
    code = ("import os, sys\nfrom analysis import locks\n"
            f"with locks.hold({str(folder)!r}):\n    print('held', flush=True)\n    os.kill(os.getpid(), 9)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL and "held" in proc.stdout
    with locks.hold(folder):                     # no stale lock to remove by hand
        holder = json.loads(locks.lock_path(folder).read_text(encoding="utf-8"))
        assert holder["pid"] == os.getpid()
        with pytest.raises(Exception) as e:
            with locks.hold(folder, shared=True):
                pass
        assert "另一个 survey 命令" in str(e.value) and f"进程 {os.getpid()}" in str(e.value)


def test_leftovers_are_only_the_shapes_fileio_makes(tmp_path):
    from analysis import fileio

    keep = ["桥东区", ".hidden", "_logs", ".2027.abc.tmp"]
    for name in keep:
        (tmp_path / name).mkdir()
    tmp_dir = fileio.make_temp_dir(tmp_path / "2026")
    old = tmp_path / f".2026.old-{os.getpid()}"
    old.mkdir()
    removed = locks.remove_leftovers(tmp_path, prefix=".2026.")
    assert sorted(p.name for p in removed) == sorted([tmp_dir.name, old.name])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(keep)
