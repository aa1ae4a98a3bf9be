"""Importing any module reads no environment variable, opens no connection and touches no file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

MODULES = [
    "da_platform.env",
    "da_platform.naming",
    "da_platform.infra_names",
    "da_platform.snowflake_ddl",
    "da_platform.definitions",
    "da_platform.cli",
    "da_platform.cli.progress",
    "da_platform.run_steps",
    "da_platform.triggers",
    "da_platform.status",
    "da_platform.pending",
    "da_platform.run_lock",
    "da_platform.faults",
    "da_platform.lakehouse.build_state",
    "da_platform.defs.ingest.automation",
    "da_platform.defs.lakehouse.automation",
    "da_platform.defs.ingest.assets",
    "da_platform.defs.lakehouse.silver",
    "da_platform.defs.gold.assets",
    "da_platform.defs.gold.reconciliation_check",
    "da_platform.gold.report",
    "da_platform.forecast",
    "da_platform.forecast.tracking",
    "da_platform.forecast.policy_backtest",
    "da_platform.forecast.plots",
    "da_platform.defs.forecast.assets",
    "da_platform.defs.rag.assets",
    "da_platform.rag.service",
    "da_platform.rag.build",
    "da_platform.rag.evaluation",
    "da_platform.rag.forecast_change",
    "da_platform.rag.synthetic_events",
    "da_platform.api",
    "da_platform.api.app",
    "da_platform.api.dependencies",
    "da_platform.api.forecasts",
    "da_platform.api.gold",
    "da_platform.api.keys",
    "da_platform.api.logs",
    "da_platform.api.models",
    "da_platform.api.problems",
    "da_platform.api.ratelimit",
    "da_platform.forecast.statistical",
    "da_platform.ingest.synthetic",
    "da_platform.ingest.stream",
    "da_platform.cleanup",
    "da_platform.doctor",
    "da_platform.api.metrics",
    "da_platform.ops.alerts",
    "da_platform.ops.freshness",
    "da_platform.defs.ops.observability",
    "da_platform.ops.audit",
    "da_platform.ops.restore",
    "da_platform.ops.retention",
    "da_platform.ops.drill",
    "da_platform.defs.ops.audit_sensors",
    "da_platform.defs.policy",
    "da_platform.defs.graph_snapshot",
    "da_platform.defs.event_log_private",
    "da_platform.defs.gold.dbt_private",
    "da_platform.defs.ingest",
    "da_platform.defs.lakehouse",
    "da_platform.defs.gold",
    "da_platform.defs.forecast",
    "da_platform.defs.rag",
    "da_platform.defs.ops",
]
ROOT = Path(__file__).resolve().parents[1]


def test_importing_every_module_with_a_broken_environment_succeeds_and_writes_nothing(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DA_ENV": "not-an-environment",
        "DATALIVE_HOME": str(tmp_path / "home"),
        "PYTHONPATH": str(ROOT),
    }
    code = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
    result = subprocess.run(
        [sys.executable, "-c", code, *MODULES], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_loading_definitions_with_a_broken_environment_fails_loudly(tmp_path: Path) -> None:
    env = {**os.environ, "DA_ENV": "not-an-environment", "PYTHONPATH": str(ROOT)}
    code = "from da_platform.definitions import defs\ndefs()\n"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "DA_ENV='not-an-environment' is not one of dev, qa, prod" in result.stderr
