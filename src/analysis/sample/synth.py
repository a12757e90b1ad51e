"""The bundled sample data (示例数据): a deterministic generator of ``data/raw/<wave>/``.

``make_sample(out_dir)`` writes what a researcher in 石家庄 would bring for one survey wave: per
district (桥东区, 桥西区, 长安区, 新华区, 裕华区) one 问卷星 by-text export of the 社区工作者问卷
and one of the 居民问卷, plus one hand-typed 社区组织基本情况统计表 for all districts. Everything
is synthetic (names, phone numbers, ID numbers, IP addresses are invented), but shaped like the real
thing, and 桥东区's workers reproduce seed report 004 exactly after cleaning: 494 workers, 专职 109 /
兼职 385, age bands 63 / 309 / 122, 中专（含高中）以下 186 / 大专以上 308 with 本科 65, mean age 48.8,
secretaries 43.5, directors 40.6, 一肩挑 53%.

The files carry the mess real files carry, every piece counted in the returned manifest so the
cleaner can be tested against it (none of it changes the code a correct cleaner assigns, except
where said):

- label variants: 较满意 / 满意 / 较为满意 (all 4), 很满意 (5); 男性 / 女性; 大本 (本科), 中专
  (高中/中专); traditional characters 滿意, 比較滿意, 非常滿意, 中共黨員, 群眾;
- ages as ``35``, ``35岁``, full-width ``３５`` / ``３５岁``, and for a few workers a birth year
  ``1978年`` (age = survey year − year, never on a band boundary); tenure now and then full-width;
- stray spaces around answers (``  男 ``, ideographic spaces too), full-width letters (``Ｍ``);
- ``(空)`` in a few percent of satisfaction answers (missing, row stays valid);
- exact duplicate submissions (a copy of an earlier row, same IP and 所用时间, a minute later):
  excluded by the cleaner;
- speeders (所用时间 8–25 秒, under every threshold of the codebooks): excluded;
- outside 桥东区 only: out-of-range ages (``8``, ``150``, ``230岁``: the cell is blanked, the row
  stays) and unmappable answers (``还行``: become missing);
- personal data: every worker's 姓名 and 联系电话, ~30% of residents' 联系电话, and a few resident
  suggestions naming a person, a phone number or an 18-character 身份证号 (well-formed: region
  130102, a birth date, a sequence number and the ISO 7064 MOD 11-2 check character). Every such
  string is in ``SampleManifest.planted_pii`` for the tests that scan outputs for leaks;
- the community sheet: a merged title row above the header, a note row below the data after one
  blank row, a few numbers stored as text (Excel's ``'1234``), a couple of blank cells, 是 / 有 /
  已建立 for the same answer.

Duplicates and speeders are extra rows: ``valid = received − duplicates − speeders`` in every export.
Same seed, same bytes: numpy ``default_rng(seed)`` drives every choice, and the .xlsx files get a
fixed creation time and fixed zip timestamps.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from analysis.config import CODEBOOK_DIR, DEFAULT_WAVE
from analysis.errors import SurveyError
from analysis.fileio import atomic_path

DEFAULT_SEED = 20260915
FIXED_TIME = dt.datetime(2026, 9, 20)          # docProps and zip entry timestamps of every .xlsx
META_COLUMNS = ("序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP")
SKIPPED, EMPTY = "(跳过)", "(空)"
MULTI_SEP = "┋"
COMMUNITY_FILE = "社区组织基本情况统计表.xlsx"
COMMUNITY_NOTE = "注：本表为示例数据，由合成数据生成器生成。"
INSTRUMENTS = ("worker", "resident", "community")


# ─── the design: districts, and the figures 桥东区 must reproduce ─────────────────────────────

@dataclass(frozen=True)
class WorkerTargets:
    """Exact figures of a district's valid workers (seed report 004 for 桥东区)."""
    full_time: int
    bands: tuple[int, int, int]               # ≤34, 35–55, ≥56
    edu: tuple[int, int, int, int, int]       # codes 1..5 of worker.yaml's edu
    one_shoulder: int                         # secretaries who are also 居委会主任
    vacant_secretaries: int                   # communities without a party organisation, so no secretary
    mean_age: float
    secretary_mean_age: float
    director_mean_age: float                  # 一肩挑 secretaries count as directors; they sit at this mean too
    street_sizes: tuple[int, ...]


@dataclass(frozen=True)
class DistrictPlan:
    name: str
    streets: tuple[str, ...]
    n_communities: int
    n_workers: int                            # valid workers (speeders and duplicates come on top)
    n_residents: int                          # valid residents
    mood: float                               # district effect on satisfaction (latent scale)
    no_party_org: int = 0                     # communities marked 未建立 (their secretary post is vacant)
    fixed_communities: tuple[tuple[str, str], ...] = ()
    resident_csv: bool = False                # resident export saved as GB18030 CSV
    targets: WorkerTargets | None = None


QIAODONG = WorkerTargets(
    full_time=109, bands=(63, 309, 122), edu=(68, 118, 241, 65, 2), one_shoulder=35,
    vacant_secretaries=1, mean_age=48.8, secretary_mean_age=43.5, director_mean_age=40.6,
    street_sizes=(4, 7, 7, 7, 7, 7, 7, 7, 7, 7))

DISTRICTS = (
    DistrictPlan("桥东区", ("桃园镇", "东风路街道", "华新路街道", "休门街道", "建安街道", "胜北街道",
                           "中山东路街道", "彭后街道", "东华街道", "槐安东路街道"),
                 67, 494, 520, 0.25, no_party_org=1, targets=QIAODONG,
                 fixed_communities=(("东风路街道", "东风路南社区"), ("华新路街道", "华新路社区"),
                                    ("休门街道", "元村社区"))),
    DistrictPlan("桥西区", ("东里街道", "中山路街道", "南长街道", "维明街道", "友谊街道", "红旗街道",
                           "新石街道", "汇通街道"), 36, 241, 410, 0.10),
    DistrictPlan("长安区", ("建北街道", "青园街道", "广安街道", "育才街道", "谈固街道", "高营镇"),
                 24, 158, 300, 0.0, no_party_org=1, resident_csv=True),
    DistrictPlan("新华区", ("革新街街道", "宁安街道", "东焦街道", "赵陵铺镇"), 15, 92, 220, -0.25,
                 no_party_org=1),
    DistrictPlan("裕华区", ("裕兴街道", "槐底街道", "方村镇"), 8, 45, 160, 0.35),
)

