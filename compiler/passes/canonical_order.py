"""Operands of commutative operations in one order, comparisons pointing one way.

Before / after:

    FILTER price > 10 AND region = 'West'
    DERIVE m = GREATEST(q2, q1), t = tax + price
    ---
    FILTER 'West' = region AND 10 < price
    DERIVE m = GREATEST(q1, q2), t = price + tax

`b > a` becomes `a < b` and `b >= a` becomes `a <= b`; the operands of the operations declared
`commutes` (ADD, MUL, EQ, NE, SUB_ABS, AND, OR, GREATEST, LEAST) and the options of IN are
sorted by their canonical text (IN options also lose repeats). So `region = 'West' AND
price > 10` and `10 < price AND 'West' = region` have one canonical form.

Used only by `canonicalize` (evaluation asks whether two plans mean the same), not by
`optimize`: the order of operands does not change what polars computes or how fast.

Deliberately not done: reordering non-commutative operands (SUB, DIV, COALESCE, CONCAT, IF),
re-associating `(a + b) + c` into `a + (b + c)` (float sums are not associative), reordering
DERIVE items, GROUP_BY keys or SELECT items (they fix the column order of the result).
"""

from __future__ import annotations

import dataclasses

from pesql.compiler.check.schema import Schema
from pesql.compiler.passes.analysis import PassContext, map_exprs
from pesql.grammar import ast as A
from pesql.grammar.ops import operators as op
from pesql.grammar.printer import expr_text
from pesql.grammar.registry import all_ops

__all__ = ["canonical_order", "order_operands"]

# Declared `commutes`: two operands `left` and `right` (ADD, EQ, SUB_ABS, ...), or `args`.
_SYMMETRIC = tuple(s.cls for s in all_ops() if s.traits.commutes and not s.traits.variadic)
_VARIADIC = tuple(s.cls for s in all_ops() if s.traits.commutes and s.traits.variadic)


def canonical_order(plan: A.Plan, ctx: PassContext) -> A.Plan:
    """Every expression of the plan with its operands in canonical order."""
    steps = tuple(map_exprs(step, None, _operands) for step in plan.steps)
    return plan if steps == plan.steps else dataclasses.replace(plan, steps=steps)


def _operands(expr: A.Expr, schema: Schema | None, predicate: bool) -> A.Expr:
    return order_operands(expr)


def order_operands(expr: A.Expr) -> A.Expr:
    """`expr` with children ordered first, then its own operands."""
    ordered = expr.transform(lambda n: _order(n) if isinstance(n, A.Call) else n)
    assert isinstance(ordered, A.Expr)
    return ordered


def _order(node: A.Call) -> A.Expr:
    match node:
        case op.Gt(left=left, right=right):
            return op.Lt(left=right, right=left, origin=node.origin)
        case op.Ge(left=left, right=right):
            return op.Le(left=right, right=left, origin=node.origin)
        case A.Call() if isinstance(node, _SYMMETRIC):
            left, right = node.left, node.right  # type: ignore[attr-defined]
            a, b = sorted((left, right), key=expr_text)
            # A derived table of classes: mypy cannot see their fields.
            return node if a is left else dataclasses.replace(node, left=a, right=b)  # type: ignore[call-arg]
        case op.In(options=options):
            ordered = tuple(sorted(dict.fromkeys(options), key=expr_text))
            return node if ordered == options else dataclasses.replace(node, options=ordered)
        case _ if isinstance(node, _VARIADIC):
            args: tuple[A.Expr, ...] = node.args  # type: ignore[attr-defined]
            ordered = tuple(sorted(args, key=expr_text))
            return node if ordered == args else dataclasses.replace(node, args=ordered)  # type: ignore[call-arg]
    return node
