"""Writing files so that a reader never sees half of one.

Every output is written under a temporary name in the same folder and renamed into place, so an
interrupted run leaves either the old complete file or the new complete file, never a torso.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it to ``path``, else delete it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())    # mkstemp makes 0600; outputs are meant to be shared
        os.replace(tmp_path, path)
    except OSError as e:        # a failed write() names no file: name the one being written
        if e.filename is None:
            e.filename = str(path)
        raise
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}
_ERRNO_TEXT = re.compile(r"\[Errno (\d+)\][^:]*(?::\s*'([^']*)')?")


def disk_error(e: BaseException | str, path: str | os.PathLike | None = None):
    """A full disk or a folder that cannot be written, as a ``SurveyError`` naming the path and the
    fix; None for any other error. ``e`` is the OSError, or its text as a notebook cell reported it
    (“OSError: [Errno 28] No space left on device: '/reports/…'”)."""
    from analysis.errors import SurveyError

    if isinstance(e, OSError):
        code, where = e.errno, e.filename
    else:
        m = _ERRNO_TEXT.search(str(e))
        code, where = (int(m.group(1)), m.group(2)) if m else (None, None)
    where = where or path or ""
    if code in FULL:
        return SurveyError(f"磁盘空间已满，写不进 {where}。", file=None,
                           fix="腾出该磁盘的空间（或用 --processed-dir / --reports-dir 改写到空间足够的磁盘）后"
                               "重新运行；已经写好的文件不受影响。")
    if code in READ_ONLY:
        return SurveyError(f"没有写入权限（文件夹或磁盘是只读的）：{where}。",
                           fix="给该文件夹加上写权限（如 chmod -R u+w），或用 --processed-dir / --reports-dir "
                               "指定一个可写的文件夹后重新运行。")
    return None


def copy_file(source: str | os.PathLike, target: str | os.PathLike) -> None:
    """``shutil.copyfile`` through :func:`atomic_path`: never a truncated ``target``."""
    with atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def make_temp_dir(beside: Path) -> Path:
    """A temporary folder next to ``beside`` (same file system, so the final rename is atomic)."""
    beside.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{beside.name}.", suffix=".tmp", dir=beside.parent))
    os.chmod(tmp, 0o777 & ~_umask())
    return tmp


def write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def replace_dir(tmp_dir: Path, final_dir: Path) -> None:
    """Move a fully written folder into place, replacing an older one with as small a gap as possible."""
    final_dir.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if final_dir.exists():
        old = final_dir.with_name(f".{final_dir.name}.old-{os.getpid()}")
        os.replace(final_dir, old)
    os.replace(tmp_dir, final_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def safe_name(name: str) -> str:
    """A district name as a folder name: see :func:`analysis.safenames.folder_name`."""
    from analysis.safenames import folder_name

    return folder_name(name)


def read_yaml(path: str | Path, what: str, fix_missing: str):
    """A YAML config file (codebook, margins, wave.yaml) parsed, or one SurveyError naming the file,
    the line of a syntax error and the fix."""
    import yaml

    from analysis.errors import SurveyError

    path = Path(path)
    if not path.is_file():
        raise SurveyError(f"找不到{what}文件。", file=str(path), fix=fix_missing)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise SurveyError(f"{what}不是 UTF-8 编码。", file=str(path), fix="用 UTF-8 编码另存该文件。") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise SurveyError(f"YAML 格式错误：{getattr(e, 'problem', e)}", file=str(path),
                          row=(mark.line + 1) if mark else None, fix="检查该行的缩进、冒号和引号。") from None
