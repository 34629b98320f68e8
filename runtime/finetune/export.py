"""Dataset -> chat fine-tuning JSONL: what the ask loop sends, answered by the gold call.

    >>> import json, tempfile
    >>> from pathlib import Path
    >>> root = Path(tempfile.mkdtemp())  # a two-question dataset (docs/datasets.md)
    >>> (root / "tables").mkdir()
    >>> _ = (root / "tables" / "penguins.csv").write_text(
    ...     "species,body_mass_g\\nAdelie,3750\\nGentoo,5200\\nGentoo,4900\\n")
    >>> _ = (root / "tables" / "LICENSES.md").write_text("penguins.csv: made up\\n")
    >>> count = {"id": "p-1", "question": "How many penguins are there?", "tables": ["penguins"],
    ...          "plan": "FROM penguins AGGREGATE n = COUNT()",
    ...          "expected": {"columns": ["n"], "rows": [[3]]}, "compare": {"order": "ordered"}}
    >>> heaviest = dict(count, id="p-2", question="Which penguin is heaviest?",
    ...                 plan="FROM penguins SORT body_mass_g DESC LIMIT 1",
    ...                 expected={"columns": ["species", "body_mass_g"],
    ...                           "rows": [["Gentoo", 5200]]})
    >>> lines = [json.dumps(count), json.dumps(heaviest)]
    >>> _ = (root / "examples.jsonl").write_text("\\n".join(lines) + "\\n")
    >>> summary = export_dataset(root, root / "ft", val_fraction=0.5, seed=7)
    >>> summary.train_ids, summary.validation_ids, summary.strata
    (('p-1',), ('p-2',), {'AGGREGATE': 1, 'LIMIT+SORT': 1})
    >>> [path.name for path in (summary.train, summary.validation)]
    ['train.jsonl', 'validation.jsonl']
    >>> record = read_records(summary.train)[0]
    >>> list(record), [message["role"] for message in record["messages"]]
    (['messages', 'tools', 'parallel_tool_calls'], ['system', 'user', 'assistant'])
    >>> record["messages"][2]["tool_calls"][0]["function"]["arguments"]
    '{"table":"penguins","steps":[{"op":"AGGREGATE","aggregates":[{"name":"n","expr":{"op":"COUNT",...}}]}]}'

Each line is one conversation, `{"messages": [system, user, assistant], "tools": [tool],
"parallel_tool_calls": false}`. The system prompt, the table overview and the tool definition
come from `pesql.runtime.llm.prompt`, the functions the ask loop calls for the same profile, over
the same catalog (only the example's tables, `example_catalog`): a model trained on this file
sees at inference exactly the text it was trained on (tests/runtime/test_finetune_export.py
proves it against the request the ask loop sends). The assistant's `arguments` are the plan in
the profile's wire form (`training_arguments`): canonical, properties in declaration order,
since a model that sees properties in varying order learns to close objects early; under
strict mode every property (`dumps(to_json(plan, profile.naming))` in the tree form).

The train/validation split is stratified by the set of step operations a plan uses, so that a
rare shape (a WINDOW, a JOIN-like pattern) is not all in one split by chance; it depends only
on the examples and the seed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pesql.grammar.ast import Plan
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.jsonform import dumps
from pesql.grammar.registry import spec_of
from pesql.runtime.evals.datasets.load import Dataset, Example, load_dataset
from pesql.runtime.llm.profile import DEFAULT_PROFILE, Profile
from pesql.runtime.llm.prompt import build_messages, table_overview, tool_definition
from pesql.runtime.tables.catalog import Catalog

__all__ = [
    "ExportSummary",
    "example_catalog",
    "export_dataset",
    "stratified_split",
    "stratum",
    "training_record",
]

TRAIN_FILE = "train.jsonl"
VALIDATION_FILE = "validation.jsonl"
CALL_ID = "call_0"  # the id is not learned from; a constant keeps exports byte-stable


@dataclass(frozen=True)
class ExportSummary:
    train: Path
    validation: Path | None
    train_ids: tuple[str, ...]
    validation_ids: tuple[str, ...]
    skipped: tuple[str, ...] = ()  # answer-only examples: no gold plan to learn from
    strata: dict[str, int] = field(default_factory=dict)


def example_catalog(dataset: Dataset, example: Example) -> Catalog:
    """The tables a question is asked over: only the example's own, as evaluation runs it."""
    return dataset.tables(example.tables)


class _Prompts:
    """System prompt parts and tool per table set, computed once (the overview runs polars)."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self._cache: dict[tuple[str, ...], tuple[str, dict[str, Any], tuple[str, ...]]] = {}

    def parts(self, catalog: Catalog) -> tuple[str, dict[str, Any], tuple[str, ...]]:
        """The overview, the tool and the table names (what the prompt lists depends on them)."""
        key = tuple(t.name for t in catalog)
        if key not in self._cache:
            schemas = catalog.schemas()
            profile = self.profile
            overview = table_overview(catalog, profile.overview_tokens, profile.overview_samples)
            self._cache[key] = (overview, tool_definition(schemas, profile), tuple(schemas))
        return self._cache[key]


def training_record(
    question: str, catalog: Catalog, plan: Plan, profile: Profile = DEFAULT_PROFILE
) -> dict[str, Any]:
    """One fine-tuning line: the ask loop's first request, answered by the gold plan."""
    return _record(question, plan, profile, *_Prompts(profile).parts(catalog))


