"""A synthetic operator landing folder goes through the whole graph like a real one."""

from __future__ import annotations

from datetime import date

import pytest

from da_platform.cli import main
from da_platform.ingest import synthetic
from tests.helpers import status


def test_a_generated_landing_runs_to_gold_with_its_bad_rows_quarantined_by_rule(
    tmp_path, isolated_env, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(synthetic, "BAD_ROW_SHARE", 0.002)
    landing = tmp_path / "landing"
    assert main(["generate", "--wells", "40", "--days", "75", "--out", str(landing), "--seed", "3"]) == 0
    planted = synthetic.generate(tmp_path / "again", 40, 75, 3, date(2020, 1, 1)).bad_rows

    assert main(["run", "--only", "lakehouse", "--landing", str(landing)]) == 0
    report = status(capsys)
    by_rule = report["layers"]["quarantine"]["by_rule"]
    assert by_rule.get("HOURS_OUT_OF_RANGE", 0) == planted["hours_over_24"]
    assert by_rule.get("WELL_UNKNOWN", 0) == planted["unknown_wellbore"]
    assert by_rule.get("VOLUME_NEGATIVE", 0) == planted["negative_water"]
    assert sum(planted.values()) > 0
    failed = [c["name"] for c in report["checks"] if not c["passed"]]
    assert failed == []  # reconciliation included: every difference is explained by a quarantined row
    assert report["layers"]["gold"]["tables"]["dim_well"] == 40
