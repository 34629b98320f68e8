"""Repair in each wire form: canonical arguments pass untouched (no fix is ever made to a valid
plan), and the SQL slips inside p-SQL strings are fixed wherever they appear."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.compiler.repair.repair import repair
from pesql.compiler.repair.slips import fix_slips, fix_text
from pesql.grammar import ast as A
from pesql.grammar.forms import FORMS, Form, to_form
from pesql.grammar.jsonform import dumps
from pesql.grammar.printer import to_text
from pesql.runtime.testing.strategies.syntax import plans


@pytest.mark.parametrize("form", FORMS)
@given(plan=plans())
def test_canonical_arguments_need_no_fix(form: Form, plan: A.Plan) -> None:
    document = to_form(plan, form)
    assert fix_slips(document, form) == (document, ())
    result = repair(dumps(document), form=form)
    assert result.plan == plan and result.trusted and not result.fixes


@given(plan=plans())
def test_canonical_text_has_no_slips(plan: A.Plan) -> None:
    text = to_text(plan)
    assert fix_text(text) == (text, [])


@given(plan=plans(), index=st.integers(min_value=0, max_value=50))
def test_a_slip_in_the_text_form_is_fixed_back_to_the_plan(plan: A.Plan, index: int) -> None:
    text = to_text(plan)
    # `=` as SQL's `==`, outside quotes: the first comparison that is not inside a literal.
    equals = [i for i, c in enumerate(text) if c == "=" and _outside_quotes(text, i)]
    if not equals:
        return
    at = equals[index % len(equals)]
    if text[at - 1] in "<>!=" or text[at + 1 : at + 2] in ("=", ">"):
        return  # part of <=, >=, !=, =>: not a lone `=`
    slipped = text[:at] + "==" + text[at + 1 :]
    result = repair(dumps({"plan": slipped}), form="text")
    assert result.plan == plan
    assert "sql_equals" in result.fix_kinds


def _outside_quotes(text: str, position: int) -> bool:
    quote = ""
    for c in text[:position]:
        if quote:
            quote = "" if c == quote else quote
        elif c in "'`":
            quote = c
    return not quote


def test_slips_in_clause_keyed_compact_steps_are_fixed() -> None:
    document = {
        "steps": [
            {"FILTER": 'region == "West"'},
            {"GROUP_BY": ["a"], "COMPUTE": ["n = COUNT(DISTINCT b)"]},
        ]
    }
    fixed, fixes = fix_slips(document, "compact")
    assert fixed == {
        "steps": [
            {"FILTER": "region = 'West'"},
            {"GROUP_BY": ["a"], "COMPUTE": ["n = COUNT_DISTINCT(b)"]},
        ]
    }
    kinds = {(f.kind, f.pointer) for f in fixes}
    assert ("sql_equals", "/steps/0/FILTER") in kinds
    assert ("count_distinct", "/steps/1/COMPUTE/0") in kinds
    # The same slips are not touched under the tree form, where a string is a column name.
    assert fix_slips(document, "tree") == (document, ())
