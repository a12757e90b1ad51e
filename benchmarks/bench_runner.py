"""Benchmark: district reports three ways on the same synthetic districts, ratios printed.

1. naive   the ``papermill`` command line once per district, one after the other (a new kernel each
           time; no HTML, so it does less than the runner);
2. runner  ``survey report --force`` (warm kernels, one per core; includes the HTML pages, the
           manifests and the overview page);
3. floor   the district notebook's own calls (load, statistics, charts, Word, Excel, stats.json)
           made directly in one Python process, one district after another: no notebooks, no
           kernels, no HTML.

Each is the wall-clock time of a cold start (a new process: imports included) to all reports
written. The goals (issue 6): runner ≥ 8× faster than naive per district, and ≤ 1.5× the floor.
Also printed: a rerun of ``survey report`` with nothing changed (every district skipped).

    .venv/bin/python benchmarks/bench_runner.py [--districts 20] [--naive N] [--keep DIR]

``--naive N`` times the naive way on the first N districts only and scales per district (it is
slow: about 10 s each). The machine's load average is printed: other processes on a shared
machine slow all three.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
WAVE = "2026"


def floor(processed: Path, codebooks: Path, out: Path, districts: list[str]) -> None:
    """The district notebook's own code cells, executed with ``exec`` in this process one district
    after another: the same calls as the report (load, statistics, weights, charts, Word, Excel,
    stats.json), read from the notebook itself so the floor never drifts from it; no kernel, no
    nbclient, no HTML, nothing displayed."""
    import contextlib
    import io

    import matplotlib.pyplot as plt
    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / "district_report.ipynb", as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
    code = [compile(src, f"<cell {i}>", "exec") for i, src in enumerate(cells)]
    for district in districts:
        namespace = {"district": district, "wave": WAVE, "processed_dir": str(processed),
                     "codebook_dir": str(codebooks), "output_dir": str(out / district), "previous_wave": ""}
        with contextlib.redirect_stdout(io.StringIO()):
            for c in code:
                exec(c, namespace)
        plt.close("all")


def timed(cmd: list[str], **kw) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)
    return time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--districts", type=int, default=20)
    p.add_argument("--naive", type=int, default=None, help="time the naive way on this many districts only")
    p.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    args = p.parse_args()
    sys.path.insert(0, str(HERE))
    from analysis import clean, config
    from many_districts import make_raw

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-runner-"))
    raw, processed, codebooks = work / "raw", work / "processed", config.CODEBOOK_DIR
    try:
        if not (processed / WAVE / "manifest.json").is_file():
            made = make_raw(raw, WAVE, args.districts)
            clean.prepare_wave(WAVE, raw, processed, codebooks)
            print(f"数据：{made['districts']} 个合成区县，{made['responses']} 份问卷（已清洗）")
        districts = clean.load_wave(WAVE, processed, codebooks).districts
        n = len(districts)
        cores = os.cpu_count()
        print(f"机器：{cores} 核，负载 {os.getloadavg()[0]:.1f}（开始时）")

        k = min(args.naive or n, n)
        naive_dir = work / "naive"
        start = time.perf_counter()
        for d in districts[:k]:
            out = naive_dir / d
            out.mkdir(parents=True, exist_ok=True)
            subprocess.run([str(BIN / "papermill"), str(config.DISTRICT_NOTEBOOK), str(out / "report.ipynb"),
                            "-r", "district", d, "-r", "wave", WAVE, "-r", "processed_dir", str(processed),
                            "-r", "codebook_dir", str(codebooks), "-r", "output_dir", str(out),
                            "-k", "python3", "--cwd", str(config.NOTEBOOK_DIR), "--no-progress-bar"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        naive = (time.perf_counter() - start) / k

        reports = work / "reports"
        cmd = [str(BIN / "survey"), "report", "--wave", WAVE, "--processed-dir", str(processed),
               "--codebooks", str(codebooks), "--reports-dir", str(reports), "--quiet"]
        run_all = timed(cmd + ["--force"], stderr=subprocess.DEVNULL) / n
        rerun = timed(cmd, stderr=subprocess.DEVNULL)

        floor_dir = work / "floor"
        floor_per = timed([sys.executable, str(Path(__file__).resolve()), "--_floor", str(processed),
                           str(codebooks), str(floor_dir), *districts]) / n
        print(f"负载 {os.getloadavg()[0]:.1f}（结束时）\n")
        print(f"{'方式':<28}{'每区县用时':>10}")
        print(f"{'1 naive: papermill 命令行 ×' + str(k):<28}{naive:>9.2f}s")
        print(f"{'2 runner: survey report (' + str(cores) + ' 内核)':<28}{run_all:>9.2f}s")
        print(f"{'3 floor: 同一进程直接调用':<28}{floor_per:>9.2f}s")
        print(f"\nnaive / runner = {naive / run_all:.1f}×   (目标 ≥ 8×)")
        print(f"runner / floor = {run_all / floor_per:.2f}×  (目标 ≤ 1.5×)")
        print(f"未改动时重跑 survey report（全部跳过）：{rerun:.1f}s，共 {n} 个区县")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--_floor":
        floor(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]), sys.argv[5:])
    else:
        main()
