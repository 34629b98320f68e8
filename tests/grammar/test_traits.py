"""Operation traits: every expression operation declares them, and the passes' tables derive
from them.

The expected values below are the hand tables the passes held before the traits existed
(`_FALLIBLE` and the PARSE_DATE special case in analysis, `_CONDITIONAL` in
share_subexpressions, `_SYMMETRIC`/`_VARIADIC` in canonical_order, `_FLIP` in fold_constants).
A derived table may differ from its old hand table only by a difference written down here.
"""

from __future__ import annotations

import dataclasses
import importlib
import re

import pytest
from pesql.grammar import ast as A
from pesql.grammar.ops import logic, text
from pesql.grammar.ops import numeric as num
from pesql.grammar.ops import operators as op
from pesql.grammar.record import record
from pesql.grammar.registry import STEP_TRAITS, OpSpec, Traits, all_ops, lookup, operation

EXPRESSION_OPS = [s for s in all_ops() if s.category != "step"]
X = A.Col(name="x")

# The hand tables as they were.
OLD_FALLIBLE = {"CAST", "REGEXP_MATCH", "REGEXP_EXTRACT", "REGEXP_REPLACE"}  # + PARSE_DATE(format)
OLD_CONDITIONAL = {
    op.Div,
    op.Mod,
    num.Sqrt,
    num.Ln,
    num.Log,
    num.Pow,
    num.Exp,
    logic.If,
    logic.Case,
}
OLD_SYMMETRIC = {op.Add, op.Mul, op.Eq, op.Ne}
OLD_VARIADIC = {op.And, op.Or, num.Greatest, num.Least}
OLD_FLIP = {op.Lt: op.Ge, op.Le: op.Gt, op.Gt: op.Le, op.Ge: op.Lt, op.Eq: op.Ne, op.Ne: op.Eq}


def _pass(name: str) -> object:
    # The passes package re-exports functions under the modules' names: import the modules.
    return importlib.import_module(f"pesql.compiler.passes.{name}")


def test_traits_have_no_defaults() -> None:
    """A new operation cannot inherit a trait silently: each field must be written."""
    assert all(
        f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        for f in dataclasses.fields(Traits)
    )


@pytest.mark.parametrize("spec", EXPRESSION_OPS, ids=lambda s: s.name)
def test_every_expression_operation_declares_its_traits(spec: OpSpec) -> None:
    assert spec.traits is not STEP_TRAITS, f"{spec.name}: traits not declared"
    assert isinstance(spec.traits, Traits)


def test_steps_have_no_traits_of_their_own() -> None:
    assert all(s.traits is STEP_TRAITS for s in all_ops("step"))


def test_an_operation_without_traits_is_refused() -> None:
    @record
    class Twice(A.Call):
        value: A.Expr

    decorate = operation("TWICE_TEST", category="scalar", describe="x", example="TWICE_TEST(x)")
    with pytest.raises(TypeError, match="declares its traits"):
        decorate(Twice)
    assert lookup("TWICE_TEST") is None


def test_traits_that_contradict_the_fields_are_refused() -> None:
    @record
    class Half(A.Call):
        value: A.Expr

    wrong = Traits(
        fails="with_format", commutes=True, variadic=True, conditional=False, negation=None
    )
    decorate = operation(
        "HALF_TEST", category="scalar", describe="x", example="HALF_TEST(x)", traits=wrong
    )
    with pytest.raises(TypeError, match=r"format.*args"):
        decorate(Half)
    assert lookup("HALF_TEST") is None


def test_fallible_operations() -> None:
    fallible = {s.name for s in EXPRESSION_OPS if s.traits.fails != "never"}
    # Added by the declarations (both were missing from the hand table, see
    # tests/compiler/passes/test_declared_traits.py): PARSE_DURATION of a too long duration
    # overflows int64 microseconds; ROUND with negative digits scales back to the input type.
    assert fallible == OLD_FALLIBLE | {"PARSE_DATE", "PARSE_DURATION", "ROUND"}
    assert _fails(text.ParseDate(value=X)) is False
    assert _fails(text.ParseDate(value=X, format="%d/%m/%Y")) is True
    assert _fails(num.Round(value=X, digits=2)) is False
    assert _fails(num.Round(value=X, digits=-1)) is True
    assert _fails(logic.Cast(value=X, type="integer")) is True
    assert _fails(logic.TryCast(value=X, type="integer")) is False


