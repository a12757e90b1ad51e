"""What a draft's ``report:`` section says, and which question is the reporting unit.

The unit is the highest-level question asking where the respondent is (区县, else 街道, else 社区 /
学校 / 单位 …): it gets ``role: district``, the others ``role: street / community``. Profile questions
(性别, 年龄, 文化程度, 政治面貌, 岗位 …) are listed in ``report: profile``, an age with proposed bands
(35/45/55, or the data's quartiles rounded to 5 when the ages do not span them). Consecutive items on
one scale are one battery; an overall item (总体/整体/总的来说) is its ``overall``, not an index item.
"""

from __future__ import annotations

import re

from analysis.textnorm import header_key

_ROLE_LABELS = {"district": "区县", "street": "街道（镇）", "community": "社区"}
# reporting units, highest first: the first found is the unit, the others street / community
_UNITS = (("区县", ("区(县)", "区县", "县区", "县(区)", "县(市、区)", "县(市,区)", "市辖区", "区", "县")),
          ("街道", ("街道", "乡镇", "镇(街道)", "街道(镇)", "乡(镇)", "镇")),
          ("社区", ("社区(村)", "村(社区)", "社区", "小区", "村", "居委会")),
          ("学校", ("学校", "学院", "院系")),
          ("单位", ("单位", "部门", "网格", "科室")))
PROFILE_WORDS = ("性别", "年龄", "文化程度", "学历", "政治面貌", "岗位", "职务", "民族", "户籍", "职业", "婚姻")
_OVERALL = ("总体", "整体", "总的来说", "总的看", "综合评价", "总而言之")
_BATTERY_NAMES = {"sat": "satisfaction", "agree": "agreement", "trust": "trust"}


def unit_level(question: str) -> int | None:
    """The level of a question that asks where the respondent is (its text ends with the unit's
    word: 您所在的区（县）, 您居住的社区, 所在学校名称), or None."""
    hk = re.sub(r"(?:名称|名字|全称)$", "", header_key(question))
    hk = re.sub(r"\((?:选填|必填|请填写[^)]*)\)$", "", hk)
    hits = [(len(w), -i) for i, (_, words) in enumerate(_UNITS) for w in words if hk.endswith(w)]
    return -max(hits)[1] if hits else None


def mark_units(specs: list[tuple[str, dict]], checks: list[str]) -> None:
    """The highest-level unit question is the reporting unit (role: district); the others keep
    their level as street / community."""
    found = [(level, i) for i, (_, s) in enumerate(specs)
             if not s.get("pii") and not s.get("scale") and s["type"] in ("text", "single")
             and (level := unit_level(s["question"])) is not None]
    if not found:
        return
    found.sort()
    top_level, top = found[0]
    for level, i in found:
        note, spec = specs[i]
        role = "district" if i == top else ("street" if level <= 1 else "community")
        spec = dict(spec)
        spec.pop("private", None)
        if spec["type"] == "text" or not spec.get("_ordered"):
            spec.pop("values", None)
            spec.pop("aliases", None)
            spec["type"] = "text"
        name = role if spec["name"] not in ("district", "street", "community") else spec["name"]
        spec = {"name": name, **{k: v for k, v in spec.items() if k != "name"}, "role": role}
        if role == "district":
            spec["required"] = True
            word = _UNITS[level][0]
            note = f"报告单位（role: district，每个{word}一份报告）" + \
                ("，选项按问卷顺序" if spec["type"] == "single" else "，按原文保留")
            if sum(1 for lv, _ in found if lv == top_level) > 1 or level >= 2:
                checks.append(f"报告单位取了“{spec['label']}”：若要按别的单位出报告，把 role: district 移到那一题。")
        else:
            note = f"{_ROLE_LABELS.get(role, role)}（role: {role}），按原文保留"
        specs[i] = (note, spec)
    names = [s["name"] for _, s in specs]
    for i, (note, spec) in enumerate(specs):       # a name the roles took from another question
        if names.count(spec["name"]) > 1 and not spec.get("role"):
            specs[i] = (note, {**spec, "name": f"{spec['name']}_{i + 1}"})


