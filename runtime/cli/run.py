"""Subcommands of `pesql` that read tables and run plans (schema, run, check, explain, sql).

Registered by `cli_commands.register`, after the language subcommands; the helpers reading
tables and profiles are shared with it.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pesql.grammar.diagnostics import PesqlError
from pesql.runtime.cli.common import (
    add_summary_rows_option,
    naming_of,
    positive_float,
    positive_int,
    tables_of,
    write_text,
)


# --- tables and execution -------------------------------------------------------------
def cmd_schema(args: argparse.Namespace) -> int:
    catalog = tables_of(args.table, args.summary_rows)
    if args.json:
        out = {}
        for table in catalog:
            schema = table.schema()
            out[table.name] = {
                "columns": {n: t.dtype for n, t in schema.items()},
                "inferred": table.report.to_dict() if table.report is not None else None,
            }
        write_text(json.dumps(out, ensure_ascii=False, indent=2, default=str), None)
        return 0
    for table in catalog:
        sys.stdout.write(
            f"table {table.name}" + (f" ({table.source})" if table.source else "") + "\n"
        )
        if table.report is not None:
            sys.stdout.write(table.report.to_text() + "\n")
        else:
            for name, ctype in table.schema().items():
                sys.stdout.write(f"  {name}: {ctype.dtype}\n")
    return 0


def _compiled(args: argparse.Namespace, deadline: Any = None) -> tuple[Any, Any]:
    """The tables, then the plan read, checked and optimized within the time budget: a plan
    file that is long to read (megabytes of steps) is E303 like one long to compile."""
    from pesql.runtime.cli.common import load_plan
    from pesql.runtime.engine.budget import Deadline, call_within
    from pesql.runtime.engine.execute import compile
    from pesql.runtime.engine.limits import Limits

    deadline = deadline or Deadline.after(args.timeout)
    catalog = tables_of(args.table, args.summary_rows)
    naming = naming_of(getattr(args, "profile", None))
    limits = Limits(max_rows=args.max_rows, timeout_s=args.timeout)

    def reading_and_compiling() -> Any:
        plan, source, kind = load_plan(args.plan, naming)
        try:
            return compile(plan, catalog.schemas(), optimize=not args.no_optimize, limits=limits)
        except PesqlError as exc:
            # Re-raised with the source text so text diagnostics show the line and a caret.
            raise PesqlError(exc.diagnostics, source if kind == "text" else None) from None

    compiled = call_within(reading_and_compiling, deadline, "reading and compiling the plan")
    return compiled, catalog


def _print_notes(notes: Any) -> None:
    from pesql.grammar.diagnostics import render_text

    if notes:
        sys.stderr.write(render_text(notes) + "\n")


def cmd_run(args: argparse.Namespace) -> int:
    from pesql.runtime.engine.budget import Deadline
    from pesql.runtime.engine.engines import run_on
    from pesql.runtime.engine.output import write_frame

    if args.engine == "postgres" and not args.dsn:
        sys.stderr.write("pesql run: --engine postgres needs --dsn URL (postgresql://...)\n")
        return 2
    # One budget covers loading the tables, reading, compiling and (on polars) running the
    # plan: E303 past it, the work stopped. The SQL engines run the plan's SQL under their
    # own limits.
    deadline = Deadline.after(args.timeout)
    compiled, catalog = _compiled(args, deadline)
    result = run_on(
        compiled,
        catalog,
        args.engine,
        dsn=args.dsn,
        master=args.master,
        deadline=deadline if args.engine == "polars" else None,
    )
    _print_notes(result.notes)
    write_frame(result.frame, args.format, args.output)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    compiled, _ = _compiled(args)
    _print_notes(compiled.checked.notes)
    columns = ", ".join(f"{n}: {t.dtype}" for n, t in compiled.checked.output_schema.items())
    sys.stdout.write(f"ok: output ({columns})\n")
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from pesql.runtime.engine.explain import explain_text

    compiled, catalog = _compiled(args)
    write_text(explain_text(compiled, catalog), None)
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    from pesql.compiler.backends.sql.lower import to_sql

    compiled, catalog = _compiled(args)
    schema = compiled.checked.input_schema
    table = compiled.checked.table or next(iter(catalog)).name
    text = to_sql(
        compiled.plan,
        schema,
        dialect=args.dialect,
        table=table,
        ordinal_column=args.ordinal_column,
        tables=dict(compiled.checked.joined),
    )
    write_text(text, args.output)
    return 0


# --- argument parsing -----------------------------------------------------------------
def _plan_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("plan", metavar="PLAN", help="a .psql text file, a .json file, or - (stdin)")
    p.add_argument(
        "--table",
        "-t",
        action="append",
        metavar="[NAME=]PATH",
        required=True,
        help="a table file (csv, tsv, parquet, json, ndjson, ipc, xlsx); repeatable",
    )
    add_summary_rows_option(p)
    p.add_argument("--profile", metavar="FILE", help="a profile (op renames/aliases)")
    p.add_argument("--no-optimize", action="store_true", help="run the plan as written")
    p.add_argument(
        "--max-rows",
        type=positive_int,
        default=None,
        metavar="N",
        help="truncate the output to N rows (reported)",
    )
    p.add_argument(
        "--timeout",
        type=positive_float,
        default=60.0,
        metavar="SECONDS",
        help="time budget: reading and compiling the plan and (on polars) running it",
    )


def register(sub: Any) -> None:
    """Add the table and execution subcommands to the `pesql` parser."""
    p = sub.add_parser("schema", help="show a table's columns and what loading inferred")
    p.add_argument("--table", "-t", action="append", metavar="[NAME=]PATH", required=True)
    add_summary_rows_option(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=cmd_schema)

    p = sub.add_parser("run", help="run a plan on tables")
    _plan_options(p)
    p.add_argument(
        "--format", "-f", choices=("table", "csv", "json", "ndjson", "parquet"), default="table"
    )
    p.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")
    p.add_argument(
        "--engine",
        choices=("polars", "duckdb", "sqlite", "postgres", "spark"),
        default="polars",
        help="polars (default); the plan's SQL on DuckDB or SQLite in-process, on a "
        "PostgreSQL server (--dsn) or on Spark (--master); docs/sql.md",
    )
    p.add_argument(
        "--dsn", metavar="URL", help="--engine postgres: the server, postgresql://USER@HOST/DB"
    )
    p.add_argument(
        "--master",
        metavar="URL",
        help="--engine spark: the cluster (spark://HOST:7077, yarn, ...); default local[2]",
    )
    p.set_defaults(handler=cmd_run)

    p = sub.add_parser("check", help="type-check a plan against tables (exit 1 on errors)")
    _plan_options(p)
    p.set_defaults(handler=cmd_check)

    p = sub.add_parser("explain", help="show the plan before/after optimization and polars' plan")
    _plan_options(p)
    p.set_defaults(handler=cmd_explain)

    p = sub.add_parser("sql", help="print the plan as SQL for another engine")
    _plan_options(p)
    p.add_argument(
        "--dialect",
        default="duckdb",
        choices=("duckdb", "postgres", "spark", "trino", "bigquery", "snowflake", "sqlite"),
    )
    p.add_argument(
        "--ordinal-column",
        metavar="COLUMN",
        help="a column of the table that numbers its rows in order (SORT ties, FIRST/LAST and "
        "row order follow it); without it rows are numbered in the engine's scan order",
    )
    p.add_argument("--output", "-o", metavar="FILE")
    p.set_defaults(handler=cmd_sql)
