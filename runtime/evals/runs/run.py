"""Evaluation runs: ask a model every question of a dataset and record one JSON line per answer.

    >>> import json, tempfile
    >>> from pathlib import Path
    >>> from pesql.runtime.testing.fake_openai.server import FakeOpenAI, ToolCall
    >>> root = Path(tempfile.mkdtemp())  # a one-question dataset (docs/datasets.md)
    >>> (root / "tables").mkdir()
    >>> _ = (root / "tables" / "penguins.csv").write_text("species\\nAdelie\\nGentoo\\nGentoo\\n")
    >>> _ = (root / "tables" / "LICENSES.md").write_text("penguins.csv: made up\\n")
    >>> example = {"id": "p-1", "question": "How many penguins are there?",
    ...            "tables": ["penguins"], "plan": "FROM penguins AGGREGATE n = COUNT()",
    ...            "expected": {"columns": ["n"], "rows": [[3]]}, "compare": {"order": "ordered"}}
    >>> _ = (root / "examples.jsonl").write_text(json.dumps(example) + "\\n")
    >>> count = {"op": "AGGREGATE", "aggregates": [{"name": "n", "expr": {"op": "COUNT"}}]}
    >>> with FakeOpenAI() as server:  # a local OpenAI-compatible server: docs/testing.md
    ...     server.script(ToolCall({"steps": [count]}))  # the model's one answer: the right plan
    ...     client = server.async_client()
    ...     summary = evaluate(root, root / "run", client=client, model="gpt-4o-mini")
    ...     again = evaluate(root, root / "run", client=client, model="gpt-4o-mini")
    >>> summary.new, summary.skipped, summary.metrics.accuracy, summary.metrics.plan_match_rate
    (1, 0, 1.0, 1.0)
    >>> again.new, again.skipped  # the rerun found p-1 recorded and asked nothing
    (0, 1)
    >>> sorted(path.name for path in (root / "run").iterdir())
    ['results.jsonl', 'run.json', 'summary.json']

A run directory holds `run.json` (the settings: dataset, profile and their hashes, model),
`results.jsonl` (one `ExampleResult` per line, appended and fsynced as each answer finishes, so
a crash loses at most the questions in flight) and `summary.json` (written at the end).
Rerunning into the same directory skips every example already recorded; a run directory whose
settings differ (another profile, model or dataset version) is refused, since a run mixing two
experiments would measure neither. See docs/evaluation.md.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.runtime.evals.datasets.load import Dataset, Example, load_dataset
from pesql.runtime.evals.runs.metrics import Metrics, summarize, summary_json
from pesql.runtime.evals.runs.records import (
    ExampleResult,
    Run,
    RunSettings,
    load_run,
    read_results,
    settings_for,
)
from pesql.runtime.evals.runs.worker import GoldPlans, answer_example
from pesql.runtime.llm.ask import DEFAULT_MODEL
from pesql.runtime.llm.client import make_client
from pesql.runtime.llm.profile import DEFAULT_PROFILE, Profile

__all__ = [
    "ExampleResult",
    "RateLimiter",
    "Run",
    "RunSummary",
    "evaluate",
    "evaluate_async",
    "load_run",
]

RESULTS, SETTINGS, SUMMARY = "results.jsonl", "run.json", "summary.json"


@dataclass(frozen=True)
class RunSummary:
    """What one call of `evaluate` did, and the metrics over the whole run directory."""

    run_dir: Path
    settings: RunSettings
    examples: int  # selected examples (after --limit)
    new: int  # answered in this call
    skipped: int  # already in results.jsonl
    metrics: Metrics


class RateLimiter:
    """Spaces question starts `1 / per_second` apart: a smooth rate with no bursts, so a server's
    per-second limit is never hit just because the first N workers start together."""

    def __init__(self, per_second: float | None) -> None:
        self.interval = 1.0 / per_second if per_second else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        if not self.interval:
            return
        loop = asyncio.get_running_loop()
        async with self._lock:
            now = loop.time()
            start = max(now, self._next)
            self._next = start + self.interval
        await asyncio.sleep(start - now)


def evaluate(dataset: Dataset | str | Path, out: str | Path, **options: Any) -> RunSummary:
    """`evaluate_async` for code without an event loop (same keyword options)."""
    return asyncio.run(evaluate_async(dataset, out, **options))


async def evaluate_async(
    dataset: Dataset | str | Path,
    out: str | Path,
    *,
    client: openai.AsyncOpenAI | None = None,
    model: str | None = None,
    profile: Profile | str | Path | None = None,
    base_url: str | None = None,
    concurrency: int = 4,
    rate_limit: float | None = None,
    limit: int | None = None,
    on_start: Callable[[int, int], None] | None = None,
    on_result: Callable[[ExampleResult], None] | None = None,
) -> RunSummary:
    """Answer every example not yet in `out/results.jsonl`.

    `on_start(selected, already_done)` is called once before any question is asked and
    `on_result(record)` after each new line is written (a progress bar hooks in there)."""
    if concurrency < 1 or (rate_limit is not None and rate_limit <= 0):
        found = f"concurrency={concurrency}, rate_limit={rate_limit}"
        expected = "concurrency >= 1 and a positive rate"
        raise PesqlError([Diagnostic.make("E155", found=found, prop="evaluate", expected=expected)])
    data = dataset if isinstance(dataset, Dataset) else load_dataset(dataset)
    if not isinstance(profile, Profile):
        profile = DEFAULT_PROFILE if profile is None else Profile.load(profile)
    chosen = model or profile.model or os.environ.get("PESQL_MODEL") or DEFAULT_MODEL
    settings = settings_for(data, profile, chosen)
    run_dir = Path(out)
    done = _open_run(run_dir, settings)
    examples = data.examples[:limit] if limit is not None else data.examples
    todo = [e for e in examples if e.id not in done]
    if on_start is not None:
        on_start(len(examples), len(examples) - len(todo))
    owned = client is None
    if client is None:
        made = make_client(base_url, None, timeout_s=profile.timeout_s, asynchronous=True)
        assert isinstance(made, openai.AsyncOpenAI)
        client = made
    try:
        await _run_all(data, todo, client, profile, settings, run_dir, concurrency, rate_limit,
                       on_result)  # fmt: skip
    finally:
        if owned:
            await client.close()
    records = read_results(run_dir / RESULTS)
    metrics = summarize(list(records.values()), chosen)
    summary = RunSummary(run_dir, settings, len(examples), len(todo), len(examples) - len(todo),
                         metrics)  # fmt: skip
    _write_atomic(run_dir / SUMMARY, summary_json(settings, list(records.values())))
    return summary


async def _run_all(
    data: Dataset,
    todo: list[Example],
    client: openai.AsyncOpenAI,
    profile: Profile,
    settings: RunSettings,
    run_dir: Path,
    concurrency: int,
    rate_limit: float | None,
    on_result: Callable[[ExampleResult], None] | None,
) -> None:
    queue: asyncio.Queue[Example] = asyncio.Queue()
    for example in todo:
        queue.put_nowait(example)
    limiter, gold = RateLimiter(rate_limit), GoldPlans(data)
    # Load every table once, off the event loop, before the clock of any question starts.
    await asyncio.to_thread(lambda: data.catalog)
    with open(run_dir / RESULTS, "a", encoding="utf-8") as sink:

        async def worker() -> None:
            while True:
                try:
                    example = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await limiter.wait()
                record = await answer_example(data, example, client, profile, settings, gold)
                # One writer (the event loop's thread), one whole line per write, fsynced:
                # a crash leaves complete lines plus at most one torn last line.
                sink.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
                sink.flush()
                os.fsync(sink.fileno())
                if on_result is not None:
                    on_result(record)

        # TaskGroup cancels the other workers when one fails (or on Ctrl-C): their questions
        # are simply not recorded and are asked again on the next run.
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(min(concurrency, len(todo))):
                    group.create_task(worker())
        except BaseExceptionGroup as failed:
            # Workers only fail together when one fails first; its exception is the story.
            raise failed.exceptions[0] from None


def _open_run(run_dir: Path, settings: RunSettings) -> set[str]:
    """Create or reopen a run directory; the ids already answered."""
    run_dir.mkdir(parents=True, exist_ok=True)
    settings_file = run_dir / SETTINGS
    if settings_file.exists():
        try:
            old = RunSettings.from_json(json.loads(settings_file.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise _bad_run(run_dir, f"{SETTINGS} is unreadable: {exc}") from None
        differs = old.differences(settings)
        if differs:
            raise _bad_run(run_dir, "it holds another experiment: " + "; ".join(differs))
    else:
        _write_atomic(settings_file, settings.to_json())
    results = run_dir / RESULTS
    _drop_torn_line(results)
    return set(read_results(results))


def _drop_torn_line(path: Path) -> None:
    # A crash in the middle of a write leaves a last line without its newline; appending after
    # it would glue the next record onto it, so it is cut off (that example is asked again).
    if not path.exists():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with open(path, "r+b") as handle:
            handle.truncate(data.rfind(b"\n") + 1)


def _write_atomic(path: Path, value: Any) -> None:
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(temp, path)


def _bad_run(run_dir: Path, why: str) -> PesqlError:
    hint = "use another --out directory for another profile, model or dataset version"
    diag = Diagnostic.make("E155", found=why, prop=f"run directory {run_dir}", hints=(hint,))
    return PesqlError([diag])
