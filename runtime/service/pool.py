"""The service's worker processes: plan work that can be stopped, capped and deprioritized.

    pool = WorkerPool(runtime, ServiceLimits(), PoolOptions(workers=4))  # started, ready
    reply = await pool.run(Job("execute", {"plan": "LIMIT 1"}, 5.0), on_long=slot.release)
    pool.close()

Each request's compile, run and rendering happen in one of `workers` long-lived processes
(runtime/service/worker.py: why processes, and why a forkserver rather than `os.fork`).
A watcher thread looks at the busy workers every `watch_s`:

- **Deadline**: a worker without a reply `grace_s` after the request's budget is killed
  (SIGKILL) and replaced; so is one that answered E303 itself, since polars may still be
  running the query it dropped. The request gets E303 either way.
- **Memory**: a worker whose resident memory passes `memory_bytes` is killed and replaced
  (the request gets E311); RLIMIT_AS in the worker stops faster growth between two looks.
- **Priority** (a two-level feedback queue): a request whose worker has used
  `demote_after_s` of CPU (all its threads; CPU, not wall time, so an overloaded machine
  does not demote short requests) is a long one. Its threads are reniced to `nice` and kept
  off the first core (`Worker.confine`: the short requests and the server keep a core; on 2
  cores bench/service_load.py's loaded p99 went from 2.5-2.8x the unloaded one to 1.9-2.7x,
  within its run-to-run noise; long work is slower for it, never short). While any short
  request runs the long ones are stopped (SIGSTOP), continued (SIGCONT) when none does
  (without the stops: 2.3-3.4x); one stopped for `pause_max_s` runs for a `watch_s` slice, so
  a steady stream of short requests delays it but does not starve it. Up to `max_long` long
  requests at once also hand back their work slot (`on_long`) and leave the pool, which
  starts a fresh worker in their place: long work cannot hold every slot, and a demoted
  worker (which an unprivileged server could not renice back) ends after its request. Past
  `max_long` a long request keeps its slot.
- **Asks** (`/v1/ask`: the whole model loop is one job) wait on the model most of their
  time: past `demote_after_wall_s` they are long like any request (slot handed back, reniced),
  but stopped only while they use CPU (running the model's plans, `Worker.pausable`), since
  stopping a process that waits on a socket frees no core.

A worker process costs ~20 ms to start from the forkserver (the first ~0.5 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import multiprocessing.forkserver
import os
import pickle
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Literal

import polars as pl
from pesql.runtime.embedding import Runtime
from pesql.runtime.engine.budget import timed_out
from pesql.runtime.service.render import Reply, errors_reply, memory_exceeded
from pesql.runtime.service.worker import READY, Job, WorkerSetup, serve_jobs

StopReason = Literal["deadline", "memory"]
# Modules the forkserver imports once, so a new worker only unpickles the catalog.
PRELOAD = ["pesql.runtime.service.preload"]
ASK_PRELOAD = ["pesql.runtime.service.preload_ask"]  # with `asks`: the model loop's imports


@dataclass(frozen=True)
class PoolOptions:
    """How many workers, their memory cap, and the feedback queue (docs/service.md)."""

    workers: int = 4
    memory_bytes: int | None = 2 << 30  # resident memory of one worker
    demote_after_s: float = 0.05  # of CPU (all the worker's threads)
    demote_after_wall_s: float = 0.5  # or of wall time: a request starved of CPU is long too
    nice: int = 10  # a long request's share of a contended core: ~10% (CFS weights 110/1024)
    max_long: int = 2
    grace_s: float = 0.25  # after the budget, before the kill
    watch_s: float = 0.02
    pause_long: bool = True  # SIGSTOP long requests while short ones run
    # A long request paused this long runs for one `watch_s` slice (no starvation: under a
    # steady stream of short requests it still gets ~4% of the time towards its deadline).
    pause_max_s: float = 0.5
    start_timeout_s: float = 60.0
    asks: bool = False  # /v1/ask is enabled: workers start with the model loop imported
    # polars threads per worker; None: the server's polars threads shared among the workers
    # (at least one each). Each worker runs one request, so more threads than its share only
    # add hand-offs between threads that wait for a core: on 2 cores with 4 workers, one
    # thread each took the loaded p99 of bench/service_load.py from ~2.0x to ~1.75x the
    # unloaded one.
    threads: int | None = None

    def worker_threads(self) -> int:
        """The polars threads each worker gets (see `threads`). The server's own pool size is
        polars' view of the cores: it follows a container's CPU quota and an explicit
        POLARS_MAX_THREADS, where the CPU affinity does not."""
        if self.threads is not None:
            return self.threads
        return max(1, pl.thread_pool_size() // max(1, self.workers))


class Worker:
    """The server's handle on one worker process (used by one request at a time)."""

    def __init__(self, process: Any, connection: Any) -> None:
        self.process = process
        self.connection = connection
        self.pid: int = process.pid
        self.started_at: float | None = None  # of the job running now
        self.cpu_at_start = 0.0  # the process's CPU seconds when that job started
        self.stopped_for: StopReason | None = None
        self.demoted = False
        self.short = False  # counted among the short requests running
        self.paused = False  # SIGSTOPped while short requests run
        self.switched_at = 0.0  # when it was last paused or resumed
        self.detached = False  # a long request's worker: ends with it
        self.waits = False  # the job mostly waits on I/O (an ask: the model's reply)
        self.cpu_seen = 0.0  # CPU seconds at the watcher's last look, and since the one before
        self.cpu_recent = 0.0
        self.on_long: Callable[[], None] = _nothing
        self.threads = 0  # polars' threads in the worker, as it said when ready

    def call(self, job: Job, timeout_s: float) -> Reply | None:
        """Send `job` and wait for its reply; None when the worker died or was killed."""
        try:
            self.cpu_at_start = self.cpu_seconds()
            self.waits = job.kind == "ask"
            self.cpu_seen, self.cpu_recent = self.cpu_at_start, 0.0
            self.started_at = time.monotonic()
            self.connection.send_bytes(pickle.dumps(job))
            if self.connection.poll(timeout_s):
                reply = pickle.loads(self.connection.recv_bytes())
                return reply if isinstance(reply, Reply) else None
            self.stop("deadline")
            return None
        except (EOFError, OSError):
            return None  # it died (killed by the watcher, or an allocation failed in polars)
        finally:
            self.started_at = None

    def look(self) -> None:
        """The watcher's look at its CPU: what it used since the last look."""
        now = self.cpu_seconds()
        self.cpu_recent, self.cpu_seen = now - self.cpu_seen, now

    def pausable(self) -> bool:
        """Whether stopping it frees a core: a job that waits on I/O (an ask waiting for the
        model) only while it used CPU since the watcher's last look (running a plan)."""
        return not self.waits or self.cpu_recent > 0

    def stop(self, reason: StopReason) -> None:
        if self.stopped_for is None:
            self.stopped_for = reason
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)

    def pause(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGSTOP)
            self.paused = True
        self.switched_at = time.monotonic()

    def resume(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGCONT)
        self.paused = False
        self.switched_at = time.monotonic()

    def renice(self, nice: int) -> bool:
        """Set every thread's nice value (Linux's is per thread); False when not permitted."""
        try:
            for tid in os.listdir(f"/proc/{self.pid}/task"):
                os.setpriority(os.PRIO_PROCESS, int(tid), nice)
        except PermissionError:
            return False
        except (FileNotFoundError, ProcessLookupError):
            pass  # the worker or one of its threads has just ended
        return True

    def confine(self, confined: bool = True) -> None:
        """Keep its threads off the first of the server's cores, which then stays for the
        short requests (and the server itself); `confined=False` gives every core back."""
        cores = sorted(os.sched_getaffinity(0))
        if len(cores) < 2:
            return
        allowed = cores[1:] if confined else cores
        try:
            for tid in os.listdir(f"/proc/{self.pid}/task"):
                os.sched_setaffinity(int(tid), allowed)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            pass  # the worker or one of its threads has just ended

    def cpu_seconds(self) -> float:
        """CPU time of all the worker's threads (user + system), to 1/100 s."""
        try:
            with open(f"/proc/{self.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
        except (OSError, IndexError, ValueError):
            return 0.0

    def rss_bytes(self) -> int:
        try:
            with open(f"/proc/{self.pid}/statm") as statm:
                return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            return 0

    def end(self) -> None:
        """Kill and reap the process (it holds nothing to save: its request has an answer)."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self.connection.close()
        self.process.join(timeout=5)


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _start_forkserver(threads: int) -> None:
    """Start the forkserver (if it is not running yet) with polars limited to `threads`.

    polars sizes its thread pool from POLARS_MAX_THREADS when it is imported, and the workers
    are forked from the forkserver, which imports it: the variable is set for its start only,
    so the server process and the other programs it starts keep their own. A forkserver
    already running (an earlier pool in this process) keeps the count it started with; each
    worker reports its own (`Worker.threads`)."""
    before = os.environ.get("POLARS_MAX_THREADS")
    os.environ["POLARS_MAX_THREADS"] = str(threads)
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        if before is None:
            del os.environ["POLARS_MAX_THREADS"]
        else:
            os.environ["POLARS_MAX_THREADS"] = before


def _nothing() -> None:
    return None


class WorkerPool:
    """`options.workers` worker processes for the plan work of one service (see the module)."""

    def __init__(self, runtime: Runtime, service_limits: Any, options: PoolOptions) -> None:
        self.options = options
        self.timeout_s = service_limits.timeout_s
        self._setup = WorkerSetup.of(runtime, service_limits, options.memory_bytes)
        self._context = multiprocessing.get_context("forkserver")
        # The forkserver is one per server process: the first pool's list is the one used.
        self._context.set_forkserver_preload(PRELOAD + (ASK_PRELOAD if options.asks else []))
        _start_forkserver(options.worker_threads())
        self._lock = threading.Lock()
        self._live: set[Worker] = set()
        self._idle: deque[Worker] = deque()
        self._waiters: deque[asyncio.Future[Worker]] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._long = 0
        self._short = 0  # short requests running now
        self.replaced = 0  # workers started in place of a killed, dead or long one
        self._closed = threading.Event()
        # One thread per request in a worker (it waits on the pipe), and apart from them the
        # threads that start and end workers: a start takes seconds on a loaded machine, and
        # must never keep a request from its worker.
        self._threads = ThreadPoolExecutor(
            options.workers + options.max_long + 1, thread_name_prefix="pesql-pool"
        )
        self._lifecycle = ThreadPoolExecutor(
            options.max_long + 2, thread_name_prefix="pesql-lifecycle"
        )
        for started in self._lifecycle.map(lambda _: self._start(), range(options.workers)):
            self._give_back(started)
        self._watcher = threading.Thread(target=self._watch, name="pesql-watch", daemon=True)
        self._watcher.start()

    # --- the request side (event loop) -------------------------------------------------
    async def run(self, job: Job, on_long: Callable[[], None] = _nothing) -> Reply:
        """`job` in a worker within its budget; `on_long` is called (on the event loop) when
        the request turns long and leaves the pool (its slot may go to another request)."""
        loop = asyncio.get_running_loop()
        self._loop = loop
        deadline = time.monotonic() + job.budget_s
        try:
            worker = await asyncio.wait_for(self._acquire(loop), job.budget_s)
        except TimeoutError:
            return errors_reply(422, timed_out(self.timeout_s, "waiting for a worker").diagnostics)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            self._give_back(worker)
            return errors_reply(422, timed_out(self.timeout_s, "waiting for a worker").diagnostics)

        def long_now() -> None:  # called on the watcher's thread
            loop.call_soon_threadsafe(on_long)

        worker.on_long = long_now
        job = replace(job, budget_s=round(remaining, 3))
        return await loop.run_in_executor(self._threads, self._call, worker, job)

    async def _acquire(self, loop: asyncio.AbstractEventLoop) -> Worker:
        with self._lock:
            if self._idle:
                return self._idle.popleft()
            waiter: asyncio.Future[Worker] = loop.create_future()
            self._waiters.append(waiter)
        return await waiter

    def _give_back(self, worker: Worker) -> None:
        """An idle worker to the first request waiting (any thread), else to the idle list."""
        with self._lock:
            while self._waiters and self._loop is not None:
                waiter = self._waiters.popleft()
                if not waiter.done():
                    self._loop.call_soon_threadsafe(self._hand_over, waiter, worker)
                    return
            self._idle.append(worker)

    def _hand_over(self, waiter: asyncio.Future[Worker], worker: Worker) -> None:
        if waiter.done():  # the request went away meanwhile
            self._give_back(worker)
        else:
            waiter.set_result(worker)

    # --- the worker side (pool threads) -------------------------------------------------
    def _call(self, worker: Worker, job: Job) -> Reply:
        self._short_begins(worker)
        try:
            reply = worker.call(job, job.budget_s + self.options.grace_s)
        finally:
            self._short_ends(worker)
        if reply is None:
            reply = self._reply_for_lost(worker)
        keep = not reply.stopped and worker.stopped_for is None
        if keep and worker.demoted and not worker.detached:
            keep = worker.renice(0)  # back to normal priority (a privileged server only)
            worker.demoted = not keep
            if keep:
                worker.confine(False)
        if keep and not worker.detached:
            worker.on_long = _nothing
            self._give_back(worker)
        else:
            self._lifecycle.submit(self._retire, worker)
        return reply

    def _short_begins(self, worker: Worker) -> None:
        with self._lock:
            if worker.paused:  # stopped by `_age` just as its last (long) request ended
                worker.resume()
            worker.short = True
            self._short += 1
            if self._short == 1:
                self._pause_long()

    def _short_ends(self, worker: Worker) -> None:
        with self._lock:
            if worker.short:
                worker.short = False
                self._short -= 1
                if self._short == 0:
                    self._resume_long()

    def _pause_long(self) -> None:
        """SIGSTOP the long requests' workers while a short one runs (strict priority)."""
        if not self.options.pause_long:
            return
        for other in self._live:
            busy = other.demoted and other.started_at is not None and not other.paused
            if busy and other.pausable():
                other.pause()

    def _resume_long(self) -> None:
        for other in self._live:
            if other.paused:
                other.resume()

    def _reply_for_lost(self, worker: Worker) -> Reply:
        if worker.stopped_for == "deadline":
            stage = "running the plan; its worker process was stopped and replaced"
            return errors_reply(422, timed_out(self.timeout_s, stage).diagnostics)
        cap = self.options.memory_bytes
        if worker.stopped_for == "memory":
            return errors_reply(422, memory_exceeded(cap, "resident memory").diagnostics)
        worker.process.join(timeout=1)
        code = worker.process.exitcode
        how = f"the worker ended with {_describe_exit(code)}"
        return errors_reply(422, memory_exceeded(cap, how).diagnostics)

    def _retire(self, worker: Worker) -> None:
        """End a worker that was stopped, died, turned long or stays demoted; replace it
        unless a long one already was."""
        with self._lock:
            self._live.discard(worker)
            if worker.detached:
                self._long -= 1
        worker.end()
        if not worker.detached and not self._closed.is_set():
            self._replace()

    def _replace(self) -> None:
        for attempt in range(3):  # a machine short of memory may fail a start or two
            if self._closed.is_set():
                return
            try:
                fresh = self._start()
            except RuntimeError:
                time.sleep(0.5 * (attempt + 1))
                continue
            self.replaced += 1
            self._give_back(fresh)
            return

    def _start(self) -> Worker:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=serve_jobs, args=(theirs, self._setup), name="pesql-worker", daemon=True
        )
        process.start()
        theirs.close()
        worker = Worker(process, ours)
        try:
            hello = ours.recv_bytes() if ours.poll(self.options.start_timeout_s) else b""
            ready = hello.startswith(READY)
            worker.threads = int(hello.removeprefix(READY) or 0)
        except (EOFError, OSError, ValueError):
            ready = False
        if not ready:
            worker.end()
            raise RuntimeError("a service worker did not start")
        with self._lock:
            if self._closed.is_set():
                worker.end()
                raise RuntimeError("the pool is closed")
            self._live.add(worker)
        return worker

    # --- the watcher ----------------------------------------------------------------------
    def _watch(self) -> None:
        cap = self.options.memory_bytes
        while not self._closed.wait(self.options.watch_s):
            with self._lock:
                busy = [w for w in self._live if w.started_at is not None]
            for worker in busy:
                if worker.waits:
                    worker.look()  # whether it runs a plan or waits on the model
            with self._lock:
                if self._short and self.options.pause_long:
                    self._age(busy)
            for worker in busy:
                if worker.started_at is None:
                    continue  # it has just finished
                if cap is not None and worker.rss_bytes() > cap:
                    worker.stop("memory")
                elif not worker.demoted and self._long_running(worker):
                    self._demote(worker)

    def _long_running(self, worker: Worker) -> bool:
        """The job has used `demote_after_s` of CPU (all its threads): a quantum measured in
        CPU, so an overloaded machine, on which every request takes long, does not demote
        the short ones; or it has run `demote_after_wall_s`, ten times a short request's
        worst seen on a loaded machine."""
        started = worker.started_at
        if started is not None and time.monotonic() - started > self.options.demote_after_wall_s:
            return True
        return worker.cpu_seconds() - worker.cpu_at_start > self.options.demote_after_s

    def _age(self, busy: list[Worker]) -> None:
        """Under the lock: a long request paused for `pause_max_s` runs one slice, then
        waits again while short requests run."""
        now = time.monotonic()
        for worker in busy:
            if not worker.demoted:
                continue
            if worker.paused and now - worker.switched_at >= self.options.pause_max_s:
                worker.resume()
            elif (
                not worker.paused
                and now - worker.switched_at >= self.options.watch_s
                and worker.pausable()
            ):
                worker.pause()

    def _demote(self, worker: Worker) -> None:
        worker.demoted = True
        worker.renice(self.options.nice)
        worker.confine()
        with self._lock:
            if worker.short:  # no longer a short request: it waits for the short ones
                worker.short = False
                self._short -= 1
                if self._short == 0:
                    self._resume_long()
                elif self.options.pause_long and worker.pausable():
                    worker.pause()
            if self._long >= self.options.max_long or self._closed.is_set():
                return
            self._long += 1
            worker.detached = True
        worker.on_long()
        self._lifecycle.submit(self._replace)

    # --- lifecycle ------------------------------------------------------------------------
    @property
    def size(self) -> int:
        with self._lock:
            return len(self._live)

    def pids(self) -> list[int]:
        with self._lock:
            return sorted(w.pid for w in self._live)

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            workers = list(self._live)
            self._live.clear()
        for worker in workers:
            worker.end()
        self._threads.shutdown(wait=False, cancel_futures=True)
        self._lifecycle.shutdown(wait=False, cancel_futures=True)


def _describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"signal {signal.Signals(-code).name} (an allocation past its memory cap)"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


__all__ = ["PoolOptions", "WorkerPool"]
