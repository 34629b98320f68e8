"""Number text: the one reading of numbers written as text, shared by PARSE_NUMBER and the loader.

`PARSE_NUMBER` (text.py) and messy-table inference (runtime/tables/clean/) both read numbers
from text; they agreed on nothing until a column of `.449` stayed text while `PARSE_NUMBER('.449')`
read it. Both now build on this module: the same clean-up (invisible characters, footnote marks,
signs, currency, percent) and the same number pattern, parametrized by the convention (thousands
separator, decimal mark). The loader picks one convention per column; PARSE_NUMBER reads the
one convention that is never ambiguous for a single value (thousands `,` `'` or a space, decimal
point). The SQL lowering (backends/sql/parse.py) repeats these steps from the same patterns.

    >>> import polars as pl
    >>> values = pl.Series(["1,234.5", "–.449", "$12", "45%", "12[3]", "(7)"])
    >>> pl.select(parse_number(pl.lit(values))).to_series().to_list()
    [1234.5, -0.449, 12.0, 45.0, 12.0, -7.0]
    >>> bool(re.match(number_pattern(r"\\.", ",", integer=False), "1.234,5"))  # '.' groups
    True
"""

from __future__ import annotations

import re

import polars as pl

# Stripped from both ends of a value (Unicode spaces that tables use around numbers).
TRIM = " \t\r\n\u00a0\u2007\u2009\u202f\u3000"
# Invisible format characters, removed anywhere (zero-width space/joiners, word joiner, BOM,
# soft hyphen): copied web tables carry them inside numbers.
INVISIBLE = "[\u200b\u200c\u200d\u2060\ufeff\u00ad]"
# "[a]", "[12]", "[note 3]", "*", "†", "‡" ... at the end of a value (Wikipedia-style footnotes).
FOOTNOTE = r"(?:\s*(?:\[[^\]]{0,20}\]|[*†‡§¶]+))+$"
CURRENCY = r"US\$|C\$|A\$|NZ\$|HK\$|R\$|\$|€|£|¥|₹|USD|EUR|GBP|JPY|CHF|CNY|CAD|AUD|INR"
# An en dash before a digit is a minus sign in typeset tables (`–5`, `–.5`), as U+2212 is
# anywhere; elsewhere it is a range (`1867 – 1869`) and stays.
EN_DASH_MINUS = r"^–(\.?\d)"
# PARSE_NUMBER's thousands separators: comma, apostrophes, spaces (never '.': `1.234` is 1.234).
PARSE_GROUP = "[,'’ \u00a0\u2009\u202f]"
SPACE_GROUP = "[ \u00a0\u2009\u202f]"
ACCOUNTING = r"^\((.*)\)$"  # (12) is -12 in accounts


def clean(value: pl.Expr) -> pl.Expr:
    """Trimmed text without invisible characters or footnote marks."""
    text = value.str.replace_all(INVISIBLE, "").str.strip_chars(TRIM)
    return text.str.replace(FOOTNOTE, "").str.strip_chars(TRIM)


def strip_affixes(text: pl.Expr, *, accounting: bool = False) -> pl.Expr:
    """Signs made ASCII, currency and a trailing percent removed: what the number pattern reads."""
    text = text.str.replace_all("−", "-", literal=True).str.replace(EN_DASH_MINUS, "-$1")
    if accounting:
        text = text.str.replace(ACCOUNTING, "-$1")
    text = text.str.replace(rf"^([+-]?)\s*(?:{CURRENCY})\s*", "$1")
    return text.str.replace(rf"\s*(?:{CURRENCY})$", "").str.replace(r"\s*%$", "")


def number_pattern(
    group: str | None, decimal: str, *, integer: bool, exponent: bool = False
) -> str:
    """The regex a number in one convention matches: digits grouped by threes with `group`
    (a regex) or not at all, then a fraction after `decimal` (absent for integers; the whole
    part may be absent: `.449`), then an exponent if allowed."""
    whole = r"\d+" if group is None else rf"(?:\d{{1,3}}(?:{group}\d{{3}})+|\d+)"
    if integer:
        return rf"^[+-]?{whole}$"
    frac = rf"{re.escape(decimal)}\d+"
    exp = r"(?:[eE][+-]?\d+)?" if exponent else ""
    return rf"^[+-]?(?:{whole}(?:{frac})?|{frac}){exp}$"


def digits_of(text: pl.Expr, group: str | None, decimal: str) -> pl.Expr:
    """The number's text as polars casts it: separators dropped, decimal mark made '.'."""
    digits = text if group is None else text.str.replace_all(group, "")
    return digits if decimal == "." else digits.str.replace(decimal, ".", literal=True)


def read_number(
    text: pl.Expr, group: str | None, decimal: str, *, integer: bool, exponent: bool = False
) -> pl.Expr:
    """The number `text` (already through `strip_affixes`) spells in one convention, else null."""
    ok = text.str.contains(number_pattern(group, decimal, integer=integer, exponent=exponent))
    dtype = pl.Int64 if integer else pl.Float64
    return pl.when(ok).then(digits_of(text, group, decimal).cast(dtype, strict=False))


PARSE_NUMBER_PATTERN = number_pattern(PARSE_GROUP, ".", integer=False, exponent=True)


def parse_number(value: pl.Expr) -> pl.Expr:
    """PARSE_NUMBER: '1,234.5' -> 1234.5, '$12' -> 12, '45%' -> 45 (the number shown), '12[3]'
    -> 12, '(12)' -> -12, '.449' -> 0.449; null when the text is not a number."""
    text = strip_affixes(clean(value), accounting=True)
    return read_number(text, PARSE_GROUP, ".", integer=False, exponent=True)


__all__ = [
    "ACCOUNTING",
    "CURRENCY",
    "EN_DASH_MINUS",
    "FOOTNOTE",
    "INVISIBLE",
    "PARSE_GROUP",
    "PARSE_NUMBER_PATTERN",
    "SPACE_GROUP",
    "TRIM",
    "clean",
    "digits_of",
    "number_pattern",
    "parse_number",
    "read_number",
    "strip_affixes",
]
