"""The compact form's clause-keyed step objects (grammar/clauses.py): read, printed, pointed
into, and refused with a diagnostic when malformed."""

from __future__ import annotations

import pytest
from hypothesis import given
from pesql.grammar import ast as A
from pesql.grammar.clauses import CLAUSES, PieceMap, step_clauses
from pesql.grammar.diagnostics import PesqlError
from pesql.grammar.forms import from_form, to_form
from pesql.grammar.parse import parse, parse_step
from pesql.grammar.registry import Naming, all_ops
from pesql.runtime.testing.strategies.syntax import plans


def _errors(document: object) -> list[tuple[str, str]]:
    with pytest.raises(PesqlError) as caught:
        from_form(document, "compact")
    return [(d.code, str(d.origin)) for d in caught.value.diagnostics]


def test_every_step_has_clauses() -> None:
    assert set(CLAUSES) == {s.name for s in all_ops("step")}


@pytest.mark.parametrize(
    ("text", "keyed"),
    [
        ("FILTER x > 3", {"FILTER": "x > 3"}),
        ("GROUP_BY a, b COMPUTE n = COUNT(*)", {"GROUP_BY": "a, b", "COMPUTE": "n = COUNT(*)"}),
        ("GROUP_BY a", {"GROUP_BY": "a"}),
        ("SORT n DESC, `odd name`", {"SORT": "n DESC, `odd name`"}),
        ("LIMIT 3 OFFSET 2 WITH TIES", {"LIMIT": 3, "OFFSET": 2, "WITH_TIES": True}),
        ("SELECT a AS b, c", {"SELECT": "a AS b, c"}),
        ("DISTINCT", {"DISTINCT": ""}),
        (
            "WINDOW r = RANK() PARTITION BY g ORDER BY x DESC",
            {"WINDOW": "r = RANK()", "PARTITION_BY": "g", "ORDER_BY": "x DESC"},
        ),
        ("JOIN LEFT planes ON a = b", {"JOIN": "planes", "KIND": "LEFT", "ON": "a = b"}),
        ("JOIN planes ON a = b", {"JOIN": "planes", "ON": "a = b"}),
        ("LOOKUP `my table` ON a = b", {"LOOKUP": "`my table`", "ON": "a = b"}),
    ],
)
def test_clause_objects_match_the_text(text: str, keyed: dict[str, object]) -> None:
    step = parse_step(text)
    assert isinstance(step, A.Step)
    assert step_clauses(step) == keyed
    assert from_form({"steps": [keyed]}, "compact").steps == (step,)


def test_arrays_of_items_and_any_case_are_read() -> None:
    expected = parse("GROUP_BY a, b COMPUTE n = COUNT(*), m = MAX(x)")
    keyed = {"group_by": ["a", "b"], "compute": ["n = COUNT(*)", "m = MAX(x)"]}
    assert from_form({"steps": [keyed]}, "compact") == expected


def test_a_renamed_step_is_keyed_by_its_exposed_name() -> None:
    naming = Naming(renames={"FILTER": "KEEP"})
    plan = parse("FILTER x > 1")
    document = to_form(plan, "compact", naming)
    assert document == {"steps": [{"KEEP": "x > 1"}]}
    assert from_form(document, "compact", naming) == plan


def test_diagnostics_point_into_the_clause_string() -> None:
    document = {"steps": [{"GROUP_BY": "a", "COMPUTE": "n = COUNT(*) +"}]}
    (code, where), *_ = _errors(document)
    assert code.startswith("E10") and where.startswith("/steps/0/COMPUTE 1:")
    # An item of an array: the pointer names the item, the column is inside it.
    items = {"steps": [{"DERIVE": ["a = 1", "b = ("]}]}
    assert _errors(items)[0][1].startswith("/steps/0/DERIVE/1 1:")


def test_nodes_carry_the_string_they_came_from() -> None:
    plan = from_form({"steps": [{"DERIVE": "gap = SUB_ABS(price, cost)"}]}, "compact")
    call = plan.steps[0].columns[0].expr  # type: ignore[attr-defined]
    assert call.origin == A.InString(A.Pointer("/steps/0/DERIVE"), A.Span(1, 7, 1, 27))


@pytest.mark.parametrize(
    ("step", "code", "where"),
    [
        ({"FILTER": "x > 1", "WHERE": "y"}, "E153", "/steps/0/WHERE"),
        ({"FILTER": 3.5}, "E154", "/steps/0/FILTER"),
        ({"LIMIT": 3, "WITH_TIES": "yes"}, "E154", "/steps/0/WITH_TIES"),
        ({"DERIVE": ["a = 1", 2]}, "E154", "/steps/0/DERIVE/1"),
        ({"FILTER": "x > 1 SORT y"}, "E101", "/steps/0/FILTER 1:7"),
    ],
)
def test_malformed_clauses_are_diagnosed(step: dict[str, object], code: str, where: str) -> None:
    assert (code, where) in _errors({"steps": [step]})


def test_an_object_without_op_or_a_step_key_still_asks_for_op() -> None:
    assert ("E152", "/steps/0") in _errors({"steps": [{"column": "x"}]})


@given(plan=plans())
def test_compact_steps_print_as_their_text(plan: A.Plan) -> None:
    # Every clause object reads back as the step the text form writes.
    for step, keyed in zip(plan.steps, to_form(plan, "compact")["steps"], strict=True):
        assert from_form({"steps": [keyed]}, "compact").steps == (step,)


@given(plan=plans())
def test_one_line_steps_are_placed_as_by_their_spans(plan: A.Plan) -> None:
    # The reader hands a one-line step's offsets to the piece map (`PieceMap.offsets`) instead
    # of a Span: every node must land where translating its Span puts it (origins are left
    # out of equality, so they are compared here one by one).
    document = to_form(plan, "compact")
    fast = from_form(document, "compact")
    offsets = PieceMap.offsets
    try:
        del PieceMap.offsets  # the reader then builds Spans and calls the map with them
        slow = from_form(document, "compact")
    finally:
        PieceMap.offsets = offsets  # type: ignore[method-assign]
    pairs = list(zip(fast.walk(), slow.walk(), strict=True))
    assert pairs and all(a.origin == b.origin for a, b in pairs)
