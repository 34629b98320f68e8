"""Generate docs/language.md from the registry, so the reference cannot drift from the code.

    python -m pesql.grammar.reference > docs/language.md     (what `make docs` runs)

A test regenerates the text and compares it with the committed file.
"""

from __future__ import annotations

import dataclasses

from pesql.grammar.jsonform import dumps, to_json
from pesql.grammar.numbers import describe_number
from pesql.grammar.parse import parse, parse_expr
from pesql.grammar.registry import DEFAULT_NAMING, Category, FieldSpec, OpSpec, all_ops
from pesql.grammar.types import Common, FromOption, Promote, Same, Signature

INTRO = """\
# p-SQL language reference

p-SQL is a pipeline of steps: one table goes in, each step transforms the current table, and
the last step's table comes out. Models write it as JSON (the arguments of one function
call); people read and write the text form. Both map to the same AST, and each converts to
the other without loss (`pesql convert`).

This file is generated from the operation registry by `make docs`
(`python -m pesql.grammar.reference`); a test fails when it is out of date. Exact runtime
behaviour (nulls, division, rounding, ordering, ties) is in [semantics.md](semantics.md);
type rules and name resolution in [checking.md](checking.md).

## Text form

```psql
FROM penguins
FILTER species != 'Gentoo' AND body_mass_g IS NOT NULL
DERIVE gap = SUB_ABS(bill_length_mm, bill_depth_mm)
GROUP_BY species, island COMPUTE avg_gap = AVG(gap), n = COUNT(*)
SORT avg_gap DESC
LIMIT 3
```

- One step per line by convention; newlines carry no meaning (every step starts with its
  keyword). `-- comments` run to the end of the line.
- Keywords and function names are case-insensitive; the canonical form is upper case.
- Column names are bare words (`body_mass_g`, `año`) or in backticks (`` `unit price` ``,
  `` `it``s` `` doubles a backtick). Words that are keywords (`select`, `limit`, `order`,
  ...) need backticks; `pesql fmt` adds them where needed. A name is always the one column
  of that name, never a pattern: `` `*` `` and `` `^year$` `` are columns called `*` and
  `^year$` (polars would read both as patterns; the backend passes names literally, and
  so do the data warnings' own queries and the size estimate's).
- Literals: integers `42`, numbers `4.5`, `1e-3`, negative `-2`; text `'West'` (a quote
  inside is doubled: `'it''s'`); `TRUE`, `FALSE`, `NULL`; dates `DATE '2024-01-31'` and
  datetimes `TIMESTAMP '2024-01-31 12:30:00'`. Double quotes are not used.
- Operators, loosest first: `OR`, `AND`, `NOT`, comparisons (`=`, `!=`/`<>`, `<`, `<=`,
  `>`, `>=`, `IN (...)`, `BETWEEN ... AND ...`, `IS [NOT] NULL`, `[NOT] LIKE`/`ILIKE`), `+ -`,
  `* / %`, unary `-`. Comparisons do not chain.
- Functions are called `NAME(arg, ...)`; options may be named with `=>`:
  `ROUND(price, digits => 2)`, `SUM(price, where => region = 'West')`. `COUNT(*)` counts rows.
- `CASE WHEN cond THEN value ... [ELSE value] END`.
- `JOIN [INNER|LEFT|SEMI|ANTI] table ON a = b, c = d` combines the current table with a table
  of the catalog (INNER when no kind is written); `LOOKUP table ON a = b` adds the columns of
  the row whose key matches (the key must be unique there). In `a = b`, `a` is a column of
  the current table and `b` one of the joined table.
- Step aliases work the same in text and JSON: `WHERE` is `FILTER`, `MUTATE` is `DERIVE`,
  `ORDER_BY` and `ORDER BY` are `SORT`, `GROUP BY` is `GROUP_BY` (a space or an underscore;
  in JSON any case, `"op": "order by"`). Right after a WINDOW's items, `ORDER BY` is the
  window's own order (as in SQL); a SORT after a WINDOW is written on its own line as `SORT`.
- SQL spellings that are not p-SQL get a hint naming the p-SQL form: `COUNT(DISTINCT x)` is
  `COUNT_DISTINCT(x)`, `EXTRACT(YEAR FROM d)` is `YEAR(d)`, `CAST(x AS INT)` is
  `CAST(x, 'integer')`, `PERCENTILE_CONT` is `QUANTILE(x, q)`, `HAVING` is a FILTER after
  the GROUP_BY, `a == 1` is `a = 1`, `&&` is `AND`, `SELECT DISTINCT x` is `DISTINCT x`,
  `DERIVE AVG(x) AS m` is `DERIVE m = AVG(x)` (grammar/habits.py).

## JSON form

```json
{"table": null,
 "steps": [{"op": "DERIVE",
            "columns": [{"name": "gap",
                         "expr": {"op": "SUB_ABS", "left": "price", "right": "cost"}}]}]}
```

- `table` names the table to read (`null`: the only one); `steps` is the pipeline.
- In expressions, a JSON string is a **column name**; numbers, `true`/`false` and `null` are
  literals; text is `{"value": "West", "type": "string"}`; dates and datetimes are
  `{"value": "2024-01-31", "type": "date"}` / `{"value": "2024-01-31 12:30:00", "type":
  "datetime"}`; everything else is `{"op": NAME, ...properties}`.
- Canonical JSON (what pesql writes, and what fine-tuning data uses) has every property of
  every object in declaration order, `null` for absent optional values, no spaces.
- Lowering is lenient where it is unambiguous: optional properties may be missing and op
  names may be in any case or a registered alias; unknown properties are errors.
- An optional expression given as `null` (JSON) or `NULL` (text: `SUM(x, where => NULL)`,
  `CASE ... ELSE NULL END`) means "absent": no condition, no ELSE. Both forms spell it the
  same way, so text and JSON stay interchangeable.

## Types

integer, float, decimal, string, boolean, date, datetime, duration, and null (the type of
`NULL`). Numbers promote like SQL (integer < decimal < float); `/` always gives a float.
"""


