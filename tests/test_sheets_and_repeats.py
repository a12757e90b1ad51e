"""Every sheet, every file, once (issue 18, D1, D3, D4): each visible worksheet of a workbook is
read and a hidden one is named and skipped; the later copy of a response found in another file
(a re-download) or sheet is excluded as a duplicate with its reason; a header pasted again inside
the data and 问卷星's second header row are set aside, never counted as respondents. Each case runs
the real ``survey prepare`` and checks that received = valid + excluded and that every row of
every input is a valid row or an exclusion exactly once."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest

from analysis import clean
from conftest import by_number, wjx_frame
from hostile_corpus import _worker_rows
from wave_files import prepare, raw_folder


def _prepare(tmp_path, capsys):
    code = prepare(tmp_path)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Traceback" not in out + err
    return clean.load_wave("w", tmp_path / "processed"), out + err


def _wave(tmp_path):
    return raw_folder(tmp_path)


def _rows(n: int, district: str, start_age: int = 20) -> list[dict]:
    rows = _worker_rows(n, district=district)
    for i, r in enumerate(rows):          # distinct answers inside a file
        r["age"] = str(start_age + i)
    return rows


def _sheet(ws, df: pd.DataFrame) -> None:
    ws.append(list(df.columns))
    for rec in df.itertuples(index=False):
        ws.append(list(rec))


def _accounted(w, expected_rows: int) -> None:
    flow = w.flow
    assert (flow["received"] == flow["valid"] + flow["excluded"]).all()
    assert int(flow["received"].sum()) == expected_rows
    seen = [(r["_file"], int(r["_row"])) for df in w.frames.values() for _, r in df.iterrows()]
    seen += [(r["file"], int(r["row"])) for _, r in w.exclusions.iterrows()]
    assert len(seen) == len(set(seen)) == expected_rows


def test_every_visible_sheet_is_read_and_a_hidden_one_is_named(books, tmp_path, capsys):
    folder = _wave(tmp_path)
    wb = openpyxl.Workbook()
    stale = wb.active
    stale.title = "旧数据"
    _sheet(stale, wjx_frame(books["worker"], _rows(7, "长安区", 40)))
    stale.sheet_state = "hidden"
    _sheet(wb.create_sheet("桥东"), wjx_frame(books["worker"], _rows(25, "桥东区")))
    _sheet(wb.create_sheet("桥西"), wjx_frame(books["worker"], _rows(30, "桥西区", 30)))
    wb.create_sheet("Sheet3")             # an empty default sheet
    wb.save(folder / "两个区.xlsx")
    w, said = _prepare(tmp_path, capsys)
    counts = w.flow.set_index("district")["valid"].to_dict()
    assert counts == {"桥东区": 25, "桥西区": 30}                 # the hidden sheet's 长安区: not read
    assert "“旧数据”是隐藏的，没有读取" in said
    assert w.manifest["skipped"][0]["sheet"] == 1 and w.manifest["skipped"][0]["reason"] == "隐藏"
    _accounted(w, 55)
    assert [f["sheet"] for f in w.manifest["inputs"]] == [2, 3]   # its place, never its name
    assert "旧数据" not in json.dumps(w.manifest, ensure_ascii=False)


def test_a_bad_sheet_is_named_with_its_file(books, tmp_path, capsys):
    folder = _wave(tmp_path)
    wb = openpyxl.Workbook()
    _sheet(wb.active, wjx_frame(books["worker"], _rows(3, "桥东区")))
    df = wjx_frame(books["worker"], _rows(3, "桥西区"))
    df.columns = [*df.columns[:-1], df.columns[-2]]            # one header twice
    _sheet(wb.create_sheet("第二天"), df)
    wb.save(folder / "两天.xlsx")
    code = prepare(tmp_path)
    err = capsys.readouterr().err
    assert code == 2 and "两天.xlsx（工作表“第二天”）" in err and "出现了两次" in err and "第 1 行" in err


def test_a_redownload_beside_the_first_download_counts_each_response_once(books, tmp_path, capsys):
    """20 rows, then the same 20 plus 10 new (问卷星 numbers them 1…30 with the same times and IPs)."""
    folder = _wave(tmp_path)
    rows = _rows(30, "桥东区")
    seconds = [300] * 30
    seconds[2] = 10                                   # a speeder, in both downloads
    full = wjx_frame(books["worker"], rows, seconds)
    full.iloc[:20].to_excel(folder / "first.xlsx", index=False)
    full.to_csv(folder / "later.csv", index=False)
    w, said = _prepare(tmp_path, capsys)
    assert len(w.frames["worker"]) == 29
    speeder = w.exclusions[w.exclusions["rule"] == "speeder"]
    assert len(speeder) == 1 and int(speeder["row"].iloc[0]) == 4    # counted once, in the first file
    dup = w.exclusions[w.exclusions["rule"] == "duplicate"]
    assert len(dup) == 20 and sorted(dup["row"]) == list(range(2, 22))
    first = next(f["id"] for f in w.manifest["inputs"] if f["received"] == 20)
    assert dup["detail"].str.contains(f"与 {first} 第").all()
    assert dup["detail"].str.contains("序号、提交时间和全部答案相同").all()
    _accounted(w, 50)
    row = w.flow.iloc[0]
    assert (row["received"], row["valid"], row["excluded_duplicate"], row["excluded_speeder"]) == (50, 29, 20, 1)


def test_the_text_and_the_number_download_of_one_survey_count_once(books, tmp_path, capsys):
    folder = _wave(tmp_path)
    book = books["worker"]
    rows = [{k: (v if book.variables[k].type != "single" or v in book.variables[k].values.values()
                 else next(iter(book.variables[k].values.values()))) for k, v in r.items()}
            for r in _rows(12, "桥东区")]
    text = wjx_frame(book, rows)
    text.to_excel(folder / "按文本.xlsx", index=False)
    by_number(books["worker"], text).to_excel(folder / "按序号.xlsx", index=False)
    w, _ = _prepare(tmp_path, capsys)
    assert len(w.frames["worker"]) == 12
    assert (w.exclusions["rule"] == "duplicate").sum() == 12
    _accounted(w, 24)


def test_identical_answers_in_another_file_without_wjx_columns_are_one_response(books, tmp_path, capsys):
    """Hand-made copies without 序号 / times: the codebook's duplicate rule decides, across files too."""
    folder = _wave(tmp_path)
    df = wjx_frame(books["worker"], _rows(6, "桥东区")).drop(columns=["序号", "提交答卷时间", "来自IP"])
    df.to_excel(folder / "a.xlsx", index=False)
    df.iloc[[1, 3]].to_csv(folder / "b.csv", index=False)
    w, _ = _prepare(tmp_path, capsys)
    assert len(w.frames["worker"]) == 6
    dup = w.exclusions[w.exclusions["rule"] == "duplicate"]
    assert dup["detail"].str.contains("全部答案相同").all() and len(dup) == 2
    _accounted(w, 8)


