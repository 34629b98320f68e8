"""The polars backend: a checked p-SQL plan -> a polars LazyFrame.

    >>> import polars as pl
    >>> from pesql.compiler.check.check import check
    >>> from pesql.compiler.backends.polars.dtypes import schema_from_polars
    >>> from pesql.grammar.parse import parse
    >>> frame = pl.LazyFrame({"a": [3, 1, 2], "b": [1, 1, 5]})
    >>> plan = parse("DERIVE gap = SUB_ABS(a, b)\\nSORT gap DESC")
    >>> checked = check(plan, schema_from_polars(frame.collect_schema()))
    >>> to_polars(checked, frame).collect()["gap"].to_list()
    [3, 2, 0]

`to_polars` takes the checker's `CheckedPlan` (exact column names, typed; see
`pesql.compiler.check.check`) or the optimizer's, never a plain `Plan` (a TypeError).
Lowering is a `singledispatch` table per concept: expressions in `exprs` (columns, literals,
operators), `functions` (conditionals, casts, numbers), `text` (text and time),
`window` (aggregates and window functions), steps in `steps`. Everything runs
inside polars' engine; the semantics (nulls, division, rounding, ordering, ties) are specified
in docs/semantics.md.
"""

from __future__ import annotations

from collections.abc import Mapping

# Imported for their registrations on `lower` (conditionals, casts, numbers, text, time,
# aggregates, window functions).
import pesql.compiler.backends.polars.functions
import pesql.compiler.backends.polars.text
import pesql.compiler.backends.polars.window  # noqa: F401
import polars as pl
from pesql.compiler.backends.polars.dtypes import widened
from pesql.compiler.backends.polars.exprs import Ctx, lower
from pesql.compiler.backends.polars.joins import join_frame
from pesql.compiler.backends.polars.steps import (
    Order,
    Unique,
    lower_step,
    sort_frame,
    sort_keys_after,
    unique_key_after,
)
from pesql.compiler.check.check import CheckedPlan, require_checked
from pesql.grammar.ast import Expr, Node
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.ops import rows
from pesql.grammar.ops.joins import Join, Lookup


def to_polars(
    checked: CheckedPlan,
    source: pl.LazyFrame,
    tables: Mapping[str, pl.LazyFrame] | None = None,
) -> pl.LazyFrame:
    """The plan's steps applied to `source`, lazily (nothing runs until `.collect()`).

    `tables`: the frames JOIN and LOOKUP read, by name (E210 for one that is missing)."""
    return step_frames(checked, source, tables)[-1]


def step_frames(
    checked: CheckedPlan,
    source: pl.LazyFrame,
    tables: Mapping[str, pl.LazyFrame] | None = None,
    *,
    stop: int | None = None,
) -> list[pl.LazyFrame]:
    """`source` and the frame after each of the first `stop` steps (all by default): item `i`
    is the input of step `i`, the last one `to_polars`' result for those steps.

    The data warnings re-run prefixes of the plan (runtime/engine/*_warnings.py); lowering it
    once gives each of them its prefix, the very frame `to_polars` of that prefix builds (a
    step's lowering depends only on the steps before it)."""
    plan = require_checked(checked, "to_polars").plan
    # p-SQL's integer and float are 64 bits: a narrower column must not wrap (dtypes.py).
    frame = widened(source)
    frames = [frame]
    order: Order = ()
    unique: Unique = None
    inputs = (checked.input_schema, *checked.step_schemas)
    for step, schema in zip(plan.steps[:stop], inputs, strict=False):
        if isinstance(step, Join | Lookup):
            frame = join_frame(step, frame, _joined(tables or {}, step.table))
        elif isinstance(step, rows.Sort) and unique is not None:
            # Keys covering a unique key cannot tie: an unstable sort gives the same rows.
            stable = not unique <= {k.column for k in step.keys}
            frame = sort_frame(frame, step.keys, stable=stable)
        else:
            frame = lower_step(step, frame, order, schema)
        needs_columns = isinstance(step, rows.Distinct) and not step.columns
        columns = frame.collect_schema().names() if needs_columns else ()
        unique = unique_key_after(step, unique, columns)
        order = sort_keys_after(step, order)
        frames.append(frame)
    return frames


def _joined(tables: Mapping[str, pl.LazyFrame], name: str) -> pl.LazyFrame:
    found = tables.get(name)
    if found is None:
        given = ", ".join(f"`{n}`" for n in tables) or "none"
        hint = f"pass the joined table to to_polars(..., tables=...); given: {given}"
        raise PesqlError([Diagnostic.make("E210", name=name, hints=(hint,))])
    return widened(found)


def expr_to_polars(expr: Expr) -> pl.Expr:
    """One row-level expression as a polars expression (aggregates over the whole frame)."""
    return lower(expr, Ctx())


def has_lowering(cls: type[Node]) -> bool:
    """Whether an AST class has a polars lowering (the exhaustiveness test asks this)."""
    if cls in (Join, Lookup):
        return True  # lowered by `join_frame`, which also needs the joined frame
    return any(
        table.dispatch(cls) is not table.dispatch(object)  # type: ignore[attr-defined]
        for table in (lower, lower_step)
    )


__all__ = ["expr_to_polars", "has_lowering", "step_frames", "to_polars"]
