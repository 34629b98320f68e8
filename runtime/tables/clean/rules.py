"""Conversion rules of messy-table inference: text that reads as booleans, numbers, dates, ...

Rules are tried in a fixed order (boolean, numbers, durations, dates, datetimes); `choose_rules`
picks, per column, the first under which every non-missing sample value converts.

    >>> [rule.family for rule in RULES][:3]
    ['boolean', 'number', 'number']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import polars as pl
from pesql.compiler.backends.polars.names import col

# Compared after trimming and lowercasing. Used when a column converts.
MISSING_TOKENS = ("", "-", "--", "---", "—", "–", "−", "?", "n/a", "na", "n.a.", "null", "none")
# In columns that stay text only the unmistakable markers become null (pandas' defaults agree on
# these); "none", "?" and the dashes can be real values in text, so text keeps them.
TEXT_MISSING_TOKENS = ("", "n/a", "na", "n.a.", "null", "nan", "#n/a")
TRIM = " \t\r\n\u00a0\u2007\u2009\u202f\u3000"
_INVISIBLE = "[\u200b\u200c\u200d\u2060\ufeff\u00ad]"
# "[a]", "[12]", "[note 3]", "*", "†", "‡" ... at the end of a value (Wikipedia-style footnotes).
FOOTNOTE = r"(?:\s*(?:\[[^\]]{0,20}\]|[*†‡§¶]+))+$"
CURRENCY = r"US\$|C\$|A\$|NZ\$|HK\$|R\$|\$|€|£|¥|₹|USD|EUR|GBP|JPY|CHF|CNY|CAD|AUD|INR"
_SPACE_GROUP = "[ \u00a0\u2009\u202f]"
_TRUE, _FALSE = ["yes", "true", "y"], ["no", "false", "n"]


def normalize(value: pl.Expr) -> pl.Expr:
    """Trimmed text without invisible characters or footnote marks; missing markers -> null."""
    text = value.str.replace_all(_INVISIBLE, "").str.strip_chars(TRIM)
    text = text.str.replace(FOOTNOTE, "").str.strip_chars(TRIM)
    return pl.when(text.str.to_lowercase().is_in(list(MISSING_TOKENS))).then(None).otherwise(text)


def text_missing(value: pl.Expr) -> pl.Expr:
    """A text column with its unmistakable missing markers (NA, N/A, null, empty) as null."""
    marker = value.str.strip_chars(TRIM).str.to_lowercase().is_in(list(TEXT_MISSING_TOKENS))
    return pl.when(marker).then(None).otherwise(value)


def _strip_affixes(value: pl.Expr) -> pl.Expr:
    text = value.str.replace_all("−", "-", literal=True)
    text = text.str.replace(rf"^([+-]?)\s*(?:{CURRENCY})\s*", "$1")
    return text.str.replace(rf"\s*(?:{CURRENCY})$", "").str.replace(r"\s*%$", "")


@dataclass(frozen=True)
class Rule:
    """One way to read a text column: a label for the report and a polars conversion."""

    label: str
    family: str  # boolean | number | duration | date | datetime
    # (normalized text, the same without currency/percent affixes) -> typed value or null
    convert: Callable[[pl.Expr, pl.Expr], pl.Expr]
    order: str | None = None  # "m/d/y" or "d/m/y" for the two slash/dash date orders
    notes: tuple[str, ...] = ()

    def apply(self, value: pl.Expr) -> pl.Expr:
        return self.convert(value, _strip_affixes(value))


def _number(label: str, group: str | None, decimal: str, *, integer: bool) -> Rule:
    whole = r"\d+" if group is None else rf"(?:\d{{1,3}}(?:{group}\d{{3}})+|\d+)"
    frac = "" if integer else rf"(?:{re.escape(decimal)}\d+)?"
    exp = r"(?:[eE][+-]?\d+)?" if group is None and decimal == "." and not integer else ""
    pattern = rf"^[+-]?{whole}{frac}{exp}$"
    dtype = pl.Int64 if integer else pl.Float64

    def convert(value: pl.Expr, text: pl.Expr) -> pl.Expr:
        digits = text if group is None else text.str.replace_all(group, "")
        digits = digits.str.replace(decimal, ".", literal=True)
        ok = text.str.contains(pattern)
        if integer:  # a percent is kept as the number shown, always as a float (12% -> 12.0)
            ok = ok & ~value.str.contains("%", literal=True)
        return pl.when(ok).then(digits.cast(dtype, strict=False))

    return Rule(("integer" if integer else "number") + label, "number", convert)


def _duration(value: pl.Expr, _: pl.Expr) -> pl.Expr:
    hms = r"^(\d+):([0-5]\d):([0-5]\d(?:\.\d+)?)$"
    ms = r"^(\d+):([0-5]\d(?:\.\d+)?)$"

    def part(pattern: str, i: int) -> pl.Expr:
        return value.str.extract(pattern, i).cast(pl.Float64, strict=False)

    seconds = pl.coalesce(
        part(hms, 1) * 3600 + part(hms, 2) * 60 + part(hms, 3), part(ms, 1) * 60 + part(ms, 2)
    )
    return (seconds * 1000).round().cast(pl.Int64).cast(pl.Duration("ms"))


def _date(fmt: str) -> Callable[[pl.Expr, pl.Expr], pl.Expr]:
    def convert(value: pl.Expr, _: pl.Expr) -> pl.Expr:
        # chrono accepts a 1- or 2-digit %Y; a 4-digit year keeps "3/4/10" out of year 10.
        ok = value.str.contains(r"(?:^|\D)\d{4}(?:\D|$)")
        return pl.when(ok).then(value.str.to_date(fmt, strict=False))

    return convert


def _boolean(value: pl.Expr, _: pl.Expr) -> pl.Expr:
    low = value.str.to_lowercase()
    return pl.when(low.is_in(_TRUE)).then(True).when(low.is_in(_FALSE)).then(False)


_NUMBER_STYLES = (
    ("", None, "."),
    (" with thousands separator ','", ",", "."),
    (" with thousands separator ' '", _SPACE_GROUP, "."),
    (' with thousands separator "\'"', "['’]", "."),
    (" with thousands separator '.' and decimal comma", r"\.", ","),
    (" with thousands separator ' ' and decimal comma", _SPACE_GROUP, ","),
    (" with decimal comma", None, ","),
)
_DATES = (
    ("%Y-%m-%d", "ISO date (2010-03-05)", None),
    ("%Y/%m/%d", "date y/m/d (2010/03/05)", None),
    ("%Y.%m.%d", "date y.m.d (2010.03.05)", None),
    ("%B %d, %Y", "date 'March 5, 2010'", None),
    ("%B %d %Y", "date 'March 5 2010'", None),
    ("%d %B %Y", "date '5 March 2010'", None),
    ("%m/%d/%Y", "date m/d/y (03/05/2010)", "m/d/y"),
    ("%d/%m/%Y", "date d/m/y (05/03/2010)", "d/m/y"),
    ("%m-%d-%Y", "date m-d-y (03-05-2010)", "m/d/y"),
    ("%d-%m-%Y", "date d-m-y (05-03-2010)", "d/m/y"),
    ("%d.%m.%Y", "date d.m.y (05.03.2010)", None),
)
_DATETIMES = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M")


def _datetime(value: pl.Expr, _: pl.Expr) -> pl.Expr:
    # ISO 8601 allows "T" or a space between date and time; seconds may be absent.
    text = value.str.replace(r"^(\d{4}-\d\d-\d\d)T", "$1 ")
    return pl.coalesce(text.str.to_datetime(f, strict=False) for f in _DATETIMES)


RULES: tuple[Rule, ...] = (
    Rule("boolean (yes/no, true/false, y/n)", "boolean", _boolean),
    *(
        _number(label, group, dec, integer=integer)
        for label, group, dec in _NUMBER_STYLES
        for integer in (True, False)
    ),
    Rule("duration (m:ss or h:mm:ss)", "duration", _duration),
    *(Rule(label, "date", _date(f), order) for f, label, order in _DATES),
    Rule("ISO datetime (2010-03-05 14:30[:00])", "datetime", _datetime),
)

_IDENTIFIER = Rule(
    "text (leading zeros as in '007': kept as an identifier)", "text", lambda v, _: v
)


# Columns per counting query: one query over thousands of columns (x ~20 rules each) made
# polars plan ~80,000 expressions at once (a 4,000-column CSV: 34 s and 3.6 GB to load).
_COLUMNS_PER_QUERY = 64


def choose_rules(sample: pl.DataFrame, columns: Sequence[str]) -> dict[str, Rule]:
    """One pass over the sample counts, per column and rule, the values that fail to convert."""
    chosen: dict[str, Rule] = {}
    for start in range(0, len(columns), _COLUMNS_PER_QUERY):
        chosen |= _choose_rules(sample, columns[start : start + _COLUMNS_PER_QUERY])
    return chosen


def _choose_rules(sample: pl.DataFrame, columns: Sequence[str]) -> dict[str, Rule]:
    # Normalizing once up front keeps the per-rule expressions small (5x faster on WTQ).
    prepared = sample.select(
        *(normalize(col(n)).alias(n) for n in columns),
        *(_strip_affixes(normalize(col(n))).alias(f"{n}\0number") for n in columns),
    )
    aggs: list[pl.Expr] = []
    for n in columns:
        value, number = col(n), pl.col(f"{n}\0number")
        aggs.append(value.is_not_null().sum().alias(f"{n}\0present"))
        # Leading zeros ("007", "02134") mark identifiers: converting would lose them.
        aggs.append(number.str.contains(r"^[+-]?0\d").sum().alias(f"{n}\0zeros"))
        for i, rule in enumerate(RULES):
            failed = value.is_not_null() & rule.convert(value, number).is_null()
            aggs.append(failed.sum().alias(f"{n}\0{i}"))
    counts = prepared.select(aggs).row(0, named=True) if aggs else {}
    chosen: dict[str, Rule] = {}
    for n in columns:
        fits = [r for i, r in enumerate(RULES) if counts[f"{n}\0{i}"] == 0]
        if counts[f"{n}\0zeros"] and fits and fits[0].family == "number":
            chosen[n] = _IDENTIFIER
            continue
        if counts[f"{n}\0present"] and fits:
            rule = fits[0]
            rivals = [r for r in fits if r.order is not None and r.order != rule.order]
            if rule.order is not None and rivals:
                note = f"ambiguous: every value also reads as {rivals[0].label}; chose {rule.order}"
                rule = replace(rule, notes=(note,))
            chosen[n] = rule
    return chosen
