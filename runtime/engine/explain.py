"""`pesql explain`: the plan as written, what each optimizer pass changed, and polars' plan."""

from __future__ import annotations

from typing import Any

from pesql.grammar.printer import to_text


def explain_text(compiled: Any, tables: Any) -> str:
    """Before/after text, the passes that changed the plan, the schema and polars' plan."""
    checked = compiled.checked
    parts = [f"-- as written (checked)\n{to_text(checked.plan)}"]
    from pesql.compiler.passes.optimize import optimize_traced

    optimized, records = optimize_traced(checked)
    changed = [r.name for r in records]
    parts.append("-- passes that changed it: " + (", ".join(changed) if changed else "none"))
    parts.append(f"-- optimized\n{to_text(optimized.plan)}")
    parts.append(compiled.explain(tables))
    return "\n\n".join(parts)
