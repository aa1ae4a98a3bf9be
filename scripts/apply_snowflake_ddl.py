"""Apply infra/snowflake/*.sql (databases, warehouses, roles, grants) to the Snowflake account of the
DATALIVE_SNOWFLAKE_* variables, idempotently. ``--only database,schema`` restricts the kinds, for a stand-in
(fakesnow) that knows no warehouses, roles or grants; what is left out is printed, never silent.
"""

from __future__ import annotations

import argparse
import sys

from da_platform.env import load_settings, snowflake_credentials
from da_platform.snowflake_ddl import KINDS, apply, statements


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default=",".join(KINDS), help=f"comma-separated kinds among {', '.join(KINDS)}")
    parser.add_argument("--dry-run", action="store_true", help="print the statements instead of running them")
    args = parser.parse_args(argv)
    kinds = {k.strip() for k in args.only.split(",") if k.strip()}
    if unknown := kinds - set(KINDS):
        print(f"unknown kinds: {', '.join(sorted(unknown))} (known: {', '.join(KINDS)})", file=sys.stderr)
        return 2
    every = statements()
    selected = [s for s in every if s.kind in kinds]
    left_out = sorted({s.kind for s in every} - kinds)
    if args.dry_run:
        for s in selected:
            print(f"{s.sql};")
    else:
        import snowflake.connector

        settings = load_settings()
        endpoint = {
            key: value
            for key, value in (
                ("host", settings.snowflake_host),
                ("port", settings.snowflake_port),
                ("protocol", settings.snowflake_protocol),
            )
            if value is not None
        }
        with snowflake.connector.connect(**snowflake_credentials(), **endpoint) as connection:
            ran = apply(connection, selected)
        print(f"applied {ran} statements ({', '.join(sorted(kinds))})")
    if left_out:
        print(f"NOT applied: {', '.join(left_out)} statements (left out by --only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
