"""The project's paths and defaults in one place (cookiecutter-data-science's config.py).

Paths default to the project folder this package was installed from; every function that reads or
writes takes explicit paths too, so tests and other projects can point elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("SURVEY_HOME", Path(__file__).resolve().parents[2]))
CONFIG_DIR = PROJECT_ROOT / "config"
CODEBOOK_DIR = CONFIG_DIR / "codebooks"
RAW_DIR = PROJECT_ROOT / "data" / "raw"
PROCESSED_DIR = PROJECT_ROOT / "data" / "processed"
REPORTS_DIR = PROJECT_ROOT / "reports"
NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
DISTRICT_NOTEBOOK = NOTEBOOK_DIR / "district_report.ipynb"

DEFAULT_WAVE = "2026"
DEFAULT_DISTRICT = "桥东区"
POOLED_GROUP = "全部区县"        # label of the all-districts comparison group
SAMPLE_NOTE = "示例数据"         # printed on every output built from the bundled synthetic sample
MIN_CELL = 5                     # published cells with fewer respondents are suppressed (issue 4 extends)
