"""The generic repair layer: one table row per fix kind, candidates for ambiguity, properties."""

from __future__ import annotations

import json
import math
import time
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pesql.compiler.repair.json.lenient import (
    MAX_CANDIDATES,
    Candidate,
    JSONValue,
    repair_json,
    scan,
)
from pesql.grammar.diagnostics import PesqlError

# input -> (value of the first candidate, fix kinds logged in order)
CASES: list[tuple[str, Any, list[str]]] = [
    ('Here it is:\n{"a": 1}\nThanks!', {"a": 1}, ["strip_prose", "strip_prose"]),
    ('```json\n{"a": 1}\n```', {"a": 1}, ["strip_code_fence", "strip_code_fence"]),
    ('{"a": 1 // one\n}', {"a": 1}, ["strip_comment"]),
    ('{"a": /* one */ 1}', {"a": 1}, ["strip_comment"]),
    ('{"a": 1 # one\n}', {"a": 1}, ["strip_comment"]),
    ("{'a': 'x'}", {"a": "x"}, ["single_quotes", "single_quotes"]),
    ("{a: 1}", {"a": 1}, ["unquoted_key"]),
    ('{"a": some words}', {"a": "some words"}, ["unquoted_string"]),
    ('{"a": True, "b": None}', {"a": True, "b": None}, ["python_literal", "python_literal"]),
    ("[1, 2,]", [1, 2], ["trailing_comma"]),
    ('{"a": 1,}', {"a": 1}, ["trailing_comma"]),
    ("[1,, 2]", [1, 2], ["extra_comma"]),
    ('[1 2 "x"]', [1, 2, "x"], ["missing_comma", "missing_comma"]),
    ('{"a": 1 "b": 2}', {"a": 1, "b": 2}, ["missing_comma"]),
    ('{"a" 1}', {"a": 1}, ["missing_colon"]),
    ('{"a": , "b": 1}', {"b": 1}, ["missing_value"]),
    ('{"a": [1, {"b": 2', {"a": [1, {"b": 2}]}, ["close_truncated"] * 3),
    ('{"a": "xy', {"a": "xy"}, ["close_string", "close_truncated"]),
    ('{"a": tr', {"a": True}, ["close_truncated", "close_truncated"]),
    ('{"a": [1, 2}', {"a": [1, 2]}, ["missing_closer"]),
    ("[1]]", [1], ["strip_prose"]),
    ("[1, ] ]", [1], ["trailing_comma", "strip_prose"]),
    ('[{"a": 1}}, 2]', [{"a": 1}, 2], ["stray_token"]),
    ('{"a": NaN, "b": -Infinity}', {"a": math.nan, "b": -math.inf}, ["nan_infinity"] * 2),
    ('{"a": .5, "b": 1_000}', {"a": 0.5, "b": 1000}, ["number_format"] * 2),
    ('"{\\"a\\": 1}"', {"a": 1}, ["double_encoded"]),
    ('{\\"a\\": 1}', {"a": 1}, ["double_encoded"]),
    ('{"a": 1, "a": 1}', {"a": 1}, ["duplicate_key"]),
    ('{"a": 1, "a": 2}', {"a": 2}, ["duplicate_key"]),
    (
        '[{"op": "SUB_ABS", "left": "a"}, "right": "b"}]',
        [{"op": "SUB_ABS", "left": "a", "right": "b"}],
        ["early_close"],
    ),
    ('{"a": "line\nbreak"}', {"a": "line\nbreak"}, ["escape"]),
    ('{"a": "say "hi" now"}', {"a": 'say "hi" now'}, ["escape", "escape"]),
    ('{"a": "\\d+"}', {"a": "\\d+"}, ["escape"]),
    ('{"a": "it\\\'s"}', {"a": "it's"}, ["escape"]),
    ("{\u201ca\u201d: 1}", {"a": 1}, ["single_quotes"]),
    ("[1, 2, ...]", [1, 2], ["stray_token", "trailing_comma"]),
]


def _equal(a: JSONValue, b: JSONValue) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@pytest.mark.parametrize(("text", "value", "kinds"), CASES)
def test_fix_table(text: str, value: JSONValue, kinds: list[str]) -> None:
    best = scan(text)[0]
    assert _equal(best.value, value)
    assert [f.kind for f in best.fixes] == kinds


