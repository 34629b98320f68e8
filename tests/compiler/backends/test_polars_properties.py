"""Properties of the polars backend over generated well-typed plans and tables.

Compiling a plan the checker accepts never fails, and running it raises nothing but
`PesqlError` with an execution code (E303 time, E305 a value polars cannot convert).
"""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.compiler.backends.polars.dtypes import dtype_of_polars
from pesql.compiler.backends.polars.lower import step_frames, to_polars
from pesql.compiler.check.check import check
from pesql.compiler.check.schema import Schema
from pesql.grammar.ast import Plan
from pesql.grammar.diagnostics import PesqlError
from pesql.runtime.engine.execute import compile
from pesql.runtime.testing.strategies.typed import schemas_and_tables, well_typed_plans
from polars.testing import assert_frame_equal

EXECUTION_CODES = {"E303", "E304", "E305"}


@st.composite
def cases(draw: st.DrawFn) -> tuple[Schema, pl.DataFrame, Plan]:
    schema, frame = draw(schemas_and_tables(max_rows=12))
    # The generator only builds plans the checker accepts (its own test asserts that).
    plan = draw(well_typed_plans(schema, max_steps=4))
    return schema, frame, plan


@given(cases())
def test_checked_plans_lower_and_run(case: tuple[Schema, pl.DataFrame, Plan]) -> None:
    schema, frame, plan = case
    compiled = compile(plan, schema, optimize=False)
    lazy = compiled.lazy(frame)  # lowering never fails on a checked plan
    try:
        result = compiled.collect(frame)
    except PesqlError as exc:
        assert set(exc.codes) <= EXECUTION_CODES, exc
        return
    # What ran has the columns the checker promised, in its order, with matching types.
    expected = compiled.checked.output_schema
    assert result.frame.columns == expected.names()
    for name, ctype in expected.items():
        if ctype.dtype != "null":
            got = result.frame.schema[name]
            assert got == pl.Null or dtype_of_polars(got) == ctype.dtype, (name, got, ctype)
    assert lazy.collect_schema().names() == expected.names()


@given(cases())
def test_empty_tables_run(case: tuple[Schema, pl.DataFrame, Plan]) -> None:
    schema, frame, plan = case
    checked = check(plan, schema)
    result = to_polars(checked, frame.clear().lazy()).collect()
    assert result.columns == checked.output_schema.names()


@given(cases())
def test_step_frames_are_each_prefix_lowered_alone(
    case: tuple[Schema, pl.DataFrame, Plan],
) -> None:
    """The data warnings read prefixes from one lowering (`step_frames`, via
    runtime/engine/prefixes.py): each must be the frame the prefix's own check and lowering
    builds, row for row (a failing prefix fails both ways)."""
    schema, frame, plan = case
    checked = check(plan, schema)
    frames = step_frames(checked, frame.lazy())
    assert len(frames) == len(plan.steps) + 1
    for index in range(len(plan.steps) + 1):
        alone = to_polars(check(Plan(steps=checked.plan.steps[:index]), schema), frame.lazy())
        assert frames[index].explain(optimized=False) == alone.explain(optimized=False)
        try:
            expected = alone.collect()
        except pl.exceptions.PolarsError:
            with pytest.raises(pl.exceptions.PolarsError):
                frames[index].collect()
            continue
        assert_frame_equal(frames[index].collect(), expected)
