"""Hostile inputs for every entry point: what an attacker (or a broken model) would send.

Each strategy draws text (p-SQL, JSON or neither) or a parsed JSON value:

- `random_text`: random bytes decoded leniently, and arbitrary Unicode (surrogates included);
- `token_soup`: p-SQL keywords, function names, punctuation, names and numbers in any order;
- `huge_literals`: plans whose numbers are past 64 bits or past Python's 4,300-digit limit;
- `deep_nesting`: parentheses, calls, JSON arrays and objects nested hundreds of levels;
- `odd_unicode`: lone surrogates, NUL, bidi controls, combining marks in names and strings;
- `mutated_gold`: the bundled gold plans (examples/datasets/tables-qa) in JSON and text form,
  with a few characters deleted, inserted, replaced or a span duplicated;
- `json_values`: parsed JSON values of any shape (what `from_json` gets from a caller).

`hostile_text` draws from all of the text strategies.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5, database=None)
    ... @given(hostile_text())
    ... def sample(text): assert isinstance(text, str)
    >>> sample()
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from hypothesis import strategies as st
from pesql.grammar.jsonform import dumps, from_json
from pesql.grammar.printer import to_text
from pesql.grammar.registry import all_ops

_PUNCTUATION = ["(", ")", ",", "=", "=>", "*", "+", "-", "/", "%", "<", ">", "<=", "!=", "'", "`",
                "{", "}", "[", "]", ":", '"', "\n", " ", "--", "\\"]  # fmt: skip
_KEYWORDS = ["FROM", "FILTER", "SELECT", "DROP", "DERIVE", "GROUP_BY", "COMPUTE", "AGGREGATE",
             "SORT", "LIMIT", "OFFSET", "WITH", "TIES", "DISTINCT", "WINDOW", "PARTITION", "BY",
             "ORDER", "AS", "ASC", "DESC", "NULLS", "FIRST", "LAST", "AND", "OR", "NOT", "IN",
             "BETWEEN", "IS", "LIKE", "ILIKE", "NULL", "TRUE", "FALSE", "CASE", "WHEN", "THEN",
             "ELSE", "END", "DATE", "TIMESTAMP"]  # fmt: skip
_COLUMNS = ["species", "island", "bill_length_mm", "body_mass_g", "sex", "year", "x", "``"]
_ODD = ["\ud800", "\udfff", "\x00", "\u202e", "\u0301", "\ufeff", "\U0001f427", "\u00a0", "Ω"]
_BIG_NUMBERS = ["4294967296", "9223372036854775808", "-9223372036854775809", "1" + "0" * 30,
                "1" + "0" * 5000, "1e400", "-1e400", "1" + "0" * 20, "0" * 50 + "1"]  # fmt: skip


@cache
def gold_plans() -> tuple[dict[str, Any], ...]:
    """The bundled gold plans over the penguins table (examples/datasets/tables-qa)."""
    root = resources.files("pesql.examples").joinpath("datasets", "tables-qa", "examples.jsonl")
    plans = []
    for line in root.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record.get("tables") == ["penguins"]:
            plans.append(record["plan"])
    return tuple(plans)


def random_text() -> st.SearchStrategy[str]:
    raw = st.binary(max_size=300).map(lambda b: b.decode("utf-8", "surrogateescape"))
    return st.one_of(raw, st.text(max_size=300))


def token_soup() -> st.SearchStrategy[str]:
    names = [s.name for s in all_ops()]
    token = st.one_of(
        st.sampled_from(_KEYWORDS + names + _PUNCTUATION + _COLUMNS + _BIG_NUMBERS),
        st.integers(-(2**70), 2**70).map(str),
        st.text(max_size=6),
    )
    return st.lists(token, max_size=60).map(" ".join)


def huge_literals() -> st.SearchStrategy[str]:
    number = st.sampled_from(_BIG_NUMBERS)
    shapes = st.sampled_from(
        [
            "LIMIT {n}",
            "LIMIT 1 OFFSET {n}",
            "FILTER body_mass_g > {n}",
            "AGGREGATE s = SUM(body_mass_g * {n})",
            "DERIVE x = REGEXP_EXTRACT(species, '(A)', group => {n})",
            "DERIVE x = ROUND(body_mass_g, {n})",
            "DERIVE x = SUBSTRING(species, {n}, {n})",
            "WINDOW x = LAG(body_mass_g, {n})",
            "AGGREGATE q = QUANTILE(body_mass_g, {n})",
            "DERIVE x = LOG(body_mass_g, {n})",
            '{{"steps": [{{"op": "LIMIT", "count": {n}}}]}}',
            '{{"steps": [{{"op": "FILTER", "where": {{"op": "GT", "left": "year", '
            '"right": {n}}}}}]}}',
            '{{"steps": [{{"op": "DERIVE", "columns": [{{"name": "x", "expr": {{"op": "ROUND",'
            ' "value": "year", "digits": {n}}}}}]}}]}}',
        ]
    )
    return st.builds(lambda shape, n: shape.format(n=n), shapes, number)


def deep_nesting() -> st.SearchStrategy[str]:
    depth = st.integers(10, 3000)
    shapes = st.sampled_from(
        [
            lambda d: "FILTER " + "(" * d + "year" + ")" * d + " > 1",
            lambda d: "DERIVE x = " + "ABS(" * d + "year" + ")" * d,
            lambda d: "DERIVE x = " + "- " * d + "1",
            lambda d: "FILTER " + " OR ".join(["year = 1"] * d),
            lambda d: "[" * d + "]" * d,
            lambda d: '{"steps": [' + '{"op": "NOT", "value": ' * d + "true" + "}" * d + "]}",
            lambda d: (
                '{"steps":[{"op":"FILTER","where":'
                + '{"value":' * (d % 40)
                + "1"
                + "}" * (d % 40)
                + "}]}"
            ),
        ]
    )
    return st.builds(lambda shape, d: shape(d), shapes, depth)


def odd_unicode() -> st.SearchStrategy[str]:
    odd = st.text(st.sampled_from(_ODD), min_size=1, max_size=4)
    shapes = st.sampled_from(
        [
            "DERIVE {s} = year",
            "FILTER species = '{s}'",
            "SELECT `{s}`",
            '{{"steps": [{{"op": "FILTER", "where": {{"op": "EQ", "left": "species", '
            '"right": {{"value": "{s}"}}}}}}]}}',
            '{{"table": "{s}", "steps": []}}',
            '{{"steps": [{{"op": "DERIVE", "columns": [{{"name": "{s}", "expr": "year"}}]}}]}}',
        ]
    )
    return st.builds(lambda shape, s: shape.format(s=s), shapes, odd)


def mutated(
    texts: st.SearchStrategy[str], pieces: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[str]:
    """Texts from `texts` with 1-4 spans deleted, inserted, replaced by `pieces` (punctuation,
    big numbers, odd characters by default) or duplicated up to 20 times."""
    piece_of = (
        pieces
        if pieces is not None
        else st.one_of(
            st.sampled_from(_PUNCTUATION + _BIG_NUMBERS[:4] + _ODD[:3]), st.text(max_size=3)
        )
    )

    @st.composite
    def mutate(draw: st.DrawFn) -> str:
        text = draw(texts)
        for _ in range(draw(st.integers(1, 4))):
            if not text:
                break
            i = draw(st.integers(0, len(text) - 1))
            j = draw(st.integers(i, min(len(text), i + 12)))
            piece = draw(piece_of)
            match draw(st.sampled_from(["delete", "insert", "replace", "duplicate"])):
                case "delete":
                    text = text[:i] + text[j:]
                case "insert":
                    text = text[:i] + piece + text[i:]
                case "replace":
                    text = text[:i] + piece + text[j:]
                case "duplicate":
                    text = text[:j] + text[i:j] * draw(st.integers(1, 20)) + text[j:]
        return text

    return mutate()


def mutated_gold() -> st.SearchStrategy[str]:
    """The bundled gold plans, as JSON or text, mutated."""

    @st.composite
    def plan_text(draw: st.DrawFn) -> str:
        plan = draw(st.sampled_from(gold_plans()))
        return dumps(plan) if draw(st.booleans()) else to_text(from_json(plan))

    return mutated(plan_text())


@cache
def profile_texts() -> tuple[str, ...]:
    """The bundled profiles (examples/profiles/*.toml), as text."""
    folder = resources.files("pesql.examples").joinpath("profiles")
    return tuple(
        item.read_text(encoding="utf-8") for item in folder.iterdir() if item.name.endswith(".toml")
    )


def mutated_profiles() -> st.SearchStrategy[str]:
    """Profile files (TOML) with a few characters changed, or hostile values put in."""

    @st.composite
    def mutate(draw: st.DrawFn) -> str:
        text = draw(st.sampled_from(profile_texts()))
        for _ in range(draw(st.integers(1, 3))):
            i = draw(st.integers(0, len(text)))
            piece = draw(
                st.one_of(
                    st.sampled_from(
                        ['"', "[", "]", "=", "\n", "\ud800", "9" * 30, "-1", "1e400",
                         '\n[renames]\nSUB_ABS = ""\n', '\nmax_attempts = 99999999999999999999\n',
                         '\n[aliases]\nLIMIT = "FILTER"\n', "\nverbosity = 3\n"]
                    ),
                    st.text(max_size=4),
                )
            )  # fmt: skip
            text = text[:i] + piece + text[i + draw(st.integers(0, 3)) :]
        return text

    return st.one_of(mutate(), random_text())


def hostile_text() -> st.SearchStrategy[str]:
    """Any of the text strategies above."""
    return st.one_of(
        random_text(), token_soup(), huge_literals(), deep_nesting(), odd_unicode(), mutated_gold()
    )


def json_values() -> st.SearchStrategy[Any]:
    """Parsed JSON values, plan-shaped or not (big integers and lone surrogates included)."""
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**80), 2**80),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=8),
        st.sampled_from(["LIMIT", "FILTER", "DERIVE", "ADD", "year", "", "\ud800"]),
    )
    values = st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(
                st.sampled_from(
                    [
                        "op",
                        "steps",
                        "table",
                        "count",
                        "where",
                        "left",
                        "right",
                        "value",
                        "columns",
                        "name",
                        "expr",
                        "type",
                        "\ud800",
                    ]
                ),
                inner,
                max_size=4,
            ),
        ),
        max_leaves=20,
    )
    gold = st.sampled_from(gold_plans())
    return st.one_of(
        values, st.builds(lambda steps: {"steps": steps}, st.lists(values, max_size=3)), gold
    )


__all__ = [
    "deep_nesting",
    "gold_plans",
    "hostile_text",
    "huge_literals",
    "json_values",
    "mutated",
    "mutated_gold",
    "mutated_profiles",
    "odd_unicode",
    "random_text",
    "token_soup",
]
