"""The `pesql` command line: argparse front end, one handler per subcommand.

Exit codes: 0 success, 1 a problem with the user's input (diagnostics printed to stderr),
2 a usage error (argparse), 3 an internal error (a bug: please report it).

argparse is used instead of typer/click: it is in the standard library, gives exact control
of exit codes and error output, and the command set is small.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from typing import TextIO

from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.runtime.cli import ask, dataset, demo, eval, finetune, language, model, run, serve
from pesql.runtime.cli.common import Handler, Parser


def _print_error(exc: PesqlError, as_json: bool, stream: TextIO) -> None:
    stream.write((exc.to_json() if as_json else str(exc)) + "\n")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pesql")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
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
    parser.add_argument("--version", action="version", version=f"pesql {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # One module per feature area, each with its own `register`; this order is the help order.
    for module in (language, run, ask, model, dataset, eval, finetune, serve, demo):
        module.register(sub)
    return parser


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
    except OSError as exc:  # a path the user gave (output in a missing folder, no permission)
        name = str(exc.filename) if exc.filename is not None else "a file"
        problem = exc.strerror or exc.__class__.__name__
        _print_error(PesqlError([Diagnostic.make("E319", name=name, problem=problem)]),
                     args.errors == "json", sys.stderr)  # fmt: skip
        return 1
    except Exception as exc:  # a bug, not a user mistake: say so plainly
        if args.debug:
            traceback.print_exc()
        sys.stderr.write(
            f"internal error: {exc.__class__.__name__}: {exc}\n"
            "this is a bug in pesql; rerun with --debug and report the traceback\n"
        )
        return 3
