"""Bounded reading of zip containers (XLSX workbooks and any other zip-based file) before a parser opens them.

A workbook is a zip of XML parts. A few megabytes of deflate can expand to gigabytes of XML (a "zip
bomb"), and a parser that trusts the archive materialises all of it: a 4 MB workbook whose sheet
decompresses to ~930 MB took 6.2 GB of memory before it was even found to lack a column. So every member is
inflated here first, in bounded chunks and without keeping the output, from the bytes the central directory
points at (never from the sizes it declares, which a hostile archive can understate), and the archive is
refused as soon as its real uncompressed size or its compression ratio passes a limit. Memory stays the size
of the file plus one chunk, whatever the archive claims.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass
from io import BytesIO

MiB = 1 << 20
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # the fixed 30 bytes of a zip local file header
_LOCAL_SIGNATURE = b"PK\x03\x04"
_OUT_CHUNK = MiB  # the most bytes one inflate step may produce (the only output ever held)
_IN_CHUNK = 64 * 1024


class ArchiveRejected(ValueError):
    """A zip container that is unreadable or expands beyond the limits; the message says which and why."""


@dataclass(frozen=True)
class ArchiveLimits:
    """What a landed zip container may expand to.

    ``max_uncompressed_bytes``: 256 MiB of XML is ~250,000 rows of the Volve daily layout (the whole Volve
    history, 15,634 rows, is 16 MB), and what the workbook reader then holds is bounded by it (~7x the XML);
    larger reports belong in CSV, which has no such limit. ``max_ratio``: Apache POI's default (1 % minimum
    inflate ratio); real sheets compress 8-20x (Volve 8.7x; 100,000 rows of zeros 17x), bombs 300x-1000x.
    Ratios of members below ``ratio_grace_bytes`` say nothing (a tiny repetitive part compresses well).
    """

    max_uncompressed_bytes: int = 256 * MiB
    max_ratio: float = 100.0
    max_members: int = 10_000
    ratio_grace_bytes: int = MiB


DEFAULT_LIMITS = ArchiveLimits()


@dataclass(frozen=True)
class ArchiveStats:
    """What an accepted archive holds."""

    members: int
    uncompressed_bytes: int


def check_zip(data: bytes, limits: ArchiveLimits = DEFAULT_LIMITS) -> ArchiveStats:
    """Inflate every member of the zip in ``data`` in bounded chunks and check it against ``limits``.

    Raises :class:`ArchiveRejected` for an archive that cannot be read (not a zip, encrypted, an unsupported
    compression method, a member whose bytes disagree with its declared size or CRC) or that passes a limit;
    the check stops at the first byte beyond a limit, so a bomb costs no more than the limit to refuse.
    """
    try:
        members = zipfile.ZipFile(BytesIO(data)).infolist()  # reads only the central directory
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise ArchiveRejected(f"not a readable zip container: {exc}") from exc
    if len(members) > limits.max_members:
        raise ArchiveRejected(f"{len(members)} members in the archive, more than the limit of {limits.max_members}")
    total = 0
    for member in members:
        total = _inflate_member(data, member, total, limits)
    return ArchiveStats(len(members), total)


def _member_data(data: bytes, member: zipfile.ZipInfo) -> memoryview:
    """The compressed bytes of ``member``: after its local header, of the length the central directory gives."""
    start = member.header_offset
    header = data[start : start + _LOCAL_HEADER.size]
    if len(header) < _LOCAL_HEADER.size or header[:4] != _LOCAL_SIGNATURE:
        raise ArchiveRejected(f"member {_name(member)} has no local header at offset {start}")
    fields = _LOCAL_HEADER.unpack(header)
    begin = start + _LOCAL_HEADER.size + fields[9] + fields[10]  # + file name + extra field
    if begin + member.compress_size > len(data):
        raise ArchiveRejected(f"member {_name(member)} runs past the end of the file")
    return memoryview(data)[begin : begin + member.compress_size]


def _inflate_member(data: bytes, member: zipfile.ZipInfo, total: int, limits: ArchiveLimits) -> int:
    """Inflate one member without keeping its output; returns the archive's uncompressed total so far."""
    if member.flag_bits & 0x1:
        raise ArchiveRejected(f"member {_name(member)} is encrypted")
    if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ArchiveRejected(f"member {_name(member)} uses compression method {member.compress_type}")
    compressed = _member_data(data, member)
    size, crc = 0, 0
    if member.compress_type == zipfile.ZIP_STORED:
        size, crc = len(compressed), zlib.crc32(compressed)
        _within(limits, member, total + size, size, len(compressed), len(data))
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as zip stores it
        position = 0
        while not inflater.eof:
            if inflater.unconsumed_tail:
                chunk = inflater.unconsumed_tail
            else:
                chunk = compressed[position : position + _IN_CHUNK]
                position += len(chunk)
                if not chunk:
                    raise ArchiveRejected(f"member {_name(member)} is truncated")
            try:
                piece = inflater.decompress(chunk, _OUT_CHUNK)
            except zlib.error as exc:
                raise ArchiveRejected(f"member {_name(member)} is not valid deflate data: {exc}") from exc
            size += len(piece)
            crc = zlib.crc32(piece, crc)
            _within(limits, member, total + size, size, len(compressed), len(data))
    if size != member.file_size or crc != member.CRC:
        raise ArchiveRejected(
            f"member {_name(member)} declares {member.file_size} bytes (CRC {member.CRC:08x}) but holds "
            f"{size} (CRC {crc:08x})"
        )
    return total + size


def _name(member: zipfile.ZipInfo) -> str:
    """A member's name for a message: the archive chose it, so it is quoted, escaped and cut short."""
    return repr(member.filename[:80] + ("…" if len(member.filename) > 80 else ""))


def _within(limits: ArchiveLimits, member: zipfile.ZipInfo, total: int, size: int, packed: int, file: int) -> None:
    if total > limits.max_uncompressed_bytes:
        raise ArchiveRejected(
            f"the archive expands to more than {limits.max_uncompressed_bytes // MiB} MiB "
            f"(stopped in member {_name(member)}); export large reports as CSV"
        )
    if size > limits.ratio_grace_bytes and size > limits.max_ratio * max(packed, 1):
        raise ArchiveRejected(
            f"member {_name(member)} expands more than {limits.max_ratio:g}x its {packed} compressed bytes "
            "(a decompression bomb?)"
        )
    if total > limits.ratio_grace_bytes and total > limits.max_ratio * max(file, 1):
        raise ArchiveRejected(
            f"the archive expands more than {limits.max_ratio:g}x its {file} bytes (a decompression bomb?)"
        )
