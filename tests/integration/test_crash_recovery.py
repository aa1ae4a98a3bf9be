"""A `datalive run` killed with SIGKILL at any phase leaves nothing the next run does not finish.

Issue 25, defect 1: after a kill the rerun said "silver and gold are up to date" and kept stale gold.
Each case copies one built environment (Volve 2016-02..03), lands L1 (one new daily file: Volve's
2016-03 rows with their daily volumes moved between days, so the monthly sums still reconcile) with
``DATALIVE_CRASH_AT`` set to a phase (``da_platform.faults``: the process SIGKILLs itself there; the
test then kills what is left of its process group, the dbt subprocess, as a host crash would), checks
that the pending window shows the damage, reruns without the fault and requires every gold table and
every check result equal to a clean run's.

Defect 3: two `datalive run` at once used to land the same files into bronze twice.
"""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from da_platform.faults import CRASH_POINTS
from da_platform.status import GOLD_TABLES
from tests.conftest import DEPLOYMENT_VARIABLES
from tests.helpers import DAILY_CSV, gold_table, make_landing, status

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
VOLUMES = ("BORE_OIL_VOL", "BORE_GAS_VOL", "BORE_WAT_VOL")


def write_l1(landing: Path) -> Path:
    """L1: Volve's 2016-03 rows, each well's daily volumes in reverse day order (same monthly totals)."""
    with DAILY_CSV.open(encoding="utf-8", newline="") as source:
        rows = list(csv.reader(source))
    header, march = rows[0], [r for r in rows[1:] if r[0].startswith("2016-03")]
    columns = [header.index(c) for c in VOLUMES]
    by_well: dict[str, list[list[str]]] = {}
    for row in march:
        by_well.setdefault(row[1], []).append(row)
    for well_rows in by_well.values():
        volumes = [[row[c] for c in columns] for row in well_rows][::-1]
        for row, moved in zip(well_rows, volumes, strict=True):
            for c, value in zip(columns, moved, strict=True):
                row[c] = value
    target = landing / "daily" / "l1_2016-03.csv"
    target.parent.mkdir(parents=True)
    with target.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out, lineterminator="\n").writerows([header, *march])
    return landing


def environment(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DEPLOYMENT_VARIABLES and k != "DATALIVE_CRASH_AT"}
    return env | {"PYTHONPATH": str(REPO), "DATALIVE_HOME": str(home)} | extra


def datalive(home: Path, *args: str, **extra: str) -> subprocess.Popen:
    """`datalive <args>` in its own process group (so what it leaves behind can be killed with it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "da_platform.cli", *args],
        env=environment(home, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def finished(process: subprocess.Popen, timeout: float = 600) -> tuple[int, str]:
    out, _ = process.communicate(timeout=timeout)
    return process.returncode, out


def copy_home(source: Path, target: Path) -> Path:
    """A copy of an environment home; its Dagster instance config is written again for the new place."""
    shutil.copytree(source, target)
    (target / "dev" / "dagster" / "dagster.yaml").unlink()
    return target


def gold(home: Path) -> dict[str, pl.DataFrame]:
    tables = {}
    for table in GOLD_TABLES:
        frame = gold_table(home, f"gold.{table}")
        tables[table] = frame.sort(frame.columns, nulls_last=True)
    return tables


def checks(home: Path, check_keys) -> list[tuple]:
    """Every asset check's latest result: (asset, check, passed, severity)."""
    from da_platform.env import load_settings
    from da_platform.run_steps import open_instance
    from da_platform.status import latest_checks

    settings = load_settings({"DATALIVE_HOME": str(home)})
    return [
        (c["asset"], c["name"], c["passed"], c["severity"]) for c in latest_checks(open_instance(settings), check_keys)
    ]


