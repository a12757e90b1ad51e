"""Clear messages for files that are not what their names say, and for Ctrl-C (issue 18, D18): a
.csv that is really a workbook, an old BIFF .xls named .xlsx and an HTML table named .xls (as some
systems "export to Excel") are read by what they hold, with a note saying so; an .xlsx that is really
text says so and how to fix it; an interrupted prepare says that nothing was written (not a word
about district reports) and leaves the earlier cleaned data as they were."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import statsmodels

from analysis import clean
from analysis.read import ingest
from conftest import wjx_frame
from hostile_corpus import _worker_rows
from wave_files import prepare, raw_folder


@pytest.fixture
def raw(tmp_path):
    return raw_folder(tmp_path)


def _frame(books, n=5):
    return wjx_frame(books["worker"], _worker_rows(n))


def _read_back(tmp_path, capsys):
    assert prepare(tmp_path) == 0, capsys.readouterr().err
    w = clean.load_wave("w", tmp_path / "processed")
    return w, " ".join(n for f in w.manifest["inputs"] for n in f["notes"])


def test_a_csv_that_is_a_workbook_is_read_as_one(books, raw, tmp_path, capsys):
    _frame(books).to_excel(raw / "export.csv", index=False)
    w, notes = _read_back(tmp_path, capsys)
    assert len(w.frames["worker"]) == 5
    assert "内容其实是 Excel 工作簿（.xlsx）" in notes and "改成 .xlsx" in notes


def test_an_html_table_named_xls_is_read_as_a_table(books, raw, tmp_path, capsys):
    html = _frame(books).to_html(index=False)
    (raw / "web.xls").write_bytes(("<html><head><meta charset='gbk'></head><body>" + html + "</body></html>")
                                  .encode("gb18030"))
    w, notes = _read_back(tmp_path, capsys)
    assert len(w.frames["worker"]) == 5 and w.districts == ["桥东区"]
    assert "网页表格（HTML）" in notes
    assert sorted(w.frames["worker"]["age"].tolist()) == [30, 31, 32, 33, 34]


# a real BIFF8 workbook saved by Excel, shipped with statsmodels' test data (no library here writes
# the old format, and the LibreOffice installed has no spreadsheet component)
BIFF = (Path(statsmodels.__file__).parent / "tsa" / "statespace" / "tests" / "results" / "frbny_nowcast"
        / "Nowcasting" / "test_spec.xls")


@pytest.mark.skipif(not BIFF.is_file(), reason="statsmodels' test workbook not installed")
def test_an_old_xls_named_xlsx_is_read_not_called_encrypted(raw):
    assert BIFF.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    shutil.copy(BIFF, raw / "spec.xlsx")
    table = ingest.read(raw / "spec.xlsx")
    assert list(table.frame.columns[:2]) == ["Model", "SeriesID"]
    assert table.frame["SeriesID"].tolist()[0] == "GDPC1" and len(table.frame) == 5
    assert any("旧版 Excel（.xls）" in n and "改成 .xls" in n for n in table.notes)


def test_an_xlsx_that_is_text_says_so(books, raw, tmp_path, capsys):
    (raw / "export.xlsx").write_bytes(_frame(books).to_csv(index=False).encode("utf-8"))
    assert prepare(tmp_path) == 2
    err = capsys.readouterr().err
    assert "内容其实是文本" in err and "改成 .csv" in err and "export.xlsx" in err


def test_an_html_page_without_a_table_says_so(raw, tmp_path):
    (raw / "page.xls").write_bytes(b"<html><body><table></table><p>\xe7\x99\xbb\xe5\xbd\x95</p></body></html>")
    with pytest.raises(Exception) as e:
        ingest.read(raw / "page.xls")
    assert "没有任何数据" in str(e.value)


def test_ctrl_c_in_prepare_says_nothing_was_written(books, raw, tmp_path, capsys, monkeypatch):
    """Ctrl-C while the second file is read: the earlier cleaned wave stays byte for byte."""
    _frame(books).to_excel(raw / "a.xlsx", index=False)
    wjx_frame(books["worker"], _worker_rows(3, district="桥西区")).to_excel(raw / "b.xlsx", index=False)
    assert prepare(tmp_path) == 0
    capsys.readouterr()
    out = tmp_path / "processed" / "w"
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real = ingest.read_all

    def interrupted(path, known=()):
        if path.name == "b.xlsx":
            raise KeyboardInterrupt
        return real(path, known)

    monkeypatch.setattr(ingest, "read_all", interrupted)
    assert prepare(tmp_path) == 130
    err = capsys.readouterr().err
    assert "已中断" in err and "清洗" in err and "区县" not in err and "报告" not in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in out.parent.iterdir() if not p.name.endswith(".lock")) == ["w"]   # no torso
    assert json.loads(before["manifest.json"])["inputs"]
