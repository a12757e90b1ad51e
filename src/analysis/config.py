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
NO_DISTRICT = "（未填区县）"     # the unit recorded for a row whose unit answer is empty (excluded: missing_unit)
UNIT_LABEL = "区县"              # the word for the reporting unit when no codebook labels a role: district variable
WHOLE_SAMPLE = "全部样本"       # the one reporting unit of a wave whose questionnaires have no unit question
SAMPLE_NOTE = "示例数据"         # printed on every output built from the bundled synthetic sample
# Shares are printed to 0.1 by rounding the exact share half up (25/45 = 55.555…% → 55.6), so a reader
# checking a cell with a calculator gets the printed figure; a table's shares may then add up to
# 99.9 or 100.1, and its note says so. "largest_remainder" adjusts them to sum to 100.0 instead
# (Hamilton's method, as seed 004 did), and the notes say they were adjusted.
SHARE_ROUNDING = "half_up"
MIN_CELL = 5                     # published cells with fewer respondents are suppressed (policy: analysis.stats.suppression)

# -- statistics (analysis.stats and its modules) ----------------------------------------------------
# Small cells: see analysis.stats.suppression for the policy and its reasoning.
SUPPRESSION_EXEMPT_BASE = 100    # a one-way distribution over at least this many respondents publishes counts < MIN_CELL
ALPHA = 0.05                     # 95% intervals; tests reported with p, and p adjusted (Holm) when many run
P_ADJUST = "holm"                # statsmodels.stats.multitest.multipletests method for families of tests
