"""What every pass needs to know about plans: the pass context, reads and writes, failure risk.

    >>> from pesql.grammar.parse import parse
    >>> step = parse("DERIVE t = a + b, u = t * 2").steps[0]
    >>> sorted(reads(step)), sorted(writes(step))
    (['a', 'b'], ['t', 'u'])

`reads` is what a step needs from its input (DERIVE items reading an earlier item of the same
step do not count). `may_fail` marks expressions that can raise at run time (a strict CAST, a
regular expression or date format polars may reject): passes never change the set of rows such
an expression is evaluated on, so an optimized plan fails exactly when the original does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import field
from typing import Any, TypeAlias, TypeVar, cast

from pesql.compiler.check.check import check, infer_expr
from pesql.compiler.check.schema import ColumnType, Schema
from pesql.grammar import ast as A
from pesql.grammar.ast import columns_of
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.ops import operators as op
from pesql.grammar.ops import rows
from pesql.grammar.ops.joins import Join, Lookup
from pesql.grammar.record import Record, record
from pesql.grammar.registry import spec_of
from pesql.grammar.types import DType

__all__ = [
    "Pass",
    "PassContext",
    "columns_of",
    "conjoin",
    "dtype_of",
    "map_exprs",
    "may_fail",
    "reads",
    "rename_columns",
    "writes",
]


@record(kw_only=False)
class PassContext(Record):
    """The input schema (None when unknown: passes then only use type-free rules), and the
    schemas of the tables JOIN and LOOKUP read (the plan is checked again with them)."""

    schema: Schema | None = None
    tables: Mapping[str, Schema] = field(default_factory=dict, compare=False, repr=False)
    # By the identity of the steps: the passes hand on the very step objects they keep, and
    # hashing a whole plan by value on every lookup cost more than the lookups saved. Each
    # entry holds its steps, so their ids stay theirs while the context lives.
    _cache: dict[tuple[int, ...], tuple[tuple[A.Step, ...], tuple[Schema, ...] | None]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def seed(self, plan: A.Plan, step_schemas: tuple[Schema, ...]) -> None:
        """Record what the checker already computed for `plan` (its per-step schemas)."""
        if self.schema is not None:
            self._cache[_ids(plan)] = (plan.steps, (self.schema, *step_schemas))

    def schemas(self, plan: A.Plan) -> tuple[Schema, ...] | None:
        """The schema before each step, then the output schema; None if unknown or ill-typed."""
        if self.schema is None:
            return None
        key = _ids(plan)
        found = self._cache.get(key)
        if found is None:
            try:
                checked = check(A.Plan(steps=plan.steps), self.schema, tables=self.tables)
            except PesqlError:
                found = (plan.steps, None)
            else:
                found = (plan.steps, (self.schema, *checked.step_schemas))
            self._cache[key] = found
        return found[1]


def _ids(plan: A.Plan) -> tuple[int, ...]:
    return tuple(map(id, plan.steps))


Pass: TypeAlias = Callable[[A.Plan, PassContext], A.Plan]


N = TypeVar("N", bound=A.Node)


def rename_columns(node: N, mapping: Mapping[str, str]) -> N:
    """`node` with every column reference `Col(a)` turned into `Col(mapping[a])`."""

    def rename(n: A.Node) -> A.Node:
        if isinstance(n, A.Col) and mapping.get(n.name, n.name) != n.name:
            return dataclasses.replace(n, name=mapping[n.name])
        return n

    return cast(N, node.transform(rename))


def may_fail(node: A.Node) -> bool:
    """Whether evaluating `node` (an expression or a whole step) can raise an error.

    Each operation declares when it can (`Traits.fails`): a strict CAST, a regex, ...
    """
    return any(isinstance(n, A.Call) and spec_of(n).fails_on(n) for n in node.walk())


def reads(step: A.Step) -> set[str]:
    """Columns of the step's input that the step reads."""
    match step:
        case rows.Filter(where=where):
            return columns_of(where)
        case rows.Select(columns=items):
            return {i.column for i in items}
        case rows.Drop() | rows.Limit():
            return set()
        case rows.Derive(columns=assigns):
            used: set[str] = set()
            defined: set[str] = set()
            for a in assigns:
                used |= columns_of(a.expr) - defined
                defined.add(a.name)
            return used
        case rows.GroupBy(keys=keys, aggregates=aggs):
            return set(keys).union(*(columns_of(a.expr) for a in aggs))
        case rows.AggregateStep(aggregates=aggs):
            return set().union(*(columns_of(a.expr) for a in aggs))
        case rows.Sort(keys=keys):
            return {k.column for k in keys}
        case rows.Window(columns=assigns, partition_by=part, order_by=order):
            found = set(part) | {k.column for k in order}
            return found.union(*(columns_of(a.expr) for a in assigns))
        case rows.Distinct(columns=cols):
            return set(cols)  # without columns it reads all of them: callers handle that
        case Join(on=keys) | Lookup(on=keys):
            return {k.left for k in keys}
    raise NotImplementedError(f"reads of {type(step).__name__}")