def report(specs: list[tuple[str, dict]], ages: dict[str, list[float]], checks: list[str]) -> tuple[dict, list[dict]]:
    report: dict = {}
    derived: list[dict] = []
    profile = []
    for _, s in specs:
        if s.get("pii") or s.get("private") or s.get("role") or s.get("scale"):
            continue
        if not any(w in s["label"] or w in s["question"] for w in PROFILE_WORDS):
            continue
        if s["type"] == "single":
            profile.append(s["name"])
        elif s["type"] == "age" and not derived:
            bands, proposed = _age_bands(ages.get(s["question"], []))
            derived.append({"name": _free_name("age_group", specs), "label": "年龄段", "from": s["name"],
                            "bands": bands, "_note": proposed})
            profile.append(derived[-1]["name"])
            checks.append(f"年龄段是建议的分段（{proposed}），请按研究需要修改。")
    if profile:
        report["profile"] = profile
    batteries, overall = _batteries(specs, checks)
    if batteries:
        report["batteries"] = batteries
    if overall:
        report["overall"] = overall
    return report, derived


def _free_name(name: str, specs) -> str:
    used = {s["name"] for _, s in specs}
    out, k = name, 2
    while out in used:
        out, k = f"{name}_{k}", k + 1
    return out


def _age_bands(ages: list[float]) -> tuple[list[dict], str]:
    """Bands at 35/45/55 when the ages span them, else at the data's quartiles rounded to 5."""
    cuts = [35, 45, 55]
    if ages and not (min(ages) < 35 and max(ages) >= 55):
        q = sorted(ages)
        picks = sorted({int(round(q[int(len(q) * f)] / 5) * 5) for f in (0.25, 0.5, 0.75)})
        cuts = [c for c in picks if min(ages) < c <= max(ages)] or [int(round(q[len(q) // 2]))]
        how = "按数据的四分位数取整到 5 岁"
    else:
        how = "按常用的 35、45、55 岁"
    bands = [{"code": 1, "label": f"{cuts[0] - 1}岁及以下", "max": cuts[0] - 1}]
    for k, (lo, hi) in enumerate(zip(cuts, cuts[1:]), 2):
        bands.append({"code": k, "label": f"{lo}–{hi - 1}岁", "min": lo, "max": hi - 1})
    bands.append({"code": len(cuts) + 1, "label": f"{cuts[-1]}岁及以上", "min": cuts[-1]})
    return bands, how


def _batteries(specs: list[tuple[str, dict]], checks: list[str]) -> tuple[list[dict], str | None]:
    """Consecutive items on one scale are one battery; an overall item (总体 …) right after or
    inside a run on the same scale joins it as its ``overall`` (one per codebook)."""
    runs: list[list[dict]] = []
    for _, s in specs:
        if s.get("pii") or s.get("private") or s.get("role"):
            continue
        if s.get("scale") and runs and runs[-1] and runs[-1][-1]["scale"] == s["scale"]:
            runs[-1].append(s)
        elif s.get("scale"):
            runs.append([s])
        else:
            runs.append([])
    runs = [r for r in runs if r]
    merged: list[list[dict]] = []
    for run in runs:                 # an overall item asked apart joins the battery on its scale before it
        alone = all(any(w in s["question"] for w in _OVERALL) for s in run)
        home = next((r for r in reversed(merged) if r[0]["scale"] == run[0]["scale"]), None)
        if alone and home is not None and not any(any(w in s["question"] for w in _OVERALL) for s in home):
            home.extend(run)
        else:
            merged.append(run)
    out, overall = [], None
    for run in merged:
        items = [s["name"] for s in run]
        whole = [s["name"] for s in run if any(w in s["question"] for w in _OVERALL)]
        if whole and len(items) >= 2:
            if overall is None:
                overall = whole[-1]
            else:
                checks.append(f"题组里还有一道总体评价题 {whole[-1]}；报告只用 {overall} 作总体评价。")
        name = _BATTERY_NAMES.get(run[0]["scale"].rstrip("0123456789_up"))
        if name is None or name in {b["name"] for b in out}:
            name = f"b_{items[0]}"
        out.append({"name": name, "items": items})
    return out, overall
