"""社区调研分析 — survey analysis for community Party-building and workforce studies.

One sub-package per stage, each importing only the stages before it (ARCHITECTURE.md)::

    read/ → spec/ → clean/ → stats/, weighting/ → publish/ → run/ → cli
    ground: config, errors, textnorm, fileio, safenames;  sample/: the synthetic sample

Until 0.1 the package was one flat folder (``analysis.pipeline``, ``analysis.render`` …). Those
names still import, as the module that now holds the code, with a DeprecationWarning naming the
new place; they go in the next release.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

# old flat module → where it is now (analysis.stats and analysis.clean kept their names: packages
# that re-export what the old modules had)
MOVED = {
    "ingest": "analysis.read.ingest", "statfiles": "analysis.read.statfiles",
    "codebook": "analysis.spec.codebook", "margins": "analysis.spec.margins", "draft": "analysis.spec.draft",
    "pipeline": "analysis.clean.wave",
    "suppression": "analysis.stats.suppression", "reliability": "analysis.stats.reliability",
    "compare": "analysis.stats.compare", "drivers": "analysis.stats.drivers",
    "waves": "analysis.stats.waves",
    "design": "analysis.weighting.design", "weights": "analysis.weighting.weights",
    "charts": "analysis.publish.charts", "narrative": "analysis.publish.narrative",
    "render": "analysis.publish", "wordtable": "analysis.publish.wordtable",
    "notebook_html": "analysis.publish.notebook_html", "report": "analysis.publish.report",
    "runner": "analysis.run.runner", "kernels": "analysis.run.kernels", "engine": "analysis.run.engine",
    "locks": "analysis.run.locks", "synth": "analysis.sample.synth",
}


def _moved(old: str):
    new = MOVED[old]
    warnings.warn(f"analysis.{old} 已移至 {new}（analysis.{old} has moved to {new}; "
                  "the old name goes in the next release）", DeprecationWarning, stacklevel=3)
    return importlib.import_module(new)


class _MovedFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``import analysis.pipeline`` / ``from analysis.pipeline import Wave``: the new module."""

    def find_spec(self, fullname, path=None, target=None):
        prefix, _, old = fullname.partition(".")
        if prefix == __name__ and old in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    _own_specs: dict = {}        # alias → the module's own spec, per name (imports may run in threads)

    def create_module(self, spec):
        module = _moved(spec.name.partition(".")[2])
        self._own_specs[spec.name] = module.__spec__     # the import system sets __spec__ to the alias's
        return module

    def exec_module(self, module):
        # already executed under its new name: give it its own spec back
        module.__spec__ = self._own_specs.pop(module.__spec__.name, module.__spec__)


if not any(isinstance(f, _MovedFinder) for f in sys.meta_path):
    sys.meta_path.append(_MovedFinder())


# the researcher's API (analysis.lab), loaded on first use: ``import analysis as sa; sa.open_wave("2026")``
LAB = ("open_wave", "unit_surveys", "Survey", "Result", "Recode")


def __getattr__(name: str):
    """``analysis.pipeline`` after a plain ``import analysis``; ``analysis.open_wave``."""
    if name in MOVED:
        return _moved(name)
    if name in LAB:
        return getattr(importlib.import_module("analysis.lab"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
