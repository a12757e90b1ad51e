"""The papermill runner with a real kernel: a failing district is isolated and reported."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from analysis import runner


def tiny_notebook(path):
    params = new_code_cell('district = "甲区"\nwave = "2026"\nprocessed_dir = ""\ncodebook_dir = ""\noutput_dir = ""')
    params.metadata["tags"] = ["parameters"]
    body = new_code_cell(
        'from pathlib import Path\n'
        'if district == "坏区":\n    raise ValueError("故意的错误")\n'
        'Path(output_dir, "marker.txt").write_text(district, encoding="utf-8")\nprint(district)')
    nb = new_notebook(cells=[params, body], metadata={"kernelspec": {"name": "python3", "language": "python",
                                                                      "display_name": "Python 3"}})
    nbformat.write(nb, path)
    return path


def test_failure_is_isolated_and_reported(tmp_path):
    nb = tiny_notebook(tmp_path / "t.ipynb")
    reports = tmp_path / "reports"
    old = reports / "2026" / "坏区"
    old.mkdir(parents=True)
    (old / "report.html").write_text("上一次成功的报告", encoding="utf-8")
    runs = runner.run_all(["好区", "坏区", "也好区"], "2026", notebook=nb, processed_dir=tmp_path,
                          codebook_dir=tmp_path, reports_dir=reports, jobs=2, show_progress=False)
    by = {r.district: r for r in runs}
    assert [r.district for r in runs] == ["好区", "坏区", "也好区"]
    assert by["好区"].ok and by["也好区"].ok and not by["坏区"].ok
    assert "ValueError" in by["坏区"].error and "故意的错误" in by["坏区"].error
    assert (reports / "2026" / "好区" / "marker.txt").read_text(encoding="utf-8") == "好区"
    assert (reports / "2026" / "好区" / "report.html").is_file()
    # the failed district keeps its previous report, and its executed notebook is kept for inspection
    assert (old / "report.html").read_text(encoding="utf-8") == "上一次成功的报告"
    assert (reports / "2026" / "_failed" / "坏区.ipynb").is_file()
    assert not list((reports / "2026").glob(".*"))          # no temporary folder left behind
    assert (reports / "2026" / "_logs" / "坏区.log").is_file()
    summary = "\n".join(runner.summary_lines(runs))
    assert "失败 1 个" in summary and "坏区" in summary
