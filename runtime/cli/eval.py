"""`pesql eval ...`: run a model over a dataset, compare two runs, write reports.

    $ pesql eval examples/datasets/tables-qa --profile examples/profiles/abs_diff.toml
    $ pesql eval run examples/datasets/tables-qa --profile p.toml --out runs/abs_diff
    $ pesql eval compare runs/sub_abs runs/abs_diff
    $ pesql eval report runs/sub_abs runs/abs_diff --out report.html --md report.md

`eval` takes the rest of the command line and dispatches on its first word: `run`, `compare`
or `report`; anything else is the short form of `run` (DATASET first). argparse cannot have
both a subcommand group and a positional DATASET at one level, and the short form is the one
people type most, so the dispatch is ours. Each subcommand has its own parser and `--help`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = ["register"]

USAGE = """pesql eval DATASET --profile FILE [options]     (short for `pesql eval run`)
       pesql eval run DATASET [--profile FILE] [--model M] [--base-url URL] [--concurrency N]
                      [--rate-limit RPS] [--limit K] [--out RUN_DIR] [--json]
       pesql eval compare RUN_A RUN_B [--json] [--resamples N] [--seed S]
       pesql eval report RUN [RUN ...] [--out report.html] [--md report.md]"""


def _run_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pesql eval run",
        description="Ask the model every question of DATASET and grade the answers. Rerunning "
        "with the same --out skips the examples already answered.",
    )
    p.add_argument("dataset", metavar="DATASET", help="a dataset folder (docs/datasets.md)")
    p.add_argument("--profile", metavar="FILE", help="the profile (.toml/.json) to evaluate")
    p.add_argument(
        "--model", "-m", help="model (default: the profile's, $PESQL_MODEL, gpt-4o-mini)"
    )
    p.add_argument("--base-url", metavar="URL", help="an OpenAI-compatible server")
    p.add_argument("--concurrency", type=int, default=4, metavar="N", help="questions in flight")
    p.add_argument("--rate-limit", type=float, metavar="RPS", help="questions started per second")
    p.add_argument("--limit", type=int, metavar="K", help="only the first K examples")
    p.add_argument("--out", metavar="RUN_DIR", help="default: runs/DATASET-PROFILE-MODEL")
    p.add_argument("--json", action="store_true", help="print summary.json instead of a table")
    p.set_defaults(run=cmd_run)
    return p


def _compare_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pesql eval compare",
        description="Paired comparison of run B against run A on their common examples: "
        "accuracy difference (exact McNemar, bootstrap CI), latency ratio, flipped examples.",
    )
    p.add_argument("a", metavar="RUN_A")
    p.add_argument("b", metavar="RUN_B")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    p.add_argument("--resamples", type=int, default=2000, metavar="N")
    p.add_argument("--seed", type=int, default=0, metavar="S")
    p.set_defaults(run=cmd_compare)
    return p


def _report_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pesql eval report",
        description="A self-contained HTML report (and optionally Markdown) of one or more "
        "runs; with exactly two runs it includes their comparison.",
    )
    p.add_argument("runs", metavar="RUN", nargs="+")
    p.add_argument("--out", default="report.html", metavar="FILE", help="the HTML file")
    p.add_argument("--md", metavar="FILE", help="also write a Markdown summary")
    p.set_defaults(run=cmd_report)
    return p


PARSERS: dict[str, Callable[[], argparse.ArgumentParser]] = {
    "run": _run_parser,
    "compare": _compare_parser,
    "report": _report_parser,
}


def cmd_eval(args: argparse.Namespace) -> int:
    argv = list(args.argv)
    if not argv:
        sys.stderr.write("usage: " + USAGE + "\n")
        return 2
    name = argv[0] if argv[0] in PARSERS else "run"
    rest = argv[1:] if argv[0] in PARSERS else argv
    inner = PARSERS[name]().parse_args(rest)
    inner.errors = args.errors
    handler: Callable[[argparse.Namespace], int] = inner.run
    return handler(inner)


def _default_out(dataset: str, profile: str, model: str) -> Path:
    # Deterministic, so rerunning the same command resumes the same run.
    name = f"{Path(dataset).resolve().name}-{profile}-{model}"
    return Path("runs") / re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def cmd_run(args: argparse.Namespace) -> int:
    from pesql.runtime.evals.runs.run import evaluate
    from pesql.runtime.llm.ask import DEFAULT_MODEL
    from pesql.runtime.llm.profile import DEFAULT_PROFILE, Profile
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    profile = Profile.load(args.profile) if args.profile else DEFAULT_PROFILE
    model = args.model or profile.model or os.environ.get("PESQL_MODEL") or DEFAULT_MODEL
    out = Path(args.out) if args.out else _default_out(args.dataset, profile.name, model)
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True)) as progress:
        task = progress.add_task("evaluating", total=None)

        def started(total: int, skipped: int) -> None:
            progress.update(task, total=total, completed=skipped)

        summary = evaluate(
            args.dataset, out, model=model, profile=profile, base_url=args.base_url,
            concurrency=args.concurrency, rate_limit=args.rate_limit, limit=args.limit,
            on_start=started, on_result=lambda _: progress.advance(task),
        )  # fmt: skip
    if args.json:
        sys.stdout.write((out / "summary.json").read_text(encoding="utf-8"))
        return 0
    m = summary.metrics
    table = Table(title=f"{out} · {summary.new} new, {summary.skipped} resumed")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in m.to_json().items():
        table.add_row(key, _cell(value))
    _console().print(table)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from pesql.runtime.evals.runs.records import load_run
    from pesql.runtime.evals.runs.report import comparison_rows
    from pesql.runtime.evals.runs.stats import compare_runs

    c = compare_runs(load_run(args.a), load_run(args.b), resamples=args.resamples, seed=args.seed)
    if args.json:
        sys.stdout.write(json.dumps(c.to_json(), indent=2) + "\n")
        return 0
    console = _console()
    for warning in c.warnings:
        console.print(f"warning: {warning}", style="yellow", markup=False)
    table = Table(title=f"B = {c.b} vs A = {c.a}")
    table.add_column("")
    table.add_column("")
    for row in comparison_rows(c):
        table.add_row(*row)
    console.print(table)
    console.print(f"{c.a} right -> {c.b} wrong: " + (", ".join(c.a_to_wrong) or "none"))
    console.print(f"{c.a} wrong -> {c.b} right: " + (", ".join(c.b_to_right) or "none"))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from pesql.runtime.evals.runs.records import load_run
    from pesql.runtime.evals.runs.report import render_html, render_markdown
    from pesql.runtime.evals.runs.stats import compare_runs

    runs = [load_run(path) for path in args.runs]
    comparison = compare_runs(runs[0], runs[1]) if len(runs) == 2 else None
    Path(args.out).write_text(render_html(runs, comparison), encoding="utf-8")
    written = [args.out]
    if args.md:
        Path(args.md).write_text(render_markdown(runs, comparison), encoding="utf-8")
        written.append(args.md)
    sys.stdout.write("wrote " + ", ".join(written) + "\n")
    return 0


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _console() -> Console:
    return Console(file=sys.stdout, highlight=False, soft_wrap=True)


def register(sub: Any) -> None:
    """Add `eval` to the `pesql` subcommands (loaded by pesql.runtime.cli.main)."""
    p = sub.add_parser(
        "eval",
        help="evaluate a model on a dataset; compare runs; write reports",
        usage=USAGE,
        description="Evaluation runs (docs/evaluation.md). `pesql eval run --help`, "
        "`pesql eval compare --help` and `pesql eval report --help` list each one's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # Everything after `eval` goes to cmd_eval, which picks the subcommand (see the docstring).
    p.add_argument("argv", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    p.set_defaults(handler=cmd_eval)
