"""The HTTP service on a real uvicorn server on 127.0.0.1, driven with httpx."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import polars as pl
import pytest
from pesql.grammar.jsonschema import offered_columns
from pesql.runtime.embedding import Runtime
from pesql.runtime.service.app import create_app
from pesql.runtime.service.guard import ServiceLimits
from pesql.runtime.service.thread import ServerThread

from bench import service_load

ROOT = Path(__file__).resolve().parents[2]
PLAN = (ROOT / "examples/plans/penguins_gap.psql").read_text()


@pytest.fixture(scope="module")
def runtime() -> Runtime:
    return Runtime(tables={"penguins": ROOT / "examples/tables/penguins.csv"})


@pytest.fixture(scope="module")
def server(runtime: Runtime) -> Iterator[ServerThread]:
    app = create_app(runtime, limits=ServiceLimits(max_body_bytes=64 * 1024, max_rows=50))
    with ServerThread(app) as running:
        yield running


def test_health_and_tables(server: ServerThread) -> None:
    assert httpx.get(server.url + "/health").json()["status"] == "ok"
    tables = httpx.get(server.url + "/v1/tables").json()["tables"]
    assert tables[0]["name"] == "penguins"
    assert {"name": "body_mass_g", "type": "integer", "nullable": True} in tables[0]["columns"]
    one = httpx.get(server.url + "/v1/tables/penguins").json()
    assert one["inferred"] is not None
    missing = httpx.get(server.url + "/v1/tables/pinguins")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "E210"


def test_execute_text_and_json_plans(server: ServerThread) -> None:
    response = httpx.post(server.url + "/v1/execute", json={"plan": PLAN})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["columns"] == ["species", "avg_gap", "penguins"]
    assert body["rows"][0] == ["Gentoo", 32.52, 123]
    assert body["truncated"] is False
    as_json = httpx.post(server.url + "/v1/compile", json={"plan": PLAN}).json()["plan"]
    again = httpx.post(server.url + "/v1/execute", json={"plan": as_json}).json()
    assert again["rows"] == body["rows"]


def test_execute_formats_and_truncation(server: ServerThread) -> None:
    csv = httpx.post(server.url + "/v1/execute", json={"plan": PLAN, "format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[1] == "Gentoo,32.52,123"
    arrow = httpx.post(server.url + "/v1/execute", json={"plan": PLAN, "format": "arrow"})
    assert pl.read_ipc_stream(io.BytesIO(arrow.content)).height == 3
    capped = httpx.post(server.url + "/v1/execute", json={"plan": "SORT body_mass_g"}).json()
    assert capped["row_count"] == 50 and capped["truncated"] is True  # service max_rows


def test_bad_plans_get_422_with_diagnostics(server: ServerThread) -> None:
    response = httpx.post(server.url + "/v1/execute", json={"plan": "FILTER speces = 1"})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["code"] == "E201" and error["hints"] == ["did you mean `species`?"]
    broken = httpx.post(server.url + "/v1/compile", json={"plan": {"steps": [{"op": "NOPE"}]}})
    assert broken.status_code == 422 and broken.json()["errors"][0]["where"] == "/steps/0/op"


def test_request_errors(server: ServerThread) -> None:
    not_json = httpx.post(
        server.url + "/v1/execute", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 400 and not_json.json()["errors"][0]["code"] == "H400"
    no_plan = httpx.post(server.url + "/v1/execute", json={"plan": 3})
    assert no_plan.status_code == 400
    huge = httpx.post(server.url + "/v1/execute", json={"plan": "FILTER " + "a" * 70_000})
    assert huge.status_code == 413 and huge.json()["errors"][0]["code"] == "E306"


def test_function_definition_and_openapi(server: ServerThread) -> None:
    definition = httpx.get(server.url + "/v1/function-definition?table=penguins").json()
    assert "species" in offered_columns(definition["function"]["parameters"])
    spec = httpx.get(server.url + "/openapi.json").json()
    assert spec["openapi"].startswith("3.1") and "/v1/execute" in spec["paths"]


def test_bearer_auth(runtime: Runtime) -> None:
    app = create_app(runtime, api_key="s3cret")
    with ServerThread(app) as server:
        assert httpx.get(server.url + "/health").status_code == 200  # liveness stays public
        denied = httpx.get(server.url + "/v1/tables")
        assert denied.status_code == 401 and denied.headers["www-authenticate"] == "Bearer"
        wrong = httpx.get(server.url + "/v1/tables", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        ok = httpx.get(server.url + "/v1/tables", headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200


def test_overload_gets_503_with_retry_after(runtime: Runtime) -> None:
    app = create_app(runtime, limits=ServiceLimits(max_concurrency=1, max_queue=0))

    async def burst(url: str) -> list[httpx.Response]:
        slow = {"plan": "SORT body_mass_g DESC", "max_rows": 1}
        async with httpx.AsyncClient(timeout=30) as client:
            return await asyncio.gather(
                *(client.post(url + "/v1/execute", json=slow) for _ in range(40))
            )

    with ServerThread(app) as server:
        responses = asyncio.run(burst(server.url))
    statuses = {r.status_code for r in responses}
    assert statuses <= {200, 503} and 200 in statuses
    busy = [r for r in responses if r.status_code == 503]
    assert all(r.headers["retry-after"] == "1" for r in busy)


def _trickle(server: ServerThread) -> socket.socket:
    """A client that sends its headers and the first byte of a 59-byte body, then stalls."""
    sock = socket.create_connection((server.host, server.port), timeout=30)
    sock.sendall(
        b"POST /v1/execute HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 59\r\n\r\n{"
    )
    return sock


def test_slow_bodies_do_not_hold_the_work_slots(runtime: Runtime) -> None:
    limits = ServiceLimits(max_concurrency=2, max_queue=0, read_timeout_s=3)
    with ServerThread(create_app(runtime, limits=limits)) as server:
        stalled = [_trickle(server) for _ in range(4)]  # twice as many as there are slots
        try:
            # While all four are still sending, complete requests get both slots: no 503.
            for _ in range(3):
                done = httpx.post(server.url + "/v1/execute", json={"plan": PLAN}, timeout=30)
                assert done.status_code == 200, done.text
            # A body that never completes is refused once the read timeout passes.
            answer = b""
            while b"H408" not in answer and (chunk := stalled[0].recv(4096)):
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 408") and b"H408" in answer
        finally:
            for sock in stalled:
                sock.close()


def _rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@pytest.fixture
def served() -> Iterator[tuple[str, int]]:
    """`pesql serve` in its own process (so its memory is measured alone), stopped after."""
    import subprocess
    import sys
    import time

    port = service_load.free_port()
    command = [
        sys.executable,
        "-m",
        "pesql",
        "serve",
        "--table",
        f"penguins={ROOT / 'examples/tables/penguins.csv'}",
        "--port",
        str(port),
        "--max-rows",
        "50",
        "--max-queue",
        "256",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "pesql serve did not start"
            time.sleep(0.1)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_bounded_load_mixed_valid_and_invalid(served: tuple[str, int]) -> None:
    """Hundreds of concurrent requests on `pesql serve`: every one answered as expected, no
    5xx, and the server's resident memory back near its baseline afterwards.

    The waiting room (--max-queue 256) is sized for the burst (100 connections), so nothing is
    refused with 503.
    """
    import time

    url, pid = served
    plans = [
        ({"plan": PLAN}, 200),
        ({"plan": "FILTER nope > 1"}, 422),
        ({"plan": {"steps": [{"op": "LIMIT", "count": -1}]}}, 422),
        ({"plan": "SORT body_mass_g DESC\nLIMIT 5"}, 200),
        ({"nothing": True}, 400),
    ]

    async def load(rounds: int) -> list[tuple[int, int]]:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(timeout=120, limits=limits) as client:

            async def one(i: int) -> tuple[int, int]:
                body, expected = plans[i % len(plans)]
                response = await client.post(url + "/v1/execute", json=body)
                return response.status_code, expected

            return await asyncio.gather(*(one(i) for i in range(rounds)))

    asyncio.run(load(100))  # warm caches and the allocator
    time.sleep(0.5)
    baseline = _tree_rss_bytes(pid)  # the server and its worker processes
    results = asyncio.run(load(400))
    assert len(results) == 400
    assert all(status == expected for status, expected in results), results[:10]
    time.sleep(0.5)
    grown = _tree_rss_bytes(pid) - baseline
    assert grown < 64 * 1024 * 1024, f"service RSS grew by {grown / 2**20:.1f} MiB"


def test_service_never_returns_5xx_on_garbage(server: ServerThread) -> None:
    garbage = [
        b"",
        b"null",
        b"[]",
        b'"x"',
        json.dumps({"plan": {"steps": "x"}}).encode(),
        json.dumps({"plan": "\x00\x01"}).encode(),
        b"{" * 5000,
    ]
    for raw in garbage:
        response = httpx.post(
            server.url + "/v1/compile", content=raw, headers={"content-type": "application/json"}
        )
        assert response.status_code < 500, (raw[:40], response.text)


def test_ask_endpoint_with_a_local_model(runtime: Runtime) -> None:
    """/v1/ask goes through the real openai client to a local OpenAI-compatible server."""
    from pesql.runtime.testing.fake_openai.server import FakeOpenAI, ToolCall

    arguments = json.dumps(
        {
            "table": None,
            "steps": [
                {
                    "op": "GROUP_BY",
                    "keys": ["species"],
                    "aggregates": [
                        {"name": "n", "expr": {"op": "COUNT", "value": None, "where": None}}
                    ],
                },
                {"op": "SORT", "keys": [{"column": "n", "descending": True, "nulls_last": True}]},
                {"op": "LIMIT", "count": 1, "offset": 0, "with_ties": False},
            ],
        }
    )
    with FakeOpenAI() as model:
        model.respond_with(lambda request: ToolCall(arguments))
        app = create_app(
            runtime, ask_options={"model": "local", "base_url": model.base_url, "api_key": "test"}
        )
        with ServerThread(app) as server:
            reply = httpx.post(
                server.url + "/v1/ask",
                json={"question": "Which species has the most penguins?"},
                timeout=60,
            )
            assert reply.status_code == 200, reply.text
            body = reply.json()
            assert body["rows"] == [["Adelie", 152]]
            assert body["plan_text"].startswith("GROUP_BY species COMPUTE n = COUNT(*)")
            assert body["summary"]["attempts"] == 1
            assert any(event["event"] == "request" for event in body["trace"])
            empty = httpx.post(server.url + "/v1/ask", json={"question": "  "})
            assert empty.status_code == 400
    no_model = create_app(runtime)
    with ServerThread(no_model) as server:
        off = httpx.post(server.url + "/v1/ask", json={"question": "anything"})
        assert off.status_code == 404 and off.json()["errors"][0]["code"] == "H404"


def test_column_names_that_look_like_patterns_are_literal_over_http() -> None:
    # `^sp.*$` would be a regex and `*` every column if they reached polars as pl.col(...).
    # A text column named like a pattern (`^t.*$`) crashed every run in the size estimate.
    frame = pl.DataFrame(
        {"^sp.*$": [1, 2, 2], "species": ["a", "b", "c"], "*": [5, 6, 6], "^t.*$": ["x", "y", "z"]}
    )
    with ServerThread(create_app(Runtime(tables={"t": frame}))) as server:
        plan = "GROUP_BY `^sp.*$` COMPUTE n = COUNT(*)\nSORT `^sp.*$`"
        body = httpx.post(server.url + "/v1/execute", json={"plan": plan}).json()
        assert body["columns"] == ["^sp.*$", "n"], body
        assert body["rows"] == [[1, 1], [2, 2]]
        star = httpx.post(server.url + "/v1/execute", json={"plan": "SELECT `*`"}).json()
        assert star["columns"] == ["*"] and star["rows"] == [[5], [6], [6]]
        # The data warnings' own queries read the names literally too: W305 sees the tie on
        # `*` (6, 6), W301 the spelling in `^t.*$`.
        tie = {"plan": "SORT `*` DESC\nLIMIT 1\nSELECT `^t.*$`"}
        body = httpx.post(server.url + "/v1/execute", json=tie).json()
        assert body["rows"] == [["y"]] and [n["code"] for n in body["notes"]] == ["W305"]
        near = {"plan": "FILTER `^t.*$` = 'Y'"}
        body = httpx.post(server.url + "/v1/execute", json=near).json()
        assert "W301" in [n["code"] for n in body["notes"]], body


def _descendants(pid: int) -> list[int]:
    """The process's children, grandchildren, ... (the service's forkserver and workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _tree_rss_bytes(pid: int) -> int:
    total = 0
    for member in [pid, *_descendants(pid)]:
        with contextlib.suppress(OSError, AssertionError):  # a worker replaced meanwhile
            total += _rss_bytes(member)
    return total