def _fails(node: A.Call) -> bool:
    spec = lookup(type(node).op_name)  # type: ignore[attr-defined]
    assert spec is not None
    return spec.fails_on(node)


def test_may_fail_follows_the_declarations() -> None:
    may_fail = _pass("analysis").may_fail  # type: ignore[attr-defined]
    assert may_fail(op.Add(left=X, right=logic.Cast(value=X, type="integer")))
    assert not may_fail(op.Add(left=X, right=logic.TryCast(value=X, type="integer")))
    assert may_fail(op.IsNull(value=text.ParseDate(value=X, format="%Y")))
    assert not may_fail(op.IsNull(value=text.ParseDate(value=X)))


def test_conditional_table() -> None:
    assert set(_pass("share_subexpressions")._CONDITIONAL) == OLD_CONDITIONAL  # type: ignore[attr-defined]


def test_commutative_tables() -> None:
    canonical = _pass("canonical_order")
    # SUB_ABS commutes (|a - b| = |b - a|, in int64 wrapping and IEEE arithmetic alike) and was
    # missing: canonicalize now gives SUB_ABS(a, b) and SUB_ABS(b, a) one form.
    assert set(canonical._SYMMETRIC) == OLD_SYMMETRIC | {num.SubAbs}  # type: ignore[attr-defined]
    assert set(canonical._VARIADIC) == OLD_VARIADIC  # type: ignore[attr-defined]
    variadic = {s.name for s in EXPRESSION_OPS if s.traits.variadic}
    assert variadic == {"AND", "OR", "GREATEST", "LEAST", "COALESCE", "CONCAT"}


def test_negation_table() -> None:
    assert _pass("fold_constants")._FLIP == OLD_FLIP  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "spec", [s for s in EXPRESSION_OPS if s.traits.negation], ids=lambda s: s.name
)
def test_negations_are_boolean_and_mutual(spec: OpSpec) -> None:
    assert spec.traits.negation is not None
    negated = lookup(spec.traits.negation)
    assert negated is not None, f"{spec.name}: negation {spec.traits.negation} is not an operation"
    assert negated.traits.negation == spec.name
    for s in (spec, negated):
        assert s.signature is not None and s.signature.result == "boolean"
    assert {f.name for f in spec.fields} == {f.name for f in negated.fields}


def test_declared_negations() -> None:
    pairs = {s.name: s.traits.negation for s in EXPRESSION_OPS if s.traits.negation}
    assert pairs == {
        "EQ": "NE",
        "NE": "EQ",
        "LT": "GE",
        "GE": "LT",
        "LE": "GT",
        "GT": "LE",
        # Not in the old _FLIP (fold_constants rewrites NOT IS_NULL by rules of its own, and
        # derives _FLIP from the binary comparisons only), declared because it is true.
        "IS_NULL": "IS_NOT_NULL",
        "IS_NOT_NULL": "IS_NULL",
    }


def test_a_plain_subclass_inherits_its_bases_fields_and_methods() -> None:
    # ADD is a plain subclass of `Binary` (no @dataclass of its own: grammar/declare.py).
    assert "__dataclass_fields__" not in vars(op.Add)
    add, sub = op.Add(left=X, right=A.Lit(value=1)), op.Sub(left=X, right=A.Lit(value=1))
    assert add == op.Add(left=X, right=A.Lit(value=1), origin=A.Pointer("/steps/0"))
    assert add != sub  # same fields, another class
    assert repr(add).startswith("Add(left=Col(")
    assert lookup("ADD") is not None and lookup("ADD").fields == lookup("SUB").fields  # type: ignore[union-attr]
    with pytest.raises(dataclasses.FrozenInstanceError):
        add.left = X  # type: ignore[misc]
    assert not hasattr(add, "__dict__")  # slots only, as for the decorated nodes


def test_a_plain_subclass_must_add_no_field_and_no_instance_dict() -> None:
    class Annotated(op.Binary):
        __slots__ = ()
        scale: int

    class WithDict(op.Binary):
        pass

    traits = Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None)
    for cls, message, name in (
        (Annotated, "declares fields", "ANNOTATED_TEST"),
        (WithDict, "__slots__ = ()", "WITH_DICT_TEST"),
    ):
        decorate = operation(name, category="scalar", describe="x", example="x", traits=traits)
        with pytest.raises(TypeError, match=re.escape(message)):
            decorate(cls)
        assert lookup(name) is None
