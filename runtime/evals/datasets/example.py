"""One dataset example as a record: its properties, the line schema, and findings about it.

`lines` reads a JSONL line into an `Example`; `load` reads a whole dataset folder. Both
import this module, never each other's internals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pesql.grammar.ast import Plan
from pesql.grammar.diagnostics import Diagnostic, PesqlError, Span
from pesql.runtime.evals.answers import Answer, Compare

__all__ = [
    "EXAMPLES_FILE",
    "ID_PATTERN",
    "LICENSES_FILE",
    "PROPERTIES",
    "REQUIRED",
    "DatasetError",
    "Example",
    "ExpectedSource",
    "Finding",
    "encode_cell",
]

ExpectedSource = Literal["duckdb", "pesql", "manual"]
EXAMPLES_FILE = "examples.jsonl"
LICENSES_FILE = "LICENSES.md"
# Canonical property order of an example line (what `dataset add` and the importers write).
PROPERTIES = (
    "id",
    "question",
    "tables",
    "plan",
    "expected",
    "expected_source",
    "reference_sql",
    "answers",
    "answers_canon",
    "compare",
    "tags",
    "meta",
)
REQUIRED = ("id", "question", "tables", "plan", "compare")
ID_PATTERN = re.compile(r"[A-Za-z0-9_.:-]+")
NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NOT_TABLES = {LICENSES_FILE.lower(), "readme.md"}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in a dataset: the file, the diagnostic (Span = line), a pointer in the line."""

    file: Path
    diagnostic: Diagnostic
    pointer: str | None = None

    @property
    def line(self) -> int | None:
        origin = self.diagnostic.origin
        return origin.line if isinstance(origin, Span) else None

    @property
    def severity(self) -> str:
        return self.diagnostic.severity

    def __str__(self) -> str:
        d, origin = self.diagnostic, self.diagnostic.origin
        where = f":{origin.line}:{origin.column}" if isinstance(origin, Span) else ""
        at = f" {self.pointer}" if self.pointer else ""
        text = f"{self.file}{where}: {d.severity}[{d.code}]{at}: {d.message}"
        return "\n".join([text, *(f"  hint: {h}" for h in d.hints)])

    def to_dict(self) -> dict[str, Any]:
        out = {"file": str(self.file), "line": self.line, "pointer": self.pointer}
        return out | self.diagnostic.to_dict()


class DatasetError(PesqlError):
    """Problems in a dataset; `str()` lists them as `file:line:col: error[CODE] /ptr: message`."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__([f.diagnostic for f in findings])
        self.findings = tuple(findings)
        self.args = ("\n".join(str(f) for f in findings),)

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Example:
    """One question with its gold plan and expected result (or gold answer strings)."""

    id: str
    question: str
    tables: tuple[str, ...]
    plan: Plan | None
    raw_plan: Any  # the plan as written: a JSON object, p-SQL text, or None
    expected: Answer | None
    compare: Compare
    line: int = 0
    expected_file: str | None = None
    expected_source: ExpectedSource = "manual"
    reference_sql: str | None = None
    answers: tuple[str, ...] | None = None
    answers_canon: tuple[str, ...] | None = None
    tags: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The canonical line object (properties in PROPERTIES order; defaults written out)."""
        expected: Any = None
        if self.expected_file is not None:
            expected = {"file": self.expected_file}
        elif self.expected is not None:
            expected = {
                "columns": list(self.expected.columns),
                "rows": [[encode_cell(c) for c in r] for r in self.expected.rows],
            }
        out: dict[str, Any] = {
            "id": self.id,
            "question": self.question,
            "tables": list(self.tables),
            "plan": self.raw_plan,
            "expected": expected,
            "expected_source": self.expected_source,
            "reference_sql": self.reference_sql,
        }
        if self.answers is not None:
            out |= {
                "answers": list(self.answers),
                "answers_canon": None if self.answers_canon is None else list(self.answers_canon),
            }
            del out["expected_source"], out["expected"]
        return out | {"compare": self.compare.to_json(), "tags": list(self.tags), "meta": self.meta}


def encode_cell(value: Any) -> Any:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return {"float": "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")}
    return value