def test_different_respondents_with_the_same_numbers_in_two_files_are_both_kept(books, tmp_path, capsys):
    """Two surveys each number their answers from 1: same 序号 and times, different answers."""
    folder = _wave(tmp_path)
    wjx_frame(books["worker"], _rows(5, "桥东区")).to_excel(folder / "a.xlsx", index=False)
    wjx_frame(books["worker"], _rows(5, "桥西区")).to_excel(folder / "b.xlsx", index=False)
    w, _ = _prepare(tmp_path, capsys)
    assert len(w.frames["worker"]) == 10 and not len(w.exclusions)


@pytest.mark.parametrize("kind", ["repeated_header", "question_numbers", "wjx_markers", "q_numbers"])
def test_a_header_row_inside_the_data_is_no_respondent(books, tmp_path, capsys, kind):
    folder = _wave(tmp_path)
    df = wjx_frame(books["worker"], _rows(8, "桥东区"))
    cols = list(df.columns)
    if kind == "repeated_header":      # two downloads joined by hand: the header again at row 6
        extra = pd.DataFrame([cols], columns=cols)
        df = pd.concat([df.iloc[:4], extra, df.iloc[4:]], ignore_index=True)
        line = 6
    else:                              # a second header row right under the header
        def mark(k, c):
            if "、" not in c:
                return ""
            number = c.split("、")[0]
            return {"question_numbers": number, "q_numbers": f"Q{number}", "wjx_markers": "【单选题】"}[kind]
        extra = pd.DataFrame([[mark(k, c) for k, c in enumerate(cols)]], columns=cols)
        df = pd.concat([extra, df], ignore_index=True)
        line = 2
    df.to_excel(folder / "joined.xlsx", index=False)
    w, said = _prepare(tmp_path, capsys)
    assert w.districts == ["桥东区"]                           # no phantom unit "Q1" / "【单选题】"
    assert len(w.frames["worker"]) == 8 and not len(w.exclusions)
    assert w.manifest["inputs"][0]["header_rows"] == [line]
    assert f"第 {line} 行是表头" in said
    assert int(w.flow["received"].sum()) == 8


def test_inputs_are_named_by_hash_never_by_file_name(books, tmp_path, capsys):
    """D10: a name and a phone number in a file name reach no processed file."""
    folder = _wave(tmp_path)
    wjx_frame(books["worker"], _rows(4, "桥东区")).to_excel(folder / "桥东区幸福社区_张建国_13812349999.xlsx",
                                                          index=False)
    w, said = _prepare(tmp_path, capsys)
    out = tmp_path / "processed" / "w"
    for path in out.iterdir():
        data = path.read_bytes()
        assert "13812349999".encode() not in data and "张建国".encode() not in data, path.name
        if path.suffix == ".parquet":
            text = pd.read_parquet(path).to_string()
            assert "13812349999" not in text and "张建国" not in text, path.name
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"][0]["id"].startswith("worker-")
    assert set(w.frames["worker"]["_file"]) == {manifest["inputs"][0]["id"]}
