"""p-SQL expressions -> sqlglot expression trees (scalars; aggregates and windows in sql_calls).

Each lowering builds sqlglot nodes (never SQL text), so quoting, function names and type
names come from the target dialect's generator. The SQL spells out what p-SQL documents and
SQL leaves to the engine:

    >>> from pesql.grammar.parse import parse_expr
    >>> from pesql.compiler.types import Schema
    >>> ctx = ExprContext(Schema.of({"a": "integer", "b": "integer"}), "duckdb")
    >>> sql_expr(parse_expr("a / b"), ctx).sql("duckdb")
    'CAST("a" AS DOUBLE) / NULLIF(CAST("b" AS DOUBLE), 0)'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import singledispatch

from pesql.compiler.check import infer_expr
from pesql.compiler.types import Schema
from pesql.grammar import ast as A
from pesql.grammar.ops import logic, numeric, operators
from pesql.grammar.types import DType
from sqlglot import exp

# p-SQL dtype -> SQL type; sqlglot renders each dialect's spelling (BIGINT -> INT64, ...).
SQL_TYPES: dict[DType, str] = {
    "integer": "BIGINT",
    "float": "DOUBLE",
    "decimal": "DECIMAL(38, 9)",
    "string": "VARCHAR",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "duration": "INTERVAL",
}


@dataclass(frozen=True, slots=True)
class Over:
    """The window of the enclosing WINDOW step: partition keys and order keys (ordinal last)."""

    partition: tuple[exp.Expr, ...]
    order: tuple[exp.Ordered, ...]  # the step's keys only: RANK ties on these
    ordinal: exp.Ordered  # the row ordinal: the tie-break that makes the order total


@dataclass(frozen=True, slots=True)
class ExprContext:
    """What an expression is lowered against: the current table's columns and the dialect."""

    schema: Schema
    dialect: str
    ordinal: str = "__pesql_row"
    source: str | None = None  # the CTE read from: ordinal references are qualified with it
    over: Over | None = None  # set inside WINDOW steps
    in_group: bool = False  # GROUP_BY / AGGREGATE items: aggregates are plain, not windowed

    def ordinal_ref(self) -> exp.Column:
        """The input's ordinal, qualified: an output alias of the same name must not capture it."""
        return col(self.ordinal, self.source)


def col(name: str, table: str | None = None) -> exp.Column:
    """A quoted column reference (p-SQL names may hold spaces, unicode, keywords)."""
    qualifier = exp.to_identifier(table, quoted=True) if table is not None else None
    return exp.column(exp.to_identifier(name, quoted=True), table=qualifier)


def sql_type(dtype: DType) -> exp.DataType:
    return exp.DataType.build(SQL_TYPES.get(dtype, "VARCHAR"))


def cast(e: exp.Expr, dtype: DType) -> exp.Expr:
    return exp.Cast(this=e, to=sql_type(dtype))


def dtype_of(expr: A.Expr, ctx: ExprContext) -> DType:
    return infer_expr(expr, ctx.schema).dtype


def wrap(e: exp.Expr) -> exp.Expr:
    """Parenthesize operator nodes: sqlglot prints trees as built, without adding parentheses."""
    if isinstance(e, exp.Paren):
        return e
    if isinstance(e, exp.Binary | exp.Unary | exp.Between | exp.In):
        return exp.Paren(this=e)
    return e


def string(value: str) -> exp.Literal:
    return exp.Literal.string(value)


def number(value: int | float) -> exp.Expr:
    return exp.Literal.number(value)


@singledispatch
def sql_expr(expr: A.Expr, ctx: ExprContext) -> exp.Expr:
    """The sqlglot tree of a p-SQL expression."""
    raise NotImplementedError(f"no SQL lowering for {type(expr).__name__}")


def args(exprs: Sequence[A.Expr], ctx: ExprContext) -> list[exp.Expr]:
    return [sql_expr(e, ctx) for e in exprs]


@sql_expr.register
def _col(expr: A.Col, ctx: ExprContext) -> exp.Expr:
    return col(expr.name)


