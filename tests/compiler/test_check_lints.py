"""Static warnings (compiler/check/lints.py): W303 comparison with NULL, W306 AGGREGATE after
GROUP_BY, W309 an aggregate of a grouping key; and the E202 hint that names the parse function
for a text column (issue 15)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.compiler.check.check import check
from pesql.compiler.check.schema import Schema
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.parse import parse

SCHEMA = Schema.of({"species": "string", "rank": "string", "mass": "integer", "day": "date"})


def warnings(text: str) -> list[str]:
    return [d.code for d in check(parse(text), SCHEMA).notes if d.severity == "warning"]


@pytest.mark.parametrize(
    ("text", "expected", "hint"),
    [
        ("FILTER species = NULL", ["W303"], "write `species IS NULL`"),
        ("FILTER NULL <> mass", ["W303"], "write `mass IS NOT NULL`"),
        ("DERIVE gone = IF(mass != NULL, 1, 0)", ["W303"], "write `mass IS NOT NULL`"),
    ],
)
def test_comparison_with_null_warns_and_names_is_null(
    text: str, expected: list[str], hint: str
) -> None:
    notes = check(parse(text), SCHEMA).notes
    assert [d.code for d in notes] == expected
    assert notes[0].hints == (hint,)


@pytest.mark.parametrize(
    "text",
    [
        "FILTER species IS NULL",
        "FILTER mass IS NOT NULL AND species = 'x'",
        "DERIVE m = COALESCE(mass, NULL)",
        "GROUP_BY species COMPUTE n = COUNT(*)",
        "GROUP_BY species COMPUTE n = COUNT(*)\nAGGREGATE groups = COUNT(*)",
        "AGGREGATE n = COUNT_DISTINCT(species)",
        "GROUP_BY species COMPUTE top = MAX(mass), total = SUM(mass)",
        "GROUP_BY species COMPUTE n = COUNT_DISTINCT(mass), per = COUNT_IF(species = 'x')",
        "GROUP_BY mass COMPUTE total = SUM(mass), n = COUNT(mass)",  # a measure per key
        "GROUP_BY mass COMPUTE later = MAX(mass + 1)",  # not the bare key
    ],
)
def test_no_static_warning_on_meant_plans(text: str) -> None:
    assert warnings(text) == []


def test_aggregate_after_group_by_warns_with_the_compute_spelling() -> None:
    # The text form's "COMPUTE on its own line" mistake: two steps, one row.
    notes = check(parse("GROUP_BY species\nAGGREGATE n = COUNT(*)"), SCHEMA).notes
    assert [d.code for d in notes] == ["W306"]
    assert notes[0].hints[0] == "per group, write one step: GROUP_BY species COMPUTE n = COUNT(*)"
    assert "COUNT_DISTINCT(species)" in notes[0].hints[1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # The 1.5B model's plan for "What is the longest bill among Chinstrap penguins?".
        ("GROUP_BY mass COMPUTE top = MAX(mass)", "`MAX(mass)` is `mass` itself in every group"),
        ("GROUP_BY species, day COMPUTE d = MIN(day, where => mass > 3)", "`day` itself"),
        ("GROUP_BY species COMPUTE n = COUNT_DISTINCT(species)", "is 1 in every group"),
        ("GROUP_BY mass COMPUTE s = STD(mass)", "is 0 or null in every group"),
    ],
)
def test_an_aggregate_of_a_grouping_key_warns(text: str, message: str) -> None:
    notes = check(parse(text), SCHEMA).notes
    assert [d.code for d in notes] == ["W309"]
    assert message in notes[0].message
    assigned = text.split("COMPUTE ")[1]
    assert notes[0].hints[0] == f"for one value over all the rows, write AGGREGATE {assigned}"
    assert str(notes[0].origin).startswith("1:")  # the aggregate, not the step


def test_each_degenerate_aggregate_of_a_key_warns_once() -> None:
    text = "GROUP_BY mass COMPUTE a = AVG(mass), b = MEDIAN(mass), c = FIRST(mass), d = LAST(mass)"
    assert warnings(text) == ["W309"] * 4


_OPS = ["=", "!=", "<>", "<", ">=", "IS", "IS NOT"]


@given(
    op=st.sampled_from(_OPS),
    column=st.sampled_from(["species", "mass", "day"]),
    null_left=st.booleans(),
)
def test_w303_fires_exactly_for_equality_with_null(op: str, column: str, null_left: bool) -> None:
    if op.startswith("IS"):
        text = f"FILTER {column} {op} NULL"
    else:
        text = f"FILTER NULL {op} {column}" if null_left else f"FILTER {column} {op} NULL"
    fired = "W303" in warnings(text)
    assert fired == (op in ("=", "!=", "<>"))


@pytest.mark.parametrize(
    ("text", "parse_call"),
    [
        ("FILTER rank > 2", "PARSE_NUMBER(rank)"),
        ("DERIVE r = rank + 1", "PARSE_NUMBER(rank)"),
        ("DERIVE y = YEAR(rank)", "PARSE_DATE(rank)"),
        ("FILTER rank < day", "PARSE_DATE(rank)"),
    ],
)
def test_text_column_used_as_number_suggests_the_parse_function(text: str, parse_call: str) -> None:
    # Comparing as text (`rank > '2'`) runs and is wrong ('10' < '2'): never the suggestion.
    with pytest.raises(PesqlError) as info:
        check(parse(text), SCHEMA)
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.code == "E202"
    assert any(parse_call in h for h in diagnostic.hints), diagnostic.hints
    assert not any("text is compared with text" in h for h in diagnostic.hints)


def test_sql_where_after_an_aggregation_says_where_the_filter_goes() -> None:
    # `WHERE` is FILTER's alias: `AGGREGATE ... WHERE x = 1` filters after the aggregation,
    # on a column that is gone; the hint says the FILTER goes before it.
    with pytest.raises(PesqlError) as info:
        check(parse("AGGREGATE n = COUNT(*) WHERE species = 'x'"), SCHEMA)
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.code == "E201"
    assert "a FILTER on it goes before the AGGREGATE" in diagnostic.hints[0]
