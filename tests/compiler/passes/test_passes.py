"""Every pass on its fixture cases: the expected rewrite, idempotence, and equal results."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pesql.compiler.check.check import check
from pesql.compiler.passes import PASSES, PassContext, canonical_order
from pesql.grammar.parse import parse
from pesql.grammar.printer import to_text
from pesql.runtime.testing.strategies.typed import tables

from tests.compiler.passes.support import Case, load_cases, run, same_outcome

CASES = load_cases()
BY_NAME = {p.__name__: p for p in (*PASSES, canonical_order)}
RESULT_CASES = [pytest.param(c, id=c.id) for c in CASES]


def test_every_pass_has_a_fixture_file() -> None:
    assert {c.pass_name for c in CASES} == set(BY_NAME)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_pass_rewrites_fixture(case: Case) -> None:
    rewrite = BY_NAME[case.pass_name]
    ctx = PassContext(case.schema)
    before = check(parse(case.source), case.schema)
    after = rewrite(before.plan, ctx)
    assert to_text(after) == to_text(parse(case.expected))
    assert rewrite(after, ctx) == after, "the pass is not idempotent"
    # The rewritten plan still checks and has the same columns.
    assert check(after, case.schema).output_schema.names() == before.output_schema.names()


@pytest.mark.parametrize("case", RESULT_CASES)
@settings(max_examples=15)
@given(data=st.data())
def test_fixture_rewrite_keeps_results(case: Case, data: st.DataObject) -> None:
    frame = data.draw(tables(case.schema))
    same, why = same_outcome(
        run(case.source, frame, case.schema), run(case.expected, frame, case.schema)
    )
    assert same, why
