"""Clean 1,000,000 synthetic resident responses from CSV and from Parquet; print rows per second,
peak memory, and the ratio to the floor (pandas reading the same file, no cleaning).

    .venv/bin/python benchmarks/clean_million.py            # 1,000,000 rows
    .venv/bin/python benchmarks/clean_million.py --rows 200000

Goal (issue 3), on a 2-core machine: the million cleaned in under 60 s and under 4 GB.
The responses are a 问卷星 按文本 export of the resident questionnaire with the mess real exports
carry (variants, full-width digits, traditional characters, "35岁", skipped and empty markers,
duplicates, speeders, unmapped answers) drawn with numpy, so making the file takes seconds.
Each measurement runs in a fresh process, so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CODEBOOKS = ROOT / "config" / "codebooks"


def make_frame(rows: int, seed: int = 1) -> pd.DataFrame:
    from analysis.spec import codebook

    book = codebook.load(CODEBOOKS / "resident.yaml")
    rng = np.random.default_rng(seed)
    districts = np.array([f"第{i:04d}区" for i in range(300)], dtype=object)
    cols: dict[str, np.ndarray] = {
        "序号": np.arange(1, rows + 1).astype(str).astype(object),
        "提交答卷时间": np.full(rows, "2026/09/03 12:00:00", dtype=object),
        "所用时间": np.char.add(rng.integers(20, 900, rows).astype(str), "秒").astype(object),
        "来源": np.full(rows, "微信", dtype=object),
        "来源详情": np.full(rows, "N/A", dtype=object),
        "来自IP": np.char.add(np.char.add("10.0.", rng.integers(0, 255, rows).astype(str)),
                             ".1(河北-石家庄)").astype(object),
    }
    for i, var in enumerate(book.variables.values(), 1):
        header = f"{i}、{var.question}"
        if var.role == "district":
            cols[header] = districts[rng.integers(0, len(districts), rows)]
        elif var.type == "text":
            pool = np.array([f"示例{j}" for j in range(50)] + ["(空)"], dtype=object)
            cols[header] = pool[rng.integers(0, len(pool), rows)]
        elif var.type in ("age", "number"):
            age = rng.integers(18, 85, rows)
            forms = np.array([age.astype(str), np.char.add(age.astype(str), "岁"),
                              (2026 - age).astype(str)], dtype=object)
            cols[header] = forms[rng.integers(0, 3, rows), np.arange(rows)]
        elif var.type == "single":
            labels = list(var.values.values())
            variants = labels + [f" {labels[0]} ", "較滿意" if var.scale else labels[-1], "(跳过)", "说不好"]
            p = np.r_[np.full(len(labels), 0.95 / len(labels)), [0.02, 0.01, 0.015, 0.005]]
            cols[header] = np.array(variants, dtype=object)[rng.choice(len(variants), rows, p=p / p.sum())]
        elif var.type == "multi":
            labels = list(var.values.values())
            combos = np.array(["┋".join(labels[j] for j in range(len(labels)) if m >> j & 1) or "(空)"
                               for m in range(2 ** len(labels))] + ["其他〖自己填的〗"], dtype=object)
            cols[header] = combos[rng.integers(0, len(combos), rows)]
    df = pd.DataFrame(cols)
    dup = rng.choice(rows, rows // 200, replace=False)               # 0.5% exact resubmissions
    df.iloc[dup[: len(dup) // 2], 6:] = df.iloc[dup[len(dup) // 2:], 6:].to_numpy()
    return df


def _clean(path: str, queue) -> None:
    from analysis import clean
    from analysis.read import ingest
    from analysis.spec import codebook

    _warm_imports()
    book = codebook.load(CODEBOOKS / "resident.yaml")
    t0 = time.perf_counter()
    table = ingest.read(Path(path), set(book.header_map()))
    t1 = time.perf_counter()
    result = clean.clean_table(table, book)
    t2 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
    queue.put({"read": t1 - t0, "clean": t2 - t1, "valid": len(result.valid),
               "excluded": len(result.exclusions), "changes": len(result.changes), "peak_gb": peak})


def _warm_imports() -> None:
    """Lazy imports (the Parquet engine, OpenCC's dictionaries) load before the clock starts, in both
    the floor and the cleaner, so neither pays for them inside its measurement."""
    import pyarrow.parquet  # noqa: F401

    from analysis.textnorm import canon
    canon("滿意")


def _floor(path: str, queue) -> None:
    _warm_imports()
    t0 = time.perf_counter()
    if path.endswith(".csv"):
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="gb18030")
    else:
        df = pd.read_parquet(path)
    t1 = time.perf_counter()
    queue.put({"read": t1 - t0, "rows": len(df),
               "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2})


def _in_child(target, path: str) -> dict:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=target, args=(path, q))
    p.start()
    while True:
        try:
            result = q.get(timeout=5)
            break
        except Exception:  # queue.Empty: still working, unless the child died
            if not p.is_alive():
                raise SystemExit(f"{target.__name__} failed on {path} (exit code {p.exitcode}); see above") from None
    p.join()
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        df = make_frame(args.rows)
        csv_path, pq_path = Path(tmp) / "居民问卷_按文本.csv", Path(tmp) / "居民问卷.parquet"
        df.to_csv(csv_path, index=False, encoding="gb18030")
        df.to_parquet(pq_path, index=False)
        del df
        print(f"made {args.rows:,} rows in {time.perf_counter() - t0:.1f} s "
              f"(CSV {csv_path.stat().st_size / 1e6:.0f} MB GB18030, Parquet {pq_path.stat().st_size / 1e6:.0f} MB)")
        for label, path in (("CSV", csv_path), ("Parquet", pq_path)):
            floor = _in_child(_floor, str(path))
            run = _in_child(_clean, str(path))
            total = run["read"] + run["clean"]
            print(f"{label:8s} read {run['read']:6.1f} s + clean {run['clean']:6.1f} s = {total:6.1f} s  "
                  f"{args.rows / total:10,.0f} rows/s  peak {run['peak_gb']:.2f} GB  "
                  f"valid {run['valid']:,} excluded {run['excluded']:,} changes {run['changes']:,}")
            print(f"{'':8s} floor (pandas read only) {floor['read']:6.1f} s, peak {floor['peak_gb']:.2f} GB; "
                  f"ratio clean/floor {total / floor['read']:.1f}×")
            ok = total < 60 * args.rows / 1_000_000 and run["peak_gb"] < 4
            print(f"{'':8s} goal (< 60 s and < 4 GB per million): {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
