"""Diagnostic codes of the command line: E308, a PLAN argument that cannot be read.

Registered on import of `pesql.runtime.cli` (its `__init__` imports this module).
"""

from __future__ import annotations

from pesql.grammar.diagnostics import Code, register

register(
    "runtime/cli",
    Code(
        "E308",
        "unreadable plan",
        "cannot read the plan file {name}: {problem}",
        "PLAN is a .psql text file, a .json file, or - for stdin",
    ),
)
