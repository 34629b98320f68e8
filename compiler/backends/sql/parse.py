"""PARSE_NUMBER, PARSE_DATE, PARSE_DURATION, TOTAL_SECONDS -> sqlglot trees.

The polars lowering (`polars_text`) is a chain of regex clean-ups; the SQL is the same
chain, step for step, built from the same patterns, each translated into the engine's regex
flavour (regex.py). Lowered for DuckDB, Postgres and Spark, each differentially tested
against polars on messy text and on the WTQ tables' cells (docs/sql.md); the other dialects
declare E310 in `sql.UNSUPPORTED`. PARSE_DATE reads its format with DuckDB's TRY_STRPTIME
where DuckDB reads it as chrono does, and as a regex elsewhere (dates.py).

    >>> from pesql.grammar.parse import parse_expr
    >>> from pesql.compiler.check.schema import Schema
    >>> ctx = ExprContext(Schema.of({"t": "string"}), "duckdb")
    >>> sql_expr(parse_expr("TOTAL_SECONDS(PARSE_DURATION(t))"), ctx).sql("duckdb")[:30]
    'CAST(EPOCH_US(TO_MICROSECONDS('
"""

from __future__ import annotations

import re

from pesql.compiler.backends.polars import numbers as nt
from pesql.compiler.backends.polars import text as pt
from pesql.compiler.backends.sql import dates
from pesql.compiler.backends.sql.exprs import (
    ExprContext,
    binary,
    case,
    cast,
    literal,
    number,
    sql_expr,
    string,
)
from pesql.compiler.backends.sql.regex import group, matches, replace_all, replace_first
from pesql.compiler.backends.sql.text import WHITESPACE
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.ops import text
from sqlglot import exp


def _trim(value: exp.Expr, chars: str) -> exp.Expr:
    return exp.Trim(this=value, expression=string(chars))


def _refuse(expr: text.ParseDate | text.ParseNumber, ctx: ExprContext, what: str) -> PesqlError:
    return PesqlError([Diagnostic.make("E310", expr.origin, name=what, dialect=ctx.dialect)])


def _to_double(digits: exp.Expr, dialect: str) -> exp.Expr:
    """Number text the pattern accepted, as a double. Postgres has no TRY_CAST: the text is a
    valid number there, and only a float out of range (1e400) raises, as its arithmetic does
    (the declared difference, docs/sql.md); Spark's and DuckDB's TRY_CAST give inf or 0."""
    double = exp.DataType.build("DOUBLE")
    if dialect == "postgres":
        return exp.Cast(this=digits, to=double)
    return exp.TryCast(this=digits, to=double, safe=dialect == "spark")


def parse_number(value: exp.Expr, dialect: str = "duckdb") -> exp.Expr:
    """polars numbers.parse_number, step for step."""
    cleaned = _trim(replace_all(value, nt.INVISIBLE, dialect), nt.TRIM)
    cleaned = _trim(replace_first(cleaned, nt.FOOTNOTE, dialect), nt.TRIM)
    cleaned = exp.Replace(this=cleaned, expression=string("−"), replacement=string("-"))
    cleaned = replace_first(cleaned, nt.EN_DASH_MINUS, dialect, "-$1")
    cleaned = replace_first(cleaned, nt.ACCOUNTING, dialect, "-$1")
    cleaned = replace_first(cleaned, rf"^([+-]?)\s*(?:{nt.CURRENCY})\s*", dialect, "$1")
    cleaned = replace_first(cleaned, rf"\s*(?:{nt.CURRENCY})$", dialect)
    cleaned = replace_first(cleaned, r"\s*%$", dialect)
    ok = matches(cleaned, nt.PARSE_NUMBER_PATTERN, dialect)
    digits = replace_all(cleaned.copy(), nt.PARSE_GROUP, dialect)
    return case([(ok, _to_double(digits, dialect))])


@sql_expr.register(text.ParseNumber)
def _parse_number(expr: text.ParseNumber, ctx: ExprContext) -> exp.Expr:
    return parse_number(sql_expr(expr.value, ctx), ctx.dialect)


# strftime codes whose DuckDB reading was checked against polars (chrono); others: E310.
# Not %y (chrono wants two digits, reads 69 as 2069) nor %B (chrono also reads "Sep").
DATE_CODES = frozenset("Ymdb%")
_CODE = re.compile(r"%(.)")


