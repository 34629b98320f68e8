"""p-SQL plans -> SQL, via a sqlglot expression tree rendered in the requested dialect.

Every step becomes one CTE (a few steps need two); the final SELECT restores row order.
SQL tables have no order, so the source CTE numbers the input rows in a row-ordinal column
(`__pesql_row`) that every step carries: SORT renumbers it (ties keep their ordinal: a
stable sort), GROUP_BY and DISTINCT keep the smallest one of each group (first appearance),
window functions break ties with it, and the last SELECT orders by it. See docs/sql.md.

    >>> from pesql.grammar.parse import parse
    >>> from pesql.compiler.check.schema import Schema
    >>> print(to_sql(parse("FILTER a > 1"), Schema.of({"a": "integer"}), pretty=False))
    ... # doctest: +ELLIPSIS
    WITH "pesql_0" AS (SELECT "a", ROW_NUMBER() OVER () - 1 AS "__pesql_row" FROM "t"), ...
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, get_args

# Importing these registers the aggregate, window, text and time lowerings on `sql_expr`.
import pesql.compiler.backends.sql.calls
import pesql.compiler.backends.sql.functions
import pesql.compiler.backends.sql.joins
import pesql.compiler.backends.sql.parse
import pesql.compiler.backends.sql.text  # noqa: F401  (imported for their registrations)
from pesql.compiler.backends.sql.order import input_order_observed
from pesql.compiler.backends.sql.steps import Chain, sql_step
from pesql.compiler.check.check import check
from pesql.compiler.check.schema import Schema
from pesql.grammar import ast as A
from pesql.grammar.diagnostics import Diagnostic, PesqlError
from pesql.grammar.ops import rows
from pesql.grammar.registry import spec_of
from sqlglot import exp
from sqlglot.errors import ErrorLevel, UnsupportedError

Dialect = Literal["duckdb", "postgres", "spark", "trino", "bigquery", "snowflake", "sqlite"]
DIALECTS: tuple[Dialect, ...] = get_args(Dialect)

# Operations a dialect has no faithful spelling for (E310 names them all at once).
UNSUPPORTED: dict[Dialect, frozenset[str]] = {
    # PARSE_DATE: also E310 for a format code not in sql/parse.DATE_CODES.
    "duckdb": frozenset(),
    # Postgres, Spark: PARSE_DATE also E310 for a format sql/dates.pattern refuses.
    "postgres": frozenset({"FIRST", "LAST"}),
    "spark": frozenset(),
    "trino": frozenset({"PARSE_NUMBER", "PARSE_DATE", "PARSE_DURATION", "TOTAL_SECONDS"}),
    "bigquery": frozenset({"PARSE_NUMBER", "PARSE_DATE", "PARSE_DURATION", "TOTAL_SECONDS"}),
    "snowflake": frozenset({"PARSE_NUMBER", "PARSE_DATE", "PARSE_DURATION", "TOTAL_SECONDS"}),
    # SQLite has no regular expressions, no date types, no statistics or ordered aggregates.
    "sqlite": frozenset(
        {
            "FIRST", "LAST", "MEDIAN", "QUANTILE", "STD", "VAR",
            "REGEXP_MATCH", "REGEXP_EXTRACT", "REGEXP_REPLACE",
            "PARSE_NUMBER", "PARSE_DATE", "PARSE_DURATION", "TOTAL_SECONDS",
            "YEAR", "QUARTER", "MONTH", "DAY", "WEEKDAY", "HOUR", "MINUTE",
            "DATE_TRUNC", "DATE_DIFF", "TRIM", "STARTS_WITH", "ENDS_WITH",
        }
    ),
}  # fmt: skip

# Aggregates a dialect cannot compute as window functions (inside a WINDOW step).
UNSUPPORTED_IN_WINDOW: dict[Dialect, frozenset[str]] = {
    "postgres": frozenset({"COUNT_DISTINCT", "MEDIAN", "QUANTILE"}),
    # Spark: "Distinct window functions are not supported".
    "spark": frozenset({"COUNT_DISTINCT"}),
    "sqlite": frozenset({"COUNT_DISTINCT"}),
}

ORDINAL = "__pesql_row"


def to_sqlglot(
    plan: A.Plan,
    schema: Schema,
    table: str | None = None,
    *,
    dialect: Dialect = "duckdb",
    ordinal_column: str | None = None,
    tables: Mapping[str, Schema] | None = None,
    table_names: Mapping[str, str] | None = None,
) -> exp.Select:
    """The sqlglot tree of `plan` reading `table` (default: the plan's table, else `t`).

    `ordinal_column` names a column of the table (and of every joined table) that already
    numbers its rows in order (the in-process engines add one); without it the rows are
    numbered by `ROW_NUMBER() OVER ()`, whose order is the engine's scan order. `tables`: the
    schemas of the tables JOIN and LOOKUP read, `table_names` their SQL names if not their own.
    """
    checked = check(plan, schema, tables=tables)
    unsupported_ops(checked.plan, dialect)
    joined = tuple(s for _n, s in checked.joined)
    names = {n for s in (checked.input_schema, *checked.step_schemas, *joined) for n in s.names()}
    ordinal = ORDINAL
    while ordinal in names:
        ordinal = "_" + ordinal
    source_table = table or checked.table or plan.table or "t"
    sql_names = {n: (table_names or {}).get(n, n) for n, _s in checked.joined}
    chain = Chain(
        schema=checked.input_schema,
        dialect=dialect,
        ordinal=ordinal,
        prefix=_prefix(source_table, *sql_names.values()),
        tables=dict(checked.joined),
        table_names=sql_names,
    )
    chain.source(source_table, ordinal_column, input_order_observed(checked.plan.steps))
    for step in checked.plan.steps:
        sql_step(step, chain)
    return chain.finish()


def to_sql(
    plan: A.Plan,
    schema: Schema,
    dialect: Dialect = "duckdb",
    table: str | None = None,
    *,
    ordinal_column: str | None = None,
    pretty: bool = True,
    tables: Mapping[str, Schema] | None = None,
    table_names: Mapping[str, str] | None = None,
) -> str:
    """SQL text of `plan` in `dialect`; raises PesqlError (E310) for what it cannot express.

    `tables`: the schemas of the tables JOIN and LOOKUP read (see `to_sqlglot`)."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}; one of {', '.join(DIALECTS)}")
    tree = to_sqlglot(
        plan,
        schema,
        table,
        dialect=dialect,
        ordinal_column=ordinal_column,
        tables=tables,
        table_names=table_names,
    )
    try:
        # sqlglot only warns when it drops something the dialect cannot say (e.g. NULLS LAST
        # in a BigQuery window frame); dropping it would change the result, so it is an error.
        return tree.sql(dialect=dialect, pretty=pretty, unsupported_level=ErrorLevel.RAISE)
    except UnsupportedError as exc:
        problem = str(exc).strip().splitlines()[-1] if str(exc).strip() else "unsupported"
        raise PesqlError(
            [Diagnostic.make("E310", plan.origin, name=problem, dialect=dialect)]
        ) from exc


