"""Validate a chat fine-tuning file (ours or hand-made) before spending money on it.

    >>> import tempfile
    >>> import polars as pl
    >>> import pesql
    >>> from pesql.compiler.backends.polars.dtypes import schema_from_polars
    >>> from pesql.grammar.jsonform import dumps, to_json
    >>> def chat(question, plan):  # one training line: a question answered by a p-SQL call
    ...     arguments = dumps(to_json(pesql.parse(plan)))  # canonical JSON
    ...     call = {"id": "call_0", "type": "function",
    ...             "function": {"name": "query_table", "arguments": arguments}}
    ...     return json.dumps({"messages": [{"role": "user", "content": question},
    ...                                     {"role": "assistant", "tool_calls": [call]}]})
    >>> shop = {"shop": schema_from_polars(pl.Schema({"item": pl.String, "price": pl.Float64}))}
    >>> train = Path(tempfile.mkdtemp()) / "train.jsonl"
    >>> _ = train.write_text(chat("Which item costs most?", "FROM shop SORT price DESC LIMIT 1")
    ...                      + "\\n" + chat("Which item costs most?", "FROM shop SORT cost DESC")
    ...                      + "\\n")
    >>> report = validate_training_file(train, tables=shop, min_examples=2)  # OpenAI wants 10
    >>> report.ok, report.examples, report.total_tokens > 0, report.cost_per_epoch is not None
    (False, 2, True, True)
    >>> for finding in report.findings:
    ...     print(finding)
    /.../train.jsonl:2:1: error[E708] /messages/1/tool_calls/0/function/arguments: message 1: the
    plan fails on table `shop`: E201 /steps/0/keys/0 unknown column `cost`
      hint: the columns here are `item`, `price`
    /.../train.jsonl:2:1: error[E710] /messages: the question repeats line 1
      hint: the answers differ: the model is taught two answers to one question

Per line (`finetune_lines.check_line`): keys, roles, tool calls, and every trained plan (JSON,
schema, lowering, canonical order, column enum, and a type check against its table when the
tables are known). Over the file: duplicate questions (E710), questions of the evaluation
dataset (E711: leakage makes an evaluation measure memory), the example count (E712), tokens
per example against the model's limit (E713), and an estimated cost per epoch
(`finetune_limits`). Every finding points at `file:line`, the JSONL line, and a JSON pointer.

Which table an example is about: the plan's `table` property, or when it is null, the table
whose column names are exactly the tool's column enum. Tables come from `tables` (a folder of
table files, like a dataset's `tables/`), else from the evaluation dataset's `tables/`; without
either the type check is skipped and the strict schema's column enum is all that is checked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pesql.compiler.check.schema import Schema
from pesql.grammar.diagnostics import Diagnostic, Span
from pesql.runtime.evals.datasets.load import Dataset, Finding, load_dataset
from pesql.runtime.evals.datasets.validate import normalize_question
from pesql.runtime.finetune.limits import (
    MIN_EXAMPLES,
    PRICES_AS_OF,
    RECOMMENDED_EXAMPLES,
    ModelLimits,
    limits_for,
)
from pesql.runtime.finetune.lines import CheckedLine, check_line
from pesql.runtime.llm.profile import DEFAULT_PROFILE, Profile
from pesql.runtime.llm.tokens import count_tokens, encoding_for_model
from pesql.runtime.tables.table import load_table

__all__ = ["TrainingReport", "load_schemas", "validate_training_file"]

DEFAULT_MODEL = "gpt-4o-mini"


@dataclass
class TrainingReport:
    """Findings and token statistics of one training or validation file."""

    path: Path
    model: str
    findings: list[Finding] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)  # per example, in file order

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def examples(self) -> int:
        return len(self.tokens)

    @property
    def total_tokens(self) -> int:
        return sum(self.tokens)

    @property
    def limits(self) -> ModelLimits | None:
        return limits_for(self.model)

    @property
    def cost_per_epoch(self) -> float | None:
        """Estimated US dollars per epoch (prices of PRICES_AS_OF); None for unknown models."""
        limits = self.limits
        return None if limits is None else limits.cost(self.total_tokens)

    def summary(self) -> str:
        errors = len(self.errors)
        tokens = self.tokens or [0]
        text = (
            f"{self.path}: {self.examples} examples, {errors} errors, "
            f"{len(self.findings) - errors} warnings; tokens: {self.total_tokens} total, "
            f"{max(tokens)} max, {self.total_tokens // len(tokens)} mean"
        )
        cost = self.cost_per_epoch
        if cost is None:
            return text + f"; no price known for {self.model}"
        return (
            text + f"; estimated ${cost:.2f} per epoch on {self.model} (prices of {PRICES_AS_OF})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "model": self.model,
            "ok": self.ok,
            "examples": self.examples,
            "total_tokens": self.total_tokens,
            "max_tokens": max(self.tokens, default=0),
            "cost_per_epoch_usd": self.cost_per_epoch,
            "prices_as_of": PRICES_AS_OF,
            "findings": [f.to_dict() for f in self.findings],
        }


def load_schemas(folder: str | Path) -> dict[str, Schema]:
    """Table name (file stem) -> schema of every table file in a folder."""
    out = {}
    for file in sorted(Path(folder).iterdir()):
        if file.is_file() and not file.name.startswith(".") and file.suffix.lower() != ".md":
            table = load_table(file, name=file.stem)
            out[table.name] = table.schema()
    return out


def validate_training_file(
    path: str | Path,
    *,
    profile: Profile = DEFAULT_PROFILE,
    model: str = DEFAULT_MODEL,
    eval_dataset: str | Path | Dataset | None = None,
    tables: str | Path | Mapping[str, Schema] | None = None,
    min_examples: int = MIN_EXAMPLES,
) -> TrainingReport:
    """Every problem of a chat fine-tuning JSONL file; `report.ok` when it has no errors."""
    path = Path(path)
    report = TrainingReport(path, model)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problem = f"{exc.__class__.__name__}: {exc}"
        report.findings.append(
            Finding(path, Diagnostic.make("E715", name=str(path), problem=problem))
        )
        return report
    evaluation = None
    if eval_dataset is not None:
        evaluation = (
            eval_dataset if isinstance(eval_dataset, Dataset) else load_dataset(eval_dataset)
        )
    if tables is None and evaluation is not None:
        tables = evaluation.root / "tables"
    schemas = load_schemas(tables) if isinstance(tables, str | Path) else tables
    encoding = encoding_for_model(model)
    seen: dict[tuple[str, str], CheckedLine] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        line = check_line(raw, number, profile, schemas)
        span = Span(number, 1, number, len(raw) + 1)
        problems = list(line.problems)
        if line.question is not None:
            problems += _repeats(line, seen) + _leaks(line, evaluation)
        if not any(d.code == "E701" for d, _ in line.problems):
            tokens = _tokens(raw, encoding)
            report.tokens.append(tokens)
            limits = limits_for(model)
            if limits is not None and tokens > limits.example_tokens:
                diag = Diagnostic.make(
                    "E713", found=str(tokens), expected=str(limits.example_tokens), model=model
                )
                problems.append((diag, ""))
        for diag, pointer in problems:
            report.findings.append(Finding(path, _at(diag, span), pointer or None))
    _count(report, min_examples)
    return report


def _at(diag: Diagnostic, span: Span) -> Diagnostic:
    return Diagnostic(
        diag.code, diag.message, span, diag.expected, diag.found, diag.hints, diag.severity
    )


def _tokens(raw: str, encoding: Any) -> int:
    # What the service trains on: every message and the tool definitions (offline estimate).
    value = json.loads(raw)
    return count_tokens(value.get("messages", []), encoding) + count_tokens(
        value.get("tools") or [], encoding
    )


def _repeats(
    line: CheckedLine, seen: dict[tuple[str, str], CheckedLine]
) -> list[tuple[Diagnostic, str]]:
    assert line.question is not None
    key = (normalize_question(line.question), line.context)
    first = seen.setdefault(key, line)
    if first is line:
        return []
    hint = (
        "the same answer twice weighs the example double"
        if first.arguments == line.arguments
        else "the answers differ: the model is taught two answers to one question"
    )
    return [(Diagnostic.make("E710", first=first.number, hints=(hint,)), "/messages")]


def _leaks(line: CheckedLine, evaluation: Dataset | None) -> list[tuple[Diagnostic, str]]:
    if evaluation is None or line.question is None:
        return []
    question = normalize_question(line.question)
    for example in evaluation.examples:
        if normalize_question(example.question) != question:
            continue
        # The same words over another table ("how many rows?") are a different question.
        same_table = line.table is None or line.table in example.tables
        hint = "drop it from training, or from the evaluation dataset"
        diag = Diagnostic.make(
            "E711", name=example.id, severity="error" if same_table else "warning", hints=(hint,)
        )
        return [(diag, "/messages")]
    return []


def _count(report: TrainingReport, minimum: int) -> None:
    found = report.examples
    if found < minimum:
        hint = "OpenAI refuses a training file with fewer than 10 examples"
        diag = Diagnostic.make("E712", found=str(found), expected=str(minimum), hints=(hint,))
    elif minimum >= MIN_EXAMPLES and found < RECOMMENDED_EXAMPLES:
        hint = "OpenAI reports clear improvements from 50 to 100 examples"
        diag = Diagnostic.make(
            "E712",
            found=str(found),
            expected=str(RECOMMENDED_EXAMPLES),
            severity="warning",
            hints=(hint,),
        )
    else:
        return
    report.findings.append(Finding(report.path, diag))
