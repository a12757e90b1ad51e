"""The command line as a user meets it: help, bad input, and a bug all end without a traceback."""

from __future__ import annotations

import pytest

from analysis import cli, pipeline


def test_help_explains_in_chinese(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert e.value.code == 0 and "新增区县" in out and "reports/<批次>/index.html" in out


@pytest.mark.parametrize("argv,expect", [
    (["prepare", "--raw-dir", "{tmp}/nowhere", "--processed-dir", "{tmp}/out"], "找不到数据文件夹"),
    (["prepare", "--raw-dir", "{tmp}", "--wave", "empty", "--processed-dir", "{tmp}/out"], "没有可读的问卷文件"),
    (["prepare", "--codebooks", "{tmp}/none", "--processed-dir", "{tmp}/out"], "没有编码手册"),
    (["report", "--processed-dir", "{tmp}"], "还没有清洗好的数据"),
])
def test_bad_input_is_one_message_and_exit_2(tmp_path, capsys, argv, expect):
    (tmp_path / "empty").mkdir()
    (tmp_path / "none").mkdir()
    code = cli.main([a.format(tmp=tmp_path) for a in argv])
    err = capsys.readouterr().err
    assert code == 2 and expect in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()          # nothing half-written


def test_internal_error_is_logged_not_dumped(monkeypatch, tmp_path, capsys):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("程序缺陷")
    monkeypatch.setattr(pipeline, "prepare_wave", broken)
    monkeypatch.setattr(cli.tempfile, "gettempdir", lambda: str(tmp_path))
    code = cli.main(["prepare", "--processed-dir", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 3 and "程序内部错误" in err and "Traceback" not in err
    assert "ZeroDivisionError" in (tmp_path / "survey-error.log").read_text(encoding="utf-8")
