"""Typing JOIN and LOOKUP: the joined table from the catalog, key pairs, the output columns.

    >>> from pesql.grammar.parse import parse
    >>> from pesql.compiler.check.check import check
    >>> catalog = {
    ...     "flights": Schema.of({"carrier": "string", "name": "string"}),
    ...     "airlines": Schema.of({"carrier": "string", "name": "string"}),
    ... }
    >>> plan = parse("FROM flights\\nLOOKUP airlines ON carrier = carrier")
    >>> check(plan, catalog).output_schema.names()
    ['carrier', 'name', 'name_airlines']

The rules (docs/checking.md): the joined table must be in the catalog (E210 with
did-you-mean); each key pair names a column of the current table and one of the joined table
(loose resolution and hints as everywhere, E201 naming the joined table), of comparable types
(E230: both numeric, both temporal, or the same type). The output is the current columns,
then (inner, left, LOOKUP) the joined table's non-key columns, nullable for left joins and
LOOKUP; a joined column whose name is taken is renamed `<name>_<table>`, and E231 when that
name is taken too. Cardinality (LOOKUP keys unique, rows multiplied, rows without a match) needs
the data: the engine checks it (runtime/engine/joins.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from pesql.compiler.check.expr import E217_HINT, UNKNOWN
from pesql.compiler.check.resolve import Resolver
from pesql.compiler.check.schema import ColumnType, Schema, common
from pesql.compiler.check.steps import StepState, at, check_step, same
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Diagnostic, nearest
from pesql.grammar.ops.joins import Join, Lookup, adds_columns, keeps_unmatched


def joined_name(name: str, table: str) -> str:
    """The name a joined column gets when the current table already has `name`."""
    return f"{name}_{table}"


def added_names(
    left: Iterable[str], right: Iterable[str], right_keys: Iterable[str], table: str
) -> dict[str, str]:
    """Joined column -> its output name, for the joined table's non-key columns in order.

    >>> added_names(["carrier", "name"], ["carrier", "name", "url"], ["carrier"], "airlines")
    {'name': 'name_airlines', 'url': 'url'}
    """
    taken = set(left)
    keys = set(right_keys)
    renames: dict[str, str] = {}
    for name in right:
        if name in keys:
            continue
        out = joined_name(name, table) if name in taken else name
        taken.add(out)
        renames[name] = out
    return renames


def output_columns(
    left: Schema, right: Schema, right_keys: set[str], table: str, nullable: bool
) -> tuple[list[tuple[str, ColumnType]], dict[str, str]]:
    """The added columns (after the current ones) and the renaming joined name -> output name."""
    renames = added_names(left.names(), right.names(), right_keys, table)
    added: list[tuple[str, ColumnType]] = []
    for name, out in renames.items():
        ctype = right.get(name) or UNKNOWN
        added.append((out, replace(ctype, nullable=True) if nullable else ctype))
    return added, renames


def _check_join(step: Join | Lookup, state: StepState) -> tuple[A.Step, Schema]:
    state.sort_keys = None  # a join may repeat rows: an earlier SORT no longer decides ties
    origin = step.origin.child("table") if isinstance(step.origin, A.Pointer) else step.origin
    right = state.catalog.get(step.table)
    if right is None:
        close = nearest(step.table, list(state.catalog))
        listed = ", ".join(f"`{n}`" for n in state.catalog) or "none (check one table only)"
        hint = (
            "did you mean " + " or ".join(f"`{c}`" for c in close) + "?"
            if close
            else f"tables in the catalog: {listed}"
        )
        state.error("E210", origin, name=step.table, hints=(hint,))
        return step, state.schema
    state.joined[step.table] = right
    keys: list[A.JoinKey] = []
    right_keys: set[str] = set()
    # Names of the joined table resolve on their own: no removal hints of the current table.
    other = Resolver(diagnostics=state.resolver.diagnostics)
    for i, key in enumerate(step.on):
        where = key.origin or at(step, "on", i)
        left_name = state.key(key.left, _child(where, "left"))
        right_name = other.resolve(key.right, right.names(), _child(where, "right"))
        if right_name is None:
            _name_table(state, step.table)
        if left_name is not None and right_name is not None:
            _comparable(state, step, left_name, right_name, right, where)
            right_keys.add(right_name)
        keys.append(
            same(key, left=left_name or key.left, right=right_name or key.right)
            if (left_name, right_name) != (key.left, key.right)
            else key
        )
    after = state.schema
    if adds_columns(step):
        added, renames = output_columns(
            state.schema, right, right_keys, step.table, keeps_unmatched(step)
        )
        for joined, out in renames.items():
            if out != joined and out in state.schema:
                state.error(
                    "E231",
                    origin,
                    name=joined,
                    found=out,
                    hints=(f"rename or drop `{out}` before the {step.op_name}",),
                )
        after = Schema((*state.schema.columns, *added))
        for name, _t in added:
            state.resolver.forget(name)
    return same(step, on=tuple(keys)), after


def _child(origin: A.Origin | None, prop: str) -> A.Origin | None:
    return origin.child(prop) if isinstance(origin, A.Pointer) else origin


def _name_table(state: StepState, table: str) -> None:
    """E201 of a joined column says which table it was looked up in."""
    last = state.resolver.diagnostics[-1]
    if last.code == "E201":
        hints = (*last.hints, f"the name after `=` is a column of `{table}`")
        state.resolver.diagnostics[-1] = replace(last, hints=hints)


def _comparable(
    state: StepState,
    step: Join | Lookup,
    left: str,
    right: str,
    right_schema: Schema,
    where: A.Origin | None,
) -> None:
    lt = state.schema.get(left) or UNKNOWN
    rt = right_schema.get(right) or UNKNOWN
    if rt.unsupported is not None:
        state.error("E217", where, name=right, found=rt.unsupported, hints=(E217_HINT,))
        return
    if lt.unsupported is not None or "null" in (lt.dtype, rt.dtype):
        return
    if common(lt.dtype, rt.dtype) is None:
        hint = (
            "convert one side first: DERIVE k = CAST(x, 'integer') (text keys such as ' 12' "
            "never equal the number 12)"
        )
        state.resolver.diagnostics.append(
            Diagnostic.make(
                "E230",
                where,
                name=left,
                other=right,
                table=step.table,
                expected=lt.dtype,
                found=rt.dtype,
                hints=(hint,),
            )
        )


@check_step.register(Join)
def _(step: Join, state: StepState) -> tuple[A.Step, Schema]:
    return _check_join(step, state)


@check_step.register(Lookup)
def _(step: Lookup, state: StepState) -> tuple[A.Step, Schema]:
    return _check_join(step, state)


__all__ = ["added_names", "joined_name", "output_columns"]