# Mess planted in one file only, outside 桥东区: (district, instrument) → what.
SPECIAL_MESS = {
    ("桥西区", "worker"): {"age_out_of_range": ("150",), "unmappable": (("sat_pay", "还行"),),
                           "fullwidth_letter": 1},
    ("长安区", "worker"): {"age_out_of_range": ("8",)},
    ("新华区", "worker"): {"age_out_of_range": ("230岁",), "unmappable": (("sat_promotion", "还行"),)},
    ("新华区", "resident"): {"unmappable": (("sat_service", "凑合"),), "fullwidth_letter": 1},
    ("裕华区", "resident"): {"unmappable": (("sat_digital", "还可以"),)},
}
# Resident suggestions carrying personal data: district → kinds of PII in the sentence.
PII_SUGGESTIONS = {"桥东区": ("phone",), "桥西区": ("name", "id"), "长安区": ("worker_name",)}

_SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕"
                 "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔崔康毛邱秦史顾侯"
                 "邵孟段雷钱汤尹常武乔贺龚")
_GIVEN = list("建国华明丽芳秀英玉兰桂霞红梅海燕静敏军伟强磊洋勇艳杰娟涛超波辉刚平鹏晶琳雪慧颖萍"
              "志晓春亚凤淑宏振利云永欣佳雨浩宇秋菊树德福凯丹")
_PLACE = ("东风 华新 元村 休门 建安 胜北 彭后 东华 槐安 桃园 翟营 塔冢 谈固 范村 棉一 棉三 建华 光华"
          " 和平 平安 友谊 红旗 维明 南长 新石 汇通 振头 留营 东里 中山 青园 广安 育才 建北 高营 长丰"
          " 西兴 革新 宁安 东焦 西苑 合作 联盟 石岗 天苑 北苑 赵陵 裕兴 槐底 方村 裕东 建通 东苑 体育"
          " 跃进 燕春 民心 朝阳 幸福 康乐 丽景 金石 富强 兴华 北杜 宋营 小马 义堂 柏林 时光 槐中 泰华"
          " 安联 天山 瑞城 振兴 胜利 先锋").split()
_COMMUNITY_SUFFIX = ("社区", "路社区", "里社区", "东社区", "西社区", "南社区", "北社区", "花园社区",
                     "苑社区", "小区社区")
_SUGGESTIONS = ("希望增加老年人活动场所。", "小区停车难，希望统一规划车位。", "垃圾分类宣传还要加强。",
                "网上办事流程太复杂，老年人不会用。", "希望多组织文体活动。", "物业管理需要改进。",
                "社区工作人员态度很好，辛苦了。", "希望老旧楼加装电梯。", "楼道灯坏了很久没人修。",
                "希望公布社区经费的使用情况。", "无", "暂时没有。")
_IP_PLACES = ("河北-石家庄",) * 18 + ("河北-保定", "北京-北京")


# ─── the manifest ───────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class FileOutcome:
    """What cleaning one district's part of one file must give."""
    district: str
    instrument: str            # worker | resident | community
    file: str
    received: int              # data rows in the file (for the community sheet: this district's rows)
    duplicates: int            # exact copies of an earlier submission
    speeders: int              # 所用时间 under the codebook's threshold
    valid: int                 # received − duplicates − speeders
    planted: dict[str, int] = field(default_factory=dict)   # kind of mess → cells (or rows) in the file


@dataclass
class SampleManifest:
    """Expected outcomes per (district, instrument), every planted PII string, and achieved figures."""
    wave: str
    seed: int
    folder: Path
    outcomes: dict[tuple[str, str], FileOutcome]
    planted_pii: set[str]
    planted_ips: set[str]
    figures: dict[str, float]  # e.g. "桥东区.worker.mean_age": mean over valid workers

    def outcome(self, district: str, instrument: str) -> FileOutcome:
        return self.outcomes[(district, instrument)]

    @property
    def files(self) -> list[str]:
        return sorted({o.file for o in self.outcomes.values()})


# ─── small generators ───────────────────────────────────────────────────────────────────────

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check_char(first17: str) -> str:
    """The 18th character of a 身份证号 (GB 11643, ISO 7064 MOD 11-2)."""
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS)) % 11]


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _pick(rng: np.random.Generator, options, p=None):
    return options[int(rng.choice(len(options), p=p))]


def _normalised(w: np.ndarray) -> np.ndarray:
    return w / w.sum()


def _ordinal(latent: float, cuts=(-1.9, -1.1, -0.1, 1.0)) -> int:
    """A five-point answer (1..5) from a latent satisfaction."""
    return 1 + int(np.searchsorted(cuts, latent))


