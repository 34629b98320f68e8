"""The AST's one traversal API: `children`, `walk`, `transform`, `replace_children`."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from hypothesis import given
from pesql.grammar import ast as A
from pesql.grammar.ops import aggregate as agg
from pesql.grammar.ops import logic, rows
from pesql.grammar.ops import operators as op
from pesql.grammar.parse import parse
from pesql.grammar.record import record
from pesql.runtime.testing.strategies.syntax import plans

PLAN = parse(
    "FROM t FILTER a > 1 AND b IS NOT NULL "
    "DERIVE c = a + b, d = CASE WHEN a > 2 THEN 'x' ELSE 'y' END "
    "SORT c DESC SELECT a, c AS e"
)


def reference_walk(node: A.Node) -> Iterator[A.Node]:
    """Brute force: every field of every node, by dataclasses.fields, pre-order."""
    yield node
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, A.Node):
                yield from reference_walk(item)


def kinds(nodes: Iterator[A.Node]) -> list[str]:
    return [type(n).__name__ for n in nodes]


def test_walk_is_pre_order_in_field_order() -> None:
    step = parse("DERIVE x = a * (b + 1)").steps[0]
    assert kinds(step.walk()) == ["Derive", "Assign", "Mul", "Col", "Add", "Col", "Lit"]
    assert [n.name for n in step.walk() if isinstance(n, A.Col)] == ["a", "b"]


def test_walk_of_a_plan_visits_steps_records_and_expressions() -> None:
    assert kinds(PLAN.walk()) == [
        "Plan",
        "Filter", "And", "Gt", "Col", "Lit", "IsNotNull", "Col",
        "Derive", "Assign", "Add", "Col", "Col",
        "Assign", "Case", "When", "Gt", "Col", "Lit", "Lit", "Lit",
        "Sort", "SortKey",
        "Select", "SelectItem", "SelectItem",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (A.Assign(name="x", expr=A.Col(name="a")), (A.Col(name="a"),)),
        (A.SortKey(column="a", descending=True), ()),
        (A.SelectItem(column="a", as_="b"), ()),
        (A.When(when=A.Col(name="p"), then=A.Lit(value=1)), (A.Col(name="p"), A.Lit(value=1))),
        (A.Col(name="a"), ()),
        (A.Lit(value=3), ()),
    ],
    ids=["Assign", "SortKey", "SelectItem", "When", "Col", "Lit"],
)
def test_children_of_records_and_leaves(node: A.Node, expected: tuple[A.Node, ...]) -> None:
    assert node.children() == expected


def test_children_flatten_tuple_fields_in_field_order_and_skip_none() -> None:
    a, b, c = A.Col(name="a"), A.Col(name="b"), A.Col(name="c")
    assert logic.Coalesce(args=(a, b, c)).children() == (a, b, c)
    assert op.In(value=a, options=(b, c)).children() == (a, b, c)
    assert agg.Sum(value=a).children() == (a,)  # `where` is None
    assert agg.Sum(value=a, where=b).children() == (a, b)
    when = A.When(when=a, then=b)
    assert logic.Case(whens=(when,), else_=c).children() == (when, c)
    window = rows.Window(
        columns=(A.Assign(name="r", expr=a),),
        partition_by=("p",),
        order_by=(A.SortKey(column="o"),),
    )
    assert window.children() == (A.Assign(name="r", expr=a), A.SortKey(column="o"))
    assert PLAN.children() == PLAN.steps
    assert rows.Limit(count=3).children() == ()


def test_transform_with_identity_returns_the_same_object() -> None:
    assert PLAN.transform(lambda n: n) is PLAN
    assert PLAN.steps[1].transform(lambda n: n) is PLAN.steps[1]


def test_transform_renames_a_column_everywhere_and_keeps_untouched_parts() -> None:
    def rename(n: A.Node) -> A.Node:
        return dataclasses.replace(n, name="z") if n == A.Col(name="a") else n

    renamed = PLAN.transform(rename)
    assert isinstance(renamed, A.Plan)
    assert renamed == parse(
        "FROM t FILTER z > 1 AND b IS NOT NULL "
        "DERIVE c = z + b, d = CASE WHEN z > 2 THEN 'x' ELSE 'y' END "
        "SORT c DESC SELECT a, c AS e"  # SELECT's `a` is a column name, not a `Col`
    )
    assert A.columns_of(renamed) == {"z", "b"}
    assert renamed.steps[2] is PLAN.steps[2]  # SORT has no `Col`: not rebuilt
    assert renamed.steps[0].origin == PLAN.steps[0].origin  # rebuilt nodes keep their origin


def test_transform_is_bottom_up() -> None:
    seen: list[str] = []

    def record(n: A.Node) -> A.Node:
        seen.append(type(n).__name__)
        return n

    parse("DERIVE x = a * (b + 1)").steps[0].transform(record)
    assert seen == ["Col", "Col", "Lit", "Add", "Mul", "Assign", "Derive"]


def test_transform_fn_sees_rebuilt_children() -> None:
    # Constant folding as a transform: the parent sees its already folded operands.
    def fold(n: A.Node) -> A.Node:
        match n:
            case op.Add(left=A.Lit(value=int() as x), right=A.Lit(value=int() as y)):
                return A.Lit(value=x + y)
        return n

    expr = parse("DERIVE x = 1 + 2 + 3").steps[0]
    assert expr.transform(fold) == parse("DERIVE x = 6").steps[0]


def test_replace_children_is_one_level_and_names_the_field() -> None:
    node = logic.If(condition=A.Col(name="p"), then=A.Col(name="a"), else_=A.Lit(value=0))
    fields: list[str] = []

    def mark(field: str, child: A.Node) -> A.Node:
        fields.append(field)
        return A.Col(name=field) if isinstance(child, A.Col) else child

    assert node.replace_children(mark) == logic.If(
        condition=A.Col(name="condition"), then=A.Col(name="then"), else_=A.Lit(value=0)
    )
    assert fields == ["condition", "then", "else_"]
    assert node.replace_children(lambda _, c: c) is node


def test_a_node_field_of_an_unsupported_shape_is_refused() -> None:
    @record
    class Odd(A.Expr):
        items: list[A.Expr]

    with pytest.raises(TypeError, match=r"Odd\.items"):
        Odd(items=[]).children()


@given(plans())
def test_transform_identity_and_walk_match_a_brute_force_walk(plan: A.Plan) -> None:
    assert plan.transform(lambda n: n) is plan
    assert [id(n) for n in plan.walk()] == [id(n) for n in reference_walk(plan)]
    # Forcing a rebuild of every node still gives an equal tree.
    assert plan.transform(lambda n: dataclasses.replace(n)) == plan