def _type_text(f: FieldSpec) -> str:
    words = {
        "expr": "expression",
        "exprs": "expressions",
        "column": "column",
        "columns": "columns",
        "new_name": "name",
        "table": "table",
        "text": "text",
        "int": "integer",
        "float": "number",
        "bool": "boolean",
        "records": "list",
    }
    if f.kind == "choice":
        text = " \\| ".join(f"'{c}'" for c in f.choices)
    elif f.kind == "records" and f.record is not None:
        text = f"list of {f.record.__name__}"
    else:
        text = words[f.kind]
    if f.minimum is not None or f.maximum is not None:
        low = "" if f.minimum is None else f"{describe_number(f.minimum)} ≤ "
        high = "" if f.maximum is None else f" ≤ {describe_number(f.maximum)}"
        text += f" ({low}value{high})"
    return text


def _default_text(f: FieldSpec) -> str:
    if f.default is dataclasses.MISSING:
        return "required"
    if f.default is None:
        return "none"
    if f.default == ():
        return "empty"
    return f"`{f.default!r}`".replace("True", "TRUE").replace("False", "FALSE")


def _result_text(sig: Signature) -> str:
    match sig.result:
        case Same(field=name):
            return f"type of `{name}`"
        case Promote(fields=names):
            return "numeric promotion of " + ", ".join(f"`{n}`" for n in names)
        case Common(fields=names):
            return "common type of " + ", ".join(f"`{n}`" for n in names)
        case FromOption(field=name):
            return f"the type named by `{name}`"
    return str(sig.result)


def _example_json(spec: OpSpec) -> str:
    if spec.category == "step":
        document = to_json(parse(spec.example))["steps"][0]
    else:
        from pesql.grammar.jsonform import expr_json

        document = expr_json(parse_expr(spec.example))
    return dumps(document)


def _op_section(spec: OpSpec) -> list[str]:
    lines = [f"### {spec.name}", "", spec.describe[0].upper() + spec.describe[1:] + ".", ""]
    if spec.fields:
        lines += ["| property | type | default |", "| --- | --- | --- |"]
        for f in spec.fields:
            lines.append(f"| `{f.wire}` | {_type_text(f)} | {_default_text(f)} |")
        lines.append("")
    if spec.signature is not None:
        params = ", ".join(f"`{k}`: {v.label}" for k, v in spec.signature.params.items())
        rule = _result_text(spec.signature)
        lines.append(
            f"Types: {params + ' → ' if params else ''}{rule}; nulls: {spec.signature.nulls}."
        )
        lines.append("")
    if spec.aliases:
        lines += ["Aliases: " + ", ".join(f"`{a}`" for a in spec.aliases) + ".", ""]
    lines += [f"Text: `{spec.example}`", "", "JSON: `" + _example_json(spec) + "`", ""]
    return lines


SECTIONS: tuple[tuple[Category, str, str], ...] = (
    ("step", "Steps", "Each step takes the current table and returns the next one."),
    ("scalar", "Scalar functions and operators", "Computed row by row."),
    (
        "aggregate",
        "Aggregates",
        "In GROUP_BY / AGGREGATE (one value per group) or WINDOW (the partition's value on every "
        "row). Nulls are skipped; every aggregate takes an optional `where` condition.",
    ),
    (
        "window",
        "Window functions",
        "Only inside WINDOW, computed per partition in the step's ORDER BY (or the current row "
        "order).",
    ),
)


RECORDS = (
    ("Assign", "`name = expr`: one new column of DERIVE, GROUP_BY, AGGREGATE or WINDOW."),
    ("SelectItem", "`column [AS new_name]` in SELECT."),
    (
        "SortKey",
        "`column [DESC] [NULLS FIRST]` in SORT and WINDOW ORDER BY; nulls sort last "
        "unless `nulls_last` is false.",
    ),
    ("When", "`WHEN condition THEN value` inside CASE."),
    (
        "JoinKey",
        "`left = right` in JOIN and LOOKUP: `left` a column of the current table, `right` a "
        "column of the joined table; several keys must all be equal, and a null never "
        "matches. The joined table's other columns are added after the current ones; one "
        "whose name is taken gets the suffix `_<table>` (docs/semantics.md, Joins).",
    ),
)


