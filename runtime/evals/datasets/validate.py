"""Validating a dataset: gold plans run and match, JSON is canonical, questions are distinct.

    >>> import json, tempfile
    >>> from pathlib import Path
    >>> root = Path(tempfile.mkdtemp())  # a dataset folder: tables/ and examples.jsonl
    >>> (root / "tables").mkdir()
    >>> _ = (root / "tables" / "penguins.csv").write_text(
    ...     "species,body_mass_g\\nAdelie,3750\\nGentoo,5200\\nGentoo,4900\\n")
    >>> _ = (root / "tables" / "LICENSES.md").write_text("penguins.csv: made up\\n")
    >>> count = {"id": "p-1", "question": "How many penguins are there?", "tables": ["penguins"],
    ...          "plan": "FROM penguins AGGREGATE n = COUNT()",
    ...          "expected": {"columns": ["n"], "rows": [[3]]},
    ...          "reference_sql": "SELECT count(*) AS n FROM penguins",
    ...          "compare": {"order": "ordered"}}
    >>> gentoo = dict(count, id="p-2", question="How many Gentoo penguins are there?",
    ...               plan="FROM penguins FILTER species = 'Gentoo' AGGREGATE n = COUNT()",
    ...               reference_sql="SELECT count(*) AS n FROM penguins WHERE species = 'Gentoo'")
    >>> lines = [json.dumps(count), json.dumps(gentoo)]  # p-2 keeps p-1's wrong expected [[3]]
    >>> _ = (root / "examples.jsonl").write_text("\\n".join(lines) + "\\n")
    >>> report = validate_dataset(root, recompute=True)
    >>> report.ok, report.examples, report.passed, report.coverage["COUNT"]
    (False, 2, 1, ['p-1', 'p-2'])
    >>> for finding in report.errors:
    ...     print(finding)
    /.../examples.jsonl:2:1: error[E612] /expected: example `p-2`: the result differs:
        row 0, column 0 (n): 2 vs 3
    /.../examples.jsonl:2:1: error[E617] /reference_sql: example `p-2`: reference_sql disagrees:
        row 0, column 0 (n): 2 vs 3
    >>> report.unused_ops[:3]  # registered operations no gold plan uses yet
    ['COUNT_DISTINCT', 'COUNT_IF', 'SUM']

Findings (docs/datasets.md): loading problems (E601-E606), invalid gold plans (E610),
non-canonical plan JSON (E611), wrong expected results (E612), duplicate ids (E613),
duplicate (E614) and near-duplicate (E615) questions, reference SQL that fails or disagrees
(E616/E617, with `recompute`). The coverage matrix counts, for every registered operation,
the examples whose gold plan uses it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Diagnostic, PesqlError, Span
from pesql.grammar.jsonform import dumps, to_json
from pesql.grammar.registry import all_ops, spec_of
from pesql.runtime.evals.datasets.load import Dataset, Example, Finding, read_dataset
from pesql.runtime.evals.datasets.run import (
    grade,
    reference_engine,
    run_plan,
    run_reference_sql,
)

__all__ = [
    "ValidationReport",
    "normalize_question",
    "ops_used",
    "similar_pairs",
    "validate_dataset",
]

NEAR_DUPLICATE = 0.9


@dataclass
class ValidationReport:
    """Everything `dataset validate` found; `ok` is False when any finding is an error."""

    path: Path
    examples: int = 0
    executed: int = 0
    passed: int = 0
    findings: list[Finding] = field(default_factory=list)
    coverage: dict[str, list[str]] = field(default_factory=dict)  # op -> example ids
    near_duplicates: list[tuple[str, str, float]] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def unused_ops(self) -> list[str]:
        return [name for name, ids in self.coverage.items() if not ids]

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "ok": self.ok,
            "examples": self.examples,
            "executed": self.executed,
            "passed": self.passed,
            "findings": [f.to_dict() for f in self.findings],
            "coverage": {op: len(ids) for op, ids in self.coverage.items()},
            "unused_ops": self.unused_ops,
            "near_duplicates": [list(p) for p in self.near_duplicates],
        }


def validate_dataset(
    path: str | Path,
    *,
    recompute: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ValidationReport:
    """Load, run and cross-check every example of the dataset at `path`.

    `progress(done, total)` is called after each example (the CLI draws a bar with it).
    """
    if recompute:
        reference_engine()  # no duckdb is a setup error (E309), not a finding per example
    dataset, findings = read_dataset(path)
    report = ValidationReport(Path(path), examples=len(dataset.examples), findings=findings)
    file = dataset.examples_path
    first_line: dict[str, int] = {}
    for example in dataset.examples:
        if example.id in first_line:
            _add(
                report, file, example, "E613", "/id", name=example.id, first=first_line[example.id]
            )
        first_line.setdefault(example.id, example.line)
        _check_example(report, dataset, example, recompute)
        if progress is not None:
            progress(len(first_line), len(dataset.examples))
    _check_questions(report, dataset)
    report.coverage = coverage(dataset.examples)
    return report


def _add(
    report: ValidationReport,
    file: Path,
    example: Example,
    code: str,
    pointer: str,
    severity: str = "error",
    **kw: Any,
) -> None:
    span = Span(example.line, 1, example.line, 2)
    diag = Diagnostic.make(code, span, severity=severity, **kw)  # type: ignore[arg-type]
    report.findings.append(Finding(file, diag, pointer))


def _check_example(
    report: ValidationReport, dataset: Dataset, example: Example, recompute: bool
) -> None:
    file = dataset.examples_path
    if isinstance(example.raw_plan, dict) and example.plan is not None:
        canonical = dumps(to_json(example.plan))
        if dumps(example.raw_plan) != canonical:
            _add(
                report,
                file,
                example,
                "E611",
                "/plan",
                name=example.id,
                hints=(f"write it as {canonical[:300]}",),
            )
    if example.plan is not None:
        report.executed += 1
        try:
            answer = run_plan(dataset, example.plan, example.tables)
        except PesqlError as exc:
            for d in exc.diagnostics:
                _add(
                    report,
                    file,
                    example,
                    "E610",
                    "/plan",
                    name=example.id,
                    problem=f"[{d.code}] {d.message}",
                    hints=d.hints,
                )
        else:
            good, why = grade(example, answer)
            report.passed += good
            if not good:
                where = "/answers" if example.answers is not None else "/expected"
                _add(report, file, example, "E612", where, name=example.id, problem=why)
    if recompute and example.reference_sql is not None and example.expected is not None:
        try:
            reference = run_reference_sql(dataset, example.reference_sql)
        except PesqlError as exc:
            problem = exc.diagnostics[0].message.split("DuckDB: ", 1)[-1]
            _add(report, file, example, "E616", "/reference_sql", name=example.id, problem=problem)
            return
        good, why = grade(example, reference)
        if not good:
            _add(report, file, example, "E617", "/reference_sql", name=example.id, problem=why)


# --- questions ------------------------------------------------------------------------------
def normalize_question(text: str) -> str:
    """Lowercase, NFKC, punctuation to spaces, whitespace collapsed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", folded).split())


