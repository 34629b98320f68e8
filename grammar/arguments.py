"""Binding the arguments of a text call `NAME(a, b, opt => c)` to an operation's fields.

Positional arguments fill the fields in declaration order; a variadic field (`args`) takes
all remaining positional arguments; options are named with `=>`. Fields that are not
expressions (a pattern, a number of digits, a unit) take literals only.

    >>> from pesql.grammar.parse import parse_expr
    >>> parse_expr("ROUND(price, 2)")
    Round(value=Col(name='price'), digits=2)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Collector
from pesql.grammar.registry import FieldSpec, OpSpec

_MISSING = object()


def bind_call(
    spec: OpSpec,
    positional: Sequence[A.Expr],
    keywords: Sequence[tuple[str, A.Expr, A.Origin | None]],
    span: A.Origin | None,
    collector: Collector,
) -> A.Expr:
    """Build the node for `spec` from parsed arguments, or report E105 and return NULL."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    queue = list(positional)
    for f in spec.fields:
        if not queue:
            break
        if f.kind == "exprs":
            values[f.name] = tuple(queue)
            queue = []
        else:
            values[f.name] = queue.pop(0)
    if queue:
        problems.append(f"takes at most {len(spec.fields)} arguments, got {len(positional)}")
    by_wire = {f.wire.lower(): f for f in spec.fields} if keywords else {}
    for key, value, _ in keywords:
        named = by_wire.get(key.lower())
        if named is None:
            known = ", ".join(f.wire for f in spec.fields) or "none"
            problems.append(f"has no option `{key}` (options: {known})")
        elif named.name in values:
            problems.append(f"`{named.wire}` given twice")
        else:
            values[named.name] = value
    converted: dict[str, Any] = {}
    for f in spec.fields:
        raw = values.get(f.name, _MISSING)
        if raw is _MISSING:
            if f.required:
                problems.append(f"missing argument `{f.wire}`")
            continue
        value, problem = _convert(f, raw, getattr(spec.cls, "min_args", 1))
        if problem:
            problems.append(problem)
        else:
            converted[f.name] = value
    if problems:
        for problem in problems:
            collector.error(
                "E105",
                span,
                name=spec.name,
                problem=problem,
                hints=(f"write it as {spec.example}",),
            )
        return A.Lit(value=None, origin=span)
    node = spec.cls(**converted, origin=span)
    assert isinstance(node, A.Expr)
    return node


def _convert(f: FieldSpec, raw: Any, minimum: int = 1) -> tuple[Any, str | None]:
    """The field value for a parsed argument, or a problem description."""
    if f.kind == "expr":
        # An optional expression given as NULL is absent (JSON writes both as null).
        if f.optional and isinstance(raw, A.Lit) and raw.value is None:
            return None, None
        return raw, None
    if f.kind == "exprs":
        if len(raw) < minimum:
            return None, f"needs at least {minimum} values for `{f.wire}`"
        return raw, None
    if not isinstance(raw, A.Lit):
        return None, f"`{f.wire}` must be a literal {_kind_word(f)}"
    value = raw.value
    if value is None and f.optional:
        return None, None
    if f.kind == "text" and raw.kind == "string":
        return value, None
    if f.kind == "int" and raw.kind == "integer":
        assert isinstance(value, int)
        return value, f.out_of_range(value)
    if f.kind == "float" and raw.kind in ("integer", "float"):
        assert isinstance(value, int | float)
        return float(value), f.out_of_range(value)
    if f.kind == "bool" and raw.kind == "boolean":
        return value, None
    if f.kind == "choice" and raw.kind == "string":
        for choice in f.choices:
            if choice.lower() == str(value).strip().lower():
                return choice, None
        return None, f"`{f.wire}` must be one of {', '.join(repr(c) for c in f.choices)}"
    return None, f"`{f.wire}` must be a literal {_kind_word(f)}"


def _kind_word(f: FieldSpec) -> str:
    words = {
        "text": "'string'",
        "int": "integer",
        "float": "number",
        "bool": "TRUE or FALSE",
        "choice": "'string'",
    }
    return words.get(f.kind, f.kind)


def default_of(f: FieldSpec) -> Any:
    """The default value of an optional field (None when it has none)."""
    return None if f.default is dataclasses.MISSING else f.default
