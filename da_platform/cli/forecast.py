"""``datalive forecast``, ``datalive backtest`` and ``datalive models``: the forecast of one well, the backtest of
the policy, and the model registry's promotions and rollbacks."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from da_platform.catalog import SILVER_PRODUCTION
from da_platform.cli.common import audit, registry, say


def _silver_production(settings):
    from da_platform.lakehouse.delta_lake import open_lake

    lake = open_lake(settings)
    if not lake.exists(SILVER_PRODUCTION.path):
        raise SystemExit("datalive: no silver production yet in this environment: run `datalive run` first")
    return lake.read(SILVER_PRODUCTION.path)


def cmd_forecast(args: argparse.Namespace, settings) -> int:
    """Forecast one well from its last landed day with the champion policy (or the default one)."""
    from da_platform.forecast.outages import OutageLog
    from da_platform.forecast.plots import fan_chart
    from da_platform.forecast.policy_backtest import logged_events
    from da_platform.forecast.series import NotAProducerError, daily_series
    from da_platform.forecast.service import forecast_well, well_history
    from da_platform.lakehouse.delta_lake import open_lake

    production = _silver_production(settings)
    config, version, run_id = registry(settings).champion_config()
    # The operator log: a well down on its last day stays down as planned, or as past outages lasted.
    outages = OutageLog(logged_events(open_lake(settings)))
    try:
        result = forecast_well(production, args.well, args.product, args.horizon_days, config, outages)
    except (KeyError, NotAProducerError) as exc:
        say(f"datalive forecast: {exc.args[0]}")
        return 2
    if args.plot:
        series = daily_series(well_history(production, args.well), args.product, args.well)
        fan_chart(series, result, Path(args.plot))
        say(f"fan chart written to {args.plot}")
    # Rate band (Sm3/d on producing days) and the calendar-day volume band (rate x uptime, Sm3), as the
    # asset stores them: planners plan volumes.
    columns = ("date", "p10", "p50", "p90", "uptime", "volume_p10", "volume_p50", "volume_p90")
    points = [
        {"date": row[0].isoformat(), **dict(zip(columns[1:], row[1:], strict=True))}
        for row in result.points.select(columns).iter_rows()
    ]
    payload = {
        "well": result.well_id,
        "product": result.product,
        "model": result.model,
        "model_version": version,
        "run_id": run_id,
        "status": result.status,
        "reason": result.reason,
        "origin": result.origin.isoformat() if result.origin else None,
        "points": points,
    }
    if args.json:
        print(json.dumps(payload, indent=2))
    else:
        print(f"{result.well_id} {result.product}: model {result.model} ({result.status}) from {payload['origin']}")
        for point in points[:: max(1, len(points) // 10)]:
            print(
                f"  {point['date']}  P10 {point['p10']:8.1f}  P50 {point['p50']:8.1f}  P90 {point['p90']:8.1f} Sm3/d"
                f"  volume P10 {point['volume_p10']:8.1f}  P50 {point['volume_p50']:8.1f}"
                f"  P90 {point['volume_p90']:8.1f} Sm3"
            )
    return 0


def cmd_backtest(args: argparse.Namespace, settings) -> int:
    """Run the rolling-origin backtest on silver, log it to MLflow as a candidate, print the metrics."""
    from da_platform.forecast.peers import PEERS
    from da_platform.forecast.policy_backtest import backtest_policy, logged_events, register_candidate
    from da_platform.forecast.select import ForecastConfig
    from da_platform.lakehouse.delta_lake import open_lake

    if args.monthly:
        return _backtest_monthly(args, settings)
    production = _silver_production(settings)
    config = ForecastConfig()
    # The peers (Theta, log-ARIMA, SCUM) are scored beside the policy in every CLI run, never selected.
    peers = () if args.no_peers else PEERS
    events = logged_events(open_lake(settings))
    scored = backtest_policy(production, args.product, config, peers=peers, events=events)
    if reason := scored.insufficient_history:
        say(f"{reason}; nothing was logged")
        return 1
    table = scored.table
    target = registry(settings).target()
    candidate = register_candidate(target, config, table, {"source": "cli"})
    say(f"logged as {target.model_name} version {candidate.version} (run {candidate.run_id})")
    if args.json:
        print(json.dumps(table.to_dicts(), indent=2, default=str))
    else:
        shown = ["mase", "mase_well_mean", "coverage_p10_p90"]
        print(table.filter(table["metric"].is_in(shown)).sort("model", "horizon_days"))
    return 0


def _backtest_monthly(args: argparse.Namespace, settings) -> int:
    """`datalive backtest --monthly`: the medium-term backtest on the bundled Sodir field table (3, 6 and 12
    months, oil and gas) and on silver's wells' monthly series when there are any (logged nowhere: the
    daily policy is the registered model)."""
    import polars as pl

    from da_platform.forecast.monthly_backtest import (
        monthly_backtest_sodir,
        monthly_backtest_wells,
        read_sodir_monthly,
        sodir_sample_path,
        summarize_monthly,
    )

    path = Path(args.sodir) if args.sodir else sodir_sample_path()
    fields = read_sodir_monthly(path)
    if args.fields:
        fields = fields.filter(pl.col("field").is_in(fields["field"].unique().sort().head(args.fields).to_list()))
    windows = [monthly_backtest_sodir(fields)]
    from da_platform.lakehouse.delta_lake import open_lake

    lake = open_lake(settings)
    if lake.exists(SILVER_PRODUCTION.path):  # the wells' monthly series too, when silver has any
        windows.append(monthly_backtest_wells(lake.read(SILVER_PRODUCTION.path)))
    scored = [w for w in windows if w.height]
    if not scored:
        say(
            "insufficient history for a monthly backtest: no series has 36 producing months before a cut-off"
            " and 12 after"
        )
        return 1
    table = summarize_monthly(pl.concat(scored, how="diagonal_relaxed"))
    if args.json:
        print(json.dumps(table.to_dicts(), indent=2, default=str))
    else:
        shown = table.filter(
            pl.col("metric").is_in(["mase", "mase_seasonal", "coverage_p10_p90"])
            | pl.col("metric").str.starts_with("ahead_of_")
        )
        with pl.Config(tbl_rows=200, tbl_width_chars=160):  # one column per model, one row per figure
            print(shown.pivot(on="model", index=["source", "product", "horizon_months", "metric"], values="value"))
    return 0


def cmd_models(args: argparse.Namespace, settings) -> int:
    """Promote the champion forecast policy of this environment into qa or prod."""
    from dataclasses import replace

    from da_platform.forecast.tracking import PromotionRefused, promote

    if args.models_command == "rollback":
        return _models_rollback(args, settings)
    if args.to == settings.env:
        say(f"datalive models promote: already in {settings.env}")
        return 2
    target_settings = replace(settings, env=args.to, pr_id=None)
    try:
        promotion = promote(registry(settings).target(), registry(target_settings).target(), args.version)
    except PromotionRefused as exc:
        say(f"refused: {exc}")
        audit(settings, "model.promote", f"{args.to}:champion", "refused", {"reason": str(exc)[:300]})
        return 1
    audit(
        settings, "model.promote", f"{args.to}:champion", "ok",
        {"source_version": promotion.source_version, "target_version": promotion.target_version,
         "previous_champion": promotion.previous_champion},
    )  # fmt: skip
    say(f"promoted to {args.to}: {promotion}")
    return 0


def _models_rollback(args: argparse.Namespace, settings) -> int:
    """Point an environment's champion alias back at the version before it (audited)."""
    from dataclasses import replace

    from da_platform.forecast.tracking import RollbackRefused, rollback

    target_settings = settings if args.env == settings.env else replace(settings, env=args.env, pr_id=None)
    target = registry(target_settings).target()
    try:
        done = rollback(target)
    except RollbackRefused as exc:
        say(f"refused: {exc}")
        audit(settings, "model.rollback", f"{args.env}:champion", "refused", {"reason": str(exc)[:300]})
        return 1
    audit(
        settings, "model.rollback", f"{args.env}:champion", "ok",
        {"from_version": done.from_version, "to_version": done.to_version, "model": target.model_name},
    )  # fmt: skip
    say(f"{args.env}: {target.model_name} champion rolled back from version {done.from_version} to {done.to_version}")
    return 0
