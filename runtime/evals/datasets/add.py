"""Adding one example to a dataset: check, run, compare with the reference SQL, append atomically.

Its own module because it stands above both running (`run`) and validating (`validate`):
each of those is imported here, and neither imports the other's caller.
"""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pesql.grammar.diagnostics import Diagnostic, PesqlError, Span
from pesql.runtime.evals.answers import FrameCompare, Order, same_result
from pesql.runtime.evals.datasets.example import DatasetError, Example, Finding, encode_cell
from pesql.runtime.evals.datasets.lines import parse_line
from pesql.runtime.evals.datasets.load import read_dataset
from pesql.runtime.evals.datasets.run import run_plan, run_reference_sql
from pesql.runtime.evals.datasets.validate import normalize_question

__all__ = ["add_example", "add_table", "append_line"]


def add_table(
    path: str | Path, source: str | Path, *, name: str | None = None, license: str | None = None
) -> Path:
    """Copy a table file into the dataset's tables/ (creating the dataset folder when new).

    The copy keeps the file's extension and is named `name` (default: the file's stem). An
    existing table of that name with other content is refused (E605), never overwritten;
    `license` is appended to tables/LICENSES.md as `file: text`.
    """
    import shutil

    from pesql.runtime.evals.datasets.load import NAME_PATTERN

    source = Path(source)
    stem = name or source.stem
    if not NAME_PATTERN.fullmatch(stem):
        raise PesqlError(
            [
                Diagnostic.make(
                    "E605",
                    name=str(source),
                    problem=f"`{stem}` is not a table name",
                    hints=("give it a plain name: --table sales=path/to/file.csv",),
                )
            ]
        )
    if not source.is_file():
        raise PesqlError([Diagnostic.make("E307", name=str(source), problem="no such file")])
    folder = Path(path) / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (stem + source.suffix.lower())
    clashing = [f for f in folder.glob(stem + ".*") if f.name.lower() != "licenses.md"]
    if any(f != target or f.read_bytes() != source.read_bytes() for f in clashing):
        raise PesqlError(
            [
                Diagnostic.make(
                    "E605",
                    name=str(clashing[0]),
                    problem="a different table of this name is already in the dataset",
                    hints=("choose another name: --table NEW_NAME=" + str(source),),
                )
            ]
        )
    if not clashing:
        shutil.copyfile(source, target)
    if license:
        with open(folder / "LICENSES.md", "a", encoding="utf-8") as out:
            out.write(f"{target.name}: {license}\n")
    return target


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

    dataset, findings = read_dataset(path)
    # A dataset folder with tables but no examples.jsonl yet is a new dataset: start it.
    starting = (Path(path) / "tables").is_dir() and not dataset.examples_path.exists()
    if any(
        f.diagnostic.code in ("E601", "E605") and not (starting and f.file == dataset.examples_path)
        for f in findings
    ):
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