def unsupported_ops(plan: A.Plan, dialect: Dialect) -> None:
    """Raise E310 naming every operation of `plan` that `dialect` cannot express."""
    missing = UNSUPPORTED.get(dialect, frozenset())
    found: dict[str, A.Node] = {}
    for node in plan.walk():
        if isinstance(node, A.Call | A.Step):
            name = spec_of(node).name
            if name in missing and name not in found:
                found[name] = node
    not_windowed = UNSUPPORTED_IN_WINDOW.get(dialect, frozenset())
    for step in plan.steps:
        if isinstance(step, rows.Window):
            for node in step.walk():
                name = spec_of(node).name if isinstance(node, A.Call) else ""
                if name in not_windowed and name not in found:
                    found[f"{name} inside WINDOW"] = node
    if found:
        raise PesqlError(
            [
                Diagnostic.make(
                    "E310",
                    node.origin,
                    name=name,
                    dialect=dialect,
                    hints=(f"run it with the polars or duckdb engine, or rewrite `{name}`",),
                )
                for name, node in found.items()
            ]
        )


def _prefix(*tables: str) -> str:
    # CTE names must not shadow the source table, nor a joined one.
    prefix = "pesql_"
    while any(t.lower().startswith(prefix) for t in tables):
        prefix = "_" + prefix
    return prefix


__all__ = [
    "DIALECTS",
    "ORDINAL",
    "UNSUPPORTED",
    "UNSUPPORTED_IN_WINDOW",
    "Dialect",
    "to_sql",
    "to_sqlglot",
    "unsupported_ops",
]
