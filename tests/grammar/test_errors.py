"""Diagnostics of malformed text and JSON: snapshots of every message, and fuzzing that shows
nothing but `PesqlError` ever escapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.jsonform import dumps, from_json, to_json
from pesql.grammar.parse import parse
from pesql.runtime.testing.strategies.syntax import plans

from tests.snapshot import assert_snapshot

SNAPSHOTS = Path(__file__).parent / "snapshots"

TEXT_CASES = {
    "unexpected_end": "FILTER price >",
    "unknown_step": "FILTR price > 1",
    "double_quotes": 'FILTER region = "West"',
    "unknown_function": "DERIVE gap = SUBABS(price, cost)",
    "too_many_arguments": "DERIVE r = ROUND(price, 2, 3)",
    "option_not_literal": "DERIVE r = ROUND(price, digits)",
    "unknown_option": "DERIVE r = ROUND(price, places => 2)",
    "bad_choice": "DERIVE m = DATE_TRUNC('fortnight', day)",
    "bad_date": "FILTER day > DATE '2024-02-30'",
    "chained_comparison": "FILTER 1 < a < 3",
    "negative_limit": "LIMIT -1",
    "star_elsewhere": "AGGREGATE s = SUM(*)",
    "step_as_function": "DERIVE x = FILTER(a)",
    "two_errors": "DERIVE a = NOPE(x), b = ROUND(y, 'z')",
    "quantile_range": "AGGREGATE q = QUANTILE(x, 1.5)",
    "word_before_string": "FILTER name = foo 'bar'",
}


@pytest.mark.parametrize("name", sorted(TEXT_CASES))
def test_text_diagnostic_snapshot(name: str) -> None:
    source = TEXT_CASES[name]
    with pytest.raises(PesqlError) as info:
        parse(source)
    rendered = str(info.value) + "\n--- json\n" + info.value.to_json() + "\n"
    assert_snapshot(SNAPSHOTS / f"text_{name}.txt", f"{source}\n=====\n{rendered}")


JSON_CASES: dict[str, object] = {
    "not_json": '{"steps": [',
    "array_root": [{"op": "FILTER", "where": True}],
    "missing_steps": {"table": None},
    "unknown_op": {"steps": [{"op": "FILTR", "where": True}]},
    "expression_as_step": {"steps": [{"op": "SUB_ABS", "left": "a", "right": "b"}]},
    "step_as_expression": {"steps": [{"op": "FILTER", "where": {"op": "SORT", "keys": []}}]},
    "missing_property": {
        "steps": [
            {"op": "DERIVE", "columns": [{"name": "g", "expr": {"op": "SUB_ABS", "left": "a"}}]}
        ]
    },
    "extra_property": {"steps": [{"op": "LIMIT", "count": 3, "with_tie": True}]},
    "wrong_type": {"steps": [{"op": "LIMIT", "count": "3"}]},
    "bad_literal": {
        "steps": [
            {
                "op": "FILTER",
                "where": {
                    "op": "EQ",
                    "left": "d",
                    "right": {"value": "2024-13-01", "type": "date"},
                },
            }
        ]
    },
    "empty_list": {"steps": [{"op": "SORT", "keys": []}]},
    "one_condition_and": {"steps": [{"op": "FILTER", "where": {"op": "AND", "args": [True]}}]},
    "many_problems": {
        "steps": [
            {"op": "SORT", "keys": [{"column": 1}]},
            {"op": "NOPE"},
            {"op": "LIMIT", "count": -1},
        ]
    },
}


@pytest.mark.parametrize("name", sorted(JSON_CASES))
def test_json_diagnostic_snapshot(name: str) -> None:
    case = JSON_CASES[name]
    with pytest.raises(PesqlError) as info:
        from_json(case)
    rendered = str(info.value) + "\n--- json\n" + info.value.to_json() + "\n"
    shown = case if isinstance(case, str) else json.dumps(case)
    assert_snapshot(SNAPSHOTS / f"json_{name}.txt", f"{shown}\n=====\n{rendered}")


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(PesqlError) as info:
        from_json(JSON_CASES["many_problems"])
    assert info.value.codes == ("E154", "E151", "E155")
    with pytest.raises(PesqlError) as info:
        parse(TEXT_CASES["two_errors"])
    assert info.value.codes == ("E104", "E105")


_PSQL_WORDS = st.sampled_from(
    [
        "FILTER",
        "SORT",
        "DERIVE",
        "x",
        "=",
        "(",
        ")",
        ",",
        "'a'",
        "1",
        "-2.5",
        "AND",
        "IN",
        "COUNT(*)",
        "SUB_ABS(",
        "=>",
        "`q`",
        "GROUP_BY",
        "COMPUTE",
        "\n",
        "--c\n",
        "CASE",
        "END",
    ]
)


@given(st.text(max_size=60))
def test_arbitrary_text_raises_only_diagnostics(text: str) -> None:
    try:
        parse(text)
    except PesqlError as exc:
        assert exc.diagnostics and all(d.code.startswith("E") for d in exc.diagnostics)


@given(st.lists(_PSQL_WORDS, max_size=25).map(" ".join))
def test_token_soup_raises_only_diagnostics(text: str) -> None:
    try:
        parse(text)
    except PesqlError as exc:
        assert exc.diagnostics


@given(st.from_regex(r"(FILTER|DERIVE [a-z]+ =|SORT) [a-z0-9 ()+*'=<>,-]{0,30}", fullmatch=True))
def test_regex_shaped_text_raises_only_diagnostics(text: str) -> None:
    try:
        parse(text)
    except PesqlError as exc:
        assert exc.diagnostics


_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=6)
    | st.sampled_from(["FILTER", "SUB_ABS", "op", "steps", "value"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "op",
                    "steps",
                    "where",
                    "left",
                    "right",
                    "value",
                    "type",
                    "keys",
                    "columns",
                    "name",
                    "expr",
                    "x",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@given(_JSON_VALUES)
def test_arbitrary_json_raises_only_diagnostics(value: object) -> None:
    try:
        from_json({"table": None, "steps": value if isinstance(value, list) else [value]})
    except PesqlError as exc:
        assert exc.diagnostics


@given(plans(max_steps=3), st.data())
def test_mutated_valid_json_raises_only_diagnostics(plan: object, data: st.DataObject) -> None:
    text = dumps(to_json(plan))  # type: ignore[arg-type]
    cut = data.draw(st.integers(min_value=0, max_value=len(text)))
    try:
        from_json(text[:cut])
    except PesqlError as exc:
        assert exc.diagnostics


def test_deep_nesting_is_refused_not_overflowed() -> None:
    # Parentheses alone add no depth to the tree: they parse fine.
    assert parse("DERIVE x = " + "(" * 2500 + "1" + ")" * 2500) == parse("DERIVE x = 1")
    for levels in (62, 1000):  # past MAX_JSON_DEPTH, and far past it
        deep = "DERIVE x = " + "ABS(" * levels + "1" + ")" * levels
        with pytest.raises(PesqlError) as info:
            parse(deep)
        assert info.value.codes == ("E302",)
    # Text and JSON draw the line at the same nesting (the step and the assignment count).
    assert parse("DERIVE x = " + "ABS(" * 61 + "1" + ")" * 61)
    for levels, accepted in ((61, True), (62, False)):
        expr: object = 1
        for _ in range(levels):
            expr = {"op": "ABS", "value": expr}
        value = {"steps": [{"op": "DERIVE", "columns": [{"name": "x", "expr": expr}]}]}
        try:
            from_json(value)
        except PesqlError as exc:
            assert not accepted and exc.codes == ("E302",)
        else:
            assert accepted
    # More tokens than any accepted plan has are refused before lark reads them.
    with pytest.raises(PesqlError) as info:
        parse("DERIVE x = " + "(" * 5000 + "1" + ")" * 5000)
    assert info.value.codes == ("E306",)
    nested: object = 1
    for _ in range(200):
        nested = {"op": "ABS", "value": nested}
    with pytest.raises(PesqlError) as info:
        from_json({"steps": [{"op": "DERIVE", "columns": [{"name": "x", "expr": nested}]}]})
    assert "E302" in info.value.codes
