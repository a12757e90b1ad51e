"""Each rule of the codebook draft on a small case of its own: personal data by content, the 按文本 +
按序号 pair, types that survive real answers, scales and batteries, the unit and the profile, the
survey's metadata, and the command's summary of what a person must check."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import yaml

import wjx_exports as wx
from analysis import cli
from analysis.clean import clean_table
from analysis.errors import SurveyError
from analysis.read import ingest
from analysis.spec import codebook, draft, draft_meta, draft_pii, draft_scales

DATE = dt.date(2026, 9, 15)


def _csv(tmp_path: Path, columns: dict[str, list[str]], name: str = "t.csv") -> Path:
    path = tmp_path / name
    pd.DataFrame(columns).to_csv(path, index=False, encoding="utf-8")
    return path


def _book(tmp_path: Path, text: str) -> codebook.Codebook:
    path = tmp_path / "draft.yaml"
    path.write_text(text, encoding="utf-8")
    return codebook.load(path)


def _vars(text: str) -> dict[str, dict]:
    return {v["question"]: v for v in yaml.safe_load(text)["variables"]}


# -- 1. personal data by content, not by keyword --------------------------------------------------

def test_id_numbers_need_a_right_check_digit_and_a_real_birth_date():
    assert draft_pii.is_id_number("11010519491231002X")           # GB 11643's own example
    assert not draft_pii.is_id_number("110105194912310021")        # wrong check digit
    assert not draft_pii.is_id_number("110105194913310028")        # month 13
    assert draft_pii.is_id_number("110105491231002")               # 15 digits, 1949-12-31
    assert not draft_pii.is_id_number("123456789012345678")


@pytest.mark.parametrize("header,answers,kind", [
    ("3、备注", [f"1{3 + i % 7}{i:09d}" for i in range(20)], "phone"),
    ("3、备注", ["11010519491231002X"] * 3 + ["110105491231002"] * 3, "id_number"),
    ("3、补充信息", [f"user{i}@example.cn" for i in range(8)], "email"),
    ("3、填表", ["王伟", "李娜", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄丽"], "name"),
    ("3、您的姓名", ["小猫", "阿强", "nick", "无名氏"], "name"),
    ("3、联系电话（选填）", [], "phone"),
    ("3、您的手机号码", ["(空)"], "phone"),
    ("3、身份证号", [], "id_number"),
    ("1、手机价格", ["2999", "1999", "5999", "2999", "3999", "999"], None),
    ("2、手机部数", ["1", "2", "2", "3", "1", "0"], None),
    ("4、您所在的区县", ["高新区", "高新区", "桥东区", "桥东区", "高新区", "桥东区"], None),
    ("5、您的性别", ["男", "女", "男", "女", "男"], None),
])
def test_personal_data_is_judged_by_the_answers_or_what_the_question_asks(header, answers, kind):
    assert draft_pii.personal(header, answers) == kind


def test_free_text_answers_never_become_value_labels(tmp_path):
    n = 40
    nick = [f"{a}{b}" for a in "小大阿老" for b in "猫狗龙虎熊鹰鱼鸟兔马"][:n]
    path = _csv(tmp_path, {
        "1、区县": ["桥东区"] * n,
        "2、您的昵称": nick,
        "3、您觉得社区最需要改进的地方": [f"楼道{i % 15}号灯坏了很久没人修" for i in range(n)],
        "4、您最喜欢的一道菜": ["红烧肉", "鱼香肉丝", "宫保鸡丁", "麻婆豆腐"] * (n // 4),
    })
    text = draft.draft_text(path, survey_date=DATE)
    v = _vars(text)
    assert v["2、您的昵称"]["type"] == "text" and v["2、您的昵称"].get("private")
    assert v["3、您觉得社区最需要改进的地方"]["type"] == "text"
    assert v["4、您最喜欢的一道菜"]["type"] == "single"           # few answers, each often: options
    for answer in nick + [f"楼道{i}号灯坏了很久没人修" for i in range(15)]:
        assert answer not in text, answer


# -- 2. the 按文本 + 按序号 pair ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("exports")
    a, b, answers = wx.write_pair(folder, n=60, seed=2)
    return a, b, answers


def test_the_pair_drafts_the_same_in_either_order_or_as_a_folder(exports):
    a, b, _ = exports
    one = draft.draft_text([a, b], instrument="svc")
    assert draft.draft_text([b, a], instrument="svc") == one
    assert draft.draft_text([a.parent], instrument="svc") == one


def test_where_the_pair_disagrees_the_draft_stops_naming_file_row_and_question(exports, tmp_path):
    a, b, answers = exports
    number = pd.read_excel(b, dtype=str)
    row = int(answers.index[answers["15、您的政治面貌"] == "群众"][0])
    number.loc[row, "15、您的政治面貌"] = "1"                           # 群众 is 3 on the questionnaire
    bad = tmp_path / b.name
    number.to_excel(bad, index=False)
    with pytest.raises(SurveyError) as e:
        draft.draft_text([a, bad])
    assert e.value.file == a.name and e.value.row == row + 2 and "15、您的政治面貌" in str(e.value)
    number = pd.read_excel(b, dtype=str)
    row = int(number.index[number["第16题(微信群)"] == "1"][0])
    number.loc[row, "第16题(微信群)"] = "0"                           # 按文本 says 微信群 was ticked
    number.to_excel(bad, index=False)
    with pytest.raises(SurveyError) as e:
        draft.draft_text([bad, a])
    assert e.value.row == row + 2 and "16、您获取社区信息的渠道" in str(e.value)
    short = tmp_path / "short" / b.name
    short.parent.mkdir()
    pd.read_excel(b, dtype=str).iloc[:-1].to_excel(short, index=False)
    with pytest.raises(SurveyError, match="答卷数不同"):
        draft.draft_text([a, short])


def test_a_by_number_file_alone_gets_codes_in_order_and_labels_to_write(exports, tmp_path):
    _, b, answers = exports
    made = draft.draft(b, instrument="svc")
    assert made.notice and "按序号" in made.notice and made.checks[0] == made.notice
    v = _vars(made.text)
    assert v["15、您的政治面貌"]["values"] == {k: f"选项{k}（待填写）" for k in (1, 2, 3)}
    multi = v["9、第9题（多选题）"]
    assert multi["type"] == "multi" and list(multi["values"].values()) == wx.ACTIVITIES
    channels = v["16、第16题（多选题）"]                    # the same 其他【请注明】 header in two questions
    assert list(channels["values"].values()) == wx.CHANNELS
    book = _book(tmp_path, made.text)
    r = clean_table(ingest.read(b, set(book.header_map())), book)
    assert len(r.valid) == len(answers) and r.unmapped.empty
    party = r.valid[next(n for n, x in book.variables.items() if x.question == "15、您的政治面貌")]
    assert party.value_counts().to_dict() == {wx.PARTY.index(k) + 1: c
                                              for k, c in answers["15、您的政治面貌"].value_counts().items()}
    other = r.valid[[c for c in r.valid.columns if c.startswith("q9__")]].sum()
    assert other["q9__5"] == answers["9、您参加过哪些社区活动（多选）"].str.contains("其他").sum()
    assert "张伟" not in made.text and "13912345678" not in made.text


# -- 3. types that survive real answers ------------------------------------------------------------

def test_ages_only_when_plausible_or_the_question_says_so(tmp_path):
    n = 30
    path = _csv(tmp_path, {
        "1、区县": ["桥东区"] * n,
        "2、年龄": [str(2 + i % 8) for i in range(n)],                 # codes 2–9 of age groups
        "3、您的年龄": [str(18 + (i * 7) % 60) for i in range(n)],
        "4、您的出生年份": [str(1950 + i) for i in range(n)],
        "5、工作年限": [str(1 + i % 5) for i in range(n)],
    })
    v = _vars(draft.draft_text(path, survey_date=DATE))
    assert v["2、年龄"]["type"] == "single" and v["2、年龄"]["values"][9] == "选项9（待填写）"
    assert v["3、您的年龄"]["type"] == "age" and v["4、您的出生年份"]["type"] == "age"
    assert v["5、工作年限"]["type"] == "number"


def test_typed_other_text_is_stripped_before_typing(tmp_path):
    n = 24
    level = ["本科", "大专〖函授，张老师班〗", "大专", "本科〖在职，电话13800001111〗"] * (n // 4)
    path = _csv(tmp_path, {"1、区县": ["桥东区"] * n, "2、培养层次": level})
    text = draft.draft_text(path, survey_date=DATE)
    assert _vars(text)["2、培养层次"]["values"] == {1: "本科", 2: "大专"}
    assert "张老师" not in text and "13800001111" not in text


def test_a_text_download_alone_orders_numbered_and_education_options_naturally(tmp_path):
    n = 24
    path = _csv(tmp_path, {
        "1、区县": ["桥东区"] * n,
        "2、您的年龄段": ["45-59岁", "18-29岁", "60岁及以上", "30-44岁"] * (n // 4),
        "3、您的学历": ["本科", "初中及以下", "研究生", "高中/中专", "大专", "本科"] * (n // 6),
        "4、您的职业": ["教师", "工人", "农民", "教师"] * (n // 4),
        # seen in a 问卷星 CSV: first appearance gave 1-3年 the code before 1年以下, and 否 before 是
        "5、您担任现职的年限": ["1-3年", "5年以上", "1年以下", "3-5年"] * (n // 4),
        "6、您是否实行“一肩挑”？": ["否", "是", "是"] * (n // 3),
        "7、每月参加几次活动": ["超过4次", "不足1次", "1-2次", "3-4次"] * (n // 4),
    })
    v = _vars(draft.draft_text(path, survey_date=DATE))
    assert list(v["2、您的年龄段"]["values"].values()) == ["18-29岁", "30-44岁", "45-59岁", "60岁及以上"]
    assert list(v["3、您的学历"]["values"].values()) == ["初中及以下", "高中/中专", "大专", "本科", "研究生"]
    assert list(v["4、您的职业"]["values"].values()) == ["教师", "工人", "农民"]          # first seen
    assert list(v["5、您担任现职的年限"]["values"].values()) == ["1年以下", "1-3年", "3-5年", "5年以上"]
    assert list(v["6、您是否实行“一肩挑”？"]["values"].values()) == ["是", "否"]
    assert list(v["7、每月参加几次活动"]["values"].values()) == ["不足1次", "1-2次", "3-4次", "超过4次"]


# -- 4. scales and batteries -----------------------------------------------------------------------

@pytest.mark.parametrize("labels,top", [
    (["非常满意", "比较满意", "一般", "不太满意", "很不满意"], "非常满意"),
    (["非常不同意", "不同意", "一般", "同意", "非常同意"], "非常同意"),
    (["非常满意", "满意", "比较满意", "一般", "比较不满意", "不满意", "非常不满意"], "非常满意"),
    (["完全做到", "部分做到", "没有做到"], "完全做到"),
    (["完全不符合", "不太符合", "说不清", "比较符合", "完全符合"], "完全符合"),
])
def test_scales_of_any_stem_in_either_direction(labels, top):
    scale = draft_scales.from_labels(labels, listed=True)
    assert scale is not None and len(scale.values) == len(labels)
    assert [t for _, t in scale.values] == labels                        # listed as on the questionnaire
    assert dict((t, c) for c, t in scale.values)[top] == len(labels)     # the best answer is the top code
    assert draft_scales.from_answers(list(reversed(labels))).values[0] == (len(labels), top)


def test_choices_that_are_not_scales():
    for labels in (["愿意", "说不清", "不愿意"], ["很愿意", "愿意", "不愿意"], ["是", "否"], ["男", "女"]):
        assert draft_scales.from_answers(labels) is None, labels
    assert draft_scales.score_scale(set(range(11)), "请给社区服务打分（0-10分）") is not None
    assert draft_scales.score_scale(set(range(11)), "家里有几口人") is None


def test_consecutive_items_on_one_scale_are_one_battery_with_its_overall_item(tmp_path):
    n = 20
    sat = ["非常满意", "比较满意", "一般", "不太满意", "很不满意"]
    agree = ["非常同意", "比较同意", "一般", "不太同意", "非常不同意"]
    path = _csv(tmp_path, {
        "1、区县": ["桥东区", "桥西区"] * (n // 2),
        "2、您对社区以下方面的满意程度—环境": [sat[i % 5] for i in range(n)],
        "2、您对社区以下方面的满意程度—治安": [sat[(i + 1) % 5] for i in range(n)],
        "3、总的来说，您对社区工作的满意程度": [sat[(i + 2) % 5] for i in range(n)],
        "4、社区干部值得信赖": [agree[i % 5] for i in range(n)],
        "5、社区办事公开透明": [agree[(i + 3) % 5] for i in range(n)],
    })
    book = _book(tmp_path, draft.draft_text(path, survey_date=DATE))
    first, second = book.report.batteries
    assert first.items == ("q2_1", "q2_2", "q3") and first.overall == "q3"
    assert first.index_items == ("q2_1", "q2_2")
    assert second.items == ("q4", "q5") and second.overall is None
    assert book.variables["q2_1"].label == "环境" and book.variables["q4"].scale == "agree5"


def test_an_overall_item_asked_apart_joins_the_battery_on_its_scale(tmp_path):
    n = 20
    sat = ["非常满意", "比较满意", "一般", "不太满意", "很不满意"]
    path = _csv(tmp_path, {
        "1、区县": ["桥东区", "桥西区"] * (n // 2),
        "2、您对社区服务的满意程度": [sat[i % 5] for i in range(n)],
        "3、您对社区环境的满意程度": [sat[(i + 1) % 5] for i in range(n)],
        "4、您的性别": ["男", "女"] * (n // 2),
        "5、整体来看，您对社区工作的满意程度": [sat[(i + 2) % 5] for i in range(n)],
    })
    (battery,) = _book(tmp_path, draft.draft_text(path, survey_date=DATE)).report.batteries
    assert battery.items == ("q2", "q3", "q5") and battery.overall == "q5" and battery.index_items == ("q2", "q3")


# -- 5. the unit and the profile --------------------------------------------------------------------

def test_the_highest_unit_is_the_reporting_unit_and_the_profile_is_listed(tmp_path):
    n = 24
    path = _csv(tmp_path, {
        "1、您所在的区（县）": ["桥东区", "桥西区"] * (n // 2),
        "2、您所在的街道": ["东风街道", "胜利街道", "振兴街道"] * (n // 3),
        "3、您居住的社区": [f"第{i % 6}社区" for i in range(n)],
        "4、您的性别": ["男", "女"] * (n // 2),
        "5、您的年龄": [str(16 + i % 7) for i in range(n)],          # students: 16–22
        "6、您的学历": ["高中", "大专", "本科"] * (n // 3),
        "7、您的岗位": ["网格员", "社区干部"] * (n // 2),
        "8、您对社区服务的满意程度": ["非常满意", "比较满意", "一般", "不太满意"] * (n // 4),
    })
    made = draft.draft(path, survey_date=DATE, instrument="s")
    book = _book(tmp_path, made.text)
    roles = {n: v.role for n, v in book.variables.items() if v.role}
    assert roles == {"district": "district", "street": "street", "community": "community"}
    assert book.report.profile == ("gender", "age_group", "q6", "q7")
    band = book.derived["age_group"]
    assert band.source == "age" and 16 < band.bands[0].max + 1 <= 22      # cut inside the data's range
    assert any("年龄段" in c for c in made.checks)
    only_school = _csv(tmp_path, {"1、您所在的学校": ["一中", "二中"] * 6, "2、性别": ["男", "女"] * 6}, "s.csv")
    assert _book(tmp_path, draft.draft_text(only_school, survey_date=DATE)).role("district") == "district"


# -- 6. metadata -------------------------------------------------------------------------------------

def test_an_empty_submission_column_asks_for_the_date_without_saying_it_is_missing(tmp_path):
    frame = wx.answers(12)
    frame["提交答卷时间"] = None
    path = tmp_path / "[问卷星数据]12_12_0.xlsx"
    frame.to_excel(path, index=False)
    with pytest.raises(SurveyError) as e:
        draft.draft_text(path)
    assert "一列是空的" in str(e.value) and "--survey-date" in str(e.value) and "没有" not in str(e.value)
    made = draft.draft(path, survey_date=DATE, instrument="s")
    book = yaml.safe_load(made.text)
    assert book["title"] == "问卷调查" and book["respondent"] == "受访者"
    assert any("title" in c for c in made.checks) and any("respondent" in c for c in made.checks)


def test_title_and_respondent_from_the_file_name_made_readable(tmp_path):
    path = _csv(tmp_path, {"1、区县": ["桥东区"] * 4, "2、性别": ["男", "女"] * 2}, "2026_社区工作者队伍调查_final.csv")
    book = yaml.safe_load(draft.draft_text(path, survey_date=DATE))
    assert book["title"] == "社区工作者队伍调查" and book["respondent"] == "社区工作者"


@pytest.mark.parametrize("title, who", [("856321_按文本_乡镇党组织书记队伍建设调查_150_150", "党组织书记"),
                                        ("村党支部书记履职情况调查", "书记"), ("社区居民满意度调查", "社区居民")])
def test_the_respondent_is_read_from_the_title(title, who):
    assert draft_meta.respondent_from(title) == who


# -- 7. the command -----------------------------------------------------------------------------------

def test_cli_drafts_a_pair_in_either_order_and_lists_what_to_check(exports, tmp_path, capsys):
    a, b, _ = exports
    out = tmp_path / "svc.yaml"
    assert cli.main(["codebook", "draft", str(b), str(a), "-o", str(out), "--instrument", "svc"]) == 0
    said = capsys.readouterr().out
    assert "可以直接运行" in said and "文化程度" in said and "年龄段" in said
    assert out.read_text(encoding="utf-8") == draft.draft_text([a, b], instrument="svc")
    assert cli.main(["codebook", "draft", str(b), "-o", str(tmp_path / "n.yaml"), "--instrument", "svc"]) == 0
    assert "按序号" in capsys.readouterr().err
    assert cli.main(["codebook", "draft", str(a), str(b), str(a), "-o", str(tmp_path / "x.yaml")]) == 2


def test_title_from_a_title_row_above_the_header(tmp_path):
    frame = wx.answers(12)
    path = tmp_path / "[问卷星数据]12_12_0.xlsx"
    with pd.ExcelWriter(path) as w:
        pd.DataFrame([["2026年社区居民满意度调查"]]).to_excel(w, index=False, header=False)
        frame.to_excel(w, index=False, startrow=1)
    book = yaml.safe_load(draft.draft_text(path, instrument="s"))
    assert book["title"] == "2026年社区居民满意度调查" and book["respondent"] == "社区居民"


def test_typed_other_columns_of_a_by_number_file_are_private_and_never_clash(exports, tmp_path):
    """问卷星 按序号 puts typed "其他" text in columns of its own, several with the same header text."""
    a, b, answers = exports
    number = pd.read_excel(b, dtype=str)
    typed = ["" if i % 4 else f"王{'芳娜敏静'[i % 4]}推荐 1390000{i:04d}" for i in range(len(number))]
    number.insert(number.columns.get_loc("6、您的文化程度") + 1, "第6题(其他【请注明】)", typed)
    number.insert(number.columns.get_loc("15、您的政治面貌") + 1, "第15题(其他【请注明】)", typed)
    number["17、(其他（请补充）:)"] = typed
    path = tmp_path / b.name
    number.to_excel(path, index=False)
    for files in ([path], [a, path]):
        made = draft.draft(files, instrument="svc")
        assert "1390000" not in made.text and "推荐" not in made.text
        book = _book(tmp_path, made.text)
        assert not [v for v in book.variables.values() if "其他" in v.question]
        assert made.text.count("是填写的“其他”文字，不进入数据") == 3
        r = clean_table(ingest.read(path, set(book.header_map())), book)
        assert len(r.valid) == len(answers) and r.unmapped.empty
        assert sorted(r.ignored_columns) == ["17、(其他（请补充）:)", "第15题(其他【请注明】)", "第6题(其他【请注明】)"]
        assert not any("1390000" in str(x) for x in r.valid.to_numpy().ravel())


def test_the_drafts_comments_are_only_what_a_person_must_check(exports):
    a, b, _ = exports
    text = draft.draft_text([a, b], instrument="svc")
    body = text.split("\nvariables:\n", 1)[1]
    comments = [line.strip() for line in body.splitlines() if line.strip().startswith("#")]
    assert comments and all(c.startswith(("# 【请核对】", "# 未收录")) for c in comments), comments
    assert any("文化程度" in c or "无人选择" in c for c in comments)
    alone = draft.draft_text(a, instrument="svc")
    assert "# 【请核对】问卷上的顺序未知" in alone                       # a guessed scale order says so


def test_a_draft_asks_whether_the_answers_are_a_census(tmp_path):
    """The answers cannot say whether everyone was asked, and the report's register depends on it:
    a draft writes census: false, marked 【请核对】, lists it among the checks, and true is one edit."""
    path = _csv(tmp_path, {"1、区县": ["桥东区"] * 12, "2、您的性别": ["男", "女", "女"] * 4})
    made = draft.draft(path, survey_date=DATE)
    assert draft.CENSUS_CHECK in made.checks
    line = next(x for x in made.text.splitlines() if x.startswith("census:"))
    assert line.startswith("census: false") and "【请核对】" in line
    assert _book(tmp_path, made.text).census is False
    assert _book(tmp_path, made.text.replace("census: false", "census: true", 1)).census is True


@pytest.mark.parametrize("header, label", [
    ("9、总体来说，您对本职工作满意吗？", "本职工作总体满意度"),
    ("12、总的来看，您对社区服务是否满意？", "社区服务总体满意度"),
    ("10、总体上，您对社区工作者的工作认可吗？", "社区工作者的工作总体认可度"),
    ("11、总体而言，您对社区工作的满意程度", "社区工作"),             # the stem form keeps its rule
])
def test_an_overall_rating_asked_as_a_question_gets_a_label_a_table_can_carry(header, label):
    """问卷星 CSV no test was written for: the overview's column read
    “总体来说，您对本职工作满意吗满意率”; the label is now what is rated, and its measure 本职工作总体满意率."""
    assert draft._short_label(header) == label
    from analysis.publish.plan import measure_name

    if label.endswith("满意度"):
        assert measure_name(label, ["很满意", "比较满意"]) == label[:-1] + "率"
    if label.endswith("认可度"):
        assert measure_name(label, ["非常认可", "比较认可"]) == label[:-1] + "率"
