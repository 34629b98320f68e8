"""Text and time functions -> polars expressions (registered on `polars_exprs.lower`).

Patterns are literal strings in the plan, so every regex here is built once at compile time;
polars runs it (Rust `regex`: linear time, no look-around).
"""

from __future__ import annotations

import polars as pl
from pesql.compiler.backends.polars import numbers
from pesql.compiler.backends.polars.exprs import Ctx, escape_regex, lower
from pesql.grammar.ops import text as tx
from pesql.grammar.ops import time as tm
from pesql.grammar.types import TimeUnit


@lower.register(tx.Upper)
def _upper(node: tx.Upper, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).str.to_uppercase()


@lower.register(tx.Lower)
def _lower(node: tx.Lower, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).str.to_lowercase()


@lower.register(tx.Length)
def _length(node: tx.Length, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).str.len_chars().cast(pl.Int64)


@lower.register(tx.Trim)
def _trim(node: tx.Trim, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).str.strip_chars()


@lower.register(tx.Concat)
def _concat(node: tx.Concat, ctx: Ctx) -> pl.Expr:
    parts = [lower(a, ctx).cast(pl.String).fill_null("") for a in node.args]
    return pl.concat_str(parts)


@lower.register(tx.Substring)
def _substring(node: tx.Substring, ctx: Ctx) -> pl.Expr:
    value = lower(node.value, ctx)
    # PostgreSQL semantics for a start before 1: positions start .. start+length-1 that exist.
    offset = max(node.start - 1, 0)
    if node.length is None:
        return value.str.slice(offset)
    length = max(node.start + node.length - 1 - offset, 0)
    return value.str.slice(offset, length)


@lower.register(tx.Replace)
def _replace(node: tx.Replace, ctx: Ctx) -> pl.Expr:
    value = lower(node.value, ctx)
    if node.old == "":  # nothing to find: SQL's REPLACE returns the text unchanged
        return value
    return value.str.replace_all(node.old, node.new, literal=True)


def _literal_match(value: pl.Expr, node: tx.TextMatch, anchor: tuple[str, str]) -> pl.Expr:
    regex = anchor[0] + escape_regex(node.pattern) + anchor[1]
    return value.str.contains(("(?si)" if node.ignore_case else "(?s)") + regex)


@lower.register(tx.Contains)
def _contains(node: tx.Contains, ctx: Ctx) -> pl.Expr:
    value = lower(node.value, ctx)
    if not node.ignore_case:
        return value.str.contains(node.pattern, literal=True)
    return _literal_match(value, node, ("", ""))


@lower.register(tx.StartsWith)
def _starts_with(node: tx.StartsWith, ctx: Ctx) -> pl.Expr:
    value = lower(node.value, ctx)
    if not node.ignore_case:
        return value.str.starts_with(node.pattern)
    return _literal_match(value, node, ("^", ""))


@lower.register(tx.EndsWith)
def _ends_with(node: tx.EndsWith, ctx: Ctx) -> pl.Expr:
    value = lower(node.value, ctx)
    if not node.ignore_case:
        return value.str.ends_with(node.pattern)
    return _literal_match(value, node, ("", "$"))


@lower.register(tx.RegexpMatch)
def _regexp_match(node: tx.RegexpMatch, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).str.contains(node.pattern)


@lower.register(tx.RegexpExtract)
def _regexp_extract(node: tx.RegexpExtract, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).str.extract(node.pattern, node.group)


@lower.register(tx.RegexpReplace)
def _regexp_replace(node: tx.RegexpReplace, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).str.replace_all(node.pattern, node.replacement)


def parse_number(value: pl.Expr) -> pl.Expr:
    """PARSE_NUMBER, as the loader reads numbers (numbers.py; docs/semantics.md, "Parsing text")."""
    return numbers.parse_number(value)


@lower.register(tx.ParseNumber)
def _parse_number(node: tx.ParseNumber, ctx: Ctx) -> pl.Expr:
    return parse_number(lower(node.value, ctx))


@lower.register(tx.ParseDate)
def _parse_date(node: tx.ParseDate, ctx: Ctx) -> pl.Expr:
    text = lower(node.value, ctx).str.strip_chars()
    return text.str.to_date(node.format or "%Y-%m-%d", strict=False)


_HMS = r"^(\d+):([0-5]\d):([0-5]\d(?:\.\d+)?)$"
_MS = r"^(\d+):([0-5]\d(?:\.\d+)?)$"


def parse_duration(value: pl.Expr) -> pl.Expr:
    """'1:02:03' (h:mm:ss) or '75:30' (m:ss, fractions of a second allowed) -> Duration."""
    text = value.str.strip_chars()

    def part(pattern: str, i: int) -> pl.Expr:
        return text.str.extract(pattern, i).cast(pl.Float64, strict=False)

    seconds = pl.coalesce(
        part(_HMS, 1) * 3600 + part(_HMS, 2) * 60 + part(_HMS, 3),
        part(_MS, 1) * 60 + part(_MS, 2),
    )
    return (seconds * 1_000_000).round().cast(pl.Int64).cast(pl.Duration("us"))


