"""polars keeps no order nothing observes: GROUP_BY, DISTINCT and JOIN drop `maintain_order`
when the answer never sees their output order (compiler/backends/order.py).

Hand-picked plans say which steps keep their order; a property holds every generated plan
(with a GROUP_BY + SORT of its keys appended, which makes many order-blind) to the same
answer, row order included, as the lowering that keeps every order.
"""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import event, given, note
from pesql.compiler.backends.polars import lower as polars_lower
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.compiler.check.check import check
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.parse import parse
from pesql.grammar.printer import to_text
from pesql.runtime.engine.compare import frames_equal

from tests.compiler.backends.test_differential import plans_and_tables, run_polars
from tests.compiler.backends.test_sql_order import _grouped

CASES = [
    # (plan, whether each step keeps its output's order)
    ("GROUP_BY g COMPUTE n = COUNT(*)", [True]),  # the answer's row order
    ("GROUP_BY g COMPUTE n = COUNT(*)\nSORT g DESC", [False, True]),  # TPC-H Q1's shape
    ("GROUP_BY g COMPUTE n = COUNT(*)\nSORT n", [True, True]),  # ties on n: group order
    ("GROUP_BY g COMPUTE s = SUM(a)\nFILTER s > 3\nSORT g", [False, False, True]),
    ("DISTINCT g\nSORT g", [False, True]),
    ("DISTINCT g\nAGGREGATE n = COUNT(*)", [True, False]),  # an aggregation follows; 1 row
    # A float SUM adds in row order: the groups feeding it keep theirs (same last bits).
    (
        "GROUP_BY g, b COMPUTE s = SUM(a)\nGROUP_BY g COMPUTE t = SUM(s)\nSORT g",
        [True, False, True],
    ),
    ("FILTER a > 1\nSORT a", None),  # nothing could skip work: not even asked
]
SCHEMA = schema_from_polars(pl.Schema({"a": pl.Float64, "b": pl.Int64, "g": pl.String}))


@pytest.mark.parametrize(("text", "kept"), CASES)
def test_which_steps_keep_their_order(text: str, kept: list[bool] | None) -> None:
    plan = parse(text)
    check(plan, SCHEMA)  # every case is a valid plan
    assert polars_lower._kept_orders(plan.steps) == kept


def test_an_unobserved_group_order_is_not_maintained() -> None:
    """The lowered query says so: polars prints `maintain_order: false` for the GROUP_BY."""
    frame = pl.LazyFrame({"a": [1.0, 2.0], "b": [1, 2], "g": ["x", "y"]})

    def explained(text: str) -> str:
        return polars_lower.to_polars(check(parse(text), SCHEMA), frame).explain(optimized=False)

    assert "maintain_order: false" in explained("GROUP_BY g COMPUTE n = COUNT(*)\nSORT g")
    assert "maintain_order: true" in explained("GROUP_BY g COMPUTE n = COUNT(*)")


@given(plans_and_tables)
def test_dropping_unobserved_orders_changes_no_answer(case: tuple[A.Plan, pl.DataFrame]) -> None:
    plan, frame = case
    for candidate in (plan, _grouped(plan, frame)):
        if candidate is None:
            continue
        kept = polars_lower._kept_orders(candidate.steps)
        event("some order dropped" if kept is not None and not all(kept) else "every order kept")
        note(to_text(candidate))
        try:
            answer = run_polars(candidate, frame)
        except (pl.exceptions.PolarsError, PesqlError):
            continue  # e.g. a strict CAST that fails on some row
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(polars_lower, "_kept_orders", lambda steps: None)
            ordered = run_polars(candidate, frame)
        same, why = frames_equal(ordered, answer, ordered=True)
        assert same, why
