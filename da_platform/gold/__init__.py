"""Gold: the dbt project's tables, the reconciliation rule and the daily operational report."""
