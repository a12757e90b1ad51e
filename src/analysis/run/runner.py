"""Running the district notebook once per district: warm kernels, incremental, failures isolated.

A plain ``papermill`` call starts a new kernel per district, and importing pandas, matplotlib,
seaborn and statsmodels in it costs more than the district's whole analysis. So the runner keeps a
pool of warm kernels (:mod:`analysis.run.kernels`, one per core by default), each started once with
those imports done, and executes the notebook in them through the project's papermill engine
(:mod:`analysis.run.engine`), which resets the kernel before each district so nothing carries over.

Per district (:func:`run_district`): the notebook is executed into a temporary folder beside the
final one; only when it ran to the end and its HTML is written is the folder, with a
``manifest.json`` saying what produced it, renamed into ``reports/<wave>/<district>/``, replacing
the previous report. A district that fails keeps its previous report, leaves its executed notebook
in ``reports/<wave>/_failed/`` and a line (district, cell, error) in the summary and in
``reports/<wave>/_logs/run.json``; the other districts go on. If its kernel died, the kernel is
replaced. What cells print to stderr goes to ``reports/<wave>/_logs/<district>.log``, what the
kernel processes themselves print to ``_logs/kernel-<n>.log``.

Incremental (:func:`input_keys`): a district whose inputs are unchanged since its last successful
report is skipped. The inputs are the district's own processed rows (valid responses, exclusions,
changes, flow), the whole wave's valid responses (the report compares with 全部区县, so any
district's data changes every report's comparison column), the codebooks, the notebook and the
package version. ``force=True`` reruns everything.

Ctrl-C: no new district starts, the running ones are interrupted (their temporary folders are
removed, their previous reports stay), the kernels are shut down, and KeyboardInterrupt propagates.

``dask_scheduler="tcp://host:8786"`` sends the districts to an existing Dask cluster instead; each
worker thread there keeps its own warm kernel (:func:`analysis.run.kernels.thread_kernel`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import queue
import shutil
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Callable

import analysis
from analysis import config
from analysis.fileio import (
    atomic_path,
    copy_file,
    disk_error,
    make_temp_dir,
    replace_dir,
    safe_name,
    sha256_file,
    write_text,
)
from analysis.run.kernels import DEFAULT_PRELOAD, WarmKernel
from analysis.textnorm import pad

MANIFEST = "manifest.json"          # in each district's report folder
PACKAGE = "community-survey-analysis"
DASK_CONNECT_TIMEOUT = "30s"
OVERVIEW_TIMEOUT = 3600          # seconds: reading thousands of stats.json files


@dataclasses.dataclass
class DistrictRun:
    district: str
    ok: bool
    seconds: float
    folder: Path | None = None
    error: str = ""
    cell: str | None = None           # id of the notebook cell that failed (e.g. "cell-07")
    skipped: bool = False             # inputs unchanged since the last successful report

    @property
    def status(self) -> str:
        return "跳过" if self.skipped else ("成功" if self.ok else "失败")


# ─── what a report depends on ────────────────────────────────────────────────────────────────

def _package_version() -> str:
    """The installed version and a hash of the package's own source: a changed statistic or
    chart makes every report stale even when nobody bumped the version (an editable install)."""
    from importlib import metadata

    try:
        version = metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        version = "unknown"
    return f"{version}+{source_hash(Path(analysis.__file__).resolve().parent)}"   # the whole package


def source_hash(package_dir: Path) -> str:
    """A short hash of every ``.py`` file under ``package_dir`` (names and contents)."""
    h = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        h.update(path.relative_to(package_dir).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def _row_hashes(df) -> "object":
    import pandas as pd

    return pd.util.hash_pandas_object(df, index=False).to_numpy()


def _table_signature(name: str, df) -> bytes:
    return (name + "|" + "|".join(f"{c}:{df[c].dtype}" for c in df.columns)).encode()


def input_keys(data, districts: list[str], *, notebook: Path = config.DISTRICT_NOTEBOOK,
               codebook_dir: Path = config.CODEBOOK_DIR) -> dict[str, dict]:
    """Per district, the hashes of everything its report is computed from (see the module doc).

    ``data`` is the prepared :class:`analysis.clean.wave.Wave`. Rows are hashed with pandas'
    ``hash_pandas_object`` (values and order, not the index), so a cleaned file rewritten with the
    same rows gives the same key.
    """
    import numpy as np

    books = sorted(Path(codebook_dir).glob("*.yaml")) + sorted(Path(codebook_dir).glob("*.yml"))
    h = hashlib.sha256()
    for path in books:
        h.update(path.name.encode() + b"\0" + sha256_file(path).encode())
    common = {"codebooks": h.hexdigest(), "notebook": sha256_file(notebook), "package": _package_version(),
              "wave_info": hashlib.sha256(json.dumps(data.manifest.get("wave_info", {}), sort_keys=True,
                                                     ensure_ascii=False).encode()).hexdigest()}
    tables = []                                  # (name, frame, district column)
    for instrument in sorted(data.frames):
        tables.append((instrument, data.frames[instrument], data.codebooks[instrument].role("district")))
    for name in ("exclusions", "changes", "flow"):
        tables.append((name, getattr(data, name), "district"))
    pooled = hashlib.sha256()
    per = {d: hashlib.sha256() for d in districts}
    for name, df, dvar in tables:
        rows = _row_hashes(df)
        signature = _table_signature(name, df)
        if name in data.frames:
            pooled.update(signature + rows.tobytes())
        if dvar is None and config.WHOLE_SAMPLE in per:   # no unit question: every row is the one unit's
            per[config.WHOLE_SAMPLE].update(signature + rows.tobytes())
            continue
        if dvar not in df or not len(df):
            continue
        codes, names = df[dvar].astype("string").factorize(use_na_sentinel=True)
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(names) + 1))
        where = {str(n): order[bounds[i]:bounds[i + 1]] for i, n in enumerate(names)}
        for d in districts:
            per[d].update(signature + rows[where.get(d, order[:0])].tobytes())
    return {d: {**common, "rows": per[d].hexdigest(), "pooled": pooled.hexdigest()} for d in districts}


def up_to_date(folder: Path, key: dict) -> bool:
    """Whether ``folder`` holds a complete report made from exactly these inputs."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return manifest.get("inputs") == key and (folder / "report.html").is_file()


