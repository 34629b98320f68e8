"""Helpers every `pesql` subcommand shares: reading PLAN and --table arguments, writing output.

No subcommand module imports another; they all import this one, and `main` imports them all.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.numbers import ROW_INDEX_MAX

if TYPE_CHECKING:
    from pesql.grammar.registry import Naming


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def positive_float(text: str) -> float:
    """argparse type: seconds (or a rate) above zero; a zero budget would stop everything."""
    value = _float(text)
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(
            f"must be greater than 0 (got {text}); for no practical limit give a large value"
        )
    return value


def non_negative_float(text: str) -> float:
    """argparse type: a pause in seconds, 0 allowed (poll again at once)."""
    value = _float(text)
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be 0 or more seconds (got {text})")
    return value


def positive_int(text: str) -> int:
    """argparse type: a count of at least 1 (and below polars' 32-bit row index)."""
    try:
        value = int(text)
    except ValueError:  # also a number past Python's 4,300-digit conversion limit
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {text})")
    if value >= ROW_INDEX_MAX:  # --max-rows N keeps N + 1 rows to tell truncation apart
        raise argparse.ArgumentTypeError(f"must be below {ROW_INDEX_MAX} (got {text[:40]})")
    return value


class _DefaultsFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows real defaults; `None` and `False` mean "not given" and are left out."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, False) or "%(default)" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


class Parser(argparse.ArgumentParser):
    """ArgumentParser whose help shows every default; sub-command parsers inherit it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _DefaultsFormatter)
        super().__init__(*args, **kwargs)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        # The defaults formatter only annotates options that have a help text.
        default = kwargs.get("default")
        if not kwargs.get("help") and default not in (None, False, argparse.SUPPRESS):
            kwargs["help"] = "default: %(default)s"
        return super().add_argument(*args, **kwargs)


Handler = Callable[[argparse.Namespace], int]


def read_source(spec: str) -> tuple[str, str]:
    """(text, kind) of a plan argument: a path, or `-` for stdin; kind is "json" or "text"
    (`pesql.compiler.pipeline.plan_kind`: a `.json` name, or text starting with `{` or `[`)."""
    from pesql.compiler.pipeline import plan_kind

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
                        "E308",
                        name=spec,
                        problem=exc.__class__.__name__ + ": " + str(exc),
                        hints=("PLAN is a .psql text file, a .json file, or - for stdin",),
                    )
                ]
            ) from None
        name = spec
    return text, plan_kind(text, filename=name)


def load_plan(spec: str, naming: Any = None) -> tuple[Any, str, str]:
    """(plan, source text, kind) from a PLAN argument, read by the compiler's one reader."""
    from pesql.compiler.pipeline import as_plan

    text, kind = read_source(spec)
    try:
        return as_plan(text, naming=naming, filename=spec), text, kind
    except PesqlError as exc:
        raise PesqlError(exc.diagnostics, text if kind == "text" else None) from None


SUMMARY_ROWS_HELP = (
    "rows that look like totals, section headers or footnotes (docs/tables.md): keep them "
    "(reported), drop them, or flag them in a boolean column summary_row"
)


def add_summary_rows_option(p: argparse.ArgumentParser) -> None:
    """`--summary-rows keep|drop|flag`, beside `--table`: what loading does with summary rows."""
    p.add_argument(
        "--summary-rows", choices=("keep", "drop", "flag"), default="keep", help=SUMMARY_ROWS_HELP
    )


def tables_of(specs: list[str] | None, summary_rows: str = "keep") -> Any:
    """A Catalog from repeated `--table [NAME=]PATH` options (`--summary-rows` for each)."""
    from pesql.runtime.tables.catalog import Catalog
    from pesql.runtime.tables.table import load_table, parse_table_spec

    if not specs:
        raise PesqlError(
            [
                Diagnostic.make(
                    "E210",
                    None,
                    name="(none)",
                    hints=("give the table: --table NAME=PATH",),
                )
            ]
        )
    catalog = Catalog()
    for spec in specs:
        name, path = parse_table_spec(spec)
        catalog.add(load_table(path, name=name, summary_rows=summary_rows))  # type: ignore[arg-type]
    return catalog


def profile_of(path: str | None) -> Any:
    from pesql.runtime.llm.profile import DEFAULT_PROFILE, Profile

    return Profile.load(path) if path else DEFAULT_PROFILE


def naming_of(path: str | None) -> Naming:
    """The operation names of the profile at `path`; the registry's own without one (the
    profile module, tomllib and the LLM settings are then not imported: start-up time)."""
    if path:
        return profile_of(path).naming  # type: ignore[no-any-return]
    from pesql.grammar.registry import DEFAULT_NAMING

    return DEFAULT_NAMING


def write_text(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