class _Identities:
    """Unique invented names, phone numbers, ID numbers and IP addresses; remembers each one."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.pii: set[str] = set()
        self.ips: set[str] = set()

    def _new(self, make) -> str:
        while (value := make()) in self.pii:
            pass
        self.pii.add(value)
        return value

    def name(self) -> str:
        r = self.rng
        return self._new(lambda: _pick(r, _SURNAMES) + _pick(r, _GIVEN) + _pick(r, _GIVEN))

    def phone(self) -> str:
        r = self.rng
        return self._new(lambda: f"1{int(r.integers(3, 10))}{int(r.integers(0, 10**9)):09d}")

    def id_number(self) -> str:
        r = self.rng

        def make():
            birth = dt.date(1955, 1, 1) + dt.timedelta(days=int(r.integers(0, 365 * 45)))
            body = f"130102{birth:%Y%m%d}{int(r.integers(1, 1000)):03d}"
            return body + id_check_char(body)
        return self._new(make)

    def ip(self) -> str:
        r = self.rng
        while True:
            value = (f"{int(r.integers(27, 223))}.{int(r.integers(0, 256))}.{int(r.integers(0, 256))}."
                     f"{int(r.integers(1, 255))}({_pick(r, _IP_PLACES)})")
            if value not in self.ips:
                self.ips.add(value)
                return value


# ─── communities (the statistics sheet, and where workers and residents live) ───────────────

@dataclass
class _Community:
    district: str
    street: str
    name: str
    households: int
    residents: int
    members: tuple[int, int, int, int, int]     # total, retired, laid-off, employed, floating
    org_type: int                               # 1 党委 2 党总支 3 党支部 4 未建立
    youth: int                                  # 1 已建立 2 未建立
    women: int
    funding: float


def _community_names(plan: DistrictPlan, rng: np.random.Generator, taken: set[str]) -> list[tuple[str, str]]:
    sizes = (plan.targets.street_sizes if plan.targets else
             tuple(1 + rng.multinomial(plan.n_communities - len(plan.streets),
                                       np.full(len(plan.streets), 1 / len(plan.streets)))))
    assert sum(sizes) == plan.n_communities and len(sizes) == len(plan.streets)
    pairs = list(plan.fixed_communities)
    taken.update(name for _, name in pairs)
    for street, size in zip(plan.streets, sizes):
        have = sum(1 for s, _ in pairs if s == street)
        for _ in range(int(size) - have):
            while (name := _pick(rng, _PLACE) + _pick(rng, _COMMUNITY_SUFFIX)) in taken:
                pass
            taken.add(name)
            pairs.append((street, name))
    order = {s: i for i, s in enumerate(plan.streets)}
    return sorted(pairs, key=lambda p: order[p[0]])


def _org_type(members: int, rng: np.random.Generator) -> int:
    """党委 from 100 members, 党总支 from 50, else 党支部; near a threshold some have not re-organised."""
    code = 1 if members >= 100 else 2 if members >= 50 else 3
    near = 100 <= members < 106 or 50 <= members < 55
    return code + 1 if near and rng.random() < 0.5 else code


def _communities(plan: DistrictPlan, rng: np.random.Generator, taken: set[str]) -> list[_Community]:
    pairs = _community_names(plan, rng, taken)
    fixed = {name for _, name in plan.fixed_communities}
    eligible = [i for i, (_, name) in enumerate(pairs) if name not in fixed]
    no_org = set(int(i) for i in rng.choice(eligible, size=plan.no_party_org, replace=False))
    out = []
    for i, (street, name) in enumerate(pairs):
        households = int(rng.integers(600, 4200))
        residents = int(households * rng.uniform(2.5, 3.1))
        if i in no_org:                       # a new community: one or two members, no organisation yet
            total = int(rng.integers(1, 3))
            members, org = (total, total, 0, 0, 0), 4
        else:
            total = int(residents * rng.uniform(0.010, 0.040))
            retired = round(total * rng.uniform(0.50, 0.70))
            laidoff = round(total * rng.uniform(0.05, 0.15))
            floating = round(total * rng.uniform(0.02, 0.08))
            employed = max(0, total - retired - laidoff - floating + int(rng.choice([0, 0, 0, -1, 1, 2])))
            members, org = (total, retired, laidoff, employed, floating), _org_type(total, rng)
        out.append(_Community(plan.name, street, name, households, residents, members, org,
                              youth=1 if org != 4 and rng.random() < 0.82 else 2,
                              women=1 if rng.random() < 0.9 else 2,
                              funding=round(float(rng.uniform(3, 18) + residents / 2500), 1)))
    return out


# ─── workers ────────────────────────────────────────────────────────────────────────────────

_BAND_LIMITS = {1: (22, 34), 2: (35, 55), 3: (56, 72)}
_BOUNDARY_AGES = (34, 35, 55, 56)


def _worker_posts(plan: DistrictPlan, communities: list[_Community], rng: np.random.Generator) -> list[dict]:
    """Secretary (unless vacant) and director (unless the secretary is 一肩挑) per community, then 委员 and others."""
    with_org = [c for c in communities if c.org_type != 4]
    t = plan.targets
    n_os = t.one_shoulder if t else int(rng.binomial(len(with_org), rng.uniform(0.4, 0.65)))
    if t:
        assert len(communities) - len(with_org) == t.vacant_secretaries
    flags = iter(rng.permutation([True] * n_os + [False] * (len(with_org) - n_os)))
    per_comm = []
    for c in communities:
        leaders = []
        if c.org_type != 4:
            os_ = bool(next(flags))
            leaders.append({"post": 1, "one_shoulder": 1 if os_ else 2})
        if not leaders or leaders[0]["one_shoulder"] == 2:
            leaders.append({"post": 2, "one_shoulder": SKIPPED})
        per_comm.append(leaders)
    base = np.array([len(ls) + 1 for ls in per_comm])
    extra = rng.multinomial(plan.n_workers - base.sum(), _normalised(rng.gamma(4.0, 1.0, len(communities))))
    people = []
    for c, leaders, n_rest in zip(communities, per_comm, 1 + extra):
        n_members = min(int(n_rest), int(rng.integers(1, 4)))
        staff = leaders + [{"post": 3, "one_shoulder": SKIPPED}] * n_members + \
            [{"post": 4, "one_shoulder": SKIPPED}] * (int(n_rest) - n_members)
        people += [dict(p, district=c.district, street=c.street, community=c.name) for p in staff]
    assert len(people) == plan.n_workers
    return people


def _assign_employment(people: list[dict], t: WorkerTargets | None, rng: np.random.Generator) -> None:
    if t is None:
        for p in people:
            p["employment"] = 1 if rng.random() < {1: 0.9, 2: 0.9, 3: 0.35, 4: 0.1}[p["post"]] else 2
        return
    for p in people:                                # report 004: every secretary and director is 专职
        p["employment"] = 1 if p["post"] in (1, 2) else 2
    members = [i for i, p in enumerate(people) if p["post"] == 3]
    rest = t.full_time - sum(p["employment"] == 1 for p in people)
    for i in rng.choice(members, size=rest, replace=False):
        people[int(i)]["employment"] = 1


def _ranked_split(scores: np.ndarray, counts) -> np.ndarray:
    """Category 1.. by ascending score, exactly ``counts[k]`` in category k+1."""
    out = np.empty(len(scores), dtype=int)
    order = np.argsort(scores, kind="stable")
    start = 0
    for k, n in enumerate(counts):
        out[order[start:start + n]] = k + 1
        start += n
    return out


def _assign_ages(people: list[dict], t: WorkerTargets | None, rng: np.random.Generator) -> None:
    n = len(people)
    bands = t.bands if t else tuple(rng.multinomial(n, (0.15, 0.58, 0.27)))
    shift = {1: -0.3, 2: -0.5, 3: -0.2, 4: 0.0}
    scores = np.array([rng.normal() + shift[p["post"]] - 0.3 * (p["employment"] == 1) for p in people])
    for p, band in zip(people, _ranked_split(scores, bands)):
        leader = p["post"] in (1, 2)
        if band == 1:
            age = 23 + round(11 * rng.beta(2.5, 1.5))
        elif band == 2:
            age = 35 + round(20 * (rng.beta(1.6, 2.2) if leader else rng.beta(2.2, 1.4)))
        else:
            age = min(72, 56 + round(rng.gamma(2.0, 3.0)))
        p["age"], p["_band"] = int(age), int(band)
    if t:
        _hit_mean_ages(people, t, rng)


def _hit_mean_ages(people: list[dict], t: WorkerTargets, rng: np.random.Generator) -> None:
    """Nudge ages by whole years inside their bands until the report's means come out exactly."""
    groups = {"os": [], "sec": [], "dir": [], "rest": []}
    for i, p in enumerate(people):
        key = ("os" if p["one_shoulder"] == 1 else "sec") if p["post"] == 1 else \
            "dir" if p["post"] == 2 else "rest"
        groups[key].append(i)
    n_os, n_sec, n_dir = len(groups["os"]), len(groups["os"]) + len(groups["sec"]), len(groups["dir"])
    os_sum = round(t.director_mean_age * n_os)
    sums = {"os": os_sum,
            "sec": round(t.secretary_mean_age * n_sec) - os_sum,
            "dir": round(t.director_mean_age * (n_os + n_dir)) - os_sum}
    sums["rest"] = round(t.mean_age * len(people)) - sum(sums.values())
    for key, target in sums.items():
        idx = groups[key]
        while (diff := target - sum(people[i]["age"] for i in idx)) != 0:
            step = 1 if diff > 0 else -1
            movable = [i for i in idx if _BAND_LIMITS[people[i]["_band"]][0] <= people[i]["age"] + step
                       <= _BAND_LIMITS[people[i]["_band"]][1]]
            if not movable:
                raise RuntimeError(f"cannot reach the mean age of group {key}")
            people[int(rng.choice(movable))]["age"] += step


