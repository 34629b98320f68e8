"""Repair's work is bounded: readings are computed once per value, and a hard budget refuses.

The fuzz harness found a ~100-character plan whose readings multiplied with its nesting
(`{"value": {"value": ...}}` where an expression stands: every operation with a `value`
field fits each level, and each fit read the level below again): 3 levels took 2 s, 4 levels
about a minute. Work is counted in readings built (`Shapes.work`), not timed.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.compiler.repair import shapes
from pesql.compiler.repair.repair import repair
from pesql.compiler.repair.shapes import Shapes


def _nested(depth: int) -> str:
    inner = "1"
    for _ in range(depth):
        inner = '{"value":%s}' % inner  # noqa: UP031
    return '{"steps":[{"op":"FILTER","where":%s}]}' % inner  # noqa: UP031


@given(st.integers(1, 30))
def test_work_grows_linearly_with_the_nesting(depth: int) -> None:
    reader = Shapes()
    reader.plans(json.loads(_nested(depth)))
    # ~6,000 readings per level (each fitting operation once, capped), never a product.
    assert reader.work <= 6_500 * depth


def test_the_input_the_fuzzer_found_is_answered_without_a_plan() -> None:
    result = repair(_nested(6))
    assert result.plan is None and result.diagnostics


def test_past_the_budget_repair_refuses_with_e404(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shapes, "MAX_WORK", 50)
    result = repair(_nested(3))
    assert result.plan is None and [d.code for d in result.diagnostics] == ["E404"]
    assert "at most 50 readings" in result.diagnostics[0].message


def test_past_the_time_budget_repair_refuses_with_e404(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shapes, "MAX_SECONDS", -1.0)  # the deadline has passed at the start
    result = repair('{"steps": [{"op": "limit", "count": 5}]}')
    assert result.plan is None and [d.code for d in result.diagnostics] == ["E404"]
