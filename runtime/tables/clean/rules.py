"""Conversion rules of messy-table inference: text that reads as booleans, numbers, dates, ...

Rules are tried in a fixed order (boolean, numbers, durations, dates, datetimes); `choose_rules`
picks, per column, the first under which every non-missing sample value converts, unless a
few number-like cells contradict the number convention most cells follow (`_majority`).

    >>> [rule.family for rule in RULES][:3]
    ['boolean', 'number', 'number']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import polars as pl
from pesql.compiler.backends.polars.names import col
from pesql.compiler.backends.polars.numbers import (
    SPACE_GROUP,
    TRIM,
    clean,
    read_number,
    strip_affixes,
)
from pesql.grammar.record import Record, record

# Compared after trimming and lowercasing. Used when a column converts.
MISSING_TOKENS = (
    *("", "?", "??", "n/a", "na", "n.a.", "n/d", "n.d.", "n/k", "n.k.", "nan", "#n/a"),
    *("null", "none"),
)
# A cell of dashes alone (`-`, `—`, `——`, `–`, `−`, `---`) is a missing marker in a column that
# converts: tables write "no value" as a dash of any length.
DASHES = r"^[-‐‑‒–—―−]+$"
# In columns that stay text only the unmistakable markers become null (pandas' defaults agree on
# these); "none", "?" and the dashes can be real values in text, so text keeps them.
TEXT_MISSING_TOKENS = ("", "n/a", "na", "n.a.", "null", "nan", "#n/a")
_TRUE, _FALSE = ["yes", "true", "y"], ["no", "false", "n"]
# A number-looking cell: digit runs joined by single separators, a sign first (`1,1024`,
# `1.2.3`; not the list `1.09, 1.22`). Only such cells may contradict a column's number
# convention (be left null and reported); a word among numbers still keeps the column as text.
NUMBER_LIKE = r"^[+-]?\d*(?:[.,'’ \u00a0\u2009\u202f]\d+)*$"


def normalize(value: pl.Expr) -> pl.Expr:
    """Trimmed text without invisible characters or footnote marks; missing markers -> null."""
    text = clean(value)
    missing = text.str.to_lowercase().is_in(list(MISSING_TOKENS)) | text.str.contains(DASHES)
    return pl.when(missing).then(None).otherwise(text)


def text_missing(value: pl.Expr) -> pl.Expr:
    """A text column with its unmistakable missing markers (NA, N/A, null, empty) as null."""
    marker = value.str.strip_chars(TRIM).str.to_lowercase().is_in(list(TEXT_MISSING_TOKENS))
    return pl.when(marker).then(None).otherwise(value)


@record(kw_only=False, slots=False)
class Rule(Record):
    """One way to read a text column: a label for the report and a polars conversion."""

    label: str
    family: str  # boolean | number | duration | date | datetime
    # (normalized text, the same without currency/percent affixes) -> typed value or null
    convert: Callable[[pl.Expr, pl.Expr], pl.Expr]
    order: str | None = None  # "m/d/y" or "d/m/y" for the two slash/dash date orders
    notes: tuple[str, ...] = ()

    def apply(self, value: pl.Expr) -> pl.Expr:
        return self.convert(value, strip_affixes(value))


def _number(label: str, group: str | None, decimal: str, *, integer: bool) -> Rule:
    # Exponents only in the plain convention, where `3e2` cannot be anything else.
    exponent = group is None and decimal == "." and not integer

    def convert(value: pl.Expr, text: pl.Expr) -> pl.Expr:
        number = read_number(text, group, decimal, integer=integer, exponent=exponent)
        if integer:  # a percent is kept as the number shown, always as a float (12% -> 12.0)
            return pl.when(~value.str.contains("%", literal=True)).then(number)
        return number

    family = "integer" if integer else "number"
    return Rule(family + label, "number", convert)


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
    (" with thousands separator ' '", SPACE_GROUP, "."),
    (' with thousands separator "\'"', "['’]", "."),
    (" with thousands separator '.' and decimal comma", r"\.", ","),
    (" with thousands separator ' ' and decimal comma", SPACE_GROUP, ","),
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
_LONG_IDENTIFIER = Rule(
    "text (whole numbers past 64 bits, as long IDs are: kept as written)", "text", lambda v, _: v
)


_N = "n"  # the count of a distinct (column, text) in choose_rules' frame
_DISTINCT_FROM_ROWS = 1_000  # samples of more rows are counted by distinct text (bench.loading)


def _cells(condition: pl.Expr, weighted: bool) -> pl.Expr:
    """The number of cells where `condition` holds: over choose_rules' distinct texts when
    `weighted` (each counted `n` times; a null condition counts as false, as a boolean sum
    skips it), else over its cells."""
    return pl.when(condition).then(pl.col(_N)).otherwise(0).sum() if weighted else condition.sum()


def choose_rules(sample: pl.DataFrame, columns: Sequence[str]) -> dict[str, Rule]:
    """Per column, the first rule under which every non-missing sample value converts, unless
    the majority's number convention is contradicted by a few number-like cells (`_majority`).

    The text columns are counted in one long frame (column name, value), each rule once over
    all of them: the expressions do not grow with the width. Per column and rule they grew
    with it (~20 expressions and their regexes per column: 40 columns took 1 s, 500 took 19 s;
    one query over 4,000 columns 34 s and 3.6 GB).
    """
    # Normalizing once up front keeps the per-rule expressions small (5x faster on WTQ).
    value, number = pl.col("value"), pl.col("number")
    if not columns:
        return {}
    long = sample.select([col(n).cast(pl.String) for n in columns]).unpivot(
        variable_name="column", value_name="value"
    )
    # A large sample is counted once per distinct (column, text), with its count `n` as the
    # weight of every count below: the rules (date formats, number styles) then run over far
    # fewer texts (categories, years, repeated numbers). A small sample is counted cell by
    # cell: grouping it costs more than it saves.
    weighted = sample.height > _DISTINCT_FROM_ROWS
    counted = long.group_by("column", "value").len(name=_N) if weighted else long
    prepared = counted.select(
        "column",
        normalize(pl.col("value")).alias("value"),
        strip_affixes(normalize(pl.col("value"))).alias("number"),
        *([_N] if weighted else []),
    )
    aggs = [
        _cells(value.is_not_null(), weighted).alias("present"),
        # Leading zeros on integer-looking codes ("007", "02134") mark identifiers: converting
        # would lose them. `00.4` and `0.5` are numbers.
        _cells(number.str.contains(r"^[+-]?0\d+$"), weighted).alias("zeros"),
        # Digits alone past Int64 (20-digit IDs) would read as floats, which keep only the
        # first 16 digits: two IDs could become one number. Written with separators
        # ("12,345,678,901,234,567,890") they are amounts, and stay numbers.
        _cells(
            number.str.contains(r"^[+-]?[0-9]+$") & number.cast(pl.Int64, strict=False).is_null(),
            weighted,
        ).alias("long"),
        *(
            _cells(value.is_not_null() & rule.convert(value, number).is_null(), weighted).alias(
                str(i)
            )
            for i, rule in enumerate(RULES)
        ),
    ]
    rows = prepared.group_by("column").agg(aggs).rows(named=True)
    counts = {row["column"]: row for row in rows}
    chosen: dict[str, Rule] = {}
    for n in columns:
        count = counts.get(n)
        if count is None:  # no rows in the sample
            continue
        present = count["present"]
        failures = [count[str(i)] for i in range(len(RULES))]
        exact = next((i for i, f in enumerate(failures) if f == 0), None) if present else None
        one = prepared.filter(pl.col("column") == n)
        found = _majority(one, failures, exact, present, weighted)
        if found is not None:
            rule = found
        elif exact is not None:
            rule = RULES[exact]
        else:
            continue
        if count["long"] and rule.family == "number":
            chosen[n] = _LONG_IDENTIFIER
            continue
        if count["zeros"] and rule.family == "number":
            chosen[n] = _IDENTIFIER
            continue
        rivals = [
            r
            for r, f in zip(RULES, failures, strict=True)
            if f == 0 and r.order is not None and r.order != rule.order
        ]
        if rule.order is not None and rivals:
            note = f"ambiguous: every value also reads as {rivals[0].label}; chose {rule.order}"
            rule = replace(rule, notes=(note,))
        chosen[n] = rule
    return chosen


def _majority(
    prepared: pl.LazyFrame | pl.DataFrame,
    failures: list[int],
    exact: int | None,
    present: int,
    weighted: bool,
) -> Rule | None:
    """A number convention that most cells follow and a few number-like cells contradict.

    One typo must not flip a column's convention: `16,416 9,875 3197 703 1,1024` fits only
    "thousands '.' and decimal comma" entirely, which would read 16,416 as 16.416. A number
    rule tried before the fitting one wins instead when (1) at most a quarter of the cells fail
    it, (2) every failing cell is number-like (digits, separators, a sign: a word still keeps
    the column as text), and (3) more cells support it than fail it: cells the fitting rule
    reads as a different number (a change of magnitude the majority would suffer), or, when
    no rule fits, cells that hold a separator and fit. Its failing cells become null, and
    the report lists them with their row and text. `weighted`: `prepared` holds distinct
    texts with their counts (choose_rules).
    """
    if exact is not None and RULES[exact].family != "number":
        return None
    stop = len(RULES) if exact is None else exact
    candidates = [
        i
        for i in range(stop)
        if RULES[i].family == "number" and failures[i] > 0 and 4 * failures[i] <= present
    ]
    if not candidates:
        return None
    value, number = pl.col("value"), pl.col("number")  # one column's cells (choose_rules)
    aggs: list[pl.Expr] = []
    for i in candidates:
        reading = RULES[i].convert(value, number)
        failed = value.is_not_null() & reading.is_null()
        aggs.append(_cells(failed & ~number.str.contains(NUMBER_LIKE), weighted).alias(f"word{i}"))
        if exact is None:
            support = reading.is_not_null() & number.str.contains(r"[.,'’ \u00a0\u2009\u202f]")
        else:
            other = RULES[exact].convert(value, number).cast(pl.Float64)
            support = reading.is_not_null() & (reading.cast(pl.Float64) != other)
        aggs.append(_cells(support, weighted).alias(f"support{i}"))
    found = prepared.lazy().select(aggs).collect().row(0, named=True)
    for i in candidates:
        if found[f"word{i}"] == 0 and found[f"support{i}"] > failures[i]:
            note = (
                f"{failures[i]} of {present} cells contradict the convention most cells "
                "follow and became null"
            )
            return replace(RULES[i], notes=(note,))
    return None
