"""Hostile landing folders: links are never followed, files that change while they land are retried alone,
and the stat cache is re-checked so an edit that keeps size and modification time is found."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from da_platform.ingest import raw_zone
from da_platform.ingest.raw_zone import LINK, Skipped
from da_platform.lakehouse.delta_lake import LocalLake

SECRET = b"root:x:0:0:root:/root:/bin/bash\n"
T0 = datetime(2024, 5, 2, 6, 0, tzinfo=UTC)


def write(landing: Path, relative: str, lines: list[str] | tuple[str, ...]) -> Path:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def landing(tmp_path: Path, volve_daily_lines: tuple[str, ...]) -> Path:
    """A landing folder with two small real daily reports."""
    root = tmp_path / "landing"
    write(root, "daily/volve_2014-04-a.csv", volve_daily_lines[:4])
    write(root, "daily/volve_2014-04-b.csv", [volve_daily_lines[0], *volve_daily_lines[4:8]])
    return root


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside the landing folder, standing in for /etc/passwd."""
    path = tmp_path / "outside" / "passwd"
    path.parent.mkdir()
    path.write_bytes(SECRET)
    return path


def raw_bytes(lake: LocalLake) -> list[bytes]:
    return [p.read_bytes() for p in (lake.root / "raw").rglob("*") if p.is_file() and "_delta_log" not in p.parts]


# --- links and other entries that are not files ------------------------------------------------------------------


def test_a_link_to_a_file_outside_the_landing_is_skipped_as_a_link_and_never_read(
    landing: Path, secret: Path, lake: LocalLake
) -> None:
    (landing / "daily" / "passwd.csv").symlink_to(secret)

    scan = raw_zone.scan_landing(landing)
    outcome = raw_zone.land_files(lake, scan.files, now=T0)

    assert Skipped(landing / "daily" / "passwd.csv", LINK) in scan.skipped
    assert LINK == "a link, not a file"
    assert sorted(outcome.added["file_name"].to_list()) == ["volve_2014-04-a.csv", "volve_2014-04-b.csv"]
    assert not any(SECRET.strip() in data for data in raw_bytes(lake))


def test_a_link_to_a_folder_is_skipped_and_nothing_below_it_is_landed(
    landing: Path, secret: Path, volve_daily_lines
) -> None:
    write(secret.parent, "volve_2015.csv", volve_daily_lines[:3])
    (landing / "daily" / "elsewhere").symlink_to(secret.parent, target_is_directory=True)

    scan = raw_zone.scan_landing(landing)

    assert Skipped(landing / "daily" / "elsewhere", LINK) in scan.skipped
    assert all(f.path.parent == landing / "daily" for f in scan.files)
    assert [f.path.name for f in scan.files] == ["volve_2014-04-a.csv", "volve_2014-04-b.csv"]


def test_a_landing_path_that_is_a_link_is_resolved_and_its_files_are_recorded_under_the_real_folder(
    landing: Path, tmp_path: Path
) -> None:
    alias = tmp_path / "landing_alias"
    alias.symlink_to(landing, target_is_directory=True)

    scan = raw_zone.scan_landing(alias)

    assert [f.path for f in scan.files] == sorted((landing / "daily").iterdir())
    assert scan.skipped == []


def test_a_fifo_in_the_landing_is_skipped_without_blocking(landing: Path) -> None:
    os.mkfifo(landing / "daily" / "pipe.csv")

    scan = raw_zone.scan_landing(landing)

    assert Skipped(landing / "daily" / "pipe.csv", "not a regular file") in scan.skipped
    assert len(scan.files) == 2


def test_a_file_swapped_for_a_link_after_it_was_found_is_not_landed_and_the_others_are(
    landing: Path, secret: Path, lake: LocalLake
) -> None:
    scan = raw_zone.scan_landing(landing)
    swapped = landing / "daily" / "volve_2014-04-a.csv"
    swapped.unlink()
    swapped.symlink_to(secret)

    outcome = raw_zone.land_files(lake, scan.files, now=T0, wait_seconds=0)

    assert outcome.unstable == [Skipped(swapped, LINK)]
    assert outcome.added["file_name"].to_list() == ["volve_2014-04-b.csv"]
    assert not any(SECRET.strip() in data for data in raw_bytes(lake))


def test_the_sensor_does_not_hash_a_link(landing: Path, secret: Path) -> None:
    from da_platform.triggers import changed_files

    (landing / "daily" / "passwd.csv").symlink_to(secret)

    changed, cursor = changed_files(landing, {})

    assert sorted(cursor) == ["daily/volve_2014-04-a.csv", "daily/volve_2014-04-b.csv"]
    assert len(changed) == 2


# --- a file that changes while it is landed -----------------------------------------------------------------------


