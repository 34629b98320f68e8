"""Data-aware checks of JOIN and LOOKUP: cardinality before running, matches after.

A join that type-checks can still be wrong in ways only the data shows, and the two worst
ones are silent: a key that repeats multiplies rows (sums double), a key that never matches
drops rows or leaves nulls. So, on the tables a plan runs on:

Before running (errors, the plan does not run):
- E330: a LOOKUP whose key repeats in the joined table (the repeated keys are named);
- E331: the output-row estimate exceeds `Limits.max_join_rows`. The estimate is an upper
  bound: the input's rows, times for each inner or left JOIN the largest number of rows that
  share one key in the joined table (steps other than joins never add rows).

After running (warnings, with `Limits.data_warnings`):
- W330: an inner or left JOIN that returned more rows than it was given (rows before -> after,
  and the key that repeats): usually a LOOKUP was meant;
- W331: a LOOKUP or JOIN where most rows (more than half) find no match: usually the wrong
  key, or keys spelled differently in the two tables (' 12' and '12', case, padding).

    >>> import polars as pl
    >>> from pesql.runtime.engine.execute import compile
    >>> from pesql.compiler.backends.polars.dtypes import schema_from_polars
    >>> tables = {"f": pl.DataFrame({"k": [1, 2]}), "d": pl.DataFrame({"k": [1, 1], "v": [3, 4]})}
    >>> schemas = {n: schema_from_polars(t.schema) for n, t in tables.items()}
    >>> try:
    ...     compile("FROM f\\nLOOKUP d ON k = k", schemas).collect(tables)
    ... except PesqlError as exc:
    ...     print(exc.diagnostics[0].message)
    LOOKUP key `k` repeats in `d`: 1 (2 rows)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import polars as pl
from pesql.compiler.backends.polars.joins import join_frame
from pesql.compiler.backends.polars.lower import to_polars
from pesql.compiler.backends.polars.names import col, cols, exactly, fresh
from pesql.compiler.check.check import CheckedPlan
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.ops.joins import Join, Lookup, adds_columns, is_join, keeps_unmatched

SHOWN_KEYS = 5  # repeated or unmatched keys named in a diagnostic


def _step_name(step: Join | Lookup, index: int) -> str:
    return f"the {step.op_name} in step {index + 1}"


def _key_names(step: Join | Lookup) -> str:
    return ", ".join(f"`{k.right}`" for k in step.on)


def _shown(values: list[tuple[object, ...]]) -> str:
    def one(v: tuple[object, ...]) -> str:
        return repr(v[0]) if len(v) == 1 else repr(v)

    return ", ".join(one(v) for v in values[:SHOWN_KEYS]) + (
        ", ..." if len(values) > SHOWN_KEYS else ""
    )


def _repeats(step: Join | Lookup, right: pl.LazyFrame) -> pl.DataFrame:
    """Key values (nulls excluded: they never match) with more than one row, most first."""
    keys = [k.right for k in step.on]
    # The count is the last column, read by position: its name only has to differ from the
    # keys' (a key may be called `__n`). Keys go through `cols` (a key may be called `*`).
    count = fresh(keys, "__n")
    counts = right.drop_nulls(exactly(keys)).group_by(cols(keys)).len(name=count)
    return counts.filter(col(count) > 1).sort(col(count), descending=True).collect()


def _most(repeats: pl.DataFrame) -> int:
    """The largest count of `_repeats` (1 when no key repeats)."""
    return int(repeats.row(0)[-1]) if repeats.height else 1


def check_cardinality(
    checked: CheckedPlan,
    source: pl.LazyFrame,
    joined: Mapping[str, pl.LazyFrame],
    max_rows: int | None,
) -> None:
    """E330 for a LOOKUP on a repeated key, E331 when the row estimate exceeds `max_rows`."""
    problems: list[Diagnostic] = []
    factor = 1
    for step in checked.plan.steps:
        if not isinstance(step, Join | Lookup) or not adds_columns(step):
            continue
        repeats = _repeats(step, joined[step.table])
        if isinstance(step, Lookup) and repeats.height:
            keys = [tuple(r[:-1]) for r in repeats.iter_rows()]
            most = _most(repeats)
            group = ", ".join(k.right for k in step.on)
            problems.append(
                Diagnostic.make(
                    "E330",
                    step.origin,
                    name=", ".join(k.right for k in step.on),
                    table=step.table,
                    found=f"{_shown(keys)} ({most} rows)",
                    hints=(
                        "use JOIN to get a row per match, or make the key unique first "
                        f"(GROUP_BY {group})",
                    ),
                )
            )
        factor *= _most(repeats)
    if problems:
        raise PesqlError(problems)
    if max_rows is None or factor == 1:
        return
    rows = int(source.select(pl.len()).collect().item())
    if rows * factor > max_rows:
        raise PesqlError(
            [
                Diagnostic.make(
                    "E331",
                    found=f"{rows * factor:,}",
                    expected=f"{max_rows:,}",
                    hints=(
                        "join on all the key columns that identify a row of the joined table, "
                        "or FILTER / GROUP_BY before joining",
                    ),
                )
            ]
        )


def join_warnings(
    checked: CheckedPlan, source: pl.LazyFrame, joined: Mapping[str, pl.LazyFrame]
) -> list[Diagnostic]:
    """W330 and W331 for each join of the plan (one count query per join and prefix)."""
    out: list[Diagnostic] = []
    steps = checked.plan.steps
    for index, step in enumerate(steps):
        if not is_join(step):
            continue
        assert isinstance(step, Join | Lookup)
        before = _prefix(checked, index, source, joined)
        n_before = int(before.select(pl.len()).collect().item())
        if n_before == 0:
            continue
        semi = Join(table=step.table, on=step.on, kind="semi")
        matched = int(_join_only(before, semi, joined).select(pl.len()).collect().item())
        if adds_columns(step):
            after = _join_only(before, step, joined)
            n_after = int(after.select(pl.len()).collect().item())
            if n_after > n_before:
                repeats = _repeats(step, joined[step.table])
                most = _most(repeats)
                out.append(
                    Diagnostic.make(
                        "W330",
                        step.origin,
                        name=_step_name(step, index),
                        found=f"{n_before:,} rows into {n_after:,}",
                        table=step.table,
                        keys=_key_names(step),
                        most=most,
                        severity="warning",
                        hints=(
                            f"if each row should get one {step.table} row, the key is not "
                            f"unique there: use LOOKUP on a unique key, or GROUP_BY first",
                        ),
                    )
                )
        unmatched = n_before - matched
        if unmatched * 2 > n_before:
            out.append(_no_match(step, index, before, joined, unmatched, n_before))
    return out


def _no_match(
    step: Join | Lookup,
    index: int,
    before: pl.LazyFrame,
    joined: Mapping[str, pl.LazyFrame],
    unmatched: int,
    total: int,
) -> Diagnostic:
    anti = Join(table=step.table, on=step.on, kind="anti")
    left_keys = [k.left for k in step.on]
    sample = (
        _join_only(before, anti, joined).select(cols(left_keys)).unique(maintain_order=True).head(3)
    ).collect()
    right_keys = [k.right for k in step.on]
    right = (
        joined[step.table].select(cols(right_keys)).drop_nulls().unique(maintain_order=True).head(3)
    ).collect()
    theirs = _shown([tuple(r) for r in right.iter_rows()])
    ours = _shown([tuple(r) for r in sample.iter_rows()])
    effect = "keep nulls" if keeps_unmatched(step) else "are dropped"
    return Diagnostic.make(
        "W331",
        step.origin,
        name=_step_name(step, index),
        found=f"{unmatched:,} of {total:,} rows",
        table=step.table,
        effect=effect,
        severity="warning",
        hints=(
            f"keys here: {ours}; keys in {step.table}: {theirs}",
            "check that the key pair is right and spelled alike in both tables "
            "(' 12' vs 12, case, padding): convert one side with DERIVE first",
        ),
    )


def _prefix(
    checked: CheckedPlan, index: int, source: pl.LazyFrame, joined: Mapping[str, pl.LazyFrame]
) -> pl.LazyFrame:
    """The rows a step receives: the plan's steps before it (as checked, not optimized)."""
    plan = A.Plan(steps=checked.plan.steps[:index])
    return to_polars(dataclasses.replace(checked, plan=plan), source, joined)


def _join_only(
    frame: pl.LazyFrame, step: Join | Lookup, joined: Mapping[str, pl.LazyFrame]
) -> pl.LazyFrame:
    if isinstance(step, Lookup):  # counts only: a repeated key is E330's business
        step = Join(table=step.table, on=step.on, kind="left")
    return join_frame(step, frame, joined[step.table])


__all__ = ["SHOWN_KEYS", "check_cardinality", "join_warnings"]
