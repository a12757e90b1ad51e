"""Exports of one questionnaire nobody on the team wrote, as researchers bring them: a 问卷星 按文本
download, the 按序号 download of the same answers, a GBK CSV, and an SPSS file with value labels and
user-missing codes (FORMATS.md). The answers are known, so a report's counts can be checked.

The questionnaire: a 街道 single choice listed in a non-alphabetical order; name and phone; 性别;
age in 周岁; 文化程度 whose first option nobody chose; two 手机-worded ordinary questions; a
multi-select with an option nobody chose and 其他【请注明】〖…〗; a 矩阵 rating question and an
overall rating; a 是/否 question and a follow-up (跳过) when 否; (空) answers; free-text
suggestions holding names and phone numbers; 政治面貌; a second multi-select with 其他【请注明】.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

LEAD = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
UNIT = "1、您所在的街道"
STREETS = ["城关街道", "东城街道", "西湖镇"]
GENDER = ["男", "女"]
EDU = ["研究生", "本科", "大专", "高中/中专", "初中及以下"]          # 研究生: nobody
ACTIVITIES = ["文体活动", "志愿服务", "议事协商", "技能培训", "其他【请注明】"]   # 技能培训: nobody
CHANNELS = ["微信群", "公告栏", "网格员", "其他【请注明】"]
SAT = ["非常满意", "比较满意", "一般", "不太满意", "很不满意"]
ROWS = ["环境卫生", "治安巡逻", "便民服务"]
MATRIX = "10、您对以下社区服务的满意程度"
FREQ = ["每月一次以上", "每季度一次", "每年一两次"]
PARTY = ["中共党员", "共青团员", "群众"]
SINGLES = {UNIT: STREETS, "4、您的性别": GENDER, "6、您的文化程度": EDU, "12、您是否参加过社区议事会": ["是", "否"],
           "13、您参加议事会的频率": FREQ, "15、您的政治面貌": PARTY,
           **{f"{MATRIX}—{r}": SAT for r in ROWS}, "11、总体而言，您对社区工作的满意程度": SAT}
MULTIS = {"9、您参加过哪些社区活动（多选）": ACTIVITIES, "16、您获取社区信息的渠道（多选）": CHANNELS}
TYPED = ["张伟介绍的读书会", "13912345678群", "老年大学", "李娜组织的", "广场舞队"]


def answers(n: int = 150, seed: int = 11) -> pd.DataFrame:
    """The 按文本 answers of ``n`` respondents (问卷星's leading columns first)."""
    rng = np.random.default_rng(seed)
    given = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华")
    surname = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
    names = []
    while len(names) < n:
        name = rng.choice(surname) + "".join(rng.choice(given, rng.integers(1, 3)))
        if name not in names:
            names.append(str(name))
    frame = {
        "序号": [str(i) for i in range(1, n + 1)],
        "提交答卷时间": [f"2026/10/{1 + i % 20:02d} 09:{i % 60:02d}:00" for i in range(n)],
        "所用时间": [f"{rng.integers(90, 900)}秒" for _ in range(n)],
        "来源": "手机提交", "来源详情": "直接访问",
        "来自IP": [f"10.1.{i // 200}.{i % 200}(浙江-杭州)" for i in range(n)],
        UNIT: rng.choice(STREETS, n, p=[0.45, 0.35, 0.2]),
        "2、您的姓名": names,
        "3、您的联系电话": [f"1{rng.choice([3, 5, 8])}{rng.integers(10**8, 10**9)}" for _ in range(n)],
        "4、您的性别": rng.choice(GENDER, n),
        "5、您的年龄（周岁）": [str(x) for x in rng.integers(20, 76, n)],
        "6、您的文化程度": rng.choice(EDU[1:], n, p=[0.3, 0.3, 0.25, 0.15]),
        "7、您家有几部手机": [str(x) for x in rng.integers(0, 5, n)],
        "8、您最近一部手机的价格（元）": [str(x) for x in rng.integers(5, 80, n) * 100],
    }
    frame["9、您参加过哪些社区活动（多选）"] = [_multi(rng, ACTIVITIES, skip={"技能培训"}) for _ in range(n)]
    levels = [rng.choice(SAT, n, p=p) for p in ([.2, .4, .25, .1, .05], [.1, .3, .3, .2, .1],
                                                [.3, .35, .2, .1, .05], [.15, .4, .3, .1, .05])]
    for r, lv in zip(ROWS, levels):
        frame[f"{MATRIX}—{r}"] = lv
    frame["11、总体而言，您对社区工作的满意程度"] = levels[3]
    took = rng.choice(["是", "否"], n, p=[0.4, 0.6])
    frame["12、您是否参加过社区议事会"] = took
    frame["13、您参加议事会的频率"] = [rng.choice(FREQ) if t == "是" else "(跳过)" for t in took]
    frame["14、您对社区工作的意见和建议"] = [
        "(空)" if i % 3 == 0 else f"希望{names[i]}多组织活动，电话{frame['3、您的联系电话'][i]}" if i % 7 == 1
        else f"建议第{i}号楼加装电梯" for i in range(n)]
    frame["15、您的政治面貌"] = rng.choice(PARTY, n, p=[0.3, 0.1, 0.6])
    frame["16、您获取社区信息的渠道（多选）"] = [_multi(rng, CHANNELS) for _ in range(n)]
    out = pd.DataFrame(frame)
    for col in ("4、您的性别", "6、您的文化程度", f"{MATRIX}—治安巡逻"):     # a few left empty
        out.loc[out.index % 17 == 5, col] = "(空)"
    return out.astype(str)


def _multi(rng, options: list[str], skip=frozenset()) -> str:
    pool = [o for o in options if o not in skip]
    chosen = sorted(set(rng.choice(pool, rng.integers(1, 4))), key=options.index)
    return "┋".join(f"{o}〖{rng.choice(TYPED)}〗" if o.startswith("其他") else o for o in chosen)


def by_number(text: pd.DataFrame) -> pd.DataFrame:
    """The 按序号 download of the same answers: a single choice its option's place on the
    questionnaire, -3 skipped, -2 empty; a multi-select one ``第N题(选项)`` column per option (1/0;
    the 其他 column holds the typed text); matrix rows as ``第N题(行标题)``."""
    marker = {"(跳过)": "-3", "(空)": "-2"}
    out = {}
    for col in text.columns:
        if col in SINGLES:
            position = {label: str(i) for i, label in enumerate(SINGLES[col], 1)}
            header = f"第10题({col.rsplit('—', 1)[1]})" if col.startswith(MATRIX) else col
            out[header] = text[col].map(lambda a, p=position: marker.get(a) or p[a])
        elif col in MULTIS:
            number = col.split("、")[0]
            for label in MULTIS[col]:
                out[f"第{number}题({label})"] = text[col].map(lambda a, lab=label: _ticked(a, lab, marker))
        else:
            out[col] = text[col]
    return pd.DataFrame(out)


def _ticked(answer: str, label: str, marker: dict) -> str:
    if answer in marker:
        return marker[answer]
    for part in answer.split("┋"):
        if part.split("〖")[0] == label:
            return part[part.index("〖") + 1:-1] if "〖" in part else "1"
    return "0"


def write_pair(folder: Path, n: int = 150, seed: int = 11) -> tuple[Path, Path, pd.DataFrame]:
    """Both downloads as 问卷星 names them; returns (按文本 path, 按序号 path, the answers)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = answers(n, seed)
    a = folder / f"300400500_按文本_城关社区服务满意度调查_{n}_{n}.xlsx"
    b = folder / f"300400500_按序号_城关社区服务满意度调查_{n}_{n}.xlsx"
    text.to_excel(a, index=False)
    by_number(text).to_excel(b, index=False)
    return a, b, text


def write_csv(path: Path, n: int = 90, seed: int = 5) -> pd.DataFrame:
    """A 问卷星 CSV download saved by Excel on Chinese Windows (GBK)."""
    text = answers(n, seed)
    text.to_csv(path, index=False, encoding="gbk")
    return text


SAV_LABELS = {"district": "1、您所在的区（县）", "sex": "2、您的性别", "age": "3、您的年龄",
              "edu": "4、您的文化程度", "s1": "5、您对社区以下工作的满意程度—党建引领",
              "s2": "5、您对社区以下工作的满意程度—环境整治", "s3": "5、您对社区以下工作的满意程度—便民服务",
              "overall": "6、总的来说，您对社区工作是否满意", "phone": "7、联系电话"}
SAV_VALUES = {"district": {1: "桥东区", 2: "桥西区", 3: "新华区"}, "sex": {1: "男", 2: "女", 9: "拒答"},
              "edu": {1: "初中及以下", 2: "高中/中专", 3: "大专", 4: "本科及以上", 5: "其他学历"},
              **{v: {1: "很不满意", 2: "不太满意", 3: "一般", 4: "比较满意", 5: "非常满意", 99: "不知道"}
                 for v in ("s1", "s2", "s3", "overall")}}


def write_sav(path: Path, n: int = 120, seed: int = 3) -> pd.DataFrame:
    """An SPSS file as PSPP writes it: value labels (an ascending scale; 其他学历 nobody chose),
    user-missing 9 = 拒答 and 99 = 不知道, a file label carrying the survey's title."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "district": rng.choice([1.0, 2.0, 3.0], n, p=[0.5, 0.3, 0.2]),
        "sex": rng.choice([1.0, 2.0, 9.0], n, p=[0.48, 0.48, 0.04]),
        "age": rng.integers(18, 80, n).astype(float),
        "edu": rng.choice([1.0, 2.0, 3.0, 4.0], n),
        **{v: rng.choice([1.0, 2.0, 3.0, 4.0, 5.0, 99.0], n, p=[.05, .1, .25, .35, .2, .05])
           for v in ("s1", "s2", "s3", "overall")},
        "phone": [f"1390000{i:04d}" for i in range(n)],
    })
    pyreadstat.write_sav(df, str(path), column_labels=SAV_LABELS, variable_value_labels=SAV_VALUES,
                         missing_ranges={"sex": [9], **{v: [99] for v in ("s1", "s2", "s3", "overall")}},
                         file_label="社区居民满意度调查")
    return df
