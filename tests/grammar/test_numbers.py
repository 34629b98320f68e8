"""Numbers and strings out of range: refused where they are read, with the limit named.

Text and JSON agree on every case (the same code where both have one), and a tree built in
code meets the same bounds in the checker.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.compiler.check.check import check
from pesql.compiler.check.schema import Schema
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.jsonform import from_json
from pesql.grammar.numbers import (
    INT64_MAX,
    INT64_MIN,
    MAX_INT_DIGITS,
    LongInteger,
    describe_number,
    first_surrogate,
    int_problem,
    json_text_is_valid_unicode,
    read_int,
)
from pesql.grammar.ops import rows
from pesql.grammar.parse import parse

SCHEMA = Schema.of({"a": "integer", "s": "string"})
HUGE = "1" + "0" * 5000  # past Python's 4,300-digit int <-> str limit


def _codes(read: object, value: str) -> tuple[tuple[str, ...], str]:
    with pytest.raises(PesqlError) as info:
        read(value)  # type: ignore[operator]
    return info.value.codes, str(info.value)


@pytest.mark.parametrize(
    ("text", "code", "where", "named"),
    [
        (f"LIMIT {HUGE}", "E157", "1:7", "at most 4294967295"),
        ("LIMIT 4294967296", "E157", "1:7", "at most 4294967295"),
        ("LIMIT 1 OFFSET 9223372036854775808", "E157", "1:16", "at most 4294967295"),
        ("FILTER a > 9223372036854775808", "E157", "1:12", str(INT64_MAX)),
        ("DERIVE x = -9223372036854775809", "E157", "1:12", str(INT64_MIN)),
        ("AGGREGATE x = SUM(a * 1000000000000000000000000000000)", "E157", "1:23", "64"),
        (f"DERIVE x = {HUGE}", "E157", "1:12", "integer of 5001 digits"),
        ("DERIVE x = ROUND(a, -400)", "E105", "1:12", "at least -308"),
        ("DERIVE x = REGEXP_EXTRACT(s, '(x)', group => 1000)", "E105", "1:12", "at most 999"),
        ("DERIVE x = '\ud800'", "E158", "1:13", "U+D800"),
        ("DERIVE `` = a", "E155", "1:8", "names cannot be empty"),
    ],
)
def test_text_refuses_with_the_limit_named(text: str, code: str, where: str, named: str) -> None:
    codes, rendered = _codes(parse, text)
    assert codes[0] == code
    assert f" at {where}:" in rendered and named in rendered


@pytest.mark.parametrize(
    ("value", "code", "pointer", "named"),
    [
        ({"op": "LIMIT", "count": 2**32}, "E155", "/steps/0/count", "at most 4294967295"),
        ({"op": "LIMIT", "count": 1, "offset": 2**63}, "E155", "/steps/0/offset", "4294967295"),
        ({"op": "FILTER", "where": {"op": "GT", "left": "a", "right": 2**63}}, "E157",
         "/steps/0/where/right", str(INT64_MAX)),
        ({"op": "DERIVE", "columns": [{"name": "x", "expr": {"op": "ROUND", "value": "a",
          "digits": 10**20}}]}, "E155", "/steps/0/columns/0/expr/digits", "at most 308"),
        ({"op": "FILTER", "where": {"op": "EQ", "left": "s", "right": {"value": "\ud800"}}},
         "E158", "/steps/0/where/right/value", "U+D800"),
        ({"op": "DERIVE", "columns": [{"name": "\udfff", "expr": "a"}]}, "E158",
         "/steps/0/columns/0/name", "U+DFFF"),
        ({"op": "DERIVE", "columns": [{"name": "", "expr": "a"}]}, "E155",
         "/steps/0/columns/0/name", "names cannot be empty"),
    ],
)  # fmt: skip
def test_json_refuses_with_the_limit_named(
    value: dict[str, object], code: str, pointer: str, named: str
) -> None:
    plan = {"steps": [value]}
    # JSON text with escapes, with the characters themselves, and the parsed value.
    for given_as in (plan, json.dumps(plan), json.dumps(plan, ensure_ascii=False)):
        codes, rendered = _codes(from_json, given_as)  # type: ignore[arg-type]
        assert codes[0] == code
        assert f" at {pointer}:" in rendered and named in rendered


def test_json_text_with_an_integer_past_pythons_digit_limit_is_refused_with_its_pointer() -> None:
    codes, rendered = _codes(from_json, '{"steps": [{"op": "LIMIT", "count": ' + HUGE + "}]}")
    assert codes == ("E155",) and "/steps/0/count" in rendered and "5001 digits" in rendered
    codes, rendered = _codes(from_json, '{"steps": [{"op": "FILTER", "where": ' + HUGE + "}]}")
    assert codes == ("E157",) and "/steps/0/where" in rendered


def test_the_checker_refuses_out_of_range_literals_of_trees_built_in_code() -> None:
    plan = A.Plan(steps=(rows.Derive(columns=(A.Assign(name="x", expr=A.Lit(value=2**64)),)),))
    codes, rendered = _codes(lambda p: check(p, SCHEMA), plan)  # type: ignore[arg-type]
    assert codes == ("E157",) and str(INT64_MAX) in rendered
    limit = A.Plan(steps=(rows.Limit(count=2**40),))
    assert _codes(lambda p: check(p, SCHEMA), limit)[0] == ("E215",)  # type: ignore[arg-type]


@given(st.integers(-(10**30), 10**30))
def test_text_and_json_agree_on_every_integer(n: int) -> None:
    def outcome(read: object, value: object) -> tuple[str, ...]:
        try:
            read(value)  # type: ignore[operator]
        except PesqlError as exc:
            return exc.codes
        return ()

    text = outcome(parse, f"DERIVE x = {n}")
    value = outcome(from_json, {"steps": [{"op": "DERIVE", "columns": [{"name": "x", "expr": n}]}]})
    assert text == value == (() if INT64_MIN <= n <= INT64_MAX else ("E157",))


@given(st.integers(0, 2**40), st.integers(0, 2**40))
def test_limit_bounds_agree_between_text_and_json(count: int, offset: int) -> None:
    def accepted(read: object, value: object) -> bool:
        try:
            read(value)  # type: ignore[operator]
        except PesqlError:
            return False
        return True

    text = accepted(parse, f"LIMIT {count} OFFSET {offset}")
    value = accepted(from_json, {"steps": [{"op": "LIMIT", "count": count, "offset": offset}]})
    assert text == value == (count < 2**32 and offset < 2**32)


@given(st.integers(-(10**MAX_INT_DIGITS) + 1, 10**MAX_INT_DIGITS - 1))
def test_read_int_is_int_below_the_digit_bound(n: int) -> None:
    assert read_int(str(n)) == n and type(read_int(str(n))) is int


@given(st.integers(MAX_INT_DIGITS + 1, 100_000), st.booleans())
def test_read_int_never_converts_long_digit_strings(digits: int, negative: bool) -> None:
    value = read_int(("-" if negative else "") + "7" * digits)
    assert isinstance(value, LongInteger) and value.digits == digits
    assert (value < 0) is negative and int_problem(value) is not None
    assert describe_number(value) == f"an integer of {digits} digits"


@given(st.integers(-(2**20000), 2**20000))
def test_describe_number_never_raises_and_stays_short(n: int) -> None:
    shown = describe_number(n)
    assert len(shown) <= 45 and ("digits" in shown or shown == str(n))


# Text near and inside the surrogate range (lone, paired, mixed with backslashes and `u`).
# Drawn as a list of characters: `st.text` of a union of `st.characters` merges them into
# one strategy that leaves the surrogates out again.
_SURROGATES = st.characters(min_codepoint=0xD7FE, max_codepoint=0xE001, exclude_categories=())
_NEAR_SURROGATES = st.lists(
    st.one_of(_SURROGATES, st.sampled_from("\\u0dD89aAfF"), st.characters())
).map("".join)


@given(st.recursive(_NEAR_SURROGATES | st.integers(),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=3)),
       st.booleans())  # fmt: skip
def test_the_text_test_for_surrogates_never_passes_one(value: object, ascii_only: bool) -> None:
    """`from_json` of text skips the walk over the parsed value when the text itself shows no
    surrogate (raw or escaped): that must never let one through."""
    text = json.dumps(value, ensure_ascii=ascii_only)
    lone = first_surrogate(json.dumps(json.loads(text), ensure_ascii=False)) is not None
    assert not (lone and json_text_is_valid_unicode(text))
