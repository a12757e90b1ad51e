"""The survey-warm papermill engine with real kernels: what a reused kernel must not carry over.

Each test runs tiny notebooks so that many runs stay quick; nothing here depends on timing.
"""

from __future__ import annotations

import json
import os
import threading

import nbformat
import papermill as pm
import pytest
from jupyter_core.utils import run_sync
from nbformat.v4 import new_code_cell, new_notebook
from papermill.engines import papermill_engines

from analysis.run.engine import ENGINE_NAME, WarmKernelEngine
from analysis.run.kernels import KernelError, WarmKernel

KERNELSPEC = {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}


def notebook(path, *sources):
    cells = [new_code_cell(s) for s in sources]
    for i, c in enumerate(cells):
        c["id"] = f"cell-{i:02d}"
    nbformat.write(new_notebook(cells=cells, metadata=KERNELSPEC), path)
    return str(path)


def last_json(nb) -> dict:
    """The JSON a probe cell printed as its last line."""
    return json.loads(nb.cells[-1].outputs[-1]["text"].strip().splitlines()[-1])


@pytest.fixture
def kernel():
    k = WarmKernel(preload=("matplotlib.pyplot",)).start()
    yield k
    k.shutdown()


SETTER = ("import os, json\nimport matplotlib.pyplot as plt\n"
          "secret = 42\nplt.rcParams['font.size'] = 33\nplt.figure()\nos.environ['SURVEY_LEAK'] = '1'")
PROBE = ("import os, json\nimport matplotlib.pyplot as plt\n"
         "print(json.dumps({'secret': 'secret' in dir(), 'font_size': plt.rcParams['font.size'],"
         " 'figures': len(plt.get_fignums()), 'env': os.environ.get('SURVEY_LEAK')}))")


def test_engine_is_registered_through_the_entry_point():
    assert papermill_engines.get_engine(ENGINE_NAME) is WarmKernelEngine


def test_no_variable_or_state_leaks_between_notebooks(kernel, tmp_path):
    setter = notebook(tmp_path / "set.ipynb", SETTER)
    probe = notebook(tmp_path / "probe.ipynb", PROBE)
    fresh = last_json(pm.execute_notebook(probe, None, kernel_name="python3", progress_bar=False))
    assert fresh == {"secret": False, "font_size": 10.0, "figures": 0, "env": None}

    # control: papermill's own engine given the same kernel (km=) sees what the last run left behind
    pm.execute_notebook(setter, None, km=kernel.km, progress_bar=False)
    leaked = last_json(pm.execute_notebook(probe, None, km=kernel.km, progress_bar=False))
    assert leaked == {"secret": True, "font_size": 33.0, "figures": 0, "env": "1"}   # inline closes figures

    pm.execute_notebook(setter, None, engine_name=ENGINE_NAME, kernel=kernel, progress_bar=False)
    warm = pm.execute_notebook(probe, None, engine_name=ENGINE_NAME, kernel=kernel, progress_bar=False)
    assert last_json(warm) == fresh
    assert [c.execution_count for c in warm.cells] == [1]          # numbered as in a new kernel


def test_relative_paths_resolve_as_in_a_fresh_kernel(kernel, tmp_path):
    reader = "import os, json\nprint(json.dumps({'cwd': os.getcwd(), 'data': open('data.txt').read()}))"
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "data.txt").write_text(f"数据 {name}", encoding="utf-8")
        notebook(tmp_path / name / "read.ipynb", reader)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for name in ("a", "b", "a"):
        folder = tmp_path / name
        path = str(folder / "read.ipynb")
        fresh = last_json(pm.execute_notebook(path, None, cwd=str(folder), progress_bar=False))
        assert fresh == {"cwd": str(folder), "data": f"数据 {name}"}
        # papermill's cwd= now reaches the warm kernel too ...
        warm = pm.execute_notebook(path, None, cwd=str(folder), engine_name=ENGINE_NAME, kernel=kernel,
                                   progress_bar=False)
        assert last_json(warm) == fresh
        # ... and kernel_cwd= says it explicitly, whatever directory the caller is in
        warm = pm.execute_notebook(path, None, cwd=str(elsewhere), engine_name=ENGINE_NAME, kernel=kernel,
                                   kernel_cwd=str(folder), progress_bar=False)
        assert last_json(warm) == fresh


def _fds(pid) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def test_threads_and_open_files_stay_flat_over_50_runs(kernel, tmp_path):
    path = notebook(tmp_path / "tiny.ipynb", "x = 1", "print(x + 1)")
    run = lambda: pm.execute_notebook(path, None, engine_name=ENGINE_NAME, kernel=kernel,  # noqa: E731
                                      progress_bar=False)
    run()                                     # first run: lazily created loggers, event loop, caches
    threads, fds, kernel_fds = threading.active_count(), _fds(os.getpid()), _fds(kernel.pid)
    for _ in range(50):
        nb = run()
    assert nb.cells[1].outputs[0]["text"] == "2\n"
    assert threading.active_count() == threads
    assert _fds(os.getpid()) <= fds
    # the kernel's sockets to clients it served are closed; a few may still be closing (TCP), but a
    # leak grows by several per run (papermill's own engine with km=: ~3 per run, ~15 in this process)
    assert _fds(kernel.pid) <= kernel_fds + 10


