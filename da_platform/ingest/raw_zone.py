"""Landing → raw: keep every byte that arrived, addressed by its content, with a manifest.

Landing folder convention: ``<landing>/daily/`` for daily production reports, ``<landing>/monthly/``
for the operator's reported monthly totals, ``<landing>/reference/`` for the well register. Files
elsewhere are ignored and reported. Raw copies live at ``raw/files/<kind>/<sha256>/<file name>``: the
same bytes landed twice are stored once; a changed file with the same name is a new version beside it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from da_platform.ingest.layouts import LAYOUTS
from da_platform.lakehouse.delta_lake import Lake

MANIFEST_TABLE = "raw/manifest"
MANIFEST_SCHEMA: dict[str, pl.DataType] = {
    "sha256": pl.String(),
    "kind": pl.String(),
    "file_name": pl.String(),
    "source_path": pl.String(),
    "raw_path": pl.String(),
    "size_bytes": pl.Int64(),
    "version": pl.Int64(),
    "arrived_at": pl.Datetime("us", "UTC"),
}
LANDING_KINDS = tuple(LAYOUTS)
# What the last run saw in the landing folder: a file with the same path, size and modification time is
# not hashed again (the landing sensor's cursor relies on the same stat). Only a cache: without it every
# file is hashed, as on a first run.
STAT_CACHE_TABLE = "raw/landing_stat_cache"
STAT_CACHE_SCHEMA: dict[str, pl.DataType] = {
    "source_path": pl.String(),
    "size_bytes": pl.Int64(),
    "mtime_ns": pl.Int64(),
    "sha256": pl.String(),
}


@dataclass(frozen=True)
class LandedFile:
    """A file found in the landing folder."""

    path: Path
    kind: str
    sha256: str
    size_bytes: int
    mtime_ns: int = 0


def sha256_of(path: Path) -> str:
    """Content hash of a file, read in blocks so large reports do not fill memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def discover(
    landing: Path, known: dict[str, tuple[int, int, str]] | None = None
) -> tuple[list[LandedFile], list[Path]]:
    """Files under the known kind folders (sorted, so arrival order is stable), and ignored ones.

    ``known`` maps a path to the (size, mtime_ns, sha256) seen by the last run (:func:`read_stat_cache`);
    a file whose size and modification time are unchanged keeps that hash instead of being read again,
    so a run's cost does not grow with the years of files already landed.
    """
    known = known or {}
    found: list[LandedFile] = []
    ignored: list[Path] = []
    if not landing.is_dir():
        raise FileNotFoundError(f"landing folder {landing} does not exist")
    for path in sorted(p for p in landing.rglob("*") if p.is_file()):
        relative = path.relative_to(landing)
        if path.name.startswith(".") or len(relative.parts) < 2 or relative.parts[0] not in LANDING_KINDS:
            ignored.append(path)
            continue
        stat = path.stat()
        seen = known.get(str(path))
        unchanged = seen is not None and seen[:2] == (stat.st_size, stat.st_mtime_ns)
        sha = seen[2] if unchanged else sha256_of(path)
        found.append(LandedFile(path, relative.parts[0], sha, stat.st_size, stat.st_mtime_ns))
    return found, ignored


def read_stat_cache(lake: Lake) -> dict[str, tuple[int, int, str]]:
    """The landing files the last run saw: path → (size, mtime_ns, sha256)."""
    cache = lake.read(STAT_CACHE_TABLE, STAT_CACHE_SCHEMA)
    return {row[0]: (row[1], row[2], row[3]) for row in cache.select(*STAT_CACHE_SCHEMA).iter_rows()}


def write_stat_cache(lake: Lake, files: list[LandedFile]) -> None:
    """Remember what this run saw, after its files are landed (a crash before leaves the old cache)."""
    rows = [(str(f.path), f.size_bytes, f.mtime_ns, f.sha256) for f in files]
    lake.overwrite(STAT_CACHE_TABLE, pl.DataFrame(rows, schema=STAT_CACHE_SCHEMA, orient="row"))


def land(lake: Lake, files: list[LandedFile], now: datetime | None = None) -> pl.DataFrame:
    """Copy new content into raw and append it to the manifest; returns the manifest rows added.

    Content already in the manifest (same kind and sha256) is skipped, so landing twice is a no-op,
    unless it is an older version of the same file name coming back: a file reverted to earlier bytes
    is a new version and wins again downstream. The copy is written before the manifest row: a crash
    in between leaves a file that the next run records, never a manifest row without its bytes.
    """
    manifest = lake.read(MANIFEST_TABLE, MANIFEST_SCHEMA).sort("version")
    known = set(zip(manifest["kind"].to_list(), manifest["sha256"].to_list(), strict=True))
    versions: dict[tuple[str, str], int] = {}
    latest: dict[tuple[str, str], str] = {}
    for kind, name, sha in manifest.select("kind", "file_name", "sha256").iter_rows():
        versions[(kind, name)] = versions.get((kind, name), 0) + 1
        latest[(kind, name)] = sha

    arrived_at = now or datetime.now(UTC)
    added: list[dict[str, object]] = []
    for landed in files:
        key = (landed.kind, landed.path.name)
        reverted = key in latest and latest[key] != landed.sha256
        if (landed.kind, landed.sha256) in known and not reverted:
            continue
        data = landed.path.read_bytes()
        if hashlib.sha256(data).hexdigest() != landed.sha256:
            raise RuntimeError(f"{landed.path} changed while it was being landed; it will be retried")
        raw_path = f"raw/files/{landed.kind}/{landed.sha256}/{landed.path.name}"
        lake.write_bytes_once(raw_path, data)
        versions[key] = versions.get(key, 0) + 1
        latest[key] = landed.sha256
        known.add((landed.kind, landed.sha256))
        added.append(
            {
                "sha256": landed.sha256,
                "kind": landed.kind,
                "file_name": landed.path.name,
                "source_path": str(landed.path),
                "raw_path": raw_path,
                "size_bytes": landed.size_bytes,
                "version": versions[key],
                "arrived_at": arrived_at,
            }
        )
    new_rows = pl.DataFrame(added, schema=MANIFEST_SCHEMA)
    lake.append(MANIFEST_TABLE, new_rows)
    return new_rows


def verify(lake: Lake, rehash: Collection[str] | None = None) -> list[str]:
    """Manifest entries whose raw copy is missing, has another size, or (for the copies in ``rehash``, or
    all when it is None) whose bytes no longer match their sha256.

    Every run checks that every copy is there with its size (a stat or HEAD per file) and re-reads the
    copies it wrote; reading back every copy ever landed grows with the history (3 GB a run at 10,000
    wells x 5 years) and is the full audit, ``verify(lake)``.
    """
    problems: list[str] = []
    manifest = lake.read(MANIFEST_TABLE, MANIFEST_SCHEMA)
    entries = manifest.select("raw_path", "sha256", "size_bytes").unique("raw_path", keep="first").sort("raw_path")
    for raw_path, sha, size in entries.iter_rows():
        try:
            if rehash is not None and raw_path not in rehash:
                actual = lake.file_size(raw_path)
                if actual != size:
                    problems.append(f"{raw_path}: {actual} bytes in the raw zone, {size} in the manifest")
                continue
            data = lake.read_bytes(raw_path)
        except FileNotFoundError:
            problems.append(f"{raw_path}: missing from the raw zone")
            continue
        if hashlib.sha256(data).hexdigest() != sha:
            problems.append(f"{raw_path}: content no longer matches sha256 {sha[:12]}…")
    return problems
