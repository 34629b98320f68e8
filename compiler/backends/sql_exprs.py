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
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import singledispatch

from pesql.compiler.check import infer_expr
from pesql.compiler.types import Schema
from pesql.grammar import ast as A
from pesql.grammar.ops import logic, numeric, operators, text, time
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

# Rust's `char::is_whitespace`, which polars' strip uses; SQL TRIM removes only spaces.
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000")
)


@dataclass(frozen=True, slots=True)
class Over:
    """The window of the enclosing WINDOW step: partition keys and order keys (ordinal last)."""

    partition: tuple[exp.Expression, ...]
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


def cast(e: exp.Expression, dtype: DType) -> exp.Expression:
    return exp.Cast(this=e, to=sql_type(dtype))


def dtype_of(expr: A.Expr, ctx: ExprContext) -> DType:
    return infer_expr(expr, ctx.schema).dtype


def wrap(e: exp.Expression) -> exp.Expression:
    """Parenthesize operator nodes: sqlglot prints trees as built, without adding parentheses."""
    if isinstance(e, exp.Paren):
        return e
    if isinstance(e, exp.Binary | exp.Unary | exp.Between | exp.In):
        return exp.Paren(this=e)
    return e


def string(value: str) -> exp.Literal:
    return exp.Literal.string(value)


def number(value: int | float) -> exp.Expression:
    return exp.Literal.number(value)


@singledispatch
def sql_expr(expr: A.Expr, ctx: ExprContext) -> exp.Expression:
    """The sqlglot tree of a p-SQL expression."""
    raise NotImplementedError(f"no SQL lowering for {type(expr).__name__}")


def args(exprs: Sequence[A.Expr], ctx: ExprContext) -> list[exp.Expression]:
    return [sql_expr(e, ctx) for e in exprs]


@sql_expr.register
def _col(expr: A.Col, ctx: ExprContext) -> exp.Expression:
    return col(expr.name)


@sql_expr.register
def _lit(expr: A.Lit, ctx: ExprContext) -> exp.Expression:
    return literal(expr.value)


def literal(value: A.LitValue) -> exp.Expression:
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


def binary(node: type[exp.Binary], left: exp.Expression, right: exp.Expression) -> exp.Expression:
    return node(this=wrap(left), expression=wrap(right))


def _register_binary(cls: type[operators.Binary]) -> None:
    def lower(expr: operators.Binary, ctx: ExprContext) -> exp.Expression:
        left, right = _comparable_pair(expr.left, expr.right, ctx)
        return binary(_BINARY[cls], left, right)

    sql_expr.register(cls)(lower)


def _comparable_pair(
    left: A.Expr, right: A.Expr, ctx: ExprContext
) -> tuple[exp.Expression, exp.Expression]:
    """Both sides, with a date compared to a datetime promoted (as polars does) on both."""
    lsql, rsql = sql_expr(left, ctx), sql_expr(right, ctx)
    kinds = {dtype_of(left, ctx), dtype_of(right, ctx)}
    if kinds == {"date", "datetime"}:
        return cast(lsql, "datetime"), cast(rsql, "datetime")
    return lsql, rsql


for _cls in _BINARY:
    _register_binary(_cls)  # type: ignore[arg-type]


def as_float(expr: A.Expr, ctx: ExprContext) -> exp.Expression:
    """A numeric operand as DOUBLE: SQL would divide integers as integers."""
    e = sql_expr(expr, ctx)
    return e if dtype_of(expr, ctx) == "float" else cast(e, "float")


def safe_div(num: exp.Expression, den: exp.Expression) -> exp.Expression:
    """num / den with division by zero -> NULL (SQL engines raise or return infinity)."""
    return binary(exp.Div, num, exp.Nullif(this=den, expression=number(0)))


@sql_expr.register
def _div(expr: operators.Div, ctx: ExprContext) -> exp.Expression:
    return safe_div(as_float(expr.left, ctx), as_float(expr.right, ctx))