def _records_section() -> list[str]:
    from pesql.grammar import ast as A
    from pesql.grammar.registry import fields_of

    out = [
        "## Parts of steps",
        "",
        "Objects that appear inside steps (JSON shown as properties).",
        "",
    ]
    for name, blurb in RECORDS:
        cls = getattr(A, name)
        out += [
            f"### {name}",
            "",
            blurb,
            "",
            "| property | type | default |",
            "| --- | --- | --- |",
        ]
        out += [f"| `{f.wire}` | {_type_text(f)} | {_default_text(f)} |" for f in fields_of(cls)]
        out.append("")
    return out


def _definition_size() -> list[str]:
    """Token counts of the tool definition (compact JSON, o200k_base, counted offline)."""
    import json

    import bpe_openai
    from pesql.grammar.jsonschema import function_definition

    encoding = bpe_openai.get_encoding("o200k_base")
    out = [
        "## Function definition",
        "",
        "`pesql function-definition` (Python: `pesql.function_definition`) prints the OpenAI "
        "tool definition: the JSON Schema of the JSON form, valid for strict mode, with "
        "expression operations of the same shape sharing one object schema. Its size for the "
        "whole registry, in o200k_base tokens of compact JSON:",
        "",
        "| verbosity (profile) | what the model reads per operation | tokens |",
        "| --- | --- | --- |",
    ]
    what = {
        "full": "name, description and an example",
        "short": "name and description",
        "none": "name only",
    }
    for verbosity in ("full", "short", "none"):
        definition = function_definition(verbosity=verbosity)  # type: ignore[arg-type]
        size = len(encoding.encode(json.dumps(definition, separators=(",", ":"))))
        out.append(f"| `{verbosity}` | {what[verbosity]} | {size} |")
    out += [
        "",
        "With a table, its columns are offered as an enum (beside any other name, since "
        "later steps may use columns that earlier steps create); that adds about one token "
        "per column name.",
        "",
        "### Per wire form and operation subset",
        "",
        "A profile's `form` (tree, compact, steps, text; see [ask.md](ask.md#wire-forms)) and "
        "`ops` (all, core or a list) choose the definition. Tokens of the tool entry "
        "(verbosity `short`, no table) for the whole registry and for `core`:",
        "",
        "| form | strict, all | strict, core | not strict, all | not strict, core |",
        "| --- | --- | --- | --- | --- |",
    ]
    from pesql.grammar.formdefs import form_definition
    from pesql.grammar.forms import FORMS
    from pesql.grammar.subsets import offered_ops

    core = offered_ops("core")
    for form in FORMS:
        sizes = [
            len(encoding.encode(json.dumps(definition, separators=(",", ":"))))
            for strict in (True, False)
            for definition in (
                form_definition(form, strict=strict),
                form_definition(form, strict=strict, offered=core),
            )
        ]
        out.append(f"| `{form}` | " + " | ".join(map(str, sizes)) + " |")
    out += [
        "",
        "Strict mode needs closed JSON Schema objects: in the tree form one per step and "
        'record and one generic call `{"op": NAME, "args": [...]}` (arguments in call order; '
        "IN and CASE keep named objects), in the compact form one per step; without it, the "
        "JSON-object forms describe their steps and operations in one line each. Measured plan "
        "sizes per form are in [benchmarks.md](benchmarks.md).",
        "",
        "In the compact form a step is a JSON object keyed by the step's keywords, each "
        "holding the rest of its clause as p-SQL text (why: [benchmarks.md]"
        "(benchmarks.md#wire-forms)); each step's example in that form:",
        "",
        "| step | compact form |",
        "| --- | --- |",
    ]
    from pesql.grammar.formdefs import clause_example

    for spec in all_ops("step"):
        out.append(f"| {spec.name} | `{clause_example(spec, DEFAULT_NAMING)}` |")
    out.append("")
    return out


def render() -> str:
    """The whole reference as Markdown."""
    out = [INTRO]
    out += _definition_size()
    for category, title, blurb in SECTIONS:
        out += [f"## {title}", "", blurb, ""]
        for spec in all_ops(category):
            out += _op_section(spec)
        if category == "step":
            out += _records_section()
    out += [
        "## Diagnostics",
        "",
        "Every diagnostic code (E1xx syntax, E2xx checking, ... E7xx fine-tuning), with its "
        "message and a hint, is listed in [diagnostics.md](diagnostics.md), generated from "
        "the codes each wing registers.",
        "",
    ]
    return "\n".join(out)


if __name__ == "__main__":
    print(render(), end="")
