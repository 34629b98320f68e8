"""Optimized and canonical plans give the same results as the plans they came from.

Plans are drawn by `well_typed_plans` (every step kind), sometimes wrapped in the redundancy
models write (constant conditions, split filters, sorts that nothing observes), and run with the
polars backend on tables drawn for the same schema. Results must agree exactly as
`frames_equal(ordered=True)` defines it: columns, column order, row order, values and nulls;
a plan that fails must fail after optimization too.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from pesql.compiler.check.check import check
from pesql.compiler.check.schema import Schema
from pesql.compiler.passes.optimize import canonicalize, optimize
from pesql.grammar import ast as A
from pesql.grammar.ops import operators as op
from pesql.grammar.ops import rows
from pesql.runtime.testing.strategies.typed import schemas, tables, well_typed_plans

from tests.compiler.passes.support import run, same_outcome


@st.composite
def redundant_plans(draw: st.DrawFn, schema: Schema) -> A.Plan:
    """A well-typed plan with model-style redundancy inserted between its steps."""
    plan = draw(well_typed_plans(schema, max_steps=6))
    steps: list[A.Step] = []
    for step in plan.steps:
        extra = draw(st.sampled_from(["none", "none", "filter_true", "split", "sort_twice"]))
        match extra, step:
            case "filter_true", _:
                steps += [
                    rows.Filter(where=op.And(args=(A.Lit(value=True), A.Lit(value=True)))),
                    step,
                ]
            case "split", rows.Filter(where=op.And(args=(first, *rest))):
                second = rest[0] if len(rest) == 1 else op.And(args=tuple(rest))
                steps += [rows.Filter(where=first), rows.Filter(where=second)]
            case "sort_twice", rows.Sort():
                steps += [step, step]
            case _:
                steps.append(step)
    return A.Plan(steps=tuple(steps))


@st.composite
def cases(draw: st.DrawFn) -> tuple[Schema, A.Plan, object]:
    schema = draw(schemas())
    plan = draw(redundant_plans(schema))
    frame = draw(tables(schema))
    return schema, plan, frame


@given(cases())
def test_optimize_keeps_results(case: tuple[Schema, A.Plan, object]) -> None:
    schema, plan, frame = case
    checked = check(plan, schema)
    optimized = optimize(checked)
    assert optimized.output_schema.names() == checked.output_schema.names()
    # The schemas optimize reports are the checker's for the optimized plan.
    again = check(optimized.plan, schema)
    assert (again.step_schemas, again.output_schema) == (
        optimized.step_schemas,
        optimized.output_schema,
    )
    same, why = same_outcome(run(checked, frame), run(optimized, frame))  # type: ignore[arg-type]
    assert same, why


@given(cases())
def test_optimize_is_idempotent(case: tuple[Schema, A.Plan, object]) -> None:
    schema, plan, _ = case
    once = optimize(check(plan, schema))
    assert optimize(once).plan == once.plan


@given(cases(), st.booleans())
def test_canonicalize_keeps_results_and_is_idempotent(
    case: tuple[Schema, A.Plan, object], with_schema: bool
) -> None:
    schema, plan, frame = case
    checked = check(plan, schema).plan
    canonical = canonicalize(checked, schema if with_schema else None)
    assert canonicalize(canonical, schema if with_schema else None) == canonical
    check(canonical, schema)
    outcomes = run(checked, frame, schema), run(canonical, frame, schema)  # type: ignore[arg-type]
    same, why = same_outcome(*outcomes)
    assert same, why
