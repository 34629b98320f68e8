"""Columns that nothing downstream reads are not computed (and not carried through SELECT).

Before / after:

    DERIVE margin = price - cost, tax = price * 0.2
    GROUP_BY region COMPUTE total = SUM(margin), n = COUNT(*)
    SELECT region, total
    ---
    DERIVE margin = price - cost
    GROUP_BY region COMPUTE total = SUM(margin)
    SELECT region, total

An item (DERIVE/WINDOW column, SELECT item, GROUP_BY/AGGREGATE aggregate) named `x` goes when,
following the plan forward, `x` is removed (by DROP, a SELECT/GROUP_BY/AGGREGATE/DISTINCT that
does not keep it) or replaced before anything reads it. The final output columns are always
read; DISTINCT without columns reads every column; LIMIT WITH TIES reads the sort keys. A DROP
of a column whose only definition was pruned loses that name (and goes when empty).

Deliberately not done: pruning an expression that may fail at run time (strict CAST, regex:
its error would vanish); pruning a new column that a later step re-creates while it still
exists (the column would move to the end); emptying a SELECT or AGGREGATE (one item stays:
a frame without columns has no rows); pruning the table's own input columns (polars'
projection pushdown already reads only what is used). Without a schema a DROP-terminated
column is kept, since it is unknown whether the DROP also removes an input column. A column
that exists when a JOIN or LOOKUP adds columns is kept: removing it could change the name a
joined column gets (`name` instead of `name_airlines`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from pesql.compiler.passes.analysis import PassContext, columns_of, may_fail, reads, writes
from pesql.grammar import ast as A
from pesql.grammar.ops import rows
from pesql.grammar.ops.joins import Join, Lookup, adds_columns

__all__ = ["prune_columns"]

_KEEP, _GONE = "keep", "gone"


def prune_columns(plan: A.Plan, ctx: PassContext) -> A.Plan:
    """Unused items removed, until none is left (pruning one may free another)."""
    while True:
        new = _prune_once(plan, ctx)
        if new == plan:
            return plan
        plan = new


def _items(step: A.Step) -> tuple[tuple[str, A.Node], ...]:
    match step:
        case rows.Derive(columns=assigns) | rows.Window(columns=assigns):
            return tuple((a.name, a.expr) for a in assigns)
        case rows.GroupBy(aggregates=assigns) | rows.AggregateStep(aggregates=assigns):
            return tuple((a.name, a.expr) for a in assigns)
        case rows.Select(columns=items):
            return tuple((i.as_ or i.column, i) for i in items)
    return ()


def _prune_once(plan: A.Plan, ctx: PassContext) -> A.Plan:
    schemas = ctx.schemas(plan)
    steps = list(plan.steps)
    drop_fixes: list[tuple[int, str]] = []
    read_sets: dict[int, set[str]] = {}

    def reads_at(j: int) -> set[str]:
        # Each step's reads once per round, not once per item of every step before it.
        found = read_sets.get(j)
        if found is None:
            found = read_sets[j] = _reads(plan.steps[j], plan.steps[:j])
        return found

    for i, step in enumerate(plan.steps):
        items = _items(step)
        keep: list[bool] = []
        fixes: list[tuple[int, str]] = []
        # The last item of a DERIVE that reads each name: one walk per item, not one per pair
        # (a DERIVE of thousands of columns was quadratic here).
        last_read: dict[str, int] = {}
        if isinstance(step, rows.Derive):
            for k, (_, node) in enumerate(items):
                last_read.update(dict.fromkeys(columns_of(node), k))
        for k, (name, node) in enumerate(items):
            if last_read.get(name, -1) > k:
                keep.append(True)
                continue
            created: bool | None = True
            if isinstance(step, rows.Derive | rows.Window):
                created = None if schemas is None else name not in schemas[i]
            fate = _fate(name, plan.steps, i, created, reads_at)
            # An item that may fail stays, so that its error does; asked only of the items
            # that could go (most items are read later: their walk is saved).
            if fate == _KEEP or may_fail(node):
                keep.append(True)
                continue
            keep.append(False)
            if isinstance(fate, int):
                fixes.append((fate, name))
        if keep and not all(keep):
            steps[i] = _rebuilt(step, keep)
            # A SELECT or AGGREGATE keeps one item even when all could go: its DROP stays.
            left = {name for name, _ in _items(steps[i])}
            drop_fixes.extend((j, name) for j, name in fixes if name not in left)
    for j, name in drop_fixes:
        drop = steps[j]
        assert isinstance(drop, rows.Drop)
        steps[j] = dataclasses.replace(drop, columns=tuple(c for c in drop.columns if c != name))
    out = tuple(s for s in steps if s is not None and not _empty(s))
    return plan if out == plan.steps else dataclasses.replace(plan, steps=out)


def _fate(
    name: str,
    steps: Sequence[A.Step],
    i: int,
    created: bool | None,
    reads_at: Callable[[int], set[str]],
) -> str | int:
    """KEEP, GONE, or the index of the DROP whose entry for `name` must go with the item."""
    for j in range(i + 1, len(steps)):
        step = steps[j]
        if name in reads_at(j):
            return _KEEP
        match step:
            case rows.Drop(columns=dropped) if name in dropped:
                return j if created is True else _GONE if created is False else _KEEP
            case rows.Select() | rows.GroupBy() | rows.AggregateStep() | rows.Distinct():
                return _GONE  # the step does not read `name`, so it does not keep it
            case Join() | Lookup() if adds_columns(step):
                # Whether a joined column is renamed `x_<table>` depends on the names present.
                return _KEEP
            case rows.Derive() | rows.Window() if name in writes(step):
                # A replaced value is never read; a re-created column would change position.
                return _GONE if created is False else _KEEP
    return _KEEP  # part of the output


def _reads(step: A.Step, before: Sequence[A.Step]) -> set[str]:
    match step:
        case rows.Distinct(columns=()):
            return _EVERYTHING
        case rows.Limit(with_ties=True):
            return {k.column for s in before if isinstance(s, rows.Sort) for k in s.keys}
    return reads(step)


class _Everything(set[str]):
    def __contains__(self, item: object) -> bool:
        return True


_EVERYTHING = _Everything()


def _rebuilt(step: A.Step, keep: list[bool]) -> A.Step:
    match step:
        case rows.Derive(columns=assigns) | rows.Window(columns=assigns):
            kept = tuple(a for a, k in zip(assigns, keep, strict=True) if k)
            return dataclasses.replace(step, columns=kept)
        case rows.GroupBy(aggregates=assigns):
            kept = tuple(a for a, k in zip(assigns, keep, strict=True) if k)
            return dataclasses.replace(step, aggregates=kept)
        case rows.AggregateStep(aggregates=assigns):
            kept = tuple(a for a, k in zip(assigns, keep, strict=True) if k) or assigns[:1]
            return dataclasses.replace(step, aggregates=kept)
        case rows.Select(columns=items):
            chosen = tuple(s for s, k in zip(items, keep, strict=True) if k) or items[:1]
            return dataclasses.replace(step, columns=chosen)
    return step


def _empty(step: A.Step) -> bool:
    """A step left with nothing to do (its last item pruned)."""
    return isinstance(step, rows.Derive | rows.Window | rows.Drop) and not step.columns
