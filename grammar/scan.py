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
from pathlib import Path


class Unsure(Exception):
    """The descent reader is not sure the text means what lark would read: lark reads it."""


# The alternatives in lark's order of preference: numbers before words, `--` before `-`, `<=`
# before `<`. Each match is (leading whitespace, token); `findall` gives them as strings, with
# no match object per token, and `scan` names a token's kind by its first character (the
# alternatives start with disjoint characters, but for `-` and `--`, and a word that is
# `GROUP BY`, which alone holds a blank). A character nothing else takes is `\S` (lark reports
# it), and `\Z` takes trailing whitespace, so no character is skipped.
_LEX = re.compile(
    r"(\s*)(--[^\n]*"
    r"|\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+"  # FLOAT
    r"|\d+"  # INT
    r"|(?i:GROUP[ \t]+BY)\b"  # GROUP_SPACE_BY
    r"|[^\W\d]\w*"  # a word
    r"|'(?:[^']|'')*'"  # STRING
    r"|`(?:[^`]|``)*`"  # QNAME
    r"|<>|<=|>=|!=|=>|[-+*/%(),=<>]"  # operators and punctuation
    r"|\S|\Z)"
)
_OPERATORS = frozenset({"<>", "<=", ">=", "!=", "=>", *"-+*/%(),=<>"})
_WORD_START = re.compile(r"[^\W\d]")

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
def grammar_text() -> str:
    """psql.lark's text (the scanner's keywords, lark's parser, the exported text grammar),
    read beside this module; importlib.resources (~2 ms of imports at start-up) only where
    the package is not plain files, e.g. zipped."""
    try:
        return Path(__file__).with_name("psql.lark").read_text(encoding="utf-8")
    except OSError:
        from importlib import resources

        return resources.files("pesql.grammar").joinpath("psql.lark").read_text(encoding="utf-8")


@cache
def keywords() -> tuple[dict[str, str], tuple[tuple[str, re.Pattern[str]], ...]]:
    """Keyword terminals of psql.lark: plain spellings by upper case, and every pattern.

    `FILTER.2: /FILTER\\b|WHERE\\b/i` gives FILTER and WHERE -> FILTER. The patterns serve
    words outside ASCII, where lark's case-insensitive regex and `str.upper` disagree
    (`ſort` is SORT to the regex; `ﬁlter`.upper() is FILTER, which the regex does not take)."""
    source = grammar_text()
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
    """The tokens of `text`, or `Unsure` at a character no token starts with.

    (Text parsing is the wire forms' hot path: this loop runs per token, so it reads the
    strings `findall` gives and counts positions itself; tests/grammar/test_scan.py holds it
    to a reading of one named group per kind.)"""
    kinds: list[str] = []
    texts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    plain = keywords()[0]
    end = 0
    for space, value in _LEX.findall(text):
        start = end + len(space)
        end = start + len(value)
        if not value:
            continue  # `\Z`: trailing whitespace
        first = value[0]
        if value in _OPERATORS:
            kind = value
        elif first == "'" or first == "`":
            if len(value) == 1:
                raise Unsure  # `\S`: a quote that no closing quote matches
            kind = "STRING" if first == "'" else "QNAME"
        elif first == "-":
            continue  # `--`: a comment (a lone minus is an operator, above)
        elif first.isdecimal() or first == ".":  # `\d` is a decimal digit, any script
            if value == ".":
                raise Unsure
            kind = "INT" if value.isdecimal() else "FLOAT"
        elif first.isascii():
            if not (first.isalpha() or first == "_"):
                raise Unsure  # `\S`: a character no token starts with
            if " " in value or "\t" in value:
                kind = "GROUP_SPACE_BY"
            elif value.isascii():
                kind = plain.get(value.upper(), "NAME")
            else:
                kind = word_kind(value)
        elif _WORD_START.match(first):
            kind = word_kind(value)
        else:
            raise Unsure
        kinds.append(kind)
        texts.append(value)
        starts.append(start)
        ends.append(end)
    kinds.append("$END")
    return Tokens(kinds, texts, starts, ends)
