"""The hostile-input harness: every entry point, each call under a time limit, outcomes judged.

`ENTRY_POINTS` maps a name to a function of one input (text, or a parsed JSON value for
`from_json`): the public API (`parse`, `from_json`, `repair`, `check`, `compile`, `execute`)
over the bundled penguins table, and the CLI subcommands that read a plan (run in process
through `run_cli`). `call(entry, value)` runs one input and returns an `Outcome`:

- "ok": a result; "refused": a `PesqlError` (or, for the CLI, exit code 1 or 2);
- "bug": any other exception, or the CLI's exit code 3 ("internal error");
- "slow": the call ran past its time limit (`time_limit(value)`: 1 s for inputs under
  100 KB), and is stopped by SIGALRM at `HARD_STOP` times the limit so that a hang cannot
  hold the run. The time is the smaller of wall time and the process's CPU time: other
  processes on a loaded machine inflate the first, polars' worker threads the second.

    >>> call("parse", "LIMIT 1").kind, call("parse", "LIMIT").kind
    ('ok', 'refused')
    >>> call("cli check", "FILTER nope > 1").kind
    'refused'

`rss_mb()` is the process's peak resident size; the tests bound its growth over a run.
"""

from __future__ import annotations

import contextlib
import io
import resource
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import polars as pl
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.compiler.check.check import check
from pesql.compiler.check.schema import Schema
from pesql.compiler.pipeline import plan_kind
from pesql.compiler.repair.repair import repair
from pesql.grammar.ast import Plan
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.jsonform import from_json
from pesql.grammar.parse import parse
from pesql.runtime.cli.main import run_cli
from pesql.runtime.engine.execute import compile, execute
from pesql.runtime.engine.limits import Limits
from pesql.runtime.tables.table import load_table

OutcomeKind = Literal["ok", "refused", "bug", "slow"]
SMALL_INPUT = 100_000  # characters: below this, one call must finish within `LIMIT_S`
LIMIT_S = 1.0
HARD_STOP = 10.0  # times the limit: a call still running then is interrupted (and is "slow")


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    seconds: float
    detail: str = ""  # the exception (bug) or the codes (refused)
    value: Any = None  # the input, kept for a bug or a slow call only (to report and replay)


class CliRefused(Exception):
    """The CLI exited 1 (diagnostics printed) or 2 (usage): the input was refused."""


class _Interrupted(BaseException):
    """Raised by the alarm inside a call that ran past its hard stop (never caught by pesql)."""


@cache
def penguins() -> pl.LazyFrame:
    path = resources.files("pesql.examples").joinpath("tables", "penguins.csv")
    return load_table(Path(str(path)), name="penguins").frame


@cache
def penguins_schema() -> Schema:
    return schema_from_polars(penguins().collect_schema())


@cache
def _workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="pesql-fuzz-"))


def penguins_path() -> str:
    return str(resources.files("pesql.examples").joinpath("tables", "penguins.csv"))


def _exit_code(argv: list[str]) -> int:
    try:
        return run_cli(argv)
    except SystemExit as exc:  # argparse's usage errors exit 2
        return exc.code if isinstance(exc.code, int) else 1


def _cli(command: list[str], *, table: bool = True) -> Callable[[Any], Any]:
    """A subcommand given the input as its plan file (and the penguins table unless `table`
    is False: fmt and convert read only a plan)."""

    def run(value: Any) -> Any:
        text = value if isinstance(value, str) else str(value)
        suffix = ".json" if plan_kind(text) == "json" else ".psql"
        path = _workdir() / f"plan{suffix}"
        # surrogatepass: text with lone surrogates still reaches the CLI, as bytes would.
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        tables = ["--table", f"penguins={penguins_path()}"] if table else []
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = _exit_code([*command, *tables, str(path)])
        return _judged(code, err.getvalue())

    return run


def _judged(code: int, err: str) -> int:
    if code == 3 or "internal error" in err:
        raise AssertionError(f"CLI internal error (exit {code}): {err[-500:]}")
    if code in (1, 2):
        raise CliRefused(err[-300:])
    if code != 0:
        raise AssertionError(f"CLI exit {code}: {err[-300:]}")
    return code


