"""Constrained-decoding exports of the canonical plan JSON: JSON Schema, Lark and GBNF grammars.

All three are derived from the registry (nothing is listed per operation) through one small
grammar description (`_Grammar`), so they accept the same language: the canonical JSON that
`dumps(to_json(plan))` writes, compact (no whitespace), properties in declaration order, every
property present. Decoding into the canonical form is what makes the output both valid and
identical to training data. See docs/constrained-decoding.md for vLLM, llama.cpp and OpenAI.

    >>> print(export_lark(columns=["price"]).splitlines()[2])
    start: plan

Expression operations with the same properties share a rule whose `op` is a choice, as in the
JSON Schema. With `columns`, column references are an enum, exactly as in `plan_schema`
(names introduced by earlier steps are not in it: see the doc).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypeAlias

from pesql.grammar import ast as A
from pesql.grammar.jsonform import LITERAL_TYPES
from pesql.grammar.jsonschema import plan_schema
from pesql.grammar.registry import DEFAULT_NAMING, FieldSpec, Naming, OpSpec, all_ops, fields_of
from pesql.grammar.scan import grammar_text

# A grammar expression: literal text, or (tag, ...) for refs, terminals and combinators.
Item: TypeAlias = str | tuple[Any, ...]

# Terminals: (Lark regex, GBNF expression). JSON strings as `json.dumps(ensure_ascii=False)`
# writes them: raw non-ASCII, escaped quotes, backslashes and control characters.
_HEX = "[0-9a-fA-F]"
TERMINALS: dict[str, tuple[str, str]] = {
    "STRING": (
        r'/"(?:[^"\\\x00-\x1f]|\\["\\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/',
        r'"\"" ( [^"\\\x00-\x1f] | "\\" ( ["\\/bfnrt] | "u" '
        + " ".join([_HEX] * 4)
        + r' ) )* "\""',
    ),
    "INT": (r"/-?(?:0|[1-9][0-9]*)/", r'"-"? ( "0" | [1-9] [0-9]* )'),
    "NONNEG": (r"/(?:0|[1-9][0-9]*)/", r'( "0" | [1-9] [0-9]* )'),
    "POSITIVE": (r"/[1-9][0-9]*/", r"[1-9] [0-9]*"),
    "NUMBER": (
        r"/-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/",
        r'"-"? ( "0" | [1-9] [0-9]* ) ( "." [0-9]+ )? ( [eE] [+-]? [0-9]+ )?',
    ),
    "DATE": (
        r'/"[0-9]{4}-[0-9]{2}-[0-9]{2}"/',
        r'"\"" ' + " ".join(["[0-9]"] * 4) + r' "-" [0-9] [0-9] "-" [0-9] [0-9] "\""',
    ),
    "DATETIME": (
        r'/"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{6})?"/',
        r'"\"" ' + " ".join(["[0-9]"] * 4) + r' "-" [0-9] [0-9] "-" [0-9] [0-9] " " [0-9] [0-9] '
        r'":" [0-9] [0-9] ":" [0-9] [0-9] ( "." ' + " ".join(["[0-9]"] * 6) + r' )? "\""',
    ),
}
_RECORDS = {
    "Assign": "assign",
    "SelectItem": "select_item",
    "SortKey": "sort_key",
    "When": "when",
    "JoinKey": "join_key",
}


def _ref(name: str) -> Item:
    return ("ref", name)


def _term(name: str) -> Item:
    return ("term", name)


def _alt(*items: Item) -> Item:
    return ("alt", items)


def _list(item: Item, minimum: int) -> Item:
    """`[` item (`,` item)* `]` with at least `minimum` items."""
    more = ("star", ("seq", (",", item)))
    if minimum == 0:
        return ("seq", ("[", ("opt", ("seq", (item, more))), "]"))
    head: list[Item] = [item]
    for _ in range(minimum - 1):
        head += [",", item]
    return ("seq", ("[", *head, more, "]"))


def _key(wire: str, first: bool) -> str:
    return ("{" if first else ",") + json.dumps(wire) + ":"


class _Grammar:
    """Rules of the canonical plan JSON for one naming and optional column list."""

    def __init__(
        self, naming: Naming, columns: Sequence[str] | None, tables: Sequence[str] | None = None
    ) -> None:
        self.naming = naming
        self.rules: dict[str, Item] = {}
        # With a catalog, the table is one of its names (as JSON writes it, non-ASCII escaped
        # or not): a name made up from the question is the slip it removes (form_grammars).
        table: Item = _term("STRING")
        if tables:
            table = _alt(*(spelled for t in tables for spelled in json_spellings(t)))
        self.rules["plan"] = (
            "seq",
            ('{"table":', _alt(table, "null"), ',"steps":', _list(_ref("step"), 0), "}"),
        )
        steps = [s for s in all_ops("step")]
        self.rules["step"] = _alt(*(_ref(f"step_{s.name.lower()}") for s in steps))
        for spec in steps:
            self.rules[f"step_{spec.name.lower()}"] = self._object(spec)
        self._expressions()
        for cls in A.RECORD_TYPES:
            self.rules[_RECORDS[cls.__name__]] = self._fields(cls, None)
        if columns is None:
            self.rules["column"] = _term("STRING")
        else:
            # The table's columns first, then any name: later steps may use columns that
            # earlier steps create (the JSON Schema offers them the same way).
            names = list(dict.fromkeys(columns))
            self.rules["column"] = _alt(
                *(json.dumps(c, ensure_ascii=False) for c in names), _term("STRING")
            )
        self.rules["literal"] = _alt(
            *(
                ("seq", ('{"value":', _term(_LITERAL_TERMS[kind]), f',"type":"{kind}"}}'))
                for kind in LITERAL_TYPES
            )
        )

    def _expressions(self) -> None:
        groups: dict[tuple[Any, ...], list[OpSpec]] = {}
        for spec in all_ops():
            if spec.category != "step":
                shape = (
                    getattr(spec.cls, "min_args", 1),
                    *(
                        (f.wire, f.kind, f.optional, f.required, f.choices, f.minimum)
                        for f in spec.fields
                    ),
                )
                groups.setdefault(shape, []).append(spec)
        calls = []
        for i, specs in enumerate(groups.values()):
            calls.append(_ref(f"call{i}"))
            self.rules[f"call{i}"] = self._object(specs[0], specs)
        self.rules["expr"] = _alt(
            _ref("column"), _term("NUMBER"), "true", "false", "null", _ref("literal"), *calls
        )

    def _object(self, spec: OpSpec, group: list[OpSpec] | None = None) -> Item:
        names = [json.dumps(self.naming.exposed(s.name)) for s in group or [spec]]
        op = _alt(*names) if len(names) > 1 else names[0]
        return self._fields(spec.cls, op)

    def _fields(self, owner: type[A.Node], op: Item | None) -> Item:
        items: list[Item] = []
        if op is not None:
            items += ['{"op":', op]
        for f in fields_of(owner):
            items += [_key(f.wire, op is None and not items), self._value(f, owner)]
        if not items:  # an op without fields: ROW_NUMBER
            return "{}"
        return ("seq", (*items, "}"))

    def _value(self, f: FieldSpec, owner: type[A.Node]) -> Item:
        nullable = f.optional or not f.required
        # Required lists are non-empty (AND/OR need two), as `from_json` checks.
        minimum = getattr(owner, "min_args", 1) if f.required else 0
        match f.kind:
            case "expr":
                return _ref("expr")  # expressions include null
            case "exprs":
                value = _list(_ref("expr"), minimum)
            case "columns":
                value = _list(_ref("column"), minimum)
            case "records":
                assert f.record is not None
                value = _list(_ref(_RECORDS[f.record.__name__]), minimum)
            case "column":
                value = _ref("column")
            case "new_name" | "text" | "table":
                value = _term("STRING")
            case "int":
                low = f.minimum
                value = _term("POSITIVE" if low and low >= 1 else "NONNEG" if low == 0 else "INT")
            case "float":
                value = _term("NUMBER")
            case "bool":
                value = _alt("true", "false")
            case "choice":
                value = _alt(*(json.dumps(c) for c in f.choices))
            case _:
                raise AssertionError(f.kind)
        return _alt(value, "null") if nullable else value


_LITERAL_TERMS = {"string": "STRING", "date": "DATE", "datetime": "DATETIME"}


# -- rendering ------------------------------------------------------------------------------


def grammar_literal(text: str) -> str:
    """`text` as a Lark or GBNF "literal": a backslash and a quote escaped, and a character
    that is not printable (a line or paragraph separator would break the grammar's lines) as
    \\uXXXX or \\UXXXXXXXX, which both read as the character itself."""
    out = []
    for c in text.replace("\\", "\\\\").replace('"', '\\"'):
        if c.isprintable():
            out.append(c)
        else:
            out.append(f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}")
    return '"' + "".join(out) + '"'


def json_spellings(text: str) -> list[str]:
    """`text` as a JSON string, with non-ASCII as \\uXXXX and as itself (a model writes
    either)."""
    return list(dict.fromkeys(json.dumps(text, ensure_ascii=a) for a in (True, False)))


def _render(item: Item, literal: Any, ref: Any, term: Any) -> str:
    if isinstance(item, str):
        return str(literal(item))
    tag = item[0]
    if tag == "ref":
        return str(ref(item[1]))
    if tag == "term":
        return str(term(item[1]))
    if tag == "alt":
        return "(" + " | ".join(_render(i, literal, ref, term) for i in item[1]) + ")"
    if tag == "seq":
        return " ".join(_render(i, literal, ref, term) for i in item[1])
    inner = "(" + _render(item[1], literal, ref, term) + ")"
    return inner + {"opt": "?", "star": "*"}[tag]


def _gbnf_name(name: str) -> str:
    return name.lower().replace("_", "-")


_HEADER = "p-SQL plan in canonical JSON (compact, properties in order); generated by pesql"


def export_lark(
    naming: Naming = DEFAULT_NAMING,
    columns: Sequence[str] | None = None,
    tables: Sequence[str] | None = None,
) -> str:
    """A Lark grammar of the canonical plan JSON (llguidance, Outlines, OpenAI custom tools)."""
    lines = [
        f"// {_HEADER}",
        "// (pesql.grammar.exports); regenerate instead of editing.",
        "start: plan",
        "",
    ]
    for name, item in _Grammar(naming, columns, tables).rules.items():
        lines.append(f"{name}: " + _render(item, grammar_literal, str, str))
    lines.append("")
    lines.extend(f"{name}: {lark}" for name, (lark, _gbnf) in TERMINALS.items())
    return "\n".join(lines) + "\n"


def export_gbnf(
    naming: Naming = DEFAULT_NAMING,
    columns: Sequence[str] | None = None,
    tables: Sequence[str] | None = None,
) -> str:
    """The same grammar in llama.cpp GBNF (`--grammar-file`, `grammar` in the server API)."""
    lines = [
        f"# {_HEADER}",
        "# (pesql.grammar.exports); regenerate instead of editing.",
        "root ::= plan",
    ]
    for name, item in _Grammar(naming, columns, tables).rules.items():
        body = _render(item, grammar_literal, _gbnf_name, _gbnf_name)
        lines.append(f"{_gbnf_name(name)} ::= {body}")
    lines.extend(f"{_gbnf_name(name)} ::= {gbnf}" for name, (_lark, gbnf) in TERMINALS.items())
    return "\n".join(lines) + "\n"


def export_json_schema(
    naming: Naming = DEFAULT_NAMING, columns: Sequence[str] | None = None
) -> str:
    """The strict (OpenAI strict mode) JSON Schema of the plan, as indented JSON text."""
    return json.dumps(plan_schema(columns, naming), ensure_ascii=False, indent=2) + "\n"


def export_text_lark() -> str:
    """The p-SQL text grammar (grammar/psql.lark) for decoding the text form's plan.

    Servers that take a Lark grammar (llguidance, Outlines) can hold a reply to valid p-SQL
    text with it: the text form's `plan`, or the whole reply when no tool is sent. It is the
    parser's own grammar, so what it admits is exactly what `parse` reads; keywords are
    case-insensitive regexes and names are free (no column enum)."""
    header = "// p-SQL text (pesql.grammar.exports.export_text_lark); start rule: start\n"
    return header + grammar_text()


__all__ = [
    "TERMINALS",
    "export_gbnf",
    "export_json_schema",
    "export_lark",
    "export_text_lark",
    "grammar_literal",
    "json_spellings",
]