def similar_pairs(
    texts: list[str], threshold: float = NEAR_DUPLICATE
) -> Iterator[tuple[int, int, float]]:
    """Index pairs whose token sets have Jaccard >= threshold (prefix filtering, not all pairs).

    Two sets with Jaccard >= t must share a token among the first |A| - ceil(t|A|) + 1 tokens
    of each, when tokens are ordered rarest first; only such candidates are compared.
    """
    sets = [frozenset(t.split()) for t in texts]
    frequency: dict[str, int] = {}
    for tokens in sets:
        for token in tokens:
            frequency[token] = frequency.get(token, 0) + 1
    index: dict[str, list[int]] = {}
    for i, tokens in enumerate(sets):
        ordered = sorted(tokens, key=lambda tok: (frequency[tok], tok))
        prefix = len(ordered) - int(threshold * len(ordered) - 1e-9) if ordered else 0
        candidates: set[int] = set()
        for token in ordered[:prefix]:
            candidates.update(index.setdefault(token, []))
            index[token].append(i)
        for j in sorted(candidates):
            other = sets[j]
            score = len(tokens & other) / len(tokens | other)
            if score >= threshold:
                yield j, i, round(score, 3)


def _check_questions(report: ValidationReport, dataset: Dataset) -> None:
    examples = dataset.examples
    normalized = [normalize_question(e.question) for e in examples]
    first: dict[str, int] = {}
    for i, text in enumerate(normalized):
        if text in first:
            a, b = examples[first[text]], examples[i]
            severity = "error" if set(a.tables) == set(b.tables) else "warning"
            _add(
                report,
                dataset.examples_path,
                b,
                "E614",
                "/question",
                severity=severity,
                name=b.id,
                other=a.id,
            )
        else:
            first[text] = i
    for i, j, score in similar_pairs(normalized):
        if normalized[i] == normalized[j]:
            continue  # reported as a duplicate
        a, b = examples[i], examples[j]
        report.near_duplicates.append((a.id, b.id, score))
        _add(
            report,
            dataset.examples_path,
            b,
            "E615",
            "/question",
            severity="warning",
            name=b.id,
            other=a.id,
            score=score,
        )


# --- coverage -------------------------------------------------------------------------------
def ops_used(node: A.Node) -> Iterator[str]:
    """Canonical names of every operation in a plan or expression (with repetition)."""
    return (spec_of(n).name for n in node.walk() if isinstance(n, A.Step | A.Call))


def coverage(examples: list[Example]) -> dict[str, list[str]]:
    """Every registered operation -> ids of the examples whose gold plan uses it."""
    matrix: dict[str, list[str]] = {spec.name: [] for spec in all_ops()}
    for example in examples:
        if example.plan is not None:
            for name in sorted(set(ops_used(example.plan))):
                matrix[name].append(example.id)
    return matrix


def report_json(report: ValidationReport) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
