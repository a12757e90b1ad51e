"""The runner with real warm kernels: failures isolated and recorded, a dead kernel replaced,
Ctrl-C leaves nothing half-written. Tiny notebooks keep it quick; nothing depends on timing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from analysis.run import runner

FAST = ("pathlib",)          # tiny notebooks need no heavy imports in their warm kernels


def tiny_notebook(path, body: str | None = None):
    params = new_code_cell('district = "甲区"\nwave = "2026"\nprocessed_dir = ""\ncodebook_dir = ""\noutput_dir = ""')
    params.metadata["tags"] = ["parameters"]
    body = new_code_cell(body or (
        'import os\nfrom pathlib import Path\n'
        'if district == "坏区":\n    raise ValueError("故意的错误")\n'
        'if district == "死区":\n    import signal\n    os.kill(os.getpid(), signal.SIGKILL)\n'
        'Path(output_dir, "marker.txt").write_text(f"{district} {os.getpid()}", encoding="utf-8")\n'
        'print(district)'))
    cells = [params, body]
    for i, c in enumerate(cells):
        c["id"] = f"cell-{i:02d}"
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "language": "python",
                                                             "display_name": "Python 3"}})
    nbformat.write(nb, path)
    return path


def marker(reports, district) -> tuple[str, int]:
    name, pid = (reports / "2026" / district / "marker.txt").read_text(encoding="utf-8").split()
    return name, int(pid)


def test_failure_is_isolated_and_reported(tmp_path):
    nb = tiny_notebook(tmp_path / "t.ipynb")
    reports = tmp_path / "reports"
    old = reports / "2026" / "坏区"
    old.mkdir(parents=True)
    (old / "report.html").write_text("上一次成功的报告", encoding="utf-8")
    runs = runner.run_all(["好区", "坏区", "也好区"], "2026", notebook=nb, processed_dir=tmp_path,
                          codebook_dir=tmp_path, reports_dir=reports, jobs=2, show_progress=False,
                          preload=FAST)
    by = {r.district: r for r in runs}
    assert [r.district for r in runs] == ["好区", "坏区", "也好区"]
    assert by["好区"].ok and by["也好区"].ok and not by["坏区"].ok
    assert "ValueError" in by["坏区"].error and "故意的错误" in by["坏区"].error
    assert by["坏区"].cell == "cell-01"
    assert marker(reports, "好区")[0] == "好区"
    assert (reports / "2026" / "好区" / "report.html").is_file()
    assert json.loads((reports / "2026" / "好区" / "manifest.json").read_text(encoding="utf-8"))["district"] == "好区"
    # the failed district keeps its previous report, and its executed notebook is kept for inspection
    assert (old / "report.html").read_text(encoding="utf-8") == "上一次成功的报告"
    assert (reports / "2026" / "_failed" / "坏区.ipynb").is_file()
    assert not list((reports / "2026").glob(".*"))          # no temporary folder left behind
    assert (reports / "2026" / "_logs" / "坏区.log").is_file()
    record = json.loads((reports / "2026" / "_logs" / "run.json").read_text(encoding="utf-8"))
    assert [(r["district"], r["status"], r["cell"]) for r in record] == [
        ("好区", "ok", None), ("坏区", "failed", "cell-01"), ("也好区", "ok", None)]
    assert "故意的错误" in record[1]["error"]
    summary = "\n".join(runner.summary_lines(runs))
    assert "失败 1 个" in summary and "坏区" in summary and "单元格 cell-01" in summary


def test_kernels_are_reused_and_a_dead_one_is_replaced(tmp_path):
    nb = tiny_notebook(tmp_path / "t.ipynb")
    reports = tmp_path / "reports"
    districts = ["一区", "二区", "死区", "三区", "四区"]
    runs = runner.run_all(districts, "2026", notebook=nb, processed_dir=tmp_path, codebook_dir=tmp_path,
                          reports_dir=reports, jobs=1, show_progress=False, preload=FAST)
    by = {r.district: r for r in runs}
    assert [d for d in districts if not by[d].ok] == ["死区"]
    assert "内核意外退出" in by["死区"].error and by["死区"].cell == "cell-01"
    pids = {d: marker(reports, d)[1] for d in districts if d != "死区"}
    assert pids["一区"] == pids["二区"]                 # one warm kernel served both
    assert pids["三区"] == pids["四区"] != pids["一区"]    # a new one after the old one died
    for pid in set(pids.values()):                      # and all are shut down at the end
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"


def test_summary_with_many_districts_lists_only_failures():
    runs = [runner.DistrictRun(f"区{i}", i != 7, 1.0, None, "" if i != 7 else "ValueError: x", "cell-03")
            for i in range(100)]
    lines = runner.summary_lines(runs)
    assert len(lines) == 3 and "区7 " in lines[1] and "失败 1 个" in lines[-1] and "成功 99 个" in lines[-1]


INTERRUPTED = textwrap.dedent('''
    import sys
    from pathlib import Path
    from analysis.run import runner
    nb, reports = Path(sys.argv[1]), Path(sys.argv[2])
    try:
        runner.run_all(["快区", "慢区"], "2026", notebook=nb, processed_dir=nb.parent, codebook_dir=nb.parent,
                       reports_dir=reports, jobs=2, show_progress=False, preload=("pathlib",))
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(0)
''')


def interrupted_run(tmp_path, body: str, script: str, *args: str):
    """Start ``script`` (a run of the slow district 慢区, whose previous report exists) in a
    subprocess, wait until the district's cell has started, and send Ctrl-C. Returns the exit code,
    the reports folder, the previous report's folder and the pid of the kernel that ran the cell."""
    nb = tiny_notebook(tmp_path / "t.ipynb", body)
    reports = tmp_path / "reports"
    previous = reports / "2026" / "慢区"
    previous.mkdir(parents=True)
    (previous / "report.html").write_text("上一次成功的报告", encoding="utf-8")
    path = tmp_path / "run.py"
    path.write_text(script, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(path), str(nb), str(reports), *args])
    started = tmp_path / "started"
    deadline = time.monotonic() + 120
    while not started.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert started.exists(), "the slow district never started"
    kernel_pid = int(started.read_text(encoding="utf-8"))
    proc.send_signal(signal.SIGINT)
    return proc.wait(timeout=120), reports, previous, kernel_pid


def test_ctrl_c_stops_cleanly(tmp_path):
    body = ('import os, time\nfrom pathlib import Path\n'
            'Path(output_dir, "partial.txt").write_text("half", encoding="utf-8")\n'
            'if district == "慢区":\n'
            '    Path(processed_dir, "started").write_text(str(os.getpid()), encoding="utf-8")\n'
            '    time.sleep(600)\n'
            'Path(output_dir, "marker.txt").write_text(f"{district} {os.getpid()}", encoding="utf-8")')
    code, reports, previous, kernel_pid = interrupted_run(tmp_path, body, INTERRUPTED)
    assert code == 130
    wave = reports / "2026"
    assert (previous / "report.html").read_text(encoding="utf-8") == "上一次成功的报告"
    assert not (previous / "partial.txt").exists()
    assert not list(wave.glob(".*")), list(wave.glob(".*"))      # no temporary folder left
    for _ in range(50):                                           # the kernel went with the runner
        if not os.path.exists(f"/proc/{kernel_pid}"):
            break
        time.sleep(0.1)
    assert not os.path.exists(f"/proc/{kernel_pid}")
