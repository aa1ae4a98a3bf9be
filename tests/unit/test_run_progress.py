"""The progress bar's arithmetic for `datalive run`'s long steps: completed / total assets of a run."""

from __future__ import annotations

from da_platform.run_progress import AssetProgress

GOLD = ["gold/fct_well_day", "gold/fct_field_day", "gold/agg_well_month"]


def test_each_materialized_asset_of_the_step_advances_the_count_once() -> None:
    progress = AssetProgress(GOLD)

    assert progress.observe("ASSET_MATERIALIZATION", "gold/fct_well_day") is True
    assert progress.observe("ASSET_MATERIALIZATION", "gold/fct_field_day") is True

    assert (progress.completed, progress.total) == (2, 3)


def test_a_second_partition_of_the_same_asset_does_not_count_again() -> None:
    progress = AssetProgress(GOLD)
    progress.observe("ASSET_MATERIALIZATION", "gold/fct_well_day")

    assert progress.observe("ASSET_MATERIALIZATION", "gold/fct_well_day") is False
    assert progress.completed == 1


def test_checks_step_events_and_assets_outside_the_step_never_count() -> None:
    progress = AssetProgress(GOLD)

    changed = [
        progress.observe("ASSET_CHECK_EVALUATION", "gold/fct_well_day"),
        progress.observe("STEP_SUCCESS", None),
        progress.observe("ASSET_MATERIALIZATION", None),
        progress.observe("ASSET_MATERIALIZATION", "silver/production_daily"),
    ]

    assert changed == [False, False, False, False]
    assert progress.completed == 0


def test_the_count_reaches_the_total_when_every_asset_is_materialized() -> None:
    progress = AssetProgress(GOLD)
    for key in GOLD + GOLD:
        progress.observe("ASSET_MATERIALIZATION", key)

    assert progress.completed == progress.total == 3


def test_a_step_with_no_known_assets_has_no_total_so_the_bar_pulses() -> None:
    assert AssetProgress([]).total is None
