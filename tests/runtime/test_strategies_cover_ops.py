"""The typed generators draw every scalar, aggregate and window operation of the registry.

They are built from `exprs.typings` (each operation's accepted argument types, read from its
signature with the checker as the oracle) and `exprs.fitting` (the typings whose operands a
schema can supply at a depth). `well_typed_exprs(schema, t, depth)` picks among
`fitting(schema, "scalar", depth - 1, t)` with every operation equally likely, and `plans`
among `fitting(schema, "aggregate" | "window", 1)`; so an operation is generated exactly when it
is in those lists. A new operation needs no generator edit, and one that cannot be generated
fails here by name.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from pesql.compiler.check.check import check, infer_expr
from pesql.compiler.check.schema import Schema
from pesql.grammar import ast as A
from pesql.grammar.ops import rows
from pesql.grammar.registry import Category, OpSpec, all_ops
from pesql.grammar.types import VALUE_TYPES
from pesql.runtime.testing.strategies.exprs import calls, fitting, typings
from pesql.runtime.testing.strategies.typed import DEFAULT_DTYPES

# Operations the generators may leave out, each with the reason. None today: keep it so.
NOT_GENERATED: dict[str, str] = {}

EVERY_TYPE = Schema.of({f"c_{t}": t for t in VALUE_TYPES})
# What whole-plan fuzzing draws: no decimal or duration columns (they come from CAST and
# PARSE_DURATION), so some operations need a deeper operand.
USUAL = Schema.of({f"c_{t}": t for t in DEFAULT_DTYPES})
EXPRESSION_OPS = [s for s in all_ops() if s.category != "step"]
# The depth of operands each category is generated with (well_typed_exprs' default depth is 3;
# plans draw aggregate and window operands of depth 1).
DEPTH: dict[Category, int] = {"scalar": 2, "aggregate": 1, "window": 1}


@pytest.mark.parametrize("schema", [EVERY_TYPE, USUAL], ids=["every type", "usual types"])
@pytest.mark.parametrize("category", ["scalar", "aggregate", "window"])
def test_every_operation_is_drawn(schema: Schema, category: Category) -> None:
    drawn = {t.spec.name for t in fitting(schema, category, DEPTH[category])}
    declared = {s.name for s in all_ops(category)}
    missing = sorted(declared - drawn - set(NOT_GENERATED))
    assert not missing, f"never generated: {missing}"


def test_exemptions_are_real_operations() -> None:
    assert set(NOT_GENERATED) <= {s.name for s in EXPRESSION_OPS}


@pytest.mark.parametrize("spec", EXPRESSION_OPS, ids=lambda s: s.name)
def test_calls_of_each_operation_check(spec: OpSpec) -> None:
    """Each operation's drawn calls type-check, with the type their typing promised."""
    own = [t for t in typings(spec.category) if t.spec is spec]
    assert own, f"{spec.name}: no typing accepted by the checker"

    @settings(max_examples=10, derandomize=True, database=None)
    @given(calls(EVERY_TYPE, own, 1))
    def run(expr: A.Expr) -> None:
        assert isinstance(expr, spec.cls)
        promised = {t.result for t in own}
        if spec.category == "scalar":
            assert infer_expr(expr, EVERY_TYPE).dtype in promised
            return
        order = (A.SortKey(column="c_integer"),)
        step = rows.Window(columns=(A.Assign(name="r", expr=expr),), order_by=order)
        checked = check(A.Plan(steps=(step,)), EVERY_TYPE)
        ctype = checked.output_schema.get("r")
        assert ctype is not None and ctype.dtype in promised

    run()
