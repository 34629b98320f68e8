"""Diagnostic codes of the grammar wing: E1xx text syntax, E15x JSON structure, and the two
input limits the parser and the JSON lowering enforce themselves (E302, E306).

Registered on import of `pesql.grammar` (its `__init__` imports this module).
"""

from __future__ import annotations

from pesql.grammar.diagnostics import Code, register

register(
    "grammar",
    # E1xx: text syntax
    Code(
        "E101",
        "unexpected token",
        "unexpected {found}",
        "compare the step with its form in docs/language.md; the caret marks the token",
    ),
    Code(
        "E102",
        "unexpected character",
        "unexpected character {found}",
        "write text as 'single quoted' and odd column names as `backticked`",
    ),
    Code(
        "E103",
        "unexpected end of input",
        "the plan ends too early",
        "close every parenthesis and finish the last expression",
    ),
    Code(
        "E104",
        "unknown function",
        "unknown function `{name}`",
        "docs/language.md lists every function; a close name is offered as a hint",
    ),
    Code(
        "E105",
        "bad arguments",
        "`{name}`: {problem}",
        "pass the arguments the function declares (its example is in docs/language.md)",
    ),
    Code(
        "E106",
        "invalid literal",
        "invalid {kind} literal {found}",
        "dates are 'YYYY-MM-DD', datetimes 'YYYY-MM-DD HH:MM:SS', numbers finite",
    ),
    Code(
        "E107",
        "unknown step",
        "unknown step `{name}`",
        "every line starts with a step keyword (FILTER, DERIVE, GROUP_BY, SORT, ...)",
    ),
    Code("E108", "empty plan", "the plan has no steps", "give the plan at least one step"),
    # E15x: JSON structure
    Code(
        "E150",
        "invalid JSON",
        "the input is not valid JSON: {problem}",
        "send one JSON object; broken model output may be repairable with pesql.repair",
    ),
    Code(
        "E151",
        "unknown operation",
        "unknown operation `{name}`",
        "use an `op` of the tool definition; a close name is offered as a hint",
    ),
    Code(
        "E152",
        "missing property",
        "`{name}` is missing property `{prop}`",
        "add the property; the tool's JSON Schema lists the required ones",
    ),
    Code(
        "E153",
        "unexpected property",
        "`{name}` has no property `{prop}`",
        "remove the property, or check its spelling against the JSON Schema",
    ),
    Code(
        "E154",
        "wrong JSON type",
        "expected {expected}, found {found}",
        "write the value with the JSON type the schema declares",
    ),
    Code(
        "E155",
        "invalid value",
        "invalid value {found} for `{prop}`",
        "use a value the property allows (its enum or bounds in the JSON Schema)",
    ),
    Code(
        "E156",
        "operation out of place",
        "`{name}` is {kind}, it cannot stand here",
        "steps go in the `steps` array, expressions inside steps",
    ),
    Code(
        "E157",
        "number out of range",
        "{found} is out of range: {expected}",
        "integers are 64-bit (write larger magnitudes as floats, e.g. 1e30); options and "
        "LIMIT/OFFSET have the bounds docs/language.md lists",
    ),
    Code(
        "E158",
        "invalid Unicode",
        "{found} contains a lone surrogate {problem}, which is not valid Unicode",
        "send text as valid UTF-8: a surrogate escape (\\ud800-\\udfff) must be half of a pair",
    ),
    Code(
        "E159",
        "operation not offered",
        "`{name}` is not among the operations offered here",
        "use an operation of the function definition (the profile's `ops`); the hint names "
        "the closest offered ones",
    ),
    # E3xx limits checked while reading the input (the others are in runtime/engine/codes.py)
    Code(
        "E302",
        "expression too deep",
        "expression nesting {found} exceeds the limit {expected}",
        "compute inner parts in earlier DERIVE steps",
    ),
    Code(
        "E306",
        "input too large",
        "the input is {found}, the limit is {expected}",
        "send a shorter plan, or raise the limit (Limits) when the input is trusted",
    ),
)
