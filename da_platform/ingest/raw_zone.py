"""Landing → raw: keep every byte that arrived, addressed by its content, with a manifest.

Landing folder convention: ``<landing>/daily/`` for daily production reports, ``<landing>/monthly/``
for the operator's reported monthly totals, ``<landing>/reference/`` for the well register. Files
elsewhere are ignored and reported. Raw copies live at ``raw/files/<kind>/<sha256>/<file name>``: the
same bytes landed twice are stored once; a changed file with the same name is a new version beside it.
"""

from __future__ import annotations

import hashlib
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


@dataclass(frozen=True)
class LandedFile:
    """A file found in the landing folder."""

    path: Path
    kind: str
    sha256: str
    size_bytes: int


def sha256_of(path: Path) -> str:
    """Content hash of a file, read in blocks so large reports do not fill memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def discover(landing: Path) -> tuple[list[LandedFile], list[Path]]:
    """Files under the known kind folders (sorted, so arrival order is stable), and ignored ones."""
    found: list[LandedFile] = []
    ignored: list[Path] = []
    if not landing.is_dir():
        raise FileNotFoundError(f"landing folder {landing} does not exist")
    for path in sorted(p for p in landing.rglob("*") if p.is_file()):
        relative = path.relative_to(landing)
        if path.name.startswith(".") or len(relative.parts) < 2 or relative.parts[0] not in LANDING_KINDS:
            ignored.append(path)
            continue
        found.append(LandedFile(path, relative.parts[0], sha256_of(path), path.stat().st_size))
    return found, ignored


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


def verify(lake: Lake) -> list[str]:
    """Manifest entries whose raw copy is missing or whose bytes no longer match their sha256."""
    problems: list[str] = []
    manifest = lake.read(MANIFEST_TABLE, MANIFEST_SCHEMA)
    for raw_path, sha in zip(manifest["raw_path"].to_list(), manifest["sha256"].to_list(), strict=True):
        try:
            data = lake.read_bytes(raw_path)
        except FileNotFoundError:
            problems.append(f"{raw_path}: missing from the raw zone")
            continue
        if hashlib.sha256(data).hexdigest() != sha:
            problems.append(f"{raw_path}: content no longer matches sha256 {sha[:12]}…")
    return problems
