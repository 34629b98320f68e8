"""The SQL skips numbering the input when the plan never observes its order (sql/order.py).

Three checks: the analysis on hand-picked plans (each rule, both ways), the SQL it leads to
(no window over the whole table), and a property on generated plans: a plan the analysis calls
order-blind gives the same answer, row order included, on the input shuffled. The differential
suites (DuckDB, PostgreSQL, Spark against polars) then run every generated plan through it.
"""

from __future__ import annotations

import random as _random

import polars as pl
import pytest
from hypothesis import event, given, note
from hypothesis import strategies as st
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.compiler.backends.sql.lower import to_sql
from pesql.compiler.backends.sql.order import input_order_observed
from pesql.compiler.check.check import check
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.parse import parse
from pesql.grammar.printer import to_text
from pesql.runtime.engine.compare import frames_equal

from tests.compiler.backends.test_differential import plans_and_tables, run_polars

CASES = [
    # (plan, whether the input's order is observed)
    ("FILTER a > 1", True),  # the answer's rows come in input order
    ("FILTER a > 1\nAGGREGATE n = COUNT(*), s = SUM(a)", False),  # one row
    ("AGGREGATE f = FIRST(a)", True),  # the first row's value
    ("GROUP_BY g COMPUTE n = COUNT(*)", True),  # groups in order of first appearance
    ("GROUP_BY g COMPUTE n = COUNT(*)\nSORT g DESC", False),  # sorted on the unique key
    ("GROUP_BY g COMPUTE n = COUNT(*)\nSORT n", True),  # ties on n keep group order
    ("GROUP_BY g COMPUTE n = COUNT(*)\nSORT n, g", False),
    ("GROUP_BY g COMPUTE l = LAST(a)\nSORT g", True),  # LAST reads the order
    ("GROUP_BY g, b COMPUTE n = COUNT(*)\nSORT g", True),  # g alone is not unique
    ("GROUP_BY g COMPUTE n = COUNT(*)\nDERIVE g = n\nSORT g", True),  # the key overwritten
    ("GROUP_BY g COMPUTE n = COUNT(*)\nSELECT g AS k, n\nSORT k", False),  # renamed
    ("GROUP_BY g COMPUTE n = COUNT(*)\nSELECT n\nSORT n", True),  # the key dropped
    ("GROUP_BY g COMPUTE n = COUNT(*)\nDROP g\nSORT n", True),
    ("SORT a\nLIMIT 3", True),  # which rows are kept
    ("AGGREGATE n = COUNT(*)\nLIMIT 1", False),  # at most one row anyway
    ("DISTINCT g\nSORT g", False),
    ("DISTINCT g", True),
    ("WINDOW r = ROW_NUMBER() ORDER BY a\nAGGREGATE m = MAX(r)", True),  # conservative
    ("SORT a\nGROUP_BY g COMPUTE n = COUNT(*)\nSORT g", False),  # the first SORT is unseen
]
SCHEMA = schema_from_polars(pl.Schema({"a": pl.Int64, "b": pl.Int64, "g": pl.String}))


@pytest.mark.parametrize(("text", "observed"), CASES)
def test_which_plans_observe_the_input_order(text: str, observed: bool) -> None:
    plan = parse(text)
    check(plan, SCHEMA)  # every case is a valid plan
    assert input_order_observed(plan.steps) is observed


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "spark", "sqlite"])
def test_an_order_blind_plan_numbers_no_rows(dialect: str) -> None:
    blind = to_sql(parse("FILTER a > 1\nAGGREGATE s = SUM(a)"), SCHEMA, dialect)  # type: ignore[arg-type]
    assert "ROW_NUMBER" not in blind.upper() and "MONOTONICALLY" not in blind.upper()
    seen = to_sql(parse("FILTER a > 1"), SCHEMA, dialect)  # type: ignore[arg-type]
    assert "ROW_NUMBER" in seen.upper()


def _grouped(plan: A.Plan, frame: pl.DataFrame) -> A.Plan | None:
    """`plan` followed by a GROUP_BY and a SORT on its first output column (order-blind when
    the plan before it is), or None when it does not check."""
    try:
        first = check(plan, schema_from_polars(frame.schema)).output_schema.names()[0]
    except (PesqlError, IndexError):
        return None
    suffix = parse(f"GROUP_BY `{first}` COMPUTE n__ = COUNT(*)\nSORT `{first}` DESC")
    return A.Plan(steps=(*plan.steps, *suffix.steps), table=plan.table)


@given(plans_and_tables, st.randoms(use_true_random=False))
def test_order_blind_plans_answer_alike_on_shuffled_input(
    case: tuple[A.Plan, pl.DataFrame], rnd: _random.Random
) -> None:
    plan, frame = case
    order = list(range(frame.height))
    rnd.shuffle(order)
    shuffled = frame[order]
    for candidate in (plan, _grouped(plan, frame)):
        if candidate is None or input_order_observed(candidate.steps):
            event("order observed")
            continue
        event("order-blind")
        note(to_text(candidate))
        try:
            expected = run_polars(candidate, frame)
        except (pl.exceptions.PolarsError, PesqlError):
            continue  # e.g. a strict CAST that fails on some row
        same, why = frames_equal(expected, run_polars(candidate, shuffled), ordered=True)
        assert same, why
