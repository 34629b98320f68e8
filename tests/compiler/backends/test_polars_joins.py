"""JOIN and LOOKUP rows, hand-checked: kinds, several keys, nulls, names, order, key types.

Each case: the current table, the joined table `r`, a plan, the expected output (all columns,
in order). The same cases run on DuckDB and SQLite (the SQL backend) and must agree.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.compiler.backends.polars.lower import to_polars
from pesql.compiler.check.check import check
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.parse import parse
from pesql.runtime.engine.sql import execute_duckdb, execute_sqlite

N = None
Frame = dict[str, list[Any]]
# (operation, current table, joined table `r`, plan after `FROM t`, expected output)
JoinCase = tuple[str, Frame, Frame, str, Frame]

T: Frame = {"k": [1, 2, N, 3, 1], "x": ["a", "b", "c", "d", "e"]}
R_UNIQUE: Frame = {"k": [3, 1, 9], "v": [30, 10, 90]}
R_REPEATS: Frame = {"k": [1, 2, 1, N], "v": [10, 20, 11, 0]}

JOIN_CASES: list[JoinCase] = [
    # inner: only rows with a match, in the current order; the joined key is not repeated
    (
        "JOIN",
        T,
        R_UNIQUE,
        "JOIN r ON k = k",
        {"k": [1, 3, 1], "x": ["a", "d", "e"], "v": [10, 30, 10]},
    ),
    # several matches: the joined table's order within one row; a null key never matches
    (
        "JOIN",
        T,
        R_REPEATS,
        "JOIN r ON k = k",
        {"k": [1, 1, 2, 1, 1], "x": ["a", "a", "b", "e", "e"], "v": [10, 11, 20, 10, 11]},
    ),
    (
        "JOIN",
        T,
        R_UNIQUE,
        "JOIN LEFT r ON k = k",
        {"k": [1, 2, N, 3, 1], "x": ["a", "b", "c", "d", "e"], "v": [10, N, N, 30, 10]},
    ),
    ("JOIN", T, R_REPEATS, "JOIN SEMI r ON k = k", {"k": [1, 2, 1], "x": ["a", "b", "e"]}),
    # anti keeps the row with a null key: it matches nothing
    ("JOIN", T, R_REPEATS, "JOIN ANTI r ON k = k", {"k": [N, 3], "x": ["c", "d"]}),
    # two keys must both match
    (
        "JOIN",
        {"a": [1, 1, 2], "b": ["p", "q", "p"]},
        {"a": [1, 2, 1], "b": ["q", "p", "p"], "v": [1, 2, 3]},
        "JOIN r ON a = a, b = b",
        {"a": [1, 1, 2], "b": ["p", "q", "p"], "v": [3, 1, 2]},
    ),
    # keys with different names; a clashing column gets the table's name as a suffix
    (
        "JOIN",
        {"id": [2, 1], "x": [5, 6]},
        {"key": [1, 2], "x": [100, 200]},
        "JOIN r ON id = key",
        {"id": [2, 1], "x": [5, 6], "x_r": [200, 100]},
    ),
    # integer keys against float keys compare as numbers
    (
        "JOIN",
        {"k": [1, 2]},
        {"k": [2.0, 1.5], "v": ["two", "one and a half"]},
        "JOIN LEFT r ON k = k",
        {"k": [1, 2], "v": [N, "two"]},
    ),
    (
        "LOOKUP",
        T,
        R_UNIQUE,
        "LOOKUP r ON k = k",
        {"k": [1, 2, N, 3, 1], "x": ["a", "b", "c", "d", "e"], "v": [10, N, N, 30, 10]},
    ),
    # steps after a join see the added columns
    (
        "LOOKUP",
        T,
        R_UNIQUE,
        "LOOKUP r ON k = k\nFILTER v IS NULL\nSELECT x",
        {"x": ["b", "c"]},
    ),
]


def frames(left: Frame, right: Frame) -> dict[str, pl.DataFrame]:
    return {"t": pl.DataFrame(left), "r": pl.DataFrame(right)}


def run_polars(tables: dict[str, pl.DataFrame], text: str) -> pl.DataFrame:
    schemas = {n: schema_from_polars(f.schema) for n, f in tables.items()}
    checked = check(parse("FROM t\n" + text), schemas)
    lazy = {n: f.lazy() for n, f in tables.items()}
    return to_polars(checked, lazy["t"], lazy).collect()


IDS = [f"{c[0]}-{i}" for i, c in enumerate(JOIN_CASES)]


@pytest.mark.parametrize(("op", "left", "right", "text", "expected"), JOIN_CASES, ids=IDS)
def test_join(op: str, left: Frame, right: Frame, text: str, expected: Frame) -> None:
    result = run_polars(frames(left, right), text)
    assert result.columns == list(expected)
    assert result.to_dict(as_series=False) == expected


@pytest.mark.parametrize(("op", "left", "right", "text", "expected"), JOIN_CASES, ids=IDS)
def test_join_in_sql_engines(
    op: str, left: Frame, right: Frame, text: str, expected: Frame
) -> None:
    tables = frames(left, right)
    plan = parse("FROM t\n" + text)
    assert execute_duckdb(plan, tables).to_dict(as_series=False) == expected
    assert execute_sqlite(plan, tables).to_dict(as_series=False) == expected


ONE_STEP = [c for c in JOIN_CASES if "\n" not in c[3]]


@pytest.mark.parametrize(("op", "left", "right", "text", "expected"), ONE_STEP)
def test_join_on_empty_tables(
    op: str, left: Frame, right: Frame, text: str, expected: Frame
) -> None:
    empty_left = frames(left, right) | {"t": pl.DataFrame(left).clear()}
    assert run_polars(empty_left, text).height == 0
    # Without joined rows, the kinds that keep unmatched rows keep them all, the others none.
    empty_right = frames(left, right) | {"r": pl.DataFrame(right).clear()}
    keeps = any(word in text for word in ("LEFT", "ANTI", "LOOKUP"))
    rows = len(next(iter(left.values())))
    assert run_polars(empty_right, text).height == (rows if keeps else 0)


def test_lookup_on_a_repeated_key_is_refused_by_polars() -> None:
    with pytest.raises(pl.exceptions.ComputeError, match="m:1"):
        run_polars(frames(T, R_REPEATS), "LOOKUP r ON k = k")


def test_missing_joined_frame_is_e210() -> None:
    tables = frames(T, R_UNIQUE)
    schemas = {n: schema_from_polars(f.schema) for n, f in tables.items()}
    checked = check(parse("FROM t\nJOIN r ON k = k"), schemas)
    with pytest.raises(PesqlError) as err:
        to_polars(checked, tables["t"].lazy())
    assert err.value.codes == ("E210",)
