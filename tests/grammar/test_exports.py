"""Constrained-decoding exports accept exactly the canonical JSON of valid plans.

The Lark export is parsed with lark itself. llama.cpp is not available here, so the GBNF
export is checked through `gbnf_to_lark`, a mechanical translation of the GBNF subset the
export uses (rules `a-b ::= ...`, "literals" with the same escapes as Lark, [classes],
( ) | * + ?) into Lark, parsed the same way. The JSON Schema is checked with `jsonschema`.
"""

from __future__ import annotations

import json
import random
import re
from functools import cache
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lark import Lark
from lark.exceptions import LarkError
from pesql.grammar import ast as A
from pesql.grammar.exports import export_gbnf, export_json_schema, export_lark
from pesql.grammar.registry import DEFAULT_NAMING, Naming, fields_of
from pesql.runtime.testing.corrupt.catalog import CORRUPTIONS, canonical_text
from pesql.runtime.testing.strategies.syntax import plans

_GBNF_TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|(\[(?:[^\]\\]|\\.)*\])|([a-z0-9-]+)|(.))')


def gbnf_to_lark(gbnf: str) -> str:
    """GBNF -> Lark: rule names get `_` for `-`, [classes] become /regexes/, the rest is kept."""
    out = []
    for line in gbnf.splitlines():
        if not line or line.startswith("#"):
            continue
        name, body = line.split(" ::= ", 1)
        parts = []
        for literal, char_class, word, other in _GBNF_TOKEN.findall(body):
            if literal:
                parts.append(literal)
            elif char_class:
                parts.append("/" + char_class.replace("/", "\\/") + "/")
            elif word:
                parts.append(word.replace("-", "_"))
            elif other.strip():
                parts.append(other)
        lark_name = "start" if name == "root" else name.replace("-", "_")
        out.append(f"{lark_name}: {' '.join(parts)}")
    return "\n".join(out) + "\n"


@cache
def _parser(kind: str, columns: tuple[str, ...] | None = None) -> Lark:
    cols = list(columns) if columns is not None else None
    text = export_lark(columns=cols) if kind == "lark" else gbnf_to_lark(export_gbnf(columns=cols))
    return Lark(text, parser="earley", lexer="dynamic")


def _accepts(kind: str, text: str, columns: tuple[str, ...] | None = None) -> bool:
    try:
        _parser(kind, columns).parse(text)
    except LarkError:
        return False
    return True


@cache
def _schema(columns: tuple[str, ...] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        export_json_schema(columns=list(columns) if columns is not None else None)
    )
    return schema


def _schema_accepts(text: str, columns: tuple[str, ...] | None = None) -> bool:
    try:
        value = json.loads(text)
    except ValueError:
        return False
    return jsonschema.Draft202012Validator(_schema(columns)).is_valid(value)


SMALL_PLANS = plans(max_steps=2)


@pytest.mark.parametrize("kind", ["lark", "gbnf"])
@given(plan=SMALL_PLANS)
def test_grammars_accept_canonical_json(kind: str, plan: A.Plan) -> None:
    assert _accepts(kind, canonical_text(plan))


@given(plan=SMALL_PLANS)
def test_json_schema_accepts_canonical_json(plan: A.Plan) -> None:
    assert _schema_accepts(canonical_text(plan))


# A JSON parser reads these into an ordinary value before the schema sees it: a duplicated key
# (it keeps the last value), and NaN (Python's json accepts it as a number). Under constrained
# decoding neither can be produced; the grammars (which see the text) reject them.
_INVISIBLE_TO_SCHEMA = {"duplicate_key_same", "duplicate_key_different", "nan"}


@pytest.mark.parametrize("kind", ["lark", "gbnf", "json-schema"])
@given(plan=SMALL_PLANS, name=st.sampled_from(sorted(CORRUPTIONS)), seed=st.integers(0, 2**32))
def test_exports_reject_corrupted_json(kind: str, plan: A.Plan, name: str, seed: int) -> None:
    text = canonical_text(plan)
    bad = CORRUPTIONS[name](text, random.Random(seed))
    if bad == text or (kind == "json-schema" and name in _INVISIBLE_TO_SCHEMA):
        return  # nothing corrupted
    accepted = _schema_accepts(bad) if kind == "json-schema" else _accepts(kind, bad)
    assert not accepted, (name, bad)


def _columns_of(plan: A.Plan) -> tuple[str, ...]:
    """Every column a plan refers to (where the schema's column enum applies)."""
    found: list[str] = []
    stack: list[Any] = list(plan.steps)
    while stack:
        node = stack.pop()
        if isinstance(node, A.Col):
            found.append(node.name)
        if not isinstance(node, A.Node) or isinstance(node, A.Col | A.Lit):
            continue
        for f in fields_of(type(node)):
            value = getattr(node, f.name)
            if f.kind == "column" and value is not None:
                found.append(value)
            elif f.kind == "columns" and value is not None:
                found.extend(value)
            elif isinstance(value, tuple):
                stack.extend(value)
            elif isinstance(value, A.Node):
                stack.append(value)
    return tuple(sorted(set(found)))


@settings(max_examples=15)  # each column set builds its own parser
@given(plan=SMALL_PLANS)
def test_column_enum_offers_the_tables_columns_and_stays_open(plan: A.Plan) -> None:
    columns = _columns_of(plan)
    text = canonical_text(plan)
    assert _accepts("lark", text, columns)
    assert _schema_accepts(text, columns)
    if columns:
        # Later steps may use columns earlier steps created: names outside the table's
        # columns stay acceptable, while the table's own are spelled out in the grammar.
        assert _accepts("lark", text, columns[1:])
        assert export_lark(DEFAULT_NAMING, columns) != export_lark(DEFAULT_NAMING, None)


def test_profile_names_are_exported() -> None:
    naming = Naming(renames={"SUB_ABS": "ABS_DIFFERENCE"})
    for export in (export_lark, export_gbnf, export_json_schema):
        text = export(naming, None)
        assert "ABS_DIFFERENCE" in text
        assert '"SUB_ABS"' not in text.replace("\\", "")


def test_gbnf_uses_only_what_llama_cpp_reads() -> None:
    """Rule names are lowercase words with dashes; every referenced rule is defined."""
    gbnf = export_gbnf()
    rules = dict(line.split(" ::= ", 1) for line in gbnf.splitlines() if " ::= " in line)
    assert all(re.fullmatch(r"[a-z0-9-]+", name) for name in rules)
    assert "root" in rules
    for body in rules.values():
        for _lit, _cls, word, _other in _GBNF_TOKEN.findall(body):
            assert not word or word in rules, word


@pytest.mark.parametrize("kind", ["lark", "gbnf"])
def test_the_table_is_one_of_the_catalogs(kind: str) -> None:
    tables = ["crimea", "Zürich"]
    text = (
        export_lark(tables=tables) if kind == "lark" else gbnf_to_lark(export_gbnf(tables=tables))
    )
    parser = Lark(text, parser="earley", lexer="dynamic")
    for name, known in [("crimea", True), ("Zürich", True), ("soldiers", False)]:
        for ascii_only in (True, False):
            reply = json.dumps({"table": name, "steps": []}, ensure_ascii=ascii_only)
            try:
                parser.parse(reply.replace(" ", ""))
            except LarkError:
                assert not known, reply
            else:
                assert known, reply
    parser.parse('{"table":null,"steps":[]}')