def _assign_edu(people: list[dict], t: WorkerTargets | None, rng: np.random.Generator) -> None:
    """Leaders 大专 or above; otherwise the older, the less schooled; exact counts per level."""
    n = len(people)
    counts = list(t.edu if t else rng.multinomial(n, (0.14, 0.24, 0.40, 0.19, 0.03)))
    leaders = [i for i, p in enumerate(people) if p["post"] in (1, 2)]
    while sum(counts[2:]) < len(leaders):        # small districts: enough places for the leaders
        k = 1 if counts[1] else 0
        counts[k] -= 1
        counts[2] += 1
    ages = np.array([p["age"] for p in people], dtype=float)
    young = (ages - ages.mean()) / ages.std()
    ft = np.array([p["employment"] == 1 for p in people])
    high_score = young + 0.8 * rng.normal(size=n) - 0.8 * ft
    high_score[leaders] -= 100.0
    n_high = sum(counts[2:])
    high = _ranked_split(high_score, (n_high, n - n_high)) == 1
    level = np.zeros(n, dtype=int)
    hi_idx, lo_idx = np.flatnonzero(high), np.flatnonzero(~high)
    within = young + 0.9 * rng.normal(size=n) - 0.4 * ft
    level[hi_idx] = 6 - _ranked_split(within[hi_idx], (counts[4], counts[3], counts[2]))  # 研究生 youngest
    level[lo_idx] = 3 - _ranked_split(within[lo_idx], (counts[1], counts[0]))             # 高中/中专 younger
    for p, e in zip(people, level):
        p["edu"] = int(e)


def _worker_party(p: dict, rng: np.random.Generator) -> int:
    if p["post"] == 1:
        return 1
    if p["post"] == 2:
        return 1 if rng.random() < 0.85 else 5
    young = p["age"] <= 28
    p_member = 0.55 if p["post"] == 3 else 0.3
    probs = [p_member, 0.05, 0.3 if young else 0.0, 0.01]
    return _pick(rng, [1, 2, 3, 4, 5], p=probs + [1 - sum(probs)])


_RECRUIT_P = {  # 公开招聘, 机关下派, 原有留用, 复退军人安置, 选举产生
    "secretary": (0.25, 0.20, 0.05, 0.05, 0.45),
    "full_time": (0.65, 0.10, 0.10, 0.10, 0.05),
    "part_time": (0.20, 0.02, 0.53, 0.05, 0.20),
}
_WORKER_SAT = {"sat_pay": -0.6, "sat_workload": -0.5, "sat_training": 0.1, "sat_promotion": -0.6,
               "sat_recognition": 0.5}


# Questions added to a questionnaire after the sample was first published, per instrument. They are
# answered from a second random stream (``later``), and left out of the draws that plant mess and
# vary headers, so adding one leaves every earlier answer, header and file name as it was.
_LATER_ITEMS = {"worker": ("assessor",)}


def _later_answers(people: list[dict], later: np.random.Generator) -> None:
    """社区工作评价主体, the residents' question asked of workers too (seed 002 篇3 compares them):
    workers name 居民代表 somewhat more often than residents do (0.5 in ``_resident``)."""
    for p in people:
        p["assessor"] = _pick(later, [1, 2, 3, 4], p=(0.58, 0.17, 0.13, 0.12))


def _worker_details(p: dict, mood: float, rng: np.random.Generator) -> dict:
    """Everything but district, community, post, employment, age and education."""
    ft, leader = p["employment"] == 1, p["post"] in (1, 2)
    p["gender"] = 2 if rng.random() < (0.55 if leader else 0.72) else 1
    p["party"] = _worker_party(p, rng)
    kind = "secretary" if p["post"] == 1 else "full_time" if ft else "part_time"
    p["recruit"] = _pick(rng, [1, 2, 3, 4, 5], p=_RECRUIT_P[kind])
    p["tenure"] = int(min(p["age"] - 18, 50, rng.gamma(2.0, 2.0 + 0.12 * (p["age"] - 22))))
    if rng.random() < (0.08 if ft else 0.22):
        p["training"] = [5]
    else:
        chosen = [k for k, q in zip((1, 2, 3, 4), (0.45 if ft else 0.2, 0.7, 0.55, 0.15 if ft else 0.05))
                  if rng.random() < q]
        p["training"] = chosen or [2]
    person = rng.normal(0, 0.6) + 0.5 * mood
    latents = []
    for var, mu in _WORKER_SAT.items():
        mu += {"sat_pay": 0.5 if ft else -0.4, "sat_promotion": 0.2 if ft else -0.2}.get(var, 0.0)
        latent = mu + person + rng.normal(0, 0.8)
        p[var] = _ordinal(latent)
        latents.append(latent)
    p_stay = 1 / (1 + np.exp(-(0.9 + 1.2 * float(np.mean(latents)))))
    p["stay"] = 1 if rng.random() < p_stay else (2 if rng.random() < 0.6 else 3)
    return p


def _workers(plan: DistrictPlan, communities: list[_Community], ids: _Identities,
             rng: np.random.Generator) -> list[dict]:
    people = _worker_posts(plan, communities, rng)
    _assign_employment(people, plan.targets, rng)
    _assign_ages(people, plan.targets, rng)
    _assign_edu(people, plan.targets, rng)
    for p in people:
        _worker_details(p, plan.mood, rng)
    order = rng.permutation(len(people))      # respondents answer in no particular order
    return [_with_identity(people[int(i)], ids) for i in order]


def _with_identity(p: dict, ids: _Identities) -> dict:
    p["name"], p["phone"] = ids.name(), ids.phone()
    return p


