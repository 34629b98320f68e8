"""CLI subcommands as fuzz entry points: an input becomes files and a command line (`argv_of`),
which runs in this process through `run_cli` with stdout and stderr captured (`in_process`),
or as the real `python -m pesql` (`in_subprocess`, the smaller sample that proves the entry
point itself).

Exit 0 is "ok", 1 and 2 "refused", 3 or "internal error" on stderr a bug.

    >>> in_process(PLAN_COMMANDS["check"])("FILTER nope > 1")
    Traceback (most recent call last):
    ...
    pesql.runtime.testing.fuzz.judge.Refused: ...
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pesql.compiler.pipeline import plan_kind
from pesql.runtime.cli.main import build_parser, run_cli
from pesql.runtime.testing.fuzz.api import penguins_path, workdir
from pesql.runtime.testing.fuzz.judge import Refused

ArgvOf = Callable[[Any], list[str]]  # writes the input's files, returns the command line


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """`text` to `path`; surrogatepass: text with lone surrogates still reaches the CLI, as
    bytes would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    binary = encoding == "latin-1"
    data = text.encode("latin-1") if binary else text.encode("utf-8", "surrogatepass")
    path.write_bytes(data)
    return path


def _exit_code(argv: list[str]) -> int:
    try:
        return run_cli(argv)
    except SystemExit as exc:  # argparse's usage errors exit 2, --help 0
        return exc.code if isinstance(exc.code, int) else 1


# What the CLI prints for a bug, at the start of a line: an input that holds these words is
# quoted back in a diagnostic (`    1 | internal error`), and that is no bug.
_BUG = re.compile(r"^(internal error: |Traceback \(most recent call last\):)", re.MULTILINE)


def judged(code: int, err: str) -> int:
    if code == 3 or _BUG.search(err):
        raise AssertionError(f"CLI internal error (exit {code}): {err[-500:]}")
    if code in (1, 2):
        raise Refused(err[-300:])
    if code != 0:
        raise AssertionError(f"CLI exit {code}: {err[-300:]}")
    return code


def in_process(argv_of: ArgvOf) -> Callable[[Any], int]:
    """The subcommand run by `run_cli` in this process, its output captured."""

    def run(value: Any) -> int:
        argv = argv_of(value)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = _exit_code(argv)
        return judged(code, err.getvalue())

    return run


def in_subprocess(argv_of: ArgvOf, timeout: float = 120.0) -> Callable[[Any], int]:
    """The subcommand run as `python -m pesql ...`: the real entry point, its real exit code."""

    def run(value: Any) -> int:
        # A command line cannot carry NUL or lone surrogates (files can: they keep them).
        argv = [a.replace("\x00", "").encode("utf-8", "replace").decode() for a in argv_of(value)]
        env = {**os.environ, "OPENAI_API_KEY": "test", "PYTHONIOENCODING": "utf-8"}
        done = subprocess.run(
            [sys.executable, "-m", "pesql", *argv], capture_output=True, timeout=timeout, env=env
        )
        return judged(done.returncode, done.stderr.decode("utf-8", "replace"))

    return run


def _plan_file(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    suffix = ".json" if plan_kind(text) == "json" else ".psql"
    return str(write(workdir() / f"plan{suffix}", text))


def _plan_command(command: list[str], *, table: bool = True) -> ArgvOf:
    """A subcommand given the input as its plan file (and the penguins table unless `table`
    is False: fmt and convert read only a plan)."""
    tables = ["--table", f"penguins={penguins_path()}"] if table else []
    return lambda value: [*command, *tables, _plan_file(value)]


def _profile_command(command: list[str]) -> ArgvOf:
    """A subcommand given the input as its profile file (TOML)."""
    return lambda value: [*command, "--profile", str(write(workdir() / "profile.toml", value))]


PLAN_COMMANDS: dict[str, ArgvOf] = {
    "fmt": _plan_command(["fmt"], table=False),
    "convert": _plan_command(["convert", "--to", "text"], table=False),
    "check": _plan_command(["check"]),
    "run": _plan_command(["run"]),
    "explain": _plan_command(["explain"]),
    "sql": _plan_command(["sql"]),
}
PROFILE_COMMANDS: dict[str, ArgvOf] = {
    "function-definition": _profile_command(["function-definition"]),
    "grammar": _profile_command(["grammar", "--format", "gbnf"]),
}


def schema_argv(value: dict[str, Any]) -> list[str]:
    """`pesql schema --table NAME=FILE` on a hostile table file."""
    path = workdir() / "tables" / f"t.{value['suffix']}"
    write(path, value["text"], value.get("encoding", "utf-8"))
    return ["schema", "--table", f"{value['name']}={path}", *value["options"]]


def model_parse(argv: list[str]) -> int:
    """`pesql model ...` parsed only (install and start would download or start a server);
    `list` runs, since it only reads the cache folder."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            args = build_parser().parse_args(["model", *argv])
        except SystemExit as exc:
            return judged(exc.code if isinstance(exc.code, int) else 1, err.getvalue())
        if args.verb == "list":
            return judged(_exit_code(["model", *argv]), err.getvalue())
    return 0


__all__ = [
    "PLAN_COMMANDS",
    "PROFILE_COMMANDS",
    "in_process",
    "in_subprocess",
    "judged",
    "model_parse",
    "schema_argv",
    "write",
]
