"""`pesql finetune ...`: export, validate, start (--wait), status, events, cancel, list.

    $ pesql finetune export examples/datasets/tables-qa --out build/ft --seed 7
    $ pesql finetune validate build/ft/train.jsonl --dataset examples/datasets/eval-set
    $ pesql finetune start --train build/ft/train.jsonl --val build/ft/validation.jsonl \\
          --model gpt-4o-mini --suffix pesql --wait

Validation problems and service errors are printed as diagnostics with exit code 1 (see
docs/finetuning.md); Ctrl-C while waiting leaves the job running and says how to check it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pesql.runtime.cli.common import non_negative_float, positive_float, positive_int

if TYPE_CHECKING:  # loaded by the handlers (`pesql --help` skips them)
    from pesql.runtime.llm.profile import Profile
    from rich.console import Console

__all__ = ["register"]


def _console() -> Console:
    from rich.console import Console

    return Console(file=sys.stdout, highlight=False, soft_wrap=True)


def _profile(args: argparse.Namespace) -> Profile:
    from pesql.runtime.llm.profile import DEFAULT_PROFILE, Profile

    return DEFAULT_PROFILE if args.profile is None else Profile.load(args.profile)


def _when(timestamp: int | None) -> str:
    if timestamp is None:
        return "-"
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def cmd_export(args: argparse.Namespace) -> int:
    from pesql.runtime.finetune.export import export_dataset

    summary = export_dataset(
        args.dataset, args.out, _profile(args), val_fraction=args.val_fraction, seed=args.seed
    )
    console = _console()
    console.print(f"wrote {summary.train} ({len(summary.train_ids)} examples)", markup=False)
    if summary.validation is not None:
        shown = f"wrote {summary.validation} ({len(summary.validation_ids)} examples)"
        console.print(shown, markup=False)
    console.print(f"{len(summary.strata)} strata (sets of steps), seed {args.seed}", markup=False)
    if summary.skipped:
        console.print(f"skipped {len(summary.skipped)} answer-only examples (no gold plan)")
    return 0


def _validate(path: Path, args: argparse.Namespace, minimum: int | None = None) -> bool:
    from pesql.runtime.finetune.limits import MIN_EXAMPLES
    from pesql.runtime.finetune.validate import validate_training_file

    report = validate_training_file(
        path,
        profile=_profile(args),
        model=args.model,
        eval_dataset=args.dataset,
        tables=args.tables,
        min_examples=minimum if minimum is not None else args.min_examples or MIN_EXAMPLES,
    )
    if getattr(args, "json", False):
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return report.ok
    console = _console()
    for finding in report.findings:
        style = "red" if finding.severity == "error" else "yellow"
        console.print(str(finding), style=style, markup=False)
    console.print(report.summary(), style="bold" if report.ok else "bold red", markup=False)
    return report.ok


def cmd_validate(args: argparse.Namespace) -> int:
    return 0 if _validate(Path(args.file), args) else 1


def cmd_start(args: argparse.Namespace) -> int:
    from pesql.runtime.finetune import jobs

    train = Path(args.train)
    validation = Path(args.val) if args.val else None
    ok = _validate(train, args)
    if validation is not None:
        ok = _validate(validation, args, minimum=1) and ok
    if not ok:
        _console().print("not started: fix the errors above first", style="bold red")
        return 1
    client = jobs.make_finetune_client(args.base_url)
    job = jobs.launch(
        client, train, validation, model=args.model, suffix=args.suffix,
        epochs=args.epochs, seed=args.seed,
    )  # fmt: skip
    console = _console()
    console.print(f"started {job.id} ({job.model}, {job.status})", markup=False)
    if not args.wait:
        console.print(f"follow it with `pesql finetune status {job.id}`", markup=False)
        return 0
    polling = jobs.Polling(interval=args.poll_interval, timeout=args.timeout)
    try:
        with console.status(f"{job.id}: {job.status}") as status:

            def show(update: jobs.Update) -> None:
                for event in update.events:
                    console.print(f"{_when(event.created_at)}  {event.message}", markup=False)
                tokens = update.trained_tokens
                extra = f", {tokens} trained tokens" if tokens is not None else ""
                status.update(f"{job.id}: {update.job.status}{extra}")

            done = jobs.follow(client, job.id, on_update=show, polling=polling)
    except KeyboardInterrupt:
        console.print(
            f"stopped following; {job.id} keeps running. Check it with "
            f"`pesql finetune status {job.id}`, stop it with `pesql finetune cancel {job.id}`",
            markup=False,
        )
        return 130
    return _conclude(done, console)


def _conclude(job: Any, console: Console) -> int:
    from pesql.grammar.diagnostics import Diagnostic, PesqlError

    if job.status == "succeeded":
        console.print(f"trained tokens: {job.trained_tokens}", markup=False)
        console.print(f"fine-tuned model: {job.fine_tuned_model}", style="bold", markup=False)
        return 0
    error = job.error
    problem = f"{error.message} ({error.code})" if error is not None else "no reason given"
    hint = f"see `pesql finetune events {job.id}`"
    diag = Diagnostic.make("E721", name=job.id, found=job.status, problem=problem, hints=(hint,))
    raise PesqlError([diag])


def cmd_status(args: argparse.Namespace) -> int:
    from pesql.runtime.finetune import jobs

    client = jobs.make_finetune_client(args.base_url)
    with jobs.api_errors(f"checking {args.job}"):
        job = client.fine_tuning.jobs.retrieve(args.job)
    rows = [
        ("job", job.id), ("status", job.status), ("model", job.model),
        ("fine-tuned model", job.fine_tuned_model or "-"),
        ("trained tokens", str(job.trained_tokens or "-")),
        ("created", _when(job.created_at)), ("finished", _when(job.finished_at)),
        ("training file", job.training_file), ("validation file", job.validation_file or "-"),
    ]  # fmt: skip
    if job.error is not None and job.error.message:
        rows.append(("error", f"{job.error.message} ({job.error.code})"))
    # Plain lines, not a rich table: ids stay whole on a narrow terminal and grep finds them.
    text = "\n".join(f"{key + ':':<17} {value}" for key, value in rows)
    _console().print(text, markup=False)
    return 0


def cmd_events(args: argparse.Namespace) -> int:
    from pesql.runtime.finetune import jobs

    client = jobs.make_finetune_client(args.base_url)
    with jobs.api_errors(f"reading the events of {args.job}"):
        page = client.fine_tuning.jobs.list_events(args.job, limit=args.limit)
    console = _console()
    for event in reversed(page.data):  # the API answers newest first; a log reads oldest first
        console.print(f"{_when(event.created_at)}  {event.level:<5}  {event.message}", markup=False)
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    from pesql.runtime.finetune import jobs

    client = jobs.make_finetune_client(args.base_url)
    with jobs.api_errors(f"cancelling {args.job}"):
        job = client.fine_tuning.jobs.cancel(args.job)
    _console().print(f"{job.id}: {job.status}", markup=False)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from pesql.runtime.finetune import jobs

    client = jobs.make_finetune_client(args.base_url)
    with jobs.api_errors("listing jobs"):
        page = client.fine_tuning.jobs.list(limit=args.limit)
    lines = [f"{'job':<28} {'status':<16} {'model':<28} {'created':<19} fine-tuned model"]
    for job in page.data:
        when, model = _when(job.created_at), job.fine_tuned_model or "-"
        lines.append(f"{job.id:<28} {job.status:<16} {job.model:<28} {when:<19} {model}")
    _console().print("\n".join(lines), markup=False)
    return 0


def job_id(text: str) -> str:
    """argparse type: a fine-tuning job id (`ftjob-abc123`). The SDK raises a bare ValueError
    for an empty id or a `.`/`..` path segment, before any request (issue 21, tests/fuzz)."""
    if not re.fullmatch(r"[\w.:-]+", text, flags=re.ASCII) or set(text) == {"."}:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a job id (e.g. ftjob-abc123)")
    return text


def _validation_options(p: argparse.ArgumentParser, model_required: bool = False) -> None:
    p.add_argument(
        "--model",
        required=model_required,
        default="gpt-4o-mini",
        help="base model: token limit and price (default gpt-4o-mini)",
    )
    p.add_argument("--profile", metavar="FILE", help="the profile the data was exported with")
    p.add_argument("--dataset", metavar="EVAL_DATASET", help="check for leakage into this dataset")
    p.add_argument(
        "--tables",
        metavar="DIR",
        help="table files to type-check plans against (default: the --dataset's tables/)",
    )
    p.add_argument(
        "--min-examples",
        type=int,
        default=None,
        help="fewest examples accepted (default: 10, the OpenAI minimum)",
    )


def register(sub: Any) -> None:
    """Add `finetune` and its subcommands to `pesql` (loaded by pesql.runtime.cli.main)."""
    top = sub.add_parser(
        "finetune",
        help="export, validate and run fine-tuning jobs",
        description="Fine-tuning: docs/finetuning.md walks through the cycle.",
    )
    cmds = top.add_subparsers(dest="finetune_command", required=True, metavar="COMMAND")

    p = cmds.add_parser("export", help="a dataset as chat fine-tuning JSONL")
    p.add_argument("dataset", metavar="DATASET")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--profile", metavar="FILE")
    p.add_argument("--val-fraction", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(handler=cmd_export)

    p = cmds.add_parser("validate", help="check a fine-tuning file (exit 1 on errors)")
    p.add_argument("file", metavar="FILE")
    _validation_options(p)
    p.add_argument("--json", action="store_true", help="the report as JSON")
    p.set_defaults(handler=cmd_validate)

    p = cmds.add_parser("start", help="validate, upload and start a job")
    p.add_argument("--train", required=True, metavar="FILE")
    p.add_argument("--val", metavar="FILE")
    _validation_options(p, model_required=True)
    p.add_argument("--suffix")
    p.add_argument("--epochs", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--wait", action="store_true", help="follow the job until it ends")
    p.add_argument("--poll-interval", type=non_negative_float, default=2.0, metavar="SECONDS")
    p.add_argument(
        "--timeout",
        type=positive_float,
        default=24 * 3600.0,
        metavar="SECONDS",
        help="stop waiting (the job keeps running) after this long",
    )
    p.add_argument("--base-url", metavar="URL")
    p.set_defaults(handler=cmd_start)

    for name, handler, text in (
        ("status", cmd_status, "a job's state"),
        ("events", cmd_events, "a job's events, oldest first"),
        ("cancel", cmd_cancel, "cancel a job"),
    ):
        p = cmds.add_parser(name, help=text)
        p.add_argument("job", metavar="JOB", type=job_id)
        p.add_argument("--base-url", metavar="URL")
        if name == "events":
            p.add_argument("--limit", type=positive_int, default=100)
        p.set_defaults(handler=handler)
    p = cmds.add_parser("list", help="recent jobs, newest first")
    p.add_argument("--limit", type=positive_int, default=20)
    p.add_argument("--base-url", metavar="URL")
    p.set_defaults(handler=cmd_list)
