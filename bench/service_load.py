"""Normal requests' latency while `pesql serve` is under hostile load (issue 23).

    python -m bench.service_load          # 3 rounds: 300 + 300 unloaded, >= 300 loaded requests
    python -m bench.service_load --smoke  # 1 round of 30 + 30 and >= 30

`pesql serve --timeout 3` (4 worker processes) holds the bundled penguins table and a table of
2 million rows. Each round times a normal request (`GROUP_BY species COMPUTE n = COUNT(*)`,
one client, one at a time) unloaded, then loaded, then unloaded again. Loaded means: six
clients trickling request bodies that never finish, and issue 23's hostile plans (an 8,000-term
OR chain, a CASE of 5,000 WHENs, text doubled 26 times, nested REGEXP_REPLACE, a 67 MB
response) mixed with queries that keep polars busy for 2-3 s on the big table, three at a
time; normal requests are timed (at least 300) until the last hostile plan is answered, so
every one of them overlaps normal traffic. The figure is the loaded p99 over the unloaded p99
(the larger of before and after: the machine's load drifts), per round and its median: issue
23 asks for <= 2.

tests/runtime/test_service.py runs the same scenario (these helpers) once, bounded, with
the slack a shared CI machine needs; this benchmark is where the ratio itself is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import queue
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import polars as pl

from bench.common import REPO_DIR, Report, percentile

NORMAL = {"plan": "FROM penguins\nGROUP_BY species COMPUTE n = COUNT(*)"}
SERVE_OPTIONS = ("--timeout", "3", "--max-queue", "256", "--read-timeout", "20")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(*options: str) -> tuple[subprocess.Popen[bytes], str]:
    """`pesql serve` with the penguins table in its own process, once /health answers."""
    port = free_port()
    command = [sys.executable, "-m", "pesql", "serve", "--port", str(port), "--log-level"]
    command += ["warning", "--table", f"penguins={REPO_DIR / 'examples/tables/penguins.csv'}"]
    process = subprocess.Popen([*command, *options], stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("pesql serve did not start")
        time.sleep(0.1)


def big_table(path: Path) -> Path:
    """2 million rows of distinct hashed text: what keeps polars busy for seconds."""
    rows = pl.int_range(0, 2_000_000, eager=True)
    frame = pl.DataFrame({"k": rows.hash(7).cast(pl.String), "v": rows.cast(pl.Float64)})
    frame.write_parquet(path)
    return path


def hostile_plans() -> list[tuple[str, dict[str, Any], set[int], str]]:
    """(name, body, statuses, code) of issue 23's plans, each small enough for the body cap,
    and two that keep polars busy for seconds (what the process pool must stop)."""
    or_chain = "FILTER " + " OR ".join(f"bill_length_mm = {i}.5" for i in range(8_000))
    whens = " ".join(f"WHEN body_mass_g = {i} THEN 'v{i}'" for i in range(5_000))
    doubled = ["DERIVE s0 = species"] + [f"DERIVE s{i + 1} = CONCAT(s{i}, s{i})" for i in range(26)]
    wide = ["DERIVE s0 = species"] + [f"DERIVE s{i + 1} = CONCAT(s{i}, s{i})" for i in range(15)]
    nested = "species"
    for _ in range(12):
        nested = f"REGEXP_REPLACE({nested}, '', 'ab')"
    # ~3 s of polars work on 2 million rows within every estimate: past the 3 s budget under
    # load (E303, its worker killed), or just within it.
    group = "FROM big\nDERIVE s = CONCAT(k, 'x', k)\nGROUP_BY s COMPUTE n = COUNT(*), m = MAX(v)"
    sort = "FROM big\nDERIVE s = CONCAT(k, k)\nSORT s DESC\nSELECT s, v"
    penguins = "FROM penguins\n"
    return [
        # Both are past the input limits (issue 21: tokens before parsing): E306 at once.
        ("or-chain", {"plan": penguins + or_chain}, {413, 422}, "E306"),
        ("case", {"plan": f"{penguins}DERIVE c = CASE {whens} ELSE 'z' END"}, {413, 422}, "E306"),
        ("long-group", {"plan": group + "\nSORT s"}, {200, 422}, ""),
        ("doubling", {"plan": penguins + "\n".join(doubled)}, {422}, "E311"),
        ("nested-replace", {"plan": f"{penguins}DERIVE r = {nested}"}, {422}, "E311"),
        ("long-sort", {"plan": sort}, {200, 422}, ""),
        # Two seconds of work, paused while short requests run: E311, or E303 under load.
        ("big-response", {"plan": penguins + "\n".join([*wide, "SELECT s15"])}, {422}, "E311|E303"),
    ]


# The batches of three: the long queries overlap each other and the normal requests.
def _batches(plans: list[Any]) -> list[list[Any]]:
    return [plans[:3], plans[3:6], plans[6:] + plans[2:3], plans[5:6]]


def trickle(url: str) -> socket.socket:
    """A client that sends one byte of a 59-byte body and then nothing: it holds a connection."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    sock.sendall(
        b"POST /v1/execute HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 59\r\n\r\n{"
    )
    return sock


