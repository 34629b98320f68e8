"""Plan-size measures (compiler/check/size.py) against a direct definition: one walk per step
counts the nodes and measures the depth, and must agree with reading every field."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.compiler.check.size import SizeLimits, check_size, count_nodes, expr_depth
from pesql.grammar.ast import Expr, Node, Plan
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.parse import parse
from pesql.runtime.testing.strategies.typed import schemas_and_tables, well_typed_plans


def _values(node: Node) -> list[object]:
    """Every value of every field, tuples flattened: no knowledge of which fields hold nodes."""
    out: list[object] = []
    for f in dataclasses.fields(node):  # type: ignore[arg-type]
        value = getattr(node, f.name)
        out.extend(value if isinstance(value, tuple) else [value])
    return out


def depth(node: object) -> int:
    if not isinstance(node, Node):
        return 0
    below = max((depth(v) for v in _values(node)), default=0)
    return below + isinstance(node, Expr)


def nodes(node: object) -> int:
    if not isinstance(node, Node):
        return 0
    return 1 + sum(nodes(v) for v in _values(node))


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    schema, _ = draw(schemas_and_tables(max_rows=1))
    return draw(well_typed_plans(schema, max_steps=5))


@given(plans())
def test_one_walk_agrees_with_every_field(plan: Plan) -> None:
    total = sum(nodes(step) for step in plan.steps)
    assert count_nodes(plan, 10**9) == total
    assert count_nodes(plan, 2) == min(total, 3)  # stops past its bound
    deepest = 0
    for step in plan.steps:
        assert expr_depth(step) == depth(step)
        deepest = max(deepest, depth(step))
    if plan.steps:
        with pytest.raises(PesqlError) as raised:
            check_size(plan, SizeLimits(max_depth=deepest - 1, max_nodes=total))
        assert set(raised.value.codes) == {"E302"}
        with pytest.raises(PesqlError) as raised:
            check_size(plan, SizeLimits(max_nodes=total - 1))
        assert raised.value.codes == ("E315",)
        assert f"at least {total}" in str(raised.value)
    check_size(plan, SizeLimits(max_depth=max(deepest, 1), max_nodes=max(total, 1)))


def test_the_measures_of_a_known_plan() -> None:
    plan = parse("FILTER ABS(a + 1) > 2\nSORT a\nDERIVE b = CASE WHEN a > 1 THEN 'x' END")
    assert [expr_depth(s) for s in plan.steps] == [4, 0, 3]
    assert count_nodes(plan, 100) == sum(nodes(s) for s in plan.steps)