# ─── one district ────────────────────────────────────────────────────────────────────────────

def _failed_cell(executed: Path, kernel_died: bool) -> str | None:
    """The id of the cell that raised (papermill marks it ``failed``), or, when the kernel died,
    of the last cell papermill started (papermill marks every started cell ``completed`` then)."""
    import nbformat

    try:
        nb = nbformat.read(str(executed), as_version=4)
    except Exception:
        return None
    status = [c.get("metadata", {}).get("papermill", {}).get("status") for c in nb.cells]
    if "failed" in status:
        return nb.cells[status.index("failed")].get("id")
    started = [i for i, s in enumerate(status) if s not in (None, "pending")]
    return nb.cells[started[-1]].get("id") if kernel_died and started else None


def run_district(district: str, wave: str, *, notebook: Path, processed_dir: Path, codebook_dir: Path,
                 reports_dir: Path, key: dict | None = None, kernel: WarmKernel | None = None) -> DistrictRun:
    """Execute the notebook for one district and publish its folder; never raises for the district's
    errors. With ``kernel`` it runs in that warm kernel (replaced if the district killed it),
    without, papermill starts and stops a new kernel as usual."""
    import papermill as pm

    from analysis.publish import notebook_html
    from analysis.run.engine import ENGINE_NAME

    start = time.monotonic()
    wave_dir = Path(reports_dir) / wave
    final = wave_dir / safe_name(district)
    log = wave_dir / "_logs" / f"{final.name}.log"
    try:
        tmp = make_temp_dir(final)
        log.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:            # a full disk or a read-only folder: this district fails, others try
        disk = disk_error(e)
        if disk is None:
            raise
        return DistrictRun(district, False, time.monotonic() - start, None, str(disk).replace("\n  ", "；"))
    executed = tmp / "report.ipynb"
    params = {"district": district, "wave": wave, "processed_dir": str(Path(processed_dir).resolve()),
              "codebook_dir": str(Path(codebook_dir).resolve()), "output_dir": str(tmp)}
    engine = {"engine_name": ENGINE_NAME, "kernel": kernel, "kernel_cwd": str(Path(notebook).parent.resolve())} \
        if kernel is not None else {"cwd": str(Path(notebook).parent)}
    try:
        with open(log, "w", encoding="utf-8") as stderr_file:
            # papermill formats both paths with the parameters (str.format): a unit named {x} or
            # {district} is a folder name here, not a placeholder
            pm.execute_notebook(_literal(notebook), _literal(executed), parameters=params, kernel_name="python3",
                                progress_bar=False, log_output=False, report_mode=False,
                                stderr_file=stderr_file, **engine)
        if kernel is None:          # papermill's own engine keeps stderr in the notebook: the log has it
            _drop_stderr_from(executed)
        if not (tmp / "report.html").is_file():   # R.write() makes it from the report's blocks; a
            notebook_html.notebook_to_html(          # notebook of one's own without R.write(): the page
                executed, tmp / "report.html", title=_page_title(tmp, district))
        manifest = {"district": district, "wave": wave, "notebook": Path(notebook).name, "inputs": key,
                    "parameters": {k: v for k, v in params.items() if k != "output_dir"}}
        write_text(tmp / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
        replace_dir(tmp, final)
        (wave_dir / "_failed" / f"{final.name}.ipynb").unlink(missing_ok=True)
        return DistrictRun(district, True, time.monotonic() - start, final)
    except Exception as e:  # one district's failure must not stop the others
        cell = None
        died = kernel is not None and not kernel.is_alive()
        message = f"{getattr(e, 'ename', type(e).__name__)}: {getattr(e, 'evalue', str(e))}".strip()
        if executed.exists():
            cell = _failed_cell(executed, died)
            try:            # whole or not at all: the disk may be what failed
                copy_file(executed, wave_dir / "_failed" / f"{final.name}.ipynb")
            except OSError:
                pass
        disk = disk_error(e, final) or disk_error(message, final)   # an error without a path: the unit's folder
        if disk is not None:
            message = str(disk).replace("\n  ", "；")
        if died:
            message = f"内核意外退出，已换用新内核（{message.splitlines()[0]}）"
            kernel.replace()
        return DistrictRun(district, False, time.monotonic() - start, None,
                           message.splitlines()[0][:300 if disk is None else 600], cell)
    finally:                # also on Ctrl-C: no temporary folder is left behind
        shutil.rmtree(tmp, ignore_errors=True)


def _literal(path: Path) -> str:
    """``path`` as papermill's ``parameterize_path`` gives it back unchanged: braces doubled."""
    return str(path).replace("{", "{{").replace("}", "}}")


def _drop_stderr_from(executed: Path) -> None:
    import nbformat

    from analysis.run.engine import drop_stderr

    nb = nbformat.read(str(executed), as_version=4)
    drop_stderr(nb)
    with atomic_path(executed) as tmp:
        nbformat.write(nb, str(tmp))


def _page_title(folder: Path, district: str) -> str:
    """The HTML page's title: the report's own (``publish.report.report_title`` of the meta its
    ``stats.json`` records), so it names the unit and the survey as the heading does; the unit's
    name alone when the notebook wrote no ``stats.json``."""
    from analysis.publish.report import report_title

    try:
        with open(folder / "stats.json", encoding="utf-8") as f:
            return report_title(json.load(f)["meta"])
    except (OSError, ValueError, KeyError, TypeError):
        return f"{district}调研报告"


# ─── many districts ──────────────────────────────────────────────────────────────────────────

def run_all(districts: list[str], wave: str, *, notebook: Path = config.DISTRICT_NOTEBOOK,
            processed_dir: Path = config.PROCESSED_DIR, codebook_dir: Path = config.CODEBOOK_DIR,
            reports_dir: Path = config.REPORTS_DIR, jobs: int | None = None, show_progress: bool = True,
            keys: dict[str, dict] | None = None, force: bool = False, dask_scheduler: str | None = None,
            preload: tuple[str, ...] = DEFAULT_PRELOAD, overview: bool = False,
            unit_label: str = config.UNIT_LABEL) -> list[DistrictRun]:
    """Run every district with a progress bar; results in input order.

    ``keys`` (from :func:`input_keys`) turns on skipping of up-to-date districts unless ``force``;
    they are also recorded in each report's manifest. ``jobs`` warm kernels run at once (default:
    one per core). ``dask_scheduler`` sends the districts to that Dask cluster instead.
    ``overview`` also brings the wave's overview page up to date (:func:`write_overview`), drawn in
    a warm kernel when the districts ran in local ones.
    """
    from tqdm import tqdm

    wave_dir = Path(reports_dir) / wave
    wave_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, DistrictRun] = {}
    todo = []
    for d in districts:
        key = (keys or {}).get(d)
        if key is not None and not force and up_to_date(wave_dir / safe_name(d), key):
            results[d] = DistrictRun(d, True, 0.0, wave_dir / safe_name(d), skipped=True)
        else:
            todo.append(d)
    kwargs = dict(wave=wave, notebook=Path(notebook).resolve(), processed_dir=Path(processed_dir).resolve(),
                  codebook_dir=Path(codebook_dir).resolve(), reports_dir=Path(reports_dir).resolve())
    bar = tqdm(total=len(todo), desc=f"{unit_label}报告", unit="个", disable=not show_progress or not todo,
               dynamic_ncols=True)
    failures = 0

    def done(r: DistrictRun) -> None:
        nonlocal failures
        results[r.district] = r
        failures += not r.ok
        bar.update(1)
        bar.set_postfix_str(f"失败 {failures}")

    finish = None
    problems: list[str] = []        # the overview or the run record not written (a full disk)
    if overview:
        def finish(kernel: WarmKernel | None) -> None:
            try:
                write_overview(wave_dir, wave, kernel=kernel, force=force)
            except OSError as e:
                if disk_error(e) is None:
                    raise
                problems.append(f"总览页没有更新：{disk_error(e)}")

    try:
        if todo and dask_scheduler:
            _run_on_dask(todo, dask_scheduler, kwargs, keys or {}, preload, done)
        elif todo:
            n = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
            _run_local(todo, n, kwargs, keys or {}, preload, wave_dir / "_logs", done, finish)
            finish = None
    finally:
        bar.close()
    runs = [results[d] for d in districts]
    try:
        _write_run_record(wave_dir, runs)
    except OSError as e:
        if disk_error(e) is None:
            raise
        problems.append(f"运行记录 _logs/run.json 没有写入：{disk_error(e)}")
    if finish is not None:
        finish(None)
    for problem in problems:
        print(f"警告：{problem}", file=sys.stderr)
    return runs


