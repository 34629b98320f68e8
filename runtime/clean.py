"""Messy-table inference: stable header names and typed columns from text, as polars expressions.

A text column is converted only when *every* non-missing value of the sample converts under one
rule; otherwise it keeps its original text. Rules are tried in a fixed order (boolean, numbers,
durations, dates, datetimes) and the first that fits wins. The chosen rule is applied lazily with
non-strict casts, so a later value (beyond the sample) that does not fit becomes null.

    >>> frame, report = clean_frame(pl.DataFrame({"Pop.\\n(2010)": ["1,956", "2,310[a]", "—"]}))
    >>> frame.collect().to_series().to_list()
    [1956, 2310, None]
    >>> report.columns[0].rule
    "integer with thousands separator ','; footnote marks removed"
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

__all__ = ["CleanReport", "ColumnReport", "Rule", "clean_frame", "clean_headers"]

# Compared after trimming and lowercasing. Used when a column converts.
MISSING_TOKENS = ("", "-", "--", "---", "—", "–", "−", "?", "n/a", "na", "n.a.", "null", "none")
# In columns that stay text only the unmistakable markers become null (pandas' defaults agree on
# these); "none", "?" and the dashes can be real values in text, so text keeps them.
TEXT_MISSING_TOKENS = ("", "n/a", "na", "n.a.", "null", "nan", "#n/a")
_TRIM = " \t\r\n\u00a0\u2007\u2009\u202f\u3000"
_INVISIBLE = "[\u200b\u200c\u200d\u2060\ufeff\u00ad]"
# "[a]", "[12]", "[note 3]", "*", "†", "‡" ... at the end of a value (Wikipedia-style footnotes).
_FOOTNOTE = r"(?:\s*(?:\[[^\]]{0,20}\]|[*†‡§¶]+))+$"
_CURRENCY = r"US\$|C\$|A\$|NZ\$|HK\$|R\$|\$|€|£|¥|₹|USD|EUR|GBP|JPY|CHF|CNY|CAD|AUD|INR"
_SPACE_GROUP = "[ \u00a0\u2009\u202f]"
_TRUE, _FALSE = ["yes", "true", "y"], ["no", "false", "n"]


def _clean_header(raw: str | None) -> str:
    # WTQ-style TSV writes a line break inside a header as the two characters `\n`.
    text = (raw or "").replace("\\n", "\n")
    # Format characters (zero-width space, BOM, soft hyphen, ...) are invisible: drop them.
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    # str.split() splits on every Unicode space (newline, tab, NBSP, thin space) and collapses runs.
    return " ".join(text.split())


def clean_headers(names: Sequence[str | None]) -> tuple[list[str], dict[str, str]]:
    """Stable, unique, visible names; returns (names, {original: new} for every changed header).

    >>> clean_headers(["Year", "", "Year", "Peak\\nAUS"])
    (['Year', 'column_2', 'Year_2', 'Peak AUS'], {'': 'column_2', 'Peak\\nAUS': 'Peak AUS'})

    A duplicate keeps its text in the mapping's key only once (the first changed occurrence);
    `CleanReport.columns` keeps the exact positional pairs.
    """
    base = [_clean_header(raw) or f"column_{i}" for i, raw in enumerate(names, start=1)]
    taken = set(base)
    out: list[str] = []
    for name in base:
        final, k = name, 2
        # Skip suffixes that a later real header owns ("a", "a", "a_2" -> a, a_3, a_2).
        while final in out or (final != name and final in taken):
            final, k = f"{name}_{k}", k + 1
        out.append(final)
    mapping: dict[str, str] = {}
    for raw, new in zip(names, out, strict=True):
        if (raw or "") != new:
            mapping.setdefault(raw or "", new)
    return out, mapping


def normalize(value: pl.Expr) -> pl.Expr:
    """Trimmed text without invisible characters or footnote marks; missing markers -> null."""
    text = value.str.replace_all(_INVISIBLE, "").str.strip_chars(_TRIM)
    text = text.str.replace(_FOOTNOTE, "").str.strip_chars(_TRIM)
    return pl.when(text.str.to_lowercase().is_in(list(MISSING_TOKENS))).then(None).otherwise(text)


def _text_missing(value: pl.Expr) -> pl.Expr:
    """A text column with its unmistakable missing markers (NA, N/A, null, empty) as null."""
    marker = value.str.strip_chars(_TRIM).str.to_lowercase().is_in(list(TEXT_MISSING_TOKENS))
    return pl.when(marker).then(None).otherwise(value)


def _strip_affixes(value: pl.Expr) -> pl.Expr:
    text = value.str.replace_all("−", "-", literal=True)
    text = text.str.replace(rf"^([+-]?)\s*(?:{_CURRENCY})\s*", "$1")
    return text.str.replace(rf"\s*(?:{_CURRENCY})$", "").str.replace(r"\s*%$", "")


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


@dataclass(frozen=True)
class ColumnReport:
    """What inference did to one column (counts and examples come from the sample)."""

    original: str
    name: str
    dtype: str
    rule: str
    nulls_added: int
    examples: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "original": self.original,
            "name": self.name,
            "dtype": self.dtype,
            "rule": self.rule,
            "nulls_added": self.nulls_added,
            "examples": [list(e) for e in self.examples],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class CleanReport:
    """Per-column inference results; `sample_rows` rows were examined, all of them if `complete`."""

    columns: tuple[ColumnReport, ...]
    sample_rows: int = 0
    complete: bool = True

    @property
    def renamed(self) -> dict[str, str]:
        """Original header -> final name, for the headers that changed."""
        return {c.original: c.name for c in reversed(self.columns) if c.original != c.name}

    def to_dict(self) -> dict[str, Any]:
        return {
            "sample_rows": self.sample_rows,
            "complete": self.complete,
            "renamed": self.renamed,
            "columns": [c.to_dict() for c in self.columns],
        }

    def to_text(self) -> str:
        from rich.console import Console
        from rich.table import Table

        table = Table("column", "from header", "dtype", "rule", "nulls", "example")
        for c in self.columns:
            example = f"{c.examples[0][0]!r} -> {c.examples[0][1]}" if c.examples else ""
            rule = "\n".join((c.rule, *c.notes))
            original = "" if c.original == c.name else repr(c.original)
            table.add_row(c.name, original, c.dtype, rule, str(c.nulls_added), example)
        console = Console(file=io.StringIO(), width=140, color_system=None)
        console.print(table)
        if not self.complete:
            console.print(
                f"Inferred from the first {self.sample_rows} rows; later values that do not "
                "fit their column's rule become null."
            )
        return console.file.getvalue()  # type: ignore[attr-defined,no-any-return]


def clean_frame(
    frame: pl.LazyFrame | pl.DataFrame,
    *,
    sample_rows: int = 10_000,
    headers: Sequence[str | None] | None = None,
) -> tuple[pl.LazyFrame, CleanReport]:
    """Rename headers and type text columns, inferring from the first `sample_rows` rows.

    `headers` are the raw header texts by position when a reader already altered them (polars
    renames duplicates and reads an empty header as ""); by default the frame's own names.
    """
    lazy = frame.lazy()
    current = lazy.collect_schema().names()
    raw = list(headers) if headers is not None else list(current)
    names, _ = clean_headers(raw)
    lazy = lazy.rename(dict(zip(current, names, strict=True)))
    sample = lazy.head(sample_rows).collect()
    complete = sample.height < sample_rows or (
        isinstance(frame, pl.DataFrame) and frame.height <= sample_rows
    )
    text = [n for n, dtype in sample.schema.items() if dtype == pl.String]
    chosen = _choose_rules(sample, text)
    exprs = [
        chosen[n].apply(normalize(pl.col(n))).alias(n)
        if n in chosen and chosen[n].family != "text"
        else _text_missing(pl.col(n)).alias(n)
        if n in text
        else pl.col(n)
        for n in names
    ]
    converted = sample.select(exprs)
    reports = tuple(
        _report(sample, converted, original or "", n, chosen.get(n), n in text)
        for original, n in zip(raw, names, strict=True)
    )
    return lazy.select(exprs), CleanReport(reports, sample.height, complete)


_IDENTIFIER = Rule(
    "text (leading zeros as in '007': kept as an identifier)", "text", lambda v, _: v
)


def _choose_rules(sample: pl.DataFrame, columns: Sequence[str]) -> dict[str, Rule]:
    """One pass over the sample counts, per column and rule, the values that fail to convert."""
    # Normalizing once up front keeps the per-rule expressions small (5x faster on WTQ).
    prepared = sample.select(
        *(normalize(pl.col(n)).alias(n) for n in columns),
        *(_strip_affixes(normalize(pl.col(n))).alias(f"{n}\0number") for n in columns),
    )
    aggs: list[pl.Expr] = []
    for n in columns:
        value, number = pl.col(n), pl.col(f"{n}\0number")
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


def _report(
    sample: pl.DataFrame,
    converted: pl.DataFrame,
    original: str,
    name: str,
    rule: Rule | None,
    is_text: bool,
) -> ColumnReport:
    before, after = sample[name], converted[name]
    rows = before.is_not_null().arg_true().head(3).to_list()
    label = "text (values of mixed kinds; kept as written)" if is_text else "kept (typed source)"
    if rule is not None and rule.family == "text":
        label = rule.label
    if is_text and (rule is None or rule.family == "text"):
        if int((before.is_not_null() & after.is_null()).sum()):
            label += "; missing markers (NA, N/A, null, empty) -> null"
    elif rule is not None:
        value = pl.col(name).str.strip_chars(_TRIM)
        found = sample.select(
            value.str.contains(_FOOTNOTE).any().alias("footnotes"),
            value.str.contains(r"%$").any().alias("percent"),
            pl.coalesce(
                value.str.extract(rf"^[+-]?\s*({_CURRENCY})", 1),
                value.str.extract(rf"({_CURRENCY})$", 1),
            )
            .drop_nulls()
            .unique(maintain_order=True)
            .implode()
            .alias("currency"),
        ).row(0, named=True)
        label = rule.label
        if found["percent"]:
            label += "; percent kept as the number shown (12% -> 12.0)"
        if rule.family == "number" and found["currency"]:
            label += "; currency " + ", ".join(repr(c) for c in found["currency"])
        if found["footnotes"]:
            label += "; footnote marks removed"
    return ColumnReport(
        original=original,
        name=name,
        dtype=str(after.dtype),
        rule=label,
        nulls_added=int((before.is_not_null() & after.is_null()).sum()),
        examples=tuple((str(before[i]), str(after[i])) for i in rows),
        notes=() if rule is None else rule.notes,
    )