@sql_expr.register
def _lit(expr: A.Lit, ctx: ExprContext) -> exp.Expr:
    return literal(expr.value)


def literal(value: A.LitValue) -> exp.Expr:
    """A typed literal: SQL reads `0.1` as DECIMAL and `1` as INTEGER, p-SQL means DOUBLE/BIGINT."""
    match value:
        case None:
            return exp.null()
        case bool():
            return exp.true() if value else exp.false()
        case int():
            lit = number(value)
            return lit if -(2**31) <= value < 2**31 else cast(lit, "integer")
        case float():
            return cast(
                number(float(value)) if value >= 0 else exp.Neg(this=number(-value)), "float"
            )
        case str():
            return string(value)
        case dt.datetime():
            return cast(string(value.isoformat(sep=" ")), "datetime")
        case dt.date():
            return cast(string(value.isoformat()), "date")
    raise TypeError(f"not a literal: {value!r}")


# --- arithmetic -------------------------------------------------------------------------------

_BINARY: dict[type[A.Expr], type[exp.Binary]] = {
    operators.Add: exp.Add,
    operators.Sub: exp.Sub,
    operators.Mul: exp.Mul,
    operators.Eq: exp.EQ,
    operators.Ne: exp.NEQ,
    operators.Lt: exp.LT,
    operators.Le: exp.LTE,
    operators.Gt: exp.GT,
    operators.Ge: exp.GTE,
}


def binary(node: type[exp.Binary], left: exp.Expr, right: exp.Expr) -> exp.Expr:
    return node(this=wrap(left), expression=wrap(right))


def _register_binary(cls: type[operators.Binary]) -> None:
    def lower(expr: operators.Binary, ctx: ExprContext) -> exp.Expr:
        left, right = _comparable_pair(expr.left, expr.right, ctx)
        return binary(_BINARY[cls], left, right)

    sql_expr.register(cls)(lower)


def _comparable_pair(left: A.Expr, right: A.Expr, ctx: ExprContext) -> tuple[exp.Expr, exp.Expr]:
    """Both sides, with a date compared to a datetime promoted (as polars does) on both."""
    lsql, rsql = sql_expr(left, ctx), sql_expr(right, ctx)
    kinds = {dtype_of(left, ctx), dtype_of(right, ctx)}
    if kinds == {"date", "datetime"}:
        return cast(lsql, "datetime"), cast(rsql, "datetime")
    return lsql, rsql


for _cls in _BINARY:
    _register_binary(_cls)  # type: ignore[arg-type]


def as_float(expr: A.Expr, ctx: ExprContext) -> exp.Expr:
    """A numeric operand as DOUBLE: SQL would divide integers as integers."""
    e = sql_expr(expr, ctx)
    return e if dtype_of(expr, ctx) == "float" else cast(e, "float")


def safe_div(num: exp.Expr, den: exp.Expr) -> exp.Expr:
    """num / den with division by zero -> NULL (SQL engines raise or return infinity)."""
    return binary(exp.Div, num, exp.Nullif(this=den, expression=number(0)))


@sql_expr.register
def _div(expr: operators.Div, ctx: ExprContext) -> exp.Expr:
    return safe_div(as_float(expr.left, ctx), as_float(expr.right, ctx))


@sql_expr.register
def _mod(expr: operators.Mod, ctx: ExprContext) -> exp.Expr:
    # SQL's % truncates like C: the result has the dividend's sign, as p-SQL documents.
    den = exp.Nullif(this=sql_expr(expr.right, ctx), expression=number(0))
    left = sql_expr(expr.left, ctx)
    kinds = {dtype_of(expr.left, ctx), dtype_of(expr.right, ctx)}
    if ctx.dialect == "sqlite" and kinds & {"float", "decimal"}:
        # SQLite's % casts both sides to INTEGER; x - y * trunc(x / y) is fmod.
        quotient = cast(binary(exp.Div, cast(left, "float"), den), "integer")
        return binary(exp.Sub, left.copy(), binary(exp.Mul, den.copy(), quotient))
    return binary(exp.Mod, left, den)