def _speeding_worker(plan: DistrictPlan, communities: list[_Community], ids: _Identities,
                     rng: np.random.Generator) -> dict:
    """An extra part-time worker who clicked through; answers well-formed, satisfaction straight-lined."""
    c = _pick(rng, communities)
    band = _pick(rng, [1, 2, 3], p=(0.2, 0.55, 0.25))
    lo, hi = _BAND_LIMITS[band]
    age = int(rng.integers(lo + 1, hi))                 # never on a band boundary
    p = {"district": c.district, "street": c.street, "community": c.name, "post": 4,
         "one_shoulder": SKIPPED, "employment": 2, "age": age, "_band": band,
         "edu": int(_pick(rng, [1, 2, 3], p=(0.3, 0.4, 0.3)))}
    _worker_details(p, plan.mood, rng)
    _straight_line(p, list(_WORKER_SAT), rng)
    return _with_identity(p, ids)


def _straight_line(p: dict, sat_vars: list[str], rng: np.random.Generator) -> None:
    if rng.random() < 0.7:
        value = p[sat_vars[0]]
        for var in sat_vars:
            p[var] = value


# ─── residents ──────────────────────────────────────────────────────────────────────────────

_RESIDENT_SAT = {"sat_service": 0.2, "sat_party": -0.35, "sat_environment": 0.1, "sat_safety": 0.55,
                 "sat_convenience": 0.15, "sat_digital": -0.5}


def _resident(plan: DistrictPlan, communities: list[_Community], item_effects: dict[str, float],
              rng: np.random.Generator) -> dict:
    weights = _normalised(np.array([c.residents for c in communities], dtype=float))
    c = communities[int(rng.choice(len(communities), p=weights))]
    age = int(16 + round(74 * rng.beta(2.2, 2.3)))
    p = {"district": c.district, "street": c.street, "community": c.name, "phone": None,
         "gender": 2 if rng.random() < 0.56 else 1, "age": age}
    p_member = 0.12 + 0.2 * (age >= 55)
    young = 0.4 if age <= 28 else 0.0
    probs = [p_member, 0.01, young, 0.005]
    p["party"] = _pick(rng, [1, 2, 3, 4, 5], p=probs + [1 - sum(probs)])
    member = p["party"] in (1, 2)
    if not member:
        p["member_kind"] = SKIPPED
    elif age >= 60:
        p["member_kind"] = _pick(rng, [1, 2, 3, 4], p=(0.05, 0.88, 0.02, 0.05))
    elif age >= 50:
        p["member_kind"] = _pick(rng, [1, 2, 3, 4], p=(0.65, 0.15, 0.12, 0.08))
    else:
        p["member_kind"] = _pick(rng, [1, 2, 3, 4], p=(0.78, 0.0, 0.14, 0.08))
    aware = -0.25 + 0.6 * member + 0.3 * plan.mood + rng.normal()
    p["awareness"] = 1 + int(np.searchsorted((0.0, 1.0, 1.8), aware))
    p["willing"] = _pick(rng, [1, 2, 3, 4], p=(0.55, 0.1, 0.15, 0.2) if member else (0.3, 0.2, 0.22, 0.28))
    person = rng.normal(0, 0.6) + plan.mood
    latents = []
    for var, mu in _RESIDENT_SAT.items():
        latent = mu + item_effects[var] + person + rng.normal(0, 0.8)
        p[var] = _ordinal(latent)
        latents.append(latent)
    p["sat_overall"] = _ordinal(float(np.mean(latents)) + rng.normal(0, 0.4))
    p["assessor"] = _pick(rng, [1, 2, 3, 4], p=(0.5, 0.15, 0.12, 0.23))
    if rng.random() < 0.18:
        p["services"] = [6]
    else:
        chosen = [k for k, q in zip((1, 2, 3, 4, 5), (0.5, 0.35 if age >= 60 else 0.1, 0.35, 0.1, 0.08))
                  if rng.random() < q]
        p["services"] = chosen or [1]
    p["suggestion"] = _pick(rng, _SUGGESTIONS) if rng.random() < 0.12 else None
    return p


def _residents(plan: DistrictPlan, communities: list[_Community], n: int, ids: _Identities,
               rng: np.random.Generator) -> list[dict]:
    effects = {var: float(rng.normal(0, 0.15)) for var in _RESIDENT_SAT}
    people = [_resident(plan, communities, effects, rng) for _ in range(n)]
    for p in people:
        if rng.random() < 0.3:
            p["phone"] = ids.phone()
    return people


# ─── rendering answers as 问卷星 prints them ─────────────────────────────────────────────────

def _load_codebooks(codebook_dir: Path) -> dict[str, dict]:
    books = {}
    for instrument in INSTRUMENTS:
        path = Path(codebook_dir) / f"{instrument}.yaml"
        if not path.is_file():
            raise SurveyError("找不到编码手册。", file=str(path), fix="示例数据按 config/codebooks/ 中的三份编码手册生成。")
        books[instrument] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return books


def _labels(book: dict, var: dict) -> dict[int, str]:
    if "scale" in var:
        return book["scales"][var["scale"]]["values"]
    return var.get("values", {})


def _render(book: dict, var: dict, value):
    """The canonical cell for one answer: option text, ┋-joined options, a number, or a missing mark."""
    if value == SKIPPED:
        return SKIPPED
    if value is None:
        return EMPTY
    kind = var["type"]
    if kind == "single":
        return _labels(book, var)[value]
    if kind == "multi":
        labels = _labels(book, var)
        return MULTI_SEP.join(labels[v] for v in value)
    if kind in ("age", "number"):
        return int(value)
    return str(value)


@dataclass
class _Row:
    answers: dict                                   # codes, as generated
    cells: dict                                     # what the file shows, per variable
    marks: list[str] = field(default_factory=list)  # kinds of mess planted in this row
    touched: set[str] = field(default_factory=set)
    speeder: bool = False
    protected: bool = False                         # original of a planted duplicate: no special mess

    def set(self, var: str, value, kind: str) -> None:
        self.cells[var] = value
        self.touched.add(var)
        self.marks.append(kind)


def _rows(book: dict, people: list[dict]) -> list[_Row]:
    variables = book["variables"]
    for var in variables:
        if any(var["name"] not in p for p in people):
            raise SurveyError(f"示例数据生成器不认识变量 {var['name']}。", variable=var["name"],
                              fix="在 analysis/synth.py 中为它写生成规则，或从编码手册中删去它。")
    return [_Row(answers=p, cells={v["name"]: _render(book, v, p[v["name"]]) for v in variables})
            for p in people]