def _cli_profile(command: list[str]) -> Callable[[Any], Any]:
    """Subcommands given a profile file: the input is the profile's text (TOML)."""

    def run(value: Any) -> Any:
        path = _workdir() / "profile.toml"
        path.write_bytes(str(value).encode("utf-8", "surrogatepass"))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = _exit_code([*command, "--profile", str(path)])
        return _judged(code, err.getvalue())

    return run


def _from_json(value: Any) -> Any:
    return from_json(value)


def _compile(value: Any) -> Any:
    return compile(value, penguins_schema())


def _execute(value: Any) -> Any:
    return execute(value, penguins(), limits=Limits(timeout_s=LIMIT_S))


def _check(value: Any) -> Any:
    plan = value if isinstance(value, Plan) else _read(value)
    return check(plan, penguins_schema())


def _read(value: Any) -> Plan:
    if isinstance(value, str) and plan_kind(value) == "text":
        return parse(value)
    return from_json(value)


ENTRY_POINTS: dict[str, Callable[[Any], Any]] = {
    "parse": lambda v: parse(v),
    "from_json": _from_json,
    "repair": lambda v: repair(v, schema=penguins_schema()).plan_or_raise(),
    "check": _check,
    "compile": _compile,
    "execute": _execute,
    "cli fmt": _cli(["fmt"], table=False),
    "cli convert": _cli(["convert", "--to", "text"], table=False),
    "cli check": _cli(["check"]),
    "cli run": _cli(["run"]),
    "cli explain": _cli(["explain"]),
    "cli sql": _cli(["sql"]),
}
# Entry points whose input is a profile file, not a plan.
PROFILE_ENTRY_POINTS: dict[str, Callable[[Any], Any]] = {
    "cli function-definition": _cli_profile(["function-definition"]),
    "cli grammar": _cli_profile(["grammar", "--format", "gbnf"]),
}
ENTRY_POINTS.update(PROFILE_ENTRY_POINTS)


def time_limit(value: Any) -> float:
    """The time one call may take: `LIMIT_S` under `SMALL_INPUT` characters, more above."""
    size = len(value) if isinstance(value, str | bytes) else 0
    return LIMIT_S * max(1.0, size / SMALL_INPUT)


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    def interrupt(signum: int, frame: Any) -> None:
        raise _Interrupted

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def call(entry: str, value: Any) -> Outcome:
    """Run one input through one entry point and judge what happened."""
    limit = time_limit(value)
    start, cpu_start = time.perf_counter(), time.process_time()
    kind: OutcomeKind
    detail = ""
    try:
        with _alarm(limit * HARD_STOP):
            ENTRY_POINTS[entry](value)
        kind = "ok"
    except PesqlError as exc:
        kind, detail = "refused", ",".join(exc.codes)
    except CliRefused as exc:
        kind, detail = "refused", str(exc)
    except _Interrupted:
        kind, detail = "slow", f"interrupted after {limit * HARD_STOP:g} s"
    except RecursionError as exc:
        kind, detail = "bug", f"RecursionError: {exc}"
    except Exception as exc:  # the harness exists to find these
        kind, detail = "bug", f"{type(exc).__name__}: {str(exc)[:300]}"
    seconds = min(time.perf_counter() - start, time.process_time() - cpu_start)
    if kind != "bug" and seconds > limit:
        kind, detail = "slow", f"{seconds:.2f} s > {limit:g} s ({detail or 'ok'})"
    return Outcome(kind, seconds, detail, value if kind in ("bug", "slow") else None)


def rss_mb() -> float:
    """Peak resident set size of this process, in MB (Linux reports kB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


__all__ = [
    "ENTRY_POINTS",
    "LIMIT_S",
    "PROFILE_ENTRY_POINTS",
    "SMALL_INPUT",
    "Outcome",
    "call",
    "penguins",
    "rss_mb",
]
