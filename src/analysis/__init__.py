"""社区调研分析 — survey analysis for community Party-building and workforce studies."""