def writes(step: A.Step) -> set[str]:
    """Columns a row-preserving step adds or replaces (DERIVE, WINDOW, SELECT's outputs)."""
    match step:
        case rows.Derive(columns=assigns) | rows.Window(columns=assigns):
            return {a.name for a in assigns}
        case rows.Select(columns=items):
            return {i.as_ or i.column for i in items}
    return set()


def dtype_of(expr: A.Expr, schema: Schema | None) -> DType | None:
    """The dtype of `expr` over `schema`, or None when unknown."""
    found = None if schema is None else infer_or_none(expr, schema)
    return None if found is None else found.dtype


# Positions where a null value means "no" (the row is dropped or not counted): NULL = FALSE.
_PREDICATE_FIELDS = {"where", "condition", "when"}

ExprFn: TypeAlias = Callable[[A.Expr, Schema | None, bool], A.Expr]


def map_exprs(
    step: A.Step, schema: Schema | None, fn: ExprFn, output: Schema | None = None
) -> A.Step:
    """`step` with `fn(expr, scope_schema, is_predicate)` applied to each top-level expression.

    DERIVE items see the schema grown by the items before them; other steps see their input.
    `output`, the step's output schema when known, gives those items' types without
    inferring them again (when no item name repeats, each item's type is its column's there).
    """
    match step:
        case rows.Filter(where=where):
            return _keep(step, where=fn(where, schema, True))
        case rows.Derive(columns=assigns):
            out: list[A.Assign] = []
            scope = schema
            if output is not None and len({a.name for a in assigns}) < len(assigns):
                output = None  # a name assigned twice: its first type is not the output's
            for a in assigns:
                new = fn(a.expr, scope, False)
                out.append(a if new is a.expr else A.replace(a, expr=new))
                if scope is not None:
                    t = output.get(a.name) if output is not None else None
                    t = t or infer_or_none(a.expr, scope)
                    scope = None if t is None else scope.with_column(a.name, t)
            return _keep(step, columns=tuple(out))
        case rows.GroupBy(aggregates=assigns) | rows.AggregateStep(aggregates=assigns):
            return _keep(step, aggregates=_assigns(assigns, schema, fn))
        case rows.Window(columns=assigns):
            return _keep(step, columns=_assigns(assigns, schema, fn))
    return step


def infer_or_none(expr: A.Expr, schema: Schema) -> ColumnType | None:
    try:
        return infer_expr(expr, schema)
    except PesqlError:
        return None


def _assigns(
    assigns: tuple[A.Assign, ...], schema: Schema | None, fn: ExprFn
) -> tuple[A.Assign, ...]:
    out = []
    for a in assigns:
        new = fn(a.expr, schema, False)
        out.append(a if new is a.expr else dataclasses.replace(a, expr=new))
    return tuple(out)


def _keep(step: A.Step, **changes: Any) -> A.Step:
    """`step` with `changes`, or `step` itself when nothing changed (keeps identity cheap)."""
    if all(getattr(step, k) == v for k, v in changes.items()):
        return step
    return dataclasses.replace(step, **changes)


def is_predicate_field(name: str) -> bool:
    return name in _PREDICATE_FIELDS


def conjoin(*conditions: A.Expr) -> A.Expr:
    """The conditions joined by one flat AND."""
    args = tuple(a for c in conditions for a in (c.args if isinstance(c, op.And) else (c,)))
    return args[0] if len(args) == 1 else op.And(args=args)


BOOLEAN_OPS = (
    op.And, op.Or, op.Not, op.Eq, op.Ne, op.Lt, op.Le, op.Gt, op.Ge, op.In, op.Between,
    op.IsNull, op.IsNotNull, op.Like,
)  # fmt: skip
