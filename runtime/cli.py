"""The `pesql` command line: argparse front end, one handler per subcommand.

Exit codes: 0 success, 1 a problem with the user's input (diagnostics printed to stderr),
2 a usage error (argparse), 3 an internal error (a bug: please report it).

argparse is used instead of typer/click: it is in the standard library, gives exact control
of exit codes and error output, and the command set is small.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from pesql.grammar.diagnostics import Diagnostic, PesqlError

Handler = Callable[[argparse.Namespace], int]


def read_source(spec: str) -> tuple[str, str]:
    """(text, kind) of a plan argument: a path, or `-` for stdin; kind is "json" or "text"."""
    if spec == "-":
        text = sys.stdin.read()
        name = "<stdin>"
    else:
        path = Path(spec)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PesqlError(
                [
                    Diagnostic.make(
                        "E307",
                        name=spec,
                        problem=exc.__class__.__name__ + ": " + str(exc),
                        hints=("PLAN is a .psql text file, a .json file, or - for stdin",),
                    )
                ]
            ) from None
        name = spec
    kind = "json" if name.endswith(".json") or text.lstrip()[:1] in ("{", "[") else "text"
    return text, kind


def load_plan(spec: str, naming: Any = None) -> tuple[Any, str, str]:
    """(plan, source text, kind) from a PLAN argument."""
    from pesql.grammar.jsonform import from_json
    from pesql.grammar.parse import parse
    from pesql.grammar.registry import DEFAULT_NAMING

    text, kind = read_source(spec)
    try:
        if kind == "json":
            return from_json(text, naming or DEFAULT_NAMING), text, kind
        return parse(text), text, kind
    except PesqlError as exc:
        raise PesqlError(exc.diagnostics, text if kind == "text" else None) from None


def _print_error(exc: PesqlError, as_json: bool, stream: TextIO) -> None:
    stream.write((exc.to_json() if as_json else str(exc)) + "\n")


def build_parser() -> argparse.ArgumentParser:
    from pesql.runtime import cli_commands as commands

    parser = argparse.ArgumentParser(
        prog="pesql",
        description="p-SQL: check, run, convert and ask with structured table plans.",
    )
    parser.add_argument(
        "--errors",
        choices=("text", "json"),
        default="text",
        help="how diagnostics are printed (json: for programs and models)",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.register(sub)
    # Feature areas register their own subcommands (ask, dataset, eval, finetune, serve).
    for name in EXTENSIONS:
        module = importlib.import_module(f"pesql.runtime.{name}")
        module.register(sub)
    return parser


EXTENSIONS: tuple[str, ...] = tuple(
    name
    for name in ("cli_ask", "cli_dataset", "cli_eval", "cli_finetune", "cli_serve", "cli_demo")
    if importlib.util.find_spec(f"pesql.runtime.{name}") is not None
)


def run_cli(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the command, and turn every failure into an exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except PesqlError as exc:
        _print_error(exc, args.errors == "json", sys.stderr)
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug, not a user mistake: say so plainly
        if args.debug:
            traceback.print_exc()
        sys.stderr.write(
            f"internal error: {exc.__class__.__name__}: {exc}\n"
            "this is a bug in pesql; rerun with --debug and report the traceback\n"
        )
        return 3