@sql_expr.register
def _mod(expr: operators.Mod, ctx: ExprContext) -> exp.Expression:
    # SQL's % truncates like C: the result has the dividend's sign, as p-SQL documents.
    den = exp.Nullif(this=sql_expr(expr.right, ctx), expression=number(0))
    return binary(exp.Mod, sql_expr(expr.left, ctx), den)


@sql_expr.register
def _neg(expr: operators.Neg, ctx: ExprContext) -> exp.Expression:
    return exp.Neg(this=wrap(sql_expr(expr.value, ctx)))


# --- logic ------------------------------------------------------------------------------------


@sql_expr.register
def _and(expr: operators.And, ctx: ExprContext) -> exp.Expression:
    return exp.and_(*args(expr.args, ctx))


@sql_expr.register
def _or(expr: operators.Or, ctx: ExprContext) -> exp.Expression:
    return exp.or_(*args(expr.args, ctx))


@sql_expr.register
def _not(expr: operators.Not, ctx: ExprContext) -> exp.Expression:
    return exp.Not(this=wrap(sql_expr(expr.value, ctx)))


@sql_expr.register
def _in(expr: operators.In, ctx: ExprContext) -> exp.Expression:
    return exp.In(this=wrap(sql_expr(expr.value, ctx)), expressions=args(expr.options, ctx))


@sql_expr.register
def _between(expr: operators.Between, ctx: ExprContext) -> exp.Expression:
    value, low = _comparable_pair(expr.value, expr.low, ctx)
    _, high = _comparable_pair(expr.value, expr.high, ctx)
    return exp.Between(this=wrap(value), low=wrap(low), high=wrap(high))


@sql_expr.register
def _is_null(expr: operators.IsNull, ctx: ExprContext) -> exp.Expression:
    return exp.Is(this=wrap(sql_expr(expr.value, ctx)), expression=exp.null())


@sql_expr.register
def _is_not_null(expr: operators.IsNotNull, ctx: ExprContext) -> exp.Expression:
    return exp.Not(this=exp.Is(this=wrap(sql_expr(expr.value, ctx)), expression=exp.null()))


@sql_expr.register
def _like(expr: operators.Like, ctx: ExprContext) -> exp.Expression:
    node = exp.ILike if expr.ignore_case else exp.Like
    like = node(this=wrap(sql_expr(expr.value, ctx)), expression=string(expr.pattern))
    # p-SQL's LIKE escapes with a backslash (as PostgreSQL); DuckDB and others have no default.
    return exp.Escape(this=like, expression=string("\\"))


def case(
    whens: Sequence[tuple[exp.Expression, exp.Expression]], default: exp.Expression | None = None
) -> exp.Case:
    return exp.Case(ifs=[exp.If(this=c, true=v) for c, v in whens], default=default)


@sql_expr.register
def _if(expr: logic.If, ctx: ExprContext) -> exp.Expression:
    target = dtype_of(expr, ctx)
    then, else_ = _unified((expr.then, expr.else_), target, ctx)
    return case([(sql_expr(expr.condition, ctx), then)], else_)


@sql_expr.register
def _case(expr: logic.Case, ctx: ExprContext) -> exp.Expression:
    target = dtype_of(expr, ctx)
    values = _unified([w.then for w in expr.whens], target, ctx)
    default = _unified([expr.else_], target, ctx)[0] if expr.else_ is not None else None
    conds = [sql_expr(w.when, ctx) for w in expr.whens]
    return case(list(zip(conds, values, strict=True)), default)


@sql_expr.register
def _coalesce(expr: logic.Coalesce, ctx: ExprContext) -> exp.Expression:
    first, *rest = _unified(expr.args, dtype_of(expr, ctx), ctx)
    return exp.Coalesce(this=first, expressions=rest)


