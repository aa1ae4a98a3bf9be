"""Landing → raw: keep every byte that arrived, addressed by its content, with a manifest.

Landing folder convention: ``<landing>/daily/`` for daily production reports, ``<landing>/monthly/``
for the operator's reported monthly totals, ``<landing>/reference/`` for the well register. Files
elsewhere are ignored and reported, and so is every link (never followed: "a link, not a file") and
anything that is not a regular file. Raw copies live at ``raw/files/<kind>/<sha256>/<file name>``: the
same bytes landed twice are stored once; a changed file with the same name is a new version beside it.
"""

from __future__ import annotations

import hashlib
import math
import os
import stat as stat_mode
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import polars as pl

from da_platform.ingest.layouts import LAYOUTS
from da_platform.lakehouse.delta_lake import Lake
from da_platform.lakehouse.write_behind import WriteBehind

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
# file is hashed, as on a first run. ``hashed_at`` is when the hash was last computed from the bytes.
STAT_CACHE_TABLE = "raw/landing_stat_cache"
STAT_CACHE_SCHEMA: dict[str, pl.DataType] = {
    "source_path": pl.String(),
    "size_bytes": pl.Int64(),
    "mtime_ns": pl.Int64(),
    "sha256": pl.String(),
    "hashed_at": pl.Datetime("us", "UTC"),
}
# Size and mtime miss an edit that keeps both (`cp -p`, `rsync -t`, a restored backup). Each run also
# re-reads this share of the files the cache would trust, those verified longest ago first, so every
# landing file is re-hashed at least once every 20 runs at a bounded cost (`--full` re-hashes them all).
REHASH_FRACTION = 0.05
LINK = "a link, not a file"
NOT_IN_A_KIND_FOLDER = f"not under one of {', '.join(kind + '/' for kind in LANDING_KINDS)}"
HIDDEN = "a hidden file"
CONVENTION_SKIPS = frozenset({NOT_IN_A_KIND_FOLDER, HIDDEN})  # the landing convention ignores these, by design
# A file that changes while it is landed is read again, alone, until two reads agree.
LAND_RETRIES = 3
LAND_RETRY_SECONDS = 0.5

SNIFF_BYTES = 65_536  # enough for any layout's header line

_T = TypeVar("_T")
_R = TypeVar("_R")


def _each_in_parallel(work: Callable[[_T], _R], items: Iterable[_T]) -> Iterator[_R]:
    """``work`` on every item, in order, on one thread per core: reading a file and hashing it both run
    outside the GIL, so a landing of gigabytes hashes on every core instead of one (each call holds one
    file, so memory stays at one file per core)."""
    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)), thread_name_prefix="raw-hash") as pool:
        yield from pool.map(work, items)


def belongs_in(path: Path) -> str:
    """Which kind folder a file found outside them would belong in, from its header (the required columns
    of a layout) or else its name; said as advice, the file itself is left where it is, unlanded."""
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError:
        head = b""
    first_line = head.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
    headers = {cell.strip().strip('"').upper() for cell in first_line.split(",")}
    for kind, layout in LAYOUTS.items():
        if layout.required and {column.upper() for column in layout.required} <= headers:
            return f"its header is a {kind} file's: move it to {kind}/"
    name = path.name.lower()
    for kind in LANDING_KINDS:
        if kind in name or (kind == "reference" and "register" in name):
            return f"by its name it belongs in {kind}/"
    return f"move it to the folder of its kind ({', '.join(kind + '/' for kind in LANDING_KINDS)})"


_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class LandedFile:
    """A file found in the landing folder."""

    path: Path
    kind: str
    sha256: str
    size_bytes: int
    mtime_ns: int = 0
    hashed_at: datetime | None = None  # when ``sha256`` was computed from the bytes (None: just now)
    identity: tuple[int, int] | None = field(default=None, compare=False)  # (device, inode) when discovered


