"""`datalive audit`, `restore`, `retention`, `dr drill` and `models rollback` on a dev environment built from
two real Volve months (one `datalive run`, shared by the module; every test leaves its content as it found it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from deltalake import DeltaTable

from da_platform.cli import main
from da_platform.env import load_settings
from da_platform.lakehouse.delta_lake import LocalLake, open_lake
from da_platform.ops import audit
from da_platform.ops.drill import content_fingerprint, fingerprint
from tests.conftest import DEPLOYMENT_VARIABLES
from tests.helpers import make_landing


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, dbt_manifest: Path) -> Path:
    root = tmp_path_factory.mktemp("recovery")
    landing = make_landing(root, "2014-04-01", "2014-05-31")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATALIVE_HOME", str(root / "home"))
        for name in DEPLOYMENT_VARIABLES:
            mp.delenv(name, raising=False)
        mp.chdir(root)
        assert main(["run", "--only", "lakehouse", "--landing", str(landing)]) == 0
    return root / "home"


@pytest.fixture
def env(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DATALIVE_HOME", str(home))
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    for name in DEPLOYMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    yield home


def _audit_json(capsys: pytest.CaptureFixture[str], *extra: str) -> list[dict]:
    capsys.readouterr()
    assert main(["audit", "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_drill_destroys_restores_proves_every_fingerprint_and_prints_its_recovery_time(env, capsys) -> None:
    settings = load_settings()
    before = fingerprint(settings, open_lake(settings))
    capsys.readouterr()

    assert main(["dr", "drill"]) == 0

    out = capsys.readouterr().out
    assert "destroyed: warehouse datalive_dev.duckdb dropped" in out and "a bad commit deleted" in out
    assert "destroyed: silver/well_day_injection: its latest commit file (version" in out
    assert "silver/well_day_injection: re-conformed from bronze by the run of the pending window (20" in out
    assert f"every fingerprint equal ({len(before)})" in out and out.rstrip().endswith("PASSED")
    assert "recovery time: " in out
    assert any(name.startswith("warehouse:gold.") for name in before)
    assert fingerprint(settings, open_lake(settings)) == before
    records = _audit_json(capsys)
    actions = [r["action"] for r in records]
    last_start = len(actions) - 1 - actions[::-1].index("dr.drill.start")
    assert actions[last_start:] == [
        "dr.drill.start",
        "restore.table",
        "restore.pending",
        "restore.warehouse",
        "dr.drill",
    ]
    drill = [r for r in records if r["action"] == "dr.drill"][-1]
    assert drill["outcome"] == "passed" and drill["detail"]["recovery_seconds"] >= 0
    assert audit.verify(open_lake(settings)) == len(records)


def test_the_run_that_built_the_environment_is_audited_with_its_cli_user(env, capsys) -> None:
    runs = [r for r in _audit_json(capsys) if r["action"] == "run"]
    assert runs[0]["actor"] == audit.cli_actor() and runs[0]["outcome"] == "success"


def test_restore_by_version_undoes_a_bad_commit_as_a_new_commit_and_is_audited(env, capsys) -> None:
    lake = open_lake(load_settings())
    table = "silver/well_day_injection"
    good = content_fingerprint(lake.read(table))
    good_version = lake.version(table)
    DeltaTable(lake.uri(table)).delete("production_date >= '2014-05-01'")
    assert content_fingerprint(lake.read(table)) != good
    capsys.readouterr()

    assert main(["restore", "--table", table, "--version", str(good_version)]) == 0

    assert content_fingerprint(lake.read(table)) == good
    assert lake.version(table) == good_version + 2  # the bad commit and the restore are both in the history
    record = _audit_json(capsys)[-1]
    assert (record["action"], record["target"], record["outcome"]) == ("restore.table", table, "ok")
    assert record["detail"]["restored_version"] == good_version


def test_restore_to_a_time_before_the_table_existed_is_refused_audited_and_changes_nothing(env, capsys) -> None:
    lake = open_lake(load_settings())
    table = "silver/well_register"
    version = lake.version(table)
    capsys.readouterr()

    assert main(["restore", "--table", table, "--as-of", "2020-01-01T00:00:00Z"]) == 1

    assert "did not exist at 2020-01-01T00:00:00+00:00" in capsys.readouterr().err
    assert lake.version(table) == version
    record = _audit_json(capsys)[-1]
    assert (record["action"], record["outcome"]) == ("restore", "refused")


def test_the_drill_refuses_prod_and_touches_nothing(env, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DA_ENV", "prod")
    capsys.readouterr()

    assert main(["dr", "drill"]) == 1

    assert "never prod" in capsys.readouterr().err
    assert not (env / "prod").exists()


def test_retention_is_a_dry_run_unless_applied_and_applying_it_is_audited(env, capsys) -> None:
    count = len(_audit_json(capsys))
    assert main(["retention"]) == 0
    out = capsys.readouterr().out
    assert "dry run" in out and "vacuum (horizon 7 d)" in out and "raw: kept forever" in out
    assert len(_audit_json(capsys)) == count

    assert main(["retention", "--apply"]) == 0
    assert "removed 0 unreferenced data files" in capsys.readouterr().out  # all history is inside 7 days
    record = _audit_json(capsys)[-1]
    assert (record["action"], record["outcome"]) == ("retention", "applied")


def test_applied_retention_points_silver_views_at_the_current_files_only(env, capsys) -> None:
    # A vacuum deletes files no current version holds: a view naming one would break after it.
    settings = load_settings()
    lake = open_lake(settings)
    table = "silver/well_day_injection"
    old_files = set(lake.data_files(table))
    lake.overwrite(table, lake.read(table))  # the same rows in new files: the old ones leave the snapshot
    new_files = set(lake.data_files(table))
    assert old_files.isdisjoint(new_files)

    assert main(["retention", "--apply"]) == 0

    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        (sql,) = con.execute(
            "SELECT sql FROM duckdb_views() WHERE schema_name = 'silver' AND view_name = 'well_day_injection'"
        ).fetchone()
        rows = con.execute("SELECT count(*) FROM silver.well_day_injection").fetchone()[0]
    assert all(f in sql for f in new_files)
    assert not any(f in sql for f in old_files)
    assert rows == lake.read(table).height


def test_rollback_without_a_champion_is_refused_and_audited(env, capsys) -> None:
    capsys.readouterr()
    assert main(["models", "rollback", "--env", "dev"]) == 1
    assert "no 'champion' to roll back" in capsys.readouterr().err
    record = _audit_json(capsys)[-1]
    assert (record["action"], record["target"], record["outcome"]) == ("model.rollback", "dev:champion", "refused")


def test_api_keys_are_audited_without_the_key_and_an_edited_trail_fails_verify(isolated_env: Path, capsys) -> None:
    assert main(["keys", "create", "--name", "powerbi"]) == 0
    key = capsys.readouterr().out.strip()
    key_id = key.split("_")[2]
    assert main(["keys", "revoke", key_id]) == 0
    records = _audit_json(capsys)
    assert [(r["action"], r["target"]) for r in records] == [
        ("key.create", f"key {key_id}"),
        ("key.revoke", f"key {key_id}"),
    ]
    assert key not in json.dumps(records)
    assert _audit_json(capsys, "--since", "2999-01-01") == []
    assert main(["audit", "verify"]) == 0

    lake = LocalLake(isolated_env / "dev" / "lake", "dev")
    DeltaTable(lake.uri(audit.AUDIT_TABLE)).update({"actor": "'cli:someone-else'"}, predicate="seq = 0")
    capsys.readouterr()

    assert main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert "audit record 0" in err and "was edited" in err and "may only be appended to" in err


def test_a_sensor_started_run_is_audited_with_the_sensor_as_its_actor(isolated_env: Path) -> None:
    from da_platform.defs.ops.audit_sensors import build_audit_sensors, run_actor

    @dg.op
    def nothing() -> None:
        return None

    @dg.job
    def tiny_job() -> None:
        nothing()

    settings = load_settings()
    success_sensor, _ = build_audit_sensors(settings)
    with dg.DagsterInstance.ephemeral() as instance:
        result = tiny_job.execute_in_process(instance=instance, tags={"dagster/sensor_name": "new_days_sensor"})
        context = dg.build_run_status_sensor_context(
            sensor_name=success_sensor.name,
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            dagster_event=result.get_run_success_event(),
        )
        success_sensor(context)

    (record,) = audit.read(open_lake(settings))
    assert (record.actor, record.action, record.target, record.outcome) == (
        "sensor:new_days_sensor",
        "run",
        "tiny_job",
        "success",
    )
    assert json.loads(record.detail)["run_id"] == result.run_id
    assert run_actor({"dagster/schedule_name": "daily_refresh"}) == "schedule:daily_refresh"
    assert run_actor({}) == "dagster"


def test_models_rollback_in_prod_re_points_the_champion_and_is_audited_in_prod(
    isolated_env: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from mlflow import MlflowClient

    from da_platform.defs.resources import registry_resource
    from da_platform.forecast.tracking import champion, set_champion

    monkeypatch.setenv("DA_ENV", "prod")
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    settings = load_settings()
    target = registry_resource(settings).target()
    # Two promoted versions, registered directly (the policy's artifacts do not matter to the alias).
    client = MlflowClient(tracking_uri=target.tracking_uri, registry_uri=target.tracking_uri)
    experiment = client.create_experiment(target.experiment, artifact_location=target.artifact_root)
    client.create_registered_model(target.model_name)
    for _ in range(2):
        run = client.create_run(experiment).info
        client.create_model_version(target.model_name, f"{run.artifact_uri}/model", run.run_id)
    set_champion(target, "2")
    capsys.readouterr()

    assert main(["models", "rollback", "--env", "prod"]) == 0

    assert "rolled back from version 2 to 1" in capsys.readouterr().err
    current = champion(target)
    assert current is not None and current.version == "1"
    (record,) = audit.read(open_lake(settings))
    assert (record.action, record.target, record.outcome) == ("model.rollback", "prod:champion", "ok")
    assert json.loads(record.detail)["from_version"] == "2"
