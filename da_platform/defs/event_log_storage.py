"""Dagster's SQLite event log (dev's embedded instance), with its database connections kept open
(:mod:`da_platform.defs.event_log_private`), and the dagster.yaml section that selects it.

Same files, same schema, same WAL journal: a Dagster UI or daemon with the stock class reads and writes
them unchanged. The class is imported here because dagster.yaml files already written name this module.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from da_platform.defs.event_log_private import OPEN_SHARDS, PooledSqliteEventLogStorage

__all__ = ["OPEN_SHARDS", "PooledSqliteEventLogStorage", "instance_yaml_section", "rehome_instance_yaml"]


def instance_yaml_section(base_dir: os.PathLike[str] | str) -> str:
    """The ``event_log_storage`` section of a dagster.yaml that stores events under ``base_dir`` (Dagster's
    default place is ``$DAGSTER_HOME/history/runs``)."""
    return (
        "event_log_storage:\n"
        f"  module: {__name__}\n"
        f"  class: {PooledSqliteEventLogStorage.__name__}\n"
        "  config:\n"
        f"    base_dir: {json.dumps(os.fspath(base_dir))}\n"  # a JSON string is a YAML string
    )


def _section_pattern() -> re.Pattern[str]:
    head = re.escape(instance_yaml_section("@").removesuffix('"@"\n'))  # the section up to its base_dir value
    return re.compile(f'^{head}(?P<base_dir>"[^\n]*")$', re.MULTILINE)


def rehome_instance_yaml(text: str, dagster_home: Path) -> str:
    """``text`` (a dagster.yaml) with the event log section datalive wrote pointed at ``dagster_home``.

    Dagster's storage config takes absolute paths, so a home that was copied, moved or restored would keep
    writing its run and check history into the old home's files. The section is rewritten when its
    ``base_dir`` is another datalive instance's ``.../dagster/history/runs``; anything else a person
    changed in the file, or a base_dir they chose elsewhere, is left as it is.
    """
    wanted = dagster_home / "history" / "runs"

    def repoint(match: re.Match[str]) -> str:
        current = Path(json.loads(match["base_dir"]))
        if current == wanted or current.parts[-3:] != ("dagster", "history", "runs"):
            return match[0]
        return instance_yaml_section(wanted).rstrip("\n")

    return _section_pattern().sub(repoint, text)
