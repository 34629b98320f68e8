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

import fcntl
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pesql.grammar.ast import Plan
from pesql.grammar.diagnostics import Diagnostic, PesqlError, Span
from pesql.runtime.engine.execute import compile
from pesql.runtime.evals.answers import (
    Answer,
    FrameCompare,
    Order,
    answer_of,
    result_strings,
    same_result,
    wtq_match,
)
from pesql.runtime.evals.datasets.load import (
    Dataset,
    DatasetError,
    Example,
    Finding,
    encode_cell,
    read_dataset,
)
from pesql.runtime.tables.catalog import Catalog

__all__ = ["add_example", "append_line", "grade", "run_plan", "run_reference_sql"]


def run_plan(dataset: Dataset, plan: Plan, tables: Sequence[str]) -> Answer:
    """Compile `plan` against the named tables only, run it, and return its plain answer."""
    catalog = Catalog([dataset.catalog.get(name) for name in tables])
    schemas = catalog.schemas()
    result = compile(plan, schemas).collect(catalog)
    return answer_of(result.frame)


def run_reference_sql(dataset: Dataset, sql: str) -> Answer:
    """Run `sql` in an in-memory DuckDB where every dataset table is registered by name."""
    import duckdb

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


def add_example(
    path: str | Path,
    *,
    question: str,
    plan: str | Mapping[str, Any],
    tables: Sequence[str] = (),
    reference_sql: str | None = None,
    tags: Sequence[str] = (),
    order: Order | None = None,
    example_id: str | None = None,
) -> Example:
    """Check, run and append one example (atomically); `PesqlError` when it is refused."""
    from pesql.grammar.jsonform import dumps, to_json
    from pesql.runtime.engine.execute import as_plan
    from pesql.runtime.evals.datasets.lines import parse_line
    from pesql.runtime.evals.datasets.validate import normalize_question

    dataset, findings = read_dataset(path)
    if any(f.diagnostic.code in ("E601", "E605") for f in findings):
        raise DatasetError([f for f in findings if f.severity == "error"])
    tree = as_plan(plan)
    names = tuple(tables) or ((tree.table,) if tree.table else tuple(dataset.table_files)[:1])
    taken = {e.id for e in dataset.examples}
    ident = example_id or _next_id(Path(path).name, taken)
    same = [
        e
        for e in dataset.examples
        if e.id == ident
        or (
            normalize_question(e.question) == normalize_question(question)
            and set(e.tables) == set(names)
        )
    ]
    if same:
        code = "E613" if same[0].id == ident else "E614"
        span = Span(same[0].line, 1, same[0].line, 2)
        diag = Diagnostic.make(code, span, name=ident, other=same[0].id, first=same[0].line)
        pointer = "/id" if code == "E613" else "/question"
        raise DatasetError([Finding(dataset.examples_path, diag, pointer)])
    actual = run_plan(dataset, tree, names)
    expected, source = actual, "pesql"
    compare = FrameCompare(order=order) if order else FrameCompare()
    if reference_sql is not None:
        expected, source = run_reference_sql(dataset, reference_sql), "duckdb"
        good, why = same_result(actual, expected, compare)
        if not good:
            raise PesqlError(
                [
                    Diagnostic.make(
                        "E612",
                        name=ident,
                        problem=why,
                        hints=("the plan and --reference-sql disagree; fix one of them",),
                    )
                ]
            )
    line = {
        "id": ident,
        "question": question,
        "tables": list(names),
        "plan": to_json(tree),
        "expected": {
            "columns": list(expected.columns),
            "rows": [[encode_cell(c) for c in r] for r in expected.rows],
        },
        "expected_source": source,
        "reference_sql": reference_sql,
        "compare": compare.to_json(),
        "tags": list(tags),
        "meta": {},
    }
    text = dumps(line)
    example, problems = parse_line(
        text, len(dataset.examples) + 1, dataset.root, set(dataset.table_files)
    )
    if example is None:  # a bug in this function rather than in the user's input
        raise PesqlError([d for d, _ in problems])
    append_line(dataset.examples_path, text)
    return example


def _next_id(stem: str, taken: set[str]) -> str:
    prefix = re.sub(r"[^A-Za-z0-9_.:-]+", "-", stem).strip("-") or "example"
    number = len(taken) + 1
    while f"{prefix}-{number:04d}" in taken:
        number += 1
    return f"{prefix}-{number:04d}"


def append_line(path: Path, line: str) -> None:
    """Append one line all or nothing: copy + line to a temporary file, fsync, rename over.

    A lock file serializes concurrent writers; readers see the old or the new file, never a
    half-written line.
    """
    assert "\n" not in line
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        old = path.read_bytes() if path.exists() else b""
        if old and not old.endswith(b"\n"):
            old += b"\n"
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(old + line.encode("utf-8") + b"\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
