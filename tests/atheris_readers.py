"""Coverage-guided fuzzing of the readers with atheris (libFuzzer for Python), run by hand, not in CI.

    pip install atheris          # into a scratch environment; not a project dependency
    .venv/bin/python tests/atheris_readers.py -runs=20000 -max_len=4096 [corpus_dir]

Each input picks a suffix (.csv, .xlsx, .xls, .sav, .dta, .parquet …) and the file's bytes;
``ingest.read`` must return a table whose rows all carry a line number, or raise SurveyError.
Anything else is a crash: libFuzzer stops and writes the input to ``crash-<hash>``. Seeds: a small
valid .csv and .xlsx of the worker questionnaire are added to an empty corpus directory.
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from analysis.errors import SurveyError
    from analysis.read import ingest

SUFFIXES = list(ingest.SUPPORTED)
TMP = Path(tempfile.mkdtemp(prefix="atheris-readers-"))


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    suffix = fdp.PickValueInList(SUFFIXES)
    path = TMP / f"fuzz{suffix}"
    path.write_bytes(fdp.ConsumeBytes(fdp.remaining_bytes()))
    try:
        table = ingest.read(path)
    except SurveyError:
        return
    assert len(table.frame) == len(table.rows)


def _seeds(folder: Path) -> None:
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        return
    df = pd.DataFrame({"序号": ["1", "2"], "提交答卷时间": ["2026/09/03 12:00:00"] * 2, "1、您所在的区（县）": ["桥东区", "橋東區"]})
    csv = df.to_csv(index=False).encode("utf-8")
    buf = io.BytesIO()
    df.to_excel(buf, index=False)
    # the first byte picks the suffix (PickValueInList reads from the end of the data: append it)
    (folder / "seed_csv").write_bytes(csv + bytes([SUFFIXES.index(".csv")]))
    (folder / "seed_xlsx").write_bytes(buf.getvalue() + bytes([SUFFIXES.index(".xlsx")]))


if __name__ == "__main__":
    dirs = [a for a in sys.argv[1:] if not a.startswith("-")]
    for d in dirs:
        _seeds(Path(d))
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