def _unified(exprs: Sequence[A.Expr], target: DType, ctx: ExprContext) -> list[exp.Expression]:
    """Branches cast to the result type where they differ (SQL would pick its own supertype)."""
    out = []
    for e in exprs:
        sql = sql_expr(e, ctx)
        kind = dtype_of(e, ctx)
        out.append(sql if kind in (target, "null") or target == "null" else cast(sql, target))
    return out


@sql_expr.register
def _cast(expr: logic.Cast, ctx: ExprContext) -> exp.Expression:
    return convert(expr.value, expr.type, ctx, exp.Cast)


@sql_expr.register
def _try_cast(expr: logic.TryCast, ctx: ExprContext) -> exp.Expression:
    return convert(expr.value, expr.type, ctx, exp.TryCast)


def convert(value: A.Expr, target: DType, ctx: ExprContext, node: type[exp.Cast]) -> exp.Expression:
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


def _unary(
    node: Callable[..., exp.Expression],
) -> Callable[[numeric.Unary, ExprContext], exp.Expression]:
    def lower(expr: numeric.Unary, ctx: ExprContext) -> exp.Expression:
        return node(this=sql_expr(expr.value, ctx))

    return lower


sql_expr.register(numeric.Abs)(_unary(exp.Abs))


@sql_expr.register
def _floor(expr: numeric.Floor, ctx: ExprContext) -> exp.Expression:
    return _same_type(exp.Floor(this=sql_expr(expr.value, ctx)), expr.value, ctx)


@sql_expr.register
def _ceil(expr: numeric.Ceil, ctx: ExprContext) -> exp.Expression:
    return _same_type(exp.Ceil(this=sql_expr(expr.value, ctx)), expr.value, ctx)


def _same_type(e: exp.Expression, value: A.Expr, ctx: ExprContext) -> exp.Expression:
    # Engines change the type of FLOOR/ROUND results (DECIMAL scale, INT -> DOUBLE); p-SQL keeps it.
    kind = dtype_of(value, ctx)
    return cast(e, kind) if kind in ("integer", "decimal") else e


@sql_expr.register
def _sub_abs(expr: numeric.SubAbs, ctx: ExprContext) -> exp.Expression:
    return exp.Abs(this=binary(exp.Sub, sql_expr(expr.left, ctx), sql_expr(expr.right, ctx)))


@sql_expr.register
def _round(expr: numeric.Round, ctx: ExprContext) -> exp.Expression:
    kind = dtype_of(expr.value, ctx)
    value = sql_expr(expr.value, ctx)
    if kind == "integer" and expr.digits >= 0:
        return value
    return _same_type(exp.Round(this=value, decimals=number(expr.digits)), expr.value, ctx)


def _positive_only(
    expr: numeric.Unary,
    ctx: ExprContext,
    fn: Callable[[exp.Expression], exp.Expression],
    *,
    zero_ok: bool,
) -> exp.Expression:
    """fn(value) where defined, else NULL (SQL engines raise or return NaN for the rest)."""
    value = as_float(expr.value, ctx)
    test = exp.GTE if zero_ok else exp.GT
    return case([(binary(test, value, number(0)), fn(value))])


@sql_expr.register
def _sqrt(expr: numeric.Sqrt, ctx: ExprContext) -> exp.Expression:
    return _positive_only(expr, ctx, lambda v: exp.Sqrt(this=v), zero_ok=True)


@sql_expr.register
def _ln(expr: numeric.Ln, ctx: ExprContext) -> exp.Expression:
    return _positive_only(expr, ctx, lambda v: exp.Ln(this=v), zero_ok=False)


@sql_expr.register
def _log(expr: numeric.Log, ctx: ExprContext) -> exp.Expression:
    if expr.base <= 0 or expr.base == 1:  # no such logarithm: NULL, as the log of 0 is
        return cast(exp.null(), "float")
    value = as_float(expr.value, ctx)
    ratio = binary(exp.Div, exp.Ln(this=value), exp.Ln(this=literal(float(expr.base))))
    return case([(binary(exp.GT, value, number(0)), ratio)])


