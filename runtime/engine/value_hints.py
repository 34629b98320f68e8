"""Data-aware hints for E201: a name that is no column but a value of one.

In the JSON form a bare string is a column name, and in the text form an unquoted word is, so
a model that writes `"Dream"` (or `Dream`) where it meant the value gets "unknown column
`Dream`". The checker already shows the literal's shape when the name is compared with a real
column (`island = Dream`); elsewhere (`IF(..., "Dream", "Biscoe")`, `CONCAT(name, "Dream")`)
only the data can tell that `Dream` is a value: one aggregate query over the table's text
columns, only when the plan failed, so it never adds a pass to a plan that runs.

    >>> import polars as pl
    >>> from pesql.grammar.ast import Pointer
    >>> e201 = Diagnostic.make("E201", Pointer("/steps/0/x"), name="Dream")
    >>> frame = pl.LazyFrame({"island": ["Dream", "Biscoe"]})
    >>> value_hints([e201], frame)[0].hints[0][:46]
    '`Dream` is no column but a value of `island`: '
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

import polars as pl
from pesql.compiler.backends.polars.names import col
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Diagnostic, PesqlError, code_info
from pesql.grammar.printer import quote_string

MAX_PROBES = 20  # unknown names looked up in one query (each costs a comparison per column)


def value_hints(
    diagnostics: list[Diagnostic] | tuple[Diagnostic, ...], source: pl.LazyFrame
) -> list[Diagnostic]:
    """`diagnostics` with a hint on each E201 whose unknown name is a value of a text column."""
    probes = [
        (i, name)
        for i, d in enumerate(diagnostics)
        if d.code == "E201"
        and not any("is a text value" in h for h in d.hints)  # the checker showed the shape
        and (name := _unknown_name(d)) is not None
    ][:MAX_PROBES]
    schema = source.collect_schema()
    texts = [name for name, dtype in schema.items() if dtype == pl.String]
    out = list(diagnostics)
    if not probes or not texts:
        return out
    found = source.select(
        (col(c) == pl.lit(name)).any().alias(f"{p}/{c}")
        for p, (_i, name) in enumerate(probes)
        for c in texts
    ).collect()
    for p, (i, name) in enumerate(probes):
        holders = [c for c in texts if found[f"{p}/{c}"][0]]
        if not holders:
            continue
        if isinstance(out[i].origin, A.Pointer):  # JSON: a bare string is a column name
            shape = "write text as " + json.dumps(
                {"value": name, "type": "string"}, ensure_ascii=False
            )
        else:
            shape = f"write text in single quotes: {quote_string(name)}"
        where = ", ".join(f"`{c}`" for c in holders[:3])
        hint = f"`{name}` is no column but a value of {where}: {shape}"
        out[i] = replace(out[i], hints=(hint, *out[i].hints))
    return out


def with_value_hints(error: PesqlError, source: pl.LazyFrame) -> PesqlError:
    """`error` with value hints on its E201s (unchanged when the query cannot run)."""
    if not any(d.code == "E201" for d in error.diagnostics):
        return error
    try:
        hinted = value_hints(error.diagnostics, source)
    except pl.exceptions.PolarsError:
        return error  # a hint that cannot be computed is not worth an error
    return PesqlError(hinted, error.source)


def _unknown_name(diagnostic: Diagnostic) -> str | None:
    """The name an E201 is about, read back through its template (the one place it is)."""
    template = re.escape(code_info("E201").template).replace(re.escape("{name}"), "(.+)")
    match = re.fullmatch(template, diagnostic.message)
    return match.group(1) if match else None


__all__ = ["value_hints", "with_value_hints"]
