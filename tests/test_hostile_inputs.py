"""Every entry of the hostile corpus (tests/hostile_corpus.py) through the real `survey prepare`:
exit 0 with every respondent accounted for (received = valid + excluded, per file and per district,
and received = the rows written), or exit 2 with one message naming the file and the fix; never a
traceback, never a half-written result."""

from __future__ import annotations

import json
import re

import pytest

from analysis import clean, cli
from hostile_corpus import CASES

IDS = [c.name for c in CASES]


def _prepare(tmp_path, case, books):
    wave = tmp_path / "raw" / "w"
    wave.mkdir(parents=True)
    for name, write in case.files.items():
        write(wave / name, books)
    before = {p: p.read_bytes() for p in wave.iterdir()}
    code = cli.main(["prepare", "--wave", "w", "--raw-dir", str(tmp_path / "raw"),
                     "--processed-dir", str(tmp_path / "processed")])
    # raw data is read-only: not one byte of the inputs changed, nothing added beside them
    assert {p: p.read_bytes() for p in wave.iterdir()} == before
    return code


def test_corpus_names_are_unique():
    assert len(IDS) == len(set(IDS)) >= 30


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_hostile_input(case, books, tmp_path, capsys):
    code = _prepare(tmp_path, case, books)
    out, err = capsys.readouterr()
    assert "Traceback" not in err + out and "程序内部错误" not in err, err
    if case.expect != "ok":
        assert code == 2, (code, err)
        lines = [line for line in err.splitlines() if line.startswith("错误：")]
        assert len(lines) == 1, err
        assert re.search(case.expect, err), err
        assert any(name in lines[0] for name in case.files), err          # names the file
        assert "解决办法：" in err                                          # and the fix
        assert not (tmp_path / "processed").exists() or not any((tmp_path / "processed").rglob("*.parquet"))
        return
    assert code == 0, err
    folder = tmp_path / "processed" / "w"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    inputs = manifest["inputs"]
    assert len(inputs) == len(case.files)                                  # each file once
    assert not any(name in json.dumps(manifest, ensure_ascii=False) for name in case.files)  # by hash only
    for f in inputs:                                                       # per file
        assert f["received"] == f["valid"] + sum(f["excluded"].values()), f
    assert sum(f["received"] for f in inputs) == case.rows                 # rows lost: 0
    w = clean.load_wave("w", tmp_path / "processed")
    flow = w.flow
    if len(flow):
        assert (flow["received"] == flow["valid"] + flow["excluded"]).all()
        assert int(flow["received"].sum()) == case.rows
        assert int(flow["valid"].sum()) == sum(len(df) for df in w.frames.values())
        assert int(flow["excluded"].sum()) == len(w.exclusions)
    # each (file, row) is a valid row or an exclusion, exactly once
    seen = [(r["_file"], int(r["_row"])) for df in w.frames.values() for _, r in df.iterrows()]
    seen += [(r["file"], int(r["row"])) for _, r in w.exclusions.iterrows()]
    assert len(seen) == len(set(seen)) == case.rows
    if case.districts is not None:
        assert w.districts == case.districts
    if case.check:
        case.check(folder)


def test_200000_character_cell_is_kept_whole(books, tmp_path):
    """The long cell is read as one cell of the right row, not split and not cut."""
    from analysis.read import ingest
    from hostile_corpus import _long_cell

    path = tmp_path / "long.csv"
    _long_cell(path, books)
    table = ingest.read(path, set(books["worker"].header_map()))
    col = next(c for c in table.frame.columns if "社区" in c and "街道" not in c)
    lengths = table.frame[col].map(lambda v: len(v) if isinstance(v, str) else 0).tolist()
    assert lengths[1] == 200_000 and len(table.frame) == 3


def test_gbk_rows_in_a_utf8_file_name_the_first_gbk_line(books, tmp_path, capsys):
    from hostile_corpus import _mixed_lines

    raw = tmp_path / "raw" / "w"
    raw.mkdir(parents=True)
    _mixed_lines(raw / "mixed.csv", books)
    code = cli.main(["prepare", "--wave", "w", "--raw-dir", str(tmp_path / "raw"),
                     "--processed-dir", str(tmp_path / "processed")])
    err = capsys.readouterr().err
    assert code == 2 and "mixed.csv，第 4 行" in err     # lines 4 and 5 were saved as GBK


def test_traditional_and_fullwidth_district_variants_are_one_district(books, tmp_path):
    """橋東區 and 桥东区, ＡＢＣ新区 and ABC新区 (and 裕华区 with a control character) are each one
    district, with the rows of all files counted in it."""
    from hostile_corpus import _district_file

    raw = tmp_path / "raw" / "w"
    raw.mkdir(parents=True)
    _district_file("桥东区", 3)(raw / "a.xlsx", books)
    _district_file("橋東區", 4, "csv")(raw / "b.csv", books)
    _district_file("ＡＢＣ新区", 2, "csv")(raw / "c.csv", books)
    _district_file("ABC新区", 1)(raw / "d.xlsx", books)
    _district_file("裕华区\x07\u200b", 2, "csv")(raw / "e.csv", books)
    _district_file("裕华区", 2)(raw / "f.xlsx", books)
    w = clean.prepare_wave("w", tmp_path / "raw", tmp_path / "processed")
    counts = w.flow.set_index("district")["received"].to_dict()
    assert counts == {"桥东区": 7, "ABC新区": 3, "裕华区": 4}
