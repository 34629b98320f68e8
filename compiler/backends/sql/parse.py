"""PARSE_NUMBER, PARSE_DATE, PARSE_DURATION, TOTAL_SECONDS -> sqlglot trees.

The polars lowering (`polars_text`) is a chain of regex clean-ups; the SQL is the same
chain, step for step, built from the same patterns. Only DuckDB is lowered (the other
dialects declare E310 in `sql.UNSUPPORTED`): its RE2 regexes, TRY_CAST, TRY_STRPTIME and
INTERVAL arithmetic were checked against polars case by case (docs/sql.md). Rust's `\\s`
and `\\d` are Unicode-aware and RE2's are ASCII, so `\\s` becomes the explicit Unicode
whitespace class and `\\d` becomes `[0-9]` (a non-ASCII digit makes polars' float cast
fail anyway, so both give null).

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
from pesql.compiler.backends.sql.text import WHITESPACE, sql_replacement
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.ops import text
from sqlglot import exp

_SPACE = "[" + WHITESPACE + "]"  # Rust's Unicode `\s`


def re2(pattern: str) -> str:
    r"""A polars (Rust `regex`) pattern in RE2 syntax: Unicode `\s`, ASCII `\d`."""
    return pattern.replace("\\s", _SPACE).replace("\\d", "[0-9]")


def _trim(value: exp.Expr, chars: str) -> exp.Expr:
    return exp.Trim(this=value, expression=string(chars))


def _replace_first(value: exp.Expr, pattern: str, replacement: str = "") -> exp.Expr:
    """polars' `str.replace` (the first match only)."""
    return exp.RegexpReplace(
        this=value,
        expression=string(re2(pattern)),
        replacement=string(sql_replacement(replacement)),
        occurrence=number(1),
    )


def _replace_all(value: exp.Expr, pattern: str) -> exp.Expr:
    return exp.RegexpReplace(
        this=value,
        expression=string(re2(pattern)),
        replacement=string(""),
        modifiers=string("g"),
    )


def _matches(value: exp.Expr, pattern: str) -> exp.Expr:
    return exp.RegexpLike(this=value, expression=string(re2(pattern)))


def _refuse(expr: text.ParseDate | text.ParseNumber, ctx: ExprContext, what: str) -> PesqlError:
    return PesqlError([Diagnostic.make("E310", expr.origin, name=what, dialect=ctx.dialect)])


def parse_number(value: exp.Expr) -> exp.Expr:
    """polars numbers.parse_number, step for step."""
    cleaned = _trim(_replace_all(value, nt.INVISIBLE), nt.TRIM)
    cleaned = _trim(_replace_first(cleaned, nt.FOOTNOTE), nt.TRIM)
    cleaned = exp.Replace(this=cleaned, expression=string("−"), replacement=string("-"))
    cleaned = _replace_first(cleaned, nt.EN_DASH_MINUS, "-$1")
    cleaned = _replace_first(cleaned, nt.ACCOUNTING, "-$1")
    cleaned = _replace_first(cleaned, rf"^([+-]?)\s*(?:{nt.CURRENCY})\s*", "$1")
    cleaned = _replace_first(_replace_first(cleaned, rf"\s*(?:{nt.CURRENCY})$"), r"\s*%$")
    ok = _matches(cleaned, nt.PARSE_NUMBER_PATTERN)
    digits = _replace_all(cleaned.copy(), nt.PARSE_GROUP)
    return case([(ok, exp.TryCast(this=digits, to=exp.DataType.build("DOUBLE")))])


@sql_expr.register
def _parse_number(expr: text.ParseNumber, ctx: ExprContext) -> exp.Expr:
    return parse_number(sql_expr(expr.value, ctx))


# strftime codes whose DuckDB reading was checked against polars (chrono); others: E310.
# Not %y (chrono wants two digits, reads 69 as 2069) nor %B (chrono also reads "Sep").
DATE_CODES = frozenset("Ymdb%")
_CODE = re.compile(r"%(.)")


@sql_expr.register
def _parse_date(expr: text.ParseDate, ctx: ExprContext) -> exp.Expr:
    fmt = expr.format or "%Y-%m-%d"
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
    return exp.StrToDate(this=value, format=string(fmt), safe=True)


@sql_expr.register
def _parse_duration(expr: text.ParseDuration, ctx: ExprContext) -> exp.Expr:
    value = _trim(sql_expr(expr.value, ctx), WHITESPACE)

    def part(pattern: str, group: int) -> exp.Expr:
        extract = exp.RegexpExtract(
            this=value.copy(), expression=string(re2(pattern)), group=number(group)
        )
        return cast(extract, "float")

    def seconds(pattern: str, parts: list[int]) -> exp.Expr:
        total: exp.Expr | None = None
        for group, scale in enumerate(parts, start=1):
            term = part(pattern, group)
            if scale != 1:
                term = binary(exp.Mul, term, number(scale))
            total = term if total is None else binary(exp.Add, total, term)
        assert total is not None
        return case([(_matches(value.copy(), pattern), total)])

    total = exp.Coalesce(
        this=seconds(pt._HMS, [3600, 60, 1]), expressions=[seconds(pt._MS, [60, 1])]
    )
    # polars rounds halves to even; DuckDB's ROUND rounds them away from zero.
    micros = exp.func("ROUND_EVEN", binary(exp.Mul, total, number(1_000_000)), number(0))
    return exp.func("TO_MICROSECONDS", cast(micros, "integer"))


@sql_expr.register
def _total_seconds(expr: text.TotalSeconds, ctx: ExprContext) -> exp.Expr:
    # polars multiplies the microseconds by 1e-6 (dividing by 1e6 differs in the last bit).
    micros = cast(exp.func("EPOCH_US", sql_expr(expr.value, ctx)), "float")
    return binary(exp.Mul, micros, literal(1e-6))
