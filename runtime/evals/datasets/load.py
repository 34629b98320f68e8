"""Datasets: a folder of tables and `examples.jsonl` (docs/datasets.md), loaded with findings.

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
    >>> typo = dict(count, id="p-2", tables=["pengiuns"])
    >>> lines = [json.dumps(count), json.dumps(typo)]
    >>> _ = (root / "examples.jsonl").write_text("\\n".join(lines) + "\\n")
    >>> dataset, findings = read_dataset(root)
    >>> for finding in findings:
    ...     print(finding)
    /.../examples.jsonl:2:...: error[E606] /tables/0: table `pengiuns` is not in the
    dataset's tables/
      hint: tables: penguins
    >>> [example.id for example in dataset.examples]  # the line with an error is left out
    ['p-1']
    >>> dataset.examples[0].plan  # lowered from canonical JSON or, here, parsed from p-SQL text
    Plan(table='penguins', steps=(AggregateStep(aggregates=(Assign(name='n', ...),)),))

`read_dataset` never raises for a problem in the data: every problem becomes a `Finding`
(a Diagnostic whose Span line is the JSONL line, plus the file and a JSON pointer within the
line) and the example is left out. `load_dataset` raises `DatasetError` on any error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import polars as pl
from pesql.grammar.diagnostics import Diagnostic
from pesql.runtime.evals.datasets.example import (
    EXAMPLES_FILE,
    LICENSES_FILE,
    DatasetError,
    Example,
    Finding,
)
from pesql.runtime.evals.datasets.lines import parse_line
from pesql.runtime.tables.catalog import Catalog, unknown_table
from pesql.runtime.tables.table import Table, load_table

__all__ = [
    "Dataset",
    "DatasetError",
    "Example",
    "Finding",
    "load_dataset",
    "parse_example",
    "read_dataset",
]

NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NOT_TABLES = {LICENSES_FILE.lower(), "readme.md"}


@dataclass
class Dataset:
    """A loaded dataset: its folder, table files by name, and the examples that loaded."""

    root: Path
    table_files: dict[str, Path]
    examples: list[Example]

    @property
    def examples_path(self) -> Path:
        return self.root / EXAMPLES_FILE

    # Tables loaded so far, by name: each is loaded (and cleaned) on first use only, so a
    # command that needs two of twelve tables (an eval report's drill-down) pays for two.
    _loaded: dict[str, Table] = field(default_factory=dict, repr=False, compare=False)

    def tables(self, names: Iterable[str]) -> Catalog:
        """The named tables, each loaded once (CSV/TSV cleaned, as `load_table` does)."""
        wanted = list(names)
        for name in wanted:
            if name not in self.table_files:
                raise unknown_table(name, self.table_files)
            if name not in self._loaded:
                self._loaded[name] = load_table(self.table_files[name], name=name)
        return Catalog([self._loaded[name] for name in wanted])

    @cached_property
    def catalog(self) -> Catalog:
        """Every table, loaded once (CSV/TSV cleaned, as `load_table` does by default)."""
        return self.tables(sorted(self.table_files))

    @cached_property
    def frames(self) -> dict[str, pl.DataFrame]:
        """Every table collected (for DuckDB, which must see exactly what pesql sees)."""
        return {t.name: t.frame.collect() for t in self.catalog}


def read_dataset(path: str | Path) -> tuple[Dataset, list[Finding]]:
    """The dataset at `path` with the examples that loaded, and a finding for every problem."""
    root = Path(path)
    examples_path = root / EXAMPLES_FILE
    findings: list[Finding] = []
    tables = _table_files(root, findings)
    dataset = Dataset(root, tables, [])
    try:
        text = examples_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problem = exc.__class__.__name__ + ": " + str(exc)
        hint = "a dataset folder holds examples.jsonl and tables/ (docs/datasets.md)"
        diag = Diagnostic.make("E605", name=str(examples_path), problem=problem, hints=(hint,))
        return dataset, [*findings, Finding(examples_path, diag)]
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        example, problems = parse_line(line, number, root, set(tables))
        findings += [Finding(examples_path, d, p) for d, p in problems]
        if example is not None:
            dataset.examples.append(example)
    return dataset, findings


def load_dataset(path: str | Path) -> Dataset:
    """The dataset at `path`; `DatasetError` when any line or table has an error."""
    dataset, findings = read_dataset(path)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise DatasetError(errors)
    return dataset


def parse_example(line: str, number: int, root: Path, tables: set[str]) -> Example:
    """One JSONL line as an Example, or `DatasetError` pointing at the line."""
    example, problems = parse_line(line, number, root, tables)
    errors = [Finding(root / EXAMPLES_FILE, d, p) for d, p in problems if d.severity == "error"]
    if errors or example is None:
        raise DatasetError(errors)
    return example


def _table_files(root: Path, findings: list[Finding]) -> dict[str, Path]:
    folder = root / "tables"
    if not root.is_dir():
        diag = Diagnostic.make("E605", name=str(root), problem="no such folder")
        findings.append(Finding(root, diag))
        return {}
    if not folder.is_dir():
        return {}
    out: dict[str, Path] = {}
    for file in sorted(folder.iterdir()):
        if file.name.startswith(".") or file.name.lower() in NOT_TABLES or not file.is_file():
            continue
        if not NAME_PATTERN.fullmatch(file.stem):
            diag = Diagnostic.make(
                "E605",
                name=str(file),
                problem="the stem is not a table name",
                hints=("rename it to a plain identifier, e.g. sales_2024.csv",),
            )
            findings.append(Finding(file, diag))
            continue
        out[file.stem] = file
    if out and not (folder / LICENSES_FILE).is_file():
        diag = Diagnostic.make(
            "E618", severity="warning", hints=("say where each table came from and its license",)
        )
        findings.append(Finding(folder / LICENSES_FILE, diag))
    return out