def _run_local(todo: list[str], jobs: int, kwargs: dict, keys: dict, preload: tuple[str, ...],
               log_dir: Path, done: Callable[[DistrictRun], None],
               finish: Callable[[WarmKernel], None] | None = None) -> None:
    """``jobs`` threads, each with its own warm kernel, taking districts from a queue; then
    ``finish`` called once, on one of those threads with its kernel (a kernel is used from the
    thread that started it), before the kernels shut down."""
    tasks: queue.Queue = queue.Queue()
    for d in todo:
        tasks.put(d)
    results: queue.Queue = queue.Queue()
    stop = threading.Event()
    kernels: list[WarmKernel] = []

    def work(i: int) -> None:
        kernel = WarmKernel(preload, log_path=log_dir / f"kernel-{i + 1}.log")
        kernels.append(kernel)
        try:
            kernel.start()
            while not stop.is_set():
                item = tasks.get()
                if item is None or stop.is_set():
                    return
                if isinstance(item, str):
                    results.put(run_district(item, key=keys.get(item), kernel=kernel, **kwargs))
                else:
                    item(kernel)
                    results.put(_FINISHED)
        except BaseException as e:      # a kernel that cannot start is not a district's failure
            results.put(e)
        finally:
            kernel.shutdown()

    def receive():
        while True:
            try:
                return results.get(timeout=0.2)
            except queue.Empty:
                if not any(t.is_alive() for t in threads) and results.empty():
                    raise RuntimeError("所有内核线程都已退出，但仍有区县没有运行。") from None

    threads = [threading.Thread(target=work, args=(i,), name=f"survey-kernel-{i + 1}", daemon=True)
               for i in range(jobs)]
    for t in threads:
        t.start()
    try:
        for _ in todo:
            item = receive()
            if isinstance(item, BaseException):
                raise item
            done(item)
        if finish is not None:
            tasks.put(finish)
            item = receive()
            if isinstance(item, BaseException):
                raise item
    except BaseException:
        stop.set()
        for kernel in kernels:          # running districts end now; their temp folders are removed
            kernel.interrupt()
        raise
    finally:
        stop.set()
        for _ in threads:
            tasks.put(None)
        for t in threads:
            t.join()