def _record(
    question: str,
    plan: Plan,
    profile: Profile,
    overview: str,
    tool: dict[str, Any],
    tables: tuple[str, ...],
) -> dict[str, Any]:
    call = {
        "id": CALL_ID,
        "type": "function",
        "function": {
            "name": profile.function_name,
            "arguments": dumps(training_arguments(plan, profile)),
        },
    }
    messages = [*build_messages(question, profile, overview, tables=tables)]
    messages.append({"role": "assistant", "tool_calls": [call]})
    return {"messages": messages, "tools": [tool], "parallel_tool_calls": False}


def training_arguments(plan: Plan, profile: Profile) -> dict[str, Any]:
    """The gold call's arguments: canonical in the profile's form; every property under
    strict mode (strict decoding emits them all, so training must show them), the short
    canonical JSON without it (fewer tokens to learn and to write). docs/finetuning.md."""
    return profile.canonical(plan)


def stratum(plan: Plan) -> str:
    """The split key: the sorted set of step operations, e.g. `FILTER+GROUP_BY+SORT`."""
    return "+".join(sorted({spec_of(step).name for step in plan.steps})) or "(none)"


def stratified_split(
    items: Sequence[tuple[str, str]], fraction: float, seed: int
) -> tuple[list[str], list[str]]:
    """(train ids, validation ids) from (id, stratum) pairs; about `fraction` go to validation.

    Each stratum gives floor(n * fraction) examples; the remaining quota goes to the strata
    with the largest remainders (ties in seeded random order), so the total is
    round(N * fraction) even when most strata have one or two examples.
    """
    rng = random.Random(seed)
    groups: dict[str, list[str]] = {}
    for ident, key in sorted(items):
        groups.setdefault(key, []).append(ident)
    keys = sorted(groups)
    for key in keys:
        rng.shuffle(groups[key])
    target = round(len(items) * fraction)
    quota = {k: int(len(groups[k]) * fraction) for k in keys}
    tiebreak = {k: rng.random() for k in keys}
    by_remainder = sorted(keys, key=lambda k: (-(len(groups[k]) * fraction % 1), tiebreak[k]))
    for key in by_remainder[: max(0, target - sum(quota.values()))]:
        quota[key] += 1
    validation = {i for k in keys for i in groups[k][: quota[k]]}
    train = [i for i, _ in items if i not in validation]
    return train, [i for i, _ in items if i in validation]


def export_dataset(
    dataset: str | Path | Dataset,
    out: str | Path,
    profile: Profile = DEFAULT_PROFILE,
    *,
    val_fraction: float = 0.1,
    seed: int = 0,
) -> ExportSummary:
    """Write `train.jsonl` (and `validation.jsonl` when the fraction is > 0) under `out`."""
    if not 0 <= val_fraction < 1:
        raise PesqlError(
            [
                Diagnostic.make(
                    "E155",
                    None,
                    found=repr(val_fraction),
                    prop="--val-fraction",
                    hints=("a fraction in [0, 1), e.g. 0.1",),
                )
            ]
        )
    data = dataset if isinstance(dataset, Dataset) else load_dataset(dataset)
    usable = [e for e in data.examples if e.plan is not None]
    skipped = tuple(e.id for e in data.examples if e.plan is None)
    keys = {e.id: stratum(e.plan) for e in usable if e.plan is not None}
    train_ids, val_ids = stratified_split(list(keys.items()), val_fraction, seed)
    prompts = _Prompts(profile)
    lines: dict[str, str] = {}
    for example in usable:
        assert example.plan is not None
        parts = prompts.parts(example_catalog(data, example))
        record = _record(example.question, example.plan, profile, *parts)
        lines[example.id] = dumps(record)
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    train = _write(root / TRAIN_FILE, (lines[i] for i in train_ids))
    validation = _write(root / VALIDATION_FILE, (lines[i] for i in val_ids)) if val_ids else None
    strata: dict[str, int] = {}
    for key in keys.values():
        strata[key] = strata.get(key, 0) + 1
    return ExportSummary(train, validation, tuple(train_ids), tuple(val_ids), skipped, strata)


def _write(path: Path, lines: Iterable[str]) -> Path:
    # Through a temporary file and a rename: an interrupted export never leaves half a file.
    temporary = path.with_suffix(path.suffix + ".tmp")
    with temporary.open("w", encoding="utf-8", newline="\n") as handle:
        for line in lines:
            handle.write(line + "\n")
    temporary.replace(path)
    return path


def read_records(path: str | Path) -> list[dict[str, Any]]:
    """The JSON objects of a fine-tuning file (for tests and tools; `validate` reports errors)."""
    text = Path(path).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]
