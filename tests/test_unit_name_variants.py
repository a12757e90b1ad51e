"""Unit names (issue 18, D5, D17): one unit written several ways is listed with the ``aliases:``
that would merge it, aliases on a text unit merge it, and invisible or look-alike characters
(soft hyphen, U+034F, U+2800, VS16, U+3164, zero-width …) never make a second unit."""

from __future__ import annotations

import shutil

import pytest

from analysis import clean, config
from analysis.clean import unitnames
from analysis.textnorm import canon
from conftest import wjx_frame
from hostile_corpus import _worker_rows
from wave_files import prepare, raw_folder

WAYS = {"桥东区": 6, "桥东": 3, "石家庄市桥东区": 2, "桥东区（石家庄）": 1}


def _rows():
    rows = [r for name, n in WAYS.items() for r in _worker_rows(n, district=name)]
    for i, r in enumerate(rows):
        r["age"] = str(20 + i)
    return rows


def _prepare(tmp_path, capsys, codebooks=config.CODEBOOK_DIR):
    code = prepare(tmp_path, "--codebooks", str(codebooks))
    out, err = capsys.readouterr()
    assert code == 0, err
    return clean.load_wave("w", tmp_path / "processed", codebooks), out + err


@pytest.fixture
def raw(books, tmp_path):
    folder = raw_folder(tmp_path)
    wjx_frame(books["worker"], _rows()).to_excel(folder / "a.xlsx", index=False)
    return folder


def test_names_differing_by_prefix_suffix_or_bracket_are_listed_with_the_aliases(raw, tmp_path, capsys):
    w, said = _prepare(tmp_path, capsys)
    assert sorted(w.districts) == sorted(canon(n) for n in WAYS)          # not merged behind the user's back
    note = w.manifest["unit_notes"]
    assert len(note) == 1 and sorted(note[0]["names"]) == sorted(canon(n) for n in WAYS)
    assert note[0]["aliases"] == "aliases: {桥东: 桥东区, 桥东区(石家庄): 桥东区, 石家庄市桥东区: 桥东区}"
    assert "可能是同一个区县" in said and note[0]["aliases"] in said


def test_aliases_on_a_text_unit_merge_its_spellings(raw, tmp_path, capsys):
    cbs = tmp_path / "codebooks"
    shutil.copytree(config.CODEBOOK_DIR, cbs)
    path = cbs / "worker.yaml"
    text = path.read_text(encoding="utf-8")
    hint = "aliases: {桥东: 桥东区, 桥东区(石家庄): 桥东区, 石家庄市桥东区: 桥东区}"
    text = text.replace("    type: text\n    role: district\n", f"    type: text\n    role: district\n    {hint}\n", 1)
    path.write_text(text, encoding="utf-8")
    w, said = _prepare(tmp_path, capsys, cbs)
    assert w.districts == ["桥东区"]
    assert int(w.flow.set_index("district").loc["桥东区", "valid"]) == sum(WAYS.values())
    aliased = w.changes[(w.changes["variable"] == "district") & (w.changes["rule"] == "alias")]
    assert len(aliased) == 3 + 2 + 1
    assert not w.manifest["unit_notes"] and "可能是同一个" not in said


def test_a_text_alias_must_name_a_unit(tmp_path):
    from analysis.errors import SurveyError
    from analysis.spec import codebook

    path = tmp_path / "t.yaml"
    path.write_text("instrument: t\ntitle: 测试\nsurvey_date: 2026-09-01\nvariables:\n"
                    "  - {name: district, question: 区县, label: 区县, type: text, role: district,\n"
                    "     aliases: {桥东: [桥东区]}}\n", encoding="utf-8")
    with pytest.raises(SurveyError) as e:
        codebook.load(path)
    assert e.value.variable == "district" and "应对应一个名称" in str(e.value)


@pytest.mark.parametrize("names, groups", [
    (["桥东区", "桥西区", "长安区", "新华区"], []),
    (["市中区", "中区"], []),                                      # 市中区 is a name, not 市 + 中区
    (["幸福社区", "幸福社区居委会", "和平社区"], [["幸福社区", "幸福社区居委会"]]),
    (["长安区", "河北省石家庄市长安区"], [["河北省石家庄市长安区", "长安区"]]),
])
def test_similar_names(names, groups):
    assert unitnames.similar(names) == groups


INVISIBLE = ["\u00ad", "\u034f", "\u2800", "\ufe0f", "\u3164", "\u200b", "\u2060", "\ufeff", "\u180e", "\uffa0"]


def test_invisible_characters_make_no_second_unit(books, tmp_path, capsys):
    folder = raw_folder(tmp_path)
    names = ["桥东区"] + [f"桥{ch}东区" if i % 2 else f"桥东区{ch}" for i, ch in enumerate(INVISIBLE)]
    rows = [r for name in names for r in _worker_rows(2, district=name)]
    for i, r in enumerate(rows):
        r["age"] = str(20 + i % 50)
    wjx_frame(books["worker"], rows).to_csv(folder / "a.csv", index=False)
    w, _ = _prepare(tmp_path, capsys)
    assert w.districts == ["桥东区"]
    assert int(w.flow["received"].sum()) == 2 * len(names) == int(w.flow.set_index("district").loc["桥东区", "received"])


@pytest.mark.parametrize("ch", INVISIBLE)
def test_canon_removes(ch):
    assert canon(f"桥{ch}东区{ch}") == "桥东区"