@sql_expr.register
def _neg(expr: operators.Neg, ctx: ExprContext) -> exp.Expr:
    return exp.Neg(this=wrap(sql_expr(expr.value, ctx)))


# --- logic ------------------------------------------------------------------------------------


@sql_expr.register
def _and(expr: operators.And, ctx: ExprContext) -> exp.Expr:
    return exp.and_(*args(expr.args, ctx))


@sql_expr.register
def _or(expr: operators.Or, ctx: ExprContext) -> exp.Expr:
    return exp.or_(*args(expr.args, ctx))


@sql_expr.register
def _not(expr: operators.Not, ctx: ExprContext) -> exp.Expr:
    return exp.Not(this=wrap(sql_expr(expr.value, ctx)))


@sql_expr.register
def _in(expr: operators.In, ctx: ExprContext) -> exp.Expr:
    return exp.In(this=wrap(sql_expr(expr.value, ctx)), expressions=args(expr.options, ctx))


@sql_expr.register
def _between(expr: operators.Between, ctx: ExprContext) -> exp.Expr:
    value, low = _comparable_pair(expr.value, expr.low, ctx)
    _, high = _comparable_pair(expr.value, expr.high, ctx)
    return exp.Between(this=wrap(value), low=wrap(low), high=wrap(high))


@sql_expr.register
def _is_null(expr: operators.IsNull, ctx: ExprContext) -> exp.Expr:
    return exp.Is(this=wrap(sql_expr(expr.value, ctx)), expression=exp.null())


@sql_expr.register
def _is_not_null(expr: operators.IsNotNull, ctx: ExprContext) -> exp.Expr:
    return exp.Not(this=exp.Is(this=wrap(sql_expr(expr.value, ctx)), expression=exp.null()))


@sql_expr.register
def _like(expr: operators.Like, ctx: ExprContext) -> exp.Expr:
    node = exp.ILike if expr.ignore_case else exp.Like
    like = node(this=wrap(sql_expr(expr.value, ctx)), expression=string(expr.pattern))
    # p-SQL's LIKE escapes with a backslash (as PostgreSQL); DuckDB and others have no default.
    return exp.Escape(this=like, expression=string("\\"))


def case(whens: Sequence[tuple[exp.Expr, exp.Expr]], default: exp.Expr | None = None) -> exp.Case:
    return exp.Case(ifs=[exp.If(this=c, true=v) for c, v in whens], default=default)


@sql_expr.register
def _if(expr: logic.If, ctx: ExprContext) -> exp.Expr:
    target = dtype_of(expr, ctx)
    then, else_ = _unified((expr.then, expr.else_), target, ctx)
    return case([(sql_expr(expr.condition, ctx), then)], else_)


@sql_expr.register
def _case(expr: logic.Case, ctx: ExprContext) -> exp.Expr:
    target = dtype_of(expr, ctx)
    values = _unified([w.then for w in expr.whens], target, ctx)
    default = _unified([expr.else_], target, ctx)[0] if expr.else_ is not None else None
    conds = [sql_expr(w.when, ctx) for w in expr.whens]
    return case(list(zip(conds, values, strict=True)), default)


@sql_expr.register
def _coalesce(expr: logic.Coalesce, ctx: ExprContext) -> exp.Expr:
    first, *rest = _unified(expr.args, dtype_of(expr, ctx), ctx)
    return exp.Coalesce(this=first, expressions=rest)


def _unified(exprs: Sequence[A.Expr], target: DType, ctx: ExprContext) -> list[exp.Expr]:
    """Branches cast to the result type where they differ (SQL would pick its own supertype)."""
    out = []
    for e in exprs:
        sql = sql_expr(e, ctx)
        kind = dtype_of(e, ctx)
        out.append(sql if kind in (target, "null") or target == "null" else cast(sql, target))
    return out


@sql_expr.register
def _cast(expr: logic.Cast, ctx: ExprContext) -> exp.Expr:
    return convert(expr.value, expr.type, ctx, exp.Cast)


