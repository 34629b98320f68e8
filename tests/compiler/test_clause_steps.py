"""Several steps in one compact step object (compiler/repair/clause_steps.py): read as the
steps they are when their keys come in SQL's order, refused with a hint otherwise, and never
read as a plan other than the one the steps mean."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.compiler.repair.clause_steps import SQL_ORDER, in_sql_order, split_steps
from pesql.compiler.repair.repair import repair
from pesql.grammar import ast as A
from pesql.grammar.clauses import CLAUSES
from pesql.grammar.forms import to_form
from pesql.grammar.printer import to_text
from pesql.grammar.registry import spec_of
from pesql.runtime.testing.strategies.syntax import plans

# SQL's logical order of evaluation, restated here (not imported) as the oracle: FROM/JOIN,
# WHERE, GROUP BY, HAVING, window functions, SELECT, DISTINCT, ORDER BY, LIMIT.
_SQL = [
    {"JOIN", "LOOKUP"},
    {"FILTER", "DERIVE"},
    {"GROUP_BY", "AGGREGATE"},
    {"FILTER+", "DERIVE+"},  # after grouping: HAVING
    {"WINDOW"},
    {"SELECT", "DROP"},
    {"DISTINCT"},
    {"SORT"},
    {"LIMIT"},
]


def _sql_position(names: list[str]) -> list[int]:
    """Each step's clause in SQL's order; a second grouping gets -1 (SQL groups once)."""
    out, grouped = [], False
    for name in names:
        key = name + "+" if grouped and name in ("FILTER", "DERIVE") else name
        again = grouped and name in ("GROUP_BY", "AGGREGATE")
        out.append(-1 if again else next(i for i, group in enumerate(_SQL) if key in group))
        grouped = grouped or name in ("GROUP_BY", "AGGREGATE")
    return out


def _text(value: object) -> str | None:
    result = repair(json.dumps(value), form="compact")
    return None if result.plan is None else to_text(result.plan)


def test_the_model_s_reply_is_read_as_its_steps() -> None:
    # Qwen2.5-Coder-1.5B's first reply to "What is the longest bill among Chinstrap
    # penguins?" in the compact form (docs/evaluation.md), fence and all.
    reply = (
        '```json\n{\n  "table": "penguins",\n  "steps": [\n    {\n      "FILTER": "species = '
        '\'Chinstrap\'",\n      "GROUP_BY": "bill_length_mm",\n      "COMPUTE": "max_bill ='
        ' MAX(bill_length_mm)"\n    },\n    {\n      "SELECT": "max_bill"\n    }\n  ]\n}\n```'
    )
    result = repair(reply, form="compact")
    assert result.plan is not None and result.trusted
    assert to_text(result.plan).splitlines() == [
        "FROM penguins",
        "FILTER species = 'Chinstrap'",
        "GROUP_BY bill_length_mm COMPUTE max_bill = MAX(bill_length_mm)",
        "SELECT max_bill",
    ]
    assert result.fix_kinds == ("strip_code_fence", "steps_in_one_object")
    split = next(f for f in result.fixes if f.kind == "steps_in_one_object")
    assert split.pointer == "/steps/0" and json.loads(split.after)[1]["COMPUTE"]


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ({"SORT": "x DESC", "LIMIT": 1}, "SORT x DESC\nLIMIT 1"),
        (
            {"GROUP_BY": "a", "COMPUTE": "n = COUNT(*)", "ORDER_BY": "n DESC", "LIMIT": 3},
            "GROUP_BY a COMPUTE n = COUNT(*)\nSORT n DESC\nLIMIT 3",
        ),
        # ORDER_BY after WINDOW is the window's own clause, not a SORT.
        (
            {"WINDOW": "r = ROW_NUMBER()", "ORDER_BY": "x DESC", "LIMIT": 3},
            "WINDOW r = ROW_NUMBER() ORDER BY x DESC\nLIMIT 3",
        ),
        (
            {"WHERE": "x > 1", "AGGREGATE": "n = COUNT(*)"},
            "FILTER x > 1\nAGGREGATE n = COUNT(*)",
        ),
        # A FILTER after the grouping is SQL's HAVING: after it, in either reading.
        (
            {"GROUP_BY": "a", "COMPUTE": "n = COUNT(*)", "FILTER": "n > 2", "SELECT": "a"},
            "GROUP_BY a COMPUTE n = COUNT(*)\nFILTER n > 2\nSELECT a",
        ),
        ({"DISTINCT": "a", "LIMIT": 5, "OFFSET": 2}, "DISTINCT a\nLIMIT 5 OFFSET 2"),
        # COMPUTE with no GROUP_BY: SQL's SELECT COUNT(*) ... WHERE (the 1.5B model's shape).
        ({"FILTER": "x > 1", "COMPUTE": "n = COUNT(*)"}, "FILTER x > 1\nAGGREGATE n = COUNT(*)"),
    ],
)
def test_keys_in_sql_order_are_split(step: dict[str, object], expected: str) -> None:
    assert _text({"steps": [step]}) == expected


@pytest.mark.parametrize(
    ("step", "other"),
    [
        ({"LIMIT": 1, "SORT": "x DESC"}, "SORT"),  # the first row, or the largest?
        ({"SELECT": "a", "FILTER": "x > 1"}, "FILTER"),  # SQL writes SELECT first
        ({"SORT": "x", "GROUP_BY": "a", "COMPUTE": "n = COUNT(*)"}, "GROUP_BY"),
        ({"SELECT": "a", "DERIVE": "b = a + 1"}, "DERIVE"),
        ({"AGGREGATE": "n = COUNT(*)", "GROUP_BY": "n"}, "GROUP_BY"),  # SQL groups once
    ],
)
def test_other_orders_are_refused_with_a_hint(step: dict[str, object], other: str) -> None:
    result = repair(json.dumps({"steps": [step]}), form="compact")
    assert result.plan is None and not result.fix_kinds
    e153 = next(d for d in result.diagnostics if d.code == "E153")
    assert e153.origin == A.Pointer(f"/steps/0/{other}")
    assert e153.hints[0].startswith(f"`{other}` is a step of its own")


def test_a_key_no_step_takes_is_not_split() -> None:
    value = {"steps": [{"FILTER": "x > 1", "PARTITION_BY": "a"}]}
    assert split_steps(value) == (value, ())
    result = repair(json.dumps(value), form="compact")
    assert result.plan is None
    assert next(d for d in result.diagnostics if d.code == "E153").hints == (
        "a FILTER step object has the one key FILTER",
    )


def test_every_step_has_a_place_in_sql_order() -> None:
    assert set(SQL_ORDER) == set(CLAUSES)
    for name in CLAUSES:
        assert _sql_position([name]) == [_sql_position([name])[0]]  # the oracle knows it too


@given(plan=plans(max_steps=6), data=st.data())
def test_merged_steps_mean_the_steps_or_nothing(plan: A.Plan, data: st.DataObject) -> None:
    """Consecutive steps of a compact plan written into one object: read back as the same
    plan exactly when their keywords come in SQL's order; never as another plan."""
    document = to_form(plan, "compact")
    steps = document["steps"]
    if len(steps) < 2:
        return
    start = data.draw(st.integers(0, len(steps) - 2))
    end = data.draw(st.integers(start + 2, len(steps)))
    merged: dict[str, object] = {}
    for step in steps[start:end]:
        if set(step) & set(merged):
            return  # a key twice: not one JSON object
        merged.update(step)
    document = {**document, "steps": [*steps[:start], merged, *steps[end:]]}
    names = [spec_of(s).name for s in plan.steps[start:end]]
    positions = _sql_position(names)
    in_order = positions == sorted(positions)
    assert in_sql_order(names) == in_order
    result = repair(json.dumps(document), form="compact")
    if in_order:
        assert result.plan == plan, result.diagnostics
        assert "steps_in_one_object" in result.fix_kinds
    else:
        assert result.plan is None or result.plan == plan
