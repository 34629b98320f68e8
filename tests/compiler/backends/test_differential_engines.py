"""Differential testing on the real engines: PostgreSQL and Spark give polars' answers.

The same generators as the DuckDB suite (test_differential.py): whole well-typed plans over
generated tables, and every operation from its signature. A plan a dialect cannot express
must be refused with E310 (never run with a silently different answer); every other plan
must agree with polars, up to the declared differences (docs/sql.md, "Known differences").

Budgets: Spark runs ~0.1-0.3 s per query, so its examples are a fraction of the profile's
(`ci` bounded; `make fuzz` runs thousands).
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import assume, given, note, settings
from pesql.compiler.backends.sql.lower import UNSUPPORTED, UNSUPPORTED_IN_WINDOW
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.ops import logic, rows
from pesql.grammar.printer import to_text
from pesql.grammar.registry import OpSpec, all_ops
from pesql.runtime.engine.postgres import execute_postgres
from pesql.runtime.testing.strategies.typed import tables

from tests.compiler.backends.test_differential import (
    OP_SCHEMA,
    Runner,
    _fails_alone,
    assert_same,
    computed_float_keys,
    failing_constant_cast_in_aggregate,
    float_remainders,
    op_plans,
    plans_and_tables,
    run_polars,
    special_casing,
    uses,
)

# Share of the profile's examples per engine (whole plans; per operation it is divided again).
SHARE = {"postgres": 1, "spark": 6}


def declared_unsupported(plan: A.Plan, dialect: str) -> bool:
    """Whether `dialect` declares (E310) an operation of `plan`."""
    windowed = [s for s in plan.steps if isinstance(s, rows.Window)]
    return uses(plan, UNSUPPORTED[dialect]) or any(  # type: ignore[index]
        uses(A.Plan(steps=(w,)), UNSUPPORTED_IN_WINDOW.get(dialect, frozenset()))  # type: ignore[call-overload]
        for w in windowed
    )


def check_engine(plan: A.Plan, frame: pl.DataFrame, name: str, run: Runner) -> None:
    if declared_unsupported(plan, name):
        with pytest.raises(PesqlError) as info:
            run(plan, {"t": frame})
        assert "E310" in info.value.codes
        return
    try:
        assert_same(plan, frame, name, run)
    except AssertionError as exc:
        if "error[E310]" in str(exc).splitlines()[0]:
            # Declared while lowering (a construct the dialect cannot say, e.g. TRY_CAST of
            # text on Postgres): refused, never run with a different answer.
            note("declared: E310")
            return
        first = str(exc).splitlines()[0]
        if "failed where polars did not" in first and constant_cast(plan):
            # Declared: both engines fold a constant CAST while planning, so CAST('a', 'date')
            # fails even where no row reaches it (an empty table, a FILTER before it).
            note("declared: the engine folds a failing constant CAST")
            return
        declared = postgres_declared(plan, first) if name == "postgres" else None
        if declared is None:
            raise
        note(f"declared difference: {declared}")


FLOAT_RANGE = "value out of range"
# PARSE_NUMBER('1e400'): Postgres has no TRY_CAST and its float input raises out of range.
PARSE_FLOAT_RANGE = "out of range for type double precision"
# PARSE_DATE of a year outside 1..9999: no year 0 in Postgres (MAKE_DATE raises), and psycopg
# reads no date outside 1..9999 (Python's dates).
DATE_RANGE = ("date field value out of range", "date too small", "date too large")


def postgres_declared(plan: A.Plan, first: str) -> str | None:
    """The declared Postgres error `first` (an error line) is, else None (docs/sql.md)."""
    if FLOAT_RANGE in first or PARSE_FLOAT_RANGE in first:
        # Postgres raises on float overflow/underflow (EXP(1000), 1e300 * 1e300, '1e400')
        # where IEEE, and p-SQL, give inf (-> NULL) or 0: an error, never a different answer.
        return "float range"
    if uses(plan, frozenset({"PARSE_DATE"})) and any(d in first for d in DATE_RANGE):
        return "date outside years 1..9999"
    return None


def constant_cast(plan: A.Plan) -> bool:
    """Whether `plan` holds a CAST of a constant that fails on its own."""
    casts = [n for n in plan.walk() if isinstance(n, logic.Cast)]
    return any(_fails_alone(c) for c in casts if not any(isinstance(n, A.Col) for n in c.walk()))


def test_engines_match_polars_on_well_typed_plans(engine: tuple[str, Runner]) -> None:
    name, run = engine

    @settings(max_examples=max(5, settings().max_examples // SHARE[name]))
    @given(plans_and_tables)
    def check(case: tuple[A.Plan, pl.DataFrame]) -> None:
        plan, frame = case
        note(to_text(plan))
        assume(not special_casing(plan, frame) and not computed_float_keys(plan, frame))
        assume(not float_remainders(plan, frame))
        assume(not failing_constant_cast_in_aggregate(plan))
        check_engine(plan, frame, name, run)

    check()


OPS = [s for s in all_ops() if s.category != "step"]


@pytest.mark.parametrize("spec", OPS, ids=lambda s: s.name)
def test_engines_match_polars_per_operation(spec: OpSpec, engine: tuple[str, Runner]) -> None:
    name, run = engine

    @settings(
        max_examples=max(1 if name == "spark" else 2, settings().max_examples // (15 * SHARE[name]))
    )
    @given(op_plans(spec), tables(OP_SCHEMA, max_rows=8))
    def check(plan: A.Plan, frame: pl.DataFrame) -> None:
        note(to_text(plan))
        assume(not special_casing(plan, frame))
        check_engine(plan, frame, name, run)

    check()


# --- regressions found by the fuzz on the real engines ----------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "WINDOW n = LAG('a'), m = LEAD('b', offset => 2) ORDER BY i",  # Postgres: type unknown
        "DERIVE w = WEEKDAY(d), h = HOUR(ts), q = QUARTER(d)",  # no HOUR() in Postgres; ISO
        "DERIVE e = ENDS_WITH(s, 'b'), x = REGEXP_EXTRACT(s, '(?i)(A)(b)?', group => 2)",
        "GROUP_BY g COMPUTE lo = MIN(b), hi = MAX(b)",  # Postgres: BOOL_AND / BOOL_OR
        "DERIVE n = CAST(b, 'integer'), t = CAST(i, 'boolean'), c = CONCAT(f, '|', 3.0)",
        "DERIVE p = POW(f, 0.5), z = POW(0, -1)",  # Postgres raises; p-SQL: NULL
        "FILTER TRY_CAST(s, 'date') IS NULL",  # Spark: TRY_CAST, not CAST (ANSI mode)
        "DERIVE r = CAST(h, 'integer'), t = TRY_CAST(-h, 'integer')",  # Postgres: half to even
        "DERIVE r = f % 2.5, m = i % h, z = f % 0.0",  # Postgres: no % for doubles
        # Spark: TRUNC(x, 'SECOND') is NULL (TRUNC knows year..week); DATE_TRUNC is meant.
        "DERIVE s = DATE_DIFF('second', ts, ts), h = DATE_DIFF('hour', d, ts),"
        " t = DATE_TRUNC('minute', ts), w = DATE_DIFF('week', d, d)",
        # Spark: Java's replacement syntax is `$1` (`\1` is a literal 1), `$$` is `\$`.
        "DERIVE r = REGEXP_REPLACE(s, '(b)', '<$1>'), q = REGEXP_REPLACE(s, 'a', '$$')",
    ],
)
def test_found_differences_stay_fixed(source: str, engine: tuple[str, Runner]) -> None:
    import datetime as dt

    from pesql.grammar.parse import parse

    name, run = engine
    frame = pl.DataFrame(
        {
            "i": [3, 1, 2, None],
            "g": ["x", "y", "x", "y"],
            "f": [-8.0, 2.25, 3.0, None],
            "h": [0.5, 1.5, 2.5, -0.5],
            "s": ["ab", "Ab", "2024-01-05", None],
            "b": [True, False, None, True],
            "d": [dt.date(2024, 2, 24), dt.date(2024, 2, 25), None, dt.date(2023, 12, 31)],
            "ts": [dt.datetime(2024, 1, 1, 17, 46), None, dt.datetime(2024, 1, 7), None],
        }
    )
    plan = parse(source)
    if name == "postgres" and "TRY_CAST(s" in source:
        with pytest.raises(PesqlError) as info:
            run(plan, {"t": frame})
        assert "E310" in info.value.codes  # declared: Postgres 15 has no TRY_CAST
        return
    assert_same(plan, frame, name, run)


def test_float_range_errors_are_the_declared_postgres_difference(postgres_conn: Any) -> None:
    frame = pl.DataFrame({"f": [1000.0]})
    plan = A.Plan(steps=(rows.Derive(columns=(A.Assign(name="e", expr=_exp_of_f()),)),))
    assert run_polars(plan, frame)["e"].to_list() == [None]  # inf is not a p-SQL number
    with pytest.raises(PesqlError) as info:
        execute_postgres(plan, {"t": frame}, postgres_conn)
    assert info.value.codes == ("E305",) and FLOAT_RANGE in str(info.value)


def _exp_of_f() -> A.Expr:
    from pesql.grammar.parse import parse_expr

    return parse_expr("EXP(f)")
