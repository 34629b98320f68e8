"""Tolerant JSON tokenizer: model output -> tokens that carry the fixes needed to read them.

The tokenizer never fails: every character becomes part of some token (a bare word at worst),
and what had to be tolerated (a comment, single quotes, a raw newline in a string, a string
cut off at the end of the input) is logged as a `Fix` on the token that needed it. The parser
in `lenient_json` decides what the tokens mean; this module only reads them.

    >>> [t.kind for t in Tokens("{'a': True} // done").take_all()]
    ['{', 'string', ':', 'literal', '}', 'eof']
"""

from __future__ import annotations

import re
from typing import Literal

from pesql.compiler.repair.json.fixes import Fix, FixKind, JSONValue
from pesql.grammar.numbers import read_int
from pesql.grammar.record import Record, record

TokenKind = Literal[
    "{", "}", "[", "]", ",", ":", "string", "number", "literal", "word", "fragment", "eof"
]


@record(kw_only=False)
class Token(Record):
    """A token with its raw text, its value (for scalars) and the fixes reading it needed.

    `pre` holds comments skipped before the token; `fixes` those made inside it.
    A `fragment` is a token cut off by the end of input that has no value (a lone `-`).
    """

    kind: TokenKind
    start: int
    end: int
    text: str
    value: JSONValue
    fixes: tuple[Fix, ...] = ()
    pre: tuple[Fix, ...] = ()


_SPACE = frozenset(" \t\n\r\ufeff\u00a0")
_STRUCTURAL = frozenset("{}[],:")
# After a closing quote, one of these (or the end) confirms the string ended; anything else
# means the model put an unescaped quote inside the string (`"a "b" c"`).
_ENDS_STRING = frozenset(",:]}[{\"'\n\r/#`")
_PLAIN_RUN = {
    '"': re.compile(r'[^"\\\x00-\x1f]*'),
    "'": re.compile(r"[^'\\\x00-\x1f]*"),
    "\u201c": re.compile(r"[^\u201d\\\x00-\x1f]*"),
}
# Opening quote -> closing quote; typographic quotes come from chat UIs and word processors.
_QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d"}
_WORD_STOP = re.compile(r"[,:{}\[\]\"'\n\r]|\s(?://|/\*|#)")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d*)?")
_GROUPED_NUMBER = re.compile(r"-?\d+(?:_\d+)+(?:\.\d+(?:_\d+)*)?|-?\d+(?:_\d+)*\.\d+(?:_\d+)+")
_STRICT_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r"}
_SIMPLE_ESCAPES["t"] = "\t"
_HEX = frozenset("0123456789abcdefABCDEF")

# Bare words that name a JSON literal, with the fix reading them needed (None: strict JSON).
_LITERALS: dict[str, tuple[JSONValue, FixKind | None]] = {
    "true": (True, None),
    "false": (False, None),
    "null": (None, None),
    "True": (True, "python_literal"),
    "False": (False, "python_literal"),
    "None": (None, "python_literal"),
    "TRUE": (True, "python_literal"),
    "FALSE": (False, "python_literal"),
    "NULL": (None, "python_literal"),
    "Null": (None, "python_literal"),
    "NaN": (float("nan"), "nan_infinity"),
    "Infinity": (float("inf"), "nan_infinity"),
    "+Infinity": (float("inf"), "nan_infinity"),
    "-Infinity": (float("-inf"), "nan_infinity"),
}
# A word cut off by the end of input completes to the first literal it begins (`tr` -> true).
_COMPLETIONS = ("true", "false", "null", "NaN", "Infinity", "-Infinity", "None", "True", "False")