def latencies(url: str, count: int, until: Callable[[], bool] | None = None) -> list[float]:
    """`count` normal requests one after another (and on, while `until()` is false): their
    latencies (s), sorted."""
    out = []
    with httpx.Client(timeout=60) as client:
        while len(out) < count or (until is not None and not until()):
            started = time.perf_counter()
            reply = client.post(url + "/v1/execute", json=NORMAL)
            if reply.status_code != 200:
                raise AssertionError(f"a normal request got {reply.status_code}: {reply.text}")
            out.append(time.perf_counter() - started)
    return sorted(out)


Outcome = tuple[str, int, str, float]  # name, status, error codes, seconds


@dataclass
class Round:
    """One round: normal latencies before, under and after the load, and the hostile replies."""

    before: list[float]
    loaded: list[float]
    after: list[float]
    hostile: list[Outcome]

    @property
    def unloaded_p99(self) -> float:
        return max(p99(self.before), p99(self.after))

    @property
    def ratio(self) -> float:
        return p99(self.loaded) / self.unloaded_p99


def p99(samples: Sequence[float]) -> float:
    """The nearest-rank p99 of sorted samples (what the test asserts on)."""
    return samples[int(0.99 * (len(samples) - 1))]


def hostile_pass(url: str, results: Any) -> None:
    """One pass of the hostile plans, three at a time; the outcomes are put on `results` (a
    multiprocessing queue). It runs in a process of its own: decoding a
    hostile reply (10,000 rows of JSON) holds the GIL for tens of ms, which in the timing
    process would be counted against the normal requests."""

    async def go() -> list[Outcome]:
        async with httpx.AsyncClient(timeout=120) as client:

            async def one(name: str, body: dict[str, Any]) -> Outcome:
                started = time.perf_counter()
                reply = await client.post(url + "/v1/execute", json=body)
                codes = [e["code"] for e in reply.json().get("errors", [])]
                return name, reply.status_code, ",".join(codes), time.perf_counter() - started

            outcomes: list[Outcome] = []
            for batch in _batches(hostile_plans()):
                outcomes += await asyncio.gather(*(one(n, b) for n, b, _, _ in batch))
            return outcomes

    # The load generator is not the system measured: on a machine whose two cores it shares
    # with the server, its JSON decoding would otherwise take CPU from the normal requests.
    os.nice(10)
    results.put(asyncio.run(go()))


def loaded_round(url: str, unloaded: int, loaded: int, whole_load: bool) -> Round:
    """Time `unloaded` normal requests, then `loaded` under six slow clients and one pass of
    the hostile plans (another process), then `unloaded` again. `whole_load`: go on timing
    normal requests until the hostile pass ends, so every hostile plan overlaps them (the
    benchmark); else stop at `loaded` (the test, bounded)."""
    before = latencies(url, unloaded)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    stalled = [trickle(url) for _ in range(6)]
    runner = context.Process(target=hostile_pass, args=(url, results), name="hostile-client")
    runner.start()
    try:
        ended = (lambda: not results.empty()) if whole_load else None
        under = latencies(url, loaded, ended)
        outcomes: list[Outcome] = results.get(timeout=180)
    except queue.Empty:
        raise AssertionError("the hostile requests did not finish") from None
    finally:
        runner.join(timeout=30)
        if runner.is_alive():
            runner.kill()
        for sock in stalled:
            sock.close()
    return Round(before, under, latencies(url, unloaded), [tuple(o) for o in outcomes])


def run(rounds: int = 3, unloaded: int = 300, loaded: int = 300) -> list[Report]:
    report = Report(
        f"Normal requests to `pesql serve` (4 workers, --timeout 3): p99 unloaded and under "
        f"hostile load, {unloaded} + {unloaded} unloaded and {loaded} loaded per round",
        ("round", "unloaded p50 ms", "unloaded p99 ms", "loaded p50 ms", "loaded p99 ms",
         "loaded max ms", "loaded p99 / unloaded p99", "hostile requests", "5xx"),
    )  # fmt: skip
    ratios = []
    with tempfile.TemporaryDirectory() as scratch:
        big = big_table(Path(scratch) / "big.parquet")
        process, url = serve(*SERVE_OPTIONS, "--table", f"big={big}")
        try:
            latencies(url, 20)  # warm up
            for index in range(rounds):
                result = loaded_round(url, unloaded, loaded, whole_load=True)
                if process.poll() is not None:
                    raise AssertionError("the service died")
                base = sorted(result.before + result.after)
                ratios.append(result.ratio)
                report.add(
                    index + 1,
                    percentile(base, 50) * 1e3,
                    result.unloaded_p99 * 1e3,
                    percentile(result.loaded, 50) * 1e3,
                    p99(result.loaded) * 1e3,
                    result.loaded[-1] * 1e3,
                    round(result.ratio, 2),
                    len(result.hostile),
                    sum(status >= 500 for _, status, _, _ in result.hostile),
                )
        finally:
            process.terminate()
            process.wait(timeout=20)
    report.notes.append(f"median ratio over the rounds: {statistics.median(ratios):.2f} (<= 2)")
    report.notes.append(
        "unloaded p99: the larger of the p99 before and after the load; p99 nearest-rank"
    )
    return [report]


def main(argv: Sequence[str] | None = None) -> list[Report]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300, help="per phase and round")
    parser.add_argument("--smoke", action="store_true", help="1 round of 30 + 30")
    args = parser.parse_args(argv)
    rounds, count = (1, 30) if args.smoke else (args.rounds, args.requests)
    reports = run(rounds, count, count)
    for report in reports:
        print(report.to_markdown())
    return reports


if __name__ == "__main__":
    main()
