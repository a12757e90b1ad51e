"""Deterministic Office files: fixed document times and zip entry timestamps, so the same input
gives the same bytes; written atomically with ``analysis.fileio``.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from analysis.fileio import atomic_path

FIXED_TIME = datetime(2000, 1, 1)        # document properties: same input, same bytes
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def write_zip(data: bytes, path: str | Path, patch: dict[str, Callable[[bytes], bytes]] | None = None) -> None:
    """Rewrite an OOXML zip with fixed entry timestamps and write it atomically; ``patch`` maps a
    part's name to a function that rewrites its bytes (parts python-docx keeps as opaque blobs)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            blob = src.read(item.filename)
            dst.writestr(info, (patch or {}).get(item.filename, lambda b: b)(blob))
    with atomic_path(path) as tmp:
        tmp.write_bytes(out.getvalue())