def test_a_file_rewritten_after_it_was_found_is_read_again_alone_and_lands_its_new_bytes(
    landing: Path, lake: LocalLake, volve_daily_lines
) -> None:
    scan = raw_zone.scan_landing(landing)
    rewritten = write(landing, "daily/volve_2014-04-a.csv", volve_daily_lines[:6])  # the export finished

    outcome = raw_zone.land_files(lake, scan.files, now=T0, wait_seconds=0)

    assert outcome.unstable == []
    landed = {row["file_name"]: row for row in outcome.added.to_dicts()}
    assert set(landed) == {"volve_2014-04-a.csv", "volve_2014-04-b.csv"}
    assert landed["volve_2014-04-a.csv"]["sha256"] == raw_zone.sha256_of(rewritten)
    assert lake.read_bytes(landed["volve_2014-04-a.csv"]["raw_path"]) == rewritten.read_bytes()
    cached = {f.path.name: f.sha256 for f in outcome.files}
    assert cached["volve_2014-04-a.csv"] == raw_zone.sha256_of(rewritten)  # the cache holds what landed


@pytest.fixture
def appended_while_read(landing: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """One landing file that a writer appends to during every read of it (an export still running)."""
    target = landing / "daily" / "volve_2014-04-a.csv"
    original = raw_zone._read_blocks

    def read_while_appending(fd: int):
        yield from original(fd)
        if os.fstat(fd).st_ino == target.stat().st_ino:
            with target.open("a", encoding="utf-8") as handle:
                handle.write("2014-04-09,NO 15/9-F-1 C\n")

    monkeypatch.setattr(raw_zone, "_read_blocks", read_while_appending)
    yield target


def test_a_file_that_keeps_changing_is_left_out_and_the_other_files_land(
    landing: Path, lake: LocalLake, appended_while_read: Path
) -> None:
    scan = raw_zone.scan_landing(landing)

    outcome = raw_zone.land_files(lake, scan.files, now=T0, retries=2, wait_seconds=0)

    assert outcome.unstable == [Skipped(appended_while_read, "kept changing while it was being landed")]
    assert outcome.added["file_name"].to_list() == ["volve_2014-04-b.csv"]
    assert [f.path.name for f in outcome.files] == ["volve_2014-04-b.csv"]  # not cached: hashed again next run
    assert lake.read(raw_zone.MANIFEST_TABLE)["file_name"].to_list() == ["volve_2014-04-b.csv"]


def test_land_lands_the_stable_files_then_raises_naming_the_one_that_kept_changing(
    landing: Path, lake: LocalLake, appended_while_read: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The stream relies on this: it must not commit offsets for a batch file that is not in raw.
    monkeypatch.setattr(raw_zone, "LAND_RETRY_SECONDS", 0.0)
    files = raw_zone.scan_landing(landing).files

    with pytest.raises(RuntimeError, match=r"volve_2014-04-a\.csv: kept changing"):
        raw_zone.land(lake, files, now=T0)

    assert lake.read(raw_zone.MANIFEST_TABLE)["file_name"].to_list() == ["volve_2014-04-b.csv"]


# --- the stat cache is re-checked ----------------------------------------------------------------------------------


def edit_keeping_size_and_mtime(path: Path) -> None:
    """Change one digit of a report in place and restore its modification time, as `cp -p` would."""
    before = path.stat()
    data = path.read_bytes()
    at = max(i for i, byte in enumerate(data) if chr(byte).isdigit())
    edited = data[:at] + (b"1" if data[at : at + 1] != b"1" else b"2") + data[at + 1 :]
    path.write_bytes(edited)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns) and edited != data


def landed_and_cached(landing: Path, lake: LocalLake) -> None:
    outcome = raw_zone.land_files(lake, raw_zone.scan_landing(landing, now=T0).files, now=T0)
    raw_zone.write_stat_cache(lake, outcome.files, now=T0)


def test_an_edit_that_keeps_size_and_mtime_is_invisible_to_the_stat_cache_alone(landing: Path, lake: LocalLake) -> None:
    landed_and_cached(landing, lake)
    edited = landing / "daily" / "volve_2014-04-a.csv"
    edit_keeping_size_and_mtime(edited)

    trusting = raw_zone.scan_landing(landing, raw_zone.read_stat_cache(lake), rehash_fraction=0.0)

    assert {f.path: f.sha256 for f in trusting.files}[edited] != raw_zone.sha256_of(edited)  # defect 6


def test_full_rehash_finds_an_edit_that_kept_size_and_mtime_and_lands_it_as_a_new_version(
    landing: Path, lake: LocalLake
) -> None:
    landed_and_cached(landing, lake)
    edited = landing / "daily" / "volve_2014-04-a.csv"
    edit_keeping_size_and_mtime(edited)

    scan = raw_zone.scan_landing(landing, raw_zone.read_stat_cache(lake), rehash=True, now=T0 + timedelta(days=1))
    added = raw_zone.land_files(lake, scan.files, now=T0 + timedelta(days=1)).added

    assert scan.rehashed == 2 and scan.stale == [edited]
    assert added.select("file_name", "version").rows() == [("volve_2014-04-a.csv", 2)]
    assert added["sha256"][0] == raw_zone.sha256_of(edited)


def test_each_run_rehashes_the_files_verified_longest_ago_so_a_same_stat_edit_is_found_within_a_bound(
    landing: Path, lake: LocalLake, volve_daily_lines
) -> None:
    for i in range(2):  # four files; at a quarter a run, every file is re-read within four runs
        write(landing, f"daily/volve_2014-05-{i}.csv", [volve_daily_lines[0], volve_daily_lines[20 + i]])
    landed_and_cached(landing, lake)
    edited = landing / "daily" / "volve_2014-05-1.csv"
    edit_keeping_size_and_mtime(edited)

    found_in_run, rehashed = None, []
    for run in range(1, 5):
        now = T0 + timedelta(days=run)
        scan = raw_zone.scan_landing(landing, raw_zone.read_stat_cache(lake), rehash_fraction=0.25, now=now)
        outcome = raw_zone.land_files(lake, scan.files, now=now)
        raw_zone.write_stat_cache(lake, outcome.files, now=now)
        rehashed.append(scan.rehashed)
        if scan.stale and found_in_run is None:
            found_in_run = run
            assert scan.stale == [edited]
            assert outcome.added.select("file_name", "version").rows() == [("volve_2014-05-1.csv", 2)]

    assert rehashed == [1, 1, 1, 1]
    assert found_in_run is not None and found_in_run <= 4
    hashed_at = raw_zone.read_stat_cache(lake)
    assert sorted(entry[3] for entry in hashed_at.values()) == [T0 + timedelta(days=d) for d in (1, 2, 3, 4)]


def test_the_default_sample_rehashes_at_least_one_file_a_run(landing: Path, lake: LocalLake) -> None:
    landed_and_cached(landing, lake)

    scan = raw_zone.scan_landing(landing, raw_zone.read_stat_cache(lake))

    assert scan.rehashed == 1 and scan.stale == []


def test_a_stat_cache_written_before_hashes_were_dated_is_read_and_verified_first(
    landing: Path, lake: LocalLake
) -> None:
    files = raw_zone.scan_landing(landing).files
    old_schema = {k: v for k, v in raw_zone.STAT_CACHE_SCHEMA.items() if k != "hashed_at"}
    rows = [(str(f.path), f.size_bytes, f.mtime_ns, f.sha256) for f in files]
    lake.overwrite(raw_zone.STAT_CACHE_TABLE, pl.DataFrame(rows, schema=old_schema, orient="row"))

    cache = raw_zone.read_stat_cache(lake)

    assert {entry[3] for entry in cache.values()} == {None}
    assert raw_zone.scan_landing(landing, cache, rehash_fraction=0.5).rehashed == 1


def test_a_folder_swapped_for_a_link_after_the_walk_is_not_followed(
    landing: Path, secret: Path, lake: LocalLake
) -> None:
    scan = raw_zone.scan_landing(landing)
    daily = landing / "daily"
    (secret.parent / "volve_2014-04-a.csv").write_bytes(SECRET)
    daily.rename(landing / "daily-moved")
    daily.symlink_to(secret.parent, target_is_directory=True)

    outcome = raw_zone.land_files(lake, scan.files, now=T0, wait_seconds=0)

    assert {s.reason for s in outcome.unstable} <= {
        "a folder on its path became a link",
        "disappeared before it was landed",
    }
    assert outcome.added.height == 0
    assert not any(SECRET.strip() in data for data in raw_bytes(lake))


def test_a_file_that_cannot_be_read_is_skipped_and_the_others_land(
    landing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = landing / "daily" / "volve_2014-04-a.csv"
    real_open = os.open

    def open_without_permission(path, flags, *args, **kwargs):  # as for a file mode 000 (tests run as root)
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_without_permission)

    scan = raw_zone.scan_landing(landing)

    assert Skipped(locked, "cannot be read (Permission denied)") in scan.skipped
    assert [f.path.name for f in scan.files] == ["volve_2014-04-b.csv"]


def test_files_handed_over_under_a_linked_environment_folder_still_land(tmp_path: Path, volve_daily_lines) -> None:
    # The stream lands files it wrote under <home>/<env>/landing, and <home>/prod may be a link to a disk.
    (tmp_path / "disk" / "prod").mkdir(parents=True)
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "prod").symlink_to(tmp_path / "disk" / "prod", target_is_directory=True)
    batch = write(tmp_path / "home" / "prod" / "landing", "daily/stream_p0_o0-2.csv", volve_daily_lines[:3])
    lake = LocalLake(tmp_path / "home" / "prod" / "lake", "prod")

    added = raw_zone.land(lake, [raw_zone.LandedFile(batch, "daily", raw_zone.sha256_of(batch), batch.stat().st_size)])

    assert added["file_name"].to_list() == ["stream_p0_o0-2.csv"]
