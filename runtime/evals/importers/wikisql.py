"""WikiSQL logical forms -> p-SQL plans (and DuckDB reference SQL), for tables a user has.

    >>> from pesql.grammar.printer import to_text
    >>> plan = convert({"sel": 3, "agg": 0, "conds": [[5, 0, "Butler CC (KS)"]]},
    ...                header=["Player", "No.", "Nationality", "Position", "Years", "School"],
    ...                types=["text"] * 6, table="players")
    >>> print(to_text(plan))
    FROM players
    FILTER LOWER(School) = 'butler cc (ks)'
    SELECT Position

WikiSQL's executor (lib/dbengine.py) lowercases the database and every string condition value,
and turns a condition value on a `real` column into a number; so text conditions compare
`LOWER(column)` with the lowercased value, real ones compare numbers. Aggregates: '' (plain
SELECT), MAX, MIN, COUNT, SUM, AVG (SUM/AVG of a text column read it as numbers, like
SQLite's coercion). Operators: `=`, `>`, `<`; `OP` (index 3) is a placeholder WikiSQL never
emits and is refused. Without a table (no header, no types) columns are named `col<i>` and a
condition's type follows its value: numbers compare as numbers, strings as lowercased text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.ops import aggregate as G
from pesql.grammar.ops import operators as O
from pesql.grammar.ops import rows as R
from pesql.grammar.ops import text as T
from pesql.runtime.evals.importers import (
    ImportStats,
    prepare_output,
    read_json_lines,
    unreadable,
    write_dataset,
)

__all__ = [
    "AGG_OPS",
    "COND_OPS",
    "column_names",
    "convert",
    "import_wikisql",
    "pattern",
    "reference_sql",
]

AGG_OPS = ("", "MAX", "MIN", "COUNT", "SUM", "AVG")
COND_OPS = ("=", ">", "<", "OP")
_AGGREGATES: dict[str, type[A.Call]] = {
    "MAX": G.Max,
    "MIN": G.Min,
    "COUNT": G.Count,
    "SUM": G.Sum,
    "AVG": G.Avg,
}
_COMPARISONS: dict[str, type[A.Call]] = {"=": O.Eq, ">": O.Gt, "<": O.Lt}


def column_names(header: Sequence[str]) -> list[str]:
    """Header cells as distinct, non-empty column names (`x`, `x_2`, ...; empty -> `col<i>`)."""
    names: list[str] = []
    for i, raw in enumerate(header):
        base = " ".join(str(raw).split()) or f"col{i}"
        name, n = base, 2
        while name in names:
            name, n = f"{base}_{n}", n + 1
        names.append(name)
    return names


def _invalid(problem: str) -> PesqlError:
    return PesqlError([Diagnostic.make("E155", A.Pointer("/sql"), found=problem, prop="sql")])


def _parts(sql: dict[str, Any], width: int | None) -> tuple[int, str, list[tuple[int, str, Any]]]:
    try:
        sel, agg = int(sql["sel"]), AGG_OPS[int(sql["agg"])]
        conds = [(int(c), COND_OPS[int(o)], v) for c, o, v in sql["conds"]]
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise _invalid(f"malformed logical form ({exc.__class__.__name__}: {exc})") from None
    for index in [sel, *(c for c, _, _ in conds)]:
        if index < 0 or (width is not None and index >= width):
            raise _invalid(f"column index {index} outside the table")
    if any(op == "OP" for _, op, _ in conds):
        raise _invalid("operator OP (index 3) has no meaning in WikiSQL's executor")
    return sel, agg, conds


def _is_real(value: Any, op: str, kind: str | None) -> bool:
    if kind is not None:
        return kind == "real"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return True
    return op != "=" and _number(value) is not None


def _number(value: Any) -> float | None:
    try:
        return float(str(value).replace(",", ""))
    except ValueError:
        return None


def _text_value(value: Any) -> str:
    return str(value).lower()


def convert(
    sql: dict[str, Any],
    header: Sequence[str] | None = None,
    types: Sequence[str] | None = None,
    table: str | None = None,
) -> A.Plan:
    """The p-SQL plan of one logical form {sel, agg, conds}; E155 when it cannot be converted."""
    names = column_names(header) if header is not None else None
    sel, agg, conds = _parts(sql, len(names) if names is not None else None)

    def col(i: int) -> A.Col:
        return A.Col(name=names[i] if names is not None else f"col{i}")

    def kind(i: int) -> str | None:
        return types[i] if types is not None and i < len(types) else None

    tests: list[A.Expr] = []
    for index, op, value in conds:
        cmp = _COMPARISONS[op]
        if _is_real(value, op, kind(index)):
            number = _number(value)
            if number is None:
                raise _invalid(f"{value!r} is not a number (column {index} is real)")
            literal = A.Lit(value=int(number) if number.is_integer() else number)
            tests.append(cmp(left=col(index), right=literal))  # type: ignore[call-arg]
        else:
            lowered = T.Lower(value=col(index))
            tests.append(cmp(left=lowered, right=A.Lit(value=_text_value(value))))  # type: ignore[call-arg]
    steps: list[A.Step] = []
    if tests:
        where = tests[0] if len(tests) == 1 else O.And(args=tuple(tests))
        steps.append(R.Filter(where=where))
    target: A.Expr = col(sel)
    if not agg:
        steps.append(R.Select(columns=(A.SelectItem(column=col(sel).name),)))
    else:
        if agg in ("SUM", "AVG") and kind(sel) == "text":
            target = T.ParseNumber(value=target)
        call = _AGGREGATES[agg](value=target)  # type: ignore[call-arg]
        steps.append(R.AggregateStep(aggregates=(A.Assign(name=agg.lower(), expr=call),)))
    return A.Plan(table=table, steps=tuple(steps))


def pattern(sql: dict[str, Any]) -> str:
    """A logical form's shape, for statistics: `COUNT where =,>` or `SELECT` (no conditions)."""
    agg = AGG_OPS[int(sql["agg"])] or "SELECT"
    ops = ",".join(COND_OPS[int(o)] for _, o, _ in sql["conds"])
    return f"{agg} where {ops}" if ops else agg


