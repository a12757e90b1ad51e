"""Readers: encodings, title rows, notes below the data, and the errors a user can fix."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import ingest
from analysis.errors import SurveyError

HEAD = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "1、您的性别", "2、您的年龄 "]
ROWS = [[1, "2026/09/03 12:00:00", "125秒", "微信", "N/A", "1.2.3.4(河北-石家庄)", "男", "35岁"],
        [2, "2026/09/03 12:01:00", "98秒", "链接", "N/A", "1.2.3.5(河北-石家庄)", "女", "３５"]]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings(tmp_path, encoding):
    path = tmp_path / "a.csv"
    pd.DataFrame(ROWS, columns=HEAD).to_csv(path, index=False, encoding=encoding)
    t = ingest.read(path)
    assert t.kind == "wjx" and list(t.frame.columns) == [h.strip() for h in HEAD]
    assert t.frame["1、您的性别"].tolist() == ["男", "女"] and t.rows.tolist() == [2, 3]
    assert t.encoding == ("gb18030" if encoding == "gb18030" else "utf-8")


def test_xlsx_numbers_are_text_without_decimal_point(tmp_path):
    path = tmp_path / "a.xlsx"
    pd.DataFrame([[1, 35.0, 2.5]], columns=["序号", "年龄", "分"]).to_excel(path, index=False)
    t = ingest.read(path)
    assert t.frame.iloc[0].tolist() == ["1", "35", "2.5"]


def test_title_row_and_notes_below(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["2026年社区组织基本情况统计表"])
    ws.append(["区（县）", "社区名称", "户数（户）"])
    ws.append(["桥东区", "元村社区", 1200])
    ws.append(["桥东区", "华新路社区", "'980"])
    ws.append([])
    ws.append(["注：本表为示例数据。"])
    path = tmp_path / "sheet.xlsx"
    wb.save(path)
    t = ingest.read(path, {"区(县)", "社区名称"})
    assert t.header_row == 2 and t.kind == "table"
    assert t.frame["社区名称"].tolist() == ["元村社区", "华新路社区"] and t.rows.tolist() == [3, 4]
    assert t.notes == ("注：本表为示例数据。",) and t.blank_rows == 1


@pytest.mark.parametrize("name,content,expect", [
    ("empty.csv", b"", "空的"),
    ("garbage.csv", bytes(range(256)) * 4, "编码|二进制"),
    ("broken.xlsx", b"PK\x03\x04 not really a zip", "无法读取 Excel"),
    ("data.txt", b"a,b\n1,2\n", "不支持"),
    ("blank.csv", b",,\n,,\n", "没有任何数据"),
])
def test_bad_files_give_one_clear_error(tmp_path, name, content, expect):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SurveyError, match=expect) as e:
        ingest.read(path)
    assert name in str(e.value)


def test_duplicate_header_is_an_error(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("序号,性别,性别\n1,男,女\n", encoding="utf-8")
    with pytest.raises(SurveyError, match="出现了两次"):
        ingest.read(path)


def test_discover_skips_lock_and_hidden_files(tmp_path):
    for n in ["b.xlsx", "a.csv", "~$a.xlsx", ".hidden.csv", "notes.txt", "wave.yaml"]:
        (tmp_path / n).write_text("x")
    assert [p.name for p in ingest.discover(tmp_path)] == ["a.csv", "b.xlsx"]
    with pytest.raises(SurveyError, match="找不到数据文件夹"):
        ingest.discover(tmp_path / "missing")