_FINISHED = object()


# On a Dask worker: the kernels now running districts of each run (by the run's token), so that a
# run stopped with Ctrl-C can interrupt its districts already running there (cancelling a Dask
# future does not stop a task that has started).
_RUNNING: dict[str, set[WarmKernel]] = {}
_RUNNING_LOCK = threading.Lock()


def _dask_task(district: str, kwargs: dict, key: dict | None, preload: tuple[str, ...],
               token: str = "") -> DistrictRun:
    """Runs on a Dask worker: the district in this worker thread's warm kernel."""
    from analysis.run.kernels import thread_kernel

    kernel = thread_kernel(preload)
    with _RUNNING_LOCK:
        _RUNNING.setdefault(token, set()).add(kernel)
    try:
        return run_district(district, key=key, kernel=kernel, **kwargs)
    finally:
        with _RUNNING_LOCK:
            _RUNNING.get(token, set()).discard(kernel)
            if not _RUNNING.get(token, True):
                del _RUNNING[token]


def _interrupt_run(token: str) -> int:
    """Runs on each Dask worker when a run is stopped: interrupt the kernels running its districts,
    which then fail, publish nothing and remove their temporary folders. Returns how many."""
    with _RUNNING_LOCK:
        kernels = list(_RUNNING.get(token, ()))
    for kernel in kernels:
        kernel.interrupt()
    return len(kernels)