class Tokens:
    """Lazily tokenized input, shared by every parser run over the same text."""

    def __init__(self, text: str, start: int = 0) -> None:
        self.text = text
        self.pos = start
        self.items: list[Token] = []

    def get(self, index: int) -> Token:
        while len(self.items) <= index:
            if self.items and self.items[-1].kind == "eof":
                return self.items[-1]
            self.items.append(self._next())
        return self.items[index]

    def take_all(self) -> list[Token]:
        i = 0
        while self.get(i).kind != "eof":
            i += 1
        return self.items[: i + 1]

    def _next(self) -> Token:
        pre = self._skip_space_and_comments()
        text, i = self.text, self.pos
        if i >= len(text):
            return Token("eof", i, i, "", None, (), pre)
        c = text[i]
        if c in _STRUCTURAL:
            self.pos = i + 1
            return Token(c, i, i + 1, c, None, (), pre)  # type: ignore[arg-type]
        if c in _QUOTES:
            return self._string(c, pre)
        if c in "+-.0123456789":
            number = self._number(pre)
            if number is not None:
                return number
        return self._word(pre)

    def _skip_space_and_comments(self) -> tuple[Fix, ...]:
        text, i, n = self.text, self.pos, len(self.text)
        fixes: list[Fix] = []
        while i < n:
            c = text[i]
            if c in _SPACE:
                i += 1
            elif c == "#" or text.startswith("//", i):
                end = text.find("\n", i)
                end = n if end < 0 else end
                fixes.append(Fix("strip_comment", i, text[i:end], ""))
                i = end
            elif text.startswith("/*", i):
                end = text.find("*/", i + 2)
                end = n if end < 0 else end + 2
                fixes.append(Fix("strip_comment", i, text[i:end], ""))
                i = end
            else:
                break
        self.pos = i
        return tuple(fixes)

    def _string(self, quote: str, pre: tuple[Fix, ...]) -> Token:
        text, start, n = self.text, self.pos, len(self.text)
        fixes: list[Fix] = []
        if quote != '"':
            fixes.append(Fix("single_quotes", start, quote, '"'))
        plain, closing = _PLAIN_RUN[quote], _QUOTES[quote]
        parts: list[str] = []
        i = start + 1
        while True:
            match = plain.match(text, i)
            assert match is not None  # a `*` pattern always matches
            parts.append(match.group())
            i = match.end()
            if i >= n:
                fixes.append(Fix("close_string", n, "", closing))
                break
            c = text[i]
            if c == closing:
                j = i + 1
                while j < n and text[j] in " \t":
                    j += 1
                if (
                    j >= n
                    or text[j] in _ENDS_STRING
                    or (j > i + 1 and _starts_scalar(text, j))
                    or _keyword_then_end(text, j)
                    or _number_then_end(text, j)
                ):
                    i += 1
                    break
                fixes.append(Fix("escape", i, c, "\\" + c))
                parts.append(c)
                i += 1
            elif c == "\\":
                i = self._escape(i, parts, fixes, quote)
            else:  # a raw control character: JSON forbids it, the meaning is clear
                fixes.append(Fix("escape", i, c, c.encode("unicode_escape").decode()))
                parts.append(c)
                i += 1
        self.pos = i
        value = "".join(parts)
        return Token("string", start, i, text[start:i], value, tuple(fixes), pre)

    def _escape(self, i: int, parts: list[str], fixes: list[Fix], quote: str) -> int:
        """Read the escape at `text[i] == '\\'`; return the index after it."""
        text, n = self.text, len(self.text)
        if i + 1 >= n:  # cut off after the backslash: the escape is lost with the truncation
            fixes.append(Fix("close_truncated", i, "\\", ""))
            return n
        e = text[i + 1]
        if e in _SIMPLE_ESCAPES:
            parts.append(_SIMPLE_ESCAPES[e])
            return i + 2
        if e == "u":
            digits = text[i + 2 : i + 6]
            if len(digits) == 4 and all(h in _HEX for h in digits):
                code = int(digits, 16)
                low = text[i + 8 : i + 12]
                is_pair = 0xD800 <= code < 0xDC00 and text.startswith("\\u", i + 6)
                if is_pair and len(low) == 4 and all(h in _HEX for h in low):
                    low_code = int(low, 16)
                    if 0xDC00 <= low_code < 0xE000:
                        parts.append(chr(0x10000 + ((code - 0xD800) << 10) + low_code - 0xDC00))
                        return i + 12
                if 0xD800 <= code < 0xDC00 and (i + 6 >= n or _cut_escape(text, i + 6)):
                    # the low half of a surrogate pair was lost with the end of the input
                    fixes.append(Fix("close_truncated", i, text[i:], ""))
                    return n
                parts.append(chr(code))
                return i + 6
            if i + 2 + len(digits) >= n and all(h in _HEX for h in digits):
                fixes.append(Fix("close_truncated", i, text[i:], ""))
                return n
        if e == "'" or e == quote or not e.isascii():
            # \' inside "..." is a Python habit; `\„` escapes nothing: the meaning is clear
            fixes.append(Fix("escape", i, "\\" + e, e))
            parts.append(e)
            return i + 2
        # An unknown escape (`\d` in a regex, `\U` in a path) keeps its backslash.
        fixes.append(Fix("escape", i, "\\" + e, "\\\\" + e))
        parts.append("\\" + e)
        return i + 2

    def _number(self, pre: tuple[Fix, ...]) -> Token | None:
        text, start, n = self.text, self.pos, len(self.text)
        if text.startswith("-Infinity", start) or text.startswith("+Infinity", start):
            return None  # a word literal
        match = _NUMBER.match(text, start)
        if match is None:
            if start + 1 >= n and text[start] in "+-":
                self.pos = n
                fix = Fix("close_truncated", start, text[start:], "")
                return Token("fragment", start, n, text[start:], None, (fix,), pre)
            return None
        end = match.end()
        if end < n and not _ends_number(text, end):
            return None  # 1/3, 1notanumber, a uuid: a bare word
        raw = match.group()
        self.pos = end
        fixes: list[Fix] = []
        body = raw
        if raw[-1] in "eE+-." and (end >= n or raw[-1] != "."):
            # cut off inside the number (or an exponent without digits): keep the digits read
            body = raw.rstrip("eE+-.")
            kind: FixKind = "close_truncated" if end >= n else "number_format"
            fixes.append(Fix(kind, start, raw, body))
        if not any(ch.isdigit() for ch in body):
            return Token("fragment", start, end, raw, None, tuple(fixes), pre)
        strict = _STRICT_NUMBER.fullmatch(body)
        if strict is None:
            fixed = body.lstrip("+")
            if fixed.startswith("."):
                fixed = "0" + fixed
            fixed = fixed.replace("-.", "-0.").rstrip(".")
            fixes.append(Fix("number_format", start, body, fixed))
            body = fixed
        value: JSONValue
        value = float(body) if any(ch in body for ch in ".eE") else read_int(body)
        return Token("number", start, end, raw, value, tuple(fixes), pre)

    def _word(self, pre: tuple[Fix, ...]) -> Token:
        text, start, n = self.text, self.pos, len(self.text)
        match = _WORD_STOP.search(text, start)
        stop = n if match is None else match.start()
        if stop == start:  # a lone quote-like or stop char cannot start a word: take it alone
            stop = start + 1
        raw = text[start:stop].rstrip()
        self.pos = stop
        end = start + len(raw)
        if raw in _LITERALS:
            value, kind = _LITERALS[raw]
            fixes = () if kind is None else (Fix(kind, start, raw, _canonical(value)),)
            return Token("literal", start, end, raw, value, fixes, pre)
        if end >= n and raw not in ("", "-", "+"):
            for word in _COMPLETIONS:
                if word.startswith(raw):
                    value, kind = _LITERALS[word]
                    fix = Fix("close_truncated", start, raw, word)
                    more = () if kind is None else (Fix(kind, start, word, _canonical(value)),)
                    return Token("literal", start, end, raw, value, (fix, *more), pre)
        if _GROUPED_NUMBER.fullmatch(raw):  # 82_461_110: Python digit grouping
            body = raw.replace("_", "")
            fix = Fix("number_format", start, raw, body)
            value = float(body) if "." in body or "e" in body.lower() else read_int(body)
            return Token("number", start, end, raw, value, (fix,), pre)
        return Token("word", start, end, raw, raw, (), pre)


