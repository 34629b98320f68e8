"""The `pesql` command line: argparse front end, one handler per subcommand.

Exit codes: 0 success, 1 a problem with the user's input (diagnostics printed to stderr),
2 a usage error (argparse), 3 an internal error (a bug: please report it).

argparse is used instead of typer/click: it is in the standard library, gives exact control
of exit codes and error output, and the command set is small.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence
from typing import TextIO

from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.runtime.cli.common import Handler, Parser

# Each feature area's module (`pesql.runtime.cli.<module>`, with its own `register`) and the
# subcommands it adds; this order is the help order. A command line naming one of them loads
# only its module: `pesql run` never imports the eval, fine-tuning or service code, and what a
# handler needs (polars, sqlglot, openai) it imports itself (tests/runtime/cli/test_startup.py).
MODULES: dict[str, tuple[str, ...]] = {
    "language": ("fmt", "convert", "function-definition", "grammar"),
    "run": ("schema", "run", "check", "explain", "sql"),
    "ask": ("ask",),
    "model": ("model",),
    "dataset": ("dataset",),
    "eval": ("eval",),
    "finetune": ("finetune",),
    "serve": ("serve",),
    "demo": ("demo",),
}
_MODULE_OF = {command: module for module, commands in MODULES.items() for command in commands}


def _print_error(exc: PesqlError, as_json: bool, stream: TextIO) -> None:
    stream.write((exc.to_json() if as_json else str(exc)) + "\n")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pesql")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


class _Version(argparse.Action):
    """`--version`, reading the installed metadata only when asked (importlib.metadata costs
    ~15 ms of every start otherwise)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        sys.stdout.write(f"pesql {_version()}\n")
        parser.exit()


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or with `command` (a known subcommand) only its module's part
    (`--version`: none)."""
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
    parser.add_argument(
        "--version", action=_Version, nargs=0, help="show the installed version and exit"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    if command == "--version":  # nothing else is read: no subcommand needs loading
        names = []
    else:
        names = [_MODULE_OF[command]] if command in _MODULE_OF else list(MODULES)
    for name in names:
        importlib.import_module(f"pesql.runtime.cli.{name}").register(sub)
    return parser


# The global options that take a value as the next word (`--errors json`).
_VALUED = ("--errors",)


def _command(argv: Sequence[str]) -> str | None:
    """The subcommand word of a command line: the first word that is neither a global option
    nor its value (a guess only decides which modules load; argparse still parses it all)."""
    words = iter(argv)
    for word in words:
        if word == "--":
            return None
        if word == "--version":  # argparse prints it and exits before reading on
            return word
        if word in _VALUED:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def run_cli(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the command, and turn every failure into an exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command(argv))
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