@lower.register(tx.ParseDuration)
def _parse_duration(node: tx.ParseDuration, ctx: Ctx) -> pl.Expr:
    return parse_duration(lower(node.value, ctx))


@lower.register(tx.TotalSeconds)
def _total_seconds(node: tx.TotalSeconds, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).dt.total_seconds(fractional=True).cast(pl.Float64)


# Time ------------------------------------------------------------------------------------


@lower.register(tm.Year)
def _year(node: tm.Year, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).dt.year().cast(pl.Int64)


@lower.register(tm.Quarter)
def _quarter(node: tm.Quarter, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).dt.quarter().cast(pl.Int64)


@lower.register(tm.Month)
def _month(node: tm.Month, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).dt.month().cast(pl.Int64)


@lower.register(tm.Day)
def _day(node: tm.Day, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).dt.day().cast(pl.Int64)


@lower.register(tm.Weekday)
def _weekday(node: tm.Weekday, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).dt.weekday().cast(pl.Int64)  # polars: ISO, Monday = 1


@lower.register(tm.Hour)
def _hour(node: tm.Hour, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).dt.hour().cast(pl.Int64)


@lower.register(tm.Minute)
def _minute(node: tm.Minute, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).dt.minute().cast(pl.Int64)


EVERY: dict[TimeUnit, str] = {
    "year": "1y",
    "quarter": "1q",
    "month": "1mo",
    "week": "1w",  # polars' weeks start on Monday
    "day": "1d",
    "hour": "1h",
    "minute": "1m",
    "second": "1s",
}


@lower.register(tm.DateTrunc)
def _date_trunc(node: tm.DateTrunc, ctx: Ctx) -> pl.Expr:
    return lower(node.value, ctx).dt.truncate(EVERY[node.unit])


def _months_or_quarters(value: pl.Expr, unit: TimeUnit, per_year: int) -> pl.Expr:
    part = value.dt.quarter() if unit == "quarter" else value.dt.month()
    return value.dt.year().cast(pl.Int64) * per_year + part.cast(pl.Int64)


def date_diff(unit: TimeUnit, start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """Unit boundaries crossed from start to end: DATE_DIFF('year', 2023-12-31, 2024-01-01) = 1."""
    # Dates become midnight datetimes so that every unit works on both types.
    s, e = start.cast(pl.Datetime("us")), end.cast(pl.Datetime("us"))
    match unit:
        case "year":
            diff = e.dt.year().cast(pl.Int64) - s.dt.year().cast(pl.Int64)
        case "quarter" | "month":
            per_year = 4 if unit == "quarter" else 12
            diff = _months_or_quarters(e, unit, per_year) - _months_or_quarters(s, unit, per_year)
        case _:
            span = e.dt.truncate(EVERY[unit]) - s.dt.truncate(EVERY[unit])
            micros = span.dt.total_microseconds()
            per_unit = {"week": 7 * 86_400, "day": 86_400, "hour": 3600, "minute": 60}
            # Both ends are on unit boundaries, so the division is exact.
            diff = micros // (per_unit.get(unit, 1) * 1_000_000)
    return diff.cast(pl.Int64)


def date_diff_of_dates(unit: TimeUnit, start: pl.Expr, end: pl.Expr) -> pl.Expr | None:
    """`date_diff` for two Date operands in its simplest form, or None where it has none.

    Dates are whole days: days crossed are the days between (no truncation, no microseconds),
    and calendar parts are read from the dates without a cast to datetime."""
    match unit:
        case "day":
            return (end - start).dt.total_days().cast(pl.Int64)
        case "year":
            return end.dt.year().cast(pl.Int64) - start.dt.year().cast(pl.Int64)
        case "quarter" | "month":
            per_year = 4 if unit == "quarter" else 12
            return _months_or_quarters(end, unit, per_year) - _months_or_quarters(
                start, unit, per_year
            )
    return None  # weeks start on Monday (truncation needed); hours and less are rare on dates


@lower.register(tm.DateDiff)
def _date_diff(node: tm.DateDiff, ctx: Ctx) -> pl.Expr:
    start, end = lower(node.start, ctx), lower(node.end, ctx)
    if ctx.dtype(node.start) == ctx.dtype(node.end) == "date":
        simple = date_diff_of_dates(node.unit, start, end)
        if simple is not None:
            return simple
    return date_diff(node.unit, start, end)


__all__ = ["EVERY", "date_diff", "date_diff_of_dates", "parse_duration", "parse_number"]
