"""Regressions: what the passes got wrong while they kept their own tables of operations.

The tables missed two operations that can fail at run time (PARSE_DURATION, ROUND with
negative digits), so fold_constants dropped them unevaluated and an optimized plan ran where
the original fails; and SUB_ABS, which commutes, kept two canonical forms.
"""

from __future__ import annotations

import polars as pl
import pytest
from pesql.compiler.check.check import check
from pesql.compiler.check.schema import Schema
from pesql.compiler.passes.optimize import canonicalize, optimize
from pesql.grammar.parse import parse
from pesql.grammar.printer import to_text

from tests.compiler.passes.support import run, same_outcome

FRAME = pl.DataFrame(
    {"i": pl.Series([1, 2**63 - 1], dtype=pl.Int64), "s": ["1:00", "9" * 30 + ":00:00"]}
)
SCHEMA = Schema.of({"i": "integer", "s": "string"})


@pytest.mark.parametrize(
    "source",
    [
        "DERIVE r = COALESCE(1, ROUND(i, -1))",
        "FILTER ROUND(i, -1) > 0 OR TRUE",
        "DERIVE r = COALESCE(1.5, TOTAL_SECONDS(PARSE_DURATION(s)))",
        "FILTER PARSE_DURATION(s) IS NULL OR TRUE",
    ],
)
def test_an_operation_that_fails_is_not_optimized_away(source: str) -> None:
    checked = check(parse(source), SCHEMA)
    original = run(checked, FRAME)
    assert isinstance(original, pl.exceptions.InvalidOperationError)  # int64 overflow
    optimized = optimize(checked)
    same, why = same_outcome(original, run(optimized, FRAME))
    assert same, f"{to_text(optimized.plan)}: {why}"


def test_sub_abs_has_one_canonical_form() -> None:
    schema = Schema.of({"a": "integer", "b": "float"})
    one, other = (parse(f"DERIVE d = SUB_ABS({x}, {y})") for x, y in (("a", "b"), ("b", "a")))
    assert canonicalize(one, schema) == canonicalize(other, schema)
