"""Data-aware hints for E201 in JSON: a bare string that is no column but a value of one.

In the JSON form a bare string is a column name, so a model that writes the text `"Dream"`
where it meant the value gets "unknown column `Dream`". The checker already shows the
literal's shape when the name is compared with a real column (`island = Dream`); elsewhere
(`IF(..., "Dream", "Biscoe")`, `CONCAT(name, " - ")`) only the data can tell that `Dream` is
a value: one aggregate query over the table's text columns (only when the plan failed, so
it never adds a pass to a plan that runs).

    >>> import polars as pl
    >>> from pesql.grammar.ast import Pointer
    >>> e201 = Diagnostic.make("E201", Pointer("/steps/0/x"), name="Dream")
    >>> frame = pl.LazyFrame({"island": ["Dream", "Biscoe"]})
    >>> value_hints([e201], {"steps": [{"x": "Dream"}]}, frame)[0].hints[0][:46]
    '`Dream` is no column but a value of `island`: '
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import polars as pl
from pesql.compiler.backends.polars.names import col
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Diagnostic, PesqlError

MAX_PROBES = 20  # unknown names looked up in one query (each costs a comparison per column)


def value_hints(
    diagnostics: list[Diagnostic] | tuple[Diagnostic, ...], value: Any, source: pl.LazyFrame
) -> list[Diagnostic]:
    """`diagnostics` with a hint on each E201 whose bare JSON string is a value of a column."""
    probes = [
        (i, text)
        for i, d in enumerate(diagnostics)
        if d.code == "E201"
        and isinstance(d.origin, A.Pointer)
        and not any('"value"' in h for h in d.hints)  # the checker showed the shape already
        and isinstance(text := _at(value, d.origin.path), str)
    ][:MAX_PROBES]
    schema = source.collect_schema()
    texts = [name for name, dtype in schema.items() if dtype == pl.String]
    out = list(diagnostics)
    if not probes or not texts:
        return out
    found = source.select(
        (col(c) == pl.lit(text)).any().alias(f"{p}/{c}")
        for p, (_i, text) in enumerate(probes)
        for c in texts
    ).collect()
    for p, (i, text) in enumerate(probes):
        holders = [c for c in texts if found[f"{p}/{c}"][0]]
        if not holders:
            continue
        shape = json.dumps({"value": text, "type": "string"}, ensure_ascii=False)
        where = ", ".join(f"`{c}`" for c in holders[:3])
        hint = f"`{text}` is no column but a value of {where}: write text as {shape}"
        out[i] = replace(out[i], hints=(hint, *out[i].hints))
    return out


def with_value_hints(error: PesqlError, plan: object, source: pl.LazyFrame) -> PesqlError:
    """`error` with value hints when `plan` is JSON (an object, or its text); else `error`."""
    value = plan
    if isinstance(plan, str) and plan.lstrip().startswith("{"):
        try:
            value = json.loads(plan)
        except ValueError:
            return error
    if not isinstance(value, dict) or not any(d.code == "E201" for d in error.diagnostics):
        return error
    try:
        hinted = value_hints(error.diagnostics, value, source)
    except pl.exceptions.PolarsError:
        return error  # a hint that cannot be computed is not worth an error
    return PesqlError(hinted, error.source)


def _at(value: Any, path: str) -> Any:
    """The JSON value at an RFC 6901 pointer, or None when it leads nowhere."""
    for raw in path.split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


__all__ = ["value_hints", "with_value_hints"]
