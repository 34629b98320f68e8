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

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pesql.grammar.ast import Plan
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.registry import Naming

if TYPE_CHECKING:
    import polars as pl

    from pesql.compiler.check import CheckedPlan
    from pesql.compiler.types import Schema

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

    `profile` is a `pesql.runtime.profile.Profile` (or anything with `naming` and
    `verbosity` attributes): renames, aliases and description verbosity.
    """
    from pesql.grammar.jsonschema import Verbosity
    from pesql.grammar.jsonschema import function_definition as _definition
    from pesql.grammar.registry import DEFAULT_NAMING

    columns: Sequence[str] | None
    if schema is None or isinstance(schema, Sequence):
        columns = schema
    else:
        columns = schema.names()
    naming = getattr(profile, "naming", None) or DEFAULT_NAMING
    verbosity: Verbosity = "short"
    chosen = getattr(profile, "verbosity", "short")
    if chosen in ("full", "none"):
        verbosity = chosen
    return _definition(columns, naming=naming, strict=strict, verbosity=verbosity)


def check(plan: Plan, schema: Schema | Mapping[str, Schema]) -> CheckedPlan:
    """Type-check a plan against a table schema (or a catalog of them)."""
    from pesql.compiler.check import check as _check

    return _check(plan, schema)


def to_polars(plan: Plan, source: pl.LazyFrame) -> pl.LazyFrame:
    """A checked plan -> a polars LazyFrame pipeline over `source`."""
    from pesql.compiler.backends.polars import to_polars as _to_polars

    return _to_polars(plan, source)


def count_tokens(value: Any, encoding: str = "o200k_base") -> int:
    """Offline token count of a string (or the compact JSON of a value)."""
    from pesql.runtime.tokens import count_tokens as _count

    return _count(value, encoding)  # type: ignore[arg-type]


__all__ = [
    "Diagnostic",
    "Naming",
    "PesqlError",
    "Plan",
    "__version__",
    "check",
    "count_tokens",
    "from_json",
    "function_definition",
    "parse",
    "to_json",
    "to_polars",
    "to_text",
]
