"""The bundled sample generator: deterministic, wjx-shaped, and 桥东区 exactly as seed report 004.

The figures are recomputed here from the written files with plain pandas and the obvious parsing,
independently of the generator's internals and of the project's cleaner.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from pathlib import Path

import openpyxl
import openpyxl.utils
import pandas as pd
import pytest
import yaml

from analysis import config
from analysis.sample import synth

DISTRICTS = ("桥东区", "桥西区", "长安区", "新华区", "裕华区")
META = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample_a")
    return synth.make_sample(out), out / config.DEFAULT_WAVE


@pytest.fixture(scope="module")
def codebooks():
    return {name: yaml.safe_load((config.CODEBOOK_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
            for name in ("worker", "resident", "community")}


def _hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _norm(cell) -> str:
    return unicodedata.normalize("NFKC", str(cell)).strip()


def _stem(header: str) -> str:
    return re.sub(r"^\d+、", "", header).strip().rstrip("：")


def _read(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path, encoding="gb18030", dtype=str, keep_default_na=False)
    return pd.read_excel(path, dtype=object, keep_default_na=False)


def _export(folder: Path, district: str, title: str) -> Path:
    (path,) = [p for p in folder.iterdir() if re.fullmatch(rf"\d{{9}}_按文本_{district}{title}_(\d+)_\1\.(xlsx|csv)", p.name)]
    return path


def _by_var(df: pd.DataFrame, book: dict) -> pd.DataFrame:
    """Question columns renamed to variable names (via the codebook's question text)."""
    names = {v["question"]: v["name"] for v in book["variables"]}
    return df.rename(columns=lambda h: names.get(_stem(h), h))


def _flags(df: pd.DataFrame, book: dict) -> tuple[pd.Series, pd.Series]:
    """(exact duplicate of an earlier row, speeder) by the codebook's quality rules."""
    questions = [c for c in df.columns if c not in META]
    dup = df.duplicated(subset=questions, keep="first")
    seconds = df["所用时间"].map(lambda s: int(str(s).removesuffix("秒")))
    rule = book["quality"]["speeder"]
    fast = (seconds < rule["min_seconds"]) | (seconds < rule["min_fraction_of_median"] * seconds.median())
    return dup, fast


def _age(cell) -> int:
    text = _norm(cell)
    if text.endswith("年"):
        return 2026 - int(text[:-1])
    return int(text.removesuffix("岁"))


def test_runs_are_byte_identical(sample, tmp_path):
    _, folder = sample
    synth.make_sample(tmp_path)
    first, second = _hashes(folder), _hashes(tmp_path / config.DEFAULT_WAVE)
    assert first == second
    assert len(first) == 12


def test_files_are_the_ten_exports_and_the_sheet(sample):
    manifest, folder = sample
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([*manifest.files, synth.WAVE_INFO])
    assert synth.COMMUNITY_FILE in names
    for district in DISTRICTS:
        assert _export(folder, district, "社区工作者问卷").suffix == ".xlsx"
        resident = _export(folder, district, "居民问卷")
        assert resident.suffix == (".csv" if district == "长安区" else ".xlsx")
    assert sum(p.stat().st_size for p in folder.iterdir()) < 2_000_000


def _check_report_004(folder: Path, book: dict) -> None:
    raw = _read(_export(folder, "桥东区", "社区工作者问卷"))
    dup, fast = _flags(raw, book)
    assert dup.sum() >= 2 and fast.sum() >= 3                # the extra rows are there ...
    df = _by_var(raw[~dup & ~fast], book)
    assert len(df) == 494                                    # ... and only they go
    ages = df["age"].map(_age)
    assert ages.between(18, 75).all()
    bands = Counter(1 if a <= 34 else 2 if a <= 55 else 3 for a in ages)
    assert (bands[1], bands[2], bands[3]) == (63, 309, 122)
    assert Counter(df["employment"].map(_norm)) == {"专职": 109, "兼职": 385}
    edu = df["edu"].map(_norm).map({"初中及以下": 1, "高中/中专": 2, "中专": 2, "大专": 3, "本科": 4,
                                    "大本": 4, "研究生": 5})
    assert edu.notna().all()
    assert ((edu <= 2).sum(), (edu >= 3).sum(), (edu == 4).sum()) == (186, 308, 65)
    assert round(ages.mean(), 1) == 48.8
    post, shoulder = df["post"].map(_norm), df["one_shoulder"].map(_norm)
    secretaries = post == "社区党组织书记"
    directors = (post == "社区居委会主任") | (shoulder == "是")
    assert round(ages[secretaries].mean(), 1) == 43.5
    assert round(ages[directors].mean(), 1) == 40.6
    assert round(ages[post == "社区居委会主任"].mean(), 1) == 40.6   # either way of counting directors
    assert round((shoulder[secretaries] == "是").mean() * 100) == 53
    assert (shoulder[~secretaries] == "(跳过)").all()
    assert (df.loc[secretaries | directors, "employment"].map(_norm) == "专职").all()
    assert not edu[secretaries | directors].isin([1, 2]).any()
    assert df["community"].nunique() == 67 and df["street"].nunique() == 10
    assert {"东风路街道", "华新路街道"} <= set(df["street"])
    assert {"元村社区", "东风路南社区", "华新路社区"} <= set(df["community"])
    assert sum(s.endswith("镇") for s in df["street"].unique()) == 1
    assert secretaries.sum() == 66                           # one community has no party organisation
    assert df.loc[secretaries, "community"].is_unique


def test_qiaodong_workers_reproduce_report_004(sample, codebooks):
    _check_report_004(sample[1], codebooks["worker"])


def test_report_004_holds_for_any_seed(sample, codebooks, tmp_path):
    synth.make_sample(tmp_path, seed=7)
    other = tmp_path / config.DEFAULT_WAVE
    exports = lambda folder: {n: h for n, h in _hashes(folder).items() if n != synth.WAVE_INFO}  # noqa: E731
    assert set(exports(other).values()).isdisjoint(exports(sample[1]).values())
    _check_report_004(other, codebooks["worker"])


def test_qiaodong_extra_rows_are_well_formed(sample, codebooks):
    _, folder = sample
    book = codebooks["worker"]
    raw = _read(_export(folder, "桥东区", "社区工作者问卷"))
    dup, fast = _flags(raw, book)
    extra = _by_var(raw[dup | fast], book)
    assert extra["age"].map(_age).between(18, 75).all()
    assert set(extra["employment"].map(_norm)) <= {"专职", "兼职"}


def test_wjx_layout(sample, codebooks):
    _, folder = sample
    for district in DISTRICTS:
        for instrument, title in (("worker", "社区工作者问卷"), ("resident", "居民问卷")):
            path = _export(folder, district, title)
            df = _read(path)
            book = codebooks[instrument]
            assert list(df.columns[:6]) == META
            questions = list(df.columns[6:])
            assert [_stem(h) for h in questions] == [v["question"] for v in book["variables"]]
            assert [h.split("、")[0] for h in questions] == [str(k) for k in range(1, len(questions) + 1)]
            assert 2 <= sum(h != h.rstrip(" ：") for h in questions) <= 3
            assert list(df["序号"].astype(int)) == list(range(1, len(df) + 1))
            times = pd.to_datetime(df["提交答卷时间"], format="%Y/%m/%d %H:%M:%S")
            assert times.is_monotonic_increasing
            assert times.min() >= pd.Timestamp("2026-09-01") and times.max() < pd.Timestamp("2026-09-15")
            assert df["所用时间"].str.fullmatch(r"\d+秒").all()
            assert set(df["来源"]) <= {"手机提交", "微信", "链接"}
            assert set(df["来源详情"]) <= {"直接访问", "N/A"}
            assert df["来自IP"].str.fullmatch(r"\d+\.\d+\.\d+\.\d+\([^()]+\)").all()
            expected_rows = int(re.search(r"_(\d+)_\d+\.\w+$", path.name).group(1))
            assert len(df) == expected_rows


def test_skip_logic_and_multiselect(sample, codebooks):
    _, folder = sample
    df = _by_var(_read(_export(folder, "桥西区", "居民问卷")), codebooks["resident"])
    party = df["party"].map(_norm)
    member = party.isin(["中共党员", "中共黨員", "中共预备党员"])
    assert (df.loc[~member, "member_kind"] == "(跳过)").all()
    assert (df.loc[member, "member_kind"] != "(跳过)").all()
    services = next(v for v in codebooks["resident"]["variables"] if v["name"] == "services")
    labels = set(services["values"].values())
    chosen = df["services"].str.split("┋").explode()
    assert set(chosen) <= labels and (df["services"].str.contains("┋")).any()


def test_duplicates_copy_an_earlier_row_a_minute_later(sample, codebooks):
    _, folder = sample
    raw = _read(_export(folder, "新华区", "居民问卷"))
    dup, _ = _flags(raw, codebooks["resident"])
    assert dup.any()
    questions = [c for c in raw.columns if c not in META]
    for i in raw.index[dup]:
        before = raw.loc[i - 1]
        assert list(before[questions]) == list(raw.loc[i, questions])
        assert before["来自IP"] == raw.loc[i, "来自IP"] and before["所用时间"] == raw.loc[i, "所用时间"]
        gap = pd.Timestamp(raw.loc[i, "提交答卷时间"]) - pd.Timestamp(before["提交答卷时间"])
        assert gap == pd.Timedelta(minutes=1)


def test_manifest_agrees_with_files(sample, codebooks):
    manifest, folder = sample
    for district in DISTRICTS:
        for instrument, title in (("worker", "社区工作者问卷"), ("resident", "居民问卷")):
            path = _export(folder, district, title)
            outcome = manifest.outcome(district, instrument)
            assert outcome.file == path.name
            df = _read(path)
            dup, fast = _flags(df, codebooks[instrument])
            assert (outcome.received, outcome.duplicates, outcome.speeders) == (len(df), dup.sum(), fast.sum())
            assert outcome.valid == len(df) - dup.sum() - fast.sum()
            assert not (dup & fast).any()
            assert 2 <= outcome.duplicates <= 4 and 3 <= outcome.speeders <= 6
            seconds = df.loc[fast, "所用时间"].map(lambda s: int(s[:-1]))
            assert seconds.between(8, 25).all()
            by_var = _by_var(df, codebooks[instrument])
            ages = by_var["age"].map(_norm)
            lo, hi = next(v["range"] for v in codebooks[instrument]["variables"] if v["name"] == "age")
            assert outcome.planted.get("age_birth_year", 0) == ages.str.endswith("年").sum()
            assert outcome.planted.get("age_out_of_range", 0) == (~ages.map(_age).between(lo, hi)).sum()
            sat = [v["name"] for v in codebooks[instrument]["variables"] if v.get("scale") == "sat5"]
            assert outcome.planted.get("sat_blank", 0) == (by_var[sat] == "(空)").to_numpy().sum()
            assert outcome.planted.get("unmappable", 0) == by_var[sat].isin(["还行", "凑合", "还可以"]).to_numpy().sum()
            if district == "桥东区":
                assert "age_out_of_range" not in outcome.planted and "unmappable" not in outcome.planted
    assert sum(o.planted.get("age_out_of_range", 0) for o in manifest.outcomes.values()) in (2, 3)


def test_gb18030_csv(sample):
    _, folder = sample
    path = _export(folder, "长安区", "居民问卷")
    data = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = data.decode("gb18030")
    assert text.startswith("序号,提交答卷时间,所用时间,来源,来源详情,来自IP,")
    assert "长安区" in text and "\r\n" in text


def test_label_variants_and_messy_ages_are_there(sample, codebooks):
    manifest, folder = sample
    raw = _by_var(_read(_export(folder, "桥东区", "社区工作者问卷")), codebooks["worker"])
    cells = set(raw.astype(str).to_numpy().ravel())
    assert {"较满意", "满意", "较为满意", "很满意", "比较满意", "男性", "大本", "中专"} <= cells
    assert cells & {"滿意", "比較滿意", "中共黨員", "群眾"}
    ages = raw["age"].astype(str)
    assert ages.str.fullmatch(r"\d+岁").any() and ages.str.fullmatch(r"[０-９]+岁?").any()
    spaced = raw.astype(str).apply(lambda c: c.str.strip() != c).to_numpy().sum()
    assert spaced == manifest.outcome("桥东区", "worker").planted["stray_space"] > 0
    planted = manifest.outcome("桥东区", "worker").planted
    assert planted["age_birth_year"] >= 3 and planted["stray_space"] > 0 and planted["traditional"] > 0


def test_planted_pii(sample, codebooks):
    manifest, folder = sample
    text = ""
    for path in sorted(folder.iterdir()):
        if path.suffix == ".csv":
            text += path.read_bytes().decode("gb18030")
        elif path.suffix == ".xlsx" and path.name != synth.COMMUNITY_FILE:
            text += _read(path).astype(str).to_csv()
    for value in manifest.planted_pii:
        assert value in text, value
    phones, ids = set(), set()
    for district in DISTRICTS:
        workers = _by_var(_read(_export(folder, district, "社区工作者问卷")), codebooks["worker"])
        assert set(workers["name"]) <= manifest.planted_pii
        assert workers["phone"].str.fullmatch(r"1[3-9]\d{9}").all()
        phones |= set(workers["phone"])
        residents = _by_var(_read(_export(folder, district, "居民问卷")), codebooks["resident"])
        given = residents["phone"][residents["phone"] != "(空)"]
        assert 0.2 < len(given) / len(residents) < 0.4
        phones |= set(given)
        for s in residents["suggestion"]:
            ids |= set(re.findall(r"\d{17}[\dX]", s))
            phones |= set(re.findall(r"(?<!\d)1[3-9]\d{9}(?!\d)", s))
    assert phones <= manifest.planted_pii
    assert ids and ids <= manifest.planted_pii
    for number in ids:                                       # ISO 7064 MOD 11-2, computed another way
        total = sum(int(d) * (2 ** (17 - k) % 11) for k, d in enumerate(number[:17]))
        check = (12 - total % 11) % 11
        assert number[17] == ("X" if check == 10 else str(check))
        assert number.startswith("130102")


def test_community_sheet(sample, codebooks):
    manifest, folder = sample
    wb = openpyxl.load_workbook(folder / synth.COMMUNITY_FILE)
    ws = wb.active
    questions = [v["question"] for v in codebooks["community"]["variables"]]
    assert ws["A1"].value == "2026年社区组织基本情况统计表（示例数据）"
    last = openpyxl.utils.get_column_letter(len(questions))
    assert [str(r) for r in ws.merged_cells.ranges] == [f"A1:{last}1"]
    assert [c.value for c in ws[2]] == questions
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3)]
    assert rows[-1][0] == synth.COMMUNITY_NOTE and all(v is None for v in rows[-2])
    data = rows[:-2]
    assert all(r[0] for r in data)
    per_district = Counter(r[0] for r in data)
    assert per_district["桥东区"] == 67
    for district in DISTRICTS:
        assert manifest.outcome(district, "community").valid == per_district[district]
        assert 8 <= per_district[district] <= 67
    numeric = [questions.index(v["question"]) + 1 for v in codebooks["community"]["variables"]
               if v["type"] == "number"]
    as_text = [ws.cell(row=r, column=j) for r in range(3, 3 + len(rows) - 2) for j in numeric
               if isinstance(ws.cell(row=r, column=j).value, str)]
    assert all(re.fullmatch(r"\d+(\.\d+)?", c.value) and c.quotePrefix for c in as_text)
    assert len(as_text) == sum(o.planted.get("number_as_text", 0) for o in manifest.outcomes.values()) > 0
    blanks = sum(v is None for r in data for v in r)
    assert blanks == sum(o.planted.get("blank_cell", 0) for o in manifest.outcomes.values()) > 0
    org = [r[10] for r in data]
    assert set(org) <= {"党委", "党总支", "党支部", "未建立"} and "未建立" in org
    assert {r[11] for r in data} >= {"是", "有", "已建立"}
    for r in data:
        total, retired, laidoff, employed, floating = r[5:10]
        if all(isinstance(x, int) for x in r[5:10]):
            assert abs(retired + laidoff + employed + floating - total) <= 2
            assert retired >= max(laidoff, employed, floating)


def test_bundled_sample_is_up_to_date(sample):
    """data/raw/<wave> holds exactly what make_sample writes: regenerate it with `make sample`."""
    _, folder = sample
    bundled = config.RAW_DIR / config.DEFAULT_WAVE
    assert _hashes(bundled) == _hashes(folder), "data/raw 中的示例数据与生成器不一致：运行 make sample 重新生成"
