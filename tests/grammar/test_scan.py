"""The descent reader's scanner (grammar/scan.py) against a plain reading of its tokens.

`scan` reads `findall`'s strings and names each token's kind by its first character. The
reference here is the straightforward way: one named group per kind, the kind being the
group that matched. They must agree on every text: the same tokens, kinds and positions,
and `Unsure` for the same texts.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.grammar.scan import Tokens, Unsure, scan, word_kind

_REFERENCE = re.compile(
    r"\s*(?:(?P<COMMENT>--[^\n]*)"
    r"|(?P<FLOAT>\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+)"
    r"|(?P<INT>\d+)"
    r"|(?P<GROUP_SPACE_BY>(?i:GROUP[ \t]+BY)\b)"
    r"|(?P<word>[^\W\d]\w*)"
    r"|(?P<STRING>'(?:[^']|'')*')"
    r"|(?P<QNAME>`(?:[^`]|``)*`)"
    r"|(?P<op><>|<=|>=|!=|=>|[-+*/%(),=<>])"
    r"|(?P<bad>\S)|\Z)"
)


def reference(text: str) -> Tokens:
    tokens = Tokens([], [], [], [])
    for found in _REFERENCE.finditer(text):
        group = found.lastgroup
        if group is None or group == "COMMENT":
            continue
        if group == "bad":
            raise Unsure
        value = found.group(group)
        kind = word_kind(value) if group == "word" else value if group == "op" else group
        tokens.kinds.append(kind)
        tokens.texts.append(value)
        tokens.starts.append(found.start(group))
        tokens.ends.append(found.end())
    tokens.kinds.append("$END")
    return tokens


def _agree(text: str) -> None:
    try:
        expected: Tokens | None = reference(text)
    except Unsure:
        expected = None
    if expected is None:
        with pytest.raises(Unsure):
            scan(text)
    else:
        assert scan(text) == expected


# Pieces of p-SQL and its near misses: every token kind, quotes left open, lone dots,
# comments, blanks of every kind, digits and letters of other scripts.
_PIECES = st.sampled_from(
    ["FILTER", "where", "group by", "GROUP\tBY", "groupby", "x", "_a1", "ſort", "ﬁlter", "é",
     "٣", "²", "12", "1.5", ".5", "1e3", "1.", ".", "'a''b'", "''", "'", "`q``x`", "`", "--",
     "-- c\n", "-", "<=", "=>", "<>", "!=", "!", "(", ")", ",", "*", "%", "=", ";", '"', "\u00a0",
     " ", "\t", "\n", "\u2003", "\x0b", "€", "IN", "NOT", "ORDER BY"]
)  # fmt: skip


@given(st.lists(_PIECES, max_size=12).map("".join))
def test_pieces_scan_as_the_reference_reads_them(text: str) -> None:
    _agree(text)


@given(st.text(max_size=40))
def test_any_text_scans_as_the_reference_reads_it(text: str) -> None:
    _agree(text)


@pytest.mark.parametrize(
    "text", ["'open", "`open", "x . y", "1 ! 2", "a;", "GROUP  BY x", "sort -- c", "٣٤ + 1"]
)
def test_near_misses_scan_as_the_reference_reads_them(text: str) -> None:
    _agree(text)
