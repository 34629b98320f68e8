"""Optimizer passes: one rewrite per module, each a pure function `(plan, ctx) -> plan`.

`PASSES` is the order `pesql.compiler.passes.optimize` runs them in, repeated until nothing changes
(each pass can open work for another). The order matters:

1. fold_constants first: conditions become literals (`FILTER TRUE`), nested ANDs flatten and
   expressions read fewer columns, which every later pass can then see.
2. remove_noops next: `FILTER TRUE` and `DERIVE x = x` would otherwise block filter moves.
3. push_filters before merge_filters: filters that travel up meet other filters (and meet
   SORTs, which they step over); merging first would weld a movable condition to a stuck one.
4. merge_sorts after push_filters: a FILTER between two SORTs has moved away by then.
5. remove_dead_sorts after merge_sorts: two sorts merged are one sort to judge.
6. push_limits after the sort passes, so a LIMIT arrives next to the SORT that survived.
7. prune_columns: the passes above remove readers of columns (a removed SORT, a folded
   expression), so pruning sees the fewest uses.
8. share_subexpressions last: it adds a temporary column and a DROP, which the other passes
   would only have to step around; and pruning first means no work is shared for nothing.

`canonical_order` is not in `PASSES`: operand order does not change what runs; it is used by
`pesql.compiler.passes.optimize.canonicalize` only.
"""

from __future__ import annotations

from pesql.compiler.passes.analysis import Pass, PassContext
from pesql.compiler.passes.canonical_order import canonical_order
from pesql.compiler.passes.fold_constants import fold_constants
from pesql.compiler.passes.merge_filters import merge_filters
from pesql.compiler.passes.merge_sorts import merge_sorts
from pesql.compiler.passes.prune_columns import prune_columns
from pesql.compiler.passes.push_filters import push_filters
from pesql.compiler.passes.push_limits import push_limits
from pesql.compiler.passes.remove_dead_sorts import remove_dead_sorts
from pesql.compiler.passes.remove_noops import remove_noops
from pesql.compiler.passes.share_subexpressions import share_subexpressions

PASSES: tuple[Pass, ...] = (
    fold_constants,
    remove_noops,
    push_filters,
    merge_filters,
    merge_sorts,
    remove_dead_sorts,
    push_limits,
    prune_columns,
    share_subexpressions,
)

__all__ = [
    "PASSES",
    "Pass",
    "PassContext",
    "canonical_order",
    "fold_constants",
    "merge_filters",
    "merge_sorts",
    "prune_columns",
    "push_filters",
    "push_limits",
    "remove_dead_sorts",
    "remove_noops",
    "share_subexpressions",
]
