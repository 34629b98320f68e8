"""Diagnostic codes of the command line: E308, a PLAN argument that cannot be read; E319, a
file the command was told to use that the system refuses (an output path in a missing folder).

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
    Code(
        "E319",
        "file error",
        "cannot use {name}: {problem}",
        "check the path and its permissions (an --output folder must exist)",
    ),
)
