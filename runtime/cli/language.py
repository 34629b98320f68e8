"""Subcommands of `pesql` for the language (fmt, convert, function-definition, grammar).

Each `cmd_*` takes the parsed arguments and returns an exit code; problems are raised as
`PesqlError` and printed by `pesql.runtime.cli.main.run_cli`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pesql.runtime.cli.common import profile_of, tables_of, write_text


# --- language ---------------------------------------------------------------------------
def cmd_fmt(args: argparse.Namespace) -> int:
    from pesql.grammar.comments import format_text
    from pesql.grammar.jsonform import dumps, to_json
    from pesql.runtime.cli.common import load_plan

    plan, source, kind = load_plan(args.file)
    # Text keeps its `--` comments (the AST has none); JSON has no comments to keep.
    canonical = dumps(to_json(plan)) if kind == "json" else format_text(plan, source)
    if args.check:
        if source.strip() != canonical.strip():
            sys.stderr.write(f"{args.file}: not in canonical form (run `pesql fmt --write`)\n")
            return 1
        return 0
    if args.write and args.file != "-":
        Path(args.file).write_text(canonical + "\n", encoding="utf-8")
        return 0
    write_text(canonical, None)
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    from pesql.grammar.jsonform import dumps, to_json
    from pesql.grammar.printer import to_text
    from pesql.runtime.cli.common import load_plan

    profile = profile_of(args.profile)
    plan, _, _ = load_plan(args.file, profile.naming)
    if args.to == "json":
        document = to_json(plan, profile.naming)
        text = (
            json.dumps(document, ensure_ascii=False, indent=2) if args.pretty else dumps(document)
        )
    else:
        text = to_text(plan)
    write_text(text, args.output)
    return 0


def cmd_function_definition(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from pesql.grammar.formdefs import form_definition
    from pesql.runtime.llm.tokens import count_tokens

    profile = profile_of(args.profile)
    if args.form or args.ops:  # the flags override the profile's form and ops
        profile = replace(profile, form=args.form or profile.form, ops=args.ops or profile.ops)
    columns = None
    if args.table:
        schemas = tables_of(args.table).schemas()
        columns = [c for s in schemas.values() for c in s.names()]
    definition = form_definition(
        profile.form,
        columns,
        naming=profile.naming,
        strict=not args.no_strict and profile.strict,
        verbosity=profile.verbosity,
        name=profile.function_name,
        offered=profile.offered,
    )
    write_text(json.dumps(definition, ensure_ascii=False, indent=2), args.output)
    sys.stderr.write(f"{count_tokens(definition)} tokens (o200k_base, compact JSON)\n")
    return 0


def cmd_grammar(args: argparse.Namespace) -> int:
    from pesql.grammar import exports

    profile = profile_of(args.profile)
    columns = None
    if args.table:
        columns = [c for s in tables_of(args.table).schemas().values() for c in s.names()]
    if args.format == "psql-lark":  # the text form: p-SQL itself
        write_text(exports.export_text_lark(), args.output)
        return 0
    render = {
        "json-schema": exports.export_json_schema,
        "lark": exports.export_lark,
        "gbnf": exports.export_gbnf,
    }[args.format]
    write_text(render(profile.naming, columns), args.output)
    return 0


def register(sub: Any) -> None:
    """Add the language and execution subcommands to the `pesql` parser."""
    p = sub.add_parser("fmt", help="print a plan in canonical form")
    p.add_argument("file", metavar="FILE", help="a .psql or .json plan, or -")
    p.add_argument("--check", action="store_true", help="exit 1 if FILE is not canonical")
    p.add_argument("--write", action="store_true", help="rewrite FILE in place")
    p.set_defaults(handler=cmd_fmt)

    p = sub.add_parser("convert", help="convert a plan between text and JSON")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--to", choices=("json", "text"), required=True)
    p.add_argument("--pretty", action="store_true", help="indented JSON (not canonical)")
    p.add_argument("--profile", metavar="FILE")
    p.add_argument("--output", "-o", metavar="FILE")
    p.set_defaults(handler=cmd_convert)

    p = sub.add_parser("function-definition", help="print the OpenAI tool definition")
    p.add_argument(
        "--table",
        "-t",
        action="append",
        metavar="[NAME=]PATH",
        help="offer these tables' columns as enums",
    )
    p.add_argument("--profile", metavar="FILE")
    p.add_argument("--no-strict", action="store_true", help="omit OpenAI strict mode")
    p.add_argument(
        "--form", choices=("tree", "compact", "steps", "text"), help="wire form (docs/ask.md)"
    )
    p.add_argument(
        "--ops",
        type=lambda s: s if s in ("all", "core") else s.split(","),
        metavar="all|core|A,B,...",
        help="operations offered",
    )
    p.add_argument("--output", "-o", metavar="FILE")
    p.set_defaults(handler=cmd_function_definition)

    p = sub.add_parser("grammar", help="export the JSON form for constrained decoding")
    p.add_argument(
        "--format",
        choices=("json-schema", "lark", "gbnf", "psql-lark"),
        required=True,
        help="psql-lark: the p-SQL text grammar (the text form's plan)",
    )
    p.add_argument("--table", "-t", action="append", metavar="[NAME=]PATH")
    p.add_argument("--profile", metavar="FILE")
    p.add_argument("--output", "-o", metavar="FILE")
    p.set_defaults(handler=cmd_grammar)
