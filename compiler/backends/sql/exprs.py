"""p-SQL expressions -> sqlglot expression trees: context, literals, arithmetic, comparisons, logic.

Conditionals, casts and numbers are in sql_functions, text and time in sql_text, aggregates
and windows in sql_calls; all register on `sql_expr`.

Each lowering builds sqlglot nodes (never SQL text), so quoting, function names and type
names come from the target dialect's generator. The SQL spells out what p-SQL documents and
SQL leaves to the engine:

    >>> from pesql.grammar.parse import parse_expr
    >>> from pesql.compiler.check.schema import Schema
    >>> ctx = ExprContext(Schema.of({"a": "integer", "b": "integer"}), "duckdb")
    >>> sql_expr(parse_expr("a / b"), ctx).sql("duckdb")
    'CAST("a" AS DOUBLE) / NULLIF(CAST("b" AS DOUBLE), 0)'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import singledispatch

from pesql.compiler.check.check import infer_expr
from pesql.compiler.check.schema import Schema
from pesql.grammar import ast as A
from pesql.grammar.ops import operators
from pesql.grammar.record import Record, record
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


@record(kw_only=False)
class Over(Record):
    """The window of the enclosing WINDOW step: partition keys and order keys (ordinal last)."""

    partition: tuple[exp.Expr, ...]
    order: tuple[exp.Ordered, ...]  # the step's keys only: RANK ties on these
    ordinal: exp.Ordered  # the row ordinal: the tie-break that makes the order total


@record(kw_only=False)
class ExprContext(Record):
    """What an expression is lowered against: the current table's columns and the dialect."""

    schema: Schema
    dialect: str
    ordinal: str = "__pesql_row"
    source: str | None = None  # the CTE read from: ordinal references are qualified with it
    over: Over | None = None  # set inside WINDOW steps
    # Inside a WINDOW with ORDER BY: the column holding each row's place in window order, so
    # FIRST/LAST follow the window's order rather than the input's.
    position: str | None = None
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


@sql_expr.register(A.Col)
def _col(expr: A.Col, ctx: ExprContext) -> exp.Expr:
    return col(expr.name)


@sql_expr.register(A.Lit)
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


@sql_expr.register(operators.Div)
def _div(expr: operators.Div, ctx: ExprContext) -> exp.Expr:
    return safe_div(as_float(expr.left, ctx), as_float(expr.right, ctx))


@sql_expr.register(operators.Mod)
def _mod(expr: operators.Mod, ctx: ExprContext) -> exp.Expr:
    # SQL's % truncates like C: the result has the dividend's sign, as p-SQL documents.
    den = exp.Nullif(this=sql_expr(expr.right, ctx), expression=number(0))
    left = sql_expr(expr.left, ctx)
    kinds = {dtype_of(expr.left, ctx), dtype_of(expr.right, ctx)}
    if ctx.dialect == "sqlite" and kinds & {"float", "decimal"}:
        # SQLite's % casts both sides to INTEGER; x - y * trunc(x / y) is fmod.
        quotient = cast(binary(exp.Div, cast(left, "float"), den), "integer")
        return binary(exp.Sub, left.copy(), binary(exp.Mul, den.copy(), quotient))
    if ctx.dialect == "postgres" and "float" in kinds:
        # Postgres has no `%` for double precision: the remainder of the NUMERIC values
        # (exact, like fmod, up to float8 -> numeric's rounding), back as a double.
        def numeric(e: exp.Expr) -> exp.Expr:
            return exp.Cast(this=e, to=exp.DataType.build("DECIMAL"))

        den = exp.Nullif(this=numeric(sql_expr(expr.right, ctx)), expression=number(0))
        return cast(binary(exp.Mod, numeric(left), den), "float")
    return binary(exp.Mod, left, den)


@sql_expr.register(operators.Neg)
def _neg(expr: operators.Neg, ctx: ExprContext) -> exp.Expr:
    return exp.Neg(this=wrap(sql_expr(expr.value, ctx)))


# --- logic ------------------------------------------------------------------------------------


@sql_expr.register(operators.And)
def _and(expr: operators.And, ctx: ExprContext) -> exp.Expr:
    return exp.and_(*args(expr.args, ctx))


@sql_expr.register(operators.Or)
def _or(expr: operators.Or, ctx: ExprContext) -> exp.Expr:
    return exp.or_(*args(expr.args, ctx))


@sql_expr.register(operators.Not)
def _not(expr: operators.Not, ctx: ExprContext) -> exp.Expr:
    return exp.Not(this=wrap(sql_expr(expr.value, ctx)))


@sql_expr.register(operators.In)
def _in(expr: operators.In, ctx: ExprContext) -> exp.Expr:
    return exp.In(this=wrap(sql_expr(expr.value, ctx)), expressions=args(expr.options, ctx))


@sql_expr.register(operators.Between)
def _between(expr: operators.Between, ctx: ExprContext) -> exp.Expr:
    value, low = _comparable_pair(expr.value, expr.low, ctx)
    _, high = _comparable_pair(expr.value, expr.high, ctx)
    return exp.Between(this=wrap(value), low=wrap(low), high=wrap(high))


@sql_expr.register(operators.IsNull)
def _is_null(expr: operators.IsNull, ctx: ExprContext) -> exp.Expr:
    return exp.Is(this=wrap(sql_expr(expr.value, ctx)), expression=exp.null())


@sql_expr.register(operators.IsNotNull)
def _is_not_null(expr: operators.IsNotNull, ctx: ExprContext) -> exp.Expr:
    return exp.Not(this=exp.Is(this=wrap(sql_expr(expr.value, ctx)), expression=exp.null()))


@sql_expr.register(operators.Like)
def _like(expr: operators.Like, ctx: ExprContext) -> exp.Expr:
    node = exp.ILike if expr.ignore_case else exp.Like
    like = node(this=wrap(sql_expr(expr.value, ctx)), expression=string(expr.pattern))
    # p-SQL's LIKE escapes with a backslash (as PostgreSQL); DuckDB and others have no default.
    return exp.Escape(this=like, expression=string("\\"))


def case(whens: Sequence[tuple[exp.Expr, exp.Expr]], default: exp.Expr | None = None) -> exp.Case:
    return exp.Case(ifs=[exp.If(this=c, true=v) for c, v in whens], default=default)
