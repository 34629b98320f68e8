"""Column names that polars would read as patterns (`*`, `^year$`) are plain names everywhere.

`pl.col("^year$")` is a regex and `pl.col("*")` every column: a plan naming such a column
must read that column only and return exactly the columns the checker promised, in every step
that names columns, in the table loader and in the prompt's table overview."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from pesql.compiler.backends.polars.names import col, expands
from pesql.compiler.check.check import check
from pesql.grammar.parse import parse
from pesql.grammar.printer import quote_name
from pesql.runtime.engine.execute import execute
from pesql.runtime.llm.prompt import column_stats
from pesql.runtime.tables.table import load_table

from tests.compiler.backends.test_differential import assert_same

# Each odd name beside columns its pattern would match.
ODD = ["^year$", "*", "^sp.*$", "^a", "b$", "a.*"]


def frame_with(name: str) -> pl.DataFrame:
    return pl.DataFrame(
        {name: [3, 1, 2, 1], "year": [10, 20, 30, 40], "species": ["x", "y", "x", "y"]}
    )


PLANS = [
    "FILTER {q} > 1",
    "DERIVE twice = {q} * 2",
    "SELECT {q}",
    "SELECT {q} AS renamed, year",
    "DROP {q}",
    "SORT {q} DESC, year",
    "GROUP_BY {q} COMPUTE n = COUNT(*)",
    "GROUP_BY species COMPUTE top = MAX({q})",
    "DISTINCT {q}",
    "WINDOW r = ROW_NUMBER() PARTITION BY {q} ORDER BY year",
    "WINDOW c = LAG({q}) ORDER BY {q}",
    "SORT {q}\nLIMIT 2 WITH TIES",
]


@pytest.mark.parametrize("name", ODD)
@pytest.mark.parametrize("template", PLANS)
def test_odd_names_are_literal(name: str, template: str) -> None:
    frame = frame_with(name)
    plan = parse(template.format(q=quote_name(name)))
    promised = check(plan, _schema(frame)).output_schema.names()
    result = execute(plan, frame).frame
    assert result.columns == list(promised)
    # The same plan on a frame where the odd column is called `x`: the same values.
    renamed = execute(parse(template.format(q="x")), frame.rename({name: "x"})).frame
    assert result.rename({name: "x"} if name in result.columns else {}).rows() == renamed.rows()
    assert_same(plan, frame)  # and DuckDB agrees


def _schema(frame: pl.DataFrame):  # type: ignore[no-untyped-def]
    from pesql.compiler.backends.polars.dtypes import schema_from_polars

    return schema_from_polars(frame.schema)


def test_the_helper_expands_only_what_polars_expands() -> None:
    frame = pl.DataFrame({n: [i] for i, n in enumerate([*ODD, "year", "species"])})
    for _ in range(2):  # built, then from the table of built column expressions
        for name in frame.columns:
            assert frame.select(col(name)).columns == [name]
            assert expands(name) == (frame.select(pl.col(name)).columns != [name])


@pytest.mark.parametrize("name", ["^year$", "*"])
def test_loaded_csv_headers_are_literal(name: str, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(f'"{name}",year\n" 1 ",10\n" 2 ",20\n', encoding="utf-8")
    table = load_table(path)
    loaded = table.frame.collect()
    assert loaded.columns == [name, "year"]
    assert loaded[name].to_list() == [1, 2]  # cleaned: trimmed and typed, its own values
    rows, stats = column_stats(table.frame, samples=2)
    assert rows == 2 and [s.name for s in stats] == [name, "year"]
