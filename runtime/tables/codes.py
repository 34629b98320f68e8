"""Diagnostic codes of the tables wing: E307, a table that cannot be read.

Registered on import of `pesql.runtime.tables` (its `__init__` imports this module).
"""

from __future__ import annotations

from pesql.grammar.diagnostics import Code, register

register(
    "runtime/tables",
    Code(
        "E307",
        "unreadable table",
        "cannot read table {name}: {problem}",
        "check the path and the format (CSV, TSV, Parquet, JSON, NDJSON, IPC, Excel)",
    ),
)
