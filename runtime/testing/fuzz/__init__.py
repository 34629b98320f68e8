"""The hostile-input harness: every entry point, each call under a time limit, outcomes judged.

The public API (`api`), every CLI subcommand run in process with its output captured (`cli`,
`files`), `pesql ask` and `pesql eval run` against a local scripted model and `pesql serve`
over HTTP in its own process (`remote`); `entries` lists them with their inputs
(`pesql.runtime.testing.strategies.hostile`, `.hostile_files`) and `judge` says what each
call did ("ok", "refused", "bug", "slow"). tests/fuzz drives them; docs/fuzzing.md has the
counts of the last full run.
"""

from __future__ import annotations

from pesql.runtime.testing.fuzz.api import penguins, penguins_path, workdir
from pesql.runtime.testing.fuzz.entries import ENTRY_POINTS, EntryPoint, call
from pesql.runtime.testing.fuzz.judge import LIMIT_S, SMALL_INPUT, Outcome, Refused, rss_mb

__all__ = [
    "ENTRY_POINTS",
    "LIMIT_S",
    "SMALL_INPUT",
    "EntryPoint",
    "Outcome",
    "Refused",
    "call",
    "penguins",
    "penguins_path",
    "rss_mb",
    "workdir",
]