def _ensure_distinct(rows: list[_Row], book: dict) -> None:
    """No two respondents give identical answers (only the planted duplicates may): a resident who
    would repeat another is made a year older; workers (whose ages are fixed by the targets) never collide."""
    keys = [v["name"] for v in book["variables"] if not v.get("pii") and not v.get("private")]
    age_var = next(v for v in book["variables"] if v["type"] == "age")
    seen: set[tuple] = set()
    for row in rows:
        while (key := tuple(str(row.answers[k]) for k in keys)) in seen:
            if book["instrument"] != "resident":
                raise RuntimeError("two generated workers gave identical answers")
            row.answers["age"] += 1 if row.answers["age"] < age_var["range"][1] - 1 else -1
            row.cells["age"] = row.answers["age"]
        seen.add(key)


# ─── the mess ───────────────────────────────────────────────────────────────────────────────

_SAT_VARIANTS = {4: (("比较满意", None), ("较满意", "sat_variant"), ("满意", "sat_variant"),
                     ("较为满意", "sat_variant"), ("滿意", "traditional"), ("比較滿意", "traditional")),
                 5: (("非常满意", None), ("很满意", "sat_variant"), ("非常滿意", "traditional"))}
_SAT_VARIANT_P = {4: (0.55, 0.14, 0.14, 0.1, 0.035, 0.035), 5: (0.85, 0.12, 0.03)}
_SPACED = ("  {} ", " {}", "{} ", "{}\u3000")


def _plant_common(rows: list[_Row], book: dict, rng: np.random.Generator) -> None:
    """Mess any district may have: variants, traditional characters, blanks, age formats, spaces."""
    sat_vars = [v["name"] for v in book["variables"] if v.get("scale") == "sat5"]
    later = _LATER_ITEMS.get(book["instrument"], ())
    singles = [v["name"] for v in book["variables"] if v["type"] == "single" and v["name"] not in later]
    worker = book["instrument"] == "worker"
    for row in rows:
        for var in sat_vars:
            code = row.answers[var]
            if rng.random() < 0.025:
                row.answers[var] = None
                row.set(var, EMPTY, "sat_blank")
            elif code in _SAT_VARIANTS:
                text, kind = _pick(rng, _SAT_VARIANTS[code], p=_SAT_VARIANT_P[code])
                if kind:
                    row.set(var, text, kind)
        g = row.answers["gender"]
        if rng.random() < (0.05 if g == 1 else 0.02):
            row.set("gender", "男性" if g == 1 else "女性", "gender_variant")
        party = row.answers["party"]
        if party in (1, 5) and rng.random() < 0.04:
            row.set("party", "中共黨員" if party == 1 else "群眾", "traditional")
        if worker and row.answers["edu"] in (2, 4) and rng.random() < (0.3 if row.answers["edu"] == 2 else 0.1):
            row.set("edu", "中专" if row.answers["edu"] == 2 else "大本", "edu_variant")
        fmt = _pick(rng, ("plain", "suffix", "fullwidth", "fullwidth_suffix"), p=(0.78, 0.12, 0.05, 0.05))
        age = str(row.answers["age"])
        if fmt != "plain":
            written = {"suffix": age + "岁", "fullwidth": _fullwidth(age), "fullwidth_suffix": _fullwidth(age) + "岁"}
            row.set("age", written[fmt], f"age_{fmt}")
        if worker and rng.random() < 0.03:
            row.set("tenure", _fullwidth(str(row.answers["tenure"])) + ("年" if rng.random() < 0.5 else ""),
                    "fullwidth_digits")
        for var in singles:
            if var not in row.touched and row.cells[var] not in (EMPTY, SKIPPED) and rng.random() < 0.012:
                row.set(var, _pick(rng, _SPACED).format(row.cells[var]), "stray_space")
    if worker:
        _plant_birth_years(rows, int(rng.integers(3, 6)), int(str(book["survey_date"])[:4]), rng)


def _plant_birth_years(rows: list[_Row], n: int, year: int, rng: np.random.Generator) -> None:
    """A few workers give the year they were born; never on a band boundary, so the band is certain."""
    eligible = [r for r in rows if "age" not in r.touched and r.answers["age"] not in _BOUNDARY_AGES]
    for i in rng.choice(len(eligible), size=n, replace=False):
        row = eligible[int(i)]
        row.set("age", f"{year - row.answers['age']}年", "age_birth_year")


def _plant_special(rows: list[_Row], special: dict, rng: np.random.Generator) -> None:
    """Out-of-range ages, unmappable answers, full-width letters: in valid rows only, one per row."""
    free = [r for r in rows if not r.speeder and not r.protected]
    order = iter(rng.permutation(len(free)))

    def next_row(var: str) -> _Row:
        while var in (row := free[int(next(order))]).touched or row.cells[var] in (EMPTY, SKIPPED):
            pass
        return row
    for text in special.get("age_out_of_range", ()):
        next_row("age").set("age", text, "age_out_of_range")
    for var, text in special.get("unmappable", ()):
        next_row(var).set(var, text, "unmappable")
    for _ in range(special.get("fullwidth_letter", 0)):
        row = next_row("gender")
        row.set("gender", "Ｍ" if row.answers["gender"] == 1 else "Ｆ", "fullwidth_letter")


def _plant_suggestion_pii(rows: list[_Row], kinds: tuple[str, ...], workers: list[dict],
                          ids: _Identities, rng: np.random.Generator) -> None:
    row = _pick(rng, [r for r in rows if not r.speeder and not r.protected])
    if kinds == ("phone",):
        text = f"楼道灯坏了两个月没人修，希望尽快处理，有事可以打我电话{ids.phone()}。"
    elif kinds == ("name", "id"):
        text = f"我叫{ids.name()}，身份证号{ids.id_number()}，申请低保的事情一直没有答复。"
    else:
        secretary = next(w for w in workers if w["post"] == 1)
        text = f"{secretary['name']}书记工作很负责，经常入户走访，希望给予表扬。"
    row.answers["suggestion"] = text
    row.set("suggestion", text, "suggestion_pii")


def _plant_phones_as_pii(rows: list[_Row]) -> None:
    for row in rows:
        if row.answers.get("phone"):
            row.marks.append("phone_given")


# ─── 问卷星 layout: submissions in time order, duplicates, the header ─────────────────────────

def _durations(rows: list[_Row], median: float, rng: np.random.Generator) -> list[int]:
    out = []
    for row in rows:
        if row.speeder:
            out.append(int(rng.integers(8, 26)))
        else:
            out.append(int(np.clip(round(median * np.exp(rng.normal(0, 0.45))), 90, 900)))
    return out


