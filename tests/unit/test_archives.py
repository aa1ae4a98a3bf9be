"""Workbooks are inflated within limits before they are opened: zip bombs are rejected with bounded memory."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from da_platform.ingest.archives import ArchiveLimits, ArchiveRejected, MiB, check_zip
from da_platform.ingest.layouts import DAILY
from da_platform.ingest.parsing import FileRejected, parse_file

SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"


def _row(fields: Sequence[str]) -> str:
    cells = "".join(f'<c t="inlineStr"><is><t>{value}</t></is></c>' for value in fields)
    return f"<row>{cells}</row>"


def bomb_workbook(template: Path, target: Path, lines: Sequence[str], sheet_mib: int) -> Path:
    """A copy of the workbook ``template`` whose first sheet is the header and then the data ``lines``
    repeated until the sheet's XML is ``sheet_mib`` MiB: a real, readable workbook that inflates ~300x."""
    body = "".join(_row(line.split(",")) for line in lines[1:])
    block = (body * (MiB // len(body) + 1))[: MiB - MiB % len(body)] if len(body) < MiB else body
    repeats = sheet_mib * MiB // len(block)
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bomb:
        for member in source.infolist():
            if member.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(member, source.read(member))
                continue
            with bomb.open(member.filename, "w", force_zip64=True) as sheet:
                sheet.write((SHEET_HEAD + _row(lines[0].split(","))).encode())
                encoded = block.encode()
                for _ in range(repeats):
                    sheet.write(encoded)
                sheet.write(SHEET_TAIL.encode())
    return target


@pytest.fixture
def volve_rows(volve_daily_lines: tuple[str, ...]) -> list[str]:
    """The header and five real Volve rows."""
    return [volve_daily_lines[0], *volve_daily_lines[1983:1988]]


@pytest.fixture
def template(volve_rows: list[str], write_volve_xlsx) -> Path:
    return write_volve_xlsx(volve_rows[:2], name="template.xlsx")


def test_a_real_workbook_passes_the_check_with_its_true_uncompressed_size(volve_rows, write_volve_xlsx) -> None:
    workbook = write_volve_xlsx(volve_rows)

    stats = check_zip(workbook.read_bytes())

    with zipfile.ZipFile(workbook) as archive:
        assert stats.members == len(archive.infolist())
        assert stats.uncompressed_bytes == sum(m.file_size for m in archive.infolist())


def test_the_bomb_builder_makes_a_workbook_that_parses_below_the_limits(
    template: Path, volve_rows: list[str], tmp_path: Path
) -> None:
    # The bombs below are real workbooks: at 2 MiB (and with the ratio limit lifted: 5 repeated rows compress
    # >100x) the same construction is read row by row.
    small = bomb_workbook(template, tmp_path / "small.xlsx", volve_rows, sheet_mib=2)

    parsed = parse_file(small.read_bytes(), small.name, DAILY, ArchiveLimits(max_ratio=1e6))

    assert parsed.frame.height > 1_000  # ~1.1 kB of XML a row
    assert parsed.frame["wellbore_code"].unique().to_list() == ["NO 15/9-F-12 H"]


def test_a_zip_bomb_workbook_is_rejected_as_file_format_naming_the_ratio(
    template: Path, volve_rows: list[str], tmp_path: Path
) -> None:
    bomb = bomb_workbook(template, tmp_path / "bomb.xlsx", volve_rows, sheet_mib=64)
    assert bomb.stat().st_size < MiB

    with pytest.raises(FileRejected) as rejected:
        parse_file(bomb.read_bytes(), bomb.name, DAILY)

    assert rejected.value.rule == "FILE_FORMAT"
    assert "xl/worksheets/sheet1.xml" in str(rejected.value) and "100x" in str(rejected.value)
    assert str(rejected.value).startswith("bomb.xlsx: [FILE_FORMAT]")


def test_a_workbook_beyond_the_uncompressed_size_limit_is_rejected(volve_rows, write_volve_xlsx) -> None:
    workbook = write_volve_xlsx(volve_rows)
    limits = ArchiveLimits(max_uncompressed_bytes=4096)

    with pytest.raises(FileRejected, match=r"\[FILE_FORMAT\].*expands to more than 0 MiB") as rejected:
        parse_file(workbook.read_bytes(), workbook.name, DAILY, limits)

    assert rejected.value.rule == "FILE_FORMAT"


def _understate_sheet_size(data: bytes, name: bytes) -> bytes:
    """The archive with ``name``'s uncompressed size halved in its local header and the central directory."""
    patched = bytearray(data)
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = 0
        while (at := patched.find(signature, at)) >= 0:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if patched[name_at : name_at + len(name)] == name:
                (size,) = struct.unpack_from("<L", patched, at + size_at)
                struct.pack_into("<L", patched, at + size_at, size // 2)
            at += 4
    return bytes(patched)


def test_a_member_that_understates_its_size_is_rejected(volve_rows, write_volve_xlsx) -> None:
    # A reader that trusted the declared size would stop early; one that inflates the stream would not.
    data = _understate_sheet_size(write_volve_xlsx(volve_rows).read_bytes(), b"xl/worksheets/sheet1.xml")

    with pytest.raises(ArchiveRejected, match=r"sheet1.xml' declares \d+ bytes .* but holds \d+"):
        check_zip(data)


def test_bytes_that_are_not_a_zip_are_rejected() -> None:
    with pytest.raises(ArchiveRejected, match="not a readable zip container"):
        check_zip(b"DATEPRD,WELL_BORE_CODE\n" * 10)


LAND_AND_PARSE = """
import json, resource, sys, time
from pathlib import Path
from da_platform.ingest import raw_zone
from da_platform.ingest.bronze import bronze_rows
from da_platform.ingest.layouts import DAILY
from da_platform.ingest.parsing import FileRejected
from da_platform.lakehouse.delta_lake import LocalLake

landing, root = Path(sys.argv[1]), Path(sys.argv[2])
lake = LocalLake(root / "dev" / "lake", "dev")
(entry,) = raw_zone.land(lake, raw_zone.discover(landing)[0]).to_dicts()
data = lake.read_bytes(entry["raw_path"])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    bronze_rows(data, DAILY, entry["file_name"], entry["sha256"], 1, entry["arrived_at"])
    outcome = {"rule": None}
except FileRejected as exc:
    outcome = {"rule": exc.rule, "message": str(exc)}
outcome.update(
    seconds=time.perf_counter() - started,
    grew_kib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before,
)
print(json.dumps(outcome))
"""


def test_landing_a_zip_bomb_is_rejected_in_bounded_memory_and_time(
    template: Path, volve_rows: list[str], tmp_path: Path
) -> None:
    # ~3 MiB on disk, 400 MiB of sheet XML: unbounded, the workbook reader held ~7x that in memory.
    landing = tmp_path / "landing"
    (landing / "daily").mkdir(parents=True)
    bomb = bomb_workbook(template, landing / "daily" / "volve_2008-05.xlsx", volve_rows, sheet_mib=400)
    with zipfile.ZipFile(bomb) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size >= 400 * MiB
    assert bomb.stat().st_size < 4 * MiB

    done = subprocess.run(
        [sys.executable, "-c", LAND_AND_PARSE, str(landing), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    outcome = json.loads(done.stdout)
    assert outcome["rule"] == "FILE_FORMAT", outcome
    assert outcome["grew_kib"] < 64 * 1024, outcome  # peak memory while parsing grew by less than 64 MiB
    assert outcome["seconds"] < 10, outcome


def test_a_hostile_member_name_is_quoted_and_cut_short_in_the_reason(tmp_path: Path) -> None:
    name = "xl/worksheets/sheet1.xml\n[FILE_OK] forged log line" + "x" * 500
    path = tmp_path / "named.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, b"<row/>" * (2 * MiB))

    with pytest.raises(ArchiveRejected) as rejected:
        check_zip(path.read_bytes())

    assert "\n" not in str(rejected.value) and "\\n[FILE_OK]" in str(rejected.value)
    assert len(str(rejected.value)) < 300
