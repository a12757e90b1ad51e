"""Writing files so that a reader never sees half of one.

Every output is written under a temporary name in the same folder and renamed into place, so an
interrupted run leaves either the old complete file or the new complete file, never a torso.
"""

from __future__ import annotations

import contextlib
import errno
import functools
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
    the line of a syntax error and the fix. Stricter than YAML itself, which would let the reader
    mean something other than what they see: a key written twice in one mapping (YAML keeps the
    last: ``{1: 男, 2: 女, 2: 其他}`` loses 女) is an error naming both lines, and yes/no/on/off/y/n
    are the text they are, not YAML 1.1's booleans (an alias ``yes: 1`` stays “yes”); only
    true/false are booleans."""
    import yaml

    from analysis.errors import SurveyError

    path = Path(path)
    if not path.is_file():
        raise SurveyError(f"找不到{what}文件。", file=str(path), fix=fix_missing)
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_strict_loader())
    except UnicodeDecodeError:
        raise SurveyError(f"{what}不是 UTF-8 编码。", file=str(path), fix="用 UTF-8 编码另存该文件。") from None
    except _DuplicateKey as e:
        where = f"第 {e.line} 行" if e.first == e.line else f"第 {e.first} 行和第 {e.line} 行"
        raise SurveyError(f"“{e.key}”在同一层写了两次（{where}），YAML 只会保留后一个。",
                          file=str(path), row=e.line,
                          fix="删去或合并其中一个；同一题的几个选项、同一条规则的几项设置要写在一处。") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise SurveyError(f"YAML 格式错误：{getattr(e, 'problem', e)}", file=str(path),
                          row=(mark.line + 1) if mark else None, fix="检查该行的缩进、冒号和引号。") from None


class _DuplicateKey(Exception):
    def __init__(self, key, first: int, line: int):
        super().__init__(key)
        self.key, self.first, self.line = key, first, line


@functools.lru_cache(maxsize=1)
def _strict_loader():
    """yaml.SafeLoader without the yes/no/on/off booleans and with duplicate keys refused."""
    import re

    import yaml

    bool_tag = "tag:yaml.org,2002:bool"

    class StrictLoader(yaml.SafeLoader):
        pass

    StrictLoader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != bool_tag]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    StrictLoader.add_implicit_resolver(bool_tag, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                       list("tTfF"))

    def mapping(loader, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                continue                      # an unhashable key: SafeLoader reports it
            if key in seen and key_node.tag != "tag:yaml.org,2002:merge":
                raise _DuplicateKey(key, seen[key], key_node.start_mark.line + 1)
            seen[key] = key_node.start_mark.line + 1
        return yaml.SafeLoader.construct_mapping(loader, node, deep)

    StrictLoader.add_constructor("tag:yaml.org,2002:map", mapping)
    return StrictLoader
