"""National scale, end to end: synthetic exports for many districts → cleaned → every district's
report, printing wall time per phase, per-district cost and peak memory. Not part of the tests.

    .venv/bin/python benchmarks/national.py [--districts 3000] [--responses 1000000] [--keep DIR]
                                            [--report-sample N] [--dask-scheduler ADDRESS]

The defaults are the issue's national survey (about 2,800 county-level districts): expect hours on
a 2-core machine, dominated by the report phase. ``--report-sample 20`` cleans the whole national
wave but reports 20 districts spread over it, and extrapolates (each district still loads and
compares against the full wave, so its cost is the national one). Peak memory: of this process (cleaning
and the runner run in it) from ``getrusage``, and of the largest kernel sampled from ``/proc``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class KernelMemory:
    """Peak resident memory of the kernels (children of this process), sampled from /proc while
    they run. Not getrusage(RUSAGE_CHILDREN): a child's ru_maxrss includes the parent's memory it
    was forked from before exec, so it would just repeat this process's peak."""

    def __init__(self, every: float = 1.0):
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self, every: float) -> None:
        me = os.getpid()
        while not self._stop.wait(every):
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    with open(f"/proc/{pid}/stat") as f:
                        if int(f.read().rsplit(")", 1)[1].split()[1]) != me:
                            continue
                    with open(f"/proc/{pid}/status") as f:
                        hwm = next(int(x.split()[1]) for x in f if x.startswith("VmHWM:"))
                    self.peak = max(self.peak, hwm / 1024)     # VmHWM: this exec's own peak
                except (OSError, ValueError, IndexError, StopIteration):
                    continue


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--districts", type=int, default=3000)
    p.add_argument("--responses", type=int, default=1_000_000)
    p.add_argument("--keep", type=Path, default=None)
    p.add_argument("--dask-scheduler", default=None)
    p.add_argument("-j", "--jobs", type=int, default=None)
    p.add_argument("--report-sample", type=int, default=None, metavar="N",
                   help="report only N districts spread over the wave and extrapolate the report phase "
                        "(the data are still the full wave, so each district's cost is the national one)")
    args = p.parse_args()
    sys.path.insert(0, str(HERE))
    from analysis import clean, config
    from analysis.run import runner
    from many_districts import make_raw

    work = args.keep or Path(tempfile.mkdtemp(prefix="national-"))
    raw, processed, reports = work / "raw", work / "processed", work / "reports"
    wave = "2026"
    try:
        t0 = time.perf_counter()
        made = make_raw(raw, wave, args.districts, args.responses)
        t_make = time.perf_counter() - t0
        print(f"生成：{made['districts']} 个区县，{made['files']} 个文件，{made['responses']} 份问卷，"
              f"{t_make:.0f}s", flush=True)

        t0 = time.perf_counter()
        clean.prepare_wave(wave, raw, processed, config.CODEBOOK_DIR)
        t_clean = time.perf_counter() - t0
        print(f"清洗：{t_clean:.0f}s（{made['responses'] / t_clean:,.0f} 份/秒），"
              f"本进程峰值内存 {_peak_mb():,.0f} MB", flush=True)

        t0 = time.perf_counter()
        data = clean.load_wave(wave, processed, config.CODEBOOK_DIR)
        keys = runner.input_keys(data, data.districts)
        t_keys = time.perf_counter() - t0
        districts = data.districts
        del data
        if args.report_sample and args.report_sample < len(districts):
            step = len(districts) / args.report_sample
            districts = [districts[int(i * step)] for i in range(args.report_sample)]
        t0 = time.perf_counter()
        with KernelMemory() as kernels:
            runs = runner.run_all(districts, wave, processed_dir=processed, reports_dir=reports, keys=keys,
                                  jobs=args.jobs, dask_scheduler=args.dask_scheduler, show_progress=True)
        t_report = time.perf_counter() - t0
        failed = sum(not r.ok for r in runs)
        busy = sorted(r.seconds for r in runs if r.ok)
        total = t_make + t_clean + t_keys + t_report
        print(f"读回与输入哈希：{t_keys:.1f}s")
        print(f"报告：{len(runs)} 个区县，失败 {failed} 个，{t_report:.0f}s，"
              f"每区县 {t_report / len(runs):.2f}s（墙钟）；单个区县在内核中用时中位数 "
              f"{busy[len(busy) // 2] if busy else float('nan'):.2f}s，最长 {busy[-1] if busy else float('nan'):.2f}s")
        print(f"端到端（不含生成）：{t_clean + t_keys + t_report:.0f}s；含生成 {total:.0f}s")
        if len(districts) < made["districts"]:
            full = t_report / len(districts) * made["districts"]
            print(f"只报告了 {len(districts)} / {made['districts']} 个区县；按每区县墙钟推算全部报告约 "
                  f"{full / 60:.0f} 分钟，端到端约 {(t_clean + t_keys + full) / 60:.0f} 分钟")
        print(f"峰值内存：runner 进程 {_peak_mb():,.0f} MB，单个内核 {kernels.peak:,.0f} MB（Dask 时内核在集群上，不计入）")
        return 1 if failed else 0
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
