"""What the model is shown: a system prompt with a table overview, the question, the tool, and
the diagnostics of a failed attempt; and where the plan is in what it answers.

    >>> from pesql.runtime.tables.table import load_table
    >>> penguins = pl.DataFrame({"species": ["Adelie", "Gentoo", "Chinstrap", "Gentoo"],
    ...                          "body_mass_g": [3750, 5200, 3500, 4900]})
    >>> catalog = Catalog([load_table(penguins, name="penguins")])
    >>> print(table_overview(catalog, 400))
    Table `penguins` (4 rows, 2 columns):
    - species: string, 0 nulls, 3 distinct, e.g. "Adelie", "Gentoo", "Chinstrap"
    - body_mass_g: integer, 0 nulls, 4 distinct, 3500 to 5200
    >>> print(table_overview(catalog, 20))  # over the budget: statistics go, then columns
    Table `penguins` (4 rows, 2 columns):
    - ... and 2 more columns (names in the tool)

The overview is computed from the data (one polars query per table: null and distinct counts,
min/max of ordered columns, a few sample values of text columns) and fits a token budget
counted offline (o200k_base). When the full overview is too long, detail goes first (fewer
samples, then no samples, then only names and types) and columns last: the tool definition
lists every column name anyway (as an enum), so a cut overview loses statistics, not names.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from pesql.compiler.backends.polars.dtypes import UnsupportedType, dtype_of_polars
from pesql.compiler.backends.polars.names import col
from pesql.compiler.check.schema import Schema
from pesql.grammar.exports import export_gbnf
from pesql.grammar.form_grammars import form_gbnf
from pesql.grammar.formdefs import description, form_definition, form_schema
from pesql.grammar.forms import Form
from pesql.grammar.jsonschema import for_catalog, plan_schema
from pesql.grammar.registry import Naming
from pesql.runtime.llm.client import Reply
from pesql.runtime.llm.profile import Profile
from pesql.runtime.llm.related import related_keys
from pesql.runtime.llm.tokens import count_tokens
from pesql.runtime.tables.catalog import Catalog
from pesql.runtime.tables.table import Table

__all__ = ["SYSTEM_PROMPT", "build_messages", "request_body", "table_overview", "tool_definition"]

SYSTEM_PROMPT = """\
You answer questions about tables. Call the function `{function}` with a p-SQL plan: steps \
applied in order, each to the result of the previous one. Use only the tables and columns \
below, with their exact names. Answer with the function call alone. When the result of a call \
reports errors, call the function again with a corrected plan.

{overview}"""

# With `tools = false` (docs/local-model.md): the plan is the reply's text.
SYSTEM_PROMPT_JSON = """\
You answer questions about tables with a p-SQL plan written as one JSON object \
{"table": ..., "steps": [...]}: steps applied in order, each to the result of the previous \
one. Use only the tables and columns below, with their exact names. Answer with the JSON \
object alone. When a reply reports errors, answer again with a corrected plan.

{overview}"""

# With `tools = false` and a form other than tree: the language, then the reply's shape.
SYSTEM_PROMPT_FORM = """\
You answer questions about tables with a p-SQL plan. Use only the tables and columns below, \
with their exact names. Answer with the JSON object alone. When a reply reports errors, answer \
again with a corrected plan.

{language}

