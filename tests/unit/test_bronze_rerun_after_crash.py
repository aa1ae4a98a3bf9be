"""A run that died between bronze's two appends (rejections, then rows) parses those files again: the
rerun must not record their row rejections twice (issue 25)."""

from __future__ import annotations

from datetime import date

import polars as pl

from da_platform.defs.ingest.assets import BRONZE_DAILY, BRONZE_REJECTIONS, _append_parsed
from da_platform.lakehouse.cleaning import admission_rejects
from da_platform.lakehouse.delta_lake import LocalLake


def test_rejections_a_dead_run_already_wrote_are_not_written_again(lake: LocalLake, volve_bronze) -> None:
    march = volve_bronze.filter(pl.col("production_date").dt.strftime("%Y-%m") == "2016-03")
    # rows before 2016-03-15 cannot be placed on a partition: real DATE_BEFORE_START rejections
    _, rejected = admission_rejects(march, date(2016, 3, 15), date(2026, 12, 1))
    assert rejected.height > 0
    lake.append(BRONZE_REJECTIONS, rejected)  # the dead run got this far

    _append_parsed(lake, [(march, rejected)])  # the rerun parses the same file again

    assert lake.read(BRONZE_REJECTIONS).height == rejected.height
    assert lake.read(BRONZE_DAILY).height == march.height


def test_rejections_of_a_file_bronze_has_not_seen_are_all_written(lake: LocalLake, volve_bronze) -> None:
    march = volve_bronze.filter(pl.col("production_date").dt.strftime("%Y-%m") == "2016-03")
    _, rejected = admission_rejects(march, date(2016, 3, 15), date(2026, 12, 1))
    first, second = rejected.head(3), rejected.tail(rejected.height - 3)
    lake.append(BRONZE_REJECTIONS, first)
    _append_parsed(lake, [(march, second)])
    assert lake.read(BRONZE_REJECTIONS).height == rejected.height