@dataclass(frozen=True)
class Skipped:
    """A landing entry that is not landed, and why (a link, not in a kind folder, changing, ...)."""

    path: Path
    reason: str
    # True for what the landing convention ignores by design (outside the kind folders, hidden files);
    # False for what was refused (a link, a special file, a file that kept changing).
    by_convention: bool = False


@dataclass(frozen=True)
class LandingScan:
    """What :func:`scan_landing` found: the files to land, the entries skipped, and what was re-hashed."""

    files: list[LandedFile]
    skipped: list[Skipped]
    rehashed: int = 0  # files the stat cache would have trusted, hashed again (sample or --full)
    stale: list[Path] = field(default_factory=list)  # ... whose bytes had changed behind an unchanged stat


@dataclass(frozen=True)
class LandingOutcome:
    """What :func:`land_files` did: manifest rows added, the files as landed, and those left for next run."""

    added: pl.DataFrame
    files: list[LandedFile]  # every file that is now in raw, with the hash and stat of the bytes landed
    unstable: list[Skipped]  # kept changing (or vanished) while being landed; not landed, not cached


class _NotARegularFile(OSError):
    """The path is a link, or not a regular file, by the time it is opened."""


@contextmanager
def _open_regular(path: Path) -> Iterator[tuple[int, os.stat_result]]:
    """An open descriptor on ``path`` and its stat, refusing links (``O_NOFOLLOW``) and anything that is not
    a regular file (without blocking on a FIFO), even if the path was swapped since it was discovered."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if path.is_symlink():
            raise _NotARegularFile(LINK) from exc
        raise
    try:
        opened = os.fstat(fd)
        if not stat_mode.S_ISREG(opened.st_mode):
            raise _NotARegularFile("not a regular file")
        yield fd, opened
    finally:
        os.close(fd)


def _read_blocks(fd: int) -> Iterator[bytes]:
    while block := os.read(fd, 1 << 20):
        yield block


def sha256_of(path: Path) -> str:
    """Content hash of a file, read in blocks so large reports do not fill memory (links are refused)."""
    digest = hashlib.sha256()
    with _open_regular(path) as (fd, _):
        for block in _read_blocks(fd):
            digest.update(block)
    return digest.hexdigest()


def _walk(root: Path) -> Iterator[tuple[Path, os.stat_result | None, str | None]]:
    """Every entry below ``root``, never following a link: (path, its lstat, None) for regular files and
    (path, None, reason) for what cannot be landed (links to files or folders, FIFOs, sockets, devices)."""
    with os.scandir(root) as entries:
        for entry in entries:
            path = Path(entry.path)
            if entry.is_symlink():
                yield path, None, LINK
            elif entry.is_dir(follow_symlinks=False):
                yield from _walk(path)
            elif entry.is_file(follow_symlinks=False):
                yield path, entry.stat(follow_symlinks=False), None
            else:
                yield path, None, "not a regular file"


def scan_landing(
    landing: Path,
    known: dict[str, tuple] | None = None,
    *,
    rehash: bool = False,
    rehash_fraction: float = REHASH_FRACTION,
    now: datetime | None = None,
) -> LandingScan:
    """Files under the known kind folders (sorted, so arrival order is stable), and the entries skipped.

    The landing path is resolved once and nothing below it is followed: a link (to a file or a folder,
    inside or outside) is skipped as "a link, not a file", so no byte from outside the landing folder can
    reach raw, a log or a rejection reason. ``known`` maps a path to the (size, mtime_ns, sha256, hashed_at)
    seen by the last run (:func:`read_stat_cache`); a file whose size and modification time are unchanged
    keeps that hash instead of being read again, so a run's cost does not grow with the years of files
    already landed, except for ``rehash_fraction`` of them (those hashed longest ago) re-read to catch an
    edit that kept both, or all of them with ``rehash`` (`datalive run --full`).
    """
    known = known or {}
    now = now or datetime.now(UTC)
    root = landing.resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"landing folder {landing} does not exist")
    skipped: list[Skipped] = []
    candidates: list[tuple[Path, str, os.stat_result]] = []
    for path, lstat, problem in sorted(_walk(root), key=lambda entry: entry[0]):
        relative = path.relative_to(root)
        if problem is not None:
            skipped.append(Skipped(path, problem))
        elif len(relative.parts) < 2 or relative.parts[0] not in LANDING_KINDS:
            skipped.append(Skipped(path, f"{NOT_IN_A_KIND_FOLDER}; {belongs_in(path)}", by_convention=True))
        elif path.name.startswith("."):
            skipped.append(Skipped(path, HIDDEN, by_convention=True))
        elif not path.resolve().is_relative_to(root):  # a folder swapped for a link while we walked
            skipped.append(Skipped(path, "resolves outside the landing folder"))
        else:
            assert lstat is not None
            candidates.append((path, relative.parts[0], lstat))

    trusted = {
        str(path): known[str(path)]
        for path, _, lstat in candidates
        if str(path) in known and tuple(known[str(path)][:2]) == (lstat.st_size, lstat.st_mtime_ns)
    }
    if rehash:
        recheck = set(trusted)
    else:
        oldest_first = sorted(trusted, key=lambda p: (_hashed_at(trusted[p]), p))
        recheck = set(oldest_first[: math.ceil(rehash_fraction * len(oldest_first))])

    to_hash = [path for path, _, _ in candidates if str(path) not in trusted or str(path) in recheck]
    hashes = dict(zip(to_hash, _each_in_parallel(_sha256_or_reason, to_hash), strict=True))
    found: list[LandedFile] = []
    stale: list[Path] = []
    for path, kind, lstat in candidates:
        seen = trusted.get(str(path))
        identity = (lstat.st_dev, lstat.st_ino)
        if path not in hashes:
            assert seen is not None
            found.append(LandedFile(path, kind, seen[2], lstat.st_size, lstat.st_mtime_ns, _hashed_at(seen), identity))
            continue
        sha, problem = hashes[path]
        if sha is None:
            skipped.append(Skipped(path, problem or "cannot be read"))
            continue
        if seen is not None and sha != seen[2]:
            stale.append(path)
        found.append(LandedFile(path, kind, sha, lstat.st_size, lstat.st_mtime_ns, now, identity))
    return LandingScan(found, sorted(skipped, key=lambda s: s.path), len(recheck), stale)


def _sha256_or_reason(path: Path) -> tuple[str, None] | tuple[None, str]:
    """(sha256, None), or (None, why the file cannot be hashed now: it waits and the others land)."""
    try:
        return sha256_of(path), None
    except _NotARegularFile as exc:
        return None, str(exc)
    except FileNotFoundError:
        return None, "disappeared while the landing folder was read"
    except OSError as exc:  # e.g. no read permission
        return None, f"cannot be read ({exc.strerror or type(exc).__name__})"


def _hashed_at(seen: tuple) -> datetime:
    hashed_at = seen[3] if len(seen) > 3 else None
    return hashed_at or _NEVER


def discover(landing: Path, known: dict[str, tuple] | None = None) -> tuple[list[LandedFile], list[Path]]:
    """Files under the known kind folders, and the paths skipped (:func:`scan_landing` says why), trusting
    the stat cache for every unchanged file (no sampled re-hash: the raw asset calls :func:`scan_landing`)."""
    scan = scan_landing(landing, known, rehash_fraction=0.0)
    return scan.files, [s.path for s in scan.skipped]


def read_stat_cache(lake: Lake) -> dict[str, tuple[int, int, str, datetime | None]]:
    """The landing files the last run saw: path → (size, mtime_ns, sha256, hashed_at)."""
    cache = lake.read(STAT_CACHE_TABLE, STAT_CACHE_SCHEMA)
    if "hashed_at" not in cache.columns:  # written before hashes were dated: re-verified first
        cache = cache.with_columns(hashed_at=pl.lit(None, dtype=STAT_CACHE_SCHEMA["hashed_at"]))
    return {row[0]: tuple(row[1:]) for row in cache.select(*STAT_CACHE_SCHEMA).iter_rows()}  # type: ignore[misc]


def write_stat_cache(lake: Lake, files: list[LandedFile], now: datetime | None = None) -> None:
    """Remember what this run saw, after its files are landed (a crash before leaves the old cache)."""
    now = now or datetime.now(UTC)
    rows = [(str(f.path), f.size_bytes, f.mtime_ns, f.sha256, f.hashed_at or now) for f in files]
    lake.overwrite(STAT_CACHE_TABLE, pl.DataFrame(rows, schema=STAT_CACHE_SCHEMA, orient="row"))


def _read_stable(landed: LandedFile, retries: int, wait_seconds: float) -> tuple[bytes, LandedFile] | tuple[None, str]:
    """The bytes of a landing file once they match the hash they were discovered with, or (after a change)
    once two successive reads agree with the file's stat unchanged during each; (None, reason) otherwise."""
    expected: str | None = landed.sha256
    identity = landed.identity
    reason = "kept changing while it was being landed"
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(wait_seconds * attempt)
        try:
            with _open_regular(landed.path) as (fd, before):
                data = b"".join(_read_blocks(fd))
                after = os.fstat(fd)
        except _NotARegularFile as exc:
            return None, str(exc)
        except FileNotFoundError:
            return None, "disappeared before it was landed"
        except OSError as exc:
            return None, f"cannot be read ({exc.strerror or type(exc).__name__})"
        # A walked path (it has an identity) was built below the resolved landing folder: a folder on it that
        # resolves elsewhere now was swapped for a link after the walk, and what was read is not the landing's.
        if landed.identity is not None and landed.path.parent.resolve() != landed.path.parent:
            return None, "a folder on its path became a link"
        sha = hashlib.sha256(data).hexdigest()
        # Nothing wrote to the file while it was read: its stat did not move and it holds what was read.
        steady = (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns)
        steady = steady and after.st_size == len(data)
        same_file = identity is None or identity == (after.st_dev, after.st_ino)
        if steady and same_file and sha == expected:
            if sha == landed.sha256 and (len(data), after.st_mtime_ns) == (landed.size_bytes, landed.mtime_ns):
                return data, landed
            changed = {"sha256": sha, "size_bytes": len(data), "mtime_ns": after.st_mtime_ns}
            return data, replace(landed, **changed, hashed_at=datetime.now(UTC), identity=(after.st_dev, after.st_ino))
        expected = sha if steady else None
        identity = (after.st_dev, after.st_ino)
    return None, reason


