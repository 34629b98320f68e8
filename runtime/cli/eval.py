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
import dataclasses
import json
import math
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pesql.runtime.cli.common import positive_float, positive_int

if TYPE_CHECKING:  # rich is loaded by the handlers that print (`pesql --help` skips it)
    from pesql.runtime.evals.runs.records import Run
    from rich.console import Console

__all__ = ["register"]

USAGE = """pesql eval DATASET --profile FILE [options]     (short for `pesql eval run`)
       pesql eval run DATASET [--profile FILE] [--model M] [--base-url URL] [--concurrency N]
                      [--rate-limit RPS] [--limit K] [--out RUN_DIR] [--json]
       pesql eval compare RUN_A RUN_B [--json] [--resamples N] [--seed S] [--op OP] [--tag T]
       pesql eval report RUN [RUN ...] [--out report.html] [--md report.md] [--dataset PATH]"""


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
    p.add_argument(
        "--concurrency", type=positive_int, default=4, metavar="N", help="questions in flight"
    )
    p.add_argument(
        "--rate-limit", type=positive_float, metavar="RPS", help="questions started per second"
    )
    p.add_argument("--limit", type=positive_int, metavar="K", help="only the first K examples")
    p.add_argument("--out", metavar="RUN_DIR", help="default: runs/DATASET-PROFILE-MODEL")
    p.add_argument("--json", action="store_true", help="print summary.json instead of a table")
    p.set_defaults(run=cmd_run)
    return p


def _compare_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pesql eval compare",
        description="Paired comparison of run B against run A on their common examples: each "
        "run's accuracy, attempts, repairs and latency; the accuracy difference (paired "
        "bootstrap CI), the discordant counts and the exact McNemar test; the latency ratio; "
        "the examples that changed outcome.",
    )
    p.add_argument("a", metavar="RUN_A")
    p.add_argument("b", metavar="RUN_B")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    p.add_argument("--resamples", type=positive_int, default=2000, metavar="N")
    p.add_argument("--seed", type=int, default=0, metavar="S")
    p.add_argument(
        "--op",
        action="append",
        default=[],
        metavar="OP",
        help="only examples whose gold plan uses OP (e.g. SUB_ABS); repeatable: any of them",
    )
    p.add_argument(
        "--tag", action="append", default=[], metavar="TAG", help="only examples with TAG"
    )
    p.set_defaults(run=cmd_compare)
    return p


def _report_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pesql eval report",
        description="A self-contained HTML report (and optionally Markdown) of one or more "
        "runs. The first run is the baseline: every other run is compared with it. The HTML "
        "ends with every question, grouped by outcome, with each run's plan, answer and why "
        "it was graded wrong.",
    )
    p.add_argument("runs", metavar="RUN", nargs="+")
    p.add_argument("--out", default="report.html", metavar="FILE", help="the HTML file")
    p.add_argument("--md", metavar="FILE", help="also write a Markdown summary")
    p.add_argument(
        "--dataset",
        metavar="PATH",
        help="the dataset, for gold plans and expected answers (default: the one in the "
        "first run's run.json, when it exists)",
    )
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
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
    from rich.table import Table

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


def _only(run: Run, ops: list[str], tags: list[str]) -> Run:
    """The run restricted to examples using one of `ops` and carrying one of `tags`."""
    wanted_ops, wanted_tags = {op.upper() for op in ops}, set(tags)
    results = {
        i: r
        for i, r in run.results.items()
        if (not wanted_ops or wanted_ops & set(r.ops))
        and (not wanted_tags or wanted_tags & set(r.tags))
    }
    return dataclasses.replace(run, results=results)


def _load_runs(paths: list[str]) -> list[Run]:
    """The runs, with a warning for each one whose results.jsonl had lines left out."""
    from pesql.runtime.evals.runs.records import load_run

    runs = [load_run(path) for path in paths]
    for run in runs:
        if run.unreadable:
            sys.stderr.write(
                f"warning: {run.path / 'results.jsonl'}: {run.unreadable} line(s) are not "
                "results (torn or corrupt) and are left out; `pesql eval run ... --out "
                f"{run.path}` answers those examples again\n"
            )
    return runs


def cmd_compare(args: argparse.Namespace) -> int:
    from pesql.runtime.evals.runs.report import comparison_rows, paired_metrics, paired_rows
    from pesql.runtime.evals.runs.stats import compare_runs
    from rich.table import Table

    a, b = (_only(run, args.op, args.tag) for run in _load_runs([args.a, args.b]))
    c = compare_runs(a, b, resamples=args.resamples, seed=args.seed)
    if args.json:
        out = c.to_json()
        out["runs"] = paired_metrics(a, b)
        out["filter"] = {"ops": [op.upper() for op in args.op], "tags": list(args.tag)}
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
        return 0
    console = _console()
    for warning in c.warnings:
        console.print(f"warning: {warning}", style="yellow", markup=False)
    only = [f"gold plan uses {' or '.join(o.upper() for o in args.op)}"] if args.op else []
    only += [f"tagged {' or '.join(args.tag)}"] if args.tag else []
    scope = f" · only examples whose {'; '.join(only)}" if only else ""
    header, rows = paired_rows(a, b)
    runs = Table(title=f"{c.common} examples in common{scope}")
    for i, name in enumerate(header):
        runs.add_column(name, justify="right" if i else "left")
    for row in rows:
        runs.add_row(*row)
    console.print(runs)
    table = Table(title=f"B = {c.b} vs A = {c.a}")
    table.add_column("")
    table.add_column("")
    for row in comparison_rows(c):
        table.add_row(*row)
    console.print(table)
    questions = {i: r.question for run in (a, b) for i, r in run.results.items()}
    for title, ids in ((f"{c.a} right -> {c.b} wrong", c.a_to_wrong),
                       (f"{c.a} wrong -> {c.b} right", c.b_to_right)):  # fmt: skip
        console.print(f"{title}: {len(ids) or 'none'}", markup=False)
        for ident in ids:
            console.print(f"  {ident}  {questions.get(ident, '')}", markup=False)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from pesql.grammar.diagnostics import PesqlError
    from pesql.runtime.evals.datasets.load import load_dataset
    from pesql.runtime.evals.runs.report import render_html, render_markdown
    from pesql.runtime.evals.runs.stats import compare_runs

    runs = _load_runs(args.runs)
    comparisons = [compare_runs(runs[0], run) for run in runs[1:]]
    dataset = None
    source = args.dataset or runs[0].settings.dataset
    if args.dataset or Path(source).is_dir():
        try:
            dataset = load_dataset(source)
        except PesqlError as exc:
            if args.dataset:
                raise
            sys.stderr.write(f"warning: dataset {source} not loaded ({exc}); the report "
                             "shows no gold plans\n")  # fmt: skip
    Path(args.out).write_text(render_html(runs, comparisons, dataset=dataset), encoding="utf-8")
    written = [args.out]
    if args.md:
        Path(args.md).write_text(render_markdown(runs, comparisons), encoding="utf-8")
        written.append(args.md)
    sys.stdout.write("wrote " + ", ".join(written) + "\n")
    return 0


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _console() -> Console:
    from rich.console import Console

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
