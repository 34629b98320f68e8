"""Diagnostic codes of datasets and evaluation: E6xx (docs/datasets.md).

Origins are the JSON Lines line, pointers within it. Registered on import of
`pesql.runtime.evals` (its `__init__` imports this module).
"""

from __future__ import annotations

from pesql.grammar.diagnostics import Code, register

register(
    "runtime/evals",
    Code(
        "E601",
        "invalid dataset line",
        "the line is not a JSON object: {problem}",
        "one example per line, as one JSON object",
    ),
    Code(
        "E602",
        "missing example property",
        "the example is missing property `{prop}`",
        "docs/datasets.md lists the required properties",
    ),
    Code(
        "E603",
        "invalid example property",
        "`{prop}`: expected {expected}, found {found}",
        "write the property as docs/datasets.md describes it",
    ),
    Code(
        "E604",
        "unknown example property",
        "the example has no property `{prop}`",
        "remove it, or check its spelling against docs/datasets.md",
    ),
    Code(
        "E605",
        "unreadable dataset",
        "cannot read {name}: {problem}",
        "a dataset is a folder with examples.jsonl and tables/",
    ),
    Code(
        "E606",
        "unknown dataset table",
        "table `{name}` is not in the dataset's tables/",
        "add the table file to tables/, or name one that is there",
    ),
    Code(
        "E610",
        "invalid gold plan",
        "example `{name}`: the gold plan is invalid: {problem}",
        "fix the plan until it lowers and checks against the example's tables",
    ),
    Code(
        "E611",
        "non-canonical plan JSON",
        "example `{name}`: the plan JSON is not canonical",
        "write the plan in canonical JSON (`pesql fmt` on its JSON form)",
    ),
    Code(
        "E612",
        "wrong expected result",
        "example `{name}`: the result differs: {problem}",
        "fix the plan or the expected result; `pesql dataset add` computes it",
    ),
    Code(
        "E613",
        "duplicate example id",
        "duplicate id `{name}` (first on line {first})",
        "give every example its own id",
    ),
    Code(
        "E614",
        "duplicate question",
        "example `{name}` repeats the question of `{other}`",
        "drop one of the examples, or ask something else",
    ),
    Code(
        "E615",
        "near-duplicate question",
        "example `{name}` nearly repeats `{other}` ({score})",
        "a warning: make the questions differ in substance, not in wording",
    ),
    Code(
        "E616",
        "reference SQL failed",
        "example `{name}`: reference_sql failed in DuckDB: {problem}",
        "the query runs in DuckDB over the dataset's tables by name",
    ),
    Code(
        "E617",
        "reference SQL disagrees",
        "example `{name}`: reference_sql disagrees: {problem}",
        "fix the plan or the reference SQL: they must give the same result",
    ),
    Code(
        "E618",
        "missing table licenses",
        "tables/LICENSES.md is missing",
        "state the source and license of every table in tables/LICENSES.md",
    ),
)
