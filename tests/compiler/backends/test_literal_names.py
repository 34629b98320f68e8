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


# The data warnings run their own queries on the user's columns (runtime/engine/): a probe
# that named a column as a pattern would read other columns (a wrong warning), or fail and
# lose the warning. Each plan draws one warning; the odd name must draw the same one.
WARNING_PLANS = [
    ("SORT {q}\nLIMIT 1", "W305"),  # the tie probe selects the sort keys
    ("FILTER {t} = 'z '", "W301"),  # the near-spelling probe groups by the column
]


def _odd_text_frame(name: str, text: str) -> pl.DataFrame:
    return frame_with(name).with_columns(pl.Series(text, ["x", "y", "z", "y"]))


@pytest.mark.parametrize("name", ODD)
@pytest.mark.parametrize(("template", "code"), WARNING_PLANS)
def test_odd_names_draw_the_same_warnings(name: str, template: str, code: str) -> None:
    text = f"{name}t" if expands(f"{name}t") else "^t.*$"  # a text column with a pattern name
    odd = execute(
        parse(template.format(q=quote_name(name), t=quote_name(text))), _odd_text_frame(name, text)
    )
    plain = execute(
        parse(template.format(q="x", t="t")),
        _odd_text_frame(name, text).rename({name: "x", text: "t"}),
    )
    assert code in [n.code for n in plain.notes]
    assert [n.code for n in odd.notes] == [n.code for n in plain.notes]
    # The same hints, once the names are put back (W301: "the table spells it 'z'").
    renamed = [
        h.replace(quote_name(text), "t").replace(quote_name(name), "x")
        for n in odd.notes
        for h in n.hints
    ]
    assert renamed == [h for n in plain.notes for h in n.hints]


@pytest.mark.parametrize("name", ["^n$", "n", "*"])
def test_a_column_named_like_the_probes_own_count_keeps_its_warning(name: str) -> None:
    frame = pl.DataFrame({name: ["Adelie", "Gentoo", "Adelie"]})
    result = execute(parse(f"FILTER {quote_name(name)} = 'adelie'"), frame)
    [note] = [n for n in result.notes if n.code == "W301"]
    assert "'Adelie'" in note.message + " ".join(note.hints)


@pytest.mark.parametrize("key", ["^k$", "*", "__n"])
def test_join_warnings_on_keys_named_like_patterns(key: str) -> None:
    from pesql.compiler.backends.polars.dtypes import schema_from_polars
    from pesql.grammar.diagnostics import PesqlError
    from pesql.runtime.engine.execute import compile as compile_plan

    left = pl.DataFrame({key: ["a", "b", "c", "d"], "k": ["x", "x", "x", "x"]})
    right = pl.DataFrame({key: ["a", "a", "B"], "v": [1, 2, 3]})
    tables = {"l": left, "r": right}
    schemas = {n: schema_from_polars(f.schema) for n, f in tables.items()}
    q = quote_name(key)
    with pytest.raises(PesqlError) as err:  # LOOKUP on a repeated key: E330 names it
        compile_plan(f"FROM l\nLOOKUP r ON {q} = {q}", schemas).collect(tables)
    assert [d.code for d in err.value.diagnostics] == ["E330"]
    assert "'a' (2 rows)" in err.value.diagnostics[0].message
    result = compile_plan(f"FROM l\nJOIN r ON {q} = {q}", schemas).collect(tables)
    [w] = [n for n in result.notes if n.code == "W331"]  # 3 of 4 rows find no match
    assert "'b'" in w.hints[0] and "'B'" in w.hints[0]


def test_text_width_estimate_reads_odd_names_literally() -> None:
    from pesql.runtime.engine.estimate import table_stats

    frame = pl.DataFrame({"^a.*$": ["x"], "ab": ["yyyy"], "ac": ["zzzzzzzz"]}).lazy()
    stats = table_stats(frame)
    assert stats.text_bytes == {"^a.*$": 1.0, "ab": 4.0, "ac": 8.0}


@pytest.mark.parametrize("name", ["^y.*$", "*"])
def test_rows_from_a_sql_engine_keep_odd_names(name: str) -> None:
    import datetime as dt

    from pesql.compiler.check.schema import ColumnType, Schema
    from pesql.runtime.engine.sql import rows_to_frame

    schema = Schema(((name, ColumnType("datetime")), ("d", ColumnType("date"))))
    rows = [(dt.datetime(2024, 1, 2, 3, 4), dt.date(2024, 1, 2))]
    frame = rows_to_frame(rows, schema)
    assert frame.columns == [name, "d"]
    assert frame.get_column(name).to_list() == [dt.datetime(2024, 1, 2, 3, 4)]


def test_duckdb_answers_with_an_interval_beside_a_column_called_star() -> None:
    """Found by the fuzz profile: DuckDB's intervals are converted column by column, and
    `duckdb.ColumnExpression("*")` is every column (the interval again, which polars cannot
    import: a Rust panic) rather than the column `*`."""
    import datetime as dt

    from pesql.runtime.engine.sql import execute_duckdb

    frame = pl.DataFrame({"*": [1, 2], "d": [dt.timedelta(0), dt.timedelta(days=2)]})
    got = execute_duckdb(parse("SORT `*` DESC"), {"t": frame})
    assert got.columns == ["*", "d"]
    assert got.get_column("*").to_list() == [2, 1]
    assert got.get_column("d").to_list() == [dt.timedelta(days=2), dt.timedelta(0)]
