"""PARSE_DATE on Postgres and Spark: the format read as chrono (polars) reads it, by a regex.

Neither engine has a strptime that reads what chrono reads and gives NULL instead of an
error (Postgres' TO_DATE raises on `2024-02-30` and skips what it does not understand;
Spark's patterns are Java's). So the strftime format becomes one anchored regex that
accepts exactly chrono's spellings, the parts are checked (month 1-12, the day within its
month, leap years, chrono's year range) and MAKE_DATE builds the date:

| format | chrono reads | regex |
|---|---|---|
| `%Y` | whitespace, then 1-4 digits, or a sign and digits | `\\s*([+-][0-9]+\\|[0-9]{1,4})` |
| `%m`, `%d` | optional whitespace, then 1-2 digits | `\\s*([0-9]{1,2})` |
| `%b` | a month's first three letters, ASCII case ignored | `([Jj][Aa][Nn]\\|...)` |
| whitespace | any run of whitespace, even none | `\\s*` |
| `%%`, other characters | themselves | escaped |

chrono reads greedily and never backtracks; the regex would backtrack where two numbers
touch (`%m%d` on `12` is no date in chrono, 1 February in the regex; a space between them
may match nothing, so `%Y %m %d` touches too), so such formats are refused (E310), as
are digits in the format, repeated or missing codes (a date needs a year, a month and a
day) and other codes. Postgres has no year 0 and numbers years BC differently, and psycopg
reads no date outside the years 1-9999: there a date outside 1-9999 is an error (E305),
never a different date.

    >>> pattern("%d/%b/%Y")[0][:35]
    '^\\\\s*([0-9]{1,2})/([Jj][Aa][Nn]|[Ff]'
"""

from __future__ import annotations

import re

from pesql.compiler.backends.sql.exprs import binary, case, cast, number, string
from pesql.compiler.backends.sql.regex import group, matches
from pesql.compiler.backends.sql.text import WHITESPACE
from sqlglot import exp

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_FIELDS = {
    "Y": r"\s*((?:[+-][0-9]+|[0-9]{1,4}))",
    "m": r"\s*([0-9]{1,2})",
    "d": r"\s*([0-9]{1,2})",
    "b": "(" + "|".join("".join(f"[{c.upper()}{c}]" for c in m) for m in MONTHS) + ")",
}
# chrono's date range (NaiveDate: years -262143 ..= 262142 as polars reads them).
YEARS = (-262143, 262142)


def pattern(fmt: str) -> tuple[str, dict[str, int]]:
    """The anchored regex (polars syntax) for `fmt`, and the group of each code (Y, m or b, d).

    Raises ValueError (with the reason) for a format read differently from chrono."""
    out, last_numeric = ["^"], False
    groups: dict[str, int] = {}
    for token in re.findall(r"%.?|\s+|[^%\s]", fmt):
        if token.startswith("%") and token != "%%":
            code = token[1:]
            if code not in _FIELDS:
                raise ValueError(f"code {token!r} is not supported")
            if code in groups or {code, *groups} >= {"m", "b"}:
                raise ValueError(f"the {'month' if code in 'mb' else code} field appears twice")
            numeric = code != "b"
            if numeric and last_numeric:
                raise ValueError("two numbers touch")
            groups[code] = len(groups) + 1
            out.append(_FIELDS[code])
            last_numeric = numeric
            continue
        if token.isspace():  # may match nothing: the numbers around it still touch
            out.append(r"\s*")
            continue
        if token[-1].isdigit():
            raise ValueError("digits in the format")
        out.append(re.escape(token[-1]))
        last_numeric = False
    if set(groups) not in ({"Y", "m", "d"}, {"Y", "b", "d"}):
        raise ValueError("a date needs a year, a month and a day")
    return "".join(out) + "$", groups


def parse_date(value: exp.Expr, fmt: str, dialect: str) -> exp.Expr:
    """The date `value` spells in `fmt`, as polars' `str.to_date(fmt, strict=False)` on the
    stripped text; NULL when it does not."""
    regex, groups = pattern(fmt)
    text = exp.Trim(this=value, expression=string(WHITESPACE))

    def part(key: str) -> exp.Expr:
        return group(text.copy(), regex, groups[key], dialect)

    def integer(digits: exp.Expr) -> exp.Expr:
        # Only reached where the regex matched: the text is digits (both engines skip a CASE
        # branch not taken, also when folding constants).
        return exp.Cast(this=digits, to=exp.DataType.build("INT"))

    # '-0012' -> -12; '+2024' -> 2024 (INT reads leading zeros and a minus sign).
    year = integer(exp.Trim(this=part("Y"), expression=string("+"), position="LEADING"))
    unsigned = exp.Trim(this=part("Y"), expression=string("+-"), position="LEADING")
    digits = exp.Trim(this=unsigned, expression=string("0"), position="LEADING")
    fits = binary(exp.LTE, exp.Length(this=digits), number(6))  # chrono's years have <= 6
    if "b" in groups:
        month: exp.Expr = exp.Case(
            this=exp.Lower(this=part("b")),
            ifs=[exp.If(this=string(m), true=number(i)) for i, m in enumerate(MONTHS, 1)],
        )
    else:
        month = integer(part("m"))
    day = integer(part("d"))
    valid = exp.and_(
        exp.Between(this=year.copy(), low=number(YEARS[0]), high=number(YEARS[1])),
        exp.Between(this=month.copy(), low=number(1), high=number(12)),
        exp.Between(this=day.copy(), low=number(1), high=days_in_month(year, month)),
    )
    made_year = year.copy()
    if dialect == "postgres":  # no year 0, BC years counted from 1: an error (E305) there
        made_year = exp.Greatest(this=made_year, expressions=[number(0)])
    made = exp.Anonymous(this="MAKE_DATE", expressions=[made_year, month.copy(), day.copy()])
    # Nested CASEs: each test only runs where the one before it held (casts are safe).
    inner = case([(fits, case([(valid, made)]))])
    return cast(case([(matches(text, regex, dialect), inner)]), "date")


def days_in_month(year: exp.Expr, month: exp.Expr) -> exp.Expr:
    """Days in `month` of proleptic Gregorian `year` (negative years too: SQL's `%` keeps the
    sign, and a remainder of zero is zero either way)."""

    def divisible(by: int) -> exp.Expr:
        return binary(exp.EQ, binary(exp.Mod, year.copy(), number(by)), number(0))

    leap = exp.or_(
        exp.and_(divisible(4), exp.not_(divisible(100))),
        divisible(400),
    )
    february = case([(leap, number(29))], number(28))
    short = exp.In(this=month.copy(), expressions=[number(m) for m in (4, 6, 9, 11)])
    return case(
        [(binary(exp.EQ, month.copy(), number(2)), february), (short, number(30))], number(31)
    )


__all__ = ["MONTHS", "YEARS", "days_in_month", "parse_date", "pattern"]