def _timestamps(n: int, year: int, rng: np.random.Generator) -> list[dt.datetime]:
    """Increasing submission times from the 1st to the 14th of September, at least 3 minutes apart."""
    start, end = dt.datetime(year, 9, 1, 8, 0, 0), dt.datetime(year, 9, 14, 21, 0, 0)
    spare = (end - start).total_seconds() - 180 * (n + 1)
    gaps = 180 + np.floor(_normalised(rng.exponential(size=n + 1)) * spare)
    offsets = np.cumsum(gaps)[:n]
    return [start + dt.timedelta(seconds=int(s)) for s in offsets]


def _submissions(rows: list[_Row], originals: list[int], book: dict, year: int, ids: _Identities,
                 rng: np.random.Generator) -> list[list]:
    """Rows in submission order with the six wjx columns; each planted duplicate a minute after its original."""
    median = 260.0 if book["instrument"] == "worker" else 200.0
    durations = _durations(rows, median, rng)
    order = [int(i) for i in rng.permutation(len(rows))]
    times = _timestamps(len(rows), year, rng)
    variables = [v["name"] for v in book["variables"]]
    out = []
    for t, i in zip(times, order):
        source = _pick(rng, ("手机提交", "微信", "链接"), p=(0.55, 0.35, 0.10))
        detail = "N/A" if source == "微信" else "直接访问"
        meta = [t, f"{durations[i]}秒", source, detail, ids.ip()]
        cells = [rows[i].cells[v] for v in variables]
        out.append(meta + cells)
        if i in originals:
            out.append([t + dt.timedelta(minutes=1)] + meta[1:] + cells)
    return [[k, f"{row[0]:%Y/%m/%d %H:%M:%S}"] + row[1:] for k, row in enumerate(out, start=1)]


def _headers(book: dict, rng: np.random.Generator) -> list[str]:
    """``k、question``; two or three of them with a trailing space or ``：`` as real downloads have."""
    questions = [v["question"] for v in book["variables"]]
    earlier = sum(v["name"] not in _LATER_ITEMS.get(book["instrument"], ()) for v in book["variables"])
    odd = set(int(i) for i in rng.choice(earlier, size=int(rng.integers(2, 4)), replace=False))
    return list(META_COLUMNS) + [f"{k}、{q}" + (_pick(rng, (" ", "：")) if k - 1 in odd else "")
                                 for k, q in enumerate(questions, start=1)]


def _wjx_name(district: str, book: dict, n: int, rng: np.random.Generator, suffix: str) -> str:
    return f"{int(rng.integers(200_000_000, 330_000_000))}_按文本_{district}{book['title']}_{n}_{n}.{suffix}"


@dataclass
class _Export:
    name: str
    header: list[str]
    rows: list[list]
    csv: bool
    outcome: FileOutcome


def _export(plan: DistrictPlan, instrument: str, book: dict, people: list[dict], n_speeders: int,
            workers: list[dict], ids: _Identities, year: int, rng: np.random.Generator) -> _Export:
    rows = _rows(book, people)
    _ensure_distinct(rows, book)
    for row in rows[len(rows) - n_speeders:]:
        row.speeder = True
    n_dups = int(rng.integers(2, 5))
    originals = [int(i) for i in rng.choice(len(rows) - n_speeders, size=n_dups, replace=False)]
    for i in originals:
        rows[i].protected = True
    _plant_common(rows, book, rng)
    _plant_special(rows, SPECIAL_MESS.get((plan.name, instrument), {}), rng)
    if instrument == "resident":
        if plan.name in PII_SUGGESTIONS:
            _plant_suggestion_pii(rows, PII_SUGGESTIONS[plan.name], workers, ids, rng)
        _plant_phones_as_pii(rows)
    planted: dict[str, int] = {}
    for row in rows + [rows[i] for i in originals]:          # duplicates repeat their original's cells
        for kind in row.marks:
            planted[kind] = planted.get(kind, 0) + 1
    table = _submissions(rows, originals, book, year, ids, rng)
    csv_ = instrument == "resident" and plan.resident_csv
    name = _wjx_name(plan.name, book, len(table), rng, "csv" if csv_ else "xlsx")
    outcome = FileOutcome(plan.name, instrument, name, received=len(table), duplicates=n_dups,
                          speeders=n_speeders, valid=len(table) - n_dups - n_speeders,
                          planted=dict(sorted(planted.items())))
    return _Export(name, _headers(book, rng), table, csv_, outcome)


# ─── writers ────────────────────────────────────────────────────────────────────────────────

