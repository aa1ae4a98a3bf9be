"""The lake on S3 (moto_server, SSE-KMS, versioned buckets) and on Azure Blob (Azurite) gives what local files give.

The same Volve slice, with a later correction file, goes through the whole Dagster graph three times: on the
embedded default (local Delta folders) and with ``DATALIVE_LAKE_URL`` naming the environment's buckets or
containers. Silver and gold must be identical; what lands on the servers is then inspected with each
cloud's own client (encryption, versions, which stores were touched).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from da_platform.cli import main
from da_platform.env import Settings, load_settings
from da_platform.ingest.raw_zone import MANIFEST_SCHEMA, MANIFEST_TABLE, verify
from da_platform.lakehouse.delta_lake import LocalLake, open_lake
from tests.conftest import DEPLOYMENT_VARIABLES
from tests.helpers import DAILY_CSV, gold_table, make_landing
from tests.integration.object_stores import AzureStack, S3Stack, azure_stack, s3_stack

pytestmark = pytest.mark.integration

SILVER = ("well_day_production", "well_day_injection", "quarantine", "well_register", "reported_monthly")
GOLD = ("gold.fct_well_daily_production", "gold.fct_field_monthly_production", "gold.dim_well")
LAKE_VARIABLES = ("DATALIVE_LAKE_URL", "DATALIVE_LAKE_KMS_KEY_ID", "DATALIVE_SPARK_REMOTE", "DATALIVE_VECTOR_DSN")


def _landings(root: Path) -> list[Path]:
    """A Volve slice, then the same folder plus a file correcting the water of three well-days."""
    first = make_landing(root / "first", "2014-04-01", "2014-05-31")
    second = root / "second"
    shutil.copytree(first, second)
    lines = DAILY_CSV.read_text(encoding="utf-8").splitlines(keepends=True)
    header, rows = lines[0], [line for line in lines[1:] if line.startswith("2014-05-1")][:3]
    water = header.rstrip("\r\n").split(",").index("BORE_WAT_VOL")
    fixed = []
    for i, row in enumerate(rows):
        cells = row.rstrip("\r\n").split(",")
        cells[water] = f"{float(cells[water] or 0) + 10 * (i + 1):.1f}"
        fixed.append(",".join(cells) + "\n")
    (second / "daily" / "volve_corrections_2014-05.csv").write_text(header + "".join(fixed), encoding="utf-8")
    return [first, second]


def _run(home: Path, landings: list[Path], environ: dict[str, str]) -> Settings:
    with pytest.MonkeyPatch.context() as mp:
        for name in (*DEPLOYMENT_VARIABLES, *LAKE_VARIABLES):
            mp.delenv(name, raising=False)
        mp.setenv("DATALIVE_HOME", str(home))
        for name, value in environ.items():
            mp.setenv(name, value)
        for landing in landings:
            assert main(["run", "--only", "lakehouse", "--landing", str(landing)]) == 0
        return load_settings()


def _rows(frame: pl.DataFrame) -> pl.DataFrame:
    if "raw_record" in frame.columns:
        # Two landings arrive at different times: the stamp inside the kept raw record is all that may differ.
        stamp = pl.col("raw_record").str.replace(r'"arrived_at":"[^"]*"', '"arrived_at":"(landing time)"')
        frame = frame.with_columns(raw_record=stamp)
    return frame.sort(frame.columns, nulls_last=True)


@pytest.fixture(scope="module")
def landings(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return _landings(tmp_path_factory.mktemp("landing"))


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory, landings: list[Path], dbt_manifest: Path) -> Path:
    home = tmp_path_factory.mktemp("embedded") / "home"
    _run(home, landings, {})
    return home


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Stack]:
    with s3_stack(tmp_path_factory.mktemp("moto")) as stack:
        yield stack


@pytest.fixture(scope="module")
def azure(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AzureStack]:
    with azure_stack(tmp_path_factory.mktemp("azurite")) as stack:
        yield stack


def _s3_environ(s3: S3Stack, env: str = "dev") -> dict[str, str]:
    return {**s3.environ, "DATALIVE_LAKE_URL": s3.lake_url(env), "DATALIVE_LAKE_KMS_KEY_ID": s3.kms_keys[env]}


def _azure_environ(azure: AzureStack, env: str = "dev") -> dict[str, str]:
    return {**azure.environ_by_env[env], "DATALIVE_LAKE_URL": azure.lake_url(env)}


@pytest.fixture(scope="module")
def on_s3(tmp_path_factory: pytest.TempPathFactory, s3: S3Stack, landings: list[Path], dbt_manifest: Path):
    home = tmp_path_factory.mktemp("s3") / "home"
    with pytest.MonkeyPatch.context() as mp:
        for name, value in s3.environ.items():
            mp.setenv(name, value)  # the lake is read back below, as a deployment would
        settings = _run(home, landings, _s3_environ(s3))
        yield home, settings


@pytest.fixture(scope="module")
def on_azure(tmp_path_factory: pytest.TempPathFactory, azure: AzureStack, landings: list[Path], dbt_manifest: Path):
    home = tmp_path_factory.mktemp("azure") / "home"
    with pytest.MonkeyPatch.context() as mp:
        for name, value in azure.environ_by_env["dev"].items():
            mp.setenv(name, value)
        settings = _run(home, landings, _azure_environ(azure))
        yield home, settings


def _assert_same_lakehouse(home: Path, settings: Settings, embedded: Path) -> None:
    remote, local = open_lake(settings), LocalLake(embedded / "dev" / "lake", "dev")
    assert not (home / "dev" / "lake").exists()  # nothing fell back to local files
    for table in SILVER:
        expected, actual = _rows(local.read(f"silver/{table}")), _rows(remote.read(f"silver/{table}"))
        assert actual.height > 0 and actual.schema == expected.schema, table
        assert actual.equals(expected), table
    assert "DUPLICATE_SUPERSEDED" in remote.read("silver/quarantine")["rule_id"].to_list()  # the correction won
    for table in GOLD:
        key = [c for c in ("well_id", "production_date", "month", "field") if c in gold_table(embedded, table).columns]
        assert gold_table(home, table).sort(key).equals(gold_table(embedded, table).sort(key)), table


def test_the_pipeline_on_s3_builds_the_same_silver_and_gold_as_on_local_files(on_s3, embedded: Path) -> None:
    home, settings = on_s3
    _assert_same_lakehouse(home, settings, embedded)


def test_every_object_on_s3_is_encrypted_with_the_environments_kms_key_and_versioned(on_s3, s3: S3Stack) -> None:
    client = s3.client()
    for zone in ("raw", "bronze", "silver"):
        bucket = s3.bucket("dev", zone)
        objects = client.list_objects_v2(Bucket=bucket)["Contents"]
        assert any(o["Key"].endswith(".parquet" if zone != "raw" else ".csv") for o in objects), zone
        for entry in objects:
            head = client.head_object(Bucket=bucket, Key=entry["Key"])
            assert head["ServerSideEncryption"] == "aws:kms", entry["Key"]
            assert head["SSEKMSKeyId"].endswith(s3.kms_keys["dev"]), entry["Key"]
            assert head["VersionId"] not in (None, "null"), entry["Key"]


def test_no_other_environments_bucket_is_touched(on_s3, s3: S3Stack) -> None:
    client = s3.client()
    for env in ("qa", "prod"):
        for zone in ("raw", "bronze", "silver", "gold"):
            assert client.list_objects_v2(Bucket=s3.bucket(env, zone))["KeyCount"] == 0, (env, zone)


def test_raw_on_s3_keeps_every_landed_byte(on_s3, landings: list[Path]) -> None:
    _, settings = on_s3
    lake = open_lake(settings)
    manifest = lake.read(MANIFEST_TABLE, MANIFEST_SCHEMA)
    correction = manifest.filter(pl.col("file_name") == "volve_corrections_2014-05.csv").row(0, named=True)

    assert verify(lake) == []
    assert lake.read_bytes(correction["raw_path"]) == (landings[1] / "daily" / correction["file_name"]).read_bytes()


def test_a_raw_object_is_never_replaced_on_s3(on_s3, s3: S3Stack) -> None:
    _, settings = on_s3
    lake = open_lake(settings)
    raw_path = lake.read(MANIFEST_TABLE, MANIFEST_SCHEMA)["raw_path"][0]
    original = lake.read_bytes(raw_path)

    with pytest.raises(FileExistsError, match="immutable"):
        lake.write_bytes_once(raw_path, original + b"tampered\n")
    assert lake.write_bytes_once(raw_path, original)  # the same bytes again are accepted
    key = raw_path.removeprefix("raw/")
    versions = s3.client().list_object_versions(Bucket=s3.bucket("dev", "raw"), Prefix=key)["Versions"]
    assert len(versions) == 1 and lake.read_bytes(raw_path) == original


def test_the_pipeline_on_azure_builds_the_same_silver_and_gold_as_on_local_files(on_azure, embedded: Path) -> None:
    home, settings = on_azure
    _assert_same_lakehouse(home, settings, embedded)


def test_each_zone_goes_to_its_own_container_of_the_environments_account(on_azure, azure: AzureStack) -> None:
    names = {zone: [b.name for b in azure.container("dev", zone).list_blobs()] for zone in ("raw", "bronze", "silver")}
    assert any(n.startswith("files/daily/") for n in names["raw"])
    assert any(n.startswith("daily_reports/_delta_log/") for n in names["bronze"])
    assert any(n.startswith("well_day_production/_delta_log/") for n in names["silver"])
    for env in ("qa", "prod"):
        for zone in ("raw", "bronze", "silver", "gold"):
            assert not list(azure.container(env, zone).list_blobs()), (env, zone)


def test_a_lake_url_naming_another_environments_buckets_fails_the_run_and_writes_nothing(
    tmp_path: Path, s3: S3Stack, landings: list[Path]
) -> None:
    environ = {**_s3_environ(s3, "prod"), "DATALIVE_LAKE_KMS_KEY_ID": s3.kms_keys["dev"]}  # dev run, prod buckets
    with pytest.MonkeyPatch.context() as mp:
        for name in (*DEPLOYMENT_VARIABLES, *LAKE_VARIABLES):
            mp.delenv(name, raising=False)
        mp.setenv("DATALIVE_HOME", str(tmp_path / "home"))
        for name, value in environ.items():
            mp.setenv(name, value)
        assert main(["run", "--only", "lakehouse", "--landing", str(landings[0])]) == 1
    client = s3.client()
    for zone in ("raw", "bronze", "silver", "gold"):
        assert client.list_objects_v2(Bucket=s3.bucket("prod", zone))["KeyCount"] == 0, zone


def _branch(home: Path, s3: S3Stack, pr: int) -> Settings:
    return load_settings(
        {
            "DATALIVE_HOME": str(home),
            "DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT": "1",
            "DAGSTER_CLOUD_PULL_REQUEST_ID": str(pr),
            **_s3_environ(s3, "qa"),
        }
    )


def test_closing_a_pull_request_empties_its_prefix_in_every_zone_and_nothing_else(
    tmp_path: Path, s3: S3Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from da_platform.cleanup import drop_branch

    for name, value in s3.environ.items():
        monkeypatch.setenv(name, value)
    frame = pl.DataFrame({"well_id": ["F-12"], "oil": [1.5]})
    closing, still_open = _branch(tmp_path, s3, 41), _branch(tmp_path, s3, 42)
    for settings in (closing, still_open):
        lake = open_lake(settings)
        lake.write_bytes_once("raw/files/daily/abc/volve.csv", b"DATEPRD\n")
        lake.append("silver/well_day_production", frame)
        lake.overwrite("forecast/well_daily_forecasts", frame)

    plan = drop_branch(closing)

    assert plan.lake_stores == s3.lake_url("qa") and "pr-41/ in every zone" in plan.describe()
    client = s3.client()
    for zone in ("raw", "silver", "gold"):
        keys = [o["Key"] for o in client.list_objects_v2(Bucket=s3.bucket("qa", zone)).get("Contents", [])]
        assert keys and all(k.startswith("pr-42/") for k in keys), zone
    assert open_lake(still_open).read("silver/well_day_production").equals(frame)
    assert not open_lake(closing).exists("silver/well_day_production")


def test_doctor_probes_every_zone_store_and_names_an_unreachable_one_without_its_secret(
    on_s3, s3: S3Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from da_platform.doctor import run_checks

    _, settings = on_s3
    lake = {c.name: c for c in run_checks(settings, {})}["lake"]
    assert lake.ok and "a store per zone" in lake.detail and "silver present" in lake.detail

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("AWS_MAX_RETRIES", "0")
    failed = {c.name: c for c in run_checks(settings, {})}["lake"]
    assert not failed.ok and s3.environ["AWS_SECRET_ACCESS_KEY"] not in failed.detail
