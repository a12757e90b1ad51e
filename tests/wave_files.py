"""What the tests of issue 18's input cases share: a wave folder under tmp_path and the real
``survey prepare`` on it."""

from __future__ import annotations

from pathlib import Path

from analysis import cli


def raw_folder(tmp_path: Path) -> Path:
    """``tmp_path/raw/w``, made: the wave folder a test writes its exports into."""
    folder = tmp_path / "raw" / "w"
    folder.mkdir(parents=True)
    return folder


def prepare(tmp_path: Path, *extra: str) -> int:
    """``survey prepare --wave w`` from ``tmp_path/raw`` into ``tmp_path/processed``; its exit code."""
    return cli.main(["prepare", "--wave", "w", "--raw-dir", str(tmp_path / "raw"),
                     "--processed-dir", str(tmp_path / "processed"), *extra])
