"""Diagnostic codes of the SQL backend: E310, a plan a SQL dialect cannot express.

Registered on import of `pesql.compiler.backends.sql` (its `__init__` imports this module).
"""

from __future__ import annotations

from pesql.grammar.diagnostics import Code, register

register(
    "compiler/backends/sql",
    Code(
        "E310",
        "unsupported in dialect",
        "`{name}` cannot be expressed in SQL dialect {dialect}",
        "run the plan with polars, or pick a dialect that has the operation (docs/sql.md)",
    ),
)
