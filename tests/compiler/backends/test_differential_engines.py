"""Differential testing on the real engines: PostgreSQL and Spark give polars' answers.

The same generators as the DuckDB suite (test_differential.py): whole well-typed plans over
generated tables, and every operation from its signature. A plan a dialect cannot express
must be refused with E310 (never run with a silently different answer); every other plan
must agree with polars, up to the declared differences (docs/sql.md, "Known differences").

Budgets: Spark runs ~0.1-0.3 s per query, so its examples are a fraction of the profile's
(`ci` bounded; `make fuzz` runs thousands).
"""

from __future__ import annotations

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
from pesql.runtime.engine.spark import execute_spark
from pesql.runtime.testing.strategies.typed import tables

from tests.compiler.backends.test_differential import (
    OP_SCHEMA,
    Runner,
    _fails_alone,
    assert_same,
    computed_float_keys,
    failing_constant_cast_in_aggregate,
    op_plans,
    plans_and_tables,
    special_casing,
    uses,
)

ENGINES = ("postgres", "spark")
# Share of the profile's examples per engine (whole plans; per operation it is divided again).
SHARE = {"postgres": 1, "spark": 6}


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> tuple[str, Runner]:
    name: str = request.param
    if name == "postgres":
        conn = request.getfixturevalue("postgres_conn")
        return name, lambda plan, frames: execute_postgres(plan, frames, conn)
    session = request.getfixturevalue("spark")
    return name, lambda plan, frames: execute_spark(plan, frames, session)


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
        if not (name == "postgres" and FLOAT_RANGE in first):
            raise
        # Declared: Postgres raises on float overflow/underflow (EXP(1000), 1e300 * 1e300)
        # where IEEE, and p-SQL, give inf (-> NULL) or 0: an error, never a different answer.
        note(f"declared difference: {FLOAT_RANGE}")


FLOAT_RANGE = "value out of range"


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
