"""The whole code location, per environment, matches its committed snapshot (tests/snapshots/graph_<env>.json).

Any change to an asset key, dep, group, partition, check, job, sensor, schedule, tag, owner or resource key
fails here with a diff. An intended change is recorded with `make graph-snapshot`, and the snapshot's diff
is reviewed with the code that caused it.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from da_platform.defs.graph_snapshot import ENVIRONMENTS, describe_environment, render, snapshot_path


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_graph_matches_its_committed_snapshot(env: str, dbt_manifest: Path, tmp_path: Path) -> None:
    expected = snapshot_path(env).read_text()
    actual = render(describe_environment(env, tmp_path))
    diff = "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=f"committed {snapshot_path(env).name}",
            tofile=f"built for {env}",
        )
    )
    assert not diff, f"the {env} graph changed; if intended, run `make graph-snapshot` and commit:\n{diff}"