def finite(e: exp.Expression) -> exp.Expression:
    """NULL where `e` is infinite or NaN (p-SQL numbers are finite): x - x is 0 only if finite."""
    return case([(binary(exp.EQ, binary(exp.Sub, e, e.copy()), number(0)), e.copy())])


@sql_expr.register
def _exp(expr: numeric.Exp, ctx: ExprContext) -> exp.Expression:
    return finite(exp.Exp(this=as_float(expr.value, ctx)))


@sql_expr.register
def _pow(expr: numeric.Pow, ctx: ExprContext) -> exp.Expression:
    base, exponent = as_float(expr.base, ctx), as_float(expr.exponent, ctx)
    return finite(exp.Pow(this=base, expression=exponent))


def _extreme(node: type[exp.Greatest] | type[exp.Least]) -> Callable[..., exp.Expression]:
    def lower(expr: numeric.Greatest | numeric.Least, ctx: ExprContext) -> exp.Expression:
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


# --- text -------------------------------------------------------------------------------------

sql_expr.register(text.Upper)(_unary(exp.Upper))
sql_expr.register(text.Lower)(_unary(exp.Lower))


@sql_expr.register
def _length(expr: text.Length, ctx: ExprContext) -> exp.Expression:
    return cast(exp.Length(this=sql_expr(expr.value, ctx)), "integer")


@sql_expr.register
def _trim(expr: text.Trim, ctx: ExprContext) -> exp.Expression:
    return exp.Trim(this=sql_expr(expr.value, ctx), expression=string(WHITESPACE))


def as_text(expr: A.Expr, ctx: ExprContext) -> exp.Expression:
    """Any value as text, formatted as polars casts it to String."""
    kind = dtype_of(expr, ctx)
    sql = sql_expr(expr, ctx)
    if kind in ("string", "null"):
        return sql
    if kind == "datetime":
        return exp.TimeToStr(this=sql, format=string("%Y-%m-%d %H:%M:%S.%f"))
    return cast(sql, "string")


@sql_expr.register
def _concat(expr: text.Concat, ctx: ExprContext) -> exp.Expression:
    parts = [exp.Coalesce(this=as_text(a, ctx), expressions=[string("")]) for a in expr.args]
    if len(parts) == 1:
        return parts[0]
    return exp.Concat(expressions=parts, safe=True, coalesce=True)


@sql_expr.register
def _substring(expr: text.Substring, ctx: ExprContext) -> exp.Expression:
    # PostgreSQL's reading of a start before 1 (the positions start .. start+length-1 that
    # exist), resolved here because DuckDB counts a negative start from the end.
    offset = max(expr.start - 1, 0)
    length = None
    if expr.length is not None:
        length = number(max(expr.start + expr.length - 1 - offset, 0))
    return exp.Substring(this=sql_expr(expr.value, ctx), start=number(offset + 1), length=length)


@sql_expr.register
def _replace(expr: text.Replace, ctx: ExprContext) -> exp.Expression:
    if expr.old == "":
        # Every engine differs on replacing the empty string; polars leaves the text as is.
        return sql_expr(expr.value, ctx)
    return exp.Replace(
        this=sql_expr(expr.value, ctx), expression=string(expr.old), replacement=string(expr.new)
    )


def _folded(expr: text.TextMatch, ctx: ExprContext) -> tuple[exp.Expression, exp.Expression]:
    value, pattern = sql_expr(expr.value, ctx), string(expr.pattern)
    if expr.ignore_case:
        return exp.Lower(this=value), exp.Lower(this=pattern)
    return value, pattern


@sql_expr.register
def _contains(expr: text.Contains, ctx: ExprContext) -> exp.Expression:
    value, pattern = _folded(expr, ctx)
    return binary(exp.GT, exp.StrPosition(this=value, substr=pattern), number(0))


@sql_expr.register
def _starts_with(expr: text.StartsWith, ctx: ExprContext) -> exp.Expression:
    value, pattern = _folded(expr, ctx)
    return exp.StartsWith(this=value, expression=pattern)


