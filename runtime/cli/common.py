"""Helpers every `pesql` subcommand shares: reading PLAN and --table arguments, writing output.

No subcommand module imports another; they all import this one, and `main` imports them all.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def tables_of(specs: list[str] | None) -> Any:
    """A Catalog from repeated `--table [NAME=]PATH` options."""
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
        catalog.add(load_table(path, name=name))
    return catalog


def profile_of(path: str | None) -> Any:
    from pesql.runtime.llm.profile import DEFAULT_PROFILE, Profile

    return Profile.load(path) if path else DEFAULT_PROFILE


def write_text(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
