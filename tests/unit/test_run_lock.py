"""One writer per environment: the lock every lake-writing command takes, between real processes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from da_platform.env import load_settings
from da_platform.run_lock import EnvironmentLocked, current_holder, environment_lock, lock_path

REPO = Path(__file__).resolve().parents[2]


def child(home: Path, body: str, **popen) -> subprocess.Popen:
    """A separate Python process running ``body`` with ``settings`` for the dev environment of ``home``."""
    script = textwrap.dedent(
        f"""
        import os, signal, sys, time
        from da_platform.env import load_settings
        from da_platform.run_lock import EnvironmentLocked, environment_lock
        settings = load_settings({{"DATALIVE_HOME": {str(home)!r}}})
        """
    ) + textwrap.dedent(body)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen
    )


def wait_for_line(process: subprocess.Popen, expected: str) -> None:
    line = process.stdout.readline()
    assert line.strip() == expected, (line, process.stderr.read() if process.poll() is not None else "")


def test_a_second_process_is_refused_with_the_holders_pid_and_start_time(tmp_path: Path) -> None:
    settings = load_settings({"DATALIVE_HOME": str(tmp_path)})
    with environment_lock(settings, command="datalive run") as me:
        other = child(
            tmp_path,
            """
            try:
                with environment_lock(settings, command="datalive stream"):
                    print("acquired")
            except EnvironmentLocked as exc:
                print(exc)
            """,
        )
        out, err = other.communicate(timeout=60)
    assert "acquired" not in out, err
    assert f"pid {me.pid}" in out and me.started_at in out and "datalive run" in out and "--wait" in out


def test_with_wait_a_second_process_takes_the_lock_once_the_first_releases_it(tmp_path: Path) -> None:
    settings = load_settings({"DATALIVE_HOME": str(tmp_path)})
    with environment_lock(settings):
        other = child(
            tmp_path,
            """
            print("trying", flush=True)
            with environment_lock(settings, wait=True):
                print(time.time(), flush=True)
            """,
        )
        wait_for_line(other, "trying")
        time.sleep(1.0)  # the other process is blocked in flock meanwhile
        assert other.poll() is None
        released = time.time()
    out, err = other.communicate(timeout=60)
    assert other.returncode == 0, err
    assert float(out.strip()) >= released


def test_a_lock_left_by_a_killed_process_is_taken_over_and_reported(tmp_path: Path) -> None:
    dead = child(
        tmp_path,
        """
        with environment_lock(settings, command="datalive run"):
            os.kill(os.getpid(), signal.SIGKILL)
        """,
    )
    dead.wait(timeout=60)
    assert dead.returncode == -9
    settings = load_settings({"DATALIVE_HOME": str(tmp_path)})
    left = current_holder(settings)
    assert left is not None and left.pid == dead.pid and not left.is_running()
    messages: list[str] = []
    with environment_lock(settings, report=messages.append) as me:
        assert me.pid == os.getpid()
    assert len(messages) == 1 and "left by a dead process" in messages[0] and f"pid {dead.pid}" in messages[0]
    assert current_holder(settings) is None  # a clean release leaves no record behind


def test_the_lock_is_per_environment(tmp_path: Path) -> None:
    dev = load_settings({"DATALIVE_HOME": str(tmp_path)})
    qa_pr = load_settings(
        {
            "DATALIVE_HOME": str(tmp_path),
            "DAGSTER_CLOUD_IS_BRANCH_DEPLOYMENT": "1",
            "DAGSTER_CLOUD_PULL_REQUEST_ID": "5",
        }
    )
    assert lock_path(qa_pr).name == "qa-pr-5.lock" and not lock_path(qa_pr).is_relative_to(qa_pr.env_root)
    with environment_lock(dev):
        other = child(
            tmp_path,
            """
            from dataclasses import replace
            with environment_lock(replace(settings, env="qa", pr_id="5")):
                print("acquired")
            """,
        )
        out, err = other.communicate(timeout=60)
    assert out.strip() == "acquired", err


def test_the_same_process_can_take_its_own_lock_again(tmp_path: Path) -> None:
    settings = load_settings({"DATALIVE_HOME": str(tmp_path)})
    with environment_lock(settings) as outer, environment_lock(settings) as inner:
        assert inner == outer
    with environment_lock(settings):  # released once the outer block ended
        pass


def test_datalive_run_refuses_while_another_command_writes_the_environment(tmp_path: Path) -> None:
    settings = load_settings({"DATALIVE_HOME": str(tmp_path)})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DA_ENV", "DAGSTER_CLOUD"))}
    env |= {"PYTHONPATH": str(REPO), "DATALIVE_HOME": str(tmp_path)}
    with environment_lock(settings, command="datalive stream") as me:
        run = subprocess.run(
            [sys.executable, "-m", "da_platform.cli", "run", "--landing", str(tmp_path / "landing")],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert run.returncode == 75, run.stderr
    assert f"pid {me.pid}" in run.stderr and "datalive stream" in run.stderr
    assert not (tmp_path / "dev" / "lake").exists()  # refused before it wrote anything


def test_in_process_a_refusal_is_an_exception_naming_the_holder(tmp_path: Path) -> None:
    settings = load_settings({"DATALIVE_HOME": str(tmp_path)})
    holder = child(
        tmp_path,
        """
        with environment_lock(settings, command="datalive cleanup"):
            print("holding", flush=True)
            sys.stdin.readline()
        """,
        stdin=subprocess.PIPE,
    )
    try:
        wait_for_line(holder, "holding")
        with pytest.raises(EnvironmentLocked) as refused, environment_lock(settings):
            pass
        assert refused.value.holder is not None and refused.value.holder.pid == holder.pid
    finally:
        holder.communicate("\n", timeout=60)


def test_stream_and_cleanup_refuse_while_another_process_writes_their_environment(isolated_env: Path, capsys) -> None:
    from da_platform.cli import main

    holder = child(
        isolated_env,
        """
        from dataclasses import replace
        with environment_lock(settings, command="datalive run"):
            with environment_lock(replace(settings, env="qa", pr_id="5"), command="datalive run"):
                print("holding", flush=True)
                sys.stdin.readline()
        """,
        stdin=subprocess.PIPE,
    )
    try:
        wait_for_line(holder, "holding")
        # the lock is checked before any broker is reached or anything is dropped
        assert main(["stream", "--bootstrap", "127.0.0.1:1", "--until-end"]) == 75
        (isolated_env / "qa" / "pr-5").mkdir(parents=True)
        assert main(["cleanup", "--pr", "5", "--yes"]) == 75
        assert (isolated_env / "qa" / "pr-5").is_dir()
    finally:
        holder.communicate("\n", timeout=60)
    err = capsys.readouterr().err
    assert err.count(f"pid {holder.pid}") == 2 and "environment qa/pr-5 is being written" in err


def test_restore_retention_apply_and_the_drill_refuse_while_another_process_writes(isolated_env: Path, capsys) -> None:
    from da_platform.cli import main

    holder = child(
        isolated_env,
        """
        with environment_lock(settings, command="datalive run"):
            print("holding", flush=True)
            sys.stdin.readline()
        """,
        stdin=subprocess.PIPE,
    )
    try:
        wait_for_line(holder, "holding")
        assert main(["restore", "--table", "silver/well_day_production", "--version", "0"]) == 75
        assert main(["retention", "--apply"]) == 75
        assert main(["dr", "drill"]) == 75
    finally:
        holder.communicate("\n", timeout=60)
    assert capsys.readouterr().err.count(f"pid {holder.pid}") == 3
    assert not (isolated_env / "dev" / "lake").exists()  # refused before anything (the audit included) was written


def test_audit_records_appended_by_processes_at_once_keep_one_chain(tmp_path: Path) -> None:
    from da_platform.lakehouse.delta_lake import open_lake
    from da_platform.ops import audit

    writers = [
        child(
            tmp_path,
            f"""
            from da_platform.lakehouse.delta_lake import open_lake
            from da_platform.ops import audit
            lake = open_lake(settings)
            for n in range(5):
                audit.record(settings, lake, "test:writer-{w}", "key.create", f"key {{n}}", "ok")
            """,
        )
        for w in range(3)
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    lake = open_lake(load_settings({"DATALIVE_HOME": str(tmp_path)}))
    audit.verify(lake)  # raises on a fork: two records with one sequence number
    assert [r.seq for r in audit.read(lake)] == list(range(15))
