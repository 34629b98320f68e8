"""The optimizer's entry points: `optimize_traced` records, `canonicalize` unifies spellings."""

from __future__ import annotations

import itertools

import polars as pl
import pytest
from pesql.compiler.backends.polars.lower import to_polars
from pesql.compiler.check.check import check
from pesql.compiler.check.schema import Schema
from pesql.compiler.passes import PASSES
from pesql.compiler.passes.optimize import canonicalize, optimize, optimize_traced
from pesql.grammar.parse import parse
from pesql.grammar.printer import to_text

SCHEMA = Schema.of({"price": "float", "cost": "float", "region": "string", "qty": "integer"})


def test_trace_chains_each_change() -> None:
    plan = parse("FROM sales\nDERIVE m = price - cost, t = price * 1\nFILTER qty > 2 * 2\nSELECT m")
    optimized, records = optimize_traced(check(plan, SCHEMA))
    final = optimized.plan
    assert records, "nothing was recorded"
    assert records[0].before == plan
    for first, second in itertools.pairwise(records):
        assert first.after.steps == second.before.steps
    assert records[-1].after.steps == final.steps
    assert {r.name for r in records} <= {p.__name__ for p in PASSES}
    assert final.table == "sales"
    assert to_text(final) == "FROM sales\nFILTER qty > 4\nDERIVE m = price - cost\nSELECT m"


def test_optimize_leaves_an_optimal_plan_alone() -> None:
    checked = check(parse("FILTER qty > 4\nSORT price DESC\nLIMIT 3"), SCHEMA)
    assert optimize(checked) is checked
    assert optimize_traced(checked)[1] == ()


def test_optimize_returns_the_checked_form_of_its_plan() -> None:
    checked = check(parse("DERIVE t = price * 1, u = qty\nFILTER qty > 2 * 2\nSELECT t"), SCHEMA)
    optimized = optimize(checked)
    assert optimized.plan != checked.plan
    again = check(optimized.plan, SCHEMA)
    assert optimized.step_schemas == again.step_schemas
    assert optimized.output_schema == again.output_schema == checked.output_schema
    assert (optimized.input_schema, optimized.table) == (checked.input_schema, checked.table)


def test_optimize_and_to_polars_refuse_an_unchecked_plan() -> None:
    plan = parse("FILTER qty > 4")
    with pytest.raises(TypeError, match=r"optimize takes a CheckedPlan, not Plan.*pesql\.check"):
        optimize(plan)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"optimize takes a CheckedPlan"):
        optimize_traced(plan)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"to_polars takes a CheckedPlan, not Plan"):
        to_polars(plan, pl.LazyFrame({"qty": [1]}))  # type: ignore[arg-type]


SAME = [
    ("FILTER price > 10 AND region = 'West'", "FILTER region = 'West'\nFILTER 10 < price"),
    ("FILTER qty IN (1)", "FILTER 1 = qty"),
    ("FILTER NOT qty < 3", "FILTER 3 <= qty"),
    ("SORT region\nSORT price DESC", "SORT price DESC, region"),
    ("DERIVE t = price + cost * 2", "DERIVE t = 2 * cost + price"),
    ("FILTER TRUE\nDERIVE t = GREATEST(price, cost)", "DERIVE t = GREATEST(cost, price)"),
    ("FILTER qty IN (2, 1, 2) OR FALSE", "FILTER qty IN (1, 2)"),
]
DIFFERENT = [
    ("DERIVE t = (price + cost) + qty", "DERIVE t = price + (cost + qty)"),
    ("FILTER qty BETWEEN 1 AND 3", "FILTER qty >= 1 AND qty <= 3"),
    ("FILTER qty IN (1, 2)", "FILTER qty = 1 OR qty = 2"),
    ("SORT region\nSORT price", "SORT price"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
@pytest.mark.parametrize("schema", [SCHEMA, None], ids=["schema", "no schema"])
def test_canonicalize_unifies(a: str, b: str, schema: Schema | None) -> None:
    assert canonicalize(parse(a), schema) == canonicalize(parse(b), schema)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_canonicalize_does_not_unify(a: str, b: str) -> None:
    # Documented limits (docs/optimizer.md): equal meaning, different canonical forms.
    assert canonicalize(parse(a), SCHEMA) != canonicalize(parse(b), SCHEMA)


def test_canonicalize_needs_schema_for_typed_rules() -> None:
    plan = parse("DERIVE t = price * 1")
    assert to_text(canonicalize(plan)) == "DERIVE t = 1 * price"
    assert to_text(canonicalize(plan, SCHEMA)) == "DERIVE t = price"
