"""Corruptions that change values and spelling: op names, duplicated keys, numbers, quoting.

Part of the corruption catalog (`corruptions.py`); each function is
`(json_text, random.Random) -> str` and returns the text unchanged when it has nothing to act on.

    >>> import random
    >>> op_case('{"op":"SUB_ABS","left":"a","right":"b"}', random.Random(1))
    '{"op":"SuB_AbS","left":"a","right":"b"}'
"""

from __future__ import annotations

import json
import random
from typing import Any

from pesql.compiler.repair.json.layout import Layout, Prop
from pesql.grammar.jsonform import LITERAL_TYPES
from pesql.grammar.registry import lookup


def _ops(layout: Layout) -> list[Prop]:
    """`"op": "NAME"` properties whose value is a registered op name."""
    text = layout.text
    out = []
    for obj in layout.objects:
        for prop in obj.props:
            raw = text[prop.value_start : prop.value_end]
            if prop.key == "op" and raw[:1] in "\"'" and lookup(raw[1:-1]) is not None:
                out.append(prop)
    return out


def _replace(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def op_case(text: str, rng: random.Random) -> str:
    """`"SUB_ABS"` written `"sub_abs"`, `"Sub_Abs"` or in mixed case."""
    ops = _ops(Layout.of(text))
    if not ops:
        return text
    prop = rng.choice(ops)
    name = text[prop.value_start + 1 : prop.value_end - 1]
    styles = [
        name.lower(),
        name.title(),
        "".join(c.lower() if i % 2 else c for i, c in enumerate(name)),
    ]
    changed = [s for s in styles if s != name] or [name.lower()]
    return _replace(text, prop.value_start + 1, prop.value_end - 1, rng.choice(changed))


def op_alias(text: str, rng: random.Random) -> str:
    """An op written as one of its registered aliases (`MEAN` for `AVG`)."""
    choices = []
    for prop in _ops(Layout.of(text)):
        spec = lookup(text[prop.value_start + 1 : prop.value_end - 1])
        if spec is not None and spec.aliases:
            choices.append((prop, spec.aliases))
    if not choices:
        return text
    prop, aliases = rng.choice(choices)
    return _replace(text, prop.value_start + 1, prop.value_end - 1, rng.choice(aliases))


def missing_op(text: str, rng: random.Random) -> str:
    """`"op": ...` left out of one object (not where a literal would remain: see the module)."""
    layout = Layout.of(text)
    choices = []
    for obj in layout.objects:
        if len(obj.props) < 2 or obj.props[0].key != "op":
            continue
        rest = {p.key: text[p.value_start : p.value_end] for p in obj.props[1:]}
        if set(rest) == {"value", "type"} and rest["type"].strip("\"'") in LITERAL_TYPES:
            continue  # CAST(x, 'date') minus op is the literal 'x'::date: a collision
        choices.append(obj)
    if not choices:
        return text
    obj = rng.choice(choices)
    first, second = obj.props[0], obj.props[1]
    return _replace(text, first.key_start, second.key_start, "")


def _duplicate(text: str, rng: random.Random, same: bool) -> str:
    layout = Layout.of(text)
    props = [(o, p) for o in layout.objects for p in o.props if p.value_end > p.value_start]
    if not props:
        return text
    _obj, prop = rng.choice(props)
    value = text[prop.value_start : prop.value_end]
    if not same:
        value = _different(value)
    extra = f",{text[prop.key_start : prop.key_end]}:{value}"
    return text[: prop.value_end] + extra + text[prop.value_end :]


def _different(raw: str) -> str:
    try:
        value: Any = json.loads(raw)
    except ValueError:
        return "null"
    if isinstance(value, bool):
        return json.dumps(not value)
    if isinstance(value, int | float):
        return json.dumps(value + 1)
    if isinstance(value, str):
        return json.dumps(value + "_2", ensure_ascii=False)
    return "null" if value is not None else "0"


def duplicate_key_same(text: str, rng: random.Random) -> str:
    """A property written twice with the same value."""
    return _duplicate(text, rng, same=True)


def duplicate_key_different(text: str, rng: random.Random) -> str:
    """A property written twice with different values (which one did the model mean?)."""
    return _duplicate(text, rng, same=False)


def nan(text: str, rng: random.Random) -> str:
    """A number written `NaN`, `Infinity` or `-Infinity`."""
    layout = Layout.of(text)
    numbers = [(s, e) for s, e in layout.words if text[s] in "-0123456789"]
    if not numbers:
        return text
    start, end = rng.choice(numbers)
    return _replace(text, start, end, rng.choice(("NaN", "Infinity", "-Infinity")))


def single_quotes(text: str, rng: random.Random) -> str:
    """Every string in single quotes, Python style (`'it\\'s'`)."""
    layout = Layout.of(text)
    out, last = [], 0
    for start, end in layout.strings:
        raw = text[start:end]
        if raw[:1] != '"':
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        out.append(text[last:start])
        out.append("'" + "".join(_single(ch) for ch in value) + "'")
        last = end
    return "".join(out) + text[last:]


def _single(ch: str) -> str:
    if ch == "'":
        return "\\'"
    if ch == '"':
        return '"'
    return json.dumps(ch, ensure_ascii=False)[1:-1]


def unquoted_keys(text: str, rng: random.Random) -> str:
    """Keys without quotes (`{op: "FILTER"}`)."""
    layout = Layout.of(text)
    keys = sorted(
        (p.key_start, p.key_end, p.key)
        for o in layout.objects
        for p in o.props
        if p.key.isidentifier() and text[p.key_start] in "\"'"
    )
    for start, end, key in reversed(keys):
        text = _replace(text, start, end, key)
    return text


_LITERAL_WORDS = {"true": "True", "false": "False", "null": "None"}


def python_literals(text: str, rng: random.Random) -> str:
    """`true`/`false`/`null` written as Python's `True`/`False`/`None`."""
    layout = Layout.of(text)
    for start, end in reversed(layout.words):
        word = text[start:end]
        if word in _LITERAL_WORDS:
            text = _replace(text, start, end, _LITERAL_WORDS[word])
    return text


__all__ = [
    "duplicate_key_different",
    "duplicate_key_same",
    "missing_op",
    "nan",
    "op_alias",
    "op_case",
    "python_literals",
    "single_quotes",
    "unquoted_keys",
]