def _quote_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def reference_sql(
    sql: dict[str, Any], header: Sequence[str], types: Sequence[str], table: str
) -> str:
    """The logical form as DuckDB SQL (WikiSQL's executor semantics), independent of pesql."""
    names = column_names(header)
    sel, agg, conds = _parts(sql, len(names))
    target = _quote_name(names[sel])
    if agg in ("SUM", "AVG") and types[sel] == "text":
        target = f"TRY_CAST(replace({target}, ',', '') AS DOUBLE)"
    select = f"{agg}({target})" if agg else target
    wheres = []
    for index, op, value in conds:
        column = _quote_name(names[index])
        if types[index] == "real":
            wheres.append(f"{column} {op} {_number(value)!r}")
        else:
            wheres.append(f"lower({column}) {op} {_quote_text(_text_value(value))}")
    where = " WHERE " + " AND ".join(wheres) if wheres else ""
    return f"SELECT {select} AS {_quote_name(agg.lower() or names[sel])} FROM {table}{where}"


# --- import ---------------------------------------------------------------------------------
LICENSES = """# Table licenses

The tables and questions come from WikiSQL (salesforce/WikiSQL; tables from Wikipedia),
BSD-3-Clause license. Gold plans were converted from WikiSQL's logical forms by pesql.
"""


def _read_items(path: Path, key: str) -> list[dict[str, Any]]:
    """Questions (`key="examples"`) or tables (`key="table"`) from JSONL(.gz) or a sample file."""
    if path.suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise unreadable(path, str(exc)) from None
        item = data.get(key) if isinstance(data, dict) else None
        items = item if isinstance(item, list) else [item] if isinstance(item, dict) else []
        return [i for i in items if isinstance(i, dict)]
    return list(read_json_lines(path))


def _table_name(table: dict[str, Any]) -> str:
    name = str(table.get("name") or "table_" + str(table["id"]))
    return re.sub(r"\W", "_", name, flags=re.ASCII)


def _write_table(table: dict[str, Any], target: Path) -> None:
    names = column_names(table["header"])
    columns: dict[str, pl.Series] = {}
    for i, (name, kind) in enumerate(zip(names, table["types"], strict=True)):
        cells = [row[i] for row in table["rows"]]
        if kind == "real":
            columns[name] = pl.Series(name, [_number(c) for c in cells], dtype=pl.Float64)
        else:
            columns[name] = pl.Series(
                name, [None if c is None else str(c) for c in cells], dtype=pl.String
            )
    pl.DataFrame(columns).write_parquet(target)


def import_wikisql(
    out: Path,
    questions: Path,
    tables: Path | None,
    *,
    limit: int | None = None,
    force: bool = False,
) -> ImportStats:
    """Convert questions to examples over the tables given; without tables only count patterns."""
    from pesql.grammar.jsonform import to_json
    from pesql.runtime.evals.datasets.example import encode_cell
    from pesql.runtime.evals.datasets.load import Dataset
    from pesql.runtime.evals.datasets.run import run_reference_sql

    stats = ImportStats()
    known = {str(t["id"]): t for t in _read_items(tables, "table")} if tables else {}
    if tables is not None:
        prepare_output(out, force)
    lines: list[tuple[dict[str, Any], str, str]] = []
    written: dict[str, Path] = {}
    for number, q in enumerate(_read_items(questions, "examples")):
        if limit is not None and number >= limit:
            break
        table = known.get(str(q.get("table_id")))
        try:
            header, types = (table["header"], table["types"]) if table else (None, None)
            name = _table_name(table) if table else None
            plan = convert(q["sql"], header, types, name)
        except (PesqlError, KeyError, TypeError) as exc:
            stats.skipped[str(exc).splitlines()[0][:80]] += 1
            continue
        stats.patterns[pattern(q["sql"])] += 1
        if table is None or name is None or tables is None:
            stats.skipped["table not given"] += 1
            continue
        if name not in written:
            _write_table(table, out / "tables" / f"{name}.parquet")
            written[name] = out / "tables" / f"{name}.parquet"
        sql = reference_sql(q["sql"], table["header"], table["types"], name)
        head = {
            "id": f"wikisql-{number:05d}",
            "question": q["question"],
            "tables": [name],
            "plan": to_json(plan),
        }
        lines.append((head, sql, str(table["id"])))
    if tables is None:
        return stats
    dataset = Dataset(out, dict(written), [])
    examples = []
    for head, sql, table_id in lines:
        answer = run_reference_sql(dataset, sql)
        examples.append(
            head
            | {
                "expected": {
                    "columns": list(answer.columns),
                    "rows": [[encode_cell(c) for c in r] for r in answer.rows],
                },
                "expected_source": "duckdb",
                "reference_sql": sql,
                "compare": {
                    "order": "bag",
                    "column_names": "ignored",
                    "float_tol": 1e-06,
                    "nan_equals_null": False,
                },
                "tags": ["wikisql"],
                "meta": {"corpus": "wikisql", "table_id": table_id},
            }
        )
    stats.tables = len(written)
    stats.examples = write_dataset(out, examples, LICENSES)
    return stats
