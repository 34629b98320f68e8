"""Estimated bytes of every step's result, before anything runs: E311 past the budget.

    >>> import polars as pl
    >>> from pesql.runtime.engine.execute import compile
    >>> from pesql.compiler.backends.polars.dtypes import schema_from_polars
    >>> from pesql.grammar.diagnostics import PesqlError
    >>> frame = pl.DataFrame({"s": ["abcd"] * 1000})
    >>> doubled = "\\n".join(f"DERIVE s = CONCAT(s, s)" for _ in range(20))
    >>> compiled = compile(doubled, schema_from_polars(frame.schema))
    >>> try:
    ...     check_estimate(compiled.optimized, table_stats(frame.lazy()), 1 << 30)
    ... except PesqlError as exc:
    ...     print(exc.codes, exc.diagnostics[0].where())
    ('E311',) 18:1

A tiny plan can ask for unbounded memory: `CONCAT(s, s)` over 26 DERIVE steps doubles a text
26 times (a 1 KB plan on 344 rows killed the service). The estimate follows each step with
the bytes per row of every column: the table's statistics for the input (rows, mean bytes of
each text column over the first 100,000 rows: cached per table), 8 bytes for numbers and
dates, 1 for booleans, and for text expressions an upper bound of their growth (CONCAT adds
its arguments; REPLACE / REGEXP_REPLACE grow by the replacement's excess over the shortest
match, per possible match; other calls keep their widest argument). A step costs rows x
(its columns + the text intermediates it computes); rows never grow (no step adds rows),
LIMIT and AGGREGATE shrink them. It cannot know data-dependent growth beyond these bounds,
so the run is also guarded (`limits.collect_within` counts the result's bytes).
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Collection, Mapping
from typing import Any

import polars as pl
from pesql.compiler.backends.polars.names import col
from pesql.compiler.check.check import CheckedPlan
from pesql.compiler.check.schema import Schema
from pesql.compiler.passes.analysis import reads, writes
from pesql.grammar import ast as A
from pesql.grammar.ops.logic import Cast
from pesql.grammar.ops.rows import (
    AggregateStep,
    Derive,
    Drop,
    Filter,
    GroupBy,
    Limit,
    Select,
    Sort,
    Window,
)
from pesql.grammar.ops.text import Concat, RegexpReplace, Replace
from pesql.grammar.record import Record, record
from pesql.runtime.engine.limits import result_too_large

STATS_SAMPLE_ROWS = 100_000  # rows read for the mean bytes of each text column
TEXT_UNKNOWN = 32  # bytes per value of a text column without statistics (an average cell)
FIXED = {"boolean": 1, "date": 4}  # other non-text types: 8 bytes


@record(kw_only=False, slots=False)
class TableStats(Record):
    """Rows and the mean bytes per value of each text column of a source table."""

    rows: int
    text_bytes: dict[str, float]


_CACHE: dict[int, tuple[weakref.ref[Any], TableStats]] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 64


def table_stats(
    frame: pl.LazyFrame, key: object | None = None, columns: Collection[str] | None = None
) -> TableStats:
    """Up to two queries over `frame`: its rows, and the mean bytes of its text columns among
    `columns` (every one by default) over its first STATS_SAMPLE_ROWS rows.

    Cached by the identity of `key` (the Table or DataFrame the frame came from; by default the
    frame itself) while that object lives, so a catalog table is scanned once per process; a
    later call that wants text columns not measured yet measures only those."""
    key = frame if key is None else key
    with _CACHE_LOCK:
        hit = _CACHE.get(id(key))
        known = hit[1] if hit is not None and hit[0]() is key else None
    schema = frame.collect_schema()
    wanted = schema.names() if columns is None else [n for n in schema.names() if n in columns]
    text = [
        n for n in wanted if schema[n] == pl.String and (known is None or n not in known.text_bytes)
    ]
    if known is not None and not text:
        return known
    # Rows of the whole table (a Parquet file's from its metadata), text widths of its first
    # STATS_SAMPLE_ROWS rows, of the columns a plan reads: reading every text column in full
    # for the mean cost up to 70 MiB of peak memory at TPC-H scale 1 (l_comment), and even
    # the first rows of the unread ones ~10 MiB (Q6 reads no text at all).
    rows = known.rows if known is not None else int(frame.select(pl.len()).collect().item())
    means = (
        frame.head(STATS_SAMPLE_ROWS)
        .select(col(n).str.len_bytes().mean().fill_null(0).alias(n) for n in text)
        .collect()
        if text
        else None
    )
    measured = {n: float(means[n][0]) for n in text} if means is not None else {}
    stats = TableStats(rows, {**(known.text_bytes if known is not None else {}), **measured})
    try:
        ref = weakref.ref(key)
    except TypeError:  # not weakly referenceable: not cached
        return stats
    with _CACHE_LOCK:
        _CACHE[id(key)] = (ref, stats)
        while len(_CACHE) > _CACHE_SIZE:
            del _CACHE[next(iter(_CACHE))]
    return stats


def live_columns(checked: CheckedPlan) -> list[set[str]]:
    """The columns that something downstream reads, at each point of the plan: [0] of the
    input, [i] of step i's result (the answer's own columns after the last step).

    polars' projection pushdown materializes only these, so only they count in a step's
    result. Counting every column made a FILTER over TPC-H lineitem (16 columns, 4 read) an
    E311 from scale 1.5 on. Where a step's needs are not modelled here (DISTINCT, LIMIT WITH
    TIES, joins) every column of its input counts: the estimate may only err upwards."""
    steps = checked.plan.steps
    schemas = (checked.input_schema, *checked.step_schemas)
    live = [set(schema.names()) for schema in schemas]
    for i in range(len(steps) - 1, -1, -1):
        step, after, present = steps[i], live[i + 1], live[i]
        match step:
            case GroupBy() | AggregateStep() | Select():  # the result holds what they name
                needed = reads(step)
            case Filter() | Derive() | Window() | Sort() | Drop() | Limit(with_ties=False):
                needed = (after - writes(step)) | reads(step)
            case _:
                needed = present
        live[i] = needed & present
    return live


def row_widths(
    checked: CheckedPlan, text_bytes: Mapping[str, float], live: list[set[str]] | None = None
) -> list[tuple[A.Step, float]]:
    """Each step with the estimated bytes per row of its result (and its text intermediates),
    given the mean bytes of the source's text columns: what `step_bytes` multiplies by the
    rows reaching the step. It depends on the plan and the widths only, so a compiled plan
    keeps it (execute.CompiledPlan): ~40 µs of each collect of a 5-step plan."""
    widths = {n: _type_width(t.dtype, text_bytes.get(n)) for n, t in checked.input_schema.items()}
    live = live_columns(checked) if live is None else live
    out: list[tuple[A.Step, float]] = []
    for i, (step, schema) in enumerate(zip(checked.plan.steps, checked.step_schemas, strict=True)):
        widths, intermediate = _widths_after(step, schema, widths)
        kept = sum(w for n, w in widths.items() if n in live[i + 1])
        out.append((step, kept + intermediate))
    return out


def step_bytes(
    checked: CheckedPlan,
    stats: TableStats,
    live: list[set[str]] | None = None,
    widths: list[tuple[A.Step, float]] | None = None,
) -> list[tuple[A.Step, int]]:
    """Each step with the estimated bytes of its result (and its text intermediates);
    `live`: `live_columns(checked)`, `widths`: `row_widths(...)` of these statistics, when the
    caller keeps them."""
    widths = row_widths(checked, stats.text_bytes, live) if widths is None else widths
    rows = stats.rows
    out: list[tuple[A.Step, int]] = []
    for step, per_row in widths:
        rows = _rows_after(step, rows)
        out.append((step, round(rows * per_row)))
    return out


def check_estimate(
    checked: CheckedPlan,
    stats: TableStats,
    budget: int | None,
    live: list[set[str]] | None = None,
    widths: list[tuple[A.Step, float]] | None = None,
) -> int:
    """E311 at the first step whose estimated result is larger than `budget` bytes; else the
    largest estimate of any step (what picks the engine: execute.SMALL_WORK_BYTES)."""
    largest = 0
    for step, size in step_bytes(checked, stats, live, widths):
        if budget is not None and size > budget:
            found = f"about {size} bytes"
            raise result_too_large(found, budget, "estimated before running", step.origin)
        largest = max(largest, size)
    return largest


def _rows_after(step: A.Step, rows: int) -> int:
    if isinstance(step, Limit):
        return min(rows, step.count)
    if isinstance(step, AggregateStep):
        return min(rows, 1)
    return rows


def _widths_after(
    step: A.Step, schema: Schema, before: dict[str, float]
) -> tuple[dict[str, float], float]:
    assigned = {a.name: a.expr for a in step.children() if isinstance(a, A.Assign)}
    renamed = {
        (item.as_ or item.column): item.column
        for item in (step.columns if isinstance(step, Select) else ())
    }
    widths: dict[str, float] = {}
    # Each node's width once: the intermediates below ask for every call's, nested ones too.
    memo: dict[int, float] = {}
    for name, ctype in schema.items():
        if name in assigned:
            width = _width(assigned[name], before, memo)
            widths[name] = width if ctype.dtype == "string" else _type_width(ctype.dtype, None)
        elif renamed.get(name, name) in before:
            widths[name] = before[renamed.get(name, name)]
        else:
            widths[name] = _type_width(ctype.dtype, None)
    intermediate = sum(
        w
        for node in step.walk()
        if isinstance(node, A.Call) and (w := _width(node, before, memo)) > 8
    )
    return widths, intermediate


def _type_width(dtype: str, text_bytes: float | None) -> float:
    if dtype == "string":
        return TEXT_UNKNOWN if text_bytes is None else text_bytes
    return FIXED.get(dtype, 8)


def _width(expr: A.Node, widths: dict[str, float], memo: dict[int, float]) -> float:
    """Bytes per value of `expr`: exact for columns and literals, an upper bound for text.
    `memo`: the widths found so far, by node identity (the step's nodes are alive meanwhile)."""
    found = memo.get(id(expr))
    if found is None:
        found = memo[id(expr)] = _width_of(expr, widths, memo)
    return found


def _width_of(expr: A.Node, widths: dict[str, float], memo: dict[int, float]) -> float:
    match expr:
        case A.Col(name=name):
            return widths.get(name, TEXT_UNKNOWN)
        case A.Lit(value=value):
            return len(str(value).encode()) if isinstance(value, str) else 8
        case Concat(args=args):
            return sum(_width(a, widths, memo) for a in args)
        case Replace(value=value, old=old, new=new):
            return _grown(_width(value, widths, memo), len(old.encode()), len(new.encode()), 0)
        case RegexpReplace(value=value, pattern=pattern, replacement=replacement):
            refs = len(re.findall(r"\$\{?\w+", replacement))  # each may copy a match
            literal = len(re.sub(r"\$\{?\w+\}?", "", replacement).encode())
            return _grown(_width(value, widths, memo), _shortest_match(pattern), literal, refs)
        case Cast(type="string"):
            return max(_width(expr.value, widths, memo), 24)
    children = expr.children()
    return max((_width(c, widths, memo) for c in children), default=8)


def _grown(width: float, shortest: int, replacement: int, refs: int) -> float:
    """Text of `width` bytes with every match (at least `shortest` bytes) replaced."""
    matches = width / shortest if shortest else width + 1
    return width * (1 + refs) + matches * max(replacement - shortest, 0)


def _shortest_match(pattern: str) -> int:
    """The fewest bytes a match of `pattern` can take (0 when unknown: the safe bound)."""
    try:
        from re import _parser  # type: ignore[attr-defined]  # CPython's own regex parser

        return int(_parser.parse(pattern).getwidth()[0])
    except Exception:  # Rust-only syntax, or another Python: assume it can match empty text
        return 0


__all__ = ["TableStats", "check_estimate", "live_columns", "step_bytes", "table_stats"]