def land(lake: Lake, files: list[LandedFile], now: datetime | None = None) -> pl.DataFrame:
    """Copy new content into raw and append it to the manifest; returns the manifest rows added.

    Raises RuntimeError, after landing the others, if a file kept changing while it was landed (the stream
    lands files it has just written: it must not commit offsets for bytes that are not in raw).
    """
    outcome = land_files(lake, files, now)
    if outcome.unstable:
        problems = "; ".join(f"{s.path}: {s.reason}" for s in outcome.unstable)
        raise RuntimeError(f"not landed, to be retried: {problems}")
    return outcome.added


def land_files(
    lake: Lake,
    files: list[LandedFile],
    now: datetime | None = None,
    retries: int | None = None,
    wait_seconds: float | None = None,
) -> LandingOutcome:
    """Copy new content into raw and append it to the manifest, file by file.

    Content already in the manifest (same kind and sha256) is skipped, so landing twice is a no-op,
    unless it is an older version of the same file name coming back: a file reverted to earlier bytes
    is a new version and wins again downstream. The copy is written before the manifest row: a crash
    in between leaves a file that the next run records, never a manifest row without its bytes.
    A file whose bytes no longer match its discovered hash is read again alone (``retries`` times, waiting
    longer each time) until two reads agree; one that keeps changing, vanishes or turns into a link is left
    out (``unstable``) and the others land: it is still in the landing folder for the next run.
    """
    retries = LAND_RETRIES if retries is None else retries
    wait_seconds = LAND_RETRY_SECONDS if wait_seconds is None else wait_seconds
    manifest = lake.read(MANIFEST_TABLE, MANIFEST_SCHEMA).sort("version")
    known = set(zip(manifest["kind"].to_list(), manifest["sha256"].to_list(), strict=True))
    versions: dict[tuple[str, str], int] = {}
    latest: dict[tuple[str, str], str] = {}
    for kind, name, sha in manifest.select("kind", "file_name", "sha256").iter_rows():
        versions[(kind, name)] = versions.get((kind, name), 0) + 1
        latest[(kind, name)] = sha

    arrived_at = now or datetime.now(UTC)
    added: list[dict[str, object]] = []
    landed_files: list[LandedFile] = []
    unstable: list[Skipped] = []
    # Each copy is written while the next file is read and hashed (write_behind says why); the manifest
    # rows are appended only once every copy is written.
    with WriteBehind() as writes:
        for landed in files:
            key = (landed.kind, landed.path.name)
            if (landed.kind, landed.sha256) in known and not (key in latest and latest[key] != landed.sha256):
                landed_files.append(landed)
                continue
            data, read = _read_stable(landed, retries, wait_seconds)
            if data is None:
                assert isinstance(read, str)
                unstable.append(Skipped(landed.path, read))
                continue
            assert isinstance(read, LandedFile)
            landed_files.append(read)
            if (read.kind, read.sha256) in known and not (key in latest and latest[key] != read.sha256):
                continue  # it changed back to bytes raw already holds
            raw_path = f"raw/files/{read.kind}/{read.sha256}/{read.path.name}"
            writes.submit(lake.write_bytes_once, raw_path, data)
            versions[key] = versions.get(key, 0) + 1
            latest[key] = read.sha256
            known.add((read.kind, read.sha256))
            added.append(
                {
                    "sha256": read.sha256,
                    "kind": read.kind,
                    "file_name": read.path.name,
                    "source_path": str(read.path),
                    "raw_path": raw_path,
                    "size_bytes": read.size_bytes,
                    "version": versions[key],
                    "arrived_at": arrived_at,
                }
            )
    new_rows = pl.DataFrame(added, schema=MANIFEST_SCHEMA)
    lake.append(MANIFEST_TABLE, new_rows)
    return LandingOutcome(new_rows, landed_files, unstable)