@sql_expr.register
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
        # away from zero, as ROUND does.
        sql = exp.Round(this=sql)
    if target == "string" and source == "datetime":
        # Engines drop zero fractions ('... 00:00:00'); polars always writes microseconds.
        return exp.TimeToStr(this=sql, format=string("%Y-%m-%d %H:%M:%S.%f"))
    return node(this=sql, to=sql_type(target))


# --- numbers ----------------------------------------------------------------------------------


def unary(
    node: Callable[..., exp.Expr],
) -> Callable[[numeric.Unary, ExprContext], exp.Expr]:
    def lower(expr: numeric.Unary, ctx: ExprContext) -> exp.Expr:
        return node(this=sql_expr(expr.value, ctx))

    return lower


sql_expr.register(numeric.Abs)(unary(exp.Abs))


@sql_expr.register
def _floor(expr: numeric.Floor, ctx: ExprContext) -> exp.Expr:
    return _same_type(exp.Floor(this=sql_expr(expr.value, ctx)), expr.value, ctx)


@sql_expr.register
def _ceil(expr: numeric.Ceil, ctx: ExprContext) -> exp.Expr:
    return _same_type(exp.Ceil(this=sql_expr(expr.value, ctx)), expr.value, ctx)


def _same_type(e: exp.Expr, value: A.Expr, ctx: ExprContext) -> exp.Expr:
    # Engines change the type of FLOOR/ROUND results (DECIMAL scale, INT -> DOUBLE); p-SQL keeps it.
    kind = dtype_of(value, ctx)
    return cast(e, kind) if kind in ("integer", "decimal") else e


@sql_expr.register
def _sub_abs(expr: numeric.SubAbs, ctx: ExprContext) -> exp.Expr:
    return exp.Abs(this=binary(exp.Sub, sql_expr(expr.left, ctx), sql_expr(expr.right, ctx)))


@sql_expr.register
def _round(expr: numeric.Round, ctx: ExprContext) -> exp.Expr:
    kind = dtype_of(expr.value, ctx)
    value = sql_expr(expr.value, ctx)
    if kind == "integer" and expr.digits >= 0:
        return value
    if ctx.dialect == "postgres" and kind == "float":
        # PostgreSQL rounds doubles half to even; its NUMERIC rounds halves away from zero.
        numeric_value = exp.Cast(this=value, to=exp.DataType.build("DECIMAL"))
        return cast(exp.Round(this=numeric_value, decimals=number(expr.digits)), "float")
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


@sql_expr.register
def _sqrt(expr: numeric.Sqrt, ctx: ExprContext) -> exp.Expr:
    return _positive_only(expr, ctx, lambda v: exp.Sqrt(this=v), zero_ok=True)


@sql_expr.register
def _ln(expr: numeric.Ln, ctx: ExprContext) -> exp.Expr:
    return _positive_only(expr, ctx, lambda v: exp.Ln(this=v), zero_ok=False)


@sql_expr.register
def _log(expr: numeric.Log, ctx: ExprContext) -> exp.Expr:
    if expr.base <= 0 or expr.base == 1:  # no such logarithm: NULL, as the log of 0 is
        return cast(exp.null(), "float")
    value = as_float(expr.value, ctx)
    ratio = binary(exp.Div, exp.Ln(this=value), exp.Ln(this=literal(float(expr.base))))
    return case([(binary(exp.GT, value, number(0)), ratio)])


def finite(e: exp.Expr) -> exp.Expr:
    """NULL where `e` is infinite or NaN (p-SQL numbers are finite): x - x is 0 only if finite."""
    return case([(binary(exp.EQ, binary(exp.Sub, e, e.copy()), number(0)), e.copy())])


@sql_expr.register
def _exp(expr: numeric.Exp, ctx: ExprContext) -> exp.Expr:
    return finite(exp.Exp(this=as_float(expr.value, ctx)))


@sql_expr.register
def _pow(expr: numeric.Pow, ctx: ExprContext) -> exp.Expr:
    base, exponent = as_float(expr.base, ctx), as_float(expr.exponent, ctx)
    return finite(exp.Pow(this=base, expression=exponent))


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
