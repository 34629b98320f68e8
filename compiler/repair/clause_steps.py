"""Several steps written in one compact step object, read as the steps they are.

Asked for the compact form (grammar/clauses.py), a small model writes a query's clauses into
one object, as one SQL statement holds WHERE, GROUP BY and ORDER BY:

    {"FILTER": "species = 'Chinstrap'", "GROUP_BY": "island", "COMPUTE": "n = COUNT(*)"}

(Qwen2.5-Coder-1.5B, docs/evaluation.md "Wire forms on the 1.5B model": most of its compact
replies had this shape, and the E153 it got back did not teach it otherwise.) Such an object
is read as its steps, one per step keyword, each with the clause keys that follow it
(`COMPUTE` after `GROUP_BY`, `ORDER_BY` after `WINDOW`; after any other step `ORDER_BY` is
SORT and `COMPUTE` an AGGREGATE over the whole table, as in SQL):

    >>> value = {"steps": [{"FILTER": "x > 1", "GROUP_BY": "a", "COMPUTE": "n = COUNT(*)"}]}
    >>> split_steps(value)[0]
    {'steps': [{'FILTER': 'x > 1'}, {'GROUP_BY': 'a', 'COMPUTE': 'n = COUNT(*)'}]}

Only when the keys come in the order SQL evaluates its clauses (`SQL_ORDER`), with one
grouping at most (SQL groups once a statement): the order the keys are written in and the
order SQL would run them in are then the same, so the reading has one meaning. In any other
order (`LIMIT` before `SORT`; `SELECT` first, as SQL is written) the object is left as it is
and lowering reports each extra step key (E153) with a hint to write one object per step, in
the order the steps run.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from pesql.compiler.repair.json.fixes import Fix, JSONValue
from pesql.grammar.clauses import CLAUSES
from pesql.grammar.registry import DEFAULT_NAMING, Naming, lookup

# The place of each step among SQL's clauses, in the order SQL evaluates them: FROM/JOIN,
# WHERE, GROUP BY, HAVING, window functions, SELECT, DISTINCT, ORDER BY, LIMIT. FILTER and
# DERIVE are WHERE (and row-level computing) before a GROUP_BY or AGGREGATE, HAVING after it.
SQL_ORDER: dict[str, int] = {
    "JOIN": 0,
    "LOOKUP": 0,
    "FILTER": 1,
    "DERIVE": 1,
    "GROUP_BY": 2,
    "AGGREGATE": 2,
    "WINDOW": 4,
    "SELECT": 5,
    "DROP": 5,
    "DISTINCT": 6,
    "SORT": 7,
    "LIMIT": 8,
}
_AFTER_GROUPING = 3  # FILTER and DERIVE after GROUP_BY/AGGREGATE: SQL's HAVING
_GROUPING = frozenset({"GROUP_BY", "AGGREGATE"})


def split_steps(
    value: JSONValue, naming: Naming | None = None
) -> tuple[JSONValue, tuple[Fix, ...]]:
    """`value` with every step object that holds several steps (in SQL's order) split into
    them, and one `steps_in_one_object` fix per object split."""
    raw = value.get("steps") if isinstance(value, dict) else None
    if not isinstance(value, dict) or not isinstance(raw, list):
        return value, ()
    steps: list[JSONValue] = []
    fixes: list[Fix] = []
    for i, step in enumerate(raw):
        parts = step_parts(step, naming)
        if parts is None:
            steps.append(step)
            continue
        before = json.dumps(step, ensure_ascii=False)
        after = json.dumps(parts, ensure_ascii=False)
        fixes.append(Fix("steps_in_one_object", -1, before, after, f"/steps/{i}"))
        steps.extend(parts)
    if not fixes:
        return value, ()
    return {**value, "steps": steps}, tuple(fixes)


def step_parts(step: JSONValue, naming: Naming | None = None) -> list[JSONValue] | None:
    """The steps a clause-keyed object holds when it holds two or more in SQL's order, else
    None (one step, an unknown key, an `op`-keyed step, or an order SQL would not run)."""
    parts = _parts(step, naming)
    if parts is None or len(parts) < 2 or not in_sql_order([name for name, _ in parts]):
        return None
    return [part for _, part in parts]


def _parts(step: JSONValue, naming: Naming | None) -> list[tuple[str, dict[str, JSONValue]]] | None:
    if not isinstance(step, dict) or not step or "op" in step:
        return None
    parts: list[tuple[str, dict[str, JSONValue]]] = []
    for key, item in step.items():
        if parts and key.upper() in _clause_keys(parts[-1][0]):
            parts[-1][1][key] = item
            continue
        spec = lookup(key, naming)
        if spec is None and parts and key.upper() == "COMPUTE":
            # COMPUTE with no GROUP_BY before it: aggregates over the whole table, as SQL's
            # `SELECT COUNT(*) FROM t WHERE ...` (the model's {"FILTER": .., "COMPUTE": ..}).
            parts.append(("AGGREGATE", {(naming or DEFAULT_NAMING).exposed("AGGREGATE"): item}))
            continue
        if spec is None or spec.name not in CLAUSES:
            return None  # not a step keyword: lowering says what it is
        parts.append((spec.name, {key: item}))
    return parts


def _clause_keys(step: str) -> frozenset[str]:
    """The keys of `step`'s clauses besides its own (JOIN writes KIND before its name)."""
    return frozenset(key for key, _, _ in CLAUSES[step] if key != step)


def in_sql_order(names: Sequence[str]) -> bool:
    """Whether steps `names` (canonical) come in the order SQL evaluates their clauses."""
    last, grouped = -1, False
    for name in names:
        rank = SQL_ORDER[name]
        if grouped and name in ("FILTER", "DERIVE"):
            rank = _AFTER_GROUPING
        if rank < last or (grouped and name in _GROUPING):  # SQL groups once a statement
            return False
        last, grouped = rank, grouped or name in _GROUPING
    return True


__all__ = ["SQL_ORDER", "in_sql_order", "split_steps", "step_parts"]
