"""`pesql ask "QUESTION" --table [NAME=]PATH ...`: ask a model, print the plan, answer and footer.

    $ pesql ask "Which island has the heaviest penguins?" --table examples/tables/penguins.csv
    GROUP_BY island AGGREGATE mean_mass = MEAN(body_mass_g)
    ...
    model gpt-4o-mini · 1 attempt · 0 repairs · 2113 in / 61 out tokens · 1.32 s

With `--format table` everything goes to stdout. With csv or json only the data goes to
stdout (so it can be piped); the plan and the footer go to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import sys
from typing import Any

from pesql.grammar.diagnostics import PesqlError
from pesql.runtime.cli.common import add_summary_rows_option, positive_float, positive_int

__all__ = ["cmd_ask", "register"]


def cmd_ask(args: argparse.Namespace) -> int:
    from pesql.runtime.cli.common import tables_of
    from pesql.runtime.engine.limits import Limits
    from pesql.runtime.engine.output import render_table
    from pesql.runtime.llm.ask import ask
    from pesql.runtime.llm.profile import DEFAULT_PROFILE, Profile
    from pesql.runtime.llm.result import AskError
    from pesql.runtime.llm.trace import Trace

    profile = Profile.load(args.profile) if args.profile else DEFAULT_PROFILE
    overrides = {
        key: value
        for key, value in (("max_attempts", args.max_attempts), ("timeout_s", args.timeout))
        if value is not None
    }
    if overrides:
        profile = dataclasses.replace(profile, **overrides)
    catalog = tables_of(args.table, args.summary_rows)
    limits = Limits(max_rows=args.max_rows) if args.max_rows is not None else None
    with contextlib.ExitStack() as stack:
        sink = None
        if args.trace:
            try:
                sink = stack.enter_context(open(args.trace, "w", encoding="utf-8"))
            except OSError as exc:
                raise _unwritable(args.trace, exc) from None
        try:
            result = ask(
                args.question,
                catalog,
                model=args.model,
                profile=profile,
                base_url=args.base_url,
                cache=args.cache,
                trace=Trace(sink),
                limits=limits,
            )
        except AskError as exc:
            sys.stderr.write(exc.footer() + "\n")
            raise
    data = sys.stdout if args.format == "table" else sys.stderr
    data.write(result.text + "\n\n")
    if args.format == "table":
        sys.stdout.write(render_table(result.frame) + "\n\n")
    elif args.format == "csv":
        sys.stdout.write(result.frame.write_csv())
    else:
        sys.stdout.write(result.frame.write_json() + "\n")
    for note in result.notes:
        sys.stderr.write(f"note[{note.code}]: {note.message}\n")
    data.write(result.footer() + "\n")
    return 0


def _unwritable(path: str, exc: OSError) -> PesqlError:
    from pesql.grammar.diagnostics import Diagnostic

    return PesqlError(
        [
            Diagnostic.make(
                "E307", name=path, problem=str(exc), hints=("--trace needs a writable file path",)
            )
        ]
    )


def register(sub: Any) -> None:
    """Add `ask` to the `pesql` subcommands (loaded by pesql.runtime.cli.main)."""
    p = sub.add_parser(
        "ask",
        help="ask a question of tables through an LLM (OpenAI or compatible)",
        description="Ask a model for a p-SQL plan answering QUESTION, check it and run it. "
        "The API key comes from OPENAI_API_KEY; the server from --base-url or OPENAI_BASE_URL.",
    )
    p.add_argument("question", metavar="QUESTION")
    p.add_argument(
        "--table",
        "-t",
        action="append",
        metavar="[NAME=]PATH",
        required=True,
        help="a table file (csv, tsv, parquet, json, ndjson, ipc, xlsx); repeatable",
    )
    add_summary_rows_option(p)
    p.add_argument(
        "--model",
        "-m",
        help="model name (default: the profile's, $PESQL_MODEL, "
        "or gpt-4o-mini); for Azure, the deployment name",
    )
    p.add_argument(
        "--base-url",
        metavar="URL",
        help="an OpenAI-compatible server, e.g. http://localhost:11434/v1",
    )
    p.add_argument(
        "--profile",
        metavar="FILE",
        help="a profile (.toml/.json): prompt, names, strict mode, attempts, budgets",
    )
    p.add_argument("--trace", metavar="FILE", help="write every event as JSON lines")
    p.add_argument("--cache", metavar="DIR", help="reuse answers to identical requests")
    p.add_argument("--format", "-f", choices=("table", "csv", "json"), default="table")
    p.add_argument(
        "--max-attempts", type=positive_int, metavar="N", help="model turns (profile: 3)"
    )
    p.add_argument(
        "--timeout",
        type=positive_float,
        metavar="SECONDS",
        help="per-request timeout (profile: 60)",
    )
    p.add_argument(
        "--max-rows", type=positive_int, metavar="N", help="truncate the answer to N rows"
    )
    p.set_defaults(handler=cmd_ask)
