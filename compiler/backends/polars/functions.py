"""Conditionals, casts and numeric functions -> polars expressions (registered on `lower`).

They register on `polars_exprs.lower`; `polars.py` imports this module for that.

Where the lowering depends on the input's polars type (CAST, ROUND with negative digits) it uses
`Expr.pipe_with_dtype`, which runs once while polars resolves the plan, not per row.
"""

from __future__ import annotations

import polars as pl
from pesql.compiler.backends.polars.dtypes import polars_dtype
from pesql.compiler.backends.polars.exprs import Ctx, columns_of, condition, lower
from pesql.compiler.backends.polars.integers import exact_abs, is_integer, wide
from pesql.grammar.ast import Expr
from pesql.grammar.ops import logic
from pesql.grammar.ops import numeric as num
from pesql.grammar.types import CastType

# Conditionals and conversions ------------------------------------------------------------


@lower.register(logic.If)
def _if(node: logic.If, ctx: Ctx) -> pl.Expr:
    # when/then treats a null condition as not true: the row takes the `else` branch.
    then = pl.when(condition(node.condition, ctx)).then(lower(node.then, ctx))
    return then.otherwise(lower(node.else_, ctx))


@lower.register(logic.Case)
def _case(node: logic.Case, ctx: Ctx) -> pl.Expr:
    otherwise = pl.lit(None) if node.else_ is None else lower(node.else_, ctx)
    conditions = [condition(b.when, ctx) for b in node.whens]
    values = [lower(b.then, ctx) for b in node.whens]
    return _first_true(conditions, values, 0, len(conditions), otherwise)


# polars' planning cost grows with the nesting depth of when/then/otherwise far faster than
# linearly (a CASE of 5,000 WHENs nested as a chain: 195 s and 9.8 GB before a row ran).
_CHAIN = 8


def _first_true(
    conditions: list[pl.Expr], values: list[pl.Expr], lo: int, hi: int, otherwise: pl.Expr
) -> pl.Expr:
    """The value of the first true condition in [lo, hi), else `otherwise`.

    Up to `_CHAIN` branches nest as a chain (from the last outwards: the first true wins).
    Longer ones split in halves under "is any condition of the first half true" (Kleene: a
    null condition is not true, as in when/then), so nesting is logarithmic: 5,000 WHENs
    plan in under a second."""
    if hi - lo <= _CHAIN:
        result = otherwise
        for i in reversed(range(lo, hi)):
            result = pl.when(conditions[i]).then(values[i]).otherwise(result)
        return result
    mid = (lo + hi) // 2
    first_half = _first_true(conditions, values, lo, mid, pl.lit(None))
    return (
        pl.when(pl.any_horizontal(conditions[lo:mid]))
        .then(first_half)
        .otherwise(_first_true(conditions, values, mid, hi, otherwise))
    )


@lower.register(logic.Coalesce)
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
    if source == pl.Boolean and target == "decimal":
        # polars has no boolean -> decimal cast: go through the integers 0 and 1.
        e = e.cast(pl.Int64)
    return e.cast(dtype, strict=strict)


@lower.register(logic.Cast)
def _cast(node: logic.Cast, ctx: Ctx) -> pl.Expr:
    value = lower(node.value, ctx)
    if ctx.mode == "row" and not ctx.in_agg and not columns_of(node.value):
        cast = convert(value, node.type, strict=True)
        if _succeeds(cast):
            # A scalar: polars 2.1 mis-broadcasts the repeated form below in a binary
            # operation with another scalar (`0 <= repeat(0, len())` is one row, and a
            # DERIVE of it silently dropped rows: found by the engine differential fuzz).
            return cast
        # A constant CAST that fails is cast once per row, as in SQL: on an empty table it
        # never runs (polars would otherwise fold it while planning and fail anyway).
        # `.first()` keeps this valid when an inner CAST already made the constant a column.
        value = pl.repeat(value.first(), pl.len())
    return convert(value, node.type, strict=True)


def _succeeds(constant: pl.Expr) -> bool:
    """Whether a constant expression evaluates without error (once, while lowering). It runs
    polars: the service's forkserver preload (runtime/service/preload.py) must not lower a
    plan holding a constant CAST, or its forked workers would deadlock."""
    try:
        pl.select(constant)
    except (pl.exceptions.PolarsError, ArithmeticError, ValueError):
        return False
    return True


@lower.register(logic.TryCast)
def _try_cast(node: logic.TryCast, ctx: Ctx) -> pl.Expr:
    return convert(lower(node.value, ctx), node.type, strict=False)


# Numbers ---------------------------------------------------------------------------------


@lower.register(num.Abs)
def _abs(node: num.Abs, ctx: Ctx) -> pl.Expr:
    value = lower(node.value, ctx)
    return exact_abs(value) if is_integer(node, ctx) else value.abs()


@lower.register(num.SubAbs)
def _sub_abs(node: num.SubAbs, ctx: Ctx) -> pl.Expr:
    left, right = lower(node.left, ctx), lower(node.right, ctx)
    if is_integer(node, ctx):
        return exact_abs(wide(left) - right)  # |a - b| of two Int64 can leave Int64 too
    return (left - right).abs()


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


@lower.register(num.Round)
def _round(node: num.Round, ctx: Ctx) -> pl.Expr:
    return round_half_away(lower(node.value, ctx), node.digits)


@lower.register(num.Floor)
def _floor(node: num.Floor, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).floor()


@lower.register(num.Ceil)
def _ceil(node: num.Ceil, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).ceil()


def _float(node: Expr, ctx: Ctx) -> pl.Expr:
    return lower(node, ctx).cast(pl.Float64)


@lower.register(num.Sqrt)
def _sqrt(node: num.Sqrt, ctx: Ctx) -> pl.Expr:
    value = _float(node.value, ctx)
    return pl.when(value >= 0).then(value.sqrt())


@lower.register(num.Ln)
def _ln(node: num.Ln, ctx: Ctx) -> pl.Expr:
    value = _float(node.value, ctx)
    return pl.when(value > 0).then(value.log())


@lower.register(num.Log)
def _log(node: num.Log, ctx: Ctx) -> pl.Expr:
    value = _float(node.value, ctx)
    if node.base <= 0 or node.base == 1:  # no such logarithm: null, like log of 0
        return pl.when(pl.lit(False)).then(value)
    return pl.when(value > 0).then(value.log(node.base))


@lower.register(num.Pow)
def _pow(node: num.Pow, ctx: Ctx) -> pl.Expr:
    result = _float(node.base, ctx).pow(_float(node.exponent, ctx))
    # (-8) ^ 0.5 is NaN and 0 ^ -1 is inf in IEEE arithmetic; p-SQL numbers are finite.
    return pl.when(result.is_finite()).then(result)


@lower.register(num.Exp)
def _exp(node: num.Exp, ctx: Ctx) -> pl.Expr:
    result = _float(node.value, ctx).exp()
    return pl.when(result.is_finite()).then(result)  # overflow: null, as in POW


@lower.register(num.Greatest)
def _greatest(node: num.Greatest, ctx: Ctx) -> pl.Expr:
    return pl.max_horizontal([lower(a, ctx) for a in node.args])


@lower.register(num.Least)
def _least(node: num.Least, ctx: Ctx) -> pl.Expr:
    return pl.min_horizontal([lower(a, ctx) for a in node.args])


__all__ = ["convert", "round_half_away"]
