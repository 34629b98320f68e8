"""Real engines for the differential tests: one PostgreSQL server and one Spark session per
test session (docs/sql.md, "Testing on the real engines").

PostgreSQL is the distribution's server (`apt-get install postgresql`: pg_ctl under
/usr/lib/postgresql/*/bin), started by pytest-postgresql's `PostgreSQLExecutor` in a
temporary data directory on a free loopback port. Postgres refuses to run as root, so when the
tests run as root every pg_ctl call goes through a two-line wrapper that runs it as the
`postgres` system user (`runuser -u postgres`), and the temporary directories belong to that
user. Spark is pyspark's `local[2]` session (Java 17). A missing engine fails the tests with
the command that installs it: never a skip.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_PG_INSTALL = "apt-get install -y postgresql (and pip install -e '.[postgres]')"
_SPARK_INSTALL = "apt-get install -y openjdk-17-jre-headless (and pip install -e '.[spark]')"


def _pg_ctl() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")) or [shutil.which("pg_ctl") or ""]
    if not found[-1]:
        pytest.fail(f"PostgreSQL's server (pg_ctl) is not installed: {_PG_INSTALL}")
    return found[-1]  # the newest major version


def _runner(base: Path, pg_ctl: str) -> str:
    """pg_ctl itself, or (as root) a wrapper running it as the `postgres` user."""
    if os.geteuid() != 0:
        return pg_ctl
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        pytest.fail(f"running as root needs the `postgres` system user: {_PG_INSTALL}")
    os.chown(base, user.pw_uid, user.pw_gid)
    wrapper = base / "pg_ctl"
    wrapper.write_text(f'#!/bin/sh\nexec runuser -u postgres -- {pg_ctl} "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    try:
        import port_for
        from pytest_postgresql.executors import PostgreSQLExecutor
    except ImportError:
        pytest.fail(f"pytest-postgresql is not installed: {_PG_INSTALL}")
    pg_ctl = _pg_ctl()
    base = Path(tempfile.mkdtemp(prefix="pesql-postgres-"))
    base.chmod(0o755)
    executable = _runner(base, pg_ctl)
    port = port_for.get_port(None)
    server = PostgreSQLExecutor(
        executable=executable,
        host="127.0.0.1",
        port=port,
        datadir=str(base / "data"),
        unixsocketdir=str(base),
        logfile=str(base / "postgres.log"),
        startparams="-w",
        dbname="pesql",
        user="postgres",
    )
    server.init_directory()
    server.start()
    dsn = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    try:
        _wait_until_ready(dsn)
        yield dsn
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


def _wait_until_ready(dsn: str, seconds: float = 60.0) -> None:
    """The port opens before the server accepts logins ("the database system is starting
    up"): retry until a connection succeeds."""
    import psycopg

    deadline = time.monotonic() + seconds
    while True:
        try:
            psycopg.connect(dsn).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture(scope="session")
def postgres_conn(postgres_dsn: str) -> Iterator[Any]:
    from pesql.runtime.engine.postgres import connect

    conn = connect(postgres_dsn)
    try:
        yield conn
    finally:
        conn.close()


@pytest.fixture(scope="session")
def spark() -> Any:
    if shutil.which("java") is None:
        pytest.fail(f"Spark needs a Java 17 runtime: {_SPARK_INSTALL}")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        pytest.fail(f"pyspark is not installed: {_SPARK_INSTALL}")
    from pesql.runtime.engine.spark import spark_session

    return spark_session()


ENGINES = ("postgres", "spark")


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> tuple[str, Any]:
    """(name, runner) for each real engine: `runner(plan, frames)` loads the frames into it
    and returns the plan's answer as a polars frame (the differential suites' `Runner`)."""
    from pesql.runtime.engine.postgres import execute_postgres
    from pesql.runtime.engine.spark import execute_spark

    name: str = request.param
    if name == "postgres":
        conn = request.getfixturevalue("postgres_conn")
        return name, lambda plan, frames: execute_postgres(plan, frames, conn)
    session = request.getfixturevalue("spark")
    return name, lambda plan, frames: execute_spark(plan, frames, session)
