"""The notebooks as committed, and as a researcher runs them: no outputs in git, literal
parameters, and both notebooks executing top to bottom with their defaults."""

from __future__ import annotations

import ast
import json

import nbformat
import papermill as pm
import pytest

from analysis import clean, config

NOTEBOOKS = sorted(config.NOTEBOOK_DIR.glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs_and_with_literal_parameters(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    for node in ast.parse(params[0].source).body:     # papermill injects after it: nothing derived
        assert isinstance(node, ast.AnnAssign) and isinstance(node.value, ast.Constant), ast.dump(node)


def test_cells_stay_thin():
    """Logic lives in src/analysis/: no loops, function or class definitions in notebook cells."""
    for path in NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                for node in ast.walk(ast.parse(cell.source)):
                    assert not isinstance(node, (ast.For, ast.While, ast.FunctionDef, ast.ClassDef)), \
                        f"{path.name}: move this logic into src/analysis/: {cell.source[:60]}"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    processed = tmp_path_factory.mktemp("processed")
    clean.prepare_wave(config.DEFAULT_WAVE, processed_dir=processed)
    return processed


def test_district_notebook_runs_for_the_default_district(prepared, tmp_path):
    out = tmp_path / "out"
    pm.execute_notebook(str(config.DISTRICT_NOTEBOOK), str(tmp_path / "run.ipynb"), kernel_name="python3",
                        parameters={"processed_dir": str(prepared), "output_dir": str(out)},
                        cwd=str(config.NOTEBOOK_DIR), progress_bar=False)
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    assert stats["meta"]["district"] == config.DEFAULT_DISTRICT
    assert (out / "report.docx").is_file() and (out / "tables.xlsx").is_file()


def test_explore_notebook_runs(prepared, tmp_path):
    result = pm.execute_notebook(str(config.NOTEBOOK_DIR / "explore.ipynb"), str(tmp_path / "explore.ipynb"),
                                 kernel_name="python3", parameters={"processed_dir": str(prepared)},
                                 cwd=str(config.NOTEBOOK_DIR), progress_bar=False)
    outputs = [o for c in result.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs)     # the comparison chart was drawn


def test_a_district_with_no_valid_responses_gets_a_report_that_says_so(tmp_path, books):
    """Every response of 乙区 is a speeder: the district is still listed, and its report runs and
    says there is nothing to analyse instead of crashing."""
    from conftest import wjx_frame

    raw = tmp_path / "raw" / "w"
    raw.mkdir(parents=True)
    rows = [{"district": "甲区", "gender": "男", "age": str(30 + i), "sat_pay": "一般"} for i in range(6)]
    rows.append({"district": "乙区", "gender": "女", "age": "41"})
    wjx_frame(books["worker"], rows, seconds=[300] * 6 + [5]).to_excel(raw / "a.xlsx", index=False)
    w = clean.prepare_wave("w", tmp_path / "raw", tmp_path / "processed", config.CODEBOOK_DIR)
    assert w.districts == ["乙区", "甲区"]
    out = tmp_path / "out"
    pm.execute_notebook(str(config.DISTRICT_NOTEBOOK), str(tmp_path / "run.ipynb"), kernel_name="python3",
                        parameters={"district": "乙区", "wave": "w", "processed_dir": str(tmp_path / "processed"),
                                    "output_dir": str(out)},
                        cwd=str(config.NOTEBOOK_DIR), progress_bar=False)
    import docx

    text = "\n".join(p.text for p in docx.Document(str(out / "report.docx")).paragraphs)
    assert "社区工作者问卷共收到1份，经核查全部剔除" in text and "没有有效问卷" in text
