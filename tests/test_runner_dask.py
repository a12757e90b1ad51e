"""--dask-scheduler: districts sent to a real Dask cluster (a LocalCluster on loopback), each
worker thread keeping its own warm kernel; failures come back like local ones."""

from __future__ import annotations

import os

import pytest
from distributed import Client, LocalCluster

from analysis.errors import SurveyError
from analysis.run import runner
from test_runner import interrupted_run, marker, tiny_notebook


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, host="127.0.0.1",
                      dashboard_address=None) as c:
        yield c


def _parent(pid: int) -> int:
    return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])


def test_districts_run_on_the_cluster_in_warm_worker_kernels(cluster, tmp_path):
    nb = tiny_notebook(tmp_path / "t.ipynb")
    reports = tmp_path / "reports"
    districts = ["一区", "二区", "坏区", "三区", "四区", "五区"]
    runs = runner.run_all(districts, "2026", notebook=nb, processed_dir=tmp_path, codebook_dir=tmp_path,
                          reports_dir=reports, show_progress=False, dask_scheduler=cluster.scheduler_address,
                          preload=("pathlib",))
    by = {r.district: r for r in runs}
    assert [r.district for r in runs] == districts
    assert [d for d in districts if not by[d].ok] == ["坏区"]
    assert "故意的错误" in by["坏区"].error and by["坏区"].cell == "cell-01"
    pids = {marker(reports, d)[1] for d in districts if d != "坏区"}
    with Client(cluster.scheduler_address) as client:
        workers = set(client.run(os.getpid).values())
    assert os.getpid() not in workers
    assert 1 <= len(pids) <= 2                         # two worker threads: at most two kernels, reused
    assert {_parent(p) for p in pids} <= workers       # started by the Dask worker, not by us
    # a second run on the same cluster finds the kernels already warm
    again = runner.run_all(["六区"], "2026", notebook=nb, processed_dir=tmp_path, codebook_dir=tmp_path,
                           reports_dir=reports, show_progress=False, dask_scheduler=cluster.scheduler_address,
                           preload=("pathlib",))
    assert again[0].ok and marker(reports, "六区")[1] in pids


def test_unreachable_scheduler_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "DASK_CONNECT_TIMEOUT", "2s")
    nb = tiny_notebook(tmp_path / "t.ipynb")
    with pytest.raises(SurveyError, match="连接不上 Dask 调度器"):
        runner.run_all(["一区"], "2026", notebook=nb, processed_dir=tmp_path, codebook_dir=tmp_path,
                       reports_dir=tmp_path / "r", show_progress=False, dask_scheduler="tcp://127.0.0.1:9")


STOPPED = '''
import sys
from pathlib import Path
from analysis.run import runner
nb, reports, address = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
try:
    runner.run_all(["慢区"], "2026", notebook=nb, processed_dir=nb.parent, codebook_dir=nb.parent,
                   reports_dir=reports, show_progress=False, dask_scheduler=address, preload=("pathlib",))
except KeyboardInterrupt:
    sys.exit(130)
sys.exit(0)
'''


def test_ctrl_c_interrupts_the_districts_running_on_the_cluster(cluster, tmp_path):
    """Cancelling a Dask future does not stop a task already running: without interrupting its
    kernel, the district would go on and publish a report after the user stopped the run."""
    import time

    body = ('import os, time\nfrom pathlib import Path\n'
            'Path(processed_dir, "started").write_text(str(os.getpid()), encoding="utf-8")\n'
            'time.sleep(600)\n'
            'Path(output_dir, "marker.txt").write_text(district, encoding="utf-8")')
    code, reports, previous, kernel_pid = interrupted_run(tmp_path, body, STOPPED, cluster.scheduler_address)
    assert code == 130
    wave = reports / "2026"
    deadline = time.monotonic() + 60           # the worker's district ends (interrupted), not in 600 s
    while list(wave.glob(".慢区.*")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not list(wave.glob(".慢区.*")), "the district kept running on the worker"
    assert (previous / "report.html").read_text(encoding="utf-8") == "上一次成功的报告"
    assert not (previous / "marker.txt").exists()
    assert os.path.exists(f"/proc/{kernel_pid}")   # the warm kernel itself stays for the next run
