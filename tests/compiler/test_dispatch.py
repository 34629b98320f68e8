"""Every `singledispatch` registration names a class its function's first parameter takes.

The registrations name their class (`@lower.register(op.Add)`) instead of letting
`register` read it from the annotation: that read is `typing.get_type_hints` per function,
~200 of them at import, a few ms of every process's start-up (issue 20). The class and the
annotation must still agree (the class, or a subclass where one function serves a family,
as the SQL backend's binary operators), or a node would reach a function written for another.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Any

# Importing the dispatchers' modules registers every lowering (text, window, joins, ...).
import pesql.compiler.backends.polars.lower
import pesql.compiler.backends.sql.lower  # noqa: F401
import pytest
from pesql.compiler.backends.polars.exprs import lower
from pesql.compiler.backends.polars.steps import lower_step
from pesql.compiler.backends.sql.exprs import sql_expr
from pesql.compiler.backends.sql.steps import sql_step
from pesql.compiler.check.steps import check_step
from pesql.grammar.printer import step_text

DISPATCHERS: dict[str, Any] = {
    "lower": lower,
    "lower_step": lower_step,
    "sql_expr": sql_expr,
    "sql_step": sql_step,
    "check_step": check_step,
    "step_text": step_text,
}


def first_parameter_type(fn: Callable[..., Any]) -> object:
    first = next(iter(inspect.signature(fn).parameters))
    return typing.get_type_hints(fn)[first]


@pytest.mark.parametrize("name", DISPATCHERS)
def test_each_registered_class_is_its_functions_annotation(name: str) -> None:
    registry = DISPATCHERS[name].registry
    # Functions a factory makes for a table of classes (`unary(exp.Upper)`) take whatever
    # has the fields they read; the module-level ones are each written for their class.
    registered = {
        cls: fn
        for cls, fn in registry.items()
        if cls is not object and "<locals>" not in fn.__qualname__
    }
    assert len(registered) >= 10, name
    for cls, fn in registered.items():
        taken = first_parameter_type(fn)
        members = typing.get_args(taken) or (taken,)  # `Greatest | Least`: one of them
        assert any(issubclass(cls, m) for m in members), f"{name}: {cls} -> {fn}"
