"""Every entry point the hostile-input harness drives, with the inputs it gets.

`ENTRY_POINTS` maps a name to an `EntryPoint`: how one input runs (`run`), the hypothesis
strategy of its inputs (`inputs`), the clock its time is judged by (`cpu`), and for a CLI
subcommand its command line (`argv_of`), so that a sample runs through the real
`python -m pesql` too. `call(name, value)` runs one input and judges it.

    >>> call("parse", "LIMIT 1").kind, call("parse", "LIMIT").kind
    ('ok', 'refused')
    >>> call("cli check", "FILTER nope > 1").kind
    'refused'
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from pesql.runtime.testing.fuzz import files, remote
from pesql.runtime.testing.fuzz.api import API
from pesql.runtime.testing.fuzz.cli import (
    PLAN_COMMANDS,
    PROFILE_COMMANDS,
    ArgvOf,
    in_process,
    model_parse,
    schema_argv,
)
from pesql.runtime.testing.fuzz.judge import Outcome, judge
from pesql.runtime.testing.strategies import hostile_files as hf
from pesql.runtime.testing.strategies.hostile import (
    hostile_text,
    json_values,
    mutated_profiles,
    profile_texts,
)


@dataclass(frozen=True)
class EntryPoint:
    run: Callable[[Any], Any]
    inputs: Callable[[], st.SearchStrategy[Any]]
    # A valid input, run before the measured ones: imports, caches and servers start there.
    sample: Callable[[], Any] = lambda: "LIMIT 1"
    argv_of: ArgvOf | None = None  # a CLI subcommand: its command line for a given input
    cpu: Callable[[], float] = time.process_time


def _cli(
    argv_of: ArgvOf,
    inputs: Callable[[], st.SearchStrategy[Any]],
    sample: Callable[[], Any] = lambda: "LIMIT 1",
) -> EntryPoint:
    return EntryPoint(in_process(argv_of), inputs, sample, argv_of)


_COUNT = '{"steps":[{"op":"AGGREGATE","aggregates":[{"name":"n","expr":{"op":"COUNT"}}]}]}'
_REPLIES = [{"tool_call": _COUNT}]


def _examples(count: int = 1) -> str:
    return "\n".join(hf.example_lines()[:count])


def _server_cpu() -> float:
    return remote.served().cpu_s() + time.process_time()


ENTRY_POINTS: dict[str, EntryPoint] = {
    **{name: EntryPoint(fn, hostile_text) for name, fn in API.items()},
    **{f"cli {name}": _cli(argv_of, hostile_text) for name, argv_of in PLAN_COMMANDS.items()},
    **{
        f"cli {n}": _cli(argv_of, mutated_profiles, lambda: profile_texts()[0])
        for n, argv_of in PROFILE_COMMANDS.items()
    },
    "cli schema": _cli(schema_argv, hf.hostile_tables, lambda: {
        "suffix": "csv", "text": hf.penguins_head(), "options": [], "name": "t"}),
    "cli dataset": _cli(files.dataset_argv, hf.hostile_datasets, lambda: {
        "examples": _examples(), "table": None, "command": ["validate"]}),
    "cli finetune": _cli(files.finetune_argv, hf.hostile_finetune, lambda: {
        "jsonl": "\n".join(hf.finetune_lines()), "command": ["validate"]}),
    "cli eval": _cli(files.eval_argv, hf.hostile_evals, lambda: {
        "dataset": _examples(), "replies": _REPLIES, "command": ["run"]}),
    "cli ask": _cli(remote.ask_argv, hf.hostile_asks, lambda: {
        "question": "How many?", "replies": _REPLIES, "options": []}),
    # Parsed only, never run as a subprocess: `model install` would download a model.
    "cli model": EntryPoint(model_parse, hf.hostile_model_argv, lambda: ["list"]),
    "cli serve": EntryPoint(remote.request, hf.hostile_requests, lambda: {
        "method": "POST", "path": "/v1/ask", "body": '{"question": "How many?"}',
        "content_type": "application/json", "replies": _REPLIES}, cpu=_server_cpu),
}  # fmt: skip
# from_json takes parsed JSON values (what a caller passes), not text.
ENTRY_POINTS["from_json"] = EntryPoint(API["from_json"], json_values, lambda: {"steps": []})


def call(entry: str, value: Any) -> Outcome:
    """Run one input through one entry point and judge what happened."""
    point = ENTRY_POINTS[entry]
    return judge(point.run, value, point.cpu)


__all__ = ["ENTRY_POINTS", "EntryPoint", "call"]
