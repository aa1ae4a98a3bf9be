"""Where an environment's MLflow store is, worked out in one place (``tracking.local_store``)."""

from __future__ import annotations

from pathlib import Path

from da_platform.forecast.tracking import dev_target, local_store, server_target


def test_the_local_store_is_the_sqlite_file_the_dev_target_opens(tmp_path: Path) -> None:
    store = local_store(tmp_path / "dev")
    assert store == (tmp_path / "dev" / "mlflow" / "mlflow.db").resolve()
    assert dev_target(tmp_path / "dev", "dev").tracking_uri == f"sqlite:///{store.as_posix()}"


def test_a_local_store_nothing_was_logged_to_is_missing(tmp_path: Path) -> None:
    assert dev_target(tmp_path / "dev", "dev").store_missing


def test_a_local_store_on_disk_is_not_missing(tmp_path: Path) -> None:
    store = local_store(tmp_path / "dev")
    store.parent.mkdir(parents=True)
    store.touch()
    assert not dev_target(tmp_path / "dev", "dev").store_missing


def test_a_tracking_server_is_never_a_missing_local_store() -> None:
    assert not server_target("http://mlflow.internal:5000", "qa").store_missing
