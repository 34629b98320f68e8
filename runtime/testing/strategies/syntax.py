"""Hypothesis strategies for arbitrary *syntactically* valid p-SQL ASTs, driven by the registry.

These trees are not type-checked (`SUB_ABS('a', TRUE)` may appear): they exercise the
parser, printer and JSON form, which must round-trip any tree. Typed generators for
execution fuzzing live in `pesql.runtime.testing.strategies.typed`. Both are re-exported by
`pesql.testing`; hypothesis is needed to import this module.

    >>> from hypothesis import given
    >>> @given(plans())
    ... def test_round_trip(plan):
    ...     assert parse(to_text(plan)) == plan
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st
from pesql.grammar import ast as A
from pesql.grammar.ops import logic
from pesql.grammar.registry import FieldSpec, OpSpec, all_ops, fields_of

_PLAIN = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
_ODD = st.text(min_size=1, max_size=12)


def names() -> st.SearchStrategy[str]:
    """Column names: mostly plain words, sometimes keywords, spaces, quotes, unicode."""
    keywordish = st.sampled_from(["select", "limit", "date", "first", "Sort", "year", "null"])
    return st.one_of(_PLAIN, _PLAIN, keywordish, _ODD)


def literals() -> st.SearchStrategy[A.Lit]:
    values: st.SearchStrategy[Any] = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**63), max_value=2**63 - 1),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=12),
        st.dates(),
        st.datetimes(min_value=dt.datetime(1, 1, 1), timezones=st.none()),
    )
    return values.map(lambda v: A.Lit(value=v))


def _field_value(f: FieldSpec, exprs: st.SearchStrategy[A.Expr], minimum: int) -> Any:
    match f.kind:
        case "expr":
            return st.one_of(st.none(), exprs) if f.optional else exprs
        case "exprs":
            return st.lists(exprs, min_size=minimum, max_size=3).map(tuple)
        case "text":
            text = st.text(max_size=8)
            return st.one_of(st.none(), text) if f.optional else text
        case "int":
            low = max(int(f.minimum), -100) if f.minimum is not None else -100
            high = min(int(f.maximum), low + 200) if f.maximum is not None else low + 200
            value = st.integers(min_value=low, max_value=high)
            return st.one_of(st.none(), value) if f.optional else value
        case "float":
            return st.floats(
                min_value=max(f.minimum, -1e6) if f.minimum is not None else -1e6,
                max_value=min(f.maximum, 1e6) if f.maximum is not None else 1e6,
                allow_nan=False,
            )
        case "bool":
            return st.booleans()
        case "choice":
            return st.sampled_from(f.choices)
        case "column" | "new_name" | "table":
            return st.one_of(st.none(), names()) if f.optional else names()
        case "columns":
            return st.lists(names(), min_size=minimum, max_size=3).map(tuple)
        case "records":
            assert f.record is not None
            return st.lists(records(f.record, exprs), min_size=minimum, max_size=3).map(tuple)
    raise AssertionError(f.kind)


def _build(cls: type[A.Node], exprs: st.SearchStrategy[A.Expr]) -> st.SearchStrategy[Any]:
    kwargs = {}
    for f in fields_of(cls):
        minimum = getattr(cls, "min_args", 1) if f.required else 0
        kwargs[f.name] = _field_value(f, exprs, minimum)
    return st.builds(cls, **kwargs)


def records(cls: type[A.Node], exprs: st.SearchStrategy[A.Expr]) -> st.SearchStrategy[Any]:
    return _build(cls, exprs)


def _call(spec: OpSpec, exprs: st.SearchStrategy[A.Expr]) -> st.SearchStrategy[A.Expr]:
    strategy = _build(spec.cls, exprs)
    if spec.cls is logic.Case:
        # `ELSE NULL` is spelled as no ELSE (one canonical form).
        strategy = strategy.filter(
            lambda c: not (isinstance(c.else_, A.Lit) and c.else_.value is None)
        )
    return strategy


def _optional_null_filter(node: A.Node) -> bool:
    """Optional expression fields hold None, never a NULL literal (both mean "absent")."""
    for f in fields_of(type(node)):
        value = getattr(node, f.name)
        if f.kind == "expr" and f.optional and isinstance(value, A.Lit) and value.value is None:
            return False
    return True


def exprs(max_leaves: int = 12) -> st.SearchStrategy[A.Expr]:
    """Arbitrary expressions over every registered scalar, aggregate and window op."""
    leaves: st.SearchStrategy[A.Expr] = st.one_of(names().map(lambda n: A.Col(name=n)), literals())
    specs = [s for s in all_ops() if s.category != "step"]

    def extend(children: st.SearchStrategy[A.Expr]) -> st.SearchStrategy[A.Expr]:
        return st.one_of(*(_call(s, children) for s in specs)).filter(_optional_null_filter)

    return st.recursive(leaves, extend, max_leaves=max_leaves)


def steps() -> st.SearchStrategy[A.Step]:
    inner = exprs(max_leaves=6)
    return st.one_of(*(_build(s.cls, inner) for s in all_ops("step"))).filter(_optional_null_filter)


def plans(max_steps: int = 5) -> st.SearchStrategy[A.Plan]:
    """Arbitrary plans (not type-checked)."""
    return st.builds(
        A.Plan,
        table=st.one_of(st.none(), names()),
        steps=st.lists(steps(), max_size=max_steps).map(tuple),
    )
