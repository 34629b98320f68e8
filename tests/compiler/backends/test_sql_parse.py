"""The PARSE_ lowerings' building blocks, without an engine: the regex translation
(sql/regex.py) and PARSE_DATE's format -> regex (sql/dates.py), with Python's `re` standing in
for the engines (it reads the polars spelling the same way on these patterns)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.compiler.backends.polars import numbers as nt
from pesql.compiler.backends.polars import text as pt
from pesql.compiler.backends.sql.dates import MONTHS, pattern
from pesql.compiler.backends.sql.lower import to_sql
from pesql.compiler.backends.sql.regex import SPACE, engine_regex
from pesql.compiler.check.schema import Schema
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.parse import parse

PATTERNS = [
    nt.INVISIBLE,
    nt.FOOTNOTE,
    nt.EN_DASH_MINUS,
    nt.ACCOUNTING,
    nt.PARSE_GROUP,
    nt.PARSE_NUMBER_PATTERN,
    rf"^([+-]?)\s*(?:{nt.CURRENCY})\s*",
    rf"\s*(?:{nt.CURRENCY})$",
    pt._HMS,
    pt._MS,
]


def _python(regex: str) -> str:
    """A regex in Python's spelling: an end anchor (Rust's `$`, Java's `\\z`) is `\\Z` (Python's
    `$` also matches before a final newline). The patterns anchor the end last, if at all."""
    if regex.endswith("$") and not regex.endswith("\\$"):
        regex = regex[:-1] + "\\Z"
    return regex.replace("\\z", "\\Z")


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "spark"])
def test_translated_patterns_have_no_ascii_only_classes(dialect: str) -> None:
    for p in PATTERNS:
        out = engine_regex(p, dialect)
        assert "\\s" not in out.replace("\\\\", "") and "\\d" not in out.replace("\\\\", "")
        if dialect != "duckdb":
            assert not re.search(r"(?<![\\\[])\.(?![^\[]*\])", out.replace("\\\\", "")), out
        if dialect == "spark":
            assert not out.endswith("$") or out.endswith("\\$"), out


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "spark"])
@given(st.text(st.sampled_from("0123456789 ,.'$€%()[]*†\u00a0\u2009\u200b\n\u2028–−-+eEUSDa:"),
               max_size=14))  # fmt: skip
def test_translated_patterns_match_as_the_originals(dialect: str, value: str) -> None:
    """Property: on any text, a translated pattern finds what the original finds."""
    for p in PATTERNS:
        original = re.search(_python(p), value)
        translated = re.search(_python(engine_regex(p, dialect)), value)
        assert (original and original.group()) == (translated and translated.group()), p


@pytest.mark.parametrize(
    ("fmt", "why"),
    [
        ("%Y%m%d", "two numbers touch"),
        ("%Y %m %d", "two numbers touch"),  # a space may match nothing
        ("%d/%m/%y", "not supported"),
        ("%B %d %Y", "not supported"),
        ("%Y-%m", "a year, a month and a day"),
        ("%Y-%m-%d-%d", "appears twice"),
        ("%d %b %m %Y", "appears twice"),
        ("%Y-%m-%d1", "digits"),
        ("%Y-%m-%", "not supported"),
    ],
)
def test_formats_read_differently_are_refused(fmt: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        pattern(fmt)
    plan = parse(f"DERIVE x = PARSE_DATE(s, format => '{fmt}')")
    for dialect in ("postgres", "spark"):
        with pytest.raises(PesqlError) as info:
            to_sql(plan, Schema.of({"s": "string"}), dialect)  # type: ignore[arg-type]
        assert info.value.codes == ("E310",)


FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d %b %Y", "%b %d, %Y", "%b.%d.%Y%%", "%Y. %m. %d"]


@given(
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
    st.sampled_from(FORMATS),
    st.sampled_from(["", " ", "\u3000"]),
    st.booleans(),
)
def test_date_pattern_reads_back_the_parts(
    day: dt.date, fmt: str, space: str, padded: bool
) -> None:
    """Property: a date written in `fmt` (padded or not, spaces after separators) matches the
    format's regex, and its groups give the year, month and day back."""
    fields = {
        "%Y": str(day.year) if not padded else f"{day.year:04d}",
        "%m": str(day.month) if not padded else f"{day.month:02d}",
        "%d": str(day.day) if not padded else f"{day.day:02d}",
        "%b": MONTHS[day.month - 1].title(),
        "%%": "%",
    }
    written = re.sub(r"%.", lambda m: fields[m.group()], fmt).replace(" ", " " + space)
    regex, groups = pattern(fmt)
    match = re.match(regex, written)
    assert match, (written, regex)
    month = groups.get("m")
    read_month = (
        int(match.group(month)) if month else MONTHS.index(match.group(groups["b"]).lower()) + 1
    )
    assert (int(match.group(groups["Y"])), read_month, int(match.group(groups["d"]))) == (
        day.year,
        day.month,
        day.day,
    )


def test_the_whitespace_class_is_rusts() -> None:
    assert all(re.fullmatch(SPACE, ch) for ch in "\t \u00a0\u3000\u2028\u0085")
    assert not re.fullmatch(SPACE, "\u200b")  # zero-width space is not whitespace in Rust
