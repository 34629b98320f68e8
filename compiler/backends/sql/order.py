"""Whether a plan's answer depends on the input's row order: if not, the SQL skips numbering it.

Every CTE carries the row ordinal (docs/sql.md, "Row order") so that ties, first rows and
group order follow the input as in polars. Numbering the input is `ROW_NUMBER() OVER ()` over
the whole table: on PostgreSQL and Spark a window over every row, which engines run as a sort
or a single-threaded pass. Many plans never observe it:

    FILTER l_shipdate >= DATE '1994-01-01'          the rows kept do not depend on order
    AGGREGATE revenue = SUM(l_extendedprice)        one row: no order left to observe

    GROUP_BY l_returnflag COMPUTE n = COUNT(*)      groups in order of first appearance...
    SORT l_returnflag                               ...but sorted on unique keys: no ties

For those the source CTE numbers every row 0 instead: every later step is unchanged (MIN of
the ordinal, the tie-break of a sort, the final ORDER BY), and the engines drop the constant.

The analysis walks the steps backwards asking "is the order of the rows coming into this step
observed?", with what is known forwards about which columns are a unique key. It only says
"not observed" for the step kinds below, and only where that is certain; anything else (LIMIT
on more than one row, WINDOW, JOIN, LOOKUP, FIRST/LAST) observes the order.
"""

from __future__ import annotations

from collections.abc import Sequence

from pesql.grammar import ast as A
from pesql.grammar.ops import aggregate as agg
from pesql.grammar.ops import rows

# The unique key of the rows after a step: a set of column names no two rows share (the empty
# set: at most one row), or None when none is known.
Key = frozenset[str] | None


def input_order_observed(steps: Sequence[A.Step]) -> bool:
    """Whether the answer of `steps` (the row order included) depends on the input's order."""
    keys = _unique_keys(steps)
    # The answer's own row order is part of it, unless it has at most one row.
    observed = keys[-1] != frozenset()
    for index in range(len(steps) - 1, -1, -1):
        observed = _observed_before(steps[index], keys[index], observed)
    return observed


def _unique_keys(steps: Sequence[A.Step]) -> list[Key]:
    """keys[i]: the unique key of the rows coming into step i; keys[-1]: of the answer."""
    key: Key = None
    out = [key]
    for step in steps:
        key = _key_after(step, key)
        out.append(key)
    return out


def _key_after(step: A.Step, key: Key) -> Key:
    match step:
        case rows.GroupBy(keys=names):
            return frozenset(names)
        case rows.AggregateStep():
            return frozenset()
        case rows.Distinct(columns=names) if names:
            return frozenset(names)
        case rows.Filter() | rows.Sort() | rows.Limit():
            return key
        case rows.Derive(columns=items) | rows.Window(columns=items):
            replaced = {item.name for item in items}
            return key if key is not None and not key & replaced else None
        case rows.Drop(columns=names):
            return key if key is not None and not key & set(names) else None
        case rows.Select(columns=items):
            renamed = {item.column: item.as_ or item.column for item in items}
            if key is None or not key <= renamed.keys():
                return None
            return frozenset(renamed[name] for name in key)
        case _:
            return None  # DISTINCT of every column (unknown names here), JOIN, LOOKUP


def _observed_before(step: A.Step, key: Key, observed_after: bool) -> bool:
    """Whether the order of the rows coming into `step` is observed, given whether the order
    of its output is (`observed_after`) and the unique key of its input (`key`)."""
    match step:
        case (
            rows.Filter() | rows.Derive() | rows.Select() | rows.Drop() | rows.Distinct()
            | rows.GroupBy()
        ):  # fmt: skip
            # Order-keeping: row-wise steps keep the rows' order, DISTINCT and GROUP_BY give
            # the order of first appearance (DISTINCT outputs only the compared columns, so
            # which copy is kept cannot be seen); FIRST/LAST read it besides.
            return observed_after or _reads_order(step)
        case rows.AggregateStep():
            return _reads_order(step)
        case rows.Sort(keys=sort_keys):
            # The old order only breaks ties, and there are none on a unique key.
            ties = key is None or not key <= {k.column for k in sort_keys}
            return observed_after and ties
        case rows.Limit() if key == frozenset():
            return observed_after  # at most one row: which rows are kept is not in question
        case _:
            return True


def _reads_order(step: A.Step) -> bool:
    """FIRST and LAST take the value at the smallest or largest ordinal (the checker keeps
    them and the window functions inside GROUP_BY, AGGREGATE and WINDOW)."""
    return any(isinstance(node, agg.First | agg.Last) for node in step.walk())


__all__ = ["input_order_observed"]
