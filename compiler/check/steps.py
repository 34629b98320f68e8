"""Step typing: `check_step(step, state)` -> (rewritten step, schema after it).

One registered function per step kind. A step remembers which columns it removed, so an
unknown column later on gets the hint "`x` was removed by the GROUP_BY in step 2".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import singledispatch
from typing import TypeVar

from pesql.compiler.check.expr import E217_HINT, UNKNOWN, Mode, Scope, infer
from pesql.compiler.check.resolve import Resolver
from pesql.compiler.check.rules import check_values
from pesql.compiler.check.schema import ColumnType, Schema
from pesql.compiler.check.size import SizeLimits, measure
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Diagnostic
from pesql.grammar.ops import rows
from pesql.grammar.registry import spec_of

N = TypeVar("N", bound=A.Node)


@dataclass(slots=True)
class StepState:
    """The checker's position in the plan: current schema, step index, the last usable SORT."""

    schema: Schema
    resolver: Resolver
    index: int = 0
    # Keys of the last SORT while row order still follows them (LIMIT WITH TIES uses them).
    sort_keys: tuple[str, ...] | None = None
    # The catalog's schemas (JOIN and LOOKUP read them), and the tables they did read.
    catalog: Mapping[str, Schema] = field(default_factory=dict)
    joined: dict[str, Schema] = field(default_factory=dict)

    def where(self, step: A.Step) -> str:
        return f"the {spec_of(step).name} in step {self.index + 1}"

    def error(self, code: str, origin: A.Origin | None, **kw: object) -> None:
        self.resolver.diagnostics.append(Diagnostic.make(code, origin, **kw))  # type: ignore[arg-type]

    def key(self, name: str, origin: A.Origin | None, uses_values: bool = True) -> str | None:
        """A column named as a key (SORT, GROUP_BY, DISTINCT, PARTITION BY, SELECT, DROP).

        SELECT and DROP only move a column (`uses_values=False`): fine for any polars type.
        """
        resolved = self.resolver.resolve(name, self.schema, origin)
        if resolved is None:
            return None
        ctype = self.schema.get(resolved)
        if uses_values and ctype is not None and ctype.unsupported is not None:
            self.error("E217", origin, name=resolved, found=ctype.unsupported, hints=(E217_HINT,))
        return resolved

    def expr(
        self,
        e: A.Expr,
        mode: Mode,
        schema: Schema | None = None,
        keys: frozenset[str] = frozenset(),
        ordered: bool = False,
    ) -> tuple[A.Expr, ColumnType]:
        scope = Scope(schema or self.schema, self.resolver, mode, keys, ordered)
        return infer(e, scope)

    def removed(self, before: Schema, after: Schema, step: A.Step, advice: str) -> None:
        for name in before.names():
            if name not in after:
                self.resolver.remember(name, f"`{name}` was removed by {self.where(step)}{advice}")
        for name in after.names():
            self.resolver.forget(name)


def at(step: A.Step, field: str, i: int) -> A.Origin | None:
    """The origin of the i-th plain name of a step field (names carry no origin of their own)."""
    return step.origin.child(field, i) if isinstance(step.origin, A.Pointer) else step.origin


_at = at


def _unique(state: StepState, seen: set[str], name: str, origin: A.Origin | None) -> None:
    if name in seen:
        state.error("E205", origin, name=name, hints=("give each output column its own name",))
    seen.add(name)


@singledispatch
def check_step(step: A.Step, state: StepState) -> tuple[A.Step, Schema]:
    raise NotImplementedError(f"no type rule for step {type(step).__name__}")


@check_step.register(rows.Filter)
def _(step: rows.Filter, state: StepState) -> tuple[A.Step, Schema]:
    where, t = state.expr(step.where, "row")
    if t.dtype not in ("boolean", "null"):
        state.error(
            "E202",
            where.origin,
            name="FILTER",
            expected="a boolean",
            found=t.dtype,
            hints=("compare the value, e.g. `x > 0` or `x IS NOT NULL`",),
        )
    return same(step, where=where), state.schema


@check_step.register(rows.Select)
def _(step: rows.Select, state: StepState) -> tuple[A.Step, Schema]:
    items: list[A.SelectItem] = []
    columns: list[tuple[str, ColumnType]] = []
    seen: set[str] = set()
    for item in step.columns:
        name = state.key(item.column, item.origin, uses_values=False)
        out = item.as_ if item.as_ is not None else (name or item.column)
        _unique(state, seen, out, item.origin)
        columns.append((out, (state.schema.get(name) if name else None) or UNKNOWN))
        items.append(item if name in (None, item.column) else replace(item, column=name))
        if name is not None and item.as_ is not None and item.as_ != name:
            hint = f"`{name}` was renamed to `{item.as_}` by {state.where(step)}"
            state.resolver.remember(name, hint)
    after = Schema(tuple(columns))
    renamed = {i.column for i in items if i.as_ is not None}
    before = Schema(tuple(c for c in state.schema.columns if c[0] not in renamed))
    state.removed(before, after, step, "; select it there to keep it")
    if state.sort_keys:
        # A renamed key keeps the order under its new name (docs/semantics.md, Row steps).
        moved = {i.column: i.as_ or i.column for i in items}
        known = all(k in moved for k in state.sort_keys)
        state.sort_keys = tuple(moved[k] for k in state.sort_keys) if known else None
    return same(step, columns=tuple(items)), after


