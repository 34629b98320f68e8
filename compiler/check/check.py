"""The type checker: a plan against a table schema -> `CheckedPlan` (or every problem at once).

Each step maps the current schema to the next one (`check_step`, a singledispatch table);
expressions are typed by `check_expr.infer`. After an error the checker goes on with a
best-effort schema, so a model retrying sees all problems of its plan together.

    >>> from pesql.grammar.parse import parse
    >>> plan = parse("FILTER price > 10\\nSELECT price AS p")
    >>> check(plan, Schema.of({"price": "float"})).output_schema.names()
    ['p']

The rewritten `plan` has column names resolved to the schema's exact spelling and date
text compared with dates turned into date literals. Semantics: docs/checking.md.
"""

from __future__ import annotations

from collections.abc import Mapping

# Imported for its registrations on `check_step` (JOIN, LOOKUP).
import pesql.compiler.check.joins  # noqa: F401
from pesql.compiler.check.expr import Scope, infer
from pesql.compiler.check.lints import static_warnings
from pesql.compiler.check.resolve import Resolver
from pesql.compiler.check.schema import ColumnType, Schema
from pesql.compiler.check.steps import StepState, check_step
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Diagnostic, PesqlError, nearest
from pesql.grammar.record import Record, record


@record(kw_only=False)
class CheckedPlan(Record):
    """A plan that type-checks, with the schema after every step."""

    plan: A.Plan
    input_schema: Schema
    step_schemas: tuple[Schema, ...]
    output_schema: Schema
    notes: tuple[Diagnostic, ...]
    table: str | None
    # The schemas of the tables JOIN and LOOKUP read, in first-use order.
    joined: tuple[tuple[str, Schema], ...] = ()


def check(
    plan: A.Plan,
    schema: Schema | Mapping[str, Schema],
    *,
    tables: Mapping[str, Schema] | None = None,
) -> CheckedPlan:
    """Type-check `plan` against one table schema or a catalog `{table name: schema}`.

    JOIN and LOOKUP read the catalog's other tables: `tables` names them when `schema` is
    one table's schema (the optimizer checks rewritten plans that way).

    Raises `PesqlError` carrying every error (and the warnings found on the way).
    """
    if not isinstance(plan, A.Plan):
        raise TypeError(
            f"check takes a Plan (from pesql.parse or pesql.from_json), not {type(plan).__name__}"
        )
    require_schema(schema)
    resolver = Resolver()
    table, input_schema = _pick_table(plan, schema, resolver.diagnostics)
    if resolver.diagnostics:
        # Without the table every column would be unknown: one E210 says it all.
        raise PesqlError(resolver.diagnostics)
    catalog = tables if tables is not None else {} if isinstance(schema, Schema) else schema
    state = StepState(schema=input_schema, resolver=resolver, catalog=catalog)
    steps: list[A.Step] = []
    schemas: list[Schema] = []
    for index, step in enumerate(plan.steps):
        state.index = index
        new_step, state.schema = check_step(step, state)
        steps.append(new_step)
        schemas.append(state.schema)
    diagnostics = resolver.diagnostics
    if any(d.severity == "error" for d in diagnostics):
        raise PesqlError(diagnostics)
    changed = any(a is not b for a, b in zip(steps, plan.steps, strict=True))
    checked = A.Plan(table=plan.table, steps=tuple(steps), origin=plan.origin) if changed else plan
    diagnostics = [*diagnostics, *static_warnings(checked)]
    return CheckedPlan(
        plan=checked,
        input_schema=input_schema,
        step_schemas=tuple(schemas),
        output_schema=state.schema,
        notes=tuple(diagnostics),
        table=table,
        joined=tuple(state.joined.items()),
    )


def _pick_table(
    plan: A.Plan, schema: Schema | Mapping[str, Schema], out: list[Diagnostic]
) -> tuple[str | None, Schema]:
    where = plan.origin.child("table") if isinstance(plan.origin, A.Pointer) else plan.origin
    if isinstance(schema, Schema):
        return plan.table, schema
    if plan.table is None:
        if len(schema) == 1:
            name, only = next(iter(schema.items()))
            return name, only
        listed = ", ".join(f"`{n}`" for n in schema)
        out.append(
            Diagnostic.make(
                "E210",
                where,
                name="(none)",
                hints=(f"name the table to read: one of {listed}",),
            )
        )
        return None, Schema()
    found = schema.get(plan.table)
    if found is not None:
        return plan.table, found
    close = nearest(plan.table, list(schema))
    hints = ("did you mean " + " or ".join(f"`{c}`" for c in close) + "?",) if close else ()
    out.append(Diagnostic.make("E210", where, name=plan.table, hints=hints))
    return plan.table, Schema()


def require_schema(schema: object) -> None:
    """A TypeError saying what a schema is, for anything else (a wrong type from the Python
    API would otherwise fail deep inside as an AttributeError)."""
    if isinstance(schema, Schema):
        return
    if isinstance(schema, Mapping) and all(
        isinstance(k, str) and isinstance(v, Schema) for k, v in schema.items()
    ):
        return
    shown = type(schema).__name__
    if isinstance(schema, Mapping):
        values = sorted({type(v).__name__ for v in schema.values()})
        shown = f"a {shown} of {', '.join(values) or 'nothing'}"
    raise TypeError(
        f"a schema is a pesql.Schema (Schema.of({{'price': 'float'}}), or "
        f"pesql.schema_from_polars(frame.schema)) or a mapping {{table name: Schema}}, not {shown}"
    )


def require_checked(value: object, stage: str) -> CheckedPlan:
    """`value` if it is a `CheckedPlan`; otherwise a TypeError saying how to get one.

    Stages after the checker (`optimize`, `to_polars`) take the checker's output type, so an
    unchecked plan (unknown names, untyped dates) never reaches them by accident."""
    if isinstance(value, CheckedPlan):
        return value
    raise TypeError(
        f"{stage} takes a CheckedPlan, not {type(value).__name__}: "
        "check the plan first (pesql.check(plan, schema))"
    )


def infer_expr(expr: A.Expr, schema: Schema) -> ColumnType:
    """The type of `expr` over `schema`, wherever a step may place it (aggregates and window
    functions allowed); raises `PesqlError` when it is ill-typed."""
    scope = Scope(schema, Resolver(), mode="any", ordered=True)
    _new, ctype = infer(expr, scope)
    errors = [d for d in scope.out if d.severity == "error"]
    if errors:
        raise PesqlError(errors)
    return ctype


__all__ = ["CheckedPlan", "check", "infer_expr", "require_checked", "require_schema"]
