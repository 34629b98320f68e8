"""Scalar expressions -> polars expressions: columns, literals, operators, logic, numbers, casts.

`lower(node, ctx)` is one `singledispatch` table over AST node classes; text and time functions
register in `polars_text`, aggregates and window functions in `polars_window`. Every lowering
stays inside polars' engine: no Python function ever sees a row. Where the lowering depends on
the input's polars type (CAST, ROUND with negative digits) it uses `Expr.pipe_with_dtype`,
which runs once while polars resolves the plan, not per row.

    >>> lower(Div(left=Col(name="a"), right=Col(name="b")), Ctx())  # doctest: +SKIP
    <Expr ['.when([(col("b")) != (dyn int: …'] at 0x...>
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import polars as pl
from pesql.compiler.types import polars_dtype
from pesql.grammar.ast import Col, Expr, Lit, Node
from pesql.grammar.ops import logic
from pesql.grammar.ops import numeric as num
from pesql.grammar.ops import operators as op
from pesql.grammar.types import CastType

Mode = Literal["row", "group", "window"]


@dataclass(frozen=True, slots=True)
class Ctx:
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

    def inside_aggregate(self) -> Ctx:
        return dataclasses.replace(self, in_agg=True)


@functools.singledispatch
def lower(node: Node, ctx: Ctx) -> pl.Expr:
    """The polars expression for `node` in context `ctx`."""
    raise NotImplementedError(f"no polars lowering for {type(node).__name__}")


def walk(node: Node) -> Iterator[Node]:
    """`node` and every node below it (expressions, records), depth first."""
    yield node
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, Node):
                yield from walk(item)


def columns_of(node: Node) -> set[str]:
    """The column names `node` reads."""
    return {n.name for n in walk(node) if isinstance(n, Col)}


@lower.register
def _col(node: Col, ctx: Ctx) -> pl.Expr:
    column = pl.col(node.name)
    # A group key outside an aggregate has one value per group; polars would otherwise
    # produce the group's list of values.
    if ctx.mode == "group" and not ctx.in_agg and node.name in ctx.keys:
        return column.first()
    return column


_LIT_TYPES: dict[type, pl.DataType] = {
    bool: pl.Boolean(),
    int: pl.Int64(),
    float: pl.Float64(),
    str: pl.String(),
}


@lower.register
def _lit(node: Lit, ctx: Ctx) -> pl.Expr:
    # Explicit types so that `DERIVE one = 1` is Int64, as the checker's schema says.
    match node.kind:
        case "null":
            return pl.lit(None)
        case "date":
            return pl.lit(node.value, dtype=pl.Date())
        case "datetime":
            return pl.lit(node.value, dtype=pl.Datetime("us"))
    return pl.lit(node.value, dtype=_LIT_TYPES[type(node.value)])


# Arithmetic ------------------------------------------------------------------------------


def _binary(node: op.Binary, ctx: Ctx) -> tuple[pl.Expr, pl.Expr]:
    return lower(node.left, ctx), lower(node.right, ctx)


def true_divide(left: pl.Expr, right: pl.Expr) -> pl.Expr:
    """SQL-style `/`: Float64, and null (not inf/NaN) when dividing by zero."""
    return pl.when(right != 0).then(left.cast(pl.Float64) / right.cast(pl.Float64))


@lower.register
def _add(node: op.Add, ctx: Ctx) -> pl.Expr:
    left, right = _binary(node, ctx)
    return left + right


@lower.register
def _sub(node: op.Sub, ctx: Ctx) -> pl.Expr:
    left, right = _binary(node, ctx)
    return left - right


@lower.register
def _mul(node: op.Mul, ctx: Ctx) -> pl.Expr:
    left, right = _binary(node, ctx)
    return left * right


@lower.register
def _div(node: op.Div, ctx: Ctx) -> pl.Expr:
    return true_divide(*_binary(node, ctx))


@lower.register
def _mod(node: op.Mod, ctx: Ctx) -> pl.Expr:
    left, right = _binary(node, ctx)
    # polars' % is floored (sign of the divisor, like Python); SQL's has the sign of the
    # dividend: where the two disagree, the floored result is off by exactly one divisor.
    floored = left % right
    wrong_sign = (floored != 0) & ((floored < 0) != (left < 0))
    truncated = pl.when(wrong_sign).then(floored - right).otherwise(floored)
    return pl.when(right != 0).then(truncated)


@lower.register
def _neg(node: op.Neg, ctx: Ctx) -> pl.Expr:
    return -lower(node.value, ctx)


# Comparison and logic --------------------------------------------------------------------


@lower.register
def _eq(node: op.Eq, ctx: Ctx) -> pl.Expr:
    left, right = _binary(node, ctx)
    return left == right


@lower.register
def _ne(node: op.Ne, ctx: Ctx) -> pl.Expr:
    left, right = _binary(node, ctx)
    return left != right


@lower.register
def _lt(node: op.Lt, ctx: Ctx) -> pl.Expr:
    left, right = _binary(node, ctx)
    return left < right


@lower.register
def _le(node: op.Le, ctx: Ctx) -> pl.Expr:
    left, right = _binary(node, ctx)
    return left <= right


@lower.register
def _gt(node: op.Gt, ctx: Ctx) -> pl.Expr:
    left, right = _binary(node, ctx)
    return left > right


@lower.register
def _ge(node: op.Ge, ctx: Ctx) -> pl.Expr:
    left, right = _binary(node, ctx)
    return left >= right


@lower.register
def _and(node: op.And, ctx: Ctx) -> pl.Expr:
    # polars' horizontal all/any use Kleene logic: NULL AND FALSE is FALSE, NULL AND TRUE NULL.
    return pl.all_horizontal([lower(a, ctx) for a in node.args])


@lower.register
def _or(node: op.Or, ctx: Ctx) -> pl.Expr:
    return pl.any_horizontal([lower(a, ctx) for a in node.args])


@lower.register
def _not(node: op.Not, ctx: Ctx) -> pl.Expr:
    return ~lower(node.value, ctx)


@lower.register
def _in(node: op.In, ctx: Ctx) -> pl.Expr:
    # A disjunction of equalities gives SQL's answer exactly: `x IN (1, NULL)` is TRUE for 1
    # and NULL (not FALSE) otherwise, and options may be columns.
    value = lower(node.value, ctx)
    return pl.any_horizontal([value == lower(o, ctx) for o in node.options])


@lower.register
def _between(node: op.Between, ctx: Ctx) -> pl.Expr:
    value = lower(node.value, ctx)
    return pl.all_horizontal(value >= lower(node.low, ctx), value <= lower(node.high, ctx))


@lower.register
def _is_null(node: op.IsNull, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).is_null()


@lower.register
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


@lower.register
def _like(node: op.Like, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).str.contains(like_to_regex(node.pattern, node.ignore_case))


# Conditionals and conversions ------------------------------------------------------------


@lower.register
def _if(node: logic.If, ctx: Ctx) -> pl.Expr:
    # when/then treats a null condition as not true: the row takes the `else` branch.
    then = pl.when(lower(node.condition, ctx)).then(lower(node.then, ctx))
    return then.otherwise(lower(node.else_, ctx))


@lower.register
def _case(node: logic.Case, ctx: Ctx) -> pl.Expr:
    # Nested from the last branch outwards: the first true `when` wins, as in a chain.
    result = pl.lit(None) if node.else_ is None else lower(node.else_, ctx)
    for branch in reversed(node.whens):
        result = pl.when(lower(branch.when, ctx)).then(lower(branch.then, ctx)).otherwise(result)
    return result


@lower.register
def _coalesce(node: logic.Coalesce, ctx: Ctx) -> pl.Expr:
    return pl.coalesce([lower(a, ctx) for a in node.args])


_TRUE_WORDS = ["true", "t", "yes", "y", "1"]
_FALSE_WORDS = ["false", "f", "no", "n", "0"]


def _text_to_boolean(text: pl.Expr, strict: bool) -> pl.Expr:
    word = text.str.strip_chars().str.to_lowercase()
    known = pl.when(word.is_in(_TRUE_WORDS)).then(pl.lit("1")).when(word.is_in(_FALSE_WORDS))
    if not strict:
        return known.then(pl.lit("0")).otherwise(None).cast(pl.Int8).cast(pl.Boolean)
    # A strict failure must come from inside polars (no Python per row): a prefixed copy of
    # the bad value can never parse as a number, so the strict cast fails and names it.
    bad = pl.concat_str(pl.lit("not a boolean: "), text)
    return known.then(pl.lit("0")).otherwise(bad).cast(pl.Int8, strict=True).cast(pl.Boolean)


def convert(value: pl.Expr, target: CastType, *, strict: bool) -> pl.Expr:
    """CAST (strict: a failure is an execution error) or TRY_CAST (failures become null)."""

    def by_source(expr: pl.Expr, source: pl.DataType) -> pl.Expr:
        return _convert_from(expr, source, target, strict)

    return value.pipe_with_dtype(by_source)


def _convert_from(e: pl.Expr, source: pl.DataType, target: CastType, strict: bool) -> pl.Expr:
    dtype = polars_dtype(target)
    if isinstance(source, pl.Categorical | pl.Enum):
        e, source = e.cast(pl.String), pl.String()
    if source == pl.String:
        text = e.str.strip_chars()
        match target:
            case "string":
                return e
            case "boolean":
                return _text_to_boolean(e, strict)
            case "date":
                return text.str.to_date("%Y-%m-%d", strict=strict)
            case "datetime":
                return text.str.to_datetime(strict=strict, time_unit="us")
        return text.cast(dtype, strict=strict)
    if target == "integer" and (source.is_float() or source.is_decimal()):
        # SQL rounds (half away from zero) where polars would truncate.
        e = e.round(0, mode="half_away_from_zero")
    return e.cast(dtype, strict=strict)


@lower.register
def _cast(node: logic.Cast, ctx: Ctx) -> pl.Expr:
    return convert(lower(node.value, ctx), node.type, strict=True)


@lower.register
def _try_cast(node: logic.TryCast, ctx: Ctx) -> pl.Expr:
    return convert(lower(node.value, ctx), node.type, strict=False)


# Numbers ---------------------------------------------------------------------------------


@lower.register
def _abs(node: num.Abs, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).abs()


@lower.register
def _sub_abs(node: num.SubAbs, ctx: Ctx) -> pl.Expr:
    return (lower(node.left, ctx) - lower(node.right, ctx)).abs()


def round_half_away(value: pl.Expr, digits: int) -> pl.Expr:
    """ROUND: halves away from zero; negative digits round to tens, hundreds, ... ."""

    def by_source(e: pl.Expr, source: pl.DataType) -> pl.Expr:
        if digits >= 0:
            return e if source.is_integer() else e.round(digits, mode="half_away_from_zero")
        # polars rejects negative decimals: scale down, round, scale back, keep the type.
        scale = 10.0 ** (-digits)
        scaled = (e.cast(pl.Float64) / scale).round(0, mode="half_away_from_zero") * scale
        return scaled.cast(source)

    return value.pipe_with_dtype(by_source)


@lower.register
def _round(node: num.Round, ctx: Ctx) -> pl.Expr:
    return round_half_away(lower(node.value, ctx), node.digits)


@lower.register
def _floor(node: num.Floor, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).floor()


@lower.register
def _ceil(node: num.Ceil, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).ceil()


def _float(node: Expr, ctx: Ctx) -> pl.Expr:
    return lower(node, ctx).cast(pl.Float64)


@lower.register
def _sqrt(node: num.Sqrt, ctx: Ctx) -> pl.Expr:
    value = _float(node.value, ctx)
    return pl.when(value >= 0).then(value.sqrt())


@lower.register
def _ln(node: num.Ln, ctx: Ctx) -> pl.Expr:
    value = _float(node.value, ctx)
    return pl.when(value > 0).then(value.log())


@lower.register
def _log(node: num.Log, ctx: Ctx) -> pl.Expr:
    value = _float(node.value, ctx)
    if node.base <= 0 or node.base == 1:  # no such logarithm: null, like log of 0
        return pl.when(pl.lit(False)).then(value)
    return pl.when(value > 0).then(value.log(node.base))


@lower.register
def _pow(node: num.Pow, ctx: Ctx) -> pl.Expr:
    result = _float(node.base, ctx).pow(_float(node.exponent, ctx))
    # (-8) ^ 0.5 is NaN and 0 ^ -1 is inf in IEEE arithmetic; p-SQL numbers are finite.
    return pl.when(result.is_finite()).then(result)


@lower.register
def _exp(node: num.Exp, ctx: Ctx) -> pl.Expr:
    result = _float(node.value, ctx).exp()
    return pl.when(result.is_finite()).then(result)  # overflow: null, as in POW


@lower.register
def _greatest(node: num.Greatest, ctx: Ctx) -> pl.Expr:
    return pl.max_horizontal([lower(a, ctx) for a in node.args])


@lower.register
def _least(node: num.Least, ctx: Ctx) -> pl.Expr:
    return pl.min_horizontal([lower(a, ctx) for a in node.args])


__all__ = [
    "Ctx",
    "Mode",
    "columns_of",
    "convert",
    "escape_regex",
    "like_to_regex",
    "lower",
    "round_half_away",
    "true_divide",
    "walk",
]
