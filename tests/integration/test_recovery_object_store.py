"""Audit, restore and the DR drill on the object-store lake: S3 with versioned buckets and SSE-KMS (moto_server).

One dev environment is built on S3 by `datalive run` from two Volve months. The drill there also deletes raw
objects, which only a versioned store can give back; each test leaves the environment's content as it was.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import obstore
import polars as pl
import pytest
from deltalake import DeltaTable

from da_platform.cli import main
from da_platform.env import load_settings
from da_platform.ingest.raw_zone import MANIFEST_SCHEMA, MANIFEST_TABLE, verify
from da_platform.lakehouse.delta_lake import open_lake
from da_platform.lakehouse.object_lake import _split
from da_platform.ops import audit
from da_platform.ops.drill import content_fingerprint, fingerprint
from tests.conftest import DEPLOYMENT_VARIABLES
from tests.helpers import make_landing
from tests.integration.object_stores import S3Stack, s3_stack

pytestmark = pytest.mark.integration

LAKE_VARIABLES = ("DATALIVE_LAKE_URL", "DATALIVE_LAKE_KMS_KEY_ID", "DATALIVE_SPARK_REMOTE", "DATALIVE_VECTOR_DSN")


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Stack]:
    with s3_stack(tmp_path_factory.mktemp("moto")) as stack:
        yield stack


def _environ(s3: S3Stack, home: Path, env: str = "dev") -> dict[str, str]:
    return {
        **s3.environ,
        "DATALIVE_HOME": str(home),
        "DA_ENV": env,
        "DATALIVE_LAKE_URL": s3.lake_url(env),
        "DATALIVE_LAKE_KMS_KEY_ID": s3.kms_keys[env],
    }


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, s3: S3Stack, dbt_manifest: Path) -> Path:
    root = tmp_path_factory.mktemp("recovery-s3")
    landing = make_landing(root, "2014-04-01", "2014-05-31")
    with pytest.MonkeyPatch.context() as mp:
        for name in (*DEPLOYMENT_VARIABLES, *LAKE_VARIABLES):
            mp.delenv(name, raising=False)
        for name, value in _environ(s3, root / "home").items():
            mp.setenv(name, value)
        mp.chdir(root)
        assert main(["run", "--only", "lakehouse", "--landing", str(landing)]) == 0
    return root / "home"


@pytest.fixture
def env(home: Path, s3: S3Stack, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in (*DEPLOYMENT_VARIABLES, *LAKE_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    for name, value in _environ(s3, home).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    return home


def _raw_keys(s3: S3Stack) -> list[str]:
    objects = s3.client().list_objects_v2(Bucket=s3.bucket("dev", "raw"), Prefix="files/")
    return sorted(o["Key"] for o in objects.get("Contents", []))


def test_the_drill_on_s3_deletes_raw_objects_and_recovers_them_from_object_versions(env, s3: S3Stack, capsys):
    settings = load_settings()
    lake = open_lake(settings)
    before = fingerprint(settings, lake)
    raw_before = _raw_keys(s3)
    capsys.readouterr()

    assert main(["dr", "drill"]) == 0

    out = capsys.readouterr().out
    assert "raw objects deleted: raw/files/" in out and "2 recovered" in out
    assert "silver/well_day_injection: its latest commit (version" in out
    assert "put back from object versions" in out
    assert f"every fingerprint equal ({len(before)})" in out and "recovery time: " in out
    assert out.rstrip().endswith("PASSED")
    assert _raw_keys(s3) == raw_before and verify(lake) == []
    markers = s3.client().list_object_versions(Bucket=s3.bucket("dev", "raw"), Prefix="files/")["DeleteMarkers"]
    assert len(markers) == 2  # the disaster really deleted two objects
    head = s3.client().head_object(Bucket=s3.bucket("dev", "raw"), Key=markers[0]["Key"])
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"].endswith(s3.kms_keys["dev"])
    assert fingerprint(settings, lake) == before
    assert audit.verify(lake) >= 5


def test_an_overwritten_raw_object_is_recovered_from_its_previous_version(env, s3: S3Stack, capsys) -> None:
    lake = open_lake(load_settings())
    raw_path = lake.read(MANIFEST_TABLE, MANIFEST_SCHEMA)["raw_path"].sort()[-1]
    original = lake.read_bytes(raw_path)
    zone, key = _split(raw_path)
    obstore.put(lake._store(zone), key, b"DATEPRD\nnot what landed\n")  # a bad writer replaced it
    assert verify(lake)
    capsys.readouterr()

    assert main(["restore", "--raw"]) == 0

    assert lake.read_bytes(raw_path) == original and verify(lake) == []
    capsys.readouterr()
    assert main(["audit", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)[-1]
    assert record["action"] == "restore.raw" and record["detail"]["recovered"] == [raw_path]


def test_restore_by_version_on_s3_undoes_a_bad_commit(env, capsys) -> None:
    lake = open_lake(load_settings())
    table = "silver/quarantine" if lake.read("silver/quarantine").height else "silver/well_day_injection"
    good, good_version = content_fingerprint(lake.read(table)), lake.version(table)
    DeltaTable(lake.uri(table), storage_options=lake.storage_options).delete("production_date >= '2014-05-01'")

    assert main(["restore", "--table", table, "--version", str(good_version)]) == 0

    assert content_fingerprint(lake.read(table)) == good
    assert main(["restore", "--table", table, "--as-of", "2000-01-01T00:00:00Z"]) == 1
    assert "did not exist at 2000-01-01" in capsys.readouterr().err


def test_the_audit_trail_on_s3_detects_a_deleted_record(s3: S3Stack, tmp_path: Path, monkeypatch) -> None:
    for name, value in s3.environ.items():
        monkeypatch.setenv(name, value)
    settings = load_settings(
        {
            "DATALIVE_HOME": str(tmp_path),
            "DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT": "1",
            "DAGSTER_CLOUD_PULL_REQUEST_ID": "77",
            "DATALIVE_LAKE_URL": s3.lake_url("qa"),
            "DATALIVE_LAKE_KMS_KEY_ID": s3.kms_keys["qa"],
        }
    )
    lake = open_lake(settings)
    for n in range(3):
        audit.append(lake, "cli:ana", "key.create", f"key k{n}", "ok")
    assert audit.verify(lake) == 3
    keys = [o["Key"] for o in s3.client().list_objects_v2(Bucket=s3.bucket("qa", "raw"))["Contents"]]
    assert keys and all(k.startswith("pr-77/audit_log/") for k in keys)

    DeltaTable(lake.uri(audit.AUDIT_TABLE), storage_options=lake.storage_options).delete("seq = 1")

    with pytest.raises(audit.AuditTampered, match=r"commit 3 is a DELETE.*audit record 2 .*a record was deleted"):
        audit.verify(lake)
    assert pl.Series(r.seq for r in audit.read(lake)).to_list() == [0, 2]


def test_the_drill_in_a_qa_branch_deployment_on_s3_recovers_lake_and_raw_and_leaves_snowflake_alone(
    env, s3: S3Stack, tmp_path: Path
) -> None:
    """A pull request's qa namespace holding silver (copied from the dev build) and two landed raw files."""
    from da_platform.ingest.raw_zone import LandedFile, land, sha256_of
    from da_platform.ops.drill import drill
    from tests.helpers import SAMPLE

    qa = load_settings(
        {
            "DATALIVE_HOME": str(tmp_path),
            "DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT": "1",
            "DAGSTER_CLOUD_PULL_REQUEST_ID": "88",
            "DATALIVE_LAKE_URL": s3.lake_url("qa"),
            "DATALIVE_LAKE_KMS_KEY_ID": s3.kms_keys["qa"],
        }
    )
    lake = open_lake(qa)
    lake.append("silver/well_day_production", open_lake(load_settings()).read("silver/well_day_production"))
    files = [SAMPLE / "reference" / "well_register.csv", SAMPLE / "monthly" / "volve_monthly_production.csv"]
    land(lake, [LandedFile(p, p.parent.name, sha256_of(p), p.stat().st_size) for p in files])

    report = drill(qa, lake, "cli:drill-test")

    assert report.passed, report.describe()
    assert any("warehouse on Snowflake (DB_QA): not dropped" in line for line in report.destroyed)
    assert "2 recovered" in report.describe() and verify(lake) == []
    assert not any(name.startswith("warehouse:") for name in report.before)
    keys = [o["Key"] for o in s3.client().list_objects_v2(Bucket=s3.bucket("qa", "raw"))["Contents"]]
    assert any(k.startswith("pr-88/files/") for k in keys)
    assert all(k.startswith("pr-") for k in keys)  # qa's own namespace was never touched


def test_a_deleted_commit_object_is_put_back_by_restore_deleted_commits(env, capsys) -> None:
    from da_platform.ops.drill import _delete_latest_commit

    lake = open_lake(load_settings())
    table = "silver/well_register"
    good, version = content_fingerprint(lake.read(table)), lake.version(table)
    _delete_latest_commit(lake, table)
    assert lake.version(table) != version  # the table lost its latest commit (or, at version 0, itself)
    capsys.readouterr()

    assert main(["restore", "--table", table, "--deleted-commits"]) == 0

    assert f"1 deleted commits put back ({version:020d}.json)" in capsys.readouterr().err
    assert lake.version(table) == version and content_fingerprint(lake.read(table)) == good
