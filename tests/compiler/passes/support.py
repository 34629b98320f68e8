"""Shared helpers of the optimizer tests: fixture files, running plans, comparing outcomes.

A fixture file `fixtures/<pass>.txt` starts with a `schema:` line (`name type` pairs, a
trailing `!` marks a column without nulls) and holds cases:

    === what the case shows
    <input p-SQL>
    ---
    <expected p-SQL after the pass>

Lines starting with `#` are comments.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.compiler.backends.polars.lower import to_polars
from pesql.compiler.check.check import CheckedPlan, check
from pesql.compiler.check.schema import ColumnType, Schema
from pesql.grammar.ast import Plan
from pesql.grammar.parse import parse
from pesql.runtime.engine.compare import frames_equal

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass(frozen=True)
class Case:
    pass_name: str
    title: str
    schema: Schema
    source: str
    expected: str

    @property
    def id(self) -> str:
        return f"{self.pass_name}: {self.title}"


def parse_schema(text: str) -> Schema:
    columns = []
    for part in text.split(","):
        name, dtype = part.split()
        nullable = not dtype.endswith("!")
        columns.append((name, ColumnType(dtype.rstrip("!"), nullable)))  # type: ignore[arg-type]
    return Schema(tuple(columns))


def load_cases() -> list[Case]:
    cases = []
    for path in sorted(FIXTURES.glob("*.txt")):
        lines = [ln for ln in path.read_text().splitlines() if not ln.startswith("#")]
        header, *rest = lines
        assert header.startswith("schema:"), f"{path.name}: first line must be `schema: ...`"
        schema = parse_schema(header.removeprefix("schema:"))
        for block in "\n".join(rest).split("=== ")[1:]:
            title, _, body = block.partition("\n")
            source, sep, expected = body.partition("\n---\n")
            assert sep, f"{path.name}: case {title!r} has no `---` line"
            cases.append(Case(path.stem, title.strip(), schema, source.strip(), expected.strip()))
    return cases


def run(
    plan: CheckedPlan | Plan | str, frame: pl.DataFrame, schema: Schema | None = None
) -> pl.DataFrame | Exception:
    """The plan's result on `frame`, or the error it raised while running.

    A plain plan (or text) is checked first, against `schema` or else the frame's own, outside
    the `try`: a plan that does not check is a broken test, not an outcome to compare."""
    if not isinstance(plan, CheckedPlan):
        tree = parse(plan) if isinstance(plan, str) else plan
        plan = check(tree, schema or schema_from_polars(frame.schema))
    try:
        return to_polars(plan, frame.lazy()).collect()
    except Exception as exc:
        return exc


def same_outcome(a: pl.DataFrame | Exception, b: pl.DataFrame | Exception) -> tuple[bool, str]:
    """Equal frames (rows in order, columns in order, values by p-SQL meaning) or both errors."""
    if isinstance(a, Exception) or isinstance(b, Exception):
        both = isinstance(a, Exception) and isinstance(b, Exception)
        return both, f"one run failed, the other did not: {a!r} / {b!r}"
    return frames_equal(a, b, ordered=True)
