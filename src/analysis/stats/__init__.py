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
                                 largest_remainder,
                                 lookup,
                                 mean_ci,
                                 wilson_ci,
)
from analysis.stats.community import (
                                 community_tables,
                                 coverage,
                                 members_by_kind,
                                 org_type_from_members,
                                 org_types,
)
from analysis.stats.compare import (
                                 adjust,
                                 chi_square,
                                 compare_counts,
                                 compare_items,
                                 crosstab,
                                 district_vs_rest,
                                 mann_whitney_counts,
                                 ordinal_logit,
                                 rank_test,
                                 residents_vs_workers,
                                 shared_items,
                                 subgroup_tests,
)
from analysis.stats.distributions import (
                                 composition,
                                 likert,
                                 numeric_summary,
                                 sheet_totals,
                                 subgroup_mask,
                                 subgroup_summary,
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
from analysis.stats.reliability import (
                                 cronbach_alpha,
                                 index_items,
                                 item_analysis,
                                 satisfaction_index,
)
from analysis.stats.suppression import published
from analysis.stats.tableview import STAT_LABELS, view
from analysis.stats.waves import change_p, wave_change

__all__ = [
    "ALL_BASE", "COLUMNS", "SHARE_DECIMALS", "STAT_LABELS", "VALID_BASE", "adjust", "by_district",
    "change_p", "chi_square", "community_tables", "compare_counts", "compare_items", "composition",
    "coverage", "cronbach_alpha", "crosstab", "district_stats", "district_vs_rest", "flow_table",
    "group_tables", "index_items", "instrument_tables", "item_analysis", "key_drivers", "largest_remainder",
    "likert", "lookup", "mann_whitney_counts", "mean_ci", "members_by_kind", "numeric_summary",
    "ordinal_logit", "org_type_from_members", "org_types", "pooled_tables", "published", "rank_test",
    "residents_vs_workers", "satisfaction_index", "shared_items", "sheet_totals", "subgroup_mask",
    "subgroup_summary", "subgroup_tests", "view", "wave_change", "wave_flow", "wilson_ci",
]
