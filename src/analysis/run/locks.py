"""One writer per output folder: the lock a ``survey`` command holds while it writes, and the clean-up
of what a killed run left behind.

``survey prepare`` rewrites ``data/processed/<wave>/`` and ``survey report`` rewrites
``reports/<wave>/`` while reading the former. Two such commands started at once on the same wave
would interleave their files, so each takes a lock first: ``prepare`` an exclusive lock on the
processed wave, ``report`` an exclusive lock on the reports of the wave and a shared one on its
processed data (several reports of one wave may read it, none while it is being rewritten). A
second command does not wait: it stops at once with a message naming the command that holds the
lock, so a user never wonders why nothing happens.

The locks are the operating system's (``flock``), released by the kernel when the process ends
however it ends: a run killed with SIGKILL or by a power cut leaves no stale lock to remove by
hand. What such a run can leave is its temporary files and folders (``.<name>.<random>.tmp``,
``.<name>.old-<pid>``; see :mod:`analysis.fileio`), never a half-written file under a final name;
whoever takes the lock next removes them. flock does not work across machines on some network file
systems (NFS without lock support): run one wave's commands from one machine.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Iterator

from analysis.errors import SurveyError

try:
    import fcntl
except ImportError:          # Windows: msvcrt has only exclusive locks, so shared ones are exclusive there
    fcntl = None
    import msvcrt

_STALE = re.compile(r"^\..+\.(tmp|old-\d+)$")


def lock_path(folder: Path) -> Path:
    """The lock file of an output folder: beside it, so ``rm -rf`` of the folder keeps it working."""
    folder = Path(folder)
    return folder.parent / f".{folder.name}.lock"


@contextlib.contextmanager
def hold(folder: str | os.PathLike, *, shared: bool = False, what: str = "") -> Iterator[None]:
    """Hold the lock of ``folder`` for the duration of the block, or raise ``SurveyError`` at once
    naming the command that holds it. ``what`` says what the folder is, for that message."""
    folder = Path(folder)
    path = lock_path(folder)
    made = _missing_ancestors(path.parent)      # folders made only to hold the lock go with it
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        locked = _try_lock(fd, shared)
        if locked and not _same_file(fd, path):  # removed by a holder that had made its folder
            raise SurveyError("另一个 survey 命令刚刚结束并移走了锁文件。", file=str(folder), fix="重新运行即可。")
        if not locked:
            holder = _read_holder(path)
            raise SurveyError(
                f"另一个 survey 命令正在{'写' if not shared else '使用'}{what or folder}"
                f"（{holder}），本次没有运行，已有的文件未作改动。",
                file=str(folder),
                fix="等它结束后再运行；同一批次的 prepare/report/build 不能同时进行。"
                    "若该进程已不存在，锁会自动释放，直接重新运行即可。")
        if not shared:
            _write_holder(fd)
        try:
            yield
        finally:
            if not shared:
                os.ftruncate(fd, 0)
            if made and not shared:
                _remove_if_only_lock(path, made)
    finally:
        os.close(fd)             # releases the lock


def _missing_ancestors(folder: Path) -> list[Path]:
    """``folder`` and its parents that do not exist yet, deepest first."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    return missing


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


def _remove_if_only_lock(path: Path, made: list[Path]) -> None:
    """A command that failed before writing anything leaves no folder behind: remove the lock
    file (still holding it, so nobody else can be holding it) and the folders made for it, if
    nothing else was put there."""
    if list(path.parent.iterdir()) != [path]:
        return
    path.unlink(missing_ok=True)
    for folder in made:
        try:
            folder.rmdir()
        except OSError:
            return


def _try_lock(fd: int, shared: bool) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        else:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


def _write_holder(fd: int) -> None:
    info = {"pid": os.getpid(), "started": dt.datetime.now().isoformat(timespec="seconds"),
            "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])}
    data = json.dumps(info, ensure_ascii=False).encode("utf-8")
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)


def _read_holder(path: Path) -> str:
    """Who holds the lock: the exclusive holder records itself; readers (shared) do not."""
    import psutil

    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        if psutil.pid_exists(int(info["pid"])):
            return f"进程 {info['pid']}，{info['started']} 开始：{info['command']}"
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return "另一个 survey report 正在读取这些数据"


def remove_leftovers(folder: str | os.PathLike, prefix: str = ".") -> list[Path]:
    """Delete the temporary files and folders a killed run left in ``folder`` (only names that
    start with ``prefix`` and have the shapes :mod:`analysis.fileio` gives them). Call it holding
    the folder's lock: no live run of the same wave can own them then. Returns what was removed."""
    folder = Path(folder)
    removed = []
    if not folder.is_dir():
        return removed
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(prefix) and _STALE.match(entry.name) and not entry.name.endswith(".lock"):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed
