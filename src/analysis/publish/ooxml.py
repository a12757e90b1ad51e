"""Deterministic Office files: fixed document times and zip entry timestamps, so the same input
gives the same bytes; written atomically with ``analysis.fileio``.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

from analysis.fileio import atomic_path

FIXED_TIME = datetime(2000, 1, 1)        # document properties: same input, same bytes
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def write_zip(data: bytes, path: str | Path) -> None:
    """Rewrite an OOXML zip with fixed entry timestamps and write it atomically."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(item.filename))
    with atomic_path(path) as tmp:
        tmp.write_bytes(out.getvalue())
