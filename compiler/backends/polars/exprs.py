"""Scalar expressions -> polars expressions: the `lower` table, columns, literals, operators.

`lower(node, ctx)` is one `singledispatch` table over AST node classes; this module registers
columns, literals and the operators (arithmetic, comparison, boolean logic, IN, BETWEEN, LIKE).
Conditionals, casts and numeric functions register in `polars_functions`, text and time
functions in `polars_text`, aggregates and window functions in `polars_window`. Every lowering
stays inside polars' engine: no Python function ever sees a row.

    >>> lower(Div(left=Col(name="a"), right=Col(name="b")), Ctx())  # doctest: +SKIP
    <Expr ['.when([(col("b")) != (dyn int: …'] at 0x...>
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Literal

import polars as pl
from pesql.compiler.backends.polars.integers import (
    exact_add,
    exact_mul,
    exact_neg,
    exact_sub,
    is_integer,
)
from pesql.compiler.backends.polars.names import col
from pesql.compiler.check.schema import Schema
from pesql.grammar.ast import Col, Expr, Lit, Node, columns_of
from pesql.grammar.ops import operators as op
from pesql.grammar.record import Record, record
from pesql.grammar.types import DType

Mode = Literal["row", "group", "window"]


@record(kw_only=False)
class Ctx(Record):
    """Where an expression is evaluated.

    `row`: one value per row (FILTER, DERIVE). `group`: one value per group (GROUP_BY keys,
    AGGREGATE). `window`: one value per row, aggregates and window functions computed per
    `partition` (in the frame's current order, which the WINDOW step has sorted).
    """

    mode: Mode = "row"
    keys: frozenset[str] = frozenset()
    partition: tuple[str, ...] = ()
    order_keys: tuple[str, ...] = ()
    in_agg: bool = False
    # The step's input schema when known, and the names the step assigns (DERIVE, WINDOW):
    # those may hold another type by the time an item reads them.
    schema: Schema | None = None
    assigned: frozenset[str] = frozenset()
    # Inside an aggregate's argument with `where`: the rows it sees. Columns are read on those
    # rows only, so nothing is computed on the others: a strict CAST of a value the `where`
    # leaves out does not fail (SQL's `AGG(CASE WHEN where THEN value END)` never evaluates it).
    rows: pl.Expr | None = None
    # Whether each node read here is an integer (integers.is_integer), by the node's id (the
    # entry holds the node): the nodes of an arithmetic tree are each asked once, not once per
    # node above them. Valid for this schema and `assigned`; a context with others starts it
    # over (steps._after).
    integers: dict[int, tuple[Expr, bool]] = dataclasses.field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def inside_aggregate(self) -> Ctx:
        return dataclasses.replace(self, in_agg=True)

    def dtype(self, node: Expr) -> DType | None:
        """The p-SQL type of a column or literal when known here (None otherwise)."""
        if isinstance(node, Lit):
            return node.kind
        if isinstance(node, Col) and self.schema is not None and node.name not in self.assigned:
            found = self.schema.get(node.name)
            return None if found is None else found.dtype
        return None


@functools.singledispatch
def lower(node: Node, ctx: Ctx) -> pl.Expr:
    """The polars expression for `node` in context `ctx`."""
    raise NotImplementedError(f"no polars lowering for {type(node).__name__}")


@lower.register(Col)
def _col(node: Col, ctx: Ctx) -> pl.Expr:
    column = col(node.name)
    # A group key outside an aggregate has one value per group; polars would otherwise
    # produce the group's list of values.
    if ctx.mode == "group" and not ctx.in_agg and node.name in ctx.keys:
        return column.first()
    return column if ctx.rows is None else column.filter(ctx.rows)


_LIT_TYPES: dict[type, pl.DataType] = {
    bool: pl.Boolean(),
    int: pl.Int64(),
    float: pl.Float64(),
    str: pl.String(),
}


@lower.register(Lit)
def _lit(node: Lit, ctx: Ctx) -> pl.Expr:
    # Explicit types so that `DERIVE one = 1` is Int64, as the checker's schema says.
    value = node.value
    match node.kind:
        case "null":
            return pl.lit(None)
        case "date":
            return pl.lit(value, dtype=pl.Date())
        case "datetime":
            return pl.lit(value, dtype=pl.Datetime("us"))
        case "string" | "boolean":
            return pl.lit(value)  # typed already: the same expression as with its dtype
    assert isinstance(value, int | float)
    # The sign tells -0.0 from 0.0, which compare (and hash) equal.
    return _number_lit(value, math.copysign(1.0, value) < 0)


# `pl.lit(v, dtype=...)` builds a one-value Series each time (~8 µs, 4x an untyped literal)
# and a plan has several; a polars expression is an immutable value, so one serves every
# plan. `typed`: 1 and 1.0 are other literals.
@functools.lru_cache(maxsize=4096, typed=True)
def _number_lit(value: int | float, negative: bool) -> pl.Expr:
    return pl.lit(value, dtype=_LIT_TYPES[type(value)])


# Arithmetic ------------------------------------------------------------------------------


def _binary(node: op.Binary, ctx: Ctx) -> tuple[pl.Expr, pl.Expr]:
    return lower(node.left, ctx), lower(node.right, ctx)


def true_divide(left: pl.Expr, right: pl.Expr) -> pl.Expr:
    """SQL-style `/`: Float64, and null (not inf/NaN) when dividing by zero."""
    return pl.when(right != 0).then(left.cast(pl.Float64) / right.cast(pl.Float64))


# Integer operands compute in 128 bits and fail on overflow (integers.py): polars wraps.
@lower.register(op.Add)
def _add(node: op.Add, ctx: Ctx) -> pl.Expr:
    left, right = _binary(node, ctx)
    return exact_add(left, right) if is_integer(node, ctx) else left + right


@lower.register(op.Sub)
def _sub(node: op.Sub, ctx: Ctx) -> pl.Expr:
    left, right = _binary(node, ctx)
    return exact_sub(left, right) if is_integer(node, ctx) else left - right


@lower.register(op.Mul)
def _mul(node: op.Mul, ctx: Ctx) -> pl.Expr:
    left, right = _binary(node, ctx)
    return exact_mul(left, right) if is_integer(node, ctx) else left * right


@lower.register(op.Div)
def _div(node: op.Div, ctx: Ctx) -> pl.Expr:
    return true_divide(*_binary(node, ctx))


@lower.register(op.Mod)
def _mod(node: op.Mod, ctx: Ctx) -> pl.Expr:
    left, right = _binary(node, ctx)
    # A zero divisor gives null; it must not reach `%` at all (polars' decimal % raises on it).
    right = pl.when(right != 0).then(right)
    # polars' % is floored (sign of the divisor, like Python); SQL's has the sign of the
    # dividend: where the two disagree, the floored result is off by exactly one divisor.
    floored = left % right
    wrong_sign = (floored != 0) & ((floored < 0) != (left < 0))
    return pl.when(wrong_sign).then(floored - right).otherwise(floored)


@lower.register(op.Neg)
def _neg(node: op.Neg, ctx: Ctx) -> pl.Expr:
    value = lower(node.value, ctx)
    return exact_neg(value) if is_integer(node, ctx) else -value


# Comparison and logic --------------------------------------------------------------------


@lower.register(op.Eq)
def _eq(node: op.Eq, ctx: Ctx) -> pl.Expr:
    left, right = _binary(node, ctx)
    return left == right


@lower.register(op.Ne)
def _ne(node: op.Ne, ctx: Ctx) -> pl.Expr:
    left, right = _binary(node, ctx)
    return left != right


@lower.register(op.Lt)
def _lt(node: op.Lt, ctx: Ctx) -> pl.Expr:
    left, right = _binary(node, ctx)
    return left < right


@lower.register(op.Le)
def _le(node: op.Le, ctx: Ctx) -> pl.Expr:
    left, right = _binary(node, ctx)
    return left <= right


@lower.register(op.Gt)
def _gt(node: op.Gt, ctx: Ctx) -> pl.Expr:
    left, right = _binary(node, ctx)
    return left > right


@lower.register(op.Ge)
def _ge(node: op.Ge, ctx: Ctx) -> pl.Expr:
    left, right = _binary(node, ctx)
    return left >= right


def condition(node: Expr, ctx: Ctx) -> pl.Expr:
    """A boolean operand. A bare NULL literal gets the Boolean type: polars cannot combine an
    untyped null with booleans, while p-SQL reads it as unknown (so, as a filter, false)."""
    if isinstance(node, Lit) and node.value is None:
        return pl.lit(None, dtype=pl.Boolean())
    return lower(node, ctx)


@lower.register(op.And)
def _and(node: op.And, ctx: Ctx) -> pl.Expr:
    # polars' horizontal all/any use Kleene logic: NULL AND FALSE is FALSE, NULL AND TRUE NULL.
    return pl.all_horizontal([condition(a, ctx) for a in node.args])


@lower.register(op.Or)
def _or(node: op.Or, ctx: Ctx) -> pl.Expr:
    return pl.any_horizontal([condition(a, ctx) for a in node.args])


@lower.register(op.Not)
def _not(node: op.Not, ctx: Ctx) -> pl.Expr:
    return ~condition(node.value, ctx)


@lower.register(op.In)
def _in(node: op.In, ctx: Ctx) -> pl.Expr:
    # A disjunction of equalities gives SQL's answer exactly: `x IN (1, NULL)` is TRUE for 1
    # and NULL (not FALSE) otherwise, and options may be columns.
    value = lower(node.value, ctx)
    return pl.any_horizontal([value == lower(o, ctx) for o in node.options])


@lower.register(op.Between)
def _between(node: op.Between, ctx: Ctx) -> pl.Expr:
    value = lower(node.value, ctx)
    return pl.all_horizontal(value >= lower(node.low, ctx), value <= lower(node.high, ctx))


@lower.register(op.IsNull)
def _is_null(node: op.IsNull, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).is_null()


@lower.register(op.IsNotNull)
def _is_not_null(node: op.IsNotNull, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).is_not_null()


# Characters the Rust regex crate treats as syntax (regex_syntax::is_meta_character).
_REGEX_META = frozenset("\\.+*?()|[]{}^$#&-~")


def escape_regex(text: str) -> str:
    """`text` as a regex matching itself (Rust syntax: Python's re.escape differs slightly)."""
    return "".join("\\" + ch if ch in _REGEX_META else ch for ch in text)


def like_to_regex(pattern: str, ignore_case: bool = False) -> str:
    r"""An anchored regex for a SQL LIKE pattern; `\` escapes `%`, `_` and itself (PostgreSQL).

    >>> like_to_regex("a%b_c\\%")
    '(?s)^a.*b.c%$'
    """
    out = ["(?si)^" if ignore_case else "(?s)^"]
    chars = iter(pattern)
    for ch in chars:
        if ch == "\\":
            out.append(escape_regex(next(chars, "\\")))
        elif ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        else:
            out.append(escape_regex(ch))
    return "".join(out) + "$"


@lower.register(op.Like)
def _like(node: op.Like, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).str.contains(like_to_regex(node.pattern, node.ignore_case))


__all__ = [
    "Ctx",
    "Mode",
    "columns_of",
    "escape_regex",
    "like_to_regex",
    "lower",
    "true_divide",
]
