"""Diagnostic codes of the checker: E2xx, type checking and name resolution against schemas.

Registered on import of `pesql.compiler.check` (its `__init__` imports this module).
"""

from __future__ import annotations

from pesql.grammar.diagnostics import Code, register

register(
    "compiler/check",
    Code(
        "E301",
        "too many steps",
        "the plan has {found} steps, the limit is {expected}",
        "split the question, or combine DERIVE steps",
    ),
    Code(
        "E315",
        "plan too large",
        "the plan has more than {expected} nodes (found {found})",
        "ask for fewer columns or conditions at once; every stage's time grows with the nodes",
    ),
    Code(
        "E201",
        "unknown column",
        "unknown column `{name}`",
        "use a column of the table or of an earlier step; close names are offered as hints",
    ),
    Code(
        "E202",
        "type mismatch",
        "`{name}` expects {expected}, found {found}",
        "convert the argument (CAST, PARSE_DATE) or use an operation for its type",
    ),
    Code(
        "E203",
        "aggregate outside aggregation",
        "aggregate `{name}` used outside GROUP_BY/AGGREGATE/WINDOW",
        "use GROUP_BY or AGGREGATE for one row per group, or WINDOW for per-row totals",
    ),
    Code(
        "E204",
        "column not aggregated",
        "column `{name}` is neither a group key nor inside an aggregate",
        "group by the column too, or aggregate it (FIRST, MAX, ...)",
    ),
    Code(
        "E205",
        "duplicate output name",
        "output column `{name}` is defined twice",
        "give each output column its own name",
    ),
    Code(
        "E206",
        "division by zero",
        "division by the literal zero",
        "divide by a non-zero value",
    ),
    Code(
        "E207",
        "invalid window",
        "invalid window: {problem}",
        "ranking and offset functions need ORDER BY; see WINDOW in docs/language.md",
    ),
    Code(
        "E208",
        "ambiguous column",
        "column `{name}` matches several columns",
        "write one of the matching column names exactly",
    ),
    Code(
        "E209",
        "column resolved loosely",
        "column `{name}` resolved to `{resolved}`",
        "a warning: write the column name exactly as the table spells it",
    ),
    Code(
        "E210",
        "unknown table",
        "unknown table `{name}`",
        "name a table of the catalog in `table` (FROM); close names are offered as hints",
    ),
    Code(
        "E211",
        "invalid date literal",
        "cannot read {found} as a {expected}",
        "write dates as 'YYYY-MM-DD' (datetimes 'YYYY-MM-DD HH:MM:SS')",
    ),
    Code(
        "E212",
        "window function outside WINDOW",
        "window function `{name}` used outside a WINDOW step",
        "compute it in a WINDOW step: WINDOW x = ROW_NUMBER()",
    ),
    Code(
        "E213",
        "nested aggregate",
        "aggregate `{name}` inside another aggregate",
        "compute the inner aggregate in an earlier step, then aggregate that column",
    ),
    Code(
        "E214",
        "nested window function",
        "`{name}` inside `{outer}`: aggregates and window functions do not nest",
        "compute the inner value in an earlier step",
    ),
    Code(
        "E215",
        "invalid argument value",
        "`{name}`: {prop} must be {expected}, found {found}",
        "pass a value in the range the function declares",
    ),
    Code(
        "E216",
        "ties without order",
        "LIMIT WITH TIES needs the rows sorted by an earlier SORT",
        "put a SORT before the LIMIT (steps that keep the row order may stand between)",
    ),
    Code(
        "E217",
        "unsupported column type",
        "column `{name}` has the type {found}, which p-SQL cannot use",
        "such a column (List, Struct, Binary, ...) can only be kept (SELECT) or removed (DROP)",
    ),
    Code(
        "E230",
        "join keys not comparable",
        "join key `{name}` ({expected}) cannot match `{other}` of `{table}` ({found})",
        "join on columns of comparable types; convert one side first (CAST, PARSE_NUMBER)",
    ),
    Code(
        "E231",
        "joined column name taken",
        "joined column `{name}` would be named `{found}`, which is taken",
        "rename (SELECT ... AS) or DROP the column before the join",
    ),
    Code(
        "W303",
        "comparison with NULL",
        "`{found}` is null for every row: `=` and `!=` with NULL are never true",
        "write `x IS NULL` or `x IS NOT NULL`",
    ),
    Code(
        "W306",
        "AGGREGATE after GROUP_BY",
        "the AGGREGATE after `GROUP_BY {found}` computes over the groups (one row), not per group",
        "per group, put the aggregates in the GROUP_BY: GROUP_BY k COMPUTE n = COUNT(*)",
    ),
    Code(
        "W309",
        "aggregate of a grouping key",
        "`{found}` is {expected} in every group: each group of the GROUP_BY holds one value "
        "of `{name}`",
        "for one value over all the rows write AGGREGATE; per group, aggregate another column",
    ),
)
