"""The command line as a user meets it: help, bad input, and a bug all end without a traceback."""

from __future__ import annotations

import pytest

from analysis import clean, cli


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
    monkeypatch.setattr(clean, "prepare_wave", broken)
    monkeypatch.setattr(cli.tempfile, "gettempdir", lambda: str(tmp_path))
    code = cli.main(["prepare", "--processed-dir", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 3 and "程序内部错误" in err and "Traceback" not in err
    assert "ZeroDivisionError" in (tmp_path / "survey-error.log").read_text(encoding="utf-8")


def _wjx(books, tmp_path, rows=None):
    from conftest import wjx_frame

    return wjx_frame(books["worker"], rows or [{"district": "桥东区", "gender": "男", "age": "40"}])


def _bad_files(books, tmp_path):
    """name → writer of one bad input; each must stop `survey prepare` with exit 2 and its message."""
    frame = _wjx(books, tmp_path)
    return {
        "empty.csv": (lambda p: p.write_bytes(b""), "空的"),
        "加密.xlsx": (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600), "密码"),
        "garbage.csv": (lambda p: p.write_bytes(bytes(range(256)) * 8), "二进制|编码"),
        "mixed.csv": (lambda p: p.write_bytes(frame.to_csv(index=False).encode("utf-8")
                                             + "1,二〇二六,\n".encode("gb18030") + b"\xff\xfe\xfa\n"), "编码"),
        "no_district.xlsx": (lambda p: frame.drop(columns=[c for c in frame.columns if "区（县）" in c])
                             .to_excel(p, index=False), "缺少必需的列"),
        "truncated.xlsx": (lambda p: (frame.to_excel(p, index=False),
                                      p.write_bytes(p.read_bytes()[:700])), "无法读取 Excel"),
    }


@pytest.mark.parametrize("name", ["empty.csv", "加密.xlsx", "garbage.csv", "mixed.csv", "no_district.xlsx",
                                  "truncated.xlsx"])
def test_each_bad_file_stops_prepare_with_one_message(books, tmp_path, capsys, name):
    import re

    write, expect = _bad_files(books, tmp_path)[name]
    wave = tmp_path / "raw" / "w"
    wave.mkdir(parents=True)
    _wjx(books, tmp_path).to_excel(wave / "good.xlsx", index=False)
    write(wave / name)
    previous = tmp_path / "processed" / "w"
    previous.mkdir(parents=True)
    (previous / "manifest.json").write_text("{\"earlier\": true}", encoding="utf-8")
    code = cli.main(["prepare", "--wave", "w", "--raw-dir", str(tmp_path / "raw"),
                     "--processed-dir", str(tmp_path / "processed")])
    err = capsys.readouterr().err
    assert code == 2 and re.search(expect, err) and name in err and "Traceback" not in err
    # the earlier result is untouched and no temporary folder is left behind
    assert (previous / "manifest.json").read_text(encoding="utf-8") == "{\"earlier\": true}"
    assert sorted(p.name for p in (tmp_path / "processed").iterdir()) == [".w.lock", "w"]   # the wave's lock stays


def test_a_contradictory_codebook_stops_prepare(books, tmp_path, capsys):
    import shutil

    from analysis import config

    cbs = tmp_path / "codebooks"
    shutil.copytree(config.CODEBOOK_DIR, cbs)
    text = (cbs / "worker.yaml").read_text(encoding="utf-8")
    (cbs / "worker.yaml").write_text(text.replace("aliases: {男性: 1,", "aliases: {男性: 9,", 1), encoding="utf-8")
    code = cli.main(["prepare", "--codebooks", str(cbs), "--processed-dir", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "worker.yaml" in err and "gender" in err and "Traceback" not in err


def test_unknown_columns_are_listed_as_a_warning(books, tmp_path, capsys):
    wave = tmp_path / "raw" / "w"
    wave.mkdir(parents=True)
    frame = _wjx(books, tmp_path)
    frame["99、您家养宠物吗"] = ["养"]
    frame.to_excel(wave / "a.xlsx", index=False)
    code = cli.main(["prepare", "--wave", "w", "--raw-dir", str(tmp_path / "raw"),
                     "--processed-dir", str(tmp_path / "processed")])
    out = capsys.readouterr().out
    assert code == 0 and "a.xlsx 中未使用的列：99、您家养宠物吗" in out


def test_a_codebook_changed_after_prepare_asks_for_prepare_again(tmp_path, capsys):
    """A question added to a codebook after `survey prepare`: `survey report` says to prepare again,
    naming the codebook, instead of failing inside a district's notebook; after prepare it runs."""
    import shutil

    from analysis import config

    cbs, processed = tmp_path / "codebooks", tmp_path / "processed"
    shutil.copytree(config.CODEBOOK_DIR, cbs)
    assert cli.main(["prepare", "--codebooks", str(cbs), "--processed-dir", str(processed)]) == 0
    text = (cbs / "resident.yaml").read_text(encoding="utf-8")
    (cbs / "resident.yaml").write_text(text + "\n# 新增一题前的备注\n", encoding="utf-8")
    capsys.readouterr()
    args = ["report", "--codebooks", str(cbs), "--processed-dir", str(processed),
            "--reports-dir", str(tmp_path / "reports"), "--district", "桥东区", "--quiet"]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert "resident.yaml" in err and "survey prepare" in err and "Traceback" not in err
    assert not (tmp_path / "reports" / config.DEFAULT_WAVE / "桥东区").exists()


def test_the_flow_table_keeps_its_columns_apart_whatever_the_titles_length():
    """A 问卷星 title of 13 characters ran into the unit's name (乡镇党组织书记队伍建设调查东关街道): each
    column is as wide as its longest entry, counted in terminal columns (a Chinese character is two)."""
    from types import SimpleNamespace

    import pandas as pd

    from analysis.textnorm import display_width

    flow = pd.DataFrame({"instrument": ["a", "a", "b"], "district": ["东关街道", "北山乡", "东关街道"],
                         "received": [30, 4, 1200], "excluded": [0, 1, 13], "valid": [30, 3, 1187]})
    books = {"a": SimpleNamespace(title="乡镇党组织书记队伍建设调查"), "b": SimpleNamespace(title="居民问卷")}
    lines = cli._flow_lines(SimpleNamespace(flow=flow, codebooks=books, unit_label="乡镇（街道）"))[1:]
    assert lines[1].startswith("乡镇党组织书记队伍建设调查  东关街道")
    unit_at = {display_width(line[:line.index(u)]) for line, u in zip(lines, ["乡镇（街道）", "东关街道", "北山乡", "东关街道"])}
    assert unit_at == {display_width("乡镇党组织书记队伍建设调查  ")}          # one column for every row
    assert len({display_width(line) for line in lines}) == 1                  # right-aligned counts end together
    assert lines[3].endswith("东关街道      1200    13  1187")


def test_report_names_margins_no_questionnaire_of_the_wave_can_use(tmp_path, capsys, monkeypatch):
    """A margins section for a questionnaire the wave has no codebook of is said on the terminal by
    ``survey report`` (the reports' method sections no longer carry it); a broken margins file stops
    nothing here."""
    from analysis import config

    margins = tmp_path / "m.yaml"
    margins.write_text((config.CONFIG_DIR / "margins" / f"{config.DEFAULT_WAVE}.yaml").read_text(encoding="utf-8")
                       .replace("worker:", "old_survey:", 1), encoding="utf-8")
    wave = clean.prepare_wave(config.DEFAULT_WAVE, processed_dir=tmp_path / "p")
    monkeypatch.setattr("analysis.weighting.weights.margins_path", lambda w: margins)
    cli._margins_notice(wave)
    err = capsys.readouterr().err
    assert err.count("注意：") == 1 and "old_survey" in err
    margins.write_text("resident: [", encoding="utf-8")
    cli._margins_notice(wave)
    assert capsys.readouterr().err == ""