def test_hostile_plans_and_slow_clients_under_load(tmp_path: Path) -> None:
    """`pesql serve` (4 worker processes) with slow clients, issue 23's hostile plans and
    seconds-long queries mixed into normal traffic: every hostile plan gets its answer in
    about the budget, no 5xx, the server lives, its memory (server and workers) comes back
    down, and normal requests keep their unloaded p99 (within 2x, plus the stated slack).
    The scenario is bench/service_load.py's, run once here; the benchmark measures the ratio."""
    big = service_load.big_table(tmp_path / "big.parquet")
    process, url = service_load.serve(*service_load.SERVE_OPTIONS, "--table", f"big={big}")
    pid = process.pid
    try:
        service_load.latencies(url, 20)  # warm up
        baseline = _tree_rss_bytes(pid)
        result = service_load.loaded_round(url, unloaded=150, loaded=200, whole_load=False)
        before, loaded, after = result.before, result.loaded, result.after
        expected = {name: (s, code) for name, _, s, code in service_load.hostile_plans()}
        for name, status, codes, elapsed in result.hostile:
            statuses, code = expected[name]
            assert status in statuses, (name, status, codes)
            assert any(c in codes for c in code.split("|")), (name, status, codes)
            assert status == 200 or codes, (name, status)
            assert elapsed < 3 + 3, (name, elapsed)  # about the budget, never minutes
        assert process.poll() is None, "the service died"
        assert httpx.get(url + "/health", timeout=5).status_code == 200
        p99 = {
            name: service_load.p99(lat)
            for name, lat in (("before", before), ("after", after), ("loaded", loaded))
        }
        p99["unloaded"] = result.unloaded_p99
        unloaded = sorted(before + after)
        quantiles = [
            round(loaded[int(q * (len(loaded) - 1))], 4) for q in (0.5, 0.9, 0.95, 0.99, 1)
        ]
        base = [round(unloaded[int(q * (len(unloaded) - 1))], 4) for q in (0.5, 0.9, 0.99, 1)]
        print(f"unloaded p50/p90/p99/max {base}")
        hostile_s = sorted((name, round(elapsed, 2)) for name, _, _, elapsed in result.hostile)
        print(f"normal requests: p99 {p99}, loaded p50/p90/p95/p99/max {quantiles}; {hostile_s}")
        # The plan work runs in worker processes (runtime/service/pool.py): a request that
        # has used 0.05 s of CPU (or run 0.5 s) is long, reniced, and stopped (SIGSTOP) while
        # short ones run, so the long queries here (2-3 s of polars on 2 million rows) leave
        # the short ones' CPU alone. Measured, 150 + 150 unloaded and 200 loaded requests:
        # in quiet periods of the shared 2-core machine unloaded p99 20-38 ms, loaded p99
        # 37-61 ms, max 54-110 ms (within 2x + 30 ms); renicing alone (no SIGSTOP) gave 0.53
        # s and 1.1 s, and threads could not stop the long queries at all. Under the
        # machine's usual load (load average ~24: a local model server at nice -15 takes a
        # core, other engineers' test runs the other) the loaded p99 was 0.18-0.37 s, and the
        # slow requests had used at most 20 ms of CPU each: they waited for a core, not for
        # the long queries, which were stopped. That is the slack: 2x the unloaded p99 (the
        # larger of before and after) plus 0.5 s.
        assert quantiles[3] <= 2 * p99["unloaded"] + 0.5, (p99, quantiles)
        assert quantiles[-1] < 2.0, quantiles  # never a budget (3 s)
        time.sleep(2)
        grown = _tree_rss_bytes(pid) - baseline
        assert grown < 256 * 1024 * 1024, f"service RSS grew by {grown / 2**20:.0f} MiB"
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_large_responses_are_refused_and_health_stays_answered(runtime: Runtime) -> None:
    limits = ServiceLimits(max_response_bytes=200_000, max_rows=10_000)
    wide = ["DERIVE s0 = species"] + [f"DERIVE s{i + 1} = CONCAT(s{i}, s{i})" for i in range(8)]
    body = {"plan": "\n".join([*wide, "SELECT s8"])}  # 344 rows of ~1.5 KB: ~0.5 MB of JSON
    with ServerThread(create_app(runtime, limits=limits)) as server:
        for fmt in ("json", "csv", "arrow"):
            reply = httpx.post(server.url + "/v1/execute", json=body | {"format": fmt})
            assert reply.status_code == 422, (fmt, reply.text[:200])
            error = reply.json()["errors"][0]
            assert error["code"] == "E311" and "response" in error["message"]
        small = httpx.post(server.url + "/v1/execute", json=body | {"max_rows": 20})
        assert small.status_code == 200 and len(small.json()["rows"]) == 20
        assert httpx.get(server.url + "/health").status_code == 200


