"""Running the district notebook once per district with papermill.

Each district runs in its own kernel (papermill starts and stops it) and writes into a temporary
folder beside its final one; only a district whose notebook ran to the end and whose HTML was
written is renamed into ``reports/<wave>/<district>/``, replacing the previous report. A district
that fails leaves its previous report untouched, its executed notebook in
``reports/<wave>/_failed/`` for inspection, and a line in the summary; the others go on. What the
kernel prints to stderr goes to ``reports/<wave>/_logs/<district>.log``.
Districts run in parallel, one per core by default.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import multiprocessing
import os
import shutil
import sys
import time
from pathlib import Path

from . import config
from .fileio import make_temp_dir, replace_dir, safe_name
from .textnorm import pad


@dataclasses.dataclass
class DistrictRun:
    district: str
    ok: bool
    seconds: float
    folder: Path | None = None
    error: str = ""
    cell: int | None = None


@contextlib.contextmanager
def _stderr_to(log: Path):
    """Send this process's stderr (and so the kernel's, which inherits it) to a per-district log,
    so kernel chatter does not break the progress bar; the log stays for when a district fails."""
    log.parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    with open(log, "wb") as f:
        os.dup2(f.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def run_district(district: str, wave: str, *, notebook: Path, processed_dir: Path, codebook_dir: Path,
                 reports_dir: Path) -> DistrictRun:
    """Execute the notebook for one district and publish its folder; never raises for the district's errors."""
    import papermill as pm

    from . import render

    start = time.monotonic()
    wave_dir = Path(reports_dir) / wave
    wave_dir.mkdir(parents=True, exist_ok=True)
    final = wave_dir / safe_name(district)
    tmp = make_temp_dir(final)
    executed = tmp / "report.ipynb"
    params = {"district": district, "wave": wave, "processed_dir": str(Path(processed_dir).resolve()),
              "codebook_dir": str(Path(codebook_dir).resolve()), "output_dir": str(tmp)}
    try:
        with _stderr_to(wave_dir / "_logs" / f"{final.name}.log"):
            pm.execute_notebook(str(notebook), str(executed), parameters=params, kernel_name="python3",
                                cwd=str(Path(notebook).parent), progress_bar=False, log_output=False,
                                report_mode=False)
        render.notebook_to_html(executed, tmp / "report.html", title=f"{district}调研报告（{wave}）")
        replace_dir(tmp, final)
        return DistrictRun(district, True, time.monotonic() - start, final)
    except Exception as e:  # one district's failure must not stop the others
        failed = wave_dir / "_failed"
        failed.mkdir(exist_ok=True)
        if executed.exists():
            shutil.copyfile(executed, failed / f"{final.name}.ipynb")
        cell = getattr(e, "exec_count", None)
        message = f"{getattr(e, 'ename', type(e).__name__)}: {getattr(e, 'evalue', str(e))}".strip()
        return DistrictRun(district, False, time.monotonic() - start, None, message.splitlines()[0][:300],
                           cell)
    finally:                # also on Ctrl-C: no temporary folder is left behind
        shutil.rmtree(tmp, ignore_errors=True)


def run_all(districts: list[str], wave: str, *, notebook: Path = config.DISTRICT_NOTEBOOK,
            processed_dir: Path = config.PROCESSED_DIR, codebook_dir: Path = config.CODEBOOK_DIR,
            reports_dir: Path = config.REPORTS_DIR, jobs: int | None = None,
            show_progress: bool = True) -> list[DistrictRun]:
    """Run every district (in parallel processes), with a progress bar; results in input order."""
    from tqdm import tqdm

    jobs = max(1, min(jobs or os.cpu_count() or 1, len(districts)))
    kwargs = dict(wave=wave, notebook=Path(notebook), processed_dir=Path(processed_dir),
                  codebook_dir=Path(codebook_dir), reports_dir=Path(reports_dir))
    results: dict[str, DistrictRun] = {}
    bar = tqdm(total=len(districts), desc="区县报告", unit="个", disable=not show_progress,
               dynamic_ncols=True)
    ctx = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        futures = {pool.submit(run_district, d, **kwargs): d for d in districts}
        try:
            for fut in cf.as_completed(futures):
                r = fut.result()
                results[r.district] = r
                bar.update(1)
                bar.set_postfix_str(f"失败 {sum(not x.ok for x in results.values())}")
        except KeyboardInterrupt:
            for f in futures:
                f.cancel()
            raise
        finally:
            bar.close()
    return [results[d] for d in districts]


def summary_lines(runs: list[DistrictRun]) -> list[str]:
    """A plain summary table for the terminal."""
    lines = [pad("区县", 14) + pad("结果", 6) + pad("用时", 9, True) + "  说明"]
    for r in runs:
        status = "成功" if r.ok else "失败"
        where = str(r.folder) if r.ok else (f"第 {r.cell} 个单元格：" if r.cell else "") + r.error
        lines.append(pad(r.district, 14) + pad(status, 6) + pad(f"{r.seconds:.1f}s", 9, True) + f"  {where}")
    ok = sum(r.ok for r in runs)
    lines.append(f"共 {len(runs)} 个区县：成功 {ok} 个，失败 {len(runs) - ok} 个。")
    return lines