def test_engine_without_a_kernel_says_so(tmp_path):
    from papermill.exceptions import PapermillException

    path = notebook(tmp_path / "t.ipynb", "x = 1")
    with pytest.raises(PapermillException, match="kernel="):
        pm.execute_notebook(path, None, engine_name=ENGINE_NAME, progress_bar=False)


def test_a_dead_kernel_is_noticed_and_replaced(kernel, tmp_path):
    pid = kernel.pid
    path = notebook(tmp_path / "die.ipynb", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    with pytest.raises(Exception) as e:
        pm.execute_notebook(path, None, engine_name=ENGINE_NAME, kernel=kernel, progress_bar=False)
    assert "DeadKernelError" in type(e.value).__name__ or "died" in str(e.value).lower()
    assert not kernel.is_alive()
    kernel.replace()
    assert kernel.is_alive() and kernel.pid != pid and kernel.starts == 2
    probe = notebook(tmp_path / "probe.ipynb", PROBE)
    out = pm.execute_notebook(probe, None, engine_name=ENGINE_NAME, kernel=kernel, progress_bar=False)
    assert last_json(out)["secret"] is False


def test_another_client_of_the_kernel_does_not_silence_its_own(kernel, tmp_path):
    """The warm kernel keeps one client for every notebook; a client made from the same kernel
    manager (JupyterLab attached to it, papermill's own engine) must not take its replies."""
    other = kernel.km.client()
    other.start_channels()
    try:
        run_sync(other.wait_for_ready)(timeout=30)        # connected, and answered once
        path = notebook(tmp_path / "p.ipynb", "print(6 * 7)")
        out = pm.execute_notebook(path, None, engine_name=ENGINE_NAME, kernel=kernel, progress_bar=False,
                                  execution_timeout=60)     # silenced, it would wait for ever
        assert out.cells[0].outputs[0]["text"] == "42\n"
    finally:
        other.stop_channels()


def test_a_kernel_dying_in_a_silent_run_is_reported_not_waited_for(kernel):
    """Warm-up and the overview run code silently in the kernel; if it dies meanwhile, that is an
    error at once (nothing else would ever answer), not a wait for the time limit."""
    from analysis.run.kernels import KernelError

    with pytest.raises(KernelError, match="意外退出"):
        kernel.run_silently("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", timeout=300)
    kernel.replace()
    with pytest.raises(KernelError, match="没有完成"):
        kernel.run_silently("import time\ntime.sleep(3)", timeout=0.5)
    kernel.run_silently("x = 1")            # the late reply of the slow run is passed over


LIBRARY_NOISE = ("import sys, logging, warnings\n"
                 "print('库打印到 stderr 的一行', file=sys.stderr)\n"
                 "logging.getLogger('some.library').warning('库记录的一条警告')\n"
                 "warnings.warn('库发出的一个警告')\n"
                 "print('本单元格的结果')")


def test_what_a_library_prints_to_stderr_goes_to_the_log_not_the_notebook(kernel, tmp_path):
    """A report must not depend on what a library happened to print in this kernel (matplotlib's
    findfont warning once per process): stderr of cells, logging and warnings reach papermill's
    stderr_file, the run's log, and none of them stays in the executed notebook."""
    path = notebook(tmp_path / "noise.ipynb", LIBRARY_NOISE)
    out = tmp_path / "out.ipynb"
    with open(tmp_path / "district.log", "w", encoding="utf-8") as log:
        nb = pm.execute_notebook(path, str(out), engine_name=ENGINE_NAME, kernel=kernel, progress_bar=False,
                                 stderr_file=log)
    for executed in (nb, nbformat.read(str(out), as_version=4)):
        outputs = executed.cells[0].outputs
        assert [(o["output_type"], o.get("name"), o.get("text")) for o in outputs] == \
            [("stream", "stdout", "本单元格的结果\n")]
    logged = (tmp_path / "district.log").read_text(encoding="utf-8")
    for line in ("库打印到 stderr 的一行", "库记录的一条警告", "库发出的一个警告"):
        assert line in logged


def test_a_kernel_that_dies_while_starting_is_replaced(tmp_path, monkeypatch):
    """D21: killed during its warm-up imports (here by the first import of a module that kills its
    own process once), the kernel is replaced by a new one, as one that dies mid-district is."""
    marker = tmp_path / "died-once"
    (tmp_path / "dies_once.py").write_text(
        "import os, pathlib, signal\n"
        f"marker = pathlib.Path({str(marker)!r})\n"
        "if not marker.exists():\n"
        "    marker.write_text('1')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])))
    k = WarmKernel(preload=("dies_once",)).start()
    try:
        assert marker.exists() and k.starts == 2 and k.is_alive()
        path = notebook(tmp_path / "tiny.ipynb", "print(1 + 1)")
        nb = pm.execute_notebook(path, None, engine_name=ENGINE_NAME, kernel=k, progress_bar=False)
        assert nb.cells[0].outputs[0]["text"] == "2\n"
    finally:
        k.shutdown()


def test_a_kernel_that_never_starts_is_an_error_after_a_few_tries(tmp_path, monkeypatch):
    (tmp_path / "always_dies.py").write_text("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
                                             encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])))
    k = WarmKernel(preload=("always_dies",))
    with pytest.raises((KernelError, RuntimeError)):      # 内核意外退出 / died before replying
        k.start(tries=2)
    assert k.starts == 2 and k.km is None
