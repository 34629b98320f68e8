"""Importers: public corpora -> pesql datasets (docs/datasets.md).

`wtq.import_wtq` builds an answer-only dataset from WikiTableQuestions; `wikisql.import_wikisql`
turns WikiSQL logical forms into gold p-SQL plans. Both write through `write_dataset`.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.jsonform import dumps

__all__ = ["ImportStats", "read_json_lines", "write_dataset"]


@dataclass
class ImportStats:
    """What an import did: examples written, tables written, skipped items and why, patterns."""

    examples: int = 0
    tables: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    patterns: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "tables": self.tables,
            "skipped": dict(self.skipped),
            "patterns": dict(self.patterns.most_common()),
        }


def read_json_lines(path: Path) -> Iterator[dict[str, Any]]:
    """Objects of a JSON Lines file, gzipped when the name ends in .gz."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    yield json.loads(line)
    except (OSError, ValueError) as exc:
        raise unreadable(path, str(exc)) from None


def unreadable(path: Path, problem: str) -> PesqlError:
    return PesqlError([Diagnostic.make("E605", name=str(path), problem=problem)])


def prepare_output(out: Path, force: bool) -> None:
    """Create `out/tables`; refuse to overwrite an existing examples.jsonl unless forced."""
    examples = out / "examples.jsonl"
    if examples.exists() and examples.stat().st_size and not force:
        raise PesqlError(
            [
                Diagnostic.make(
                    "E605",
                    name=str(examples),
                    problem="it exists already",
                    hints=("import into a new folder, or pass --force to replace it",),
                )
            ]
        )
    (out / "tables").mkdir(parents=True, exist_ok=True)


def write_dataset(out: Path, lines: Iterable[dict[str, Any]], licenses: str) -> int:
    """Write examples.jsonl (canonical JSON, one object a line) and tables/LICENSES.md."""
    (out / "tables" / "LICENSES.md").write_text(licenses, encoding="utf-8")
    count = 0
    temp = out / ".examples.jsonl.tmp"
    with temp.open("w", encoding="utf-8") as file:
        for line in lines:
            file.write(dumps(line) + "\n")
            count += 1
    temp.replace(out / "examples.jsonl")
    return count
