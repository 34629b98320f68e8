"""GBNF grammars that hold a reply to the text, steps or compact wire form (llama.cpp
`grammar`; the compact form's is `compact_gbnf`, one step per object).

The tree form's grammar (`exports.export_gbnf`) spells out every operation's JSON. The text and
steps forms carry p-SQL inside JSON strings, and a small model writing them fails first on the
envelope and the step keywords, not on expressions (measured on Qwen2.5-Coder 1.5B, docs/
evaluation.md: missing or extra properties, prose, `ORDER BY`-style spellings, replies that
run to `max_tokens`). So these grammars fix exactly that much:

- the JSON envelope: `{"plan":"..."}` (text) or `{"steps":["...", ...]}` (steps), nothing
  before or after it;
- every line (text) or string (steps) starts with an offered step keyword, spelled as the
  profile names it (`Naming`), followed by one space and the rest of the step; the first may
  be `FROM` and a table's name instead, one of the catalog's when the request has it (the
  compact form's `"table"` the same);
- the rest of a step is free JSON string text, with every JSON escape but `\\n`, which ends a
  line of the text form: so every valid plan is admitted except one whose text literal or
  name holds a line break (written `\\u000a` it is admitted; p-SQL text never needs one).
  Expressions are left to the parser and its diagnostics, which the model reads on a re-ask.

    >>> print(text_gbnf(offered=frozenset({"FILTER", "LIMIT"})).splitlines()[2])
    root ::= "{" ws "\\"plan\\":" ws "\\"" first ( "\\\\n" step )* "\\"" ws "}"

The grammars use only rules, "literals", [classes], ( ), | and * (tests translate them to Lark
and check that every gold plan of the bundled datasets, printed in the form, is admitted).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence

from pesql.grammar.clauses import CLAUSES
from pesql.grammar.declare import OpSpec
from pesql.grammar.printer import quote_name
from pesql.grammar.registry import DEFAULT_NAMING, Naming, all_ops

__all__ = ["compact_gbnf", "form_gbnf", "steps_gbnf", "text_gbnf"]

# A character of a step after its keyword: a JSON string's character, with the escapes a
# p-SQL step can need (a quote or backslash in a text literal, non-ASCII written as \\uXXXX).
_HEX = "[0-9a-fA-F]"
_CHAR = rf'[^"\\\x00-\x1f] | "\\" ( ["\\/bfrt] | "u" {_HEX} {_HEX} {_HEX} {_HEX} )'


def _keywords(naming: Naming, offered: Collection[str] | None) -> str:
    names = [
        naming.exposed(op.name) for op in all_ops("step") if offered is None or op.name in offered
    ]
    return " | ".join(f'"{name}"' for name in names)


def _literal(text: str) -> str:
    """`text` as a GBNF "literal": a backslash and a quote escaped, and a character that is not
    printable (a line or paragraph separator would break the grammar's lines) as GBNF's
    \\uXXXX or \\UXXXXXXXX, which stands for the character itself."""
    out = []
    for c in text.replace("\\", "\\\\").replace('"', '\\"'):
        if c.isprintable():
            out.append(c)
        else:
            out.append(f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}")
    return '"' + "".join(out) + '"'


def _in_json(text: str) -> list[str]:
    """`text` as it can stand inside a JSON string: escaped as json.dumps writes it, with
    non-ASCII as \\uXXXX and as itself (a model writes either)."""
    return list(dict.fromkeys(json.dumps(text, ensure_ascii=a)[1:-1] for a in (True, False)))


def _tables(tables: Sequence[str] | None, written: Callable[[str], str]) -> str:
    """The catalog's table names as the form writes them, or any string text without one.

    A name outside the catalog is the slip the grammar removes: measured on the 1.5B model, a
    first line `FROM soldiers` for a question about soldiers, on a table named crimea
    (docs/evaluation.md); it cost a re-ask every time."""
    if not tables:
        return "char*"
    return " | ".join(_literal(json_text) for t in tables for json_text in _in_json(written(t)))


def _common(
    naming: Naming, offered: Collection[str] | None, tables: Sequence[str] | None
) -> list[str]:
    return [
        # FROM names the table; it is not an operation, and only a plan's first line has it.
        f'from ::= "FROM " ( {_tables(tables, quote_name)} )',
        f"keyword ::= {_keywords(naming, offered)}",
        # DISTINCT may stand alone; every other step has a space and its clauses.
        'step ::= keyword ( " " char* )?',
        f"char ::= {_CHAR}",
        'ws ::= " "?',
    ]


def _grammar(
    form: str,
    envelope: list[str],
    naming: Naming,
    offered: Collection[str] | None,
    tables: Sequence[str] | None,
) -> str:
    """A form's GBNF: the generated-file header, its envelope rules, the shared step rules."""
    rules = [*envelope, *_common(naming, offered, tables)]
    return _file(f"{form} form envelope and step keywords", rules)


def _file(what: str, rules: list[str]) -> str:
    """The grammar text: a header saying what it holds and that it is generated, the rules."""
    header = [
        f"# p-SQL {what}; generated by pesql",
        "# (pesql.grammar.form_grammars); regenerate instead of editing.",
    ]
    return "\n".join([*header, *rules]) + "\n"


def text_gbnf(
    naming: Naming = DEFAULT_NAMING,
    offered: Collection[str] | None = None,
    tables: Sequence[str] | None = None,
) -> str:
    """The text form: `{"plan":"FROM t\\nFILTER x > 1"}`, one step per line; `FROM` names one
    of `tables` (any table without them)."""
    envelope = [
        r'root ::= "{" ws "\"plan\":" ws "\"" first ( "\\n" step )* "\"" ws "}"',
        "first ::= from | step",
    ]
    return _grammar("text", envelope, naming, offered, tables)


def steps_gbnf(
    naming: Naming = DEFAULT_NAMING,
    offered: Collection[str] | None = None,
    tables: Sequence[str] | None = None,
) -> str:
    """The steps form: `{"steps":["FROM t","FILTER x > 1"]}`, one step per string."""
    envelope = [
        r'root ::= "{" ws "\"steps\":" ws "[" ws first ( "," ws item )* ws "]" ws "}"',
        r'first ::= "\"" ( from | step ) "\""',
        r'item ::= "\"" step "\""',
    ]
    return _grammar("steps", envelope, naming, offered, tables)


def compact_gbnf(
    naming: Naming = DEFAULT_NAMING,
    offered: Collection[str] | None = None,
    tables: Sequence[str] | None = None,
) -> str:
    """The compact form: `{"table":"t","steps":[{"FILTER":"x > 1"},{"LIMIT":3}]}`.

    Each step object is its keyword's key, then the keys of its other clauses in the order
    `to_form` writes them (grammar/clauses.py), each optional where the field is: so one object
    holds one step, which is what a small model gets wrong in this form (several steps' keys in
    one object, docs/evaluation.md)."""
    steps = [op for op in all_ops("step") if offered is None or op.name in offered]
    rules = [
        # No step at all only after a table: `FROM t` alone answers with the whole table.
        r'root ::= "{" ws ( "\"table\":" ws table "," ws "\"steps\":" ws "[" ws steps? ws "]"'
        r' | ( "\"table\":" ws "null" "," ws )? "\"steps\":" ws "[" ws steps ws "]" ) ws "}"',
        # The table's name is the JSON string's whole text: no quoting as in p-SQL text.
        f'table ::= "\\"" ( {_tables(tables, str)} ) "\\""',
        'steps ::= step ( "," ws step )*',
        'step ::= "{" ws ( ' + " | ".join(_rule_name(op.name) for op in steps) + ' ) ws "}"',
    ]
    rules += [_step_rule(op, naming) for op in steps]
    rules += [
        r'string ::= "\"" char* "\""',
        'int ::= "-"? [0-9] [0-9]*',
        'bool ::= "true" | "false"',
        f"char ::= {_CHAR}",
        'ws ::= " "?',
    ]
    return _file("compact form: envelope, one step per object", rules)


def _rule_name(step: str) -> str:
    return "step-" + step.lower().replace("_", "-")


def _step_rule(op: OpSpec, naming: Naming) -> str:
    """`step-group-by ::= "\"GROUP_BY\":" ws string ( "," ws "\"COMPUTE\":" ws ... )?`."""
    fields = {f.wire: f for f in op.fields}
    own = naming.exposed(op.name)
    parts: list[str] = []
    for key, wire, _ in CLAUSES[op.name]:
        f = fields[wire]
        value = {"int": "int", "bool": "bool"}.get(f.kind, "string")
        if not f.required:  # strict mode writes an absent value as null
            value = f'( {value} | "null" )'
        if key == op.name:
            parts.insert(0, f'"\\"{own}\\":" ws {value}')
            continue
        pair = f'"," ws "\\"{key}\\":" ws {value}'
        parts.append(pair if f.required else f"( {pair} )?")
    return f"{_rule_name(op.name)} ::= {' '.join(parts)}"


def form_gbnf(
    form: str,
    naming: Naming = DEFAULT_NAMING,
    offered: Collection[str] | None = None,
    tables: Sequence[str] | None = None,
) -> str:
    """The grammar of `form` ("text", "steps" or "compact"), its table names one of `tables`
    when given; the tree form's is `exports.export_gbnf`."""
    if form == "text":
        return text_gbnf(naming, offered, tables)
    if form == "steps":
        return steps_gbnf(naming, offered, tables)
    if form == "compact":
        return compact_gbnf(naming, offered, tables)
    raise ValueError(f"no step grammar for the {form!r} form (text | steps | compact)")
