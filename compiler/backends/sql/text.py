"""Text and time functions -> sqlglot trees (registered on `sql_exprs.sql_expr`).

Text functions follow polars' string semantics (code points, Unicode whitespace, Rust regex
replacement syntax translated); time functions keep p-SQL's types and count unit boundaries.
"""

from __future__ import annotations

import re

from pesql.compiler.backends.sql.exprs import (
    ExprContext,
    binary,
    case,
    cast,
    dtype_of,
    number,
    sql_expr,
    string,
    wrap,
)
from pesql.compiler.backends.sql.functions import convert, unary
from pesql.grammar import ast as A
from pesql.grammar.ops import text, time
from pesql.grammar.types import DType
from sqlglot import exp

# Rust's `char::is_whitespace`, which polars' strip uses; SQL TRIM removes only spaces.
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000")
)


# --- text -------------------------------------------------------------------------------------

sql_expr.register(text.Upper)(unary(exp.Upper))
sql_expr.register(text.Lower)(unary(exp.Lower))


@sql_expr.register(text.Length)
def _length(expr: text.Length, ctx: ExprContext) -> exp.Expr:
    return cast(exp.Length(this=sql_expr(expr.value, ctx)), "integer")


@sql_expr.register(text.Trim)
def _trim(expr: text.Trim, ctx: ExprContext) -> exp.Expr:
    return exp.Trim(this=sql_expr(expr.value, ctx), expression=string(WHITESPACE))


def as_text(expr: A.Expr, ctx: ExprContext) -> exp.Expr:
    """Any value as text, formatted as polars casts it to String."""
    kind = dtype_of(expr, ctx)
    sql = sql_expr(expr, ctx)
    if kind in ("string", "null"):
        return sql
    if kind == "datetime" or ctx.dialect == "postgres":
        # functions.convert: datetimes with their microseconds (SQLite: the stored text);
        # on Postgres integral floats spelled '3.0', as polars.
        return convert(expr, "string", ctx, exp.Cast)
    return cast(sql, "string")


@sql_expr.register(text.Concat)
def _concat(expr: text.Concat, ctx: ExprContext) -> exp.Expr:
    parts = [exp.Coalesce(this=as_text(a, ctx), expressions=[string("")]) for a in expr.args]
    if len(parts) == 1:
        return parts[0]
    if ctx.dialect == "sqlite":
        # CONCAT arrived in SQLite 3.44; `||` works everywhere (the parts are never NULL).
        joined: exp.Expr = parts[0]
        for part in parts[1:]:
            joined = exp.DPipe(this=joined, expression=part, safe=True)
        return joined
    return exp.Concat(expressions=parts, safe=True, coalesce=True)


@sql_expr.register(text.Substring)
def _substring(expr: text.Substring, ctx: ExprContext) -> exp.Expr:
    # PostgreSQL's reading of a start before 1 (the positions start .. start+length-1 that
    # exist), resolved here because DuckDB counts a negative start from the end.
    offset = max(expr.start - 1, 0)
    length = None
    if expr.length is not None:
        length = number(max(expr.start + expr.length - 1 - offset, 0))
    return exp.Substring(this=sql_expr(expr.value, ctx), start=number(offset + 1), length=length)


@sql_expr.register(text.Replace)
def _replace(expr: text.Replace, ctx: ExprContext) -> exp.Expr:
    if expr.old == "":
        # Every engine differs on replacing the empty string; polars leaves the text as is.
        return sql_expr(expr.value, ctx)
    return exp.Replace(
        this=sql_expr(expr.value, ctx), expression=string(expr.old), replacement=string(expr.new)
    )


def _folded(expr: text.TextMatch, ctx: ExprContext) -> tuple[exp.Expr, exp.Expr]:
    value, pattern = sql_expr(expr.value, ctx), string(expr.pattern)
    if expr.ignore_case:
        return exp.Lower(this=value), exp.Lower(this=pattern)
    return value, pattern


@sql_expr.register(text.Contains)
def _contains(expr: text.Contains, ctx: ExprContext) -> exp.Expr:
    value, pattern = _folded(expr, ctx)
    return binary(exp.GT, exp.StrPosition(this=value, substr=pattern), number(0))


@sql_expr.register(text.StartsWith)
def _starts_with(expr: text.StartsWith, ctx: ExprContext) -> exp.Expr:
    value, pattern = _folded(expr, ctx)
    return exp.StartsWith(this=value, expression=pattern)


@sql_expr.register(text.EndsWith)
def _ends_with(expr: text.EndsWith, ctx: ExprContext) -> exp.Expr:
    value, pattern = _folded(expr, ctx)
    if ctx.dialect == "postgres":  # no ENDS_WITH: the last LENGTH(pattern) characters
        tail = exp.Right(this=value, expression=exp.Length(this=pattern.copy()))
        return binary(exp.EQ, tail, pattern)
    return exp.EndsWith(this=value, expression=pattern)


@sql_expr.register(text.RegexpMatch)
def _regexp_match(expr: text.RegexpMatch, ctx: ExprContext) -> exp.Expr:
    return exp.RegexpLike(this=sql_expr(expr.value, ctx), expression=string(expr.pattern))


@sql_expr.register(text.RegexpExtract)
def _regexp_extract(expr: text.RegexpExtract, ctx: ExprContext) -> exp.Expr:
    value = sql_expr(expr.value, ctx)
    if ctx.dialect == "postgres":
        return _pg_regexp_extract(value, expr.pattern, expr.group)
    extract = exp.RegexpExtract(
        this=value, expression=string(expr.pattern), group=number(expr.group)
    )
    # Engines return '' when nothing matches; p-SQL returns NULL (an empty group stays '').
    matched = exp.RegexpLike(this=value.copy(), expression=string(expr.pattern))
    return case([(matched, extract)])


