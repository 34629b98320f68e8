"""p-SQL's tokens without lark: one regex scan, for the descent reader (grammar/descent.py).

Whitespace and comments are dropped. A word's kind is the keyword it spells (`FILTER` for
`where` too) or NAME; whether the keyword counts as one is the reader's decision, made where
it reads the word, as lark's contextual lexer makes it per parser state. `GROUP BY` with a
space is one token (GROUP_SPACE_BY), as in the grammar. A character no terminal starts with
raises `Unsure`: lark reads that text and reports it.

    >>> scan("where x>-5 -- note").kinds
    ['FILTER', 'NAME', '>', '-', 'INT', '$END']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources


class Unsure(Exception):
    """The descent reader is not sure the text means what lark would read: lark reads it."""


# The groups in lark's order of preference: numbers before words, `--` before `-`, `<=`
# before `<`. Leading whitespace is part of each match; a character nothing else takes ends
# the scan (lark reports it), and `\Z` takes trailing whitespace, so no character is skipped.
_LEX = re.compile(
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

# Tokens that are never a name, whatever the position.
NOT_WORDS = frozenset(
    {"INT", "FLOAT", "STRING", "QNAME", "GROUP_SPACE_BY", "<>", "<=", ">=", "!=", "=>", "-", "+",
     "*", "/", "%", "(", ")", ",", "=", "<", ">", "$END"}
)  # fmt: skip


@dataclass(slots=True)
class Tokens:
    """Parallel lists, one entry per token, and `$END` after the last (no bounds checks)."""

    kinds: list[str]
    texts: list[str]
    starts: list[int]
    ends: list[int]


@cache
def keywords() -> tuple[dict[str, str], tuple[tuple[str, re.Pattern[str]], ...]]:
    """Keyword terminals of psql.lark: plain spellings by upper case, and every pattern.

    `FILTER.2: /FILTER\\b|WHERE\\b/i` gives FILTER and WHERE -> FILTER. The patterns serve
    words outside ASCII, where lark's case-insensitive regex and `str.upper` disagree
    (`ſort` is SORT to the regex; `ﬁlter`.upper() is FILTER, which the regex does not take)."""
    source = resources.files("pesql.grammar").joinpath("psql.lark").read_text(encoding="utf-8")
    plain: dict[str, str] = {}
    patterns: list[tuple[str, re.Pattern[str]]] = []
    for kind, body in re.findall(r"^([A-Z_]+)\.2: /(.*)/i$", source, re.MULTILINE):
        patterns.append((kind, re.compile(body, re.IGNORECASE)))
        for spelling in body.split("|"):
            word = spelling.removesuffix(r"\b")
            if re.fullmatch(r"[A-Z_]+", word):
                plain[word] = kind
    return plain, tuple(patterns)


def word_kind(word: str) -> str:
    """The keyword `word` spells to lark, or NAME."""
    plain, patterns = keywords()
    if word.isascii():
        return plain.get(word.upper(), "NAME")
    for kind, pattern in patterns:
        found = pattern.match(word)
        if found is not None and found.end() == len(word):
            return kind
    return "NAME"


def scan(text: str) -> Tokens:
    kinds: list[str] = []
    texts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    plain = keywords()[0]
    for found in _LEX.finditer(text):
        group = found.lastgroup
        if group is None or group == "COMMENT":
            continue  # trailing whitespace, or a comment
        value = found.group(group)
        if group == "word":
            kind = plain.get(value.upper(), "NAME") if value.isascii() else word_kind(value)
        elif group == "op":
            kind = value
        elif group == "bad":
            raise Unsure
        else:
            kind = group  # type: ignore[assignment]
        kinds.append(kind)
        texts.append(value)
        starts.append(found.start(group))
        ends.append(found.end())
    kinds.append("$END")
    return Tokens(kinds, texts, starts, ends)
