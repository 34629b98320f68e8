"""The special cases of expression typing that a `Signature` cannot say as data.

- comparisons with a date: a text literal is read as a date (E211 when it cannot be);
- CASE: boolean conditions, one common result type, null without ELSE;
- CAST: which conversions exist;
- option values: QUANTILE q in [0, 1], SUBSTRING start >= 1, ... (E215);
- division by a literal zero (E206; a zero computed at run time is null, not an error).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from pesql.compiler.check.schema import TEMPORAL_DTYPES, ColumnType, common
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Diagnostic
from pesql.grammar.numbers import describe_number
from pesql.grammar.ops import logic, numeric
from pesql.grammar.registry import FieldSpec, spec_of
from pesql.grammar.types import NUMERIC_ORDER, DType

LABELS: dict[DType, str] = {
    "integer": "a number",
    "float": "a number",
    "decimal": "a number",
    "string": "text",
    "boolean": "a boolean",
    "date": "a date or datetime",
    "datetime": "a date or datetime",
    "duration": "a duration",
    "null": "any value",
}

# Unambiguous spellings only: 03/04/2024 is March or April depending on the reader.
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d, %Y",
    "%b %d, %Y",
)


def text_column_hint(name: str, wanted: DType | None = None) -> str:
    """The hint for a text column used as a number, date or duration (often read untyped).

    It names the parse function first: the other fix, comparing as text (`rank > '2'`), runs
    and is wrong ('10' < '2' as text), so it must never be the suggestion.

    >>> text_column_hint("rank", "integer")[:70]
    '`rank` is text: if it holds numbers, read them with PARSE_NUMBER(rank)'
    """
    if wanted in NUMERIC_ORDER:
        parse, kind = f"PARSE_NUMBER({name})", "a number"
    elif wanted == "duration":
        parse, kind = f"PARSE_DURATION({name})", "a duration"
    elif wanted in TEMPORAL_DTYPES:
        parse, kind = f"PARSE_DATE({name})", "a date"
    else:
        return (
            f"`{name}` is text: if it holds numbers or dates, read them with PARSE_NUMBER, "
            "PARSE_DATE or PARSE_DURATION, or type the table's text columns with "
            "pesql.load_table(frame, clean=True)"
        )
    return (
        f"`{name}` is text: if it holds {kind[2:]}s, read them with {parse} and use that "
        "(as text, '10' sorts before '9'), or load the table with pesql.load_table(frame, "
        "clean=True)"
    )


def parse_date_text(raw: str, target: DType) -> dt.date | dt.datetime | None:
    """A text literal compared with a `target` (date/datetime) value, read as a date or datetime.

    >>> parse_date_text("2024-01-31", "datetime")
    datetime.datetime(2024, 1, 31, 0, 0)
    """
    value = raw.strip()
    for fmt in _DATE_FORMATS:
        try:
            day = dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        return dt.datetime.combine(day, dt.time()) if target == "datetime" else day
    if len(value) > 10:
        try:
            stamp = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
        # Time zones are not part of p-SQL values; refusing is clearer than guessing.
        return stamp if stamp.tzinfo is None else None
    return None


_NUMBER_TEXT = re.compile(r"-?\d+(\.\d+)?")


def _number_text(text: str) -> int | float | None:
    """`'2008'` -> 2008, `'-1.5'` -> -1.5; anything else (`'1e3'`, `' 7'`, `'1,000'`) None."""
    if not _NUMBER_TEXT.fullmatch(text):
        return None
    return float(text) if "." in text else int(text)


def compatible(a: DType, b: DType) -> bool:
    """Comparable after date literals were parsed: numbers together, dates together, else equal."""
    if "null" in (a, b) or a == b:
        return True
    if a in NUMERIC_ORDER and b in NUMERIC_ORDER:
        return True
    return a in TEMPORAL_DTYPES and b in TEMPORAL_DTYPES


def check_comparable(
    call: A.Call,
    fields: dict[str, Any],
    types: dict[str, list[ColumnType]],
    names: Sequence[str],
    out: list[Diagnostic],
) -> dict[str, Any]:
    """Parse date text next to dates, then require the arguments to be mutually comparable."""
    op = spec_of(call).name
    slots = [(f, i) for f in names if f in fields for i in range(len(types[f]))]
    dtypes = {types[f][i].dtype for f, i in slots}
    updated = {f: list(v) if isinstance(v, tuple) else [v] for f, v in fields.items() if f in names}
    if dtypes & TEMPORAL_DTYPES:
        target: DType = "datetime" if "datetime" in dtypes else "date"
        for f, i in slots:
            arg = updated[f][i]
            if not (isinstance(arg, A.Lit) and isinstance(arg.value, str)):
                continue
            value = parse_date_text(arg.value, target)
            if value is None:
                out.append(
                    Diagnostic.make(
                        "E211",
                        arg.origin,
                        expected=target,
                        found=repr(arg.value),
                        hints=("write dates as 'YYYY-MM-DD' (datetimes 'YYYY-MM-DD HH:MM:SS')",),
                    )
                )
                types[f][i] = ColumnType("null")
                continue
            updated[f][i] = A.Lit(value=value, origin=arg.origin)
            types[f][i] = ColumnType(updated[f][i].kind, nullable=False)
    numeric_columns = [
        types[f][i].dtype
        for f, i in slots
        if types[f][i].dtype in NUMERIC_ORDER and isinstance(updated[f][i], A.Col)
    ]
    if numeric_columns:
        # Numbers written as text next to a numeric column ('2008' = year): read as numbers,
        # as dates are next to dates; only plain decimal spellings, nothing guessed.
        for f, i in slots:
            arg = updated[f][i]
            if isinstance(arg, A.Lit) and isinstance(arg.value, str):
                number = _number_text(arg.value)
                if number is not None:
                    updated[f][i] = A.Lit(value=number, origin=arg.origin)
                    types[f][i] = ColumnType(updated[f][i].kind, nullable=False)
    typed: list[DType] = [types[f][i].dtype for f, i in slots if types[f][i].dtype != "null"]
    anchor: DType = typed[0] if typed else "null"
    # Text columns among the operands: numbers or dates held as text are the usual cause.
    texts = [
        arg.name
        for f, i in slots
        if types[f][i].dtype == "string" and isinstance(arg := updated[f][i], A.Col)
    ]
    for f, i in slots:
        found = types[f][i].dtype
        if not compatible(anchor, found):
            if texts:
                other = next((t for t in typed if t != "string"), None)
                hints = [text_column_hint(texts[0], other)]
            else:
                hints = ["text is compared with text, numbers with numbers, dates with dates"]
            out.append(
                Diagnostic.make(
                    "E202",
                    updated[f][i].origin,
                    name=op,
                    expected=LABELS[anchor],
                    found=found,
                    hints=hints,
                )
            )
    return {f: tuple(v) if isinstance(fields[f], tuple) else v[0] for f, v in updated.items()}


def check_case(
    call: logic.Case,
    infer: Callable[[A.Expr], tuple[A.Expr, ColumnType]],
    out: list[Diagnostic],
) -> tuple[A.Expr, ColumnType]:
    """CASE: each `when` boolean; the `then`s and `else` share a type; null without ELSE."""
    whens: list[A.When] = []
    results: list[tuple[A.Expr, ColumnType]] = []
    for w in call.whens:
        cond, ct = infer(w.when)
        if ct.dtype not in ("boolean", "null"):
            out.append(
                Diagnostic.make(
                    "E202", cond.origin, name="CASE", expected="a boolean", found=ct.dtype
                )
            )
        then, tt = infer(w.then)
        whens.append(replace(w, when=cond, then=then))
        results.append((then, tt))
    else_ = None
    if call.else_ is not None:
        else_, et = infer(call.else_)
        results.append((else_, et))
    dtype = common(*(t.dtype for _, t in results))
    if dtype is None:
        disagree(out, "CASE", results)
    nullable = call.else_ is None or any(t.nullable for _, t in results)
    rewritten = replace(call, whens=tuple(whens), else_=else_)
    return rewritten, ColumnType(dtype or "null", nullable)


def disagree(out: list[Diagnostic], op: str, members: Sequence[tuple[A.Expr, ColumnType]]) -> None:
    """E202 at the first value whose type has no common type with the first typed value."""
    first = next(t.dtype for _, t in members if t.dtype != "null")
    for arg, t in members:
        if t.dtype != "null" and common(first, t.dtype) is None:
            out.append(
                Diagnostic.make(
                    "E202",
                    arg.origin,
                    name=op,
                    expected=LABELS[first],
                    found=t.dtype,
                    hints=("CAST the values to one type",),
                )
            )
            return


def check_cast(call: logic.Cast | logic.TryCast, source: DType, out: list[Diagnostic]) -> None:
    """Conversions that exist: from/to text, among numbers and booleans, date <-> datetime."""
    target: DType = call.type
    numberish = set(NUMERIC_ORDER) | {"boolean"}
    ok = (
        source in ("null", "string", target)
        or target == "string"
        or (source in numberish and target in numberish)
        or (source in TEMPORAL_DTYPES and target in TEMPORAL_DTYPES)
    )
    if not ok:
        out.append(
            Diagnostic.make(
                "E202",
                call.value.origin,
                name=spec_of(call).name,
                expected=f"a value convertible to {target}",
                found=source,
            )
        )


# Bounds the registry cannot declare (a lower bound is there; these are extra conditions).
_EXTRA_RULES: tuple[tuple[type[A.Call], str, Callable[[Any], bool], str], ...] = (
    (numeric.Log, "base", lambda b: b > 0 and b != 1, "positive and not 1"),
)


def bounds_text(f: FieldSpec) -> str:
    if f.minimum is not None and f.maximum is not None:
        return f"between {describe_number(f.minimum)} and {describe_number(f.maximum)}"
    if f.minimum is not None:
        return f"at least {describe_number(f.minimum)}"
    return f"at most {describe_number(f.maximum or 0)}"


def check_values(node: A.Call | A.Step, out: list[Diagnostic]) -> None:
    """E215 for option values outside the bounds declared in the registry (or above).

    The parser and the JSON lowering check the declared bounds too; this catches trees built
    in code, which reach the checker without either.
    """
    spec = spec_of(node)
    for f in spec.fields:
        value = getattr(node, f.name)
        if f.kind in ("int", "float") and value is not None and f.out_of_range(value):
            out.append(
                Diagnostic.make(
                    "E215",
                    node.origin,
                    name=spec.name,
                    prop=f.wire,
                    expected=bounds_text(f),
                    found=describe_number(value),
                )
            )
    for cls, attr, ok, expected in _EXTRA_RULES:
        if isinstance(node, cls) and not ok(getattr(node, attr)):
            out.append(
                Diagnostic.make(
                    "E215",
                    node.origin,
                    name=spec.name,
                    prop=attr,
                    expected=expected,
                    found=repr(getattr(node, attr)),
                )
            )


def literal_zero(expr: A.Expr) -> bool:
    return isinstance(expr, A.Lit) and not isinstance(expr.value, bool) and expr.value == 0


__all__ = [
    "LABELS",
    "check_case",
    "check_cast",
    "check_comparable",
    "check_values",
    "compatible",
    "disagree",
    "literal_zero",
    "parse_date_text",
]
