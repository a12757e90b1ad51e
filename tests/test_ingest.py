"""Readers: encodings, title rows, notes below the data, and the errors a user can fix."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.errors import SurveyError
from analysis.read import ingest

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


def test_utf16_tab_separated_text_from_excel(tmp_path):
    path = tmp_path / "unicode.csv"            # Excel's "Unicode 文本" saved with a .csv name
    pd.DataFrame(ROWS, columns=HEAD).to_csv(path, index=False, sep="\t", encoding="utf-16")
    t = ingest.read(path)
    assert t.encoding == "utf-16" and t.kind == "wjx" and t.frame["2、您的年龄"].tolist() == ["35岁", "３５"]


def test_title_row_above_a_csv_header_and_a_ragged_row_below(tmp_path):
    path = tmp_path / "typed.csv"
    path.write_text("2026年社区工作者情况统计\n区（县）,社区名称,户数（户）\n桥东区,元村社区,1200\n"
                    "桥东区,华新路社区,980,备注多了一列\n", encoding="gb18030")
    t = ingest.read(path, {"区(县)", "社区名称"})
    assert t.header_row == 2 and t.frame["社区名称"].tolist() == ["元村社区", "华新路社区"]
    assert t.rows.tolist() == [3, 4]


def test_mixed_encodings_name_the_first_bad_line(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes("序号,性别\n1,男\n".encode("utf-8") + "2,女\n".encode("gb18030") + b"3,\xff\xfe\xfd\n")
    with pytest.raises(SurveyError, match="第 4 行") as e:
        ingest.read(path)
    assert "mixed.csv" in str(e.value)


def test_merged_group_headers_and_merged_district_cells(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["社区党员情况统计表"])
    ws.merge_cells("A1:E1")
    ws.append(["区（县）", "社区名称", "党员人数", None, None])
    ws.merge_cells("C2:E2")
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:B3")
    ws.append([None, None, "合计", "离退休", "在职"])
    ws.append(["桥东区", "元村社区", 50, 30, 20])
    ws.append([None, "华新路社区", 40, 25, 15])
    ws.merge_cells("A4:A5")
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    t = ingest.read(path, {"区(县)", "社区名称"})
    assert list(t.frame.columns) == ["区（县）", "社区名称", "党员人数—合计", "党员人数—离退休", "党员人数—在职"]
    assert t.header_row == 3 and t.frame["区（县）"].tolist() == ["桥东区", "桥东区"]
    assert t.frame["党员人数—离退休"].tolist() == ["30", "25"]


def test_parquet_input(tmp_path):
    path = tmp_path / "a.parquet"
    df = pd.DataFrame(ROWS, columns=HEAD)
    df["分数"] = [1.0, 2.5]
    df.to_parquet(path)
    t = ingest.read(path)
    assert t.kind == "wjx" and t.rows.tolist() == [1, 2] and t.frame["序号"].tolist() == ["1", "2"]
    assert t.frame["分数"].tolist() == ["1", "2.5"] and t.frame["1、您的性别"].tolist() == ["男", "女"]


def test_encrypted_xlsx_says_password(tmp_path):
    # Excel saves a password-protected workbook as an OLE compound file, whatever its extension;
    # the reader recognises it by that signature (the first 8 bytes).
    path = tmp_path / "加密.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    with pytest.raises(SurveyError, match="密码") as e:
        ingest.read(path)
    assert "加密.xlsx" in str(e.value) and "清空密码" in str(e.value)


def test_missing_file(tmp_path):
    with pytest.raises(SurveyError, match="不存在") as e:
        ingest.read(tmp_path / "nope.xlsx")
    assert "nope.xlsx" in str(e.value)


def test_header_only_file_has_no_rows(tmp_path):
    path = tmp_path / "head.csv"
    path.write_text(",".join(HEAD) + "\n", encoding="utf-8")
    t = ingest.read(path)
    assert len(t.frame) == 0 and list(t.frame.columns) == [h.strip() for h in HEAD]


def test_a_stray_nul_in_a_cell_is_removed_and_noted(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_text("序号,性别\n1,男\x00\n2,女\n", encoding="utf-8")
    t = ingest.read(path)
    assert t.frame["性别"].tolist() == ["男", "女"] and "空字符" in t.notes[0]