def test_fix_records_position_and_text() -> None:
    (fix,) = repair_json("[1, 2,  ]").fixes
    assert (fix.kind, fix.position, fix.before, fix.after) == ("trailing_comma", 5, ",", "")


def test_valid_json_is_one_candidate_without_fixes() -> None:
    assert scan('{"a": [1, 2.5, "x", null, true]}') == [
        Candidate({"a": [1, 2.5, "x", None, True]}, ())
    ]


def test_duplicate_key_gives_both_readings() -> None:
    values = [c.value for c in scan('{"a": 1, "a": 2}')]
    assert values == [{"a": 2}, {"a": 1}]
    (fix,) = scan('{"a": 1, "a": 2}')[0].fixes
    assert (fix.before, fix.after) == ("1", "2")


def test_early_close_with_nested_objects_gives_every_merge_point() -> None:
    values = [c.value for c in scan('{"a": {"b": 1}}, "c": 2}')]
    assert values == [{"a": {"b": 1}, "c": 2}, {"a": {"b": 1, "c": 2}}]


def test_early_close_inside_steps_merges_back() -> None:
    text = '{"steps": [{"op": "SUB_ABS", "left": "a"}, "right": "b"}, {"op": "LIMIT", "n": 3}]}'
    best = repair_json(text)
    assert best.value == {
        "steps": [{"op": "SUB_ABS", "left": "a", "right": "b"}, {"op": "LIMIT", "n": 3}]
    }
    assert [f.kind for f in best.fixes] == ["early_close"]


def test_mismatched_closer_gives_both_closing_orders() -> None:
    values = [c.value for c in scan('{"array": [{"key": "v"], "key2": "w"}')]
    assert values == [
        {"array": [{"key": "v"}], "key2": "w"},
        {"array": [{"key": "v", "key2": "w"}]},
    ]


def test_candidates_are_capped() -> None:
    text = "[" + ", ".join(f'{{"k": {i}, "k": {i + 1}}}' for i in range(40)) + "]"
    assert len(scan(text)) == MAX_CANDIDATES


@pytest.mark.parametrize("text", ["", "   ", "no json here", "-", "]", "}"])
def test_unrepairable_input_is_e401(text: str) -> None:
    with pytest.raises(PesqlError) as caught:
        scan(text)
    assert caught.value.codes == ("E401",)


@pytest.mark.parametrize(
    ("text", "limits"),
    [
        ("[" * 100_000, {}),
        ('{"a": ' * 65, {}),
        ("[[[1]]]", {"max_depth": 2}),
        ("[1, 2, 3]", {"max_chars": 5}),
        (" " * 200_001, {}),
    ],
)
def test_limits_are_e306_and_fast(text: str, limits: dict[str, int]) -> None:
    start = time.perf_counter()
    with pytest.raises(PesqlError) as caught:
        scan(text, **limits)
    assert caught.value.codes == ("E306",)
    assert time.perf_counter() - start < 1.0


# -- properties -----------------------------------------------------------------------------------

_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.floats(allow_nan=False, allow_infinity=False)
)
json_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def _looks_double_encoded(value: JSONValue) -> bool:
    return isinstance(value, str) and value.strip()[:1] in ("{", "[")


@given(json_values)
def test_strict_json_scans_to_itself_without_fixes(value: JSONValue) -> None:
    # A top-level string holding `{...}` or `[...]` is decoded once more (double_encoded).
    assume(not _looks_double_encoded(value))
    assert scan(json.dumps(value)) == [Candidate(value, ())]


@given(json_values)
def test_strict_json_with_indent_and_unicode(value: JSONValue) -> None:
    assume(not _looks_double_encoded(value))
    assert scan(json.dumps(value, indent=2, ensure_ascii=False)) == [Candidate(value, ())]


_containers = st.one_of(
    st.lists(json_values, min_size=1, max_size=4),
    st.dictionaries(st.text(), json_values, min_size=1, max_size=4),
)


def _found(text: str, value: JSONValue) -> bool:
    return any(_equal(c.value, value) for c in scan(text))


@given(_containers)
def test_dropped_final_closer_is_restored(value: JSONValue) -> None:
    assert _found(json.dumps(value)[:-1], value)


@given(_containers)
def test_trailing_comma_is_removed(value: JSONValue) -> None:
    text = json.dumps(value)
    assert _found(text[:-1] + "," + text[-1], value)