def _run_on_dask(todo: list[str], address: str, kwargs: dict, keys: dict, preload: tuple[str, ...],
                 done: Callable[[DistrictRun], None]) -> None:
    from distributed import Client, as_completed

    from analysis.errors import SurveyError

    try:
        client = Client(address, timeout=DASK_CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as e:
        raise SurveyError(f"连接不上 Dask 调度器 {address}：{e}", variable="--dask-scheduler",
                          fix="确认调度器已启动（dask scheduler）、地址和端口正确（如 tcp://10.0.0.5:8786），"
                              "且本机能访问该端口。") from None
    token = uuid.uuid4().hex[:8]
    futures = []
    try:
        futures = [client.submit(_dask_task, d, kwargs, keys.get(d), preload, token, pure=False,
                                 key=f"survey-report-{token}-{i}") for i, d in enumerate(todo)]
        for fut in as_completed(futures, loop=client.loop):   # not the default client: we set none
            done(fut.result())
    except BaseException:
        client.cancel(futures)
        try:
            client.run(_interrupt_run, token)
        except Exception:           # a worker gone meanwhile: its districts ended with it
            pass
        raise
    finally:
        client.close()


# ─── the overview page ───────────────────────────────────────────────────────────────────────

OVERVIEW_RECORD = "overview.json"       # in reports/<wave>/_logs/: what the overview was made from


def overview_key(wave_dir: Path) -> dict:
    """What ``index.html`` and its charts are made from: every district folder's stats.json and
    which of its linked files exist, and the package that draws them."""
    from analysis.publish.overview import LINKS

    h = hashlib.sha256()
    for stats in sorted(Path(wave_dir).glob("*/stats.json")):
        present = "".join("1" if (stats.parent / name).exists() else "0" for name, _ in LINKS)
        h.update(f"{stats.parent.name}\0{sha256_file(stats)}\0{present}\n".encode())
    return {"districts": h.hexdigest(), "package": _package_version()}


def write_overview(wave_dir: Path, wave: str, *, kernel: WarmKernel | None = None,
                   force: bool = False) -> bool:
    """Write ``index.html`` and its charts unless they were made from the same inputs; returns
    whether it did. Drawn in ``kernel`` when given (a warm kernel has charting imported already:
    3 s saved), else, or if that fails, in this process (where an error is reported as usual)."""
    wave_dir = Path(wave_dir)
    key, record = overview_key(wave_dir), wave_dir / "_logs" / OVERVIEW_RECORD
    if not force and (wave_dir / "index.html").is_file():
        try:
            if json.loads(record.read_text(encoding="utf-8")) == key:
                return False
        except (OSError, ValueError):
            pass
    drawn = False
    if kernel is not None:
        try:
            kernel.run_silently(f"__import__('analysis.run.kernels', fromlist=['_']).reset_kernel({os.getcwd()!r})")
            kernel.run_silently(f"from analysis import render\nrender.write_index_html("
                                f"__import__('pathlib').Path({str(wave_dir.resolve())!r}), {wave!r})",
                                timeout=OVERVIEW_TIMEOUT)
            drawn = True
        except Exception:       # a dead kernel, or an error: drawn here, where it is reported as usual
            pass
    if not drawn:
        from analysis.publish.overview import write_index_html

        write_index_html(wave_dir, wave)
    write_text(record, json.dumps(key, indent=1))
    return True


def _write_run_record(wave_dir: Path, runs: list[DistrictRun]) -> None:
    """``_logs/run.json``: every district's outcome in the last run (failures with cell and error)."""
    record = [{"district": r.district, "status": {"成功": "ok", "跳过": "skipped", "失败": "failed"}[r.status],
               "cell": r.cell, "error": r.error or None, "seconds": round(r.seconds, 2)} for r in runs]
    write_text(wave_dir / "_logs" / "run.json", json.dumps(record, ensure_ascii=False, indent=1))


def summary_lines(runs: list[DistrictRun], max_rows: int = 60, unit_label: str = config.UNIT_LABEL) -> list[str]:
    """A plain summary table for the terminal (with many districts: only the failed ones)."""
    lines = [pad(unit_label, 14) + pad("结果", 6) + pad("用时", 9, True) + "  说明"]
    shown = runs if len(runs) <= max_rows else [r for r in runs if not r.ok]
    for r in shown:
        if r.ok:
            where = str(r.folder) + ("（输入未变，未重新生成）" if r.skipped else "")
        else:
            where = (f"单元格 {r.cell}：" if r.cell else "") + r.error
        lines.append(pad(r.district, 14) + pad(r.status, 6) + pad(f"{r.seconds:.1f}s", 9, True) + f"  {where}")
    ok = sum(r.ok and not r.skipped for r in runs)
    skipped = sum(r.skipped for r in runs)
    failed = sum(not r.ok for r in runs)
    text = f"共 {len(runs)} 个{unit_label}：成功 {ok} 个，失败 {failed} 个"
    lines.append(text + (f"，跳过 {skipped} 个（输入未变；--force 可全部重新生成）。" if skipped else "。"))
    return lines