{overview}"""

ORDERED = frozenset({"integer", "float", "decimal", "date", "datetime", "duration"})
SAMPLE_CHARS = 40


@dataclass(frozen=True, slots=True)
class ColumnStats:
    name: str
    dtype: str
    nulls: int
    distinct: int | None
    low: str | None
    high: str | None
    samples: tuple[str, ...]


def _dtype(dt: pl.DataType) -> str:
    try:
        return dtype_of_polars(dt)
    except UnsupportedType:
        return f"unsupported ({dt})"


def column_stats(frame: pl.LazyFrame, samples: int) -> tuple[int, list[ColumnStats]]:
    """Row count and per-column statistics, in one query over the frame."""
    schema = frame.collect_schema()
    exprs: list[pl.Expr] = [pl.len().alias("rows")]
    for i, (name, dt) in enumerate(schema.items()):
        column, kind = col(name), _dtype(dt)
        exprs.append(column.null_count().alias(f"n{i}"))
        if not kind.startswith("unsupported"):
            exprs.append(column.n_unique().alias(f"d{i}"))
        if kind in ORDERED:
            exprs += [
                column.min().cast(pl.String).alias(f"lo{i}"),
                column.max().cast(pl.String).alias(f"hi{i}"),
            ]
        if kind == "string" and samples:
            sample = column.cast(pl.String).drop_nulls().unique(maintain_order=True).head(samples)
            exprs.append(sample.implode().alias(f"s{i}"))
    row = frame.select(exprs).collect().row(0, named=True)
    stats = [
        ColumnStats(
            name,
            _dtype(dt),
            int(row[f"n{i}"]),
            row.get(f"d{i}"),
            row.get(f"lo{i}"),
            row.get(f"hi{i}"),
            tuple(_clip(str(s)) for s in row.get(f"s{i}") or ()),
        )
        for i, (name, dt) in enumerate(schema.items())
    ]
    return int(row["rows"]), stats


def _clip(text: str) -> str:
    return text if len(text) <= SAMPLE_CHARS else text[: SAMPLE_CHARS - 1] + "…"


def _column_line(c: ColumnStats, level: int, samples: int) -> str:
    if level >= 3:
        return f"- {c.name}: {c.dtype}"
    parts = [f"{c.nulls} nulls"]
    if c.distinct is not None:
        parts.append(f"{c.distinct} distinct")
    if c.low is not None and c.high is not None:
        parts.append(f"{c.low} to {c.high}")
    keep = samples if level == 0 else 1 if level == 1 else 0
    if c.samples and keep:
        parts.append("e.g. " + ", ".join(f'"{s}"' for s in c.samples[:keep]))
    return f"- {c.name}: {c.dtype}, " + ", ".join(parts)


def _render(
    tables: Sequence[tuple[str, int, list[ColumnStats], list[str]]],
    level: int,
    samples: int,
    shown: int | None = None,
) -> str:
    blocks = []
    for name, rows, stats, summary in tables:
        head = f"Table `{name}` ({rows} rows, {len(stats)} columns):"
        lines = [_column_line(c, level, samples) for c in stats[:shown]]
        if shown is not None and len(stats) > shown:
            lines.append(f"- ... and {len(stats) - shown} more columns (names in the tool)")
        # Kept at every level: a total row silently changes counts, sums and argmax answers.
        blocks.append("\n".join([head, *lines, *summary]))
    return "\n\n".join(blocks)


SHOWN_SUMMARY_ROWS = 3


def summary_notes(table: Table) -> list[str]:
    """The rows loading found to be totals, section headers or footnotes, as overview lines:
    `- row 12 looks like a total: Votes=752,692 (kept: filter it out to count or rank rows)`."""
    report = table.report
    if report is None or not report.summary_rows or report.summary_mode == "drop":
        return []
    found = report.summary_rows
    kept = (
        "flagged by the column summary_row"
        if report.summary_mode == "flag"
        else "kept: filter it out to count, sum or rank rows"
    )
    lines = [f"- {r.describe()} ({kept})" for r in found[:SHOWN_SUMMARY_ROWS]]
    if len(found) > SHOWN_SUMMARY_ROWS:
        rest = ", ".join(str(r.row) for r in found[SHOWN_SUMMARY_ROWS:])
        lines.append(f"- rows {rest} look like totals, section headers or footnotes too")
    return lines


def table_overview(catalog: Catalog, budget_tokens: int, samples: int = 3) -> str:
    """The tables as text for the system prompt, at most `budget_tokens` tokens (o200k_base).

    With several tables, the key pairs that look related come last (runtime/llm/related.py);
    they are kept whole and the tables' detail shrinks to make room."""
    related = related_keys(catalog)
    if related and count_tokens(related) < budget_tokens // 2:
        rest = budget_tokens - count_tokens("\n\n" + related)
        return _tables_overview(catalog, rest, samples) + "\n\n" + related
    return _tables_overview(catalog, budget_tokens, samples)


def _tables_overview(catalog: Catalog, budget_tokens: int, samples: int) -> str:
    tables = [(t.name, *column_stats(t.frame, samples), summary_notes(t)) for t in catalog]
    for level in range(4):  # 0 full, 1 one sample, 2 no samples, 3 names and types
        text = _render(tables, level, samples)
        if count_tokens(text) <= budget_tokens:
            return text
    widest = max((len(stats) for _, _, stats, _ in tables), default=0)
    low, high = 0, widest  # the most columns per table that fit, by bisection
    while low < high:
        middle = (low + high + 1) // 2
        if count_tokens(_render(tables, 3, samples, middle)) <= budget_tokens:
            low = middle
        else:
            high = middle - 1
    return _render(tables, 3, samples, low)


def system_prompt(profile: Profile, overview: str, tables: Sequence[str] | None = None) -> str:
    """The profile's prompt (or ours) with `{function}` and `{overview}` filled in; `tables`:
    the catalog's names (with one table the steps that read another are not listed)."""
    default = SYSTEM_PROMPT
    if not profile.tools:
        default = SYSTEM_PROMPT_JSON if profile.form == "tree" else SYSTEM_PROMPT_FORM
    template = profile.system_prompt or default
    if "{overview}" not in template:  # a custom prompt must not lose the tables
        template += "\n\n{overview}"
    language = ""
    if "{language}" in template:  # no tool is sent: the function list goes in the prompt
        # As in the tool definition: JOIN and LOOKUP only with a second table to read. Shown
        # with one table, the 1.5B model copied `JOIN LEFT planes ON tailnum = tailnum` from
        # the list into questions about weather and stock prices (E210).
        offered = for_catalog(profile.offered, tables)
        language = description(
            profile.form, profile.naming, profile.verbosity, offered, step_shapes=True
        )
    # str.replace, not format: a custom prompt may well contain JSON braces.
    return (
        template.replace("{function}", profile.function_name)
        .replace("{language}", language)
        .replace("{overview}", overview)
    )


