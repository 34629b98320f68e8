"""Diagnostic codes of the engine: E3xx, the limits of a run and failures while running.

E302 and E306, limits the parser enforces too, are the grammar's (grammar/codes.py); E301,
the plan-size limit compiler/check/size.py enforces, is the checker's.
Registered on import of `pesql.runtime.engine` (its `__init__` imports this module).
"""

from __future__ import annotations

from pesql.grammar.diagnostics import Code, register

register(
    "runtime/engine",
    Code(
        "E303",
        "time budget exceeded",
        "the time budget of {expected} ran out while {found}",
        "covers the whole request (repair, compile, polars' planning, the run), and the work "
        "stops at E303; filter or aggregate earlier, or ask for fewer rows",
    ),
    Code(
        "E304",
        "output truncated",
        "output truncated to {expected} rows",
        "a warning: aggregate, filter or LIMIT to see everything",
    ),
    Code(
        "E305",
        "execution failed",
        "execution failed: {problem}",
        "TRY_CAST gives null where a strict CAST fails; compile again for another table",
    ),
    Code(
        "E311",
        "result too large",
        "the result would take {found}, past the budget of {expected} ({when})",
        "estimated per step before running (width x rows, from the table's statistics) and "
        "measured while running; also the service's cap on a response's size",
    ),
    Code(
        "W301",
        "literal matches no row",
        "{found} matches no row of `{name}`",
        "write the value as the table spells it (the warning shows the near spellings)",
    ),
    Code(
        "W302",
        "filter empties the result",
        "the answer is empty: the FILTER at {found} removed the last row",
        "loosen the condition, or check the values it compares with",
    ),
    Code(
        "E330",
        "lookup key repeats",
        "LOOKUP key `{name}` repeats in `{table}`: {found}",
        "LOOKUP needs a key that is unique in the joined table; use JOIN for several matches",
    ),
    Code(
        "E331",
        "join too large",
        "the joins could produce up to {found} rows, the limit is {expected}",
        "join on every key column, or FILTER / GROUP_BY first (Limits.max_join_rows)",
    ),
    Code(
        "W330",
        "join multiplies rows",
        "{name} turned {found}: {keys} repeats in `{table}` (up to {most} rows per key)",
        "a warning: use LOOKUP if each row should find one match",
    ),
    Code(
        "W331",
        "most rows find no match",
        "{name}: {found} find no match in `{table}` (they {effect})",
        "a warning: usually the wrong key, or keys spelled differently (' 12' vs 12)",
    ),
)

# Summary rows (runtime/engine/summary_warnings.py: W310) and the order warnings
# (order_warnings.py: W304, W305).
register(
    "runtime/engine",
    Code(
        "W310",
        "summary row in the answer",
        "{found} takes part in the answer: it changes without that row",
        "filter the summary row out (the hint names the condition), or load the table with "
        "summary_rows='drop'",
    ),
    Code(
        "W304",
        "text ordered as text",
        "{found} orders `{name}` as text, but it holds {kind}s written as text",
        "order by the parsed value: PARSE_NUMBER, PARSE_DURATION or PARSE_DATE",
    ),
    Code(
        "W305",
        "LIMIT splits a tie",
        "{found} cuts through a tie: {problem}",
        "write LIMIT n WITH TIES to keep every tied row, or add a SORT key that breaks the tie",
    ),
)

# GROUP_BY steps that do not group (runtime/engine/group_warnings.py).
register(
    "runtime/engine",
    Code(
        "W307",
        "GROUP_BY makes one group",
        "{found} makes one group: {problem}",
        "for one value, AGGREGATE gives the same row without the key column",
    ),
    Code(
        "W308",
        "GROUP_BY makes a group per row",
        "{found} makes a group per row: {problem}",
        "for one value over the rows write AGGREGATE; to group, choose a key whose values repeat",
    ),
)