def pending(home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> dict:
    """`datalive status --json`'s pending window, in this process."""
    for name in DEPLOYMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATALIVE_HOME", str(home))
    return status(capsys)["pending"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One environment built from Volve 2016-02..03, L1, and a clean run of L1 on a copy of it."""
    from da_platform.definitions import build_definitions
    from da_platform.env import load_settings

    root = tmp_path_factory.mktemp("crash")
    base = root / "base"
    code, out = finished(
        datalive(base, "run", "--only", "lakehouse", "--landing", str(make_landing(root, "2016-02-01", "2016-03-31")))
    )
    assert code == 0, out
    l1 = write_l1(root / "l1")
    clean = copy_home(base, root / "clean")
    code, out = finished(datalive(clean, "run", "--only", "lakehouse", "--landing", str(l1)))
    assert code == 0, out
    check_keys = list(
        build_definitions(load_settings({"DATALIVE_HOME": str(clean)})).resolve_asset_graph().asset_check_keys
    )
    return {
        "root": root,
        "base": base,
        "l1": l1,
        "gold": gold(clean),
        "checks": checks(clean, check_keys),
        "check_keys": check_keys,
        "base_gold": gold(base),
    }


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_a_run_killed_at_any_phase_is_finished_by_the_next_run(built: dict, point: str, capsys, monkeypatch) -> None:
    home = copy_home(built["base"], built["root"] / f"killed-{point}")
    killed = datalive(home, "run", "--only", "lakehouse", "--landing", str(built["l1"]), DATALIVE_CRASH_AT=point)
    code = killed.wait(timeout=600)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(killed.pid, signal.SIGKILL)  # the dbt subprocess, if the kill came while it ran
    out = killed.stdout.read()
    assert code == -signal.SIGKILL, out

    left = pending(home, capsys, monkeypatch)
    assert not left["up_to_date"], f"a run killed {point} left nothing pending"
    if point == "after_raw":  # the days of a file are known once bronze has parsed it
        assert [item["file"] for item in left["bronze"]] == ["l1_2016-03.csv (version 1)"]
    else:
        assert {"start": "2016-03-01", "end": "2016-03-01"} in left["ranges"]

    code, out = finished(datalive(home, "run", "--only", "lakehouse", "--landing", str(built["l1"])))
    assert code == 0, out
    assert "left STARTED by datalive process" in out  # the dead run is marked failed, not left "running"
    assert "nothing pending" not in out
    rebuilt = gold(home)
    for table, expected in built["gold"].items():
        assert_frame_equal(rebuilt[table], expected, check_exact=False, rel_tol=1e-9, abs_tol=1e-9)
    assert checks(home, built["check_keys"]) == built["checks"]
    assert pending(home, capsys, monkeypatch)["up_to_date"]


def test_l1_changes_gold_so_a_stale_table_cannot_pass_for_a_rebuilt_one(built: dict) -> None:
    assert not built["gold"]["fct_well_daily_production"].equals(built["base_gold"]["fct_well_daily_production"])


def test_two_runs_at_once_land_each_file_once(built: dict) -> None:
    """The second run refuses while the first writes; a third, with --wait, runs after it and finds
    nothing to do; bronze and quarantine hold what one run gives."""
    from da_platform.env import load_settings
    from da_platform.run_lock import current_holder

    home = copy_home(built["base"], built["root"] / "concurrent")
    first = datalive(home, "run", "--only", "lakehouse", "--landing", str(built["l1"]))
    settings = load_settings({"DATALIVE_HOME": str(home)})
    deadline = time.monotonic() + 120
    while current_holder(settings) is None:
        assert first.poll() is None and time.monotonic() < deadline, "the first run never took the lock"
        time.sleep(0.05)
    refused_code, refused = finished(datalive(home, "run", "--only", "lakehouse", "--landing", str(built["l1"])))
    waiting = datalive(home, "run", "--only", "lakehouse", "--wait", "--landing", str(built["l1"]))
    assert finished(first)[0] == 0
    code, waited = finished(waiting)
    assert refused_code == 75 and f"pid {first.pid}" in refused, refused
    assert code == 0 and "nothing pending" in waited, waited

    clean_home = built["root"] / "clean"
    for table in ("bronze/daily_reports", "bronze/rejections", "silver/quarantine"):
        path = f"dev/lake/{table}"
        rows = pl.read_delta(str(home / path)).height
        assert rows == pl.read_delta(str(clean_home / path)).height, table
