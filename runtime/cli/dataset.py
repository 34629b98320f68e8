"""`pesql dataset ...`: validate, add, coverage, import-wtq, import-wikisql (docs/datasets.md).

    $ pesql dataset validate examples/datasets/tables-qa --recompute
    $ pesql dataset add DS --question "How many?" --plan "FROM t AGGREGATE n = COUNT(*)"

`validate` and `coverage` exit 1 when the dataset has any error; problems with arguments are
raised as `PesqlError` and printed by `pesql.runtime.cli.main.run_cli`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pesql.runtime.cli.common import positive_int

if TYPE_CHECKING:  # loaded by the handlers: `pesql --help` and other commands skip polars, rich
    from pesql.runtime.evals.datasets.validate import ValidationReport
    from rich.console import Console
    from rich.table import Table

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def _console() -> Console:
    from rich.console import Console

    return Console(file=sys.stdout, highlight=False, soft_wrap=True)


def _print_findings(console: Console, report: ValidationReport) -> None:
    for finding in report.findings:
        style = "red" if finding.severity == "error" else "yellow"
        console.print(str(finding), style=style, markup=False)


def _coverage_table(report: ValidationReport) -> Table:
    from pesql.grammar.registry import lookup
    from rich.table import Table

    table = Table(title="operation coverage", show_lines=False)
    for name in ("operation", "category", "examples", "e.g."):
        table.add_column(name)
    for op, ids in report.coverage.items():
        spec = lookup(op)
        category = spec.category if spec else "?"
        table.add_row(op, category, str(len(ids)) if ids else "-", ", ".join(ids[:3]))
    return table


def _summary(report: ValidationReport) -> str:
    errors = len(report.errors)
    warnings = len(report.findings) - errors
    used = sum(1 for ids in report.coverage.values() if ids)
    return (
        f"{report.path}: {report.examples} examples, {report.passed}/{report.executed} gold "
        f"plans match, {errors} errors, {warnings} warnings, "
        f"{used}/{len(report.coverage)} operations covered"
    )


def cmd_validate(args: argparse.Namespace) -> int:
    from pesql.runtime.evals.datasets.validate import validate_dataset
    from rich.console import Console
    from rich.progress import Progress

    # On a terminal, a bar on stderr (validating a large dataset takes a while); elsewhere
    # rich draws nothing, so piped and --json output stay clean.
    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("validating", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = validate_dataset(args.path, recompute=args.recompute, progress=advance)
    if args.json:
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return 0 if report.ok else 1
    console = _console()
    _print_findings(console, report)
    if args.coverage:
        console.print(_coverage_table(report))
    console.print(_summary(report), style="bold" if report.ok else "bold red", markup=False)
    return 0 if report.ok else 1


def cmd_coverage(args: argparse.Namespace) -> int:
    from pesql.runtime.evals.datasets.validate import validate_dataset

    report = validate_dataset(args.path)
    if args.json:
        out = {"coverage": report.coverage, "unused_ops": report.unused_ops}
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
    else:
        console = _console()
        console.print(_coverage_table(report))
        console.print("not exercised: " + (", ".join(report.unused_ops) or "none"), markup=False)
    return 0 if report.ok else 1


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def cmd_add(args: argparse.Namespace) -> int:
    from pesql.runtime.evals.datasets.add import add_example, add_table
    from pesql.runtime.tables.table import parse_table_spec

    for spec in args.table or ():
        name, source = parse_table_spec(spec)
        copied = add_table(args.path, source, name=name, license=args.license)
        sys.stdout.write(f"table {copied.stem}: {copied}\n")
    plan: str = args.plan
    candidate = Path(plan)
    if "\n" not in plan and len(plan) < 1024 and candidate.is_file():
        plan = candidate.read_text(encoding="utf-8")
    example = add_example(
        args.path,
        question=args.question,
        plan=plan,
        tables=_split(args.tables),
        reference_sql=args.reference_sql,
        tags=_split(args.tags),
        order=args.compare,
        example_id=args.id,
    )
    sys.stdout.write(f"added {example.id} to {Path(args.path) / 'examples.jsonl'}\n")
    return 0


def _print_stats(stats: Any, as_json: bool) -> None:
    from rich.table import Table

    if as_json:
        sys.stdout.write(json.dumps(stats.to_dict(), indent=2) + "\n")
        return
    console = _console()
    console.print(f"examples written: {stats.examples}, tables written: {stats.tables}")
    table = Table(title="patterns")
    table.add_column("pattern")
    table.add_column("count", justify="right")
    for name, count in stats.patterns.most_common():
        table.add_row(name, str(count))
    console.print(table)
    for reason, count in stats.skipped.most_common():
        console.print(f"skipped {count}: {reason}", markup=False)


def cmd_import_wtq(args: argparse.Namespace) -> int:
    from pesql.runtime.evals.importers.wtq import import_wtq

    corpus = Path(args.corpus) if args.corpus else CORPORA / "wtq"
    stats = import_wtq(Path(args.out), corpus, split=args.split, limit=args.limit, force=args.force)
    _print_stats(stats, args.json)
    return 0


def cmd_import_wikisql(args: argparse.Namespace) -> int:
    from pesql.runtime.evals.importers.wikisql import import_wikisql

    tables = Path(args.tables) if args.tables else None
    stats = import_wikisql(
        Path(args.out), Path(args.questions), tables, limit=args.limit, force=args.force
    )
    _print_stats(stats, args.json)
    return 0


def register(sub: Any) -> None:
    """Add `dataset` and its subcommands to the `pesql` parser."""
    parser = sub.add_parser("dataset", help="validate, grow and import evaluation datasets")
    commands = parser.add_subparsers(dest="dataset_command", required=True, metavar="COMMAND")

    p = commands.add_parser("validate", help="run every gold plan and check the dataset")
    p.add_argument("path", metavar="PATH", help="the dataset folder")
    p.add_argument(
        "--recompute",
        action="store_true",
        help="re-run each reference_sql in DuckDB and compare with expected",
    )
    p.add_argument("--coverage", action="store_true", help="also print the coverage matrix")
    p.add_argument("--json", action="store_true", help="the report as JSON")
    p.set_defaults(handler=cmd_validate)

    p = commands.add_parser("coverage", help="which operations the gold plans exercise")
    p.add_argument("path", metavar="PATH")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_coverage)

    p = commands.add_parser("add", help="append one example, computing its expected result")
    p.add_argument("path", metavar="PATH")
    p.add_argument("--question", required=True)
    p.add_argument(
        "--plan",
        required=True,
        metavar="FILE_OR_TEXT",
        help="a .psql/.json file, or p-SQL text, or plan JSON",
    )
    p.add_argument("--id", help="the example id (default: <folder>-<number>)")
    p.add_argument("--tables", metavar="A,B", help="tables the question is about")
    p.add_argument(
        "--reference-sql",
        metavar="SQL",
        help="DuckDB query that computes the expected result independently",
    )
    p.add_argument("--tags", metavar="T1,T2")
    p.add_argument("--compare", choices=("ordered", "bag", "set"), help="row order mode")
    p.add_argument(
        "--table",
        action="append",
        metavar="[NAME=]FILE",
        help="copy this table into PATH/tables/ first (starts a new dataset); repeatable",
    )
    p.add_argument("--license", metavar="TEXT", help="where --table came from, for LICENSES.md")
    p.set_defaults(handler=cmd_add)

    p = commands.add_parser("import-wtq", help="WikiTableQuestions -> answer-only dataset")
    p.add_argument("out", metavar="OUT", help="the new dataset folder")
    p.add_argument("--corpus", metavar="DIR", help="the wtq corpus folder")
    p.add_argument("--split", choices=("dev", "test"), default="dev")
    p.add_argument("--limit", type=positive_int, metavar="N")
    p.add_argument("--force", action="store_true", help="replace an existing examples.jsonl")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_import_wtq)

    p = commands.add_parser("import-wikisql", help="WikiSQL logical forms -> p-SQL plans")
    p.add_argument("out", metavar="OUT")
    p.add_argument(
        "--questions",
        required=True,
        metavar="FILE",
        help="WikiSQL questions (.jsonl, .jsonl.gz or a mini_dev_sample.json)",
    )
    p.add_argument(
        "--tables",
        metavar="FILE",
        help="WikiSQL tables (.tables.jsonl or a sample .json); without: stats only",
    )
    p.add_argument("--limit", type=positive_int, metavar="N")
    p.add_argument("--force", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_import_wikisql)