def test_the_budget_covers_compiling_over_http(runtime: Runtime) -> None:
    import time

    # 490 OR terms: near the largest plan the input limits accept (issue 21), ~50-100 ms to
    # compile, past a 5 ms budget.
    limits = ServiceLimits(timeout_s=0.005)
    chain = "FILTER " + " OR ".join(f"bill_length_mm = {i}.5" for i in range(490))
    with ServerThread(create_app(runtime, limits=limits)) as server:
        for path in ("/v1/compile", "/v1/execute"):
            started = time.monotonic()
            reply = httpx.post(server.url + path, json={"plan": chain}, timeout=60)
            assert reply.status_code == 422 and reply.json()["errors"][0]["code"] == "E303"
            assert time.monotonic() - started < 3.0
    # The runtime the interrupted compiles ran in keeps serving.
    with ServerThread(create_app(runtime)) as server:
        assert httpx.post(server.url + "/v1/execute", json={"plan": PLAN}).status_code == 200


def test_idle_keep_alive_connections_outlive_the_clients_pool_expiry(server: ServerThread) -> None:
    """An idle connection stays open past 5 s (httpx's pool expiry, and uvicorn's default), so
    a client reusing one just before its expiry is never reset (see cli/serve.py)."""
    import time

    request = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"

    def response(sock: socket.socket) -> bytes:
        """One whole response (headers, then the body its content-length gives)."""
        data = b""
        while b"\r\n\r\n" not in data and (chunk := sock.recv(4096)):
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        while len(body) < length and (chunk := sock.recv(4096)):
            body += chunk
        return head

    with socket.create_connection((server.host, server.port), timeout=30) as sock:
        sock.sendall(request)
        assert response(sock).startswith(b"HTTP/1.1 200")
        time.sleep(6)
        sock.sendall(request)  # on the same connection: still open
        assert response(sock).startswith(b"HTTP/1.1 200")
