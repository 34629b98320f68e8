"""Conditionals, casts and numeric functions -> sqlglot trees (registered on `sql_exprs.sql_expr`).

`sql_text` imports `unary` from here, so importing the SQL backend registers these lowerings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pesql.compiler.backends.sql.exprs import (
    ExprContext,
    as_float,
    binary,
    case,
    cast,
    dtype_of,
    literal,
    number,
    sql_expr,
    sql_type,
    string,
    wrap,
)
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.ops import logic, numeric
from pesql.grammar.types import DType
from sqlglot import exp

# --- conditionals and casts -------------------------------------------------------------------


@sql_expr.register(logic.If)
def _if(expr: logic.If, ctx: ExprContext) -> exp.Expr:
    target = dtype_of(expr, ctx)
    then, else_ = _unified((expr.then, expr.else_), target, ctx)
    return case([(sql_expr(expr.condition, ctx), then)], else_)


@sql_expr.register(logic.Case)
def _case(expr: logic.Case, ctx: ExprContext) -> exp.Expr:
    target = dtype_of(expr, ctx)
    values = _unified([w.then for w in expr.whens], target, ctx)
    default = _unified([expr.else_], target, ctx)[0] if expr.else_ is not None else None
    conds = [sql_expr(w.when, ctx) for w in expr.whens]
    return case(list(zip(conds, values, strict=True)), default)


@sql_expr.register(logic.Coalesce)
def _coalesce(expr: logic.Coalesce, ctx: ExprContext) -> exp.Expr:
    first, *rest = _unified(expr.args, dtype_of(expr, ctx), ctx)
    # COALESCE(x) is x; SQLite refuses COALESCE with one argument.
    return exp.Coalesce(this=first, expressions=rest) if rest else first


def _unified(exprs: Sequence[A.Expr], target: DType, ctx: ExprContext) -> list[exp.Expr]:
    """Branches cast to the result type where they differ (SQL would pick its own supertype)."""
    out = []
    for e in exprs:
        sql = sql_expr(e, ctx)
        kind = dtype_of(e, ctx)
        out.append(sql if kind in (target, "null") or target == "null" else cast(sql, target))
    return out


@sql_expr.register(logic.Cast)
def _cast(expr: logic.Cast, ctx: ExprContext) -> exp.Expr:
    return convert(expr.value, expr.type, ctx, exp.Cast)


@sql_expr.register(logic.TryCast)
def _try_cast(expr: logic.TryCast, ctx: ExprContext) -> exp.Expr:
    return convert(expr.value, expr.type, ctx, exp.TryCast)


def convert(value: A.Expr, target: DType, ctx: ExprContext, node: type[exp.Cast]) -> exp.Expr:
    """CAST with p-SQL's conversions (floats to integers round halves away from zero, as SQL)."""
    source = dtype_of(value, ctx)
    sql = sql_expr(value, ctx)
    if source == target:
        return sql
    if target == "integer" and source in ("float", "decimal"):
        # Engines round halves to even (DuckDB: CAST(0.5 AS BIGINT) = 0); p-SQL rounds them
        # away from zero, as ROUND does. Postgres' ROUND(double) rounds halves to even too;
        # its NUMERIC rounds them away from zero (found by the Postgres fuzz: 0.5 gave 0).
        if ctx.dialect == "postgres" and source == "float":
            sql = exp.Cast(this=sql, to=exp.DataType.build("DECIMAL"))
        sql = exp.Round(this=sql)
    if ctx.dialect == "sqlite" and (special := _sqlite_convert(sql, source, target)) is not None:
        return special
    if target == "string" and source == "datetime":
        # Engines drop zero fractions ('... 00:00:00'); polars always writes microseconds.
        return exp.TimeToStr(this=sql, format=string("%Y-%m-%d %H:%M:%S.%f"))
    if ctx.dialect == "postgres":
        return _pg_convert(value, sql, source, target, ctx, node)
    if ctx.dialect == "spark" and node is exp.TryCast:
        # sqlglot writes Spark's TryCast as CAST (NULL on failure without ANSI mode); pesql
        # runs Spark in ANSI mode, where CAST fails, so TRY_CAST is spelled out (`safe`).
        return exp.TryCast(this=sql, to=sql_type(target), safe=True)
    return node(this=sql, to=sql_type(target))


