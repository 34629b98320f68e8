"""The service's worker processes (runtime/service/pool.py) on a real uvicorn server: a query
past its deadline is killed with its worker, a runaway plan meets the memory cap in its worker
only, and long requests are reniced and hand back their work slot."""

from __future__ import annotations

import argparse
import asyncio
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import polars as pl
import pytest
from pesql.runtime.embedding import Runtime
from pesql.runtime.service.app import close_app, create_app
from pesql.runtime.service.guard import ServiceLimits
from pesql.runtime.service.pool import PoolOptions, WorkerPool
from pesql.runtime.service.thread import ServerThread
from pesql.runtime.service.worker import Job

ROOT = Path(__file__).resolve().parents[2]
PENGUINS = ROOT / "examples/tables/penguins.csv"
NORMAL = {"plan": "FROM penguins\nGROUP_BY species COMPUTE n = COUNT(*)"}
# ~3 s of polars work on `big` (2 million rows), within the result-size estimate: a group
# by 2 million distinct texts, which polars does not stop before it has consumed them all.
LONG = "FROM big\nDERIVE s = CONCAT(k, 'x', k)\nGROUP_BY s COMPUTE n = COUNT(*), m = MAX(v)\nSORT s"


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tables") / "big.parquet"
    rows = pl.int_range(0, 2_000_000, eager=True)
    frame = pl.DataFrame({"k": rows.hash(7).cast(pl.String), "v": rows.cast(pl.Float64)})
    frame.write_parquet(path)
    return path


def _runtime(big: Path) -> Runtime:
    return Runtime(tables={"penguins": PENGUINS, "big": big})


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.fixture
def pooled(big: Path) -> Iterator[tuple[ServerThread, WorkerPool]]:
    # LONG takes ~0.45 s on a quiet machine (streaming engine): the budget is below that.
    limits = ServiceLimits(timeout_s=0.25, max_concurrency=2)
    app = create_app(_runtime(big), limits=limits, workers=2)
    pool = app.state.service.pool
    try:
        with ServerThread(app) as server:
            yield server, pool
    finally:
        close_app(app)


