"""What a draft says about the survey as a whole: its English name, title, respondents and date.

The title is the 问卷星 title carried in the download's file name, the SPSS file label, or the file
name made readable (no ids, no 按文本/按序号, no ``[问卷星数据]``); the respondent is read from the
title (居民, 社区工作者, 学生 …); the survey date is the latest date in a date column that holds
dates (问卷星's 提交答卷时间, a 填表日期 …), else ``--survey-date`` must give it.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from analysis.errors import SurveyError
from analysis.read.rawtable import RawTable
from analysis.textnorm import header_key

_WJX_NAME = re.compile(r"^\d+_按[^_]*_(.+?)_\d+_\d+$")
_DATE = re.compile(r"^\s*(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?:[\sT]+\d{1,2}:\d{2}(?::\d{2})?)?\s*$")
# who answered, as titles say it (longest first: 社区工作者 before 工作者)
RESPONDENTS = (("社区工作者", "社区工作者"), ("社工", "社区工作者"), ("网格员", "网格员"), ("党员", "党员"),
               ("居民", "社区居民"), ("村民", "村民"), ("学生", "学生"), ("家长", "学生家长"), ("教师", "教师"),
               ("老师", "教师"), ("干部", "干部"), ("职工", "职工"), ("员工", "员工"), ("患者", "患者"),
               ("志愿者", "志愿者"), ("老年人", "老年人"), ("群众", "群众"), ("工作人员", "工作人员"),
               ("党组织书记", "党组织书记"), ("书记", "书记"))


def instrument_from(path: str | Path) -> str:
    """The questionnaire's English name guessed from a file name: wjx_<id> for a 问卷星 download."""
    path = Path(path)
    m = re.match(r"^(\d+)_按", path.stem)
    if m:
        return f"wjx_{m.group(1)}"
    name = re.sub(r"[^a-z0-9]+", "_", path.stem.lower()).strip("_")
    if not name:
        return "survey"
    return name[:40] if name[0].isalpha() else f"survey_{name}"[:40]


def title_from(path: Path, file_label: str | None, title_row: str | None = None) -> tuple[str, bool]:
    """The survey's title and whether it was made up from the file name (to be checked): the
    问卷星 title in the download's name, a title row above the header, the SPSS file label."""
    m = _WJX_NAME.match(path.stem)
    if m:
        return m.group(1), False
    for given in (title_row, file_label):
        if given and re.search(r"[\u4e00-\u9fff]", given) and len(given) <= 60:
            return given, False
    readable = re.sub(r"\[?问卷星数据\]?|按选项文本|按选项序号|按文本|按序号|按分数", "", path.stem)
    readable = re.sub(r"[\d_\-\[\]()（）.]+", " ", readable).strip()
    if re.search(r"[\u4e00-\u9fff]", readable):
        return re.sub(r"[\sA-Za-z]+", "", readable), True
    return file_label or "问卷调查", True


def respondent_from(title: str) -> str | None:
    return next((who for word, who in RESPONDENTS if word in title), None)


def survey_date(table: RawTable) -> tuple[dt.date, str]:
    """The latest date of the file's date columns (问卷星's 提交答卷时间 first) and which column."""
    headers = list(table.frame.columns)
    submitted = [c for c in headers if header_key(c) == "提交答卷时间"]
    others = [c for c in headers if c not in submitted and re.search(r"日期|时间", str(c))]
    for col in submitted + others:
        dates = _dates(table.frame[col])
        if dates and (col in submitted or len(dates) >= 0.8 * table.frame[col].notna().sum()):
            return max(dates), col
    if submitted:
        raise SurveyError(f"“{submitted[0]}”一列是空的（分享前被清空了），无法确定调查日期。", file=table.name,
                          fix="用 --survey-date 2026-09-15 给出调查日期（出生年份按它换算成年龄）。")
    raise SurveyError("文件里没有填写了日期的列（例如问卷星的“提交答卷时间”），无法确定调查日期。", file=table.name,
                      fix="用 --survey-date 2026-09-15 给出调查日期（出生年份按它换算成年龄）。")


def _dates(values) -> list[dt.date]:
    out = []
    for v in values.dropna():
        m = _DATE.match(str(v))
        if m:
            try:
                out.append(dt.date(*map(int, m.groups())))
            except ValueError:
                pass
    return out
