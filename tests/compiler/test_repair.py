"""Plan-aware repair: one row per repair class, ambiguity refusals, trust, schema, robustness."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.compiler.check.schema import Schema
from pesql.compiler.repair.repair import repair, repair_or_raise
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.printer import to_text
from pesql.grammar.registry import Naming


def plan(*steps: str) -> str:
    return '{"table": null, "steps": [' + ", ".join(steps) + "]}"


GT = '{"op": "GT", "left": "price", "right": 10}'
FILTER = '{"op": "FILTER", "where": ' + GT + "}"
LIMIT = '{"op": "LIMIT", "count": 5, "offset": null, "with_ties": null}'
DERIVE_EARLY = (
    '{"op": "DERIVE", "columns": [{"name": "gap", "expr": {"op": "SUB_ABS", "left": "price"}, '
    '"right": "cost"}}]}'
)
# The same early close where the scanner sees it: in an array (generic `early_close`).
SORT_EARLY = '{"op": "SORT", "keys": [{"column": "a"}, "descending": true}]}'

# input -> (expected plan text, fix kinds that must be logged)
CASES: list[tuple[str, str, set[str]]] = [
    (plan(FILTER), "FILTER price > 10", set()),
    (plan(FILTER.replace('"GT"', '"gt"')), "FILTER price > 10", {"op_case"}),
    (plan(FILTER.replace('"FILTER"', '"WHERE"')), "FILTER price > 10", {"op_alias"}),
    (plan('{"where": ' + GT + "}"), "FILTER price > 10", {"infer_op"}),
    (plan(DERIVE_EARLY), "DERIVE gap = SUB_ABS(price, cost)", {"move_property"}),
    (plan(SORT_EARLY), "SORT a DESC", {"early_close"}),
    (plan('{"op": "FILTER"}, {"where": ' + GT + "}"), "FILTER price > 10", {"split_step"}),
    ("[" + FILTER + "]", "FILTER price > 10", {"wrap_steps"}),
    (FILTER, "FILTER price > 10", {"wrap_steps"}),
    ("[" + plan(FILTER) + "]", "FILTER price > 10", {"unwrap"}),
    ('{"arguments": ' + plan(FILTER) + "}", "FILTER price > 10", {"unwrap"}),
    (plan(FILTER)[:-1] + ",}", "FILTER price > 10", {"trailing_comma"}),
    (plan(LIMIT).replace('"count": 5,', '"count": 5'), "LIMIT 5", {"missing_comma"}),
    (plan(LIMIT).replace('"', "'"), "LIMIT 5", {"single_quotes"}),
    (plan(LIMIT).replace('"op"', "op"), "LIMIT 5", {"unquoted_key"}),
    (plan(LIMIT).replace("null", "None"), "LIMIT 5", {"python_literal"}),
    (plan(LIMIT).replace('"count"', '/* n */ "count"'), "LIMIT 5", {"strip_comment"}),
    ("Here you go:\n```json\n" + plan(LIMIT) + "\n```\nDone.", "LIMIT 5", {"strip_code_fence"}),
    (json.dumps(plan(LIMIT)), "LIMIT 5", {"double_encoded"}),
    (plan(LIMIT.replace('"count": 5', '"count": 5, "count": 5')), "LIMIT 5", {"duplicate_key"}),
    (
        plan(FILTER.replace("10}", '{"value": "x", "type": "text"}}')),
        "FILTER price > 'x'",
        {"literal_shape"},
    ),
    (
        plan(FILTER.replace("10}", '{"value": "x"}, "type": "string"}}')),
        "FILTER price > 'x'",
        {"move_property"},
    ),
]


@pytest.mark.parametrize(("text", "expected", "kinds"), CASES)
def test_repair_table(text: str, expected: str, kinds: set[str]) -> None:
    result = repair(text)
    assert result.plan is not None, result.diagnostics
    assert to_text(result.plan) == expected
    assert kinds <= set(result.fix_kinds)
    assert result.trusted, result.diagnostics
    assert repair_or_raise(text).plan == result.plan


def test_bad_literal_after_move_is_refused() -> None:
    text = plan(FILTER.replace("10}", '{"value": "x"},"type": "date"}'))
    result = repair(text)
    assert result.plan is None
    assert result.diagnostics[0].code == "E401"


@pytest.mark.parametrize(
    ("text", "readings"),
    [
        # a missing op that several operations fit
        (plan('{"columns": ["a"]}'), ("DROP a", "DISTINCT a")),
        # a duplicated key with two values
        (plan(LIMIT.replace('"count": 5', '"count": 5, "count": 6')), ("LIMIT 6", "LIMIT 5")),
        # a split object whose second half is also a step of its own
        (
            plan(
                '{"op": "GROUP_BY", "keys": ["r"]}',
                '{"aggregates": [{"name": "n", "expr": '
                '{"op": "COUNT", "value": null, "where": null}}]}',
            ),
            ("GROUP_BY r COMPUTE n = COUNT(*)", "GROUP_BY r; AGGREGATE n = COUNT(*)"),
        ),
        # a text literal without its type next to the one-argument operations
        (plan(FILTER.replace("10}", '{"value": "x"}}')), ("FILTER price > 'x'",)),
    ],
)
def test_ambiguous_repairs_are_refused_with_every_reading(
    text: str, readings: tuple[str, ...]
) -> None:
    result = repair(text)
    assert result.plan is None and not result.trusted
    (diagnostic,) = result.diagnostics
    assert diagnostic.code == "E402"
    for reading in readings:
        assert any(reading in hint for hint in diagnostic.hints), diagnostic.hints
    with pytest.raises(PesqlError) as error:
        repair_or_raise(text)
    assert error.value.codes == ("E402",)


@pytest.mark.parametrize(
    ("text", "trusted"),
    [
        # only the root's `}` is missing and the root has `table` and `steps`: nothing is lost
        (plan(LIMIT)[:-1], True),
        # the steps array is open: more steps may have followed
        (plan(LIMIT)[:-2], False),
        # LIMIT is open without `offset`/`with_ties`: a property may have been cut
        ('{"table": null, "steps": [{"op": "LIMIT", "count": 5', False),
        # all of LIMIT's properties are there, but `5` may have been `50`
        ('{"steps": [], "table": null, "x": 5', False),
        # a string cut off
        ('{"table": "sal', False),
        # an ellipsis where steps were elided
        (plan(FILTER + ", ..."), False),
        # JSON-like text dropped after the value
        (plan(LIMIT) + ' {"op": "SORT"}', False),
    ],
)
def test_truncation_and_dropped_content_decide_trust(text: str, trusted: bool) -> None:
    result = repair(text)
    if result.plan is None:
        assert not trusted, result.diagnostics
        return
    assert result.trusted is trusted, result.diagnostics
    if not trusted:
        assert {d.code for d in result.diagnostics} == {"E403"}
        with pytest.raises(PesqlError) as error:
            repair_or_raise(text)
        assert "E403" in error.value.codes


def test_nan_is_refused() -> None:
    result = repair(plan(FILTER.replace("10}", "NaN}")))
    assert result.plan is None
    assert any("finite" in d.message for d in result.diagnostics)


SCHEMA = Schema.of({"price": "float", "cost": "float", "region": "string"})


def test_schema_picks_the_only_reading_that_checks() -> None:
    # DROP and DISTINCT both fit and both check: the schema cannot decide, still ambiguous.
    text = plan('{"columns": ["price"]}')
    assert repair(text, schema=SCHEMA).diagnostics[0].code == "E402"
    # A duplicated key whose other value names an unknown column: only one reading checks.
    dup = plan(FILTER.replace('"left": "price"', '"left": "prise", "left": "price"'))
    assert repair(dup).diagnostics[0].code == "E402"
    result = repair(dup, schema=SCHEMA)
    assert result.plan is not None and to_text(result.plan) == "FILTER price > 10"


def test_schema_errors_are_reported() -> None:
    result = repair(plan(FILTER.replace("price", "prise")), schema=SCHEMA)
    assert result.plan is None
    assert [d.code for d in result.diagnostics][:2] == ["E401", "E201"]


def test_profile_names_and_aliases() -> None:
    naming = Naming(renames={"SUB_ABS": "ABS_DIFFERENCE"})
    text = plan(
        '{"op": "DERIVE", "columns": [{"name": "g", "expr": {"op": "sub_abs", "left": "a", '
        '"right": "b"}}]}'
    )
    result = repair(text, naming=naming)
    assert result.plan is not None and to_text(result.plan) == "DERIVE g = SUB_ABS(a, b)"
    assert result.value is not None and "ABS_DIFFERENCE" in json.dumps(result.value)
    assert "op_alias" in result.fix_kinds


def test_unrepairable_says_what_was_tried() -> None:
    result = repair(plan('{"op": "FILTER", "where": {"op": "NOPE"}}'))
    assert result.plan is None
    assert [d.code for d in result.diagnostics] == ["E401", "E151"]


@pytest.mark.parametrize("text", ["", "no json here", "[" * 100, "x" * 200_001])
def test_limits_and_garbage_give_diagnostics(text: str) -> None:
    result = repair(text)
    assert result.plan is None and result.diagnostics
    assert result.diagnostics[0].code in ("E401", "E306")


@given(st.text(max_size=200))
def test_arbitrary_text_never_raises_from_repair(text: str) -> None:
    result = repair(text)
    assert result.plan is not None or result.diagnostics


@given(st.text(alphabet="{}[]\":,. ablopstenru0123456789'\\", max_size=120))
def test_repair_or_raise_raises_only_pesql_errors(text: str) -> None:
    try:
        result = repair_or_raise(text)
    except PesqlError as exc:
        assert exc.diagnostics
    else:
        assert result.trusted and result.plan is not None


@pytest.mark.corpora
def test_json_repair_corpus_never_crashes_repair(corpora: Path) -> None:
    """Generic JSON is not a plan: every input must end as a result, with a diagnostic when
    no plan comes out. The corpus's plan-shaped cases (`op` objects) must give readings."""
    folder = corpora / "json_repair"
    outcomes = {"plan": 0, "refused": 0}
    for name in ("json_repair_cases.jsonl", "partial_json_parser_cases.jsonl"):
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            if not line:
                continue
            result = repair(json.loads(line)["input"])
            assert result.plan is not None or result.diagnostics
            outcomes["plan" if result.plan is not None else "refused"] += 1
    assert outcomes["refused"] > outcomes["plan"]  # generic JSON rarely is a plan