def _pg_regexp_extract(value: exp.Expr, pattern: str, group: int) -> exp.Expr:
    """Postgres has no REGEXP_EXTRACT: `(REGEXP_MATCH(x, '(p)'))[group + 1]`, the whole
    pattern made group 1 so group 0 is the match. NULL when nothing matches, as p-SQL.
    Embedded options (`(?i)`) must open an ARE, so they stay in front of the new group."""
    options = re.match(r"\(\?[a-z]+\)", pattern)
    head = options.group() if options else ""
    wrapped = f"{head}({pattern[len(head) :]})"
    match = exp.Anonymous(this="REGEXP_MATCH", expressions=[value, string(wrapped)])
    # sqlglot's Bracket index is 0-based and rendered 1-based for Postgres: group + 1.
    return exp.Bracket(this=exp.Paren(this=match), expressions=[number(group)])


def sql_replacement(replacement: str) -> str:
    r"""polars/Rust replacement syntax ($1, ${1}, $$) -> RE2/POSIX syntax (\1, \\)."""
    out = replacement.replace("\\", "\\\\")
    out = re.sub(r"\$\{(\d+)\}|\$(\d+)", lambda m: "\\" + (m.group(1) or m.group(2)), out)
    return out.replace("$$", "$")


def java_replacement(replacement: str) -> str:
    r"""polars/Rust replacement syntax -> Java's (Spark): `$1` stays, `${1}` becomes `$1`,
    `$$` becomes `\$`, a backslash is escaped (`` would be a literal `1` in Java)."""
    out = replacement.replace("\\", "\\\\")
    out = re.sub(
        r"\$\$|\$\{(\d+)\}", lambda m: "\\$" if m.group() == "$$" else "$" + m.group(1), out
    )
    return out


@sql_expr.register(text.RegexpReplace)
def _regexp_replace(expr: text.RegexpReplace, ctx: ExprContext) -> exp.Expr:
    spelled = (java_replacement if ctx.dialect == "spark" else sql_replacement)(expr.replacement)
    return exp.RegexpReplace(
        this=sql_expr(expr.value, ctx),
        expression=string(expr.pattern),
        replacement=string(spelled),
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
    def lower(expr: time.Part, ctx: ExprContext) -> exp.Expr:
        value = sql_expr(expr.value, ctx)
        if ctx.dialect == "postgres":  # no HOUR(), QUARTER(), ...: EXTRACT(part FROM x)
            part = "ISODOW" if cls is time.Weekday else cls.__name__.upper()
            return cast(exp.Extract(this=exp.var(part), expression=value), "integer")
        if ctx.dialect == "spark" and cls is time.Weekday:
            # DAYOFWEEK counts Sunday = 1 ... Saturday = 7; ISO is Monday = 1 ... Sunday = 7.
            sunday_first = exp.Anonymous(this="DAYOFWEEK", expressions=[value])
            shifted = binary(exp.Mod, binary(exp.Add, sunday_first, number(5)), number(7))
            return cast(binary(exp.Add, shifted, number(1)), "integer")
        return cast(_PARTS[cls](this=value), "integer")

    sql_expr.register(cls)(lower)


for _part in _PARTS:
    _register_part(_part)  # type: ignore[arg-type]


def trunc(unit: str, value: exp.Expr, kind: DType, dialect: str = "duckdb") -> exp.Expr:
    """DATE_TRUNC keeping the input type (engines turn dates into timestamps)."""
    truncated: exp.Expr = exp.DateTrunc(unit=string(unit.upper()), this=value)  # type: ignore[no-untyped-call]
    if dialect == "spark":
        # sqlglot writes Spark's TRUNC(x, unit), which knows year..week only (NULL for day,
        # hour, minute, second: found by the fuzz); DATE_TRUNC(unit, x) knows them all.
        truncated = exp.Anonymous(this="DATE_TRUNC", expressions=[string(unit.upper()), value])
    return cast(truncated, "date" if kind == "date" else "datetime")


@sql_expr.register(time.DateTrunc)
def _date_trunc(expr: time.DateTrunc, ctx: ExprContext) -> exp.Expr:
    kind = dtype_of(expr.value, ctx)
    return trunc(expr.unit, sql_expr(expr.value, ctx), kind, ctx.dialect)


@sql_expr.register(time.DateDiff)
def _date_diff(expr: time.DateDiff, ctx: ExprContext) -> exp.Expr:
    # Boundaries crossed = the difference of the truncated values; engines disagree on what
    # DATE_DIFF counts (DuckDB counts whole weeks, not Mondays), so both ends are truncated.
    kinds = {dtype_of(expr.start, ctx), dtype_of(expr.end, ctx)}
    kind: DType = "datetime" if "datetime" in kinds else "date"
    start = trunc(expr.unit, sql_expr(expr.start, ctx), kind, ctx.dialect)
    end = trunc(expr.unit, sql_expr(expr.end, ctx), kind, ctx.dialect)
    unit = "day" if expr.unit == "week" else expr.unit
    diff = exp.DateDiff(this=end, expression=start, unit=exp.var(unit.upper()))
    if expr.unit == "week":
        return cast(exp.Div(this=wrap(diff), expression=number(7)), "integer")
    return cast(diff, "integer")
