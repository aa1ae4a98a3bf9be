"""The console scripts' exit: main's code, atexit handlers run, the heap frozen before the final collections."""

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import atexit, gc, sys
from pathlib import Path
from da_platform.shutdown import exit_with
marker = Path(sys.argv[1])
atexit.register(lambda: marker.write_text(f"frozen={gc.get_freeze_count()}"))
def main():
    {body}
exit_with(main)
"""


def _exit_of(body: str, tmp_path: Path) -> tuple[int, str]:
    marker = tmp_path / "atexit.txt"
    done = subprocess.run([sys.executable, "-c", SCRIPT.replace("{body}", body), str(marker)], capture_output=True)
    return done.returncode, marker.read_text() if marker.exists() else ""


def test_the_process_exits_with_the_code_main_returns(tmp_path):
    code, _ = _exit_of("return 3", tmp_path)
    assert code == 3


def test_a_system_exit_raised_by_main_keeps_its_code(tmp_path):
    code, _ = _exit_of("raise SystemExit(4)", tmp_path)
    assert code == 4


def test_atexit_handlers_still_run_and_see_the_heap_frozen(tmp_path):
    code, marker = _exit_of("return 0", tmp_path)
    assert code == 0
    assert marker.startswith("frozen=") and int(marker.removeprefix("frozen=")) > 0


def test_the_datalive_and_dbt_scripts_end_through_exit_with():
    import tomllib

    scripts = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["datalive"] == "da_platform.cli:console"
    assert scripts["datalive-dbt"] == "da_platform.gold.dbt_launch:main"
    from da_platform.cli import console
    from da_platform.gold import dbt_launch

    assert "exit_with" in console.__code__.co_names
    assert "exit_with" in dbt_launch.main.__code__.co_names
