"""pesql: p-SQL, a safe, structured query language for LLM-written table plans.

One public function per pipeline arrow, plus `compile` that chains them:

    >>> import pesql
    >>> plan = pesql.parse("DERIVE gap = SUB_ABS(price, cost)\\nSORT gap DESC\\nLIMIT 1")
    >>> pesql.to_json(plan)["steps"][1]["op"]
    'SORT'

Imports are deferred to the call, so `import pesql` stays fast and pulls in polars,
sqlglot or openai only when a stage that needs them runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, overload

# The diagnostics module is light (no grammar, no polars); the AST and the operation registry
# are not (the registry imports every operation's declaration): `Plan` and `Naming` load on
# first use, like the functions below, so `pesql --version` starts in tens of milliseconds.
from pesql.grammar.diagnostics import Diagnostic, PesqlError

if TYPE_CHECKING:
    from pathlib import Path

    import openai
    import polars as pl

    from pesql.compiler.check.check import CheckedPlan
    from pesql.compiler.check.schema import Schema
    from pesql.compiler.repair.repair import RepairResult
    from pesql.grammar.ast import Plan
    from pesql.grammar.registry import Naming
    from pesql.runtime.engine.execute import CompiledPlan, Result
    from pesql.runtime.engine.limits import Limits
    from pesql.runtime.llm.profile import Profile
    from pesql.runtime.llm.result import AskResult

__version__ = "0.1.0"


def parse(text: str) -> Plan:
    """p-SQL text -> AST (raises `PesqlError` with every syntax problem)."""
    from pesql.grammar.parse import parse as _parse

    return _parse(text)


def from_json(value: str | bytes | Any, naming: Naming | None = None) -> Plan:
    """Function-call arguments (JSON text or a parsed value) -> AST."""
    from pesql.grammar.jsonform import from_json as _from_json
    from pesql.grammar.registry import DEFAULT_NAMING

    return _from_json(value, naming or DEFAULT_NAMING)


def to_text(plan: Plan) -> str:
    """AST -> canonical p-SQL text."""
    from pesql.grammar.printer import to_text as _to_text

    return _to_text(plan)


def to_json(plan: Plan, naming: Naming | None = None) -> dict[str, Any]:
    """AST -> canonical JSON object (every property, declaration order)."""
    from pesql.grammar.jsonform import to_json as _to_json
    from pesql.grammar.registry import DEFAULT_NAMING

    return _to_json(plan, naming or DEFAULT_NAMING)


def function_definition(
    schema: Schema | Sequence[str] | None = None,
    profile: Any | None = None,
    strict: bool = True,
) -> dict[str, Any]:
    """The OpenAI `tools` entry for p-SQL plans; with a schema, columns are offered as enums.

    `profile` is a `pesql.runtime.llm.profile.Profile` (or anything with `naming` and
    `verbosity` attributes): renames, aliases, description verbosity, and its wire `form` and
    offered operations when it has them.
    """
    from pesql.grammar.formdefs import form_definition
    from pesql.grammar.forms import Form
    from pesql.grammar.jsonschema import Verbosity
    from pesql.grammar.registry import DEFAULT_NAMING

    columns = schema if schema is None or isinstance(schema, Sequence) else schema.names()
    naming = getattr(profile, "naming", None) or DEFAULT_NAMING
    chosen = getattr(profile, "verbosity", "short")
    verbosity: Verbosity = "full" if chosen == "full" else "none" if chosen == "none" else "short"
    # A profile's wire form and operation subset (docs/ask.md#wire-forms).
    form: Form = getattr(profile, "form", "tree")
    offered = getattr(profile, "offered", None)
    return form_definition(
        form, columns, naming=naming, strict=strict, verbosity=verbosity, offered=offered
    )


def check(plan: Plan, schema: Schema | Mapping[str, Schema]) -> CheckedPlan:
    """Type-check a plan against a table schema (or a catalog of them)."""
    from pesql.compiler.check.check import check as _check

    return _check(plan, schema)


def schema_from_polars(schema: Mapping[str, pl.DataType]) -> Schema:
    """A polars schema (`frame.schema`) as a checker `Schema`; unsupported types are marked."""
    from pesql.compiler.backends.polars.dtypes import schema_from_polars as _schema_from_polars

    return _schema_from_polars(schema)


def to_polars(
    plan: CheckedPlan | Plan,
    source: pl.LazyFrame,
    schema: Schema | Mapping[str, Schema] | None = None,
) -> pl.LazyFrame:
    """A checked plan (`check`'s or `optimize`'s) -> a polars LazyFrame pipeline over `source`.

    For convenience a plain `Plan` is checked first: against `schema`, or else against the
    schema of `source` itself (the compiler's own `to_polars` takes only a `CheckedPlan`)."""
    from pesql.compiler.backends.polars.lower import to_polars as _to_polars
    from pesql.grammar.ast import Plan

    if isinstance(plan, Plan):
        plan = check(plan, schema or schema_from_polars(source.collect_schema()))
    return _to_polars(plan, source)


@overload
def optimize(plan: CheckedPlan, schema: None = None) -> CheckedPlan: ...
@overload
def optimize(plan: Plan, schema: Schema | Mapping[str, Schema]) -> Plan: ...
def optimize(
    plan: CheckedPlan | Plan, schema: Schema | Mapping[str, Schema] | None = None
) -> CheckedPlan | Plan:
    """A checked plan -> an equivalent, cheaper one (see docs/optimizer.md).

    `optimize(checked)` takes a `CheckedPlan` and returns one, ready for `to_polars`. For
    convenience `optimize(plan, schema)` checks a plain `Plan` first and returns a `Plan`."""
    from pesql.compiler.passes.optimize import optimize as _optimize
    from pesql.grammar.ast import Plan

    if isinstance(plan, Plan):
        if schema is None:
            raise TypeError(
                "optimize(plan, schema): a plain Plan is checked first and needs the schema "
                "(or pass the CheckedPlan of pesql.check)"
            )
        return _optimize(check(plan, schema)).plan
    return _optimize(plan)


def canonicalize(plan: Plan, schema: Schema | None = None) -> Plan:
    """One normal form for plans that differ only in spelling, operand order or no-op steps."""
    from pesql.compiler.passes.optimize import canonicalize as _canonicalize

    return _canonicalize(plan, schema)


def to_sql(
    plan: Plan | CheckedPlan,
    schema: Schema,
    dialect: str = "duckdb",
    table: str | None = None,
    *,
    ordinal_column: str | None = None,
    pretty: bool = True,
    tables: Mapping[str, Schema] | None = None,
) -> str:
    """A plan -> SQL text in a dialect (duckdb, postgres, spark, trino, ...), see docs/sql.md.

    `ordinal_column` names a column that numbers the table's rows in order; without it the
    rows are numbered in the engine's scan order. `tables`: the schemas of the tables JOIN
    and LOOKUP read (a `CheckedPlan` brings its own)."""
    from pesql.compiler.backends.sql.lower import to_sql as _to_sql
    from pesql.compiler.check.check import CheckedPlan as _Checked

    if isinstance(plan, _Checked):
        tables = tables if tables is not None else dict(plan.joined)
        plan = plan.plan
    return _to_sql(
        plan,
        schema,
        dialect,  # type: ignore[arg-type]
        table,
        ordinal_column=ordinal_column,
        pretty=pretty,
        tables=tables,
    )


def repair(
    text: str, naming: Naming | None = None, schema: Schema | Mapping[str, Schema] | None = None
) -> RepairResult:
    """Broken model output -> JSON value, plan, fix log and trust flag (never raises)."""
    from pesql.compiler.repair.repair import repair as _repair

    return _repair(text, naming=naming, schema=schema)


def compile(
    plan: Plan | CheckedPlan | RepairResult | str | Mapping[str, Any],
    schema: Schema | Mapping[str, Schema],
    *,
    optimize: bool = True,
    limits: Limits | None = None,
) -> CompiledPlan:
    """Text, JSON, a Plan or a CheckedPlan -> checked, optimized, reusable `CompiledPlan`.

    A `CheckedPlan` checked against `schema` (`check`'s, or `repair`'s `checked`) is not
    checked again (docs/execution.md)."""
    global _compile
    if _compile is None:  # loaded on first use, then kept: a cache hit costs ~3 µs in all
        from pesql.runtime.engine.execute import compile as loaded

        _compile = loaded
    return _compile(plan, schema, optimize=optimize, limits=limits)


_compile: Callable[..., CompiledPlan] | None = None


def execute(
    plan: Plan | CheckedPlan | RepairResult | str | Mapping[str, Any],
    table: Any,
    *,
    limits: Limits | None = None,
) -> Result:
    """The one-liner: compile `plan` against `table`'s schema and run it."""
    from pesql.runtime.engine.execute import execute as _execute

    return _execute(plan, table, limits=limits)


def ask(
    question: str,
    tables: Any,
    client: openai.OpenAI | None = None,
    model: str | None = None,
    profile: Profile | str | Path | None = None,
    **options: Any,
) -> AskResult:
    """Ask a model for a plan that answers `question`, check it, run it (see docs/ask.md)."""
    from pesql.runtime.llm.ask import ask as _ask

    return _ask(question, tables, client, model, profile, **options)


async def ask_async(
    question: str,
    tables: Any,
    client: openai.AsyncOpenAI | None = None,
    model: str | None = None,
    profile: Profile | str | Path | None = None,
    **options: Any,
) -> AskResult:
    """The asyncio twin of `ask`."""
    from pesql.runtime.llm.ask import ask_async as _ask_async

    return await _ask_async(question, tables, client, model, profile, **options)


def load_table(
    source: Any, *, name: str | None = None, format: str | None = None, clean: bool | None = None
) -> Any:
    """A table from a file (CSV, TSV, Parquet, JSON, NDJSON, IPC, Excel) or a frame."""
    from pesql.runtime.tables.table import load_table as _load_table

    return _load_table(source, name=name, format=format, clean=clean)


def __getattr__(name: str) -> Any:
    # Classes are loaded on first use, like the functions above.
    lazy = {
        "Runtime": "pesql.runtime.embedding",
        "Catalog": "pesql.runtime.tables.catalog",
        "Table": "pesql.runtime.tables.table",
        "Schema": "pesql.compiler.check.schema",
        "Limits": "pesql.runtime.engine.limits",
        "Profile": "pesql.runtime.llm.profile",
        "AskResult": "pesql.runtime.llm.result",
        "AskError": "pesql.runtime.llm.result",
        "CompiledPlan": "pesql.runtime.engine.execute",
        "Result": "pesql.runtime.engine.execute",
        "RepairResult": "pesql.compiler.repair.repair",
        "Plan": "pesql.grammar.ast",
        "Naming": "pesql.grammar.registry",
    }
    if name in lazy:
        import importlib

        return getattr(importlib.import_module(lazy[name]), name)
    raise AttributeError(f"module 'pesql' has no attribute {name!r}")


def count_tokens(value: Any, encoding: str = "o200k_base") -> int:
    """Offline token count of a string (or the compact JSON of a value)."""
    from pesql.runtime.llm.tokens import count_tokens as _count

    return _count(value, encoding)  # type: ignore[arg-type]


__all__ = [
    "AskError",
    "AskResult",
    "Catalog",
    "CompiledPlan",
    "Diagnostic",
    "Limits",
    "Naming",
    "PesqlError",
    "Plan",
    "Profile",
    "RepairResult",
    "Result",
    "Runtime",
    "Schema",
    "Table",
    "__version__",
    "ask",
    "ask_async",
    "canonicalize",
    "check",
    "compile",
    "count_tokens",
    "execute",
    "from_json",
    "function_definition",
    "load_table",
    "optimize",
    "parse",
    "repair",
    "schema_from_polars",
    "to_json",
    "to_polars",
    "to_sql",
    "to_text",
]
