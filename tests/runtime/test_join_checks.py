"""Data-aware checks of JOIN and LOOKUP at execution (runtime/engine/joins.py)."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.grammar.diagnostics import PesqlError
from pesql.runtime.engine.execute import Result, compile
from pesql.runtime.engine.limits import Limits
from pesql.runtime.tables.catalog import Catalog
from pesql.runtime.tables.table import load_table

FLIGHTS = pl.DataFrame(
    {"carrier": ["UA", "AA", "UA", "DL", None], "tailnum": ["N1", "N2", "N1", "N3", "N2"]}
)
AIRLINES = pl.DataFrame({"carrier": ["AA", "UA", "DL"], "name": ["American", "United", "Delta"]})
PLANES = pl.DataFrame({"tailnum": ["N1", "N1", "N1", "N2"], "seats": [100, 120, 140, 50]})


def run(text: str, limits: Limits | None = None, **tables: pl.DataFrame) -> Result:
    tables = tables or {"flights": FLIGHTS, "airlines": AIRLINES, "planes": PLANES}
    schemas = {n: schema_from_polars(f.schema) for n, f in tables.items()}
    return compile(text, schemas).collect(tables, limits)


def codes(result: Result) -> list[str]:
    return [n.code for n in result.notes]


def test_a_clean_lookup_has_no_notes() -> None:
    result = run("FROM flights\nLOOKUP airlines ON carrier = carrier")
    assert result.frame["name"].to_list() == ["United", "American", "United", "Delta", None]
    assert codes(result) == []


def test_lookup_on_a_repeated_key_names_the_keys() -> None:
    with pytest.raises(PesqlError) as err:
        run("FROM flights\nLOOKUP planes ON tailnum = tailnum")
    [d] = err.value.diagnostics
    assert d.code == "E330"
    assert "'N1' (3 rows)" in d.message and "`planes`" in d.message
    assert any("GROUP_BY tailnum" in h for h in d.hints)


def test_a_join_that_multiplies_rows_warns_with_counts() -> None:
    result = run("FROM flights\nJOIN LEFT planes ON tailnum = tailnum")
    assert result.frame.height == 9
    [w] = [n for n in result.notes if n.code == "W330"]
    assert w.severity == "warning"
    assert "5 rows into 9" in w.message and "up to 3 rows per key" in w.message
    assert any("LOOKUP" in h for h in w.hints)


def test_most_rows_without_a_match_warn_with_both_spellings() -> None:
    padded = FLIGHTS.with_columns(pl.col("carrier").str.pad_start(3))
    result = run(
        "FROM flights\nLOOKUP airlines ON carrier = carrier",
        flights=padded,
        airlines=AIRLINES,
    )
    [w] = [n for n in result.notes if n.code == "W331"]
    assert "5 of 5 rows" in w.message and "keep nulls" in w.message
    assert "' UA'" in w.hints[0] and "'UA'" in w.hints[0]


def test_an_inner_join_dropping_most_rows_warns() -> None:
    few = pl.DataFrame({"carrier": ["UA"], "name": ["United"]})
    result = run("FROM flights\nJOIN airlines ON carrier = carrier", flights=FLIGHTS, airlines=few)
    assert result.frame.height == 2
    [w] = [n for n in result.notes if n.code == "W331"]
    assert "3 of 5 rows" in w.message and "are dropped" in w.message


def test_warnings_can_be_switched_off() -> None:
    result = run("FROM flights\nJOIN planes ON tailnum = tailnum", Limits(data_warnings=False))
    assert codes(result) == []


def test_the_row_estimate_refuses_a_join_before_running() -> None:
    # 5 flights, at most 3 planes per tail number: up to 15 rows.
    with pytest.raises(PesqlError) as err:
        run("FROM flights\nJOIN planes ON tailnum = tailnum", Limits(max_join_rows=14))
    [d] = err.value.diagnostics
    assert d.code == "E331" and d.found == "15" and d.expected == "14"
    assert run("FROM flights\nJOIN planes ON tailnum = tailnum", Limits(max_join_rows=15))


def test_chained_joins_multiply_the_estimate() -> None:
    text = "FROM flights\nJOIN planes ON tailnum = tailnum\nJOIN planes ON tailnum = tailnum"
    with pytest.raises(PesqlError) as err:
        run(text, Limits(max_join_rows=44))
    assert err.value.diagnostics[0].found == "45"


def test_a_catalog_supplies_the_joined_tables() -> None:
    catalog = Catalog([load_table(FLIGHTS, name="flights"), load_table(AIRLINES, name="airlines")])
    compiled = compile("FROM flights\nJOIN SEMI airlines ON carrier = carrier", catalog.schemas())
    assert compiled.collect(catalog).frame.height == 4


def test_a_joined_table_missing_at_run_time_is_e210() -> None:
    schemas = {
        "flights": schema_from_polars(FLIGHTS.schema),
        "airlines": schema_from_polars(AIRLINES.schema),
    }
    compiled = compile("FROM flights\nLOOKUP airlines ON carrier = carrier", schemas)
    with pytest.raises(PesqlError) as err:
        compiled.collect({"flights": FLIGHTS})
    assert err.value.codes == ("E210",)


def test_a_joined_table_of_another_shape_is_e305() -> None:
    schemas = {
        "flights": schema_from_polars(FLIGHTS.schema),
        "airlines": schema_from_polars(AIRLINES.schema),
    }
    compiled = compile("FROM flights\nLOOKUP airlines ON carrier = carrier", schemas)
    other = AIRLINES.with_columns(pl.col("carrier").cast(pl.Categorical).to_physical())
    with pytest.raises(PesqlError) as err:
        compiled.collect({"flights": FLIGHTS, "airlines": other})
    assert err.value.codes == ("E305",)


def test_explain_without_tables_plans_the_join_on_empty_frames() -> None:
    schemas = {
        "flights": schema_from_polars(FLIGHTS.schema),
        "airlines": schema_from_polars(AIRLINES.schema),
    }
    text = compile("FROM flights\nLOOKUP airlines ON carrier = carrier", schemas).explain()
    assert "LEFT JOIN" in text and "name: string" in text


@given(st.lists(st.integers(0, 99), min_size=1, max_size=8, unique=True), st.booleans())
def test_keys_spelled_differently_are_caught(keys: list[int], as_number: bool) -> None:
    """The same keys as padded text (' 12') on one side and as numbers or plain text ('12') on
    the other: numbers never compare with text (E230, before running); padded text matches
    nothing, and W331 shows both spellings."""
    padded = pl.DataFrame({"k": [f" {k}" for k in keys]})
    other = pl.DataFrame(
        {"k": keys if as_number else [str(k) for k in keys], "v": list(range(len(keys)))}
    )
    if as_number:
        with pytest.raises(PesqlError) as err:
            run("FROM t\nLOOKUP r ON k = k", t=padded, r=other)
        assert err.value.codes == ("E230",)
        return
    result = run("FROM t\nLOOKUP r ON k = k", t=padded, r=other)
    assert result.frame["v"].null_count() == len(keys)
    [w] = [n for n in result.notes if n.code == "W331"]
    assert f"{len(keys)} of {len(keys)} rows" in w.message
    assert repr(f" {keys[0]}") in w.hints[0] and repr(str(keys[0])) in w.hints[0]