@check_step.register(rows.Drop)
def _(step: rows.Drop, state: StepState) -> tuple[A.Step, Schema]:
    names = [
        state.key(n, _at(step, "columns", i), uses_values=False) for i, n in enumerate(step.columns)
    ]
    gone = {n for n in names if n is not None}
    after = Schema(tuple(c for c in state.schema.columns if c[0] not in gone))
    state.removed(state.schema, after, step, "")
    if state.sort_keys and gone & set(state.sort_keys):
        state.sort_keys = None
    resolved = tuple(n or o for n, o in zip(names, step.columns, strict=True))
    return same(step, columns=resolved), after


@check_step.register(rows.Derive)
def _(step: rows.Derive, state: StepState) -> tuple[A.Step, Schema]:
    schema = state.schema
    seen: set[str] = set()
    items: list[A.Assign] = []
    for item in step.columns:
        # Later items see earlier ones: the schema grows item by item.
        expr, t = state.expr(item.expr, "row", schema)
        _unique(state, seen, item.name, item.origin)
        schema = schema.with_column(item.name, t)
        state.resolver.forget(item.name)
        items.append(same(item, expr=expr))
    if state.sort_keys and seen & set(state.sort_keys):
        state.sort_keys = None
    return same(step, columns=tuple(items)), schema


def _aggregation(
    step: A.Step, state: StepState, keys: tuple[str, ...], aggregates: tuple[A.Assign, ...]
) -> tuple[tuple[str, ...], tuple[A.Assign, ...], Schema]:
    seen: set[str] = set()
    resolved: list[str] = []
    columns: list[tuple[str, ColumnType]] = []
    for i, name in enumerate(keys):
        key = state.key(name, _at(step, "keys", i))
        _unique(state, seen, key or name, _at(step, "keys", i))
        resolved.append(key or name)
        columns.append((key or name, (state.schema.get(key) if key else None) or UNKNOWN))
    items: list[A.Assign] = []
    key_set = frozenset(resolved)
    earlier: dict[str, A.Expr] = {}  # each item's expression, earlier items read into it
    for item in aggregates:
        read = _earlier_items(item.expr, earlier, key_set)
        if read is not item.expr and _too_large(read, item, state):
            read = item.expr  # reported; checked as written, its names unknown
        earlier[item.name] = read
        expr, t = state.expr(read, "group", keys=key_set)
        _unique(state, seen, item.name, item.origin)
        columns.append((item.name, t))
        items.append(same(item, expr=expr))
    after = Schema(tuple(columns))
    # SQL's WHERE after the aggregation (`AGGREGATE n = COUNT(*) WHERE x = 1`) reads as a
    # FILTER after it, on a column that is gone: the advice says where the FILTER goes.
    advice = (
        "; keep it as a key or aggregate it (a FILTER on it goes before the GROUP_BY)"
        if keys
        else "; aggregate it there (a FILTER on it goes before the AGGREGATE)"
    )
    if keys and not aggregates:
        # The 1.5B model wrote `GROUP_BY date` and then row steps (`DERIVE gap = SUB_ABS(high,
        # low)`), as if grouping were a heading: without COMPUTE it keeps only the keys.
        advice = (
            f"; without COMPUTE it keeps only {', '.join(f'`{k}`' for k in resolved)}, one row "
            "each (DISTINCT): drop it to keep every row, or aggregate in its COMPUTE"
        )
    state.removed(state.schema, after, step, advice)
    state.sort_keys = None
    return tuple(resolved), tuple(items), after


def _earlier_items(expr: A.Expr, earlier: Mapping[str, A.Expr], keys: frozenset[str]) -> A.Expr:
    """`expr` with each name of an earlier item of the same list, outside any aggregate,
    replaced by that item's expression: `COMPUTE s = SUM(x), t = SUM(y), d = t - s` reads `d`
    as `SUM(y) - SUM(x)`, as DERIVE reads its earlier items. Such a name outside an aggregate
    was an error before (unknown, or a column that is neither key nor aggregated), so no plan
    that checked changes meaning; inside an aggregate a name is the input's column. Models
    write it (SQL engines such as DuckDB read a lateral alias the same way)."""
    if not earlier:
        return expr

    def visit(node: A.Node) -> A.Node:
        match node:
            case A.Col(name=name) if name in earlier and name not in keys:
                return earlier[name]
            case A.Call() if spec_of(node).category in ("aggregate", "window"):
                return node
        return node.replace_children(lambda _, child: visit(child))

    out = visit(expr)
    assert isinstance(out, A.Expr)
    return out


