"""The optimizer: a checked plan -> an equivalent checked plan that is simpler and cheaper to run.

    >>> from pesql.compiler.check.check import check
    >>> from pesql.grammar.parse import parse
    >>> from pesql.grammar.printer import to_text
    >>> schema = Schema.of({"price": "float", "region": "string"})
    >>> plan = parse("DERIVE p = price * 1\\nFILTER region = 'West'\\nFILTER price > 2 * 5")
    >>> print(to_text(optimize(check(plan, schema)).plan))
    FILTER region = 'West' AND price > 10
    DERIVE p = price

`optimize` takes the checker's `CheckedPlan` (its per-step schemas seed the passes, so they
do not check the input again) and returns one: the optimized plan with its own per-step
schemas, ready for `to_polars`. A plain `Plan` is a TypeError. It runs the passes of
`pesql.compiler.passes.PASSES` in order, round after round, until a round changes nothing.
Optimized and original plans give the same result: rows, row order, columns, column order,
nulls, and errors (docs/optimizer.md says how each pass keeps that). `canonicalize` adds a
canonical operand order, so that plans differing only in spelling, operand order or redundant
steps compare equal; it needs no types, so it takes a plain `Plan`.
"""

from __future__ import annotations

import dataclasses

from pesql.compiler.check.check import CheckedPlan, require_checked
from pesql.compiler.check.schema import Schema
from pesql.compiler.passes import PASSES, Pass, PassContext, canonical_order
from pesql.grammar.ast import Plan
from pesql.grammar.record import Record, record

__all__ = ["MAX_ROUNDS", "PassRecord", "canonicalize", "optimize", "optimize_traced"]

# Passes reach a fixpoint in two or three rounds on real plans; the cap only guards against
# a pair of passes undoing each other's work forever.
MAX_ROUNDS = 16


@record(kw_only=False)
class PassRecord(Record):
    """One pass that changed the plan (for `pesql explain`)."""

    name: str
    before: Plan
    after: Plan


def optimize(checked: CheckedPlan) -> CheckedPlan:
    """`checked` rewritten by every pass (the same object when no pass changes anything)."""
    return optimize_traced(checked)[0]


def optimize_traced(checked: CheckedPlan) -> tuple[CheckedPlan, tuple[PassRecord, ...]]:
    """The optimized plan and, in order, each pass application that changed it."""
    checked = require_checked(checked, "optimize")
    context = PassContext(checked.input_schema, tables=dict(checked.joined))
    context.seed(checked.plan, checked.step_schemas)
    plan, records = _fixpoint(checked.plan, context, PASSES)
    if plan == checked.plan:
        return checked, records
    schemas = context.schemas(plan)  # usually known: the last round's passes asked for it
    if schemas is None:
        raise AssertionError(f"the optimizer made a plan that does not check:\n{plan}")
    step_schemas = schemas[1:]
    optimized = dataclasses.replace(
        checked, plan=plan, step_schemas=step_schemas, output_schema=schemas[-1]
    )
    return optimized, records


def canonicalize(plan: Plan, schema: Schema | None = None) -> Plan:
    """One normal form for plans that differ only in operand order, spelling or redundancy.

    Without a schema only the rules that need no types apply (see docs/optimizer.md).
    """
    return _fixpoint(plan, PassContext(schema), (*PASSES, canonical_order))[0]


def _fixpoint(
    plan: Plan, ctx: PassContext, passes: tuple[Pass, ...]
) -> tuple[Plan, tuple[PassRecord, ...]]:
    records: list[PassRecord] = []
    for _ in range(MAX_ROUNDS):
        start = plan
        for rewrite in passes:
            new = rewrite(plan, ctx)
            if new is not plan and new != plan:
                records.append(PassRecord(rewrite.__name__, plan, new))
                plan = dataclasses.replace(new, table=plan.table, origin=plan.origin)
        if plan is start or plan == start:
            break
    return plan, tuple(records)