def verify(lake: Lake, rehash: Collection[str] | None = None) -> list[str]:
    """Manifest entries whose raw copy is missing, has another size, or (for the copies in ``rehash``, or
    all when it is None) whose bytes no longer match their sha256.

    Every run checks that every copy is there with its size (a stat or HEAD per file) and re-reads the
    copies it wrote; reading back every copy ever landed grows with the history (3 GB a run at 10,000
    wells x 5 years) and is the full audit, ``verify(lake)``.
    """
    manifest = lake.read(MANIFEST_TABLE, MANIFEST_SCHEMA)
    entries = manifest.select("raw_path", "sha256", "size_bytes").unique("raw_path", keep="first").sort("raw_path")

    def problem_of(entry: tuple[str, str, int]) -> str | None:
        raw_path, sha, size = entry
        try:
            if rehash is not None and raw_path not in rehash:
                actual = lake.file_size(raw_path)
                return None if actual == size else f"{raw_path}: {actual} bytes in the raw zone, {size} in the manifest"
            data = lake.read_bytes(raw_path)
        except FileNotFoundError:
            return f"{raw_path}: missing from the raw zone"
        if hashlib.sha256(data).hexdigest() != sha:
            return f"{raw_path}: content no longer matches sha256 {sha[:12]}…"
        return None

    return [problem for problem in _each_in_parallel(problem_of, entries.iter_rows()) if problem is not None]
