"""Running a dataset example: its gold plan through pesql, its reference SQL through DuckDB.

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
    >>> _ = (root / "examples.jsonl").write_text(json.dumps(count) + "\\n")
    >>> from pesql.runtime.evals.datasets.load import load_dataset
    >>> dataset = load_dataset(root)
    >>> example = dataset.examples[0]
    >>> answer = run_plan(dataset, example.plan, example.tables)
    >>> answer
    Answer(columns=('n',), rows=((3,),))
    >>> grade(example, answer)
    (True, '')
    >>> grade(example, Answer(("n",), ((2,),)))
    (False, 'row 0, column 0 (n): 2 vs 3')
    >>> sql = "SELECT species, count(*) AS n FROM penguins GROUP BY 1 ORDER BY 1"
    >>> run_reference_sql(dataset, sql)  # DuckDB, over the same cleaned frames
    Answer(columns=('species', 'n'), rows=(('Adelie', 1), ('Gentoo', 2)))

Both engines see the same data: DuckDB is given the frames `load_table` produced (cleaned
CSV/TSV included), so a difference is a difference of semantics, not of parsing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pesql.grammar.ast import Plan
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.runtime.engine.execute import compile
from pesql.runtime.evals.answers import (
    Answer,
    FrameCompare,
    answer_of,
    result_strings,
    same_result,
    wtq_match,
)
from pesql.runtime.evals.datasets.example import Example
from pesql.runtime.evals.datasets.load import Dataset

__all__ = ["grade", "reference_engine", "run_plan", "run_reference_sql"]


def run_plan(dataset: Dataset, plan: Plan, tables: Sequence[str]) -> Answer:
    """Compile `plan` against the named tables only, run it, and return its plain answer."""
    catalog = dataset.tables(tables)
    schemas = catalog.schemas()
    result = compile(plan, schemas).collect(catalog)
    return answer_of(result.frame)


def reference_engine() -> Any:
    """The duckdb module reference SQL runs in; E309 naming the extra when it is missing."""
    from pesql.runtime.extras import require

    return require(
        "duckdb", "reference SQL (dataset validate --recompute, dataset add --reference-sql)"
    )


def run_reference_sql(dataset: Dataset, sql: str) -> Answer:
    """Run `sql` in an in-memory DuckDB where every dataset table is registered by name."""
    duckdb = reference_engine()

    con = duckdb.connect(":memory:")
    try:
        for name, frame in dataset.frames.items():
            # Real tables, not views of the frames: queries may use DuckDB's `rowid` (the
            # row's position in the file) for questions about first or last rows.
            con.register("__pesql_frame", frame)
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM __pesql_frame')
            con.unregister("__pesql_frame")
        frame = con.sql(sql).pl()
    except duckdb.Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise PesqlError(
            [
                Diagnostic.make(
                    "E616",
                    name="(reference_sql)",
                    problem=first,
                    hints=("the query runs in DuckDB over the dataset's tables by name",),
                )
            ]
        ) from None
    finally:
        con.close()
    return answer_of(frame)


def grade(example: Example, answer: Answer) -> tuple[bool, str]:
    """Whether `answer` is right for `example` under its comparison mode."""
    if isinstance(example.compare, FrameCompare):
        assert example.expected is not None
        return same_result(answer, example.expected, example.compare)
    assert example.answers is not None
    predicted = result_strings(answer)
    if wtq_match(predicted, example.answers, example.answers_canon):
        return True, ""
    return False, f"predicted {predicted[:10]!r}, gold answers {list(example.answers)!r}"
