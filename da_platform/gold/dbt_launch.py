"""``datalive-dbt``: the dbt CLI, started in the folder that ``DATALIVE_DBT_WORKDIR`` names.

dagster-dbt starts dbt in the dbt project's folder and has no setting for another one. The gold assets
run dbt in the folder of the environment's DuckDB file instead, and name that file in the profile by its
bare name (``datalive_dev.duckdb``): the profile then renders the same in every dev environment. dbt keys
its partial-parse state on that rendering (the profile's connection info, path included), so a new
environment's first run can start from the state ``make setup`` left in the project instead of parsing
the whole project again. Each environment still opens only its own file, because dbt runs in its folder.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

from da_platform.shutdown import exit_with

WORKDIR = "DATALIVE_DBT_WORKDIR"


def main() -> NoReturn:
    """Run dbt with the command line given, in ``$DATALIVE_DBT_WORKDIR`` when it is set."""
    folder = os.environ.get(WORKDIR)
    if folder:
        os.chdir(folder)
    from dbt.cli.main import cli  # imported after the chdir: nothing of dbt runs before it

    sys.argv[0] = "dbt"
    exit_with(cli)
