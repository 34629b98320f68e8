"""Constant folding and boolean simplification, valid in SQL's three-valued logic.

Before / after:

    FILTER price > 2 * 50 AND TRUE AND (region = 'West' OR FALSE)
    DERIVE vat = IF(TRUE, price * 1, 0)
    ---
    FILTER price > 100 AND region = 'West'
    DERIVE vat = price

Rules (x, y any expressions; every rule holds when x is NULL):
  arithmetic and comparisons of literals; `x AND TRUE -> x`; `x AND FALSE -> FALSE`;
  `x OR FALSE -> x`; `x OR TRUE -> TRUE`; `x AND x -> x`; nested AND/OR flattened;
  `NOT NOT x -> x`; `NOT a < b -> a >= b` (and the other comparisons, IS NULL);
  `x - 0`, `x * 1 -> x`; IF / CASE with literal conditions pick their branch;
  COALESCE drops NULL arguments and everything after a non-null literal; `x IN (y) -> x = y`.
In a predicate position (FILTER, `where =>`, IF/WHEN conditions, COUNT_IF), where NULL means
"no", a NULL literal is FALSE, so `x AND NULL -> FALSE` and `x OR NULL -> x` there.

Deliberately not done, because they are wrong for NULL: `x OR NOT x -> TRUE`,
`x AND NOT x -> FALSE`, `x = x -> TRUE`, `x * 0 -> 0`, `x - x -> 0`; nor `x + 0 -> x` (for
floats -0.0 + 0 is 0.0). Also not done: rewrites that change a result's type (`x * 1.0`
with integer x, `NULL + 1` -> NULL, IF with branches of different types), checked with the
type checker, so without a schema only literal-only folds happen; dropping an operand that
may fail at run time (strict CAST, regex), which would hide its error; text and date
functions of literals (their semantics live in polars).
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable
from typing import Any

from pesql.compiler.check.schema import Schema
from pesql.compiler.passes.analysis import (
    BOOLEAN_OPS,
    PassContext,
    dtype_of,
    is_predicate_field,
    map_exprs,
    may_fail,
)
from pesql.grammar import ast as A
from pesql.grammar.ops import logic
from pesql.grammar.ops import operators as op
from pesql.grammar.registry import all_ops, lookup

__all__ = ["fold_constants", "simplify"]

TRUE, FALSE, NULL = A.Lit(value=True), A.Lit(value=False), A.Lit(value=None)
INT64 = range(-(2**63), 2**63)
_COMPARE: dict[type[A.Expr], Callable[[Any, Any], bool]] = {
    op.Eq: operator.eq, op.Ne: operator.ne, op.Lt: operator.lt,
    op.Le: operator.le, op.Gt: operator.gt, op.Ge: operator.ge,
}  # fmt: skip


def _negations() -> dict[type[A.Expr], type[op.Binary]]:
    """Each binary comparison and the comparison that is its NOT (declared `negation`)."""
    found: dict[type[A.Expr], type[op.Binary]] = {}
    for spec in all_ops("scalar"):
        negated = lookup(spec.traits.negation) if spec.traits.negation else None
        if negated and issubclass(spec.cls, op.Binary) and issubclass(negated.cls, op.Binary):
            found[spec.cls] = negated.cls
    return found


_FLIP = _negations()


def fold_constants(plan: A.Plan, ctx: PassContext) -> A.Plan:
    """Every expression of the plan simplified."""
    schemas = ctx.schemas(plan)
    steps = tuple(
        map_exprs(step, None, simplify)
        if schemas is None
        else map_exprs(step, schemas[i], simplify, output=schemas[i + 1])
        for i, step in enumerate(plan.steps)
    )
    return plan if steps == plan.steps else dataclasses.replace(plan, steps=steps)


def simplify(expr: A.Expr, schema: Schema | None, predicate: bool = False) -> A.Expr:
    """`expr` with its children simplified, then the local rules applied while they change it.

    In a predicate position a NULL result is written FALSE (same rows, and a typed literal).
    """
    result = _simplify(expr, schema, predicate)
    return FALSE if predicate and result == NULL else result


def _simplify(expr: A.Expr, schema: Schema | None, predicate: bool) -> A.Expr:
    current = _children(expr, schema, predicate)
    new = _rule(current, predicate)
    if new is current or new == current or not _keeps_type(current, new, schema, predicate):
        return current
    return _simplify(new, schema, predicate)


def _children(expr: A.Expr, schema: Schema | None, predicate: bool) -> A.Expr:
    if not isinstance(expr, A.Call):
        return expr  # a column or a literal
    # AND/OR operands share the position of the junction; elsewhere the field says (WHEN's
    # `when` is a predicate, its `then` is not).
    inherit = isinstance(expr, op.And | op.Or)

    def child(field: str, node: A.Node) -> A.Node:
        kind = node.__class__
        if kind is A.Col or (kind is A.Lit and node.value is not None):  # type: ignore[attr-defined]
            return node  # no rule rewrites a column or a non-null literal (most leaves)
        pred = predicate if inherit else is_predicate_field(field)
        if isinstance(node, A.Expr):
            return simplify(node, schema, pred)
        return node.replace_children(child)  # a record: WHEN inside CASE

    return expr.replace_children(child)


def _keeps_type(old: A.Expr, new: A.Expr, schema: Schema | None, predicate: bool) -> bool:
    if predicate:  # a boolean position: boolean and NULL both work, the type is not observed
        return True
    if isinstance(old, BOOLEAN_OPS) and (
        isinstance(new, BOOLEAN_OPS) or (isinstance(new, A.Lit) and new.kind == "boolean")
    ):
        return True
    scope = schema if schema is not None else Schema()
    before = dtype_of(old, scope)
    return before is not None and before == dtype_of(new, scope)


# The node types some case of `_rule` can match (subclasses included, as `match` does).
# Most nodes of a plan are columns, literals, aggregates and arithmetic of columns: they go
# back before the match statement, whose class patterns cost ~1 µs a node.
_RULED = (op.And, op.Or, op.Not, op.IsNull, op.IsNotNull, op.In, op.Neg, op.Binary, logic.If,
          logic.Case, logic.Coalesce)  # fmt: skip
_RULED_TYPES: dict[type, bool] = {}


def _rule(e: A.Expr, predicate: bool) -> A.Expr:
    kind = type(e)
    ruled = _RULED_TYPES.get(kind)
    if ruled is None:
        ruled = _RULED_TYPES[kind] = issubclass(kind, _RULED)
    if not ruled:
        return e
    if isinstance(e, op.Binary) and not (isinstance(e.left, A.Lit) or isinstance(e.right, A.Lit)):
        return e  # every rule of a binary operator needs a literal operand
    match e:
        case op.And(args=args):
            return _junction(e, args, op.And, absorbing=False, predicate=predicate)
        case op.Or(args=args):
            return _junction(e, args, op.Or, absorbing=True, predicate=predicate)
        case op.Not(value=A.Lit(value=bool() as v)):
            return A.Lit(value=not v)
        case op.Not(value=op.Not(value=inner)):
            return inner
        case op.Not(value=op.Binary(left=left, right=right) as cmp) if type(cmp) in _FLIP:
            return _FLIP[type(cmp)](left=left, right=right, origin=e.origin)
        case op.Not(value=op.IsNull(value=v)):
            return op.IsNotNull(value=v, origin=e.origin)
        case op.Not(value=op.IsNotNull(value=v)):
            return op.IsNull(value=v, origin=e.origin)
        case op.IsNull(value=A.Lit(value=v)):
            return A.Lit(value=v is None)
        case op.IsNotNull(value=A.Lit(value=v)):
            return A.Lit(value=v is not None)
        case op.In(value=value, options=(only,)):
            return op.Eq(left=value, right=only, origin=e.origin)
        case op.Binary(left=A.Lit() as a, right=A.Lit() as b):
            return _literal_binary(e, a, b, predicate)
        case op.Sub(left=x, right=A.Lit() as zero) if _is_int(zero, 0) and _not_lit(x):
            return x  # `x + 0` is not the identity on floats: -0.0 + 0 is 0.0
        case op.Mul(left=x, right=A.Lit() as one) if _is_int(one, 1) and _not_lit(x):
            return x
        case op.Mul(left=A.Lit() as one, right=x) if _is_int(one, 1) and _not_lit(x):
            return x
        case op.Neg(value=A.Lit(value=int() | float() as v)) if not isinstance(v, bool):
            return _number(-v, e)
        case logic.If(condition=A.Lit(value=True), then=then, else_=other) if not may_fail(other):
            return then
        case logic.If(condition=A.Lit(value=False | None), then=then, else_=other) if not may_fail(
            then
        ):
            return other
        case logic.Case():
            return _case(e)
        case logic.Coalesce(args=args):
            return _coalesce(e, args)
    return e


def _is_int(lit: A.Lit, n: int) -> bool:
    return lit.kind == "integer" and lit.value == n


def _not_lit(e: A.Expr) -> bool:
    return not isinstance(e, A.Lit)


def _junction(
    e: A.Expr,
    args: tuple[A.Expr, ...],
    kind: type[op.And | op.Or],
    *,
    absorbing: bool,
    predicate: bool,
) -> A.Expr:
    """AND (absorbing=False: FALSE absorbs) or OR (absorbing=True: TRUE absorbs)."""
    flat: list[A.Expr] = []
    seen: set[A.Expr] = set()  # a set, not `in flat`: an OR of thousands of terms was quadratic
    neutral = A.Lit(value=not absorbing)
    for a in args:
        for item in a.args if isinstance(a, kind) else (a,):
            if predicate and item == NULL:
                item = FALSE
            if item == neutral or item in seen:
                continue  # the neutral element, or a repeat
            seen.add(item)
            flat.append(item)
    absorber = A.Lit(value=absorbing)
    if absorber in flat and not any(may_fail(a) for a in flat):
        return absorber
    if not flat:
        return A.Lit(value=not absorbing)
    if len(flat) == 1:
        return flat[0]
    return e if tuple(flat) == args else kind(args=tuple(flat), origin=e.origin)


def _comparable(a: A.Lit, b: A.Lit) -> bool:
    numbers = ("integer", "float")
    if a.kind in numbers and b.kind in numbers:
        # polars compares an integer with a float as floats: stay where that is exact.
        return a.kind == b.kind or all(abs(x.value) < 2**53 for x in (a, b))  # type: ignore[arg-type]
    return a.kind == b.kind and a.kind in ("string", "boolean", "date", "datetime")


def _literal_binary(e: A.Expr, a: A.Lit, b: A.Lit, predicate: bool) -> A.Expr:
    x, y = a.value, b.value
    if isinstance(e, tuple(_FLIP)):
        if x is None or y is None:
            return FALSE if predicate else NULL  # NULL stays only where its type is unseen
        if not _comparable(a, b):
            return e
        compare: Callable[[Any, Any], bool] = _COMPARE[type(e)]
        return A.Lit(value=compare(x, y))
    numbers = ("integer", "float")
    if a.kind not in numbers or b.kind not in numbers:
        return e
    assert isinstance(x, int | float) and isinstance(y, int | float)
    match e:
        case op.Add():
            return _number(x + y, e)
        case op.Sub():
            return _number(x - y, e)
        case op.Mul():
            return _number(x * y, e)
        case op.Div() if y != 0:
            return _number(float(x) / float(y), e)
        case op.Mod() if isinstance(x, int) and isinstance(y, int) and y != 0:
            quotient = abs(x) // abs(y) * (1 if (x < 0) == (y < 0) else -1)
            return _number(x - y * quotient, e)  # SQL: the sign of the dividend
    return e


def _number(value: float, e: A.Expr) -> A.Expr:
    """A numeric literal, or `e` unchanged when the value leaves int64 or is not finite."""
    if isinstance(value, int):
        return A.Lit(value=value) if value in INT64 else e
    return A.Lit(value=value) if abs(value) < float("inf") else e


def _case(e: logic.Case) -> A.Expr:
    whens: list[A.When] = []
    for w in e.whens:
        if isinstance(w.when, A.Lit) and w.when.value is not True and not may_fail(w.then):
            continue  # FALSE or NULL: never taken
        whens.append(w)
        if w.when == TRUE:
            break  # later branches are never reached
    if whens and whens[-1].when == TRUE:
        unreached: list[A.Node] = [*e.whens[e.whens.index(whens[-1]) + 1 :]]
        if e.else_ is not None:
            unreached.append(e.else_)
        if any(may_fail(n) for n in unreached):
            return e
        if len(whens) == 1:
            return whens[0].then
        return dataclasses.replace(e, whens=tuple(whens[:-1]), else_=whens[-1].then)
    if not whens:
        return e.else_ or NULL
    return e if tuple(whens) == e.whens else dataclasses.replace(e, whens=tuple(whens))


def _coalesce(e: A.Expr, args: tuple[A.Expr, ...]) -> A.Expr:
    kept: list[A.Expr] = []
    for i, a in enumerate(args):
        if a == NULL:
            continue
        kept.append(a)
        if isinstance(a, A.Lit) and not any(may_fail(r) for r in args[i + 1 :]):
            break  # a non-null literal: nothing after it is ever used
    if not kept:
        return NULL
    if len(kept) == 1:
        return kept[0]
    return e if tuple(kept) == args else logic.Coalesce(args=tuple(kept), origin=e.origin)
