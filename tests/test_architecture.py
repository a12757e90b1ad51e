"""The package's shape: no import circle, and every stage imports only the stages before it.

The order is the one ARCHITECTURE.md draws::

    cli → run → lab → publish → weighting → stats → clean → spec → read → ground

A stage may import itself and any stage to its right, except that ``publish`` imports neither
``clean`` nor ``read`` (it sees data only as the tidy stats table) and ``sample`` (the synthetic
data generator) stands apart, importing only the ground and imported only by ``cli``. Imports
under ``if TYPE_CHECKING:`` are annotations, not dependencies, and are not counted; imports inside
functions are.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import analysis

PACKAGE = Path(analysis.__file__).parent
ORDER = ["cli", "run", "lab", "publish", "weighting", "stats", "clean", "spec", "read", "ground"]
GROUND = {"analysis", "analysis.config", "analysis.errors", "analysis.textnorm", "analysis.fileio",
          "analysis.safenames"}
NEVER = {("publish", "clean"), ("publish", "read"), ("run", "lab"), ("cli", "lab")}


def module_names() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST):
    """Import nodes of a module, leaving out ``if TYPE_CHECKING:`` blocks."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (n for child in node.orelse for n in _imports_of(child))
            continue
        yield from _imports_of(node)


def _imports_of(node: ast.AST):
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        yield node
    else:
        yield from _imports(node)


