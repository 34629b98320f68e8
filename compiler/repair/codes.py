"""Diagnostic codes of repair: E4xx, model output that cannot be (safely) repaired.

Registered on import of `pesql.compiler.repair` (its `__init__` imports this module), so the
generic JSON reader in `repair/json/` can raise them too.
"""

from __future__ import annotations

from pesql.grammar.diagnostics import Code, register

register(
    "compiler/repair",
    Code(
        "E401",
        "unrepairable",
        "the model output cannot be repaired: {problem}",
        "send the plan again as one complete JSON object",
    ),
    Code(
        "E402",
        "ambiguous repair",
        "the model output can be repaired in more than one way: {problem}",
        "the readings give different plans, so none is picked: send the plan again",
    ),
    Code(
        "E403",
        "untrusted repair",
        "the output was repaired, but the plan may not be what the model meant: {problem}",
        "a warning: read the fix log (RepairResult.fixes) before trusting the plan",
    ),
    Code(
        "E404",
        "repair budget exceeded",
        "the model output has too many possible readings to repair: {problem}",
        "send the plan again as one complete JSON object (the repair budget is in "
        "docs/execution.md)",
    ),
)
