"""JOIN and LOOKUP -> polars `join`, with p-SQL's key, null, naming and order rules.

    >>> import polars as pl
    >>> from pesql.grammar.parse import parse
    >>> flights = pl.LazyFrame({"carrier": ["UA", "AA", "XX", "UA"]})
    >>> airlines = pl.LazyFrame({"carrier": ["AA", "UA"], "name": ["American", "United"]})
    >>> step = parse("LOOKUP airlines ON carrier = carrier").steps[0]
    >>> join_frame(step, flights, airlines).collect()["name"].to_list()
    ['United', 'American', None, 'United']

Keys are compared through helper columns cast to a common type when the two sides' polars
types differ (Int32 with Int64, Date with Datetime, integer with float), so polars never
refuses a join the checker accepted. Joined rows with a null key are dropped first: a null
key never matches (`nulls_equal=False` says the same). `maintain_order="left_right"` gives
the documented order: the current rows in order, several matches of one row in the joined
table's order. LOOKUP passes `validate="m:1"`: a repeated key is an error, never a silent
multiplication (the engine names the repeated keys before running: runtime/engine/joins.py).
"""

from __future__ import annotations

from typing import Literal

import polars as pl
from pesql.compiler.backends.polars.dtypes import dtype_of_polars, polars_dtype
from pesql.compiler.backends.polars.names import col, fresh
from pesql.compiler.check.joins import added_names
from pesql.compiler.check.schema import common
from pesql.grammar.ops.joins import Join, Lookup, adds_columns

How = Literal["inner", "left", "semi", "anti"]


def _fresh(taken: set[str], base: str) -> str:
    name = fresh(taken, base)
    taken.add(name)
    return name


def _key_type(left: pl.DataType, right: pl.DataType) -> pl.DataType | None:
    """The type both keys are cast to (None: already the same polars type)."""
    if left == right:
        return None
    both = common(dtype_of_polars(left), dtype_of_polars(right))
    return polars_dtype(both) if both is not None else pl.String()


def join_frame(step: Join | Lookup, left: pl.LazyFrame, right: pl.LazyFrame) -> pl.LazyFrame:
    """`left` joined with `right` as `step` says (the checker has resolved every name)."""
    left_schema = left.collect_schema()
    right_schema = right.collect_schema()
    taken = set(left_schema.names()) | set(right_schema.names())
    helpers = [_fresh(taken, f"__pesql_key{i}") for i in range(len(step.on))]
    left_keys: list[pl.Expr] = []
    right_keys: list[pl.Expr] = []
    for helper, key in zip(helpers, step.on, strict=True):
        cast = _key_type(left_schema[key.left], right_schema[key.right])
        lk, rk = col(key.left), col(key.right)
        if cast is not None:
            lk, rk = lk.cast(cast), rk.cast(cast)
        left_keys.append(lk.alias(helper))
        right_keys.append(rk.alias(helper))
    right_names = [k.right for k in step.on]
    renames = (
        added_names(left_schema.names(), right_schema.names(), right_names, step.table)
        if adds_columns(step)
        else {}
    )
    added = [col(name).alias(out) for name, out in renames.items()]
    # A null key matches nothing: dropping those joined rows also keeps `validate` from
    # counting repeated nulls as repeated keys.
    right = right.select(*right_keys, *added).drop_nulls(helpers)
    how: How = "left" if isinstance(step, Lookup) else step.kind
    joined = left.with_columns(left_keys).join(
        right,
        on=helpers,
        how=how,
        validate="m:1" if isinstance(step, Lookup) else "m:m",
        nulls_equal=False,
        maintain_order="left_right" if how in ("inner", "left") else "left",
    )
    return joined.drop(helpers)


__all__ = ["join_frame"]