def test_plan_work_runs_in_the_worker_processes(
    pooled: tuple[ServerThread, WorkerPool],
) -> None:
    server, pool = pooled
    workers = set(pool.pids())
    assert len(workers) == 2 and os.getpid() not in workers
    reply = httpx.post(server.url + "/v1/execute", json=NORMAL, timeout=30)
    assert reply.status_code == 200 and reply.json()["rows"][0] == ["Adelie", 152]
    bad = httpx.post(server.url + "/v1/compile", json={"plan": "FROM penguins\nFILTER speces = 1"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "E201"
    health = httpx.get(server.url + "/health").json()
    assert health["workers"] == 2 and health["workers_replaced"] == 0
    assert set(pool.pids()) == workers  # errors do not cost a worker


def test_past_the_deadline_the_worker_is_killed_and_replaced(
    pooled: tuple[ServerThread, WorkerPool],
) -> None:
    server, pool = pooled
    before = set(pool.pids())
    started = time.monotonic()
    reply = httpx.post(server.url + "/v1/execute", json={"plan": LONG}, timeout=60)
    elapsed = time.monotonic() - started
    assert reply.status_code == 422, reply.text
    assert reply.json()["errors"][0]["code"] == "E303"
    assert elapsed < 1.0 + 2.0, elapsed  # the budget, the grace, a busy machine
    until = time.monotonic() + 10
    # The work stops with its process; a fresh one takes its place.
    while len(pool.pids()) != 2 or any(_alive(pid) for pid in before - set(pool.pids())):
        assert time.monotonic() < until, "the worker was not stopped, or not replaced"
        time.sleep(0.05)
    assert len(before - set(pool.pids())) == 1 and pool.replaced >= 1
    again = httpx.post(server.url + "/v1/execute", json=NORMAL, timeout=30)
    assert again.status_code == 200


def test_a_worker_that_does_not_answer_is_killed(big: Path) -> None:
    """The kill itself, without the worker's own budget (30 s here) stopping first."""
    pool = WorkerPool(_runtime(big), ServiceLimits(), PoolOptions(workers=1, memory_bytes=None))
    try:
        (worker,) = list(pool._idle)
        started = time.monotonic()
        assert worker.call(Job("execute", {"plan": LONG}, 30.0), timeout_s=0.3) is None
        assert time.monotonic() - started < 2.0
        assert worker.stopped_for == "deadline"
        worker.process.join(timeout=5)
        assert worker.process.exitcode == -9  # SIGKILL
    finally:
        pool.close()


def test_the_memory_cap_stops_a_runaway_plan_in_its_worker_only() -> None:
    # Text doubled 19 times: ~1 GB for 344 rows, under the estimate's budget (4 GB here).
    doubled = ["DERIVE s0 = species"] + [f"DERIVE s{i + 1} = CONCAT(s{i}, s{i})" for i in range(19)]
    limits = ServiceLimits(max_result_bytes=4_000_000_000, timeout_s=20)
    options = PoolOptions(workers=1, memory_bytes=300 << 20)
    app = create_app(Runtime(tables={"penguins": PENGUINS}), limits=limits, workers=options)
    try:
        with ServerThread(app) as server:
            body = {"plan": "\n".join([*doubled, "SELECT s19"])}
            reply = httpx.post(server.url + "/v1/execute", json=body, timeout=60)
            assert reply.status_code == 422, reply.text[:300]
            error = reply.json()["errors"][0]
            assert error["code"] == "E311" and "--worker-memory" in error["message"]
            assert error["expected"] == f"{300 << 20} bytes"
            again = httpx.post(server.url + "/v1/execute", json=NORMAL, timeout=30)
            assert again.status_code == 200, again.text
            assert httpx.get(server.url + "/health").json()["workers_replaced"] >= 1
    finally:
        close_app(app)


def test_long_requests_are_reniced_and_hand_back_their_slot(big: Path) -> None:
    """One work slot: a long request gives it up after `demote_after_s` of CPU, so a normal
    request is answered meanwhile, and the long one's worker runs at a lower priority, off
    the first core."""
    limits = ServiceLimits(timeout_s=8.0, max_concurrency=1, max_queue=8)
    options = PoolOptions(workers=2, demote_after_s=0.1, nice=10)
    app = create_app(_runtime(big), limits=limits, workers=options)
    pool: WorkerPool = app.state.service.pool
    try:
        with ServerThread(app) as server:
            long, answers = _posting(server.url + "/v1/execute", {"plan": LONG})
            until = time.monotonic() + 10
            while not any(os.getpriority(os.PRIO_PROCESS, pid) == 10 for pid in pool.pids()):
                assert long.is_alive() and time.monotonic() < until, "never reniced"
                time.sleep(0.01)
            (first,) = [p for p in pool.pids() if os.getpriority(os.PRIO_PROCESS, p) == 10]
            cores = sorted(os.sched_getaffinity(0))
            # Kept off the first core, which stays for short requests (one core: nowhere to go).
            wanted = set(cores[1:] or cores)
            while {c for t in _threads(first) for c in os.sched_getaffinity(t)} != wanted:
                assert time.monotonic() < until, "never confined"
                time.sleep(0.01)
            started = time.monotonic()
            normal = httpx.post(server.url + "/v1/execute", json=NORMAL, timeout=30)
            waited = time.monotonic() - started
            assert normal.status_code == 200
            assert long.is_alive(), "the long request ended first: nothing was shown"
            assert waited < 5.0, waited  # not the long request's seconds (on a busy machine)
            long.join(timeout=60)
            assert answers and answers[0].status_code in (200, 422)
            until = time.monotonic() + 10
            while _alive(first):  # a long request's worker ends with it
                assert time.monotonic() < until
                time.sleep(0.05)
            assert len(pool.pids()) == 2 and first not in pool.pids()
    finally:
        close_app(app)


def test_pesql_serve_workers_option() -> None:
    from pesql.runtime.cli.serve import byte_size, worker_count

    assert byte_size("2G") == 2 << 30 and byte_size("512MiB") == 512 << 20
    assert byte_size("1.5g") == 3 << 29 and byte_size("4194304") == 4 << 20
    for bad in ("lots", "10K", "-1G", ""):
        with pytest.raises(argparse.ArgumentTypeError, match=r"size|at least"):
            byte_size(bad)
    assert worker_count("0") == 0 and worker_count("8") == 8
    with pytest.raises(argparse.ArgumentTypeError, match="between"):
        worker_count("-1")


def test_concurrent_requests_share_the_pool(pooled: tuple[ServerThread, WorkerPool]) -> None:
    server, pool = pooled

    async def burst() -> list[int]:
        async with httpx.AsyncClient(timeout=60) as client:
            replies = await asyncio.gather(
                *(client.post(server.url + "/v1/execute", json=NORMAL) for _ in range(40))
            )
        return [r.status_code for r in replies]

    assert asyncio.run(burst()) == [200] * 40
    assert len(pool.pids()) == 2


def _posting(url: str, body: dict[str, Any]) -> tuple[threading.Thread, list[httpx.Response]]:
    """POST `body` on a thread of its own (started); the response lands in the list."""
    answers: list[httpx.Response] = []
    thread = threading.Thread(target=lambda: answers.append(httpx.post(url, json=body, timeout=60)))
    thread.start()
    return thread, answers


def _threads(pid: int) -> list[int]:
    return [int(t) for t in os.listdir(f"/proc/{pid}/task")]


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def test_long_requests_wait_while_short_ones_run(big: Path) -> None:
    """A demoted request's worker is stopped (SIGSTOP) while a short request runs, gets a
    slice after `pause_max_s` (no starvation), and continues once the short ones are done."""
    options = PoolOptions(workers=2, pause_max_s=0.3)
    pool = WorkerPool(_runtime(big), ServiceLimits(timeout_s=20), options)

    async def wait_for(condition: Any, what: str, within: float = 5.0) -> None:
        until = time.monotonic() + within
        while not condition():
            assert time.monotonic() < until, what
            await asyncio.sleep(0.002)  # the event loop dispatches the long request

    async def scenario() -> None:
        running = asyncio.ensure_future(pool.run(Job("execute", {"plan": LONG}, 20.0)))
        await wait_for(lambda: any(w.demoted for w in pool._live), "never demoted")
        (long,) = [w for w in pool._live if w.demoted]
        token = next(w for w in pool._live if w is not long)
        pool._short_begins(token)  # as a short request does
        await wait_for(lambda: _state(long.pid) == "T", "not stopped while a short request runs")
        await wait_for(lambda: _state(long.pid) != "T", "starved: no slice after pause_max_s")
        await wait_for(lambda: _state(long.pid) == "T", "not stopped again after its slice")
        pool._short_ends(token)
        await wait_for(lambda: _state(long.pid) != "T", "not resumed", within=1.0)
        reply = await running
        assert reply.status == 200

    try:
        asyncio.run(scenario())
    finally:
        pool.close()


def test_ask_runs_in_a_worker_and_is_not_stopped_while_it_waits_for_the_model(
    big: Path,
) -> None:
    """/v1/ask with a pool: the model loop is a job in a worker process. A slow model makes it
    long (it leaves the pool, which starts a fresh worker), but while it only waits on the
    model it is never stopped (SIGSTOP) for the short requests that run meanwhile (the 2 s
    wait drew about 100 stops before `Worker.pausable`)."""
    from pesql.runtime.testing.fake_openai.server import FakeOpenAI
    from pesql.runtime.testing.fake_openai.turns import Delay, ToolCall

    plan = {"table": "penguins", "steps": [{"op": "GROUP_BY", "keys": ["species"],
                       "aggregates": [{"name": "n", "expr": {"op": "COUNT"}}]},
                      {"op": "SORT", "keys": [{"column": "n", "descending": True}]},
                      {"op": "LIMIT", "count": 1}]}  # fmt: skip
    with FakeOpenAI() as model:
        model.respond_with(lambda request: Delay(2.0, ToolCall(plan)))
        ask_options = {"model": "local", "base_url": model.base_url, "api_key": "test"}
        options = PoolOptions(workers=2, pause_max_s=0.3)
        app = create_app(_runtime(big), workers=options, ask_options=ask_options)
        pool: WorkerPool = app.state.service.pool
        try:
            with ServerThread(app) as server:
                asking, answers = _posting(server.url + "/v1/ask", {"question": "most?"})
                until = (
                    time.monotonic() + 60
                )  # a guard against a hang: a loaded machine starts workers slowly
                while not any(w.demoted for w in list(pool._live)):
                    assert asking.is_alive() and time.monotonic() < until, "never long"
                    time.sleep(0.01)
                (waiting,) = [w for w in list(pool._live) if w.demoted]
                while not model.chat_requests:  # its request sent: from now on it waits
                    assert time.monotonic() < until, "the model was never asked"
                    time.sleep(0.01)
                asked = time.monotonic()
                time.sleep(0.1)  # the watcher's next looks see no CPU used
                stops: list[float] = []  # every SIGSTOP the pool sends it from now on
                stop = waiting.pause
                waiting.pause = lambda: (stops.append(time.monotonic()), stop())[-1]  # type: ignore[method-assign]
                served = 0
                with httpx.Client(timeout=30) as client:
                    # Until shortly before the reply (2 s after the request): then it runs the
                    # plan, uses CPU, and may be stopped like any long request.
                    while time.monotonic() < asked + 1.5:
                        assert client.post(server.url + "/v1/execute", json=NORMAL).is_success
                        served += 1
                waiting.pause = stop  # type: ignore[method-assign]
                asking.join(timeout=60)
            assert served >= 5, served  # short requests ran while it waited
            assert stops == [], f"stopped {len(stops)} times while waiting on the model"
            assert answers and answers[0].status_code == 200, answers[0].text
            body = answers[0].json()
            assert body["rows"] == [["Adelie", 152]] and body["summary"]["attempts"] == 1
            assert pool.replaced >= 1  # it left the pool as a long request
            assert len(model.chat_requests) == 1
        finally:
            close_app(app)


def test_the_forkserver_preload_builds_the_parser_of_errors() -> None:
    """Valid text is read without lark, so the preload builds lark's parser itself: a
    worker's first plan with a syntax error must not pay ~0.3 s for it."""
    import subprocess
    import sys

    code = (
        "import pesql.runtime.service.preload\n"
        "from pesql.grammar import lark_reader\n"
        "print(lark_reader._parser.cache_info().currsize)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"


_THREADS = """
import os, sys
import polars as pl
from pesql.runtime.embedding import Runtime
from pesql.runtime.service.guard import ServiceLimits
from pesql.runtime.service.pool import PoolOptions, WorkerPool
from pesql.runtime.tables.catalog import Catalog

if __name__ == "__main__":
    threads = None if sys.argv[1] == "auto" else int(sys.argv[1])
    options = PoolOptions(workers=int(sys.argv[2]), threads=threads)
    pool = WorkerPool(Runtime(Catalog({})), ServiceLimits(), options)
    print(sorted(w.threads for w in pool._live), pl.thread_pool_size(),
          os.environ.get("POLARS_MAX_THREADS"))
    pool.close()
"""


@pytest.mark.parametrize(("threads", "workers"), [("auto", 4), ("auto", 1), ("1", 2), ("3", 1)])
def test_each_worker_gets_its_share_of_the_cores(
    threads: str, workers: int, tmp_path: Path
) -> None:
    """polars' threads per worker: the cores divided among the workers by default (on 2
    cores 4 workers get one each), or `threads`; the server keeps its own pool and its
    environment (a fresh process: the forkserver starts with the first pool)."""
    import subprocess
    import sys

    script = tmp_path / "threads.py"  # a file: the forkserver re-imports the main module
    script.write_text(_THREADS, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, str(script), threads, str(workers)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        timeout=120,
    )
    cores = pl.thread_pool_size()  # polars' view of the cores (quota, POLARS_MAX_THREADS)
    expected = max(1, cores // workers) if threads == "auto" else int(threads)
    assert out.stdout.split("]")[0] + "]" == str([expected] * workers)
    own, variable = out.stdout.split("]")[1].split()
    assert int(own) == pl.thread_pool_size()  # the server's own pool is untouched
    assert variable == str(os.environ.get("POLARS_MAX_THREADS"))  # and so is its environment
