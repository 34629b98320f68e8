"""Command lines for the subcommands that read folders: `pesql dataset`, `pesql finetune` and
`pesql eval`. Each input (`pesql.runtime.testing.strategies.hostile_files`) is written to a
fresh folder under the work folder, so no call sees what an earlier one left behind.

    >>> argv = dataset_argv({"examples": "{", "table": None, "command": ["validate"]})
    >>> argv[:2], Path(argv[2], "examples.jsonl").read_text()
    (['dataset', 'validate'], '{')
"""

from __future__ import annotations

import itertools
import shutil
from functools import cache
from pathlib import Path
from typing import Any

from pesql.runtime.testing.fuzz.api import penguins_path, workdir
from pesql.runtime.testing.fuzz.cli import write
from pesql.runtime.testing.fuzz.remote import fake_model

_COUNTER = itertools.count()


def _fresh(kind: str) -> Path:
    """A new empty folder; the previous call's folder of this kind is removed first."""
    parent = workdir() / kind
    shutil.rmtree(parent, ignore_errors=True)
    folder = parent / str(next(_COUNTER))
    folder.mkdir(parents=True)
    return folder


def _dataset(folder: Path, examples: str, table: str | None) -> Path:
    """A dataset folder: examples.jsonl, tables/penguins.csv (bundled or hostile), LICENSES."""
    tables = folder / "tables"
    if table is None:
        tables.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(penguins_path(), tables / "penguins.csv")
    else:
        write(tables / "penguins.csv", table)
    write(tables / "LICENSES.md", "penguins.csv: palmerpenguins, CC0\n")
    write(folder / "examples.jsonl", examples)
    return folder


def dataset_argv(value: dict[str, Any]) -> list[str]:
    """`pesql dataset validate|coverage|add PATH ...` on a hostile dataset."""
    folder = _dataset(_fresh("dataset"), value["examples"], value["table"])
    verb, *options = value["command"]
    return ["dataset", verb, str(folder), *options]


@cache
def _tables() -> Path:
    """The tables a fine-tuning file is type-checked against (--tables DIR)."""
    folder = workdir() / "ft-tables"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(penguins_path(), folder / "penguins.csv")
    return folder


def finetune_argv(value: dict[str, Any]) -> list[str]:
    """`pesql finetune validate FILE`, `export DATASET`, or a job command against the local
    fake server (`--base-url`), on hostile input."""
    verb, *options = value["command"]
    folder = _fresh("finetune")
    if verb == "validate":
        file = write(folder / "train.jsonl", value["jsonl"])
        return ["finetune", "validate", str(file), "--tables", str(_tables()), *options]
    if verb == "export":
        data = value["dataset"]
        dataset = _dataset(folder / "dataset", data["examples"], data["table"])
        return ["finetune", "export", str(dataset), "--out", str(folder / "out"), *options]
    return ["finetune", verb, *options, "--base-url", fake_model().base_url]


def eval_argv(value: dict[str, Any]) -> list[str]:
    """`pesql eval run` (hostile dataset, hostile model answers) or `eval compare|report`
    (two run folders with hostile files)."""
    verb, *options = value["command"]
    folder = _fresh("eval")
    if verb == "run":
        fake_model().answer_with(value["replies"])
        dataset = _dataset(folder / "dataset", value["dataset"], None)
        return ["eval", "run", str(dataset), "--base-url", fake_model().base_url, "--model",
                "m", "--concurrency", "1", "--out", str(folder / "run")]  # fmt: skip
    runs = []
    for i, files in enumerate(value["runs"]):
        run = folder / f"run{i}"
        for name, text in files.items():
            write(run / name, text)
        runs.append(str(run))
    if verb == "report":
        out = ["--out", str(folder / "r.html"), "--md", str(folder / "r.md")]
        return ["eval", "report", *runs, *out, *options]
    return ["eval", "compare", *runs, "--resamples", "200", *options]


__all__ = ["dataset_argv", "eval_argv", "finetune_argv"]