def _too_large(read: A.Expr, item: A.Assign, state: StepState) -> bool:
    """Whether `read` (an item with earlier items written into it) is past the size bounds,
    reported as E315/E302: each reading can double it (`b = a + a, c = b + b, ...`), and
    the plan's size was checked as written, before any was read."""
    bounds = SizeLimits()
    nodes, depth = measure(read, bounds.max_nodes)
    hint = "compute the earlier items in a step before this one, then use their columns"
    if nodes > bounds.max_nodes:
        found = f"at least {nodes} with the earlier items it reads"
        state.error("E315", item.origin, found=found, expected=str(bounds.max_nodes), hints=(hint,))
        return True
    if depth > bounds.max_depth:
        found = f"{depth} with the earlier items it reads"
        state.error("E302", item.origin, found=found, expected=str(bounds.max_depth), hints=(hint,))
        return True
    return False


@check_step.register(rows.GroupBy)
def _(step: rows.GroupBy, state: StepState) -> tuple[A.Step, Schema]:
    keys, items, after = _aggregation(step, state, step.keys, step.aggregates)
    return same(step, keys=keys, aggregates=items), after


@check_step.register(rows.AggregateStep)
def _(step: rows.AggregateStep, state: StepState) -> tuple[A.Step, Schema]:
    _keys, items, after = _aggregation(step, state, (), step.aggregates)
    return same(step, aggregates=items), after


def _sort_keys(state: StepState, keys: tuple[A.SortKey, ...]) -> tuple[A.SortKey, ...]:
    out = []
    for k in keys:
        name = state.key(k.column, k.origin)
        out.append(k if name in (None, k.column) else replace(k, column=name))
    return tuple(out)


@check_step.register(rows.Sort)
def _(step: rows.Sort, state: StepState) -> tuple[A.Step, Schema]:
    keys = _sort_keys(state, step.keys)
    state.sort_keys = tuple(k.column for k in keys)
    return same(step, keys=keys), state.schema


@check_step.register(rows.Limit)
def _(step: rows.Limit, state: StepState) -> tuple[A.Step, Schema]:
    check_values(step, state.resolver.diagnostics)  # the registry's bounds of count and offset
    if step.with_ties and state.sort_keys is None:
        state.error(
            "E216",
            step.origin,
            hints=(
                "put a SORT right before the LIMIT (FILTER, DERIVE, SELECT, DROP and "
                "WINDOW in between keep its order)",
            ),
        )
    return step, state.schema


@check_step.register(rows.Distinct)
def _(step: rows.Distinct, state: StepState) -> tuple[A.Step, Schema]:
    state.sort_keys = None
    if not step.columns:
        return step, state.schema
    seen: set[str] = set()
    names: list[str] = []
    for i, name in enumerate(step.columns):
        key = state.key(name, _at(step, "columns", i))
        _unique(state, seen, key or name, _at(step, "columns", i))
        names.append(key or name)
    after = Schema(tuple((n, state.schema.get(n) or UNKNOWN) for n in names))
    state.removed(state.schema, after, step, " (DISTINCT with columns keeps only them)")
    return same(step, columns=tuple(names)), after


@check_step.register(rows.Window)
def _(step: rows.Window, state: StepState) -> tuple[A.Step, Schema]:
    partition = tuple(
        state.key(n, _at(step, "partition_by", i)) or n for i, n in enumerate(step.partition_by)
    )
    order = _sort_keys(state, step.order_by)
    schema = state.schema
    seen: set[str] = set()
    items: list[A.Assign] = []
    for item in step.columns:
        # Every item sees the step's input only (unlike DERIVE): they are computed together.
        expr, t = state.expr(item.expr, "window", ordered=bool(order))
        _unique(state, seen, item.name, item.origin)
        schema = schema.with_column(item.name, t)
        state.resolver.forget(item.name)
        items.append(same(item, expr=expr))
    if state.sort_keys and seen & set(state.sort_keys):
        state.sort_keys = None
    return same(step, columns=tuple(items), partition_by=partition, order_by=order), schema


def same(node: N, **changes: object) -> N:
    """`node` itself when nothing changed (identity tells the caller), else a replaced copy."""
    if all(_identical(getattr(node, k), v) for k, v in changes.items()):
        return node
    return replace(node, **changes)  # type: ignore[arg-type]


def _identical(old: object, new: object) -> bool:
    if isinstance(old, tuple) and isinstance(new, tuple):
        return len(old) == len(new) and all(a is b for a, b in zip(old, new, strict=True))
    return old is new


__all__ = ["StepState", "at", "check_step", "same"]
