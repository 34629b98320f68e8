"""The repair layer's vocabulary: JSON values, the kinds of fix, and one logged `Fix`.

Both layers log what they tolerated as `Fix` values: the tokenizer (`json_scan`) and parser
(`json_parse`) of the generic layer, and the plan-aware readings of `repair`.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

from pesql.grammar.record import Record, record

JSONValue: TypeAlias = bool | int | float | str | list["JSONValue"] | dict[str, "JSONValue"] | None

# Every fix the generic layer can make, in one alias so the plan-aware layer can match on it.
FixKind = Literal[
    "strip_prose",  # text before/after the JSON value dropped
    "strip_code_fence",  # a ``` fence (with its language tag) dropped
    "strip_comment",  # // ..., /* ... */ or # ... outside strings dropped
    "single_quotes",  # 'text' (or “text”) read as "text"
    "unquoted_key",  # {key: 1} read as {"key": 1}
    "unquoted_string",  # {"a": some words} read as {"a": "some words"}
    "python_literal",  # True/False/None (and TRUE, Null, ...) read as true/false/null
    "trailing_comma",  # [1, 2,] read as [1, 2]
    "extra_comma",  # [1,, 2] read as [1, 2]
    "missing_comma",  # [1 2] read as [1, 2]
    "missing_colon",  # {"a" 1} read as {"a": 1}
    "missing_value",  # {"a": , "b": 1} read as {"b": 1}: the key without a value is dropped
    "close_truncated",  # input ended inside a container (closer added) or a token (completed)
    "close_string",  # input ended inside a string: the quote is added
    "missing_closer",  # a closer for an outer container implied the inner one's closer
    "wrong_closer",  # `]` read as `}` (or the reverse)
    "stray_token",  # a token that cannot stand where it is, dropped
    "nan_infinity",  # NaN, Infinity, -Infinity read as float nan/inf
    "number_format",  # 1., .5, +1, 01 read as numbers
    "double_encoded",  # the arguments were a JSON string holding JSON: decoded once more
    "duplicate_key",  # a key given twice: before = the dropped value, after = the kept one
    "early_close",  # {"a": 1}, "b": 2} read as {"a": 1, "b": 2}
    "escape",  # raw control character, unescaped quote or invalid escape inside a string
    # Plan-aware fixes (compiler/repair/repair.py): they act on the value, `pointer` says where.
    "op_case",  # {"op": "sub_abs"} read as SUB_ABS
    "op_alias",  # {"op": "ABS_DIFF"} (a registered or profile alias) read as SUB_ABS
    "infer_op",  # {"where": ...} as a step: the only operation with that property set
    "wrap_steps",  # a bare array of steps (or one step) read as {"table": null, "steps": [...]}
    "unwrap",  # [{plan}] or {"arguments": {plan}}: the plan inside a wrapper
    "split_step",  # [{"op": "FILTER"}, {"where": ...}]: one object split in two, merged back
    "move_property",  # a property closed out of its object, moved back to the op it belongs to
    "literal_shape",  # {"value": 5} read as 5; {"value": "x", "type": "text"} as a string
    "steps_in_one_object",  # {"FILTER": .., "GROUP_BY": ..} read as two steps (clause_steps.py)
    # Text-level fixes inside p-SQL strings (compiler/repair/slips.py).
    "sql_equals",  # `a == 1` read as `a = 1`
    "double_quoted_text",  # "West" read as 'West'
    "count_distinct",  # COUNT(DISTINCT x) read as COUNT_DISTINCT(x)
]


@record(kw_only=False)
class Fix(Record):
    """One change made to read the input: `before` at char offset `position` became `after`."""

    kind: FixKind
    position: int  # -1 for plan-aware fixes, which have no single place in the text
    before: str
    after: str
    pointer: str = ""  # JSON pointer into the repaired value (plan-aware fixes only)


__all__ = ["Fix", "FixKind", "JSONValue"]