@given(_containers)
def test_comment_is_stripped(value: JSONValue) -> None:
    text = json.dumps(value)
    assert _found(text[0] + " // a note\n" + text[1:], value)


@given(json_values)
def test_fence_and_prose_are_stripped(value: JSONValue) -> None:
    assume(not _looks_double_encoded(value))
    assert _found("Here you go:\n```json\n" + json.dumps(value) + "\n```\nDone.", value)


_plain_text = st.text(st.characters(codec="ascii", exclude_characters="\"'\\"), max_size=8)
_plain_values = st.recursive(
    st.none() | st.booleans() | st.integers() | _plain_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_plain_text, inner, max_size=3),
    max_leaves=8,
)


@given(_plain_values)
def test_single_quotes_are_read_as_double(value: JSONValue) -> None:
    assume(not _looks_double_encoded(value))
    assert _found(json.dumps(value).replace('"', "'"), value)


@given(
    st.dictionaries(st.text(), json_values, min_size=2, max_size=5),
    st.booleans(),
)
def test_object_closed_early_is_merged_back(value: dict[str, JSONValue], in_array: bool) -> None:
    *head, (last_key, last_value) = value.items()
    text = json.dumps(dict(head))[:-1] + "}, " + json.dumps(last_key) + ": "
    text += json.dumps(last_value) + "}"
    expected: JSONValue = value
    if in_array:
        text, expected = "[" + text + "]", [value]
    assert _equal(scan(text)[0].value, expected)


def _prefix_consistent(got: JSONValue, full: JSONValue) -> bool:
    """`got` reads a prefix of `full`'s text: every item equal but the last, which is itself
    prefix-consistent (a string prefix, the number a prefix of the number's text reads as)
    or missing; an object never holds a key whose value was cut off entirely."""
    if isinstance(full, dict):
        if not isinstance(got, dict) or list(got) != list(full)[: len(got)]:
            return False
        keys = list(got)
        return all(got[k] == full[k] for k in keys[:-1]) and (
            not keys or _prefix_consistent(got[keys[-1]], full[keys[-1]])
        )
    if isinstance(full, list):
        if not isinstance(got, list) or len(got) > len(full):
            return False
        return all(_equal(a, b) for a, b in zip(got[:-1], full, strict=False)) and (
            not got or _prefix_consistent(got[-1], full[len(got) - 1])
        )
    if isinstance(full, str):
        return isinstance(got, str) and full.startswith(got)
    if isinstance(full, int | float) and not isinstance(full, bool):
        digits = json.dumps(full)
        return isinstance(got, int | float) and any(
            got == _number(digits[:k]) for k in range(1, len(digits) + 1)
        )
    return _equal(got, full)


def _number(text: str) -> int | float | None:
    # Integers as int: through float, -9007199254740993 (beyond 2**53) reads as ...992 and an
    # exactly repaired integer looked inconsistent (a flaky failure of the property below).
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return None


@given(_containers, st.data())
def test_truncation_gives_a_prefix_consistent_value(value: JSONValue, data: st.DataObject) -> None:
    """Guarantee: for a strict JSON container cut anywhere after its opener, the first
    candidate is prefix-consistent with the original (see `_prefix_consistent`)."""
    text = json.dumps(value)
    cut = data.draw(st.integers(1, len(text)))
    assert _prefix_consistent(repair_json(text[:cut]).value, value)


def _only_pesql_errors(text: str) -> None:
    try:
        candidates = scan(text)
    except PesqlError:
        return
    assert 1 <= len(candidates) <= MAX_CANDIDATES


@given(st.text())
def test_arbitrary_text_never_escapes(text: str) -> None:
    _only_pesql_errors(text)


@given(st.from_regex(r"[\[\]{}\",:'a1\\ /*#\n-]{0,40}", fullmatch=True))
def test_json_like_noise_never_escapes(text: str) -> None:
    _only_pesql_errors(text)


@given(json_values, st.data())
def test_corrupted_json_never_escapes(value: JSONValue, data: st.DataObject) -> None:
    text = json.dumps(value)
    at = data.draw(st.integers(0, len(text)))
    noise = data.draw(st.sampled_from(["}", "]", ",", '"', "'", ":", "//", "{", "[", "\\"]))
    _only_pesql_errors(text[:at] + noise + text[at:])
