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
)
