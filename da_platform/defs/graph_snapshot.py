"""A plain-data description of the code location, compared against a committed snapshot.

``describe`` turns a ``Definitions`` into JSON-ready data: every asset (deps, group, partitions, tags,
owners), check, job, sensor, schedule and resource key. ``tests/test_graph_snapshot.py`` compares it, per
environment, with ``tests/snapshots/graph_<env>.json``, so a restructure that changes the graph by accident
fails with a diff. After an intended change, ``make graph-snapshot`` (``python -m
da_platform.defs.graph_snapshot --update``) rewrites the snapshots, and the diff is reviewed with the code.

Only what a definition declares is recorded: no partition keys (their end moves with the clock), no
paths under the temporary home the snapshot is built in.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetSensorDefinition

SNAPSHOT_DIR = Path(__file__).resolve().parents[2] / "tests" / "snapshots"
ENVIRONMENTS = ("dev", "qa", "prod")


def _partitions(partitions_def: dg.PartitionsDefinition | None) -> dict[str, Any] | None:
    if partitions_def is None:
        return None
    described: dict[str, Any] = {"type": type(partitions_def).__name__}
    if isinstance(partitions_def, dg.TimeWindowPartitionsDefinition):
        described.update(
            start=partitions_def.start.isoformat(),
            cron=partitions_def.cron_schedule,
            timezone=partitions_def.timezone,
            end_offset=partitions_def.end_offset,
        )
    return described


def _retry(node: Any) -> str | None:
    """The asset's retry policy (an op's; external and source assets have none)."""
    assets_def = getattr(node, "assets_def", None)
    if assets_def is None or not assets_def.is_executable or assets_def.computation is None:
        return None
    policy = assets_def.op.retry_policy
    return None if policy is None else f"max_retries={policy.max_retries}, delay={policy.delay}"


def _assets(graph: Any) -> dict[str, Any]:
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "materializable": node.is_materializable,
            "group": node.group_name,
            "deps": sorted(parent.to_user_string() for parent in node.parent_keys),
            "partitions": _partitions(node.partitions_def),
            "backfill_policy": str(node.backfill_policy) if node.backfill_policy else None,
            "retry_policy": _retry(node),
            "kinds": sorted(node.kinds),
            "tags": dict(sorted(node.tags.items())),
            "owners": list(node.owners),
        }
    return assets


def _checks(graph: Any) -> dict[str, Any]:
    checks = {}
    for check_key in sorted(graph.asset_check_keys, key=lambda k: (k.asset_key.to_user_string(), k.name)):
        spec = graph.get_check_spec(check_key)
        checks[f"{check_key.asset_key.to_user_string()}:{check_key.name}"] = {
            "blocking": spec.blocking,
            "additional_deps": sorted(dep.asset_key.to_user_string() for dep in spec.additional_deps),
        }
    return checks


def _jobs(defs: dg.Definitions) -> dict[str, Any]:
    jobs = {}
    for job in sorted(defs.resolve_all_job_defs(), key=lambda j: j.name):
        if job.name == "__ASSET_JOB":  # Dagster's implicit job of every asset: the asset list already says it
            continue
        layer = job.asset_layer
        jobs[job.name] = {
            "assets": sorted(k.to_user_string() for k in layer.selected_asset_keys),
            "checks": sorted(f"{k.asset_key.to_user_string()}:{k.name}" for k in layer.asset_graph.asset_check_keys),
            "tags": dict(sorted(job.tags.items())),
            "description": job.description,
        }
    return jobs


def _sensors(defs: dg.Definitions) -> dict[str, Any]:
    sensors = {}
    for sensor in sorted(defs.sensors or [], key=lambda s: s.name):
        sensors[sensor.name] = {
            "type": sensor.sensor_type.value,
            "jobs": sorted(target.job_name for target in sensor.targets),
            "default_status": sensor.default_status.value,
            "minimum_interval_seconds": sensor.minimum_interval_seconds,
            "asset_key": sensor.asset_key.to_user_string() if isinstance(sensor, AssetSensorDefinition) else None,
            "required_resources": sorted(sensor.required_resource_keys),
        }
    return sensors


def _schedules(defs: dg.Definitions) -> dict[str, Any]:
    schedules = {}
    for schedule in sorted(defs.schedules or [], key=lambda s: s.name):
        schedules[schedule.name] = {
            "cron": schedule.cron_schedule,
            "timezone": schedule.execution_timezone,
            "job": schedule.job_name,
            "default_status": schedule.default_status.value,
        }
    return schedules


def describe(defs: dg.Definitions) -> dict[str, Any]:
    """The graph of ``defs`` as plain, sorted, JSON-ready data (see the module docstring for what is in it)."""
    graph = defs.resolve_asset_graph()
    return {
        "assets": _assets(graph),
        "checks": _checks(graph),
        "jobs": _jobs(defs),
        "sensors": _sensors(defs),
        "schedules": _schedules(defs),
        "resources": sorted((defs.resources or {}).keys()),
    }


def describe_environment(env: str, home: Path) -> dict[str, Any]:
    """``describe`` of the code location built for ``env`` with its home in ``home`` (defaults otherwise)."""
    from da_platform.definitions import build_definitions
    from da_platform.defs.gold.assets import dbt_project
    from da_platform.env import load_settings

    project = dbt_project()
    if not project.manifest_path.exists():  # the code location loads gold from the parsed manifest
        project.preparer.prepare(project)
    return describe(build_definitions(load_settings({"DATALIVE_HOME": str(home), "DA_ENV": env}, cwd=home)))


def snapshot_path(env: str) -> Path:
    """Where the committed snapshot of ``env`` lives."""
    return SNAPSHOT_DIR / f"graph_{env}.json"


def render(described: dict[str, Any]) -> str:
    """The snapshot file's text: stable key order and indentation, so a change reads as a small diff."""
    return json.dumps(described, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``--update`` rewrites every environment's snapshot; without it, report which ones differ."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="rewrite tests/snapshots/graph_<env>.json")
    args = parser.parse_args(argv)
    stale = []
    for env in ENVIRONMENTS:
        with tempfile.TemporaryDirectory() as home:
            text = render(describe_environment(env, Path(home)))
        path = snapshot_path(env)
        if args.update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path}")
        elif not path.exists() or path.read_text() != text:
            stale.append(env)
    if stale:
        print(f"graph changed for {', '.join(stale)}: run `make graph-snapshot` and review the diff")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
