"""Integer arithmetic that fails on overflow instead of wrapping.

p-SQL's integer is a signed 64-bit number. polars' Int64 arithmetic wraps silently (`2**62 *
4` is 0, a sum past 2**63 turns negative), where DuckDB, PostgreSQL and Spark's ANSI mode stop
with an error: a wrong number that raises nothing is the worst answer a plan can give. So the
operations that can leave the range (`+ - *`, unary minus, ABS, SUB_ABS, SUM, CUMSUM, DIFF,
PCT_CHANGE's difference), when their operands are integers, compute in Int128 and convert
back strictly: an overflow fails the run with E305 (runtime/engine/limits.py names it).

    >>> import polars as pl
    >>> frame = pl.DataFrame({"big": [2**62]})
    >>> frame.select(pl.col("big") * 4).item()  # polars alone
    0
    >>> frame.select(exact_mul(pl.col("big"), pl.lit(4))).item()
    Traceback (most recent call last):
    ...
    polars.exceptions.InvalidOperationError: conversion from `i128` to `i64` failed ...

Which operands are integers is read from the operations' declared type rules (grammar/types.py:
`Same`, `Promote`, ... over the step's input schema), so no second type system is written here.
A column an earlier item of the same DERIVE or WINDOW made is known (steps.with_assigns); an
operand whose type is not known at lowering is computed as before. Floats and decimals are
untouched (TPC-H's money columns are floats: their plans lower as before). Int128 arithmetic
costs ~5x Int64's in polars; only integer operations pay it (bench/integers.py measures it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl
from pesql.grammar.ast import Col, Expr, Lit, When
from pesql.grammar.registry import spec_of
from pesql.grammar.types import Common, FromOption, Promote, Same

if TYPE_CHECKING:
    from pesql.compiler.backends.polars.exprs import Ctx

# The message polars gives a failed strict conversion back to 64 bits; limits.py matches it.
OVERFLOW_MARK = "from `i128` to `i64` failed"


def is_integer(node: Expr, ctx: Ctx) -> bool:
    """Whether `node` is known to be an integer where `ctx` evaluates it (False: not known).

    Each arithmetic node asks about its operands, so the answers are kept in `ctx.integers`
    (a deep sum of 2,047 nodes spent 80% of its lowering walking the same subtrees again)."""
    # The entry holds the node: an id is another node's only once this one is gone.
    entry = ctx.integers.get(id(node))
    if entry is None or entry[0] is not node:
        entry = ctx.integers[id(node)] = (node, _is_integer(node, ctx))
    return entry[1]


def _is_integer(node: Expr, ctx: Ctx) -> bool:
    if isinstance(node, Lit | Col):
        return ctx.dtype(node) == "integer"
    sig = spec_of(node).signature
    if sig is None:
        return False
    match sig.result:
        case str() as fixed:
            return fixed == "integer"
        case Same(field=name):
            return _all_integer(node, (name,), ctx)
        case Promote(fields=names) | Common(fields=names):
            return _all_integer(node, names, ctx)
        case FromOption(field=name):
            return bool(getattr(node, name) == "integer")
    return False


def _all_integer(node: Expr, names: tuple[str, ...], ctx: Ctx) -> bool:
    values: list[Expr] = []
    for name in names:
        value = getattr(node, name)
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, When):  # CASE's branches: the value is what `then` gives
                values.append(item.then)
            elif isinstance(item, Expr):
                values.append(item)
            elif item is not None:  # a record this rule does not know: not known
                return False
    # A NULL operand takes the others' type (promote): `NULL + 1` is an integer.
    typed = [v for v in values if not (isinstance(v, Lit) and v.kind == "null")]
    return bool(typed) and all(is_integer(v, ctx) for v in typed)


def wide(value: pl.Expr) -> pl.Expr:
    """`value` as Int128: no sum or product of Int64 values leaves that range in one step."""
    return value.cast(pl.Int128)


def narrow(value: pl.Expr) -> pl.Expr:
    """An Int128 result back to Int64; a value outside the range fails the run."""
    return value.cast(pl.Int64, strict=True)


def exact_add(left: pl.Expr, right: pl.Expr) -> pl.Expr:
    return narrow(wide(left) + right)


def exact_sub(left: pl.Expr, right: pl.Expr) -> pl.Expr:
    return narrow(wide(left) - right)


def exact_mul(left: pl.Expr, right: pl.Expr) -> pl.Expr:
    return narrow(wide(left) * right)


def exact_neg(value: pl.Expr) -> pl.Expr:
    # polars has no negation for Int128: 0 - x instead (-(-2**63) is out of range).
    return narrow(pl.lit(0, dtype=pl.Int128) - value)


def exact_abs(value: pl.Expr) -> pl.Expr:
    return narrow(wide(value).abs())


__all__ = [
    "OVERFLOW_MARK",
    "exact_abs",
    "exact_add",
    "exact_mul",
    "exact_neg",
    "exact_sub",
    "is_integer",
    "narrow",
    "wide",
]
