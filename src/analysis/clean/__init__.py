"""Cleaning: raw tables and their codebooks in, valid responses and a record of every change out.

:mod:`analysis.clean.table` cleans one raw table (columns to variables, answers to codes, the
quality rules); :mod:`analysis.clean.wave` recognises each export's questionnaire, cleans a whole
wave into ``data/processed/<wave>/`` and loads it back (:class:`Wave`). Both are importable from
here: ``clean.load_wave("2026")``.
"""

from analysis.clean.table import (
                                  CHANGE_COLUMNS,
                                  EXCLUSION_COLUMNS,
                                  RULE_LABELS,
                                  CleanResult,
                                  Layout,
                                  clean_table,
                                  map_columns,
                                  rule_label,
                                  unit_label,
                                  unit_names,
)
from analysis.clean.wave import Wave, identify, load_wave, prepare_wave, wave_info, wave_title
from analysis.config import NO_DISTRICT, UNIT_LABEL, WHOLE_SAMPLE

# value parsing lives in analysis.read.values; these names were importable from analysis.clean before
from analysis.read.values import MULTI_SEP, parse_number, parse_seconds, split_multi