def _sqlite_convert(sql: exp.Expr, source: DType, target: DType) -> exp.Expr | None:
    """SQLite casts that differ (it has no boolean or datetime type; found by the fuzz
    profile); None where the common CAST is right."""
    if target == "string" and source == "datetime":
        # The ISO text pesql stored (microseconds when not zero); strftime's %f is 'SS.SSS',
        # which gave '00:14:38.38.000'.
        return exp.Cast(this=sql, to=sql_type(target))
    if target == "boolean" and source in ("float", "decimal"):
        # CAST(x AS INTEGER) truncates 0.5 to 0 (false); polars casts any nonzero to true.
        return binary(exp.NEQ, sql, number(0))
    if target == "string" and source == "boolean":
        # Its booleans are 0 and 1, so CAST gives '0'; every other engine writes 'false'.
        return case([(sql, string("true")), (exp.Not(this=sql.copy()), string("false"))])
    return None


def _pg_convert(
    value: A.Expr, sql: exp.Expr, source: DType, target: DType, ctx: ExprContext, node: type
) -> exp.Expr:
    """Postgres casts that differ: no TRY_CAST (sqlglot would write a strict CAST, which
    fails where p-SQL gives NULL), no BIGINT <-> BOOLEAN cast, integral floats as '3'."""
    if node is exp.TryCast and source == "string":
        raise PesqlError(
            [Diagnostic.make("E310", value.origin, name="TRY_CAST of text", dialect=ctx.dialect)]
        )
    if target == "boolean" and source in ("integer", "float", "decimal"):
        return binary(exp.NEQ, sql, number(0))  # nonzero is true, as polars casts
    if target in ("integer", "float", "decimal") and source == "boolean":
        as_int = exp.Cast(this=sql, to=exp.DataType.build("INT"))
        return exp.Cast(this=as_int, to=sql_type(target))
    if target == "string" and source == "float":
        # float8 prints integral values without '.0' ('3'); polars writes '3.0'.
        integral = binary(exp.EQ, sql, exp.func("TRUNC", sql.copy()))
        digits = exp.Cast(
            this=exp.Cast(this=sql.copy(), to=exp.DataType.build("NUMERIC")), to=sql_type("string")
        )
        spelled = exp.DPipe(this=digits, expression=string(".0"))
        return case([(integral, spelled)], exp.Cast(this=sql.copy(), to=sql_type("string")))
    return exp.Cast(this=sql, to=sql_type(target))


# --- numbers ----------------------------------------------------------------------------------


def unary(
    node: Callable[..., exp.Expr],
) -> Callable[[numeric.Unary, ExprContext], exp.Expr]:
    def lower(expr: numeric.Unary, ctx: ExprContext) -> exp.Expr:
        return node(this=sql_expr(expr.value, ctx))

    return lower


sql_expr.register(numeric.Abs)(unary(exp.Abs))


@sql_expr.register(numeric.Floor)
def _floor(expr: numeric.Floor, ctx: ExprContext) -> exp.Expr:
    return _same_type(exp.Floor(this=sql_expr(expr.value, ctx)), expr.value, ctx)


@sql_expr.register(numeric.Ceil)
def _ceil(expr: numeric.Ceil, ctx: ExprContext) -> exp.Expr:
    return _same_type(exp.Ceil(this=sql_expr(expr.value, ctx)), expr.value, ctx)


def _same_type(e: exp.Expr, value: A.Expr, ctx: ExprContext) -> exp.Expr:
    # Engines change the type of FLOOR/ROUND results (DECIMAL scale, INT -> DOUBLE); p-SQL keeps it.
    kind = dtype_of(value, ctx)
    return cast(e, kind) if kind in ("integer", "decimal") else e


@sql_expr.register(numeric.SubAbs)
def _sub_abs(expr: numeric.SubAbs, ctx: ExprContext) -> exp.Expr:
    return exp.Abs(this=binary(exp.Sub, sql_expr(expr.left, ctx), sql_expr(expr.right, ctx)))


