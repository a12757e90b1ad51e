"""Personal data nowhere (issue 18, D10, D12): names, phone numbers and ID numbers typed into
answers that match no option, an ID number given as an age, a contact person written into a 社区
or 街道 name, and a name and phone number in the export's file name reach no file of
data/processed/, no ``stats.json`` input list and nothing ``survey prepare`` prints. Scanned with
tests/pii_scan.py, which decodes every output (Parquet values, JSON strings …)."""

from __future__ import annotations

import pytest

import pii_scan
from analysis import clean
from analysis.clean.personal import mask
from analysis.publish import report
from conftest import wjx_frame
from hostile_corpus import _worker_rows
from wave_files import prepare, raw_folder

PLANTED = {"张伟": "name", "13812345671": "phone", "130102199003071234": "id", "王芳": "name",
           "13912345678": "phone", "0311-86688888": "fixed", "86688888": "fixed", "李四": "name",
           "13712345678": "phone", "张建国": "name", "13812349999": "phone", "赵六": "name",
           "110105198806061235": "id", "15033334444": "phone"}
FILE_NAME = "桥东区幸福社区_张建国_13812349999.xlsx"


def _rows() -> list[dict]:
    rows = _worker_rows(10, "桥东区")
    rows[0]["gender"] = "其他〖张伟 13812345671〗"          # typed into an answer that is no option
    rows[1]["age"] = "130102199003071234"                 # an ID number as an age
    rows[2]["community"] = "幸福社区（联系人：王芳 13912345678）"
    rows[3]["street"] = "东风街道 电话0311-86688888"
    rows[4]["post"] = "李四13712345678"                    # a name and phone instead of a post
    rows[5]["age"] = "联系人赵六"                           # not a number at all
    rows[6]["edu"] = "110105198806061235"
    rows[7]["community"] = "和平社区 15033334444"
    return rows


@pytest.fixture
def prepared(books, tmp_path, capsys):
    wjx_frame(books["worker"], _rows()).to_excel(raw_folder(tmp_path) / FILE_NAME, index=False)
    code = prepare(tmp_path)
    out, err = capsys.readouterr()
    assert code == 0, err
    return tmp_path / "processed", out + err


def test_no_planted_value_in_processed_data_or_on_the_terminal(prepared):
    processed, terminal = prepared
    kinds = {p.suffix for p in processed.rglob("*") if p.is_file()}
    assert {".parquet", ".json"} <= kinds
    assert "无法识别" in terminal or "没有对应的选项" in terminal     # the unmapped answers were listed
    assert pii_scan.find_everywhere([processed], set(PLANTED), terminal) == {}


def test_what_was_masked_is_still_there_to_see(prepared):
    """The masked cells stay in the logs with a marker, so the researcher sees what was typed."""
    processed, terminal = prepared
    w = clean.load_wave("w", processed)
    df = w.frames["worker"]
    assert set(df["community"].dropna()) == {"幸福社区(联系人:〔姓名〕 〔手机号〕)", "和平社区 〔手机号〕"}
    assert "东风街道 电话〔电话〕" in set(df["street"].dropna())
    assert (w.changes["rule"] == "personal").sum() == 3
    assert "〔姓名〕〔手机号〕" in set(w.unmapped["value"])
    assert "〔身份证号〕" in " ".join(w.changes["before"]) + " ".join(w.exclusions["detail"].dropna())
    assert len(df) + len(w.exclusions) == 10


def test_stats_json_names_inputs_without_their_file_names(prepared):
    processed, _ = prepared
    w = clean.load_wave("w", processed)
    meta = report.meta(w, "桥东区")
    assert meta["inputs"] == [f["id"] for f in w.manifest["inputs"]]
    assert pii_scan.find_in_text(repr(meta), set(PLANTED)) == set()


@pytest.mark.parametrize("text, shown", [
    ("其他〖请联系张伟 13812345671〗", "其他〖请联系〔姓名〕 〔手机号〕〗"),
    ("联系电话：13812345671", "联系电话：〔手机号〕"),
    ("张建国13812349999", "〔姓名〕〔手机号〕"),
    ("+86 138 1234 5671", "〔手机号〕"),
    ("身份证13010219900307123X", "身份证〔身份证号〕"),
    ("书记王芳", "书记〔姓名〕"), ("和平社区 15033334444", "和平社区 〔手机号〕"),
    ("35岁", "35岁"), ("1978-05-03", "1978-05-03"), ("2026/09/03 12:00:00", "2026/09/03 12:00:00"),
    ("桥东区", "桥东区"), ("满意", "满意"), ("3", "3"), ("20260903", "20260903"), ("1200000", "1200000"),
    ("电话 86688888", "电话 〔电话〕"), ("(0311)86688888", "〔电话〕"),
    # ordinary words after 找 / 联系 / 书记 / 主任 are no names (the terminal's own messages pass through it)
    ("找不到数据文件夹 data/raw/2026", "找不到数据文件夹 data/raw/2026"), ("联系群众不够", "联系群众不够"),
    ("主任兼书记", "主任兼书记"), ("社区党组织书记平均年龄", "社区党组织书记平均年龄"), ("请找李明", "请找〔姓名〕"),
    # a post is followed by a name only when a surname begins it (a 问卷星 file name printed
    # 乡镇党组织书记〔姓名〕设调查 for 书记队伍建设调查); a word saying a person follows needs none
    ("856321_按文本_乡镇党组织书记队伍建设调查_150_150.csv", "856321_按文本_乡镇党组织书记队伍建设调查_150_150.csv"),
    ("主任职责", "主任职责"), ("网格员队伍建设", "网格员队伍建设"), ("书记：王芳", "书记：〔姓名〕"),
    ("主任欧阳明", "主任〔姓名〕"), ("联系人：小芳", "联系人：〔姓名〕"),
])
def test_mask(text, shown):
    assert mask(text) == shown
