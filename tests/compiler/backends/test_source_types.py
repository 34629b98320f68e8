"""A frame's columns take p-SQL's types before a plan runs (compiler/backends/polars/integers.py,
dtypes.widened): numbers keep p-SQL's widths, text kept as Categorical or Enum is text.

polars computes an Int32 column's sum in 32 bits, Int64 arithmetic modulo 2**64, and a product
of decimals at the larger scale of the two, all silently. p-SQL's integer is 64-bit and exact
(narrower columns are read as Int64; a result outside Int64's range fails the run with E305
"integer overflow", as in DuckDB and PostgreSQL) and its decimal has nine places. The oracles
are Python's own integers and decimals, and DuckDB.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.compiler.backends.polars.exprs import Ctx
from pesql.compiler.backends.polars.integers import is_integer
from pesql.compiler.backends.polars.lower import to_polars
from pesql.compiler.check.check import check, infer_expr
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.parse import parse, parse_expr
from pesql.grammar.registry import all_ops
from pesql.runtime.engine.sql import execute_duckdb
from pesql.runtime.testing.strategies.typed import schemas_and_tables, well_typed_plans

from pesql import execute
from tests.compiler.backends.test_differential import OP_SCHEMA, op_calls

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
NARROW = {
    pl.Int8: (-(2**7), 2**7 - 1),
    pl.Int16: (-(2**15), 2**15 - 1),
    pl.Int32: (-(2**31), 2**31 - 1),
    pl.UInt8: (0, 2**8 - 1),
    pl.UInt16: (0, 2**16 - 1),
    pl.UInt32: (0, 2**32 - 1),
}
ROW_OPS = "DERIVE s = a + b, d = a - b, m = a * b, n = -a, g = SUB_ABS(a, b), v = ABS(a)"


def _row_expected(a: int | None, b: int | None) -> dict[str, int | None]:
    if a is None or b is None:
        both = None
        return {"s": both, "d": both, "m": both, "g": both} | {
            "n": None if a is None else -a,
            "v": None if a is None else abs(a),
        }
    return {"s": a + b, "d": a - b, "m": a * b, "n": -a, "g": abs(a - b), "v": abs(a)}


@st.composite
def narrow_frames(draw: st.DrawFn) -> pl.DataFrame:
    dtype = draw(st.sampled_from(list(NARROW)))
    low, high = NARROW[dtype]
    values = st.one_of(st.none(), st.integers(low, high), st.sampled_from([low, high]))
    rows = draw(st.integers(1, 6))
    a = draw(st.lists(values, min_size=rows, max_size=rows))
    b = draw(st.lists(values, min_size=rows, max_size=rows))
    return pl.DataFrame({"a": a, "b": b}, schema={"a": dtype, "b": dtype})


@settings(max_examples=60)
@given(narrow_frames())
def test_narrow_integer_columns_compute_in_64_bits(frame: pl.DataFrame) -> None:
    # Every result of two 32-bit operands fits in 64 bits: none may wrap at the column's width.
    expected = [_row_expected(a, b) for a, b in frame.iter_rows()]
    if any(not INT64_MIN <= v <= INT64_MAX for e in expected for v in e.values() if v is not None):
        # Two UInt32 values multiply past Int64 (4294967295 ** 2): that fails, never wraps.
        with pytest.raises(PesqlError, match="integer overflow"):
            execute(ROW_OPS, frame)
        return
    got = execute(ROW_OPS, frame).frame
    rows = zip(got.iter_rows(named=True), expected, frame.iter_rows(), strict=True)
    for row, want, values in rows:
        assert {k: row[k] for k in want} == want, (frame.schema, values)
    assert got.schema["s"] == pl.Int64 and got.schema["a"] == pl.Int64
    # DuckDB reads the same widths (runtime/engine/sql.prepare widens them): same answer.
    assert execute_duckdb(parse(ROW_OPS), {"t": frame}).equals(got)
    present = [a for a in frame["a"].to_list() if a is not None]
    total = execute("AGGREGATE t = SUM(a), n = COUNT(*)", frame).frame.row(0, named=True)
    assert total["t"] == (sum(present) if present else None)
    running = execute("WINDOW c = CUMSUM(a)", frame).frame["c"].to_list()
    sums, acc = [], None
    for a in frame["a"].to_list():
        acc = acc if a is None else (a if acc is None else acc + a)
        sums.append(acc)
    assert running == sums


def test_the_sum_of_an_int32_population_column_does_not_wrap() -> None:
    frame = pl.DataFrame(
        {"country": ["a", "b", "c"], "population": [1_400_000_000, 1_400_000_000, 300_000_000]},
        schema={"country": pl.String, "population": pl.Int32},
    )
    assert frame.select(pl.col("population").sum()).item() < 0  # polars alone wraps
    got = execute("AGGREGATE total = SUM(population)", frame).frame
    assert got["total"].to_list() == [3_100_000_000]


def test_unsigned_subtraction_is_signed() -> None:
    frame = pl.DataFrame({"a": [1], "b": [2]}, schema={"a": pl.UInt64, "b": pl.UInt64})
    assert execute("DERIVE d = a - b", frame).frame["d"].to_list() == [-1]


def test_an_unsigned_64_bit_value_past_int64_fails_with_a_clear_error() -> None:
    frame = pl.DataFrame({"a": [2**64 - 1]}, schema={"a": pl.UInt64})
    with pytest.raises(PesqlError) as info:
        execute("DERIVE b = a + 1", frame)
    (d,) = info.value.diagnostics
    assert d.code == "E305" and "beyond the 64-bit range" in d.message


INT64 = st.one_of(
    st.integers(INT64_MIN, INT64_MAX),
    st.integers(-(2**32), 2**32),
    st.sampled_from([INT64_MIN, INT64_MAX, INT64_MIN + 1, -1, 0, 1, 2**62, 2**31]),
)
BINARY = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b}


@settings(max_examples=150)
@given(a=INT64, b=INT64, op=st.sampled_from(["+", "-", "*", "SUB_ABS", "NEG", "ABS", "SUM"]))
def test_int64_results_are_exact_or_an_overflow_error(a: int, b: int, op: str) -> None:
    frame = pl.DataFrame({"a": [a], "b": [b]}, schema={"a": pl.Int64, "b": pl.Int64})
    plans = {
        "SUB_ABS": ("DERIVE r = SUB_ABS(a, b)", abs(a - b)),
        "NEG": ("DERIVE r = -a", -a),
        "ABS": ("DERIVE r = ABS(a)", abs(a)),
        "SUM": ("AGGREGATE r = SUM(a) + SUM(b)", a + b),
    }
    text, exact = plans.get(op) or (f"DERIVE r = a {op} b", BINARY[op](a, b))
    if INT64_MIN <= exact <= INT64_MAX:
        assert execute(text, frame).frame["r"].to_list() == [exact]
        return
    with pytest.raises(PesqlError) as info:
        execute(text, frame)
    (d,) = info.value.diagnostics
    assert d.code == "E305" and "integer overflow" in d.message, d.message
    assert any("CAST" in h for h in d.hints)


@pytest.mark.parametrize(
    "text",
    [
        "AGGREGATE r = SUM(a)",
        "WINDOW r = CUMSUM(a)",
        "WINDOW r = DIFF(a) ORDER BY k",
        "WINDOW r = PCT_CHANGE(a) ORDER BY k",
        "GROUP_BY g COMPUTE r = SUM(a)",
    ],
)
def test_aggregates_and_windows_fail_on_overflow(text: str) -> None:
    frame = pl.DataFrame({"k": [1, 2], "g": ["x", "x"], "a": [INT64_MAX, INT64_MIN]})
    if "DIFF" not in text and "PCT" not in text:
        frame = frame.with_columns(pl.Series("a", [INT64_MAX, 1]))
    with pytest.raises(PesqlError) as info:
        execute(text, frame)
    assert "integer overflow" in info.value.diagnostics[0].message


def test_float_arithmetic_lowers_as_before() -> None:
    # Money and measures are floats (TPC-H's are): they must not pay for 128-bit integers.
    frame = pl.LazyFrame({"price": [1.5], "qty": [2], "disc": [0.1]})
    plan = parse("DERIVE r = price * (1 - disc) + price, s = SUB_ABS(price, disc)\n"
                 "AGGREGATE t = SUM(r), n = SUM(qty)")  # fmt: skip
    lowered = to_polars(check(plan, schema_from_polars(frame.collect_schema())), frame)
    explained = lowered.explain(optimized=False)
    assert explained.count("Int128") == 1  # SUM(qty) only


EXPRESSION_OPS = [s for s in all_ops() if s.category != "step"]


@pytest.mark.parametrize("spec", EXPRESSION_OPS, ids=lambda s: s.name)
def test_is_integer_agrees_with_the_checker(spec: object) -> None:
    # The lowering's reading of the declared type rules never calls integer what the checker
    # types otherwise (that would cast a float to Int128, truncating it).
    # op_calls leaves out what polars cannot take (a window over a constant): many draws.
    @settings(max_examples=15, suppress_health_check=[HealthCheck.filter_too_much])
    @given(op_calls(spec))
    def run(node: object) -> None:
        try:
            dtype = infer_expr(node, OP_SCHEMA).dtype  # type: ignore[arg-type]
        except PesqlError:
            assume(False)  # ill-typed: the checker refuses it before any lowering
        if is_integer(node, Ctx(schema=OP_SCHEMA)):  # type: ignore[arg-type]
            assert dtype in ("integer", "null"), dtype

    run()


def test_is_integer_reads_the_declared_rules() -> None:
    ctx = Ctx(schema=OP_SCHEMA)
    integer_col = next(n for n, t in OP_SCHEMA.items() if t.dtype == "integer")
    float_col = next(n for n, t in OP_SCHEMA.items() if t.dtype == "float")
    known = {
        f"{integer_col} + 1": True,
        f"{integer_col} * {float_col}": False,
        f"CASE WHEN {integer_col} > 1 THEN {integer_col} ELSE 0 END": True,
        f"CASE WHEN {integer_col} > 1 THEN {float_col} ELSE 0 END": False,
        f"CAST({float_col}, 'integer') - 1": True,
        "COUNT(*) * 2": True,
        f"{integer_col} / 2": False,
    }
    for text, expected in known.items():
        assert is_integer(parse_expr(text), ctx) is expected, text


@settings(max_examples=40)
@given(schemas_and_tables().flatmap(lambda st_: st.tuples(st.just(st_), well_typed_plans(st_[0]))))
def test_generated_plans_run_the_same_on_the_narrower_types(case: object) -> None:
    # Any plan gives over Int32 columns what it gives over the same values as Int64; over
    # text as Categorical, or as an Enum whose categories run in reverse (polars would order
    # by them), what it gives over String; over datetimes with a zone what it gives over
    # their wall-clock times.
    (_schema, frame), plan = case  # type: ignore[misc]

    # Each change sees its column named `v`: polars runs Series methods (`is_between`,
    # `dt.replace_time_zone`, ...) as `pl.col(name)`, and a generated name like `^a$` is a
    # regular expression there.
    def as_int32(column: pl.Series) -> pl.Series:
        fits = column.dtype == pl.Int64 and column.is_between(-(2**31), 2**31 - 1).all()
        return column.cast(pl.Int32) if fits else column

    def as_categorical(column: pl.Series) -> pl.Series:
        return column.cast(pl.Categorical) if column.dtype == pl.String else column

    def as_enum(column: pl.Series) -> pl.Series:
        if column.dtype != pl.String or column.null_count() == column.len():
            return column  # polars makes no empty Enum
        return column.cast(pl.Enum(sorted(set(column.to_list()) - {None}, reverse=True)))

    def as_zoned(column: pl.Series) -> pl.Series:
        # The same wall-clock times with a zone (one without daylight saving: every naive
        # time exists there).
        if column.dtype != pl.Datetime:
            return column
        return column.dt.replace_time_zone("Asia/Kolkata")

    def outcome(table: pl.DataFrame) -> pl.DataFrame | str:
        try:
            return execute(plan, table).frame
        except PesqlError as exc:
            return exc.diagnostics[0].code

    def changed(change: Callable[[pl.Series], pl.Series]) -> pl.DataFrame:
        # Built column by column: generated names may read as regular expressions to pl.col.
        columns = (frame.to_series(i) for i in range(frame.width))
        return pl.DataFrame([change(c.rename("v")).rename(c.name) for c in columns])

    expected = outcome(frame)
    for change in (as_int32, as_categorical, as_enum, as_zoned):
        got = outcome(changed(change))
        if isinstance(expected, pl.DataFrame) and isinstance(got, pl.DataFrame):
            assert got.equals(expected), change.__name__
        else:
            assert got == expected, change.__name__


@st.composite
def money_frames(draw: st.DrawFn) -> pl.DataFrame:
    scale = draw(st.integers(0, 4))
    cents = st.integers(-(10**8), 10**8).map(lambda v: Decimal(v).scaleb(-scale))
    rows = draw(st.integers(1, 5))
    values = draw(st.lists(st.one_of(st.none(), cents), min_size=2 * rows, max_size=2 * rows))
    dtype = pl.Decimal(18, scale)
    return pl.DataFrame({"p": values[:rows], "q": values[rows:]}, schema={"p": dtype, "q": dtype})


@settings(max_examples=60)
@given(money_frames())
def test_decimal_products_keep_every_digit(frame: pl.DataFrame) -> None:
    # polars alone multiplies at the larger scale (1.25 * 1.25 = 1.56 at two places); SQL, and
    # p-SQL, keep the digits: two amounts of up to 4 places multiply exactly at 9.
    got = execute("DERIVE m = p * q, c = p * q * q, s = p + q", frame).frame
    for row in got.iter_rows(named=True):
        p, q = row["p"], row["q"]
        if p is None or q is None:
            assert row["m"] is None and row["s"] is None
            continue
        assert (row["m"], row["s"]) == (p * q, p + q)
        assert abs(row["c"] - p * q * q) <= Decimal("1e-9")  # 12 places, cut to 9
    assert got.schema["m"] == pl.Decimal(38, 9)
    duck = execute_duckdb(parse("DERIVE m = p * q, s = p + q"), {"t": frame})
    assert duck["m"].to_list() == got["m"].to_list() and duck["s"].to_list() == got["s"].to_list()


def test_a_tax_on_a_price_keeps_its_digits() -> None:
    frame = pl.DataFrame(
        {"price": [Decimal("19.99")], "rate": [Decimal("0.15")]},
        schema={"price": pl.Decimal(10, 2), "rate": pl.Decimal(10, 2)},
    )
    # polars alone rounds the product to the columns' two places
    assert frame.select(pl.col("price") * pl.col("rate")).item() == Decimal("3.00")
    got = execute("DERIVE tax = price * rate", frame).frame
    assert got["tax"].to_list() == [Decimal("2.9985")]


def test_a_column_the_same_derive_made_an_integer_is_checked_too() -> None:
    frame = pl.DataFrame({"a": [2**31], "b": [2**31]})
    with pytest.raises(PesqlError, match="integer overflow"):
        execute("DERIVE x = a * b, y = x * x", frame)  # x = 2**62 fits; x * x does not
    got = execute("DERIVE x = a * b, y = x / 2, z = CAST(x, 'float') * x", frame).frame
    assert got.row(0, named=True)["z"] == float(2**124)


def test_a_zoned_datetime_is_its_wall_clock_time_on_every_engine() -> None:
    # Half past midnight in Berlin is still the old year in UTC: DuckDB said 2023, polars 2024.
    frame = pl.DataFrame({"t": [dt.datetime(2024, 1, 1, 0, 30)]}).with_columns(
        pl.col("t").dt.replace_time_zone("Europe/Berlin")
    )
    plan = "DERIVE y = YEAR(t), d = DATE_TRUNC('day', t)"
    got = execute(plan, frame).frame
    assert got.row(0) == (dt.datetime(2024, 1, 1, 0, 30), 2024, dt.datetime(2024, 1, 1))
    assert execute_duckdb(parse(plan), {"t": frame}).equals(got)
