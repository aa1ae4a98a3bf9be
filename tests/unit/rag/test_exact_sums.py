"""The explanations' sums do not depend on the order gold stores its rows in."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from da_platform.lakehouse.warehouse import Warehouse
from da_platform.rag.analysis import GoldFacts
from da_platform.rag.kinds import KindAnalyses

# 0.1 + 0.2 + 0.3 is 0.6000000000000001 in this order and 0.6 in the reverse one.
OIL = (0.1, 0.2, 0.3)


def gold_storing(tmp_path: Path, oil: tuple[float, ...]) -> KindAnalyses:
    """A warehouse whose gold holds one well's days with ``oil``, stored in that order."""
    warehouse = Warehouse(tmp_path / "dev" / "warehouse" / "datalive_dev.duckdb", "dev")
    with warehouse.connect() as con:
        con.execute("CREATE SCHEMA gold")
        con.execute("CREATE TABLE gold.dim_well AS SELECT 'W-1' AS well_id, 'NO W-1' AS wellbore_code, "
                    "'FIELD' AS field_id, 'OP' AS well_type")  # fmt: skip
        con.execute(
            "CREATE TABLE gold.fct_well_daily_production (production_date DATE, well_id VARCHAR, field_id VARCHAR, "
            "facility_id VARCHAR, well_type VARCHAR, oil_sm3 DOUBLE, gas_sm3 DOUBLE, water_sm3 DOUBLE, "
            "on_stream_hrs DOUBLE, day_hours DOUBLE)"
        )
        for day, value in enumerate(oil, start=1):
            con.execute(
                "INSERT INTO gold.fct_well_daily_production VALUES (?, 'W-1', 'FIELD', 'FAC', 'OP', ?, 0, 0, 24, 24)",
                [date(2016, 3, day), value],
            )
    return KindAnalyses(GoldFacts(warehouse), events=[])


@pytest.mark.parametrize("stored", [OIL, OIL[::-1]], ids=["ascending", "descending"])
def test_a_period_sum_is_the_same_whatever_order_gold_stores_its_rows_in(tmp_path: Path, stored) -> None:
    assert sum(OIL) != sum(OIL[::-1])  # the float sums of the two orders do differ

    sums = gold_storing(tmp_path, stored)._sums("oil", date(2016, 3, 1), date(2016, 3, 31), "W-1", None)

    assert sums["oil"].item() == 0.6
