"""The overview page (index.html and its charts) is drawn once per run, in a warm kernel when the
districts ran in local kernels, and only when what it is made from changed."""

from __future__ import annotations

import json
import shutil

import pytest

from analysis import cli, config
from analysis.publish import overview
from analysis.run import runner
from analysis.run.kernels import WarmKernel

OUTPUTS = ["index.html", "_overview/overview_overall.png", "_overview/overview_overall.svg",
           "_overview/overview_items.png", "_overview/overview_items.svg"]


@pytest.fixture
def wave(built, tmp_path):
    """A copy of the sample's built reports, overview removed."""
    assert built["code"] == 0
    wave_dir = tmp_path / "reports" / config.DEFAULT_WAVE
    shutil.copytree(built["reports"], wave_dir)
    (wave_dir / "index.html").unlink()
    shutil.rmtree(wave_dir / overview.OVERVIEW_FIGURES)
    (wave_dir / "_logs" / runner.OVERVIEW_RECORD).unlink(missing_ok=True)
    return wave_dir


def test_overview_drawn_in_a_warm_kernel_is_the_one_drawn_here(wave, tmp_path):
    here = tmp_path / "here"
    shutil.copytree(wave, here)
    overview.write_index_html(here, config.DEFAULT_WAVE)
    kernel = WarmKernel().start()
    try:
        assert runner.write_overview(wave, config.DEFAULT_WAVE, kernel=kernel)
    finally:
        kernel.shutdown()
    for name in OUTPUTS:
        assert (wave / name).read_bytes() == (here / name).read_bytes(), name


def test_a_dead_kernel_leaves_the_overview_to_this_process(wave):
    kernel = WarmKernel()               # never started (as after it died): drawn here instead
    assert runner.write_overview(wave, config.DEFAULT_WAVE, kernel=kernel)
    assert all((wave / name).is_file() for name in OUTPUTS)


def test_overview_is_redrawn_only_when_its_inputs_change(wave, monkeypatch):
    write = lambda **kw: runner.write_overview(wave, config.DEFAULT_WAVE, **kw)  # noqa: E731
    assert write()
    stamp = (wave / "index.html").stat().st_mtime_ns
    assert not write() and (wave / "index.html").stat().st_mtime_ns == stamp
    assert write(force=True)
    # a district's numbers change
    stats = wave / "桥东区" / "stats.json"
    data = json.loads(stats.read_text(encoding="utf-8"))
    row = next(r for r in data["rows"] if r["stat"] == "top2" and r["value"] is not None)
    row["value"] += 1
    stats.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert write() and not write()
    # a linked file disappears (its link goes), a district folder goes, the page is deleted
    (wave / "裕华区" / "tables.xlsx").unlink()
    assert write() and not write()
    shutil.rmtree(wave / "新华区")
    assert write() and "新华区" not in (wave / "index.html").read_text(encoding="utf-8")
    (wave / "index.html").unlink()
    assert write() and not write()
    # the package that draws it changes
    monkeypatch.setattr(runner, "_package_version", lambda: "0.0.0+changed")
    assert write() and not write()


def test_a_rerun_with_nothing_changed_leaves_the_overview_alone(built, tmp_path, capsys):
    reports = tmp_path / "reports"
    shutil.copytree(built["reports"], reports / config.DEFAULT_WAVE)
    args = ["report", "--processed-dir", str(built["processed"]), "--reports-dir", str(reports), "--quiet"]
    index = reports / config.DEFAULT_WAVE / "index.html"
    stamp = index.stat().st_mtime_ns
    assert cli.main(args) == 0
    assert "跳过 5 个" in capsys.readouterr().out
    assert index.stat().st_mtime_ns == stamp