def import_graph() -> dict[str, set[str]]:
    """module → the package's modules it imports (``from a import b``: ``a.b`` when that is a
    module, else ``a``)."""
    modules = module_names()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = name.split(".")[: len(name.split(".")) - node.level + (1 if is_package else 0)]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            graph[name] |= {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each as a closed path."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(_closed_path(graph, sorted(group)))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _closed_path(graph, group: list[str]) -> list[str]:
    """The shortest circle through the group's first module, for the message: a → b → … → a."""
    start, members = group[0], set(group)
    came_from, queue = {start: None}, [start]
    for v in queue:                              # breadth first, inside the group
        for w in sorted(graph[v] & members):
            if w == start:
                path = [v]                       # back from v to start, then turned round
                while came_from[path[-1]] is not None:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if w not in came_from:
                came_from[w] = v
                queue.append(w)
    raise AssertionError(f"not a circle: {group}")


def stage(module: str) -> str:
    if module in GROUND:
        return "ground"
    return module.split(".")[1]


def may_import(importer: str, imported: str) -> bool:
    a, b = stage(importer), stage(imported)
    if a == b or b == "ground":
        return True
    if "sample" in (a, b):
        return a == "cli"
    if (a, b) in NEVER:
        return False
    return ORDER.index(a) < ORDER.index(b)


def test_modules_import_names_from_their_module_not_from_a_stage_package():
    """``analysis.stats`` re-exports its functions for notebooks; inside the package a name is
    imported from the module that defines it, so a stage's ``__init__`` can import its modules
    without a circle."""
    modules = module_names()
    packages = {m for m, p in modules.items() if p.name == "__init__.py"}
    wrong = []
    for name, path in modules.items():
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module in packages and node.module != name:
                wrong += [f"{name}: from {node.module} import {a.name}" for a in node.names
                          if f"{node.module}.{a.name}" not in modules]
    assert wrong == [], "; ".join(wrong)


def test_every_module_belongs_to_a_known_stage():
    unknown = sorted(m for m in module_names() if stage(m) not in ORDER + ["sample"])
    assert unknown == [], f"modules outside the stages of ARCHITECTURE.md: {unknown}"


def test_no_import_circle():
    found = cycles(import_graph())
    assert found == [], "import circles: " + "; ".join(" → ".join(c) for c in found)


def test_each_stage_imports_only_the_stages_before_it():
    wrong = sorted(f"{a} → {b}" for a, targets in import_graph().items() for b in targets
                   if not may_import(a, b))
    assert wrong == [], "imports against the stage order (ARCHITECTURE.md): " + "; ".join(wrong)


def test_the_checks_see_a_circle_and_a_wrong_direction():
    """Negative controls: the same functions on made-up graphs."""
    graph = {"analysis.stats.base": {"analysis.stats.compare"}, "analysis.stats.compare": {"analysis.stats.base"},
             "analysis.publish.charts": {"analysis.clean.wave"}, "analysis.clean.wave": set()}
    assert cycles(graph) == [["analysis.stats.base", "analysis.stats.compare", "analysis.stats.base"]]
    ring = {"analysis.a": {"analysis.b"}, "analysis.b": {"analysis.c", "analysis.d"}, "analysis.c": {"analysis.a"},
            "analysis.d": set()}
    assert cycles(ring) == [["analysis.a", "analysis.b", "analysis.c", "analysis.a"]]
    assert not may_import("analysis.publish.charts", "analysis.clean.wave")
    assert not may_import("analysis.stats.base", "analysis.publish.charts")
    assert not may_import("analysis.read.ingest", "analysis.clean.table")
    assert not may_import("analysis.read.ingest", "analysis.spec.codebook")
    assert not may_import("analysis.run.runner", "analysis.sample.synth")
    assert may_import("analysis.spec.draft", "analysis.read.ingest")
    assert may_import("analysis.weighting.weights", "analysis.stats.base")
    assert may_import("analysis.lab.survey", "analysis.clean.wave")
    assert may_import("analysis.lab.results", "analysis.publish.word")
    assert not may_import("analysis.publish.tables", "analysis.lab.survey")
    assert not may_import("analysis.run.runner", "analysis.lab.survey")
    assert not may_import("analysis.stats.base", "analysis.weighting.weights")


def test_the_graph_sees_imports_inside_functions_but_not_type_checking_blocks():
    graph = import_graph()
    assert "analysis.publish.overview" in graph["analysis.run.runner"]     # imported inside a function
    assert "analysis.clean.wave" not in graph["analysis.publish.report"]    # under TYPE_CHECKING only


def test_the_flat_names_of_0_1_still_import_and_name_the_new_module():
    import importlib
    import subprocess
    import sys


    for old, new in analysis.MOVED.items():
        with pytest.warns(DeprecationWarning, match=new.replace(".", r"\.")):
            module = importlib.import_module(f"analysis.{old}")
        assert module is importlib.import_module(new) and module.__spec__.name == new
    # the other import forms, in a fresh interpreter (the modules above are cached now)
    code = ("import warnings; warnings.simplefilter('error')\n"
            "try:\n    from analysis.pipeline import Wave\nexcept DeprecationWarning as w:\n    print(w)\n"
            "warnings.simplefilter('ignore')\n"
            "from analysis.pipeline import Wave\nfrom analysis import render, weights\nimport analysis\n"
            "from analysis.clean.wave import Wave as W2\n"
            "assert Wave is W2 and render.show_table and weights.rake and analysis.charts.save_figure\n"
            "from analysis.stats import crosstab, district_stats\nfrom analysis.clean import clean_table, parse_number\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "analysis.clean.wave" in out.stdout


def test_a_chart_module_loads_no_office_writer():
    """``analysis.publish`` re-exports its writers lazily: charts alone need neither python-docx nor
    openpyxl (half a second of imports in every process that only draws)."""
    import subprocess
    import sys

    code = "import sys, analysis.publish.charts; print(sorted({'docx', 'openpyxl'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# -- no module names a variable of the bundled questionnaires --------------------------------------
# Those names live in config/codebooks/*.yaml (and the tests, and sample/, which writes the bundled
# sample). Role variables (the unit, street, community) are named by their role, and a few names
# are the codebook's own vocabulary (a type, the names the drafter proposes for personal data):
# they are not the questionnaires' content and are allowed.
VOCABULARY = {"age", "name", "phone"}
DRAFT_PROPOSES = {("analysis.spec.draft", "gender")}    # the drafter names a 性别 question gender


def bundled_variable_names() -> set[str]:
    import yaml

    names = set()
    for path in sorted((PACKAGE.parents[1] / "config" / "codebooks").glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        for spec in [*raw.get("variables", []), *(raw.get("derived") or [])]:
            if not spec.get("role"):
                names.add(spec["name"])
    return names - VOCABULARY


def _literals(path: Path) -> list[tuple[int, str]]:
    """String constants of a module that are not docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docs.add(id(first.value))
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs]


def _naming_bundled(stage_filter) -> list[str]:
    names = bundled_variable_names()
    hits = []
    for module, path in module_names().items():
        if module.startswith("analysis.sample") or not stage_filter(module):
            continue
        hits += [f"{module}:{line} {text!r}" for line, text in _literals(path)
                 if text in names and (module, text) not in DRAFT_PROPOSES]
    return hits


def test_the_bundled_variable_names_are_read_from_the_codebooks():
    names = bundled_variable_names()
    assert {"gender", "age_band", "post", "one_shoulder", "org_type", "sat_overall"} <= names
    assert "district" not in names and "age" not in names


def test_no_module_outside_publish_names_a_bundled_variable():
    """What a report shows is declared in the codebooks; code that names a bundled variable
    works for the bundled sample only."""
    hits = _naming_bundled(lambda m: not m.startswith("analysis.publish"))
    assert not hits, "\n".join(hits)


def test_no_publish_module_names_a_bundled_variable():
    hits = _naming_bundled(lambda m: m.startswith("analysis.publish"))
    assert not hits, "\n".join(hits)