@sql_expr.register
def _ends_with(expr: text.EndsWith, ctx: ExprContext) -> exp.Expression:
    value, pattern = _folded(expr, ctx)
    return exp.EndsWith(this=value, expression=pattern)


@sql_expr.register
def _regexp_match(expr: text.RegexpMatch, ctx: ExprContext) -> exp.Expression:
    return exp.RegexpLike(this=sql_expr(expr.value, ctx), expression=string(expr.pattern))


@sql_expr.register
def _regexp_extract(expr: text.RegexpExtract, ctx: ExprContext) -> exp.Expression:
    value = sql_expr(expr.value, ctx)
    extract = exp.RegexpExtract(
        this=value, expression=string(expr.pattern), group=number(expr.group)
    )
    # Engines return '' when nothing matches; p-SQL returns NULL (an empty group stays '').
    matched = exp.RegexpLike(this=value.copy(), expression=string(expr.pattern))
    return case([(matched, extract)])


def sql_replacement(replacement: str) -> str:
    r"""polars/Rust replacement syntax ($1, ${1}, $$) -> RE2/POSIX syntax (\1, \\)."""
    out = replacement.replace("\\", "\\\\")
    out = re.sub(r"\$\{(\d+)\}|\$(\d+)", lambda m: "\\" + (m.group(1) or m.group(2)), out)
    return out.replace("$$", "$")


@sql_expr.register
def _regexp_replace(expr: text.RegexpReplace, ctx: ExprContext) -> exp.Expression:
    return exp.RegexpReplace(
        this=sql_expr(expr.value, ctx),
        expression=string(expr.pattern),
        replacement=string(sql_replacement(expr.replacement)),
        modifiers=string("g"),
    )


# --- time -------------------------------------------------------------------------------------

_PARTS: dict[type[A.Expr], type[exp.Func]] = {
    time.Year: exp.Year,
    time.Quarter: exp.Quarter,
    time.Month: exp.Month,
    time.Day: exp.Day,
    time.Weekday: exp.DayOfWeekIso,
    time.Hour: exp.Hour,
    time.Minute: exp.Minute,
}


def _register_part(cls: type[time.Part]) -> None:
    def lower(expr: time.Part, ctx: ExprContext) -> exp.Expression:
        return cast(_PARTS[cls](this=sql_expr(expr.value, ctx)), "integer")

    sql_expr.register(cls)(lower)


for _part in _PARTS:
    _register_part(_part)  # type: ignore[arg-type]


def trunc(unit: str, value: exp.Expression, kind: DType) -> exp.Expression:
    """DATE_TRUNC keeping the input type (engines turn dates into timestamps)."""
    truncated = exp.DateTrunc(unit=string(unit.upper()), this=value)
    return cast(truncated, "date" if kind == "date" else "datetime")


@sql_expr.register
def _date_trunc(expr: time.DateTrunc, ctx: ExprContext) -> exp.Expression:
    kind = dtype_of(expr.value, ctx)
    return trunc(expr.unit, sql_expr(expr.value, ctx), kind)


@sql_expr.register
def _date_diff(expr: time.DateDiff, ctx: ExprContext) -> exp.Expression:
    # Boundaries crossed = the difference of the truncated values; engines disagree on what
    # DATE_DIFF counts (DuckDB counts whole weeks, not Mondays), so both ends are truncated.
    kinds = {dtype_of(expr.start, ctx), dtype_of(expr.end, ctx)}
    kind: DType = "datetime" if "datetime" in kinds else "date"
    start = trunc(expr.unit, sql_expr(expr.start, ctx), kind)
    end = trunc(expr.unit, sql_expr(expr.end, ctx), kind)
    unit = "day" if expr.unit == "week" else expr.unit
    diff = exp.DateDiff(this=end, expression=start, unit=exp.var(unit.upper()))
    if expr.unit == "week":
        return cast(exp.Div(this=wrap(diff), expression=number(7)), "integer")
    return cast(diff, "integer")
