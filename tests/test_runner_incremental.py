"""Incremental reports on the prepared sample: what counts as a changed input, what is skipped, and
that a report made in a reused kernel is byte-for-byte the report a fresh kernel makes."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis import clean, cli, config
from analysis.run import runner
from analysis.run.kernels import WarmKernel
from test_runner import tiny_notebook


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    processed, books = root / "processed", root / "codebooks"
    shutil.copytree(config.CODEBOOK_DIR, books)
    clean.prepare_wave(config.DEFAULT_WAVE, processed_dir=processed, codebook_dir=books)
    return {"processed": processed, "codebooks": books}


def load(p):
    return clean.load_wave(config.DEFAULT_WAVE, p["processed"], p["codebooks"])


def keys_of(p, notebook=config.DISTRICT_NOTEBOOK):
    data = load(p)
    return runner.input_keys(data, data.districts, notebook=notebook, codebook_dir=p["codebooks"])


def test_rows_key_is_the_hash_of_the_districts_rows(prepared):
    """Recomputed independently: sha256 over each table's signature and pandas row hashes, in
    table order, of the rows whose district column names the district."""
    data = load(prepared)
    keys = runner.input_keys(data, data.districts, codebook_dir=prepared["codebooks"])
    district = "裕华区"
    h = hashlib.sha256()
    tables = [(i, data.frames[i], data.codebooks[i].role("district")) for i in sorted(data.frames)]
    tables += [(n, getattr(data, n), "district") for n in ("exclusions", "changes", "flow")]
    for name, df, dvar in tables:
        sig = (name + "|" + "|".join(f"{c}:{df[c].dtype}" for c in df.columns)).encode()
        rows = df[df[dvar].astype("string") == district] if len(df) else df
        h.update(sig + pd.util.hash_pandas_object(rows, index=False).to_numpy().tobytes())
    assert keys[district]["rows"] == h.hexdigest()
    pooled = hashlib.sha256()
    for name, df, _ in tables[:len(data.frames)]:
        sig = (name + "|" + "|".join(f"{c}:{df[c].dtype}" for c in df.columns)).encode()
        pooled.update(sig + pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    assert keys[district]["pooled"] == pooled.hexdigest()
    assert keys[district]["codebooks"] == keys["桥东区"]["codebooks"]
    assert len({k["rows"] for k in keys.values()}) == len(keys)       # every district its own rows


def test_what_changes_a_key(prepared, tmp_path):
    before = keys_of(prepared)
    assert keys_of(prepared) == before                               # read again: same keys
    # one district's exclusions change: only that district's rows key
    copy = {"processed": tmp_path / "processed", "codebooks": tmp_path / "codebooks"}
    shutil.copytree(prepared["processed"], copy["processed"])
    shutil.copytree(prepared["codebooks"], copy["codebooks"])
    path = copy["processed"] / config.DEFAULT_WAVE / "exclusions.parquet"
    exc = pd.read_parquet(path)
    row = exc.index[exc["district"] == "桥西区"][0]
    exc.loc[row, "reason"] = exc.loc[row, "reason"] + "（改）"
    exc.to_parquet(path, index=False)
    after = keys_of(copy)
    assert [d for d in before if after[d]["rows"] != before[d]["rows"]] == ["桥西区"]
    assert all(after[d]["pooled"] == before[d]["pooled"] for d in before)
    # a valid response of one district changes: its rows, and everyone's pooled comparison
    path = copy["processed"] / config.DEFAULT_WAVE / "resident.parquet"
    res = pd.read_parquet(path)
    row = res.index[res["district"] == "长安区"][0]
    res.loc[row, "sat_overall"] = 1 if res.loc[row, "sat_overall"] != 1 else 2
    res.to_parquet(path, index=False)
    again = keys_of(copy)
    assert [d for d in before if again[d]["rows"] != after[d]["rows"]] == ["长安区"]
    assert all(again[d]["pooled"] != before[d]["pooled"] for d in before)
    # a codebook or the notebook changes: every district (the wave must be prepared again after a
    # codebook changes: load_wave says so, see test_cli; the key itself reads the codebooks' files)
    data = load(copy)
    book = copy["codebooks"] / "resident.yaml"
    book.write_text(book.read_text(encoding="utf-8") + "\n# 改了注释\n", encoding="utf-8")
    edited = runner.input_keys(data, data.districts, codebook_dir=copy["codebooks"])
    assert all(edited[d]["codebooks"] != again[d]["codebooks"] for d in before)
    book.write_text(book.read_text(encoding="utf-8").removesuffix("\n# 改了注释\n"), encoding="utf-8")
    nb = tiny_notebook(tmp_path / "other.ipynb")
    assert all(keys_of(copy, nb)[d]["notebook"] != again[d]["notebook"] for d in before)


def test_unchanged_districts_are_skipped_and_force_reruns(prepared, tmp_path):
    nb = tiny_notebook(tmp_path / "t.ipynb")
    reports = tmp_path / "reports"
    data = load(prepared)
    keys = runner.input_keys(data, data.districts, notebook=nb, codebook_dir=prepared["codebooks"])
    run = lambda **kw: {r.district: r for r in runner.run_all(  # noqa: E731
        data.districts, config.DEFAULT_WAVE, notebook=nb, processed_dir=prepared["processed"],
        codebook_dir=prepared["codebooks"], reports_dir=reports, jobs=2, show_progress=False,
        preload=("pathlib",), **kw)}
    first = run(keys=keys)
    assert all(r.ok and not r.skipped for r in first.values())
    wave = reports / config.DEFAULT_WAVE
    manifest = json.loads((wave / "桥东区" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"] == keys["桥东区"]
    second = run(keys=keys)
    assert all(r.ok and r.skipped for r in second.values())
    assert "跳过 5 个" in runner.summary_lines(list(second.values()))[-1]
    # a district whose report folder is gone, or whose inputs changed, runs again; the rest not
    shutil.rmtree(wave / "桥西区")
    changed = {**keys, "新华区": {**keys["新华区"], "rows": "0" * 64}}
    third = run(keys=changed)
    assert sorted(d for d, r in third.items() if not r.skipped) == ["新华区", "桥西区"]
    assert all(r.skipped for r in run(keys=changed).values())
    assert not any(r.skipped for r in run(keys=changed, force=True).values())


def test_warm_kernel_report_is_the_fresh_kernel_report(prepared, tmp_path):
    """The real district notebook: 桥西区 after another district in the same kernel gives the same
    bytes as in a kernel of its own (tables, stats, figures, HTML)."""
    kw = dict(wave=config.DEFAULT_WAVE, notebook=config.DISTRICT_NOTEBOOK, processed_dir=prepared["processed"],
              codebook_dir=prepared["codebooks"])
    fresh = runner.run_district("桥西区", reports_dir=tmp_path / "fresh", **kw)
    assert fresh.ok, fresh.error
    kernel = WarmKernel().start()
    try:
        assert runner.run_district("裕华区", reports_dir=tmp_path / "warm", kernel=kernel, **kw).ok
        warm = runner.run_district("桥西区", reports_dir=tmp_path / "warm", kernel=kernel, **kw)
    finally:
        kernel.shutdown()
    assert warm.ok, warm.error
    names = sorted(p.relative_to(fresh.folder).as_posix() for p in fresh.folder.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(warm.folder).as_posix() for p in warm.folder.rglob("*") if p.is_file())
    for name in names:
        if name != "report.ipynb":          # papermill records start/end times in the notebook
            assert (fresh.folder / name).read_bytes() == (warm.folder / name).read_bytes(), name
    counts = lambda f: [c.get("execution_count") for c in json.loads(  # noqa: E731
        (f / "report.ipynb").read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    assert counts(fresh.folder) == counts(warm.folder)


def test_cli_report_districts_skip_and_force(prepared, tmp_path, capsys):
    base = ["report", "--processed-dir", str(prepared["processed"]), "--codebooks", str(prepared["codebooks"]),
            "--reports-dir", str(tmp_path), "--quiet", "-j", "1"]
    assert cli.main(base + ["-d", "裕华区", "-d", "新华区"]) == 0
    out = capsys.readouterr().out
    assert "成功 2 个" in out
    assert sorted(p.name for p in (tmp_path / config.DEFAULT_WAVE).iterdir() if not p.name.startswith("_")) == \
        ["index.html", "新华区", "裕华区"]
    assert cli.main(base + ["-d", "裕华区"]) == 0
    assert "跳过 1 个" in capsys.readouterr().out
    assert cli.main(base + ["-d", "裕华区", "--force"]) == 0
    assert "成功 1 个" in capsys.readouterr().out
    assert cli.main(base + ["-d", "无此区"]) == 2
    assert "数据中没有区县：无此区" in capsys.readouterr().err
    assert cli.main(base + ["-d", "裕华区", "-j", "0"]) == 2
    assert "--jobs 至少为 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(base + ["-d", "裕华区", "--all"])


def test_a_change_to_the_package_source_makes_reports_stale(prepared, tmp_path):
    import analysis

    package = tmp_path / "analysis"
    shutil.copytree(Path(analysis.__file__).parent, package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    before = runner.source_hash(package)
    (package / "notes.txt").write_text("不是源代码", encoding="utf-8")
    assert runner.source_hash(package) == before
    stats_py = package / "stats" / "base.py"
    stats_py.write_text(stats_py.read_text(encoding="utf-8") + "\n# 一处改动\n", encoding="utf-8")
    assert runner.source_hash(package) != before
    version = keys_of(prepared)["桥东区"]["package"]
    assert version.endswith("+" + runner.source_hash(Path(analysis.__file__).parent))
