from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from da_platform.gold.deferment import deferment_by_cause


@dataclass(frozen=True)
class Ev:
    well_id: str
    start: date
    end: date
    cause: str


DAYS = pl.DataFrame(
    {
        "well_id": ["A", "A", "A", "B"],
        "production_date": [date(2016, 3, d) for d in (1, 2, 3)] + [date(2016, 3, 2)],
        "downtime_hrs": [24.0, 12.0, 0.0, 6.0],
        "oil_sm3_ma7": [100.0, 100.0, 100.0, 48.0],
    }
)


def test_downtime_goes_to_the_event_covering_the_well_day_else_unspecified() -> None:
    table = deferment_by_cause(DAYS, [Ev("A", date(2016, 3, 1), date(2016, 3, 2), "compressor trip")])
    rows = {r["cause"]: r for r in table.to_dicts()}
    assert rows["compressor trip"]["downtime_hrs"] == 36.0 and rows["compressor trip"]["well_days"] == 2
    assert rows["compressor trip"]["deferred_oil_sm3"] == 150.0  # 24/24*100 + 12/24*100
    assert rows["unspecified"]["downtime_hrs"] == 6.0 and rows["unspecified"]["deferred_oil_sm3"] == 12.0


def test_an_event_on_another_well_or_day_does_not_take_the_downtime() -> None:
    table = deferment_by_cause(DAYS, [Ev("B", date(2016, 3, 1), date(2016, 3, 1), "weather")])
    assert table["cause"].to_list() == ["unspecified"]
    assert table["downtime_hrs"].sum() == DAYS["downtime_hrs"].sum()


def test_overlapping_events_give_the_day_to_the_latest_starting_one() -> None:
    events = [
        Ev("A", date(2016, 2, 20), date(2016, 3, 5), "workover"),
        Ev("A", date(2016, 3, 2), date(2016, 3, 2), "well test"),
    ]
    rows = {r["cause"]: r["downtime_hrs"] for r in deferment_by_cause(DAYS, events).to_dicts()}
    assert rows == {"workover": 24.0, "well test": 12.0, "unspecified": 6.0}


def test_no_downtime_gives_an_empty_table() -> None:
    assert deferment_by_cause(DAYS.with_columns(downtime_hrs=pl.lit(0.0)), []).height == 0