@sql_expr.register(numeric.Round)
def _round(expr: numeric.Round, ctx: ExprContext) -> exp.Expr:
    kind = dtype_of(expr.value, ctx)
    value = sql_expr(expr.value, ctx)
    if kind == "integer" and expr.digits >= 0:
        return value
    if ctx.dialect == "postgres" and kind == "float":
        # PostgreSQL rounds doubles half to even; its NUMERIC rounds halves away from zero.
        numeric_value = exp.Cast(this=value, to=exp.DataType.build("DECIMAL"))
        return cast(exp.Round(this=numeric_value, decimals=number(expr.digits)), "float")
    if ctx.dialect == "sqlite" and expr.digits < 0:
        # SQLite reads a negative digit count as 0: scale down, round, scale back up.
        scale = number(10**-expr.digits)
        scaled = exp.Div(this=cast(value, "float"), expression=scale)
        rounded = exp.Mul(this=exp.Round(this=scaled), expression=scale)
        return _same_type(rounded, expr.value, ctx)
    return _same_type(exp.Round(this=value, decimals=number(expr.digits)), expr.value, ctx)


def _positive_only(
    expr: numeric.Unary,
    ctx: ExprContext,
    fn: Callable[[exp.Expr], exp.Expr],
    *,
    zero_ok: bool,
) -> exp.Expr:
    """fn(value) where defined, else NULL (SQL engines raise or return NaN for the rest)."""
    value = as_float(expr.value, ctx)
    test = exp.GTE if zero_ok else exp.GT
    return case([(binary(test, value, number(0)), fn(value))])


@sql_expr.register(numeric.Sqrt)
def _sqrt(expr: numeric.Sqrt, ctx: ExprContext) -> exp.Expr:
    return _positive_only(expr, ctx, lambda v: exp.Sqrt(this=v), zero_ok=True)


@sql_expr.register(numeric.Ln)
def _ln(expr: numeric.Ln, ctx: ExprContext) -> exp.Expr:
    return _positive_only(expr, ctx, lambda v: exp.Ln(this=v), zero_ok=False)


@sql_expr.register(numeric.Log)
def _log(expr: numeric.Log, ctx: ExprContext) -> exp.Expr:
    if expr.base <= 0 or expr.base == 1:  # no such logarithm: NULL, as the log of 0 is
        return cast(exp.null(), "float")
    value = as_float(expr.value, ctx)
    ratio = binary(exp.Div, exp.Ln(this=value), exp.Ln(this=literal(float(expr.base))))
    return case([(binary(exp.GT, value, number(0)), ratio)])


def finite(e: exp.Expr) -> exp.Expr:
    """NULL where `e` is infinite or NaN (p-SQL numbers are finite): x - x is 0 only if finite."""
    return case([(binary(exp.EQ, binary(exp.Sub, e, e.copy()), number(0)), e.copy())])


@sql_expr.register(numeric.Exp)
def _exp(expr: numeric.Exp, ctx: ExprContext) -> exp.Expr:
    return finite(exp.Exp(this=as_float(expr.value, ctx)))


@sql_expr.register(numeric.Pow)
def _pow(expr: numeric.Pow, ctx: ExprContext) -> exp.Expr:
    base, exponent = as_float(expr.base, ctx), as_float(expr.exponent, ctx)
    power = finite(exp.Pow(this=base, expression=exponent))
    if ctx.dialect != "postgres":
        return power
    # Postgres raises where IEEE gives NaN or inf (a negative base to a fractional power,
    # zero to a negative one); p-SQL's answer there is NULL, so those are guarded first.
    fractional = binary(exp.NEQ, exponent.copy(), exp.Floor(this=exponent.copy()))
    undefined = exp.or_(
        wrap(exp.and_(binary(exp.LT, base.copy(), number(0)), wrap(fractional))),
        wrap(
            exp.and_(
                binary(exp.EQ, base.copy(), number(0)), binary(exp.LT, exponent.copy(), number(0))
            )
        ),
    )
    return case([(undefined, exp.null())], power)


def _extreme(node: type[exp.Greatest] | type[exp.Least]) -> Callable[..., exp.Expr]:
    def lower(expr: numeric.Greatest | numeric.Least, ctx: ExprContext) -> exp.Expr:
        values = _unified(expr.args, dtype_of(expr, ctx), ctx)
        if len(values) == 1:
            return values[0]
        # Nulls are ignored in p-SQL; some engines return NULL if any argument is NULL.
        # COALESCE(x_i, x_others...) replaces a null by another argument, which cannot change
        # the extreme, and stays NULL only when every argument is.
        guarded = [
            exp.Coalesce(this=v, expressions=[o for j, o in enumerate(values) if j != i])
            for i, v in enumerate(values)
        ]
        return node(this=guarded[0], expressions=guarded[1:])

    return lower


sql_expr.register(numeric.Greatest)(_extreme(exp.Greatest))
sql_expr.register(numeric.Least)(_extreme(exp.Least))
