"""One worker process of the service: the plan work of one request at a time, within a memory cap.

    setup = WorkerSetup.of(runtime, ServiceLimits(), memory_bytes=2 << 30)
    # pool.py starts `serve_jobs(connection, setup)` in a process of its forkserver

Why processes: polars cannot stop a running operator, so after E303 a hostile query kept a
core busy (and its memory) until polars finished; a process can be killed, and then the work
truly stops and its memory returns. Why not `os.fork` of the server: a child forked after
polars ran deadlocks on its first query (polars' thread pool does not exist in the child), so
workers come from a forkserver that imported pesql but never ran polars, and receive the
catalog pickled: tables read from files are scan plans (a few KB; the file's pages are shared
through the OS cache), frames given in memory are copied into each worker.

The protocol on the pipe: the worker sends `READY` and its polars thread count (`b"ready2"`)
once it can work, then for every pickled `Job` one pickled `render.Reply`. It exits when the
server's end closes.
"""

from __future__ import annotations

import ctypes
import pickle
import resource
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Literal

import polars as pl
from pesql.runtime.embedding import Runtime
from pesql.runtime.engine.execute import execute
from pesql.runtime.engine.limits import Limits
from pesql.runtime.llm.profile import Profile
from pesql.runtime.service.render import Reply, ask_reply, compile_reply, execute_reply
from pesql.runtime.tables.catalog import Catalog
from pesql.runtime.tables.table import Table

READY = b"ready"
# Warms the parser (already built in the forkserver), polars' threads and the budget's path.
WARM_PLAN = "DERIVE y = x + 1\nFILTER y > 1 AND s = 'a'\nGROUP_BY s COMPUTE n = COUNT(*)\nSORT n"
# Address space a worker may take on top of its size after start, beyond `memory_bytes`: new
# threads of the time budget (8 MiB stacks) and malloc arenas reserve address space they
# mostly never touch. The resident-memory watch in pool.py enforces the cap itself; this
# limit stops an allocation storm between two of its looks.
ADDRESS_SLACK = 1 << 30


@dataclass(frozen=True)
class Job:
    """One request's plan work: the endpoint, the parsed body, the seconds left of its budget."""

    kind: Literal["execute", "compile", "ask"]
    body: dict[str, Any]
    budget_s: float


@dataclass(frozen=True)
class WorkerSetup:
    """What a worker needs to build its `Runtime` (picklable; sent once per worker)."""

    tables: tuple[Table, ...]
    profile: Profile
    limits: Limits
    service: Any  # ServiceLimits (guard.py imports starlette, which workers need not load)
    memory_bytes: int | None

    @classmethod
    def of(cls, runtime: Runtime, service: Any, memory_bytes: int | None) -> WorkerSetup:
        tables = tuple(runtime.catalog.get(name) for name in runtime.table_names())
        return cls(tables, runtime.profile, runtime.limits, service, memory_bytes)

    def runtime(self) -> Runtime:
        catalog = Catalog({table.name: table for table in self.tables})
        return Runtime(catalog, limits=self.limits, profile=self.profile)


def serve_jobs(connection: Connection, setup: WorkerSetup) -> None:
    """The worker's main loop (the target of its process)."""
    # Ctrl-C on `pesql serve` reaches the whole process group; the server stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _few_malloc_arenas()
    runtime = setup.runtime()
    # Start polars' thread pool and the budget's path now: the first request is then as fast
    # as any, and the address-space cap is measured with polars' threads in place.
    warm = pl.DataFrame({"x": [1, 2], "s": ["a", "b"]})
    execute(WARM_PLAN, warm, limits=Limits(timeout_s=30.0, data_warnings=False))
    if setup.memory_bytes is not None:
        _cap_address_space(setup.memory_bytes + ADDRESS_SLACK)
    connection.send_bytes(READY + str(pl.thread_pool_size()).encode())  # e.g. b"ready2"
    while True:
        try:
            job = pickle.loads(connection.recv_bytes())
        except (EOFError, OSError):
            return  # the server closed its end: it stopped or died
        reply = run_job(runtime, setup.service, job)
        try:
            data = pickle.dumps(reply)
        except MemoryError:
            data = pickle.dumps(Reply(422, b'{"errors":[{"code":"E311"}]}'))
        connection.send_bytes(data)


def run_job(runtime: Runtime, service: Any, job: Job) -> Reply:
    if job.kind == "compile":
        return compile_reply(runtime, job.body, job.budget_s)
    if job.kind == "ask":  # its budget is the profile's deadline, which the loop keeps itself
        return ask_reply(runtime, job.body, service)
    return execute_reply(runtime, job.body, service, job.budget_s)


def _cap_address_space(extra: int) -> None:
    """RLIMIT_AS at the worker's present size plus `extra` bytes: past it, an allocation fails
    (Python raises MemoryError, polars aborts the process) in this worker only."""
    size = _vm_size()
    if size is None:
        return
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    limit = size + extra
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _vm_size() -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _few_malloc_arenas() -> None:
    """glibc gives each new thread a malloc arena reserving 64 MiB of address space; two are
    plenty for one request at a time and keep the address-space cap meaningful."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass  # not glibc: its allocator reserves less


__all__ = ["READY", "Job", "WorkerSetup", "run_job", "serve_jobs"]
