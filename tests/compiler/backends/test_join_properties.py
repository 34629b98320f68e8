"""Properties of JOIN and LOOKUP over generated pairs of related tables.

Tables share a small pool of key values (so keys match, repeat, and miss), with nulls, and
the joined key is unique or not, of the same type or another comparable one (integer against
float). Each plan is one join, optionally followed by a FILTER on a current or an added column
and a SORT. Checked:

- polars equals a nested-loop reference written here (rows, columns, order);
- DuckDB and SQLite (the SQL backend) equal polars;
- the optimizer keeps the result (filter pushdown moves only conditions on current columns,
  never one on the null-extended side of a LEFT JOIN or LOOKUP; column pruning).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.compiler.backends.polars.lower import to_polars
from pesql.compiler.check.check import check
from pesql.compiler.passes.optimize import optimize
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.ops import operators as op
from pesql.grammar.ops import rows
from pesql.grammar.ops.joins import Join, Lookup
from pesql.grammar.printer import to_text
from pesql.runtime.engine.compare import frames_equal
from pesql.runtime.engine.sql import execute_duckdb, execute_sqlite

KEYS = st.one_of(st.none(), st.integers(0, 4))


@dataclass(frozen=True)
class Case:
    left: pl.DataFrame
    right: pl.DataFrame
    plan: A.Plan

    def tables(self) -> dict[str, pl.DataFrame]:
        return {"t": self.left, "r": self.right}


@st.composite
def cases(draw: st.DrawFn) -> Case:
    n = draw(st.integers(0, 7))
    left = pl.DataFrame(
        {
            "k": pl.Series(draw(st.lists(KEYS, min_size=n, max_size=n)), dtype=pl.Int64),
            "x": pl.Series(list(range(n)), dtype=pl.Int64),
        }
    )
    unique = draw(st.booleans())
    keys = draw(st.lists(KEYS, max_size=6, unique=unique))
    m = len(keys)
    float_keys = draw(st.booleans())  # integer keys against float keys: compared as numbers
    right = pl.DataFrame(
        {
            "k": pl.Series(keys, dtype=pl.Float64 if float_keys else pl.Int64),
            "v": pl.Series([f"v{i}" for i in range(m)], dtype=pl.String),
            # A name the current table has too: added as `x_r`.
            "x": pl.Series([100 + i for i in range(m)], dtype=pl.Int64),
        }
    )
    kinds = ["inner", "left", "semi", "anti", *(["lookup"] if unique else [])]
    kind = draw(st.sampled_from(kinds))
    on = (A.JoinKey(left="k", right="k"),)
    join: A.Step = (
        Lookup(table="r", on=on) if kind == "lookup" else Join(table="r", on=on, kind=kind)
    )
    steps: list[A.Step] = [join]
    adds = kind in ("inner", "left", "lookup")
    conditions = [
        op.Gt(left=A.Col(name="x"), right=A.Lit(value=draw(st.integers(0, 5)))),
        op.IsNotNull(value=A.Col(name="k")),
    ]
    if adds:
        conditions += [
            op.IsNull(value=A.Col(name="v")),
            op.Lt(left=A.Col(name="x_r"), right=A.Lit(value=103)),
        ]
    if draw(st.booleans()):
        steps.append(rows.Filter(where=draw(st.sampled_from(conditions))))
    if draw(st.booleans()):
        steps.append(rows.Sort(keys=(A.SortKey(column="x", descending=True),)))
    if adds and draw(st.booleans()):
        steps.append(rows.Select(columns=(A.SelectItem(column="v"), A.SelectItem(column="x"))))
    return Case(left, right, A.Plan(table="t", steps=tuple(steps)))


def reference_join(left: pl.DataFrame, right: pl.DataFrame, step: Join | Lookup) -> pl.DataFrame:
    """The join by nested loops: rows in the current order, matches in the joined order."""
    kind = "left" if isinstance(step, Lookup) else step.kind
    out: list[dict[str, Any]] = []
    for row in left.iter_rows(named=True):
        matches = [
            r for r in right.iter_rows(named=True) if row["k"] is not None and r["k"] == row["k"]
        ]
        if (kind == "semi" and matches) or (kind == "anti" and not matches):
            out.append(dict(row))
        elif kind in ("inner", "left"):
            for r in matches:
                out.append({**row, "v": r["v"], "x_r": r["x"]})
            if kind == "left" and not matches:
                out.append({**row, "v": None, "x_r": None})
    if kind in ("semi", "anti"):
        return pl.DataFrame(out, schema=left.schema)
    return pl.DataFrame(out, schema={**left.schema, "v": pl.String, "x_r": pl.Int64})


def run_polars(case: Case, *, optimized: bool) -> pl.DataFrame:
    tables = case.tables()
    schemas = {n: schema_from_polars(f.schema) for n, f in tables.items()}
    checked = check(case.plan, schemas)
    if optimized:
        checked = optimize(checked)
    lazy = {n: f.lazy() for n, f in tables.items()}
    return to_polars(checked, lazy["t"], lazy).collect()


def _same(a: pl.DataFrame, b: pl.DataFrame, what: str) -> None:
    ok, why = frames_equal(a, b, ordered=True)
    assert ok, f"{what}: {why}\n{a}\n{b}"


@given(cases())
def test_polars_join_equals_the_nested_loop_reference(case: Case) -> None:
    join = case.plan.steps[0]
    assert isinstance(join, Join | Lookup)
    only_join = A.Plan(table="t", steps=(join,))
    got = run_polars(Case(case.left, case.right, only_join), optimized=False)
    _same(reference_join(case.left, case.right, join), got, to_text(only_join))


@given(cases())
def test_sql_engines_equal_polars(case: Case) -> None:
    note(to_text(case.plan))
    expected = run_polars(case, optimized=False)
    _same(expected, execute_duckdb(case.plan, case.tables()), "duckdb")
    _same(expected, execute_sqlite(case.plan, case.tables()), "sqlite")


@given(cases())
def test_optimizer_keeps_join_results(case: Case) -> None:
    note(to_text(case.plan))
    _same(run_polars(case, optimized=False), run_polars(case, optimized=True), "optimized")


def _optimized_text(text: str, right: dict[str, str] | None = None) -> str:
    from pesql.compiler.check.schema import Schema
    from pesql.grammar.parse import parse

    catalog = {
        "t": Schema.of({"k": "integer", "x": "integer"}),
        "r": Schema.of(right or {"k": "integer", "v": "string"}),
    }
    return to_text(optimize(check(parse(text), catalog)).plan)


def test_filters_on_current_columns_move_before_the_join() -> None:
    text = "FROM t\nJOIN LEFT r ON k = k\nFILTER x > 1"
    assert _optimized_text(text) == "FROM t\nFILTER x > 1\nJOIN LEFT r ON k = k"


def test_filters_on_the_null_extended_side_stay_after_the_join() -> None:
    for kind in ("JOIN LEFT r ON k = k", "LOOKUP r ON k = k", "JOIN r ON k = k"):
        text = f"FROM t\n{kind}\nFILTER v IS NULL"
        assert _optimized_text(text) == text
    mixed = "FROM t\nJOIN LEFT r ON k = k\nFILTER x > 1 OR v IS NULL"
    assert _optimized_text(mixed) == mixed


def test_a_failing_filter_does_not_move_before_an_inner_join() -> None:
    text = "FROM t\nJOIN r ON k = k\nFILTER CAST(x, 'string') = '1'"
    assert _optimized_text(text).splitlines()[1].startswith("JOIN")


def test_pruning_keeps_columns_a_join_would_rename_around() -> None:
    # Pruning `v` before the LOOKUP would rename the joined `v_r` back to `v`.
    text = "FROM t\nDERIVE v = x + 1\nLOOKUP r ON k = k\nSELECT v_r"
    assert _optimized_text(text) == text
    # After the join, an unused derived column still goes.
    text = "FROM t\nLOOKUP r ON k = k\nDERIVE w = x + 1\nSELECT v"
    assert "DERIVE" not in _optimized_text(text)


def test_key_types_that_cannot_compare_are_refused() -> None:
    with pytest.raises(PesqlError) as err:
        _optimized_text("FROM t\nJOIN r ON k = k", {"k": "string", "v": "string"})
    assert err.value.codes == ("E230",)