@sql_expr.register(text.ParseDate)
def _parse_date(expr: text.ParseDate, ctx: ExprContext) -> exp.Expr:
    fmt = expr.format or "%Y-%m-%d"
    if ctx.dialect in ("postgres", "spark"):
        try:
            return dates.parse_date(sql_expr(expr.value, ctx), fmt, ctx.dialect)
        except ValueError as exc:
            raise _refuse(expr, ctx, f"PARSE_DATE format {fmt!r} ({exc})") from exc
    codes = set(_CODE.findall(fmt))
    # chrono skips spaces between adjacent fields ('%Y%m%d' reads '2024 1 5'), reads a space
    # in the format as any run of spaces (even none) and refuses a date without a day;
    # DuckDB does none of these.
    complete = {"Y", "d"} <= codes and bool(codes & {"m", "b"})
    adjacent = re.search(r"%[^%]%[^%]", fmt.replace("%%", "")) is not None
    spaced = any(c.isspace() for c in fmt)
    if not codes <= DATE_CODES or "%" in _CODE.sub("", fmt) or not complete or adjacent or spaced:
        raise _refuse(expr, ctx, f"PARSE_DATE format {fmt!r}")
    value = _trim(sql_expr(expr.value, ctx), WHITESPACE)
    if ctx.dialect == "duckdb":
        # What sqlglot writes for the node below, spelled out: its DuckDB writer refuses a
        # REGEXP_REPLACE inside it ("non-literal position"; found by the whole-plan fuzz).
        strptime = exp.Anonymous(this="TRY_STRPTIME", expressions=[value, string(fmt)])
        return exp.Cast(this=strptime, to=exp.DataType.build("DATE"))
    return exp.StrToDate(this=value, format=string(fmt), safe=True)


def _seconds(value: exp.Expr, pattern: str, scales: list[int], dialect: str) -> exp.Expr:
    """CASE WHEN value matches pattern THEN the sum of its groups times their scales END."""
    total: exp.Expr | None = None
    for index, scale in enumerate(scales, start=1):
        term = cast(group(value.copy(), pattern, index, dialect), "float")
        if scale != 1:
            term = binary(exp.Mul, term, number(scale))
        total = term if total is None else binary(exp.Add, total, term)
    assert total is not None
    return case([(matches(value.copy(), pattern, dialect), total)])


def _microseconds_to_interval(micros: exp.Expr, dialect: str) -> exp.Expr:
    if dialect == "postgres":
        # Exact: interval * number multiplies in floating point (wrong past 2^53 us).
        spelled = exp.DPipe(this=cast(micros, "string"), expression=string(" microseconds"))
        return exp.Cast(this=exp.Paren(this=spelled), to=exp.DataType.build("INTERVAL"))
    if dialect == "spark":
        # MAKE_DT_INTERVAL's seconds are DECIMAL(18, 6): whole days apart keep any int64.
        day = number(86_400_000_000)
        days = exp.IntDiv(this=micros, expression=day)
        rest = exp.Cast(
            this=binary(exp.Mod, micros.copy(), day.copy()),
            to=exp.DataType.build("DECIMAL(18, 0)"),
        )
        seconds = binary(exp.Div, rest, number(1_000_000))
        zero = number(0)
        return exp.Anonymous(
            this="MAKE_DT_INTERVAL", expressions=[days, zero, zero.copy(), seconds]
        )
    return exp.func("TO_MICROSECONDS", micros)


@sql_expr.register(text.ParseDuration)
def _parse_duration(expr: text.ParseDuration, ctx: ExprContext) -> exp.Expr:
    dialect = ctx.dialect
    value = _trim(sql_expr(expr.value, ctx), WHITESPACE)
    total = exp.Coalesce(
        this=_seconds(value, pt._HMS, [3600, 60, 1], dialect),
        expressions=[_seconds(value, pt._MS, [60, 1], dialect)],
    )
    # polars rounds halves to even: DuckDB's ROUND_EVEN, Spark's BROUND, Postgres' ROUND of a
    # double (rint); DuckDB's and Spark's ROUND round halves away from zero.
    scaled = binary(exp.Mul, total, number(1_000_000))
    even = {"duckdb": "ROUND_EVEN", "spark": "BROUND", "postgres": "ROUND"}[dialect]
    digits = [] if dialect == "postgres" else [number(0)]  # Postgres: ROUND(double) only
    micros = cast(exp.Anonymous(this=even, expressions=[scaled, *digits]), "integer")
    return _microseconds_to_interval(micros, dialect)


@sql_expr.register(text.TotalSeconds)
def _total_seconds(expr: text.TotalSeconds, ctx: ExprContext) -> exp.Expr:
    # polars multiplies the microseconds by 1e-6 (dividing by 1e6 differs in the last bit).
    value = sql_expr(expr.value, ctx)
    if ctx.dialect == "postgres":  # EXTRACT(EPOCH) is an exact NUMERIC
        epoch = exp.Extract(this=exp.var("EPOCH"), expression=value)
        micros: exp.Expr = binary(exp.Mul, epoch, number(1_000_000))
    elif ctx.dialect == "spark":  # a single-unit interval casts to an exact DECIMAL
        seconds = exp.Cast(this=value, to=exp.DataType.build("INTERVAL SECOND"))
        exact = exp.Cast(this=seconds, to=exp.DataType.build("DECIMAL(38, 6)"))
        micros = cast(binary(exp.Mul, exact, number(1_000_000)), "integer")
    else:
        micros = exp.func("EPOCH_US", value)
    return binary(exp.Mul, cast(micros, "float"), literal(1e-6))