def build_messages(
    question: str,
    profile: Profile,
    overview: str,
    examples: str = "",
    tables: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """System prompt (with the tables, then any solved examples) and the question; `tables`:
    the catalog's names (`system_prompt`)."""
    system = system_prompt(profile, overview, tables)
    if examples:
        system += "\n\n" + examples
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": question},
    ]


def tool_definition(schemas: Mapping[str, Schema], profile: Profile) -> dict[str, Any]:
    """The profile's function definition, with every table's columns offered as an enum (and
    the table names, where JOIN and LOOKUP name a table)."""
    columns = list(dict.fromkeys(c for schema in schemas.values() for c in schema.names()))
    return form_definition(
        profile.form,
        columns,
        naming=profile.naming,
        strict=profile.strict,
        verbosity=profile.verbosity,
        name=profile.function_name,
        offered=profile.offered,
        tables=list(schemas),
        calls="positional" if profile.positional_calls else "named",
    )


def request_body(
    model: str,
    messages: Sequence[Mapping[str, Any]],
    tool: Mapping[str, Any],
    profile: Profile,
    attempt: int = 1,
    tables: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The chat completion request; `tool_choice` forces the call, so prose is the exception.
    `tables` (the catalog's names) hold a grammar's table to one of them."""
    body: dict[str, Any] = {"model": model, "messages": list(messages)}
    if profile.tools:
        body["tools"] = [tool]
        choice = profile.tool_choice
        if choice == "function":
            named = {"type": "function", "function": {"name": profile.function_name}}
            body["tool_choice"] = named
        elif choice != "omit":
            body["tool_choice"] = choice
        if profile.parallel_tool_calls is not None:
            # One call per answer, as in the fine-tuning data (which declares the same).
            body["parallel_tool_calls"] = profile.parallel_tool_calls
    body.update(constraint(profile, tables))
    temperature = profile.temperature
    if attempt > 1 and profile.retry_temperature is not None:
        temperature = profile.retry_temperature
    if temperature is not None:
        body["temperature"] = temperature
    if profile.seed is not None:
        body["seed"] = profile.seed + attempt - 1
    if profile.max_tokens is not None:
        body["max_tokens"] = profile.max_tokens
    body.update(profile.extra)
    return body


def constraint(profile: Profile, tables: Sequence[str] | None = None) -> dict[str, Any]:
    """The request fields that hold the reply to the plan's JSON shape (none by default).

    A grammar holds the plan's table to `tables` when given. Column names are left free: a
    plan may name the columns its own steps make."""
    if profile.constrain == "gbnf":
        renames = tuple(sorted(profile.renames.items()))
        names = tuple(tables) if tables else None
        if profile.form == "tree":
            return {"grammar": _gbnf(renames, names)}
        offered = for_catalog(profile.offered, names)  # no JOIN line with one table
        held = None if offered is None else frozenset(offered)
        return {"grammar": _form_gbnf(profile.form, renames, held, names)}
    if profile.constrain == "json_schema":
        schema = (
            plan_schema(naming=profile.naming, verbosity="none", offered=profile.offered)
            if profile.form == "tree"
            else form_schema(profile.form, True, profile.offered)
        )
        return {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "plan", "schema": schema},
            }
        }
    return {}


# Bounded: a service sees many catalogs, and each is a grammar of its own.
@functools.lru_cache(maxsize=64)
def _gbnf(renames: tuple[tuple[str, str], ...], tables: tuple[str, ...] | None) -> str:
    return export_gbnf(Naming(renames=dict(renames)), tables=tables)


@functools.lru_cache(maxsize=64)
def _form_gbnf(
    form: str,
    renames: tuple[tuple[str, str], ...],
    offered: frozenset[str] | None,
    tables: tuple[str, ...] | None,
) -> str:
    return form_gbnf(form, Naming(renames=dict(renames)), offered, tables)


def estimate_prompt_tokens(body: Mapping[str, Any]) -> int:
    """Offline count of what the request sends (messages and tools), for budgets and fallbacks."""
    return count_tokens(body["messages"]) + count_tokens(body.get("tools", []))


def plan_source(reply: Reply, function: str, form: Form = "tree") -> str | None:
    """The text holding the plan: our function's arguments, any call's, or JSON in the text
    (or, in the text and steps forms, p-SQL text: repair reads it as such)."""
    named = [c for c in reply.calls if c.name.casefold() == function.casefold()]
    calls = named or list(reply.calls)
    if calls:
        return calls[0].arguments
    # Servers that ignore `tools` put the JSON in the text, often in a ``` fence: repair
    # strips prose and fences. Text without a brace is an answer in prose.
    if reply.content and ("{" in reply.content or "[" in reply.content):
        return reply.content
    if reply.content and form in ("text", "steps") and reply.content.strip():
        return reply.content
    return None