def _normalised_zip(data: bytes) -> bytes:
    """The same .xlsx with fixed timestamps: in docProps/core.xml and on every zip entry."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                for tag in ("created", "modified"):
                    text = re.sub(rf"(<dcterms:{tag}[^>]*>)[^<]*(</dcterms:{tag}>)", rf"\g<1>{stamp}\g<2>", text)
                content = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 0
            entry.external_attr = 0
            dst.writestr(entry, content)
    return buf.getvalue()


def _write_file(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
        tmp.chmod(0o644)                        # an ordinary data file, not mkstemp's private 0600


def _save_workbook(wb: Workbook, path: Path) -> None:
    wb.properties.created = wb.properties.modified = FIXED_TIME
    wb.properties.creator = wb.properties.lastModifiedBy = "analysis.synth"   # as the bundled files say
    buf = io.BytesIO()
    wb.save(buf)
    _write_file(path, _normalised_zip(buf.getvalue()))


def _write_export(export: _Export, folder: Path) -> None:
    path = folder / export.name
    if export.csv:                                  # as Excel on Chinese Windows saves it
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(export.header)
        writer.writerows([[str(c) for c in row] for row in export.rows])
        _write_file(path, text.getvalue().encode("gb18030"))
        return
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(export.header)
    for row in export.rows:
        ws.append(row)
    _save_workbook(wb, path)


_COMMUNITY_NUMBERS = ("households", "residents", "members_total", "members_retired", "members_laidoff",
                      "members_employed", "members_floating", "funding")
_YES_NO = {1: (("已建立", "是", "有"), (0.6, 0.25, 0.15)), 2: (("未建立", "否", "无"), (0.5, 0.3, 0.2))}


def _community_values(c: _Community, book: dict, rng: np.random.Generator) -> dict:
    org = {v["name"]: v for v in book["variables"]}["org_type"]["values"]
    total, retired, laidoff, employed, floating = c.members
    return {"district": c.district, "street": c.street, "community": c.name, "households": c.households,
            "residents": c.residents, "members_total": total, "members_retired": retired,
            "members_laidoff": laidoff, "members_employed": employed, "members_floating": floating,
            "org_type": org[c.org_type], "youth_league": _pick(rng, *_YES_NO[c.youth]),
            "women_org": _pick(rng, *_YES_NO[c.women]), "funding": c.funding}


def _write_community_sheet(communities: list[_Community], book: dict, wave: str, folder: Path,
                           rng: np.random.Generator) -> dict[str, dict[str, int]]:
    """The hand-typed sheet; returns the planted mess per district."""
    variables = [v["name"] for v in book["variables"]]
    table = [_community_values(c, book, rng) for c in communities]
    planted = {c.district: {} for c in communities}
    as_text, blank = set(), set()
    cells = [(r, v) for r in range(len(table)) for v in _COMMUNITY_NUMBERS]
    for k in rng.choice(len(cells), size=7, replace=False):
        (as_text if len(as_text) < 5 else blank).add(cells[int(k)])
    wb = Workbook()
    ws = wb.active
    ws.title = "统计表"
    ncol = len(variables)
    ws.cell(row=1, column=1, value=f"{wave}年社区组织基本情况统计表（示例数据）")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    for j, var in enumerate(book["variables"], start=1):
        ws.cell(row=2, column=j, value=var["question"]).font = Font(bold=True)
    for r, values in enumerate(table):
        district = values["district"]
        for j, var in enumerate(variables, start=1):
            cell = ws.cell(row=3 + r, column=j)
            if (r, var) in blank:
                planted[district]["blank_cell"] = planted[district].get("blank_cell", 0) + 1
                continue
            cell.value = values[var]
            if (r, var) in as_text:               # typed as '1234: text that looks like a number
                cell.value, cell.quotePrefix = str(values[var]), True
                planted[district]["number_as_text"] = planted[district].get("number_as_text", 0) + 1
            if var in ("youth_league", "women_org") and values[var] not in ("已建立", "未建立"):
                planted[district]["yes_no_variant"] = planted[district].get("yes_no_variant", 0) + 1
    ws.cell(row=3 + len(table) + 1, column=1, value=COMMUNITY_NOTE)
    for j, width in enumerate((10, 14, 16) + (12,) * (ncol - 3), start=1):
        ws.column_dimensions[ws.cell(row=2, column=j).column_letter].width = width
    _save_workbook(wb, folder / COMMUNITY_FILE)
    return planted


# ─── the entry point ────────────────────────────────────────────────────────────────────────

def _figures(name: str, workers: list[dict]) -> dict[str, float]:
    ages = np.array([w["age"] for w in workers], dtype=float)
    sec = [w for w in workers if w["post"] == 1]
    directors = [w for w in workers if w["post"] == 2 or w["one_shoulder"] == 1]
    return {f"{name}.worker.mean_age": float(ages.mean()),
            f"{name}.worker.secretary_mean_age": float(np.mean([w["age"] for w in sec])),
            f"{name}.worker.director_mean_age": float(np.mean([w["age"] for w in directors])),
            f"{name}.worker.director_only_mean_age":
                float(np.mean([w["age"] for w in workers if w["post"] == 2])),
            f"{name}.worker.one_shoulder_share":
                float(np.mean([w["one_shoulder"] == 1 for w in sec]))}


WAVE_INFO = "wave.yaml"


def _write_wave_info(folder: Path, wave: str) -> None:
    """The wave's description beside the exports: it marks every report built from them as 示例数据."""
    text = (f"# 本批次数据的说明，由 survey make-sample 生成。\n"
            f"title: {wave}年社区党建与社区工作者队伍调研\n"
            f"synthetic: true        # 合成的示例数据：每份报告都会注明“示例数据”\n"
            f"questionnaires: [worker, resident, community]   # 报告中各问卷的先后\n"
            f"note: 由 analysis.synth 按固定随机种子生成，不代表任何真实区县的情况。\n")
    (folder / WAVE_INFO).write_text(text, encoding="utf-8")


def make_sample(out_dir: Path, wave: str = DEFAULT_WAVE, seed: int = DEFAULT_SEED,
                codebook_dir: Path = CODEBOOK_DIR) -> SampleManifest:
    """Write the sample exports of every district into ``out_dir / wave`` and say what cleaning must give.

    Existing files of the same names are replaced; other files in the folder are left alone.
    """
    books = _load_codebooks(Path(codebook_dir))
    folder = Path(out_dir) / wave
    folder.mkdir(parents=True, exist_ok=True)
    year = int(wave) if str(wave).isdigit() else 2026
    rng = np.random.default_rng(seed)
    later = np.random.default_rng([seed, 1])        # answers to _LATER_ITEMS
    ids = _Identities(rng)
    taken: set[str] = set()
    outcomes: dict[tuple[str, str], FileOutcome] = {}
    figures: dict[str, float] = {}
    all_communities: list[_Community] = []
    for plan in DISTRICTS:
        communities = _communities(plan, rng, taken)
        all_communities += communities
        workers = _workers(plan, communities, ids, rng)
        figures.update(_figures(plan.name, workers))
        n_fast = int(rng.integers(3, 7))
        fast = [_speeding_worker(plan, communities, ids, rng) for _ in range(n_fast)]
        _later_answers(workers + fast, later)
        exports = [_export(plan, "worker", books["worker"], workers + fast, n_fast, workers, ids, year, rng)]
        n_fast = int(rng.integers(3, 7))
        residents = _residents(plan, communities, plan.n_residents + n_fast, ids, rng)
        for p in residents[plan.n_residents:]:
            _straight_line(p, list(_RESIDENT_SAT) + ["sat_overall"], rng)
        exports.append(_export(plan, "resident", books["resident"], residents, n_fast, workers, ids,
                               year, rng))
        for export in exports:
            _write_export(export, folder)
            outcomes[(plan.name, export.outcome.instrument)] = export.outcome
    planted = _write_community_sheet(all_communities, books["community"], wave, folder, rng)
    _write_wave_info(folder, wave)
    for plan in DISTRICTS:
        n = sum(c.district == plan.name for c in all_communities)
        outcomes[(plan.name, "community")] = FileOutcome(plan.name, "community", COMMUNITY_FILE, n, 0, 0, n,
                                                         dict(sorted(planted[plan.name].items())))
    return SampleManifest(wave, seed, folder, outcomes, set(ids.pii), set(ids.ips), figures)


if __name__ == "__main__":   # python -m analysis.sample.synth [out_dir]
    import sys

    from analysis.config import RAW_DIR

    m = make_sample(Path(sys.argv[1]) if len(sys.argv) > 1 else RAW_DIR)
    for (district, instrument), o in m.outcomes.items():
        print(f"{district} {instrument:9s} received {o.received:4d}  duplicates {o.duplicates}  "
              f"speeders {o.speeders}  valid {o.valid:4d}  {o.file}")
