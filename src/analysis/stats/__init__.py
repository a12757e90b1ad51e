"""Statistics: cleaned frames and codebooks in, rows of the one tidy stats table out.

The table's shape and its primitives are in :mod:`analysis.stats.base`; each family of statistics
has a module beside it, and :mod:`analysis.stats.district` assembles one district's table. The
public functions of all of them are importable from here, so ``stats.composition``,
``stats.crosstab`` or ``stats.district_stats`` work with tab completion in a notebook.
"""

from analysis.stats.base import (
                                 ALL_BASE,
                                 COLUMNS,
                                 SHARE_DECIMALS,
                                 VALID_BASE,
                                 check_codes,
                                 largest_remainder,
                                 lookup,
                                 mean_ci,
                                 wilson_ci,
)
from analysis.stats.compare import (
                                 adjust,
                                 cell_shares,
                                 chi_square,
                                 compare_counts,
                                 compare_items,
                                 crosstab,
                                 district_vs_rest,
                                 group_means,
                                 mann_whitney_counts,
                                 mean_difference,
                                 ordinal_logit,
                                 rank_intervals,
                                 rank_test,
                                 share_difference,
                                 shared_items,
                                 shared_questions,
                                 subgroup_tests,
)
from analysis.stats.distributions import (
                                 composition,
                                 cumulative,
                                 likert,
                                 numeric_summary,
                                 sheet_totals,
                                 subgroup_mask,
)
from analysis.stats.district import (
                                 by_district,
                                 district_stats,
                                 group_tables,
                                 instrument_tables,
                                 pooled_tables,
)
from analysis.stats.drivers import key_drivers
from analysis.stats.flow import flow_table, wave_flow
from analysis.stats.indicators import condition_mask, indicator, indicator_table, subgroup_rows
from analysis.stats.questions import (
                                 breakdown,
                                 frequency,
                                 multi_by,
                                 multi_select,
                                 numbers,
                                 question,
                                 text_counts,
)
from analysis.stats.reliability import (
                                 cronbach_alpha,
                                 index_items,
                                 index_name,
                                 item_analysis,
                                 satisfaction_index,
)
from analysis.stats.suppression import published
from analysis.stats.tableview import STAT_LABELS, view
from analysis.stats.waves import change_p, wave_change

# what ``from analysis.stats import *`` and tab completion offer: every public name imported above
__all__ = sorted(name for name in dir() if not name.startswith("_") and name not in {"annotations"})