def _cut_escape(text: str, i: int) -> bool:
    """`text[i:]` is a `\\uXXXX` escape cut off by the end of the input."""
    rest = text[i:]
    return (
        0 < len(rest) < 6
        and "\\u0000"[: len(rest)][:2] == rest[:2]
        and all(h in _HEX for h in rest[2:])
    )


def _starts_scalar(text: str, i: int) -> bool:
    """A number or JSON literal after `"a" `: a missing comma/colon, not a quote in the text."""
    return text[i].isdigit() or text[i] == "-" or text.startswith(("true", "false", "null"), i)


def _keyword_then_end(text: str, i: int) -> bool:
    """`"a"null]`: a JSON literal right after the quote, then structure: a missing comma (a
    quote inside text is rarely followed by exactly `null`, `true` or `false` and a closer)."""
    for word in ("null", "true", "false"):
        if text.startswith(word, i):
            k = i + len(word)
            return k >= len(text) or text[k] in _STRUCTURAL or text[k] in _SPACE
    return False


def _number_then_end(text: str, i: int) -> bool:
    """`["a"0]`: a number right after the quote, then `,`, `]` or `}`: a missing comma, as
    `_keyword_then_end` reads a literal (found by the repair property over a COALESCE's
    arguments; a quote inside text followed by a number and a closer is as rare)."""
    match = _STRICT_NUMBER.match(text, i)
    if match is None:
        return False
    k = match.end()
    while k < len(text) and text[k] in " \t":
        k += 1
    return k < len(text) and text[k] in ",]}"


def _ends_number(text: str, i: int) -> bool:
    c = text[i]
    return (
        c in _SPACE
        or c in _STRUCTURAL
        or c in "\"'#"
        or text.startswith("//", i)
        or text.startswith("/*", i)
    )


def _canonical(value: JSONValue) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    return repr(value)


__all__ = ["Fix", "FixKind", "JSONValue", "Token", "TokenKind", "Tokens"]
