"""The lenient JSON parser: one deterministic run over the tokens, choices at ambiguous points.

A run is a state machine over an explicit stack of open containers (no recursion; the stack
and its closers are in `json_structure`). Where the input allows more than one reading (an
object closed early, a duplicated key with two values, a closer that does not match), the run
asks `choose(n)`; `lenient_json.scan` drives runs through the choices breadth-first. Every
tolerated irregularity is logged as a `Fix`.

    >>> from pesql.compiler.repair.json.scan import Tokens
    >>> run = Run(Tokens('{"a": 1,}'), (), 64)
    >>> run.run(), [f.kind for f in run.fixes]
    ({'a': 1}, ['trailing_comma'])
"""

from __future__ import annotations

import json

from pesql.compiler.repair.json.extract import fail
from pesql.compiler.repair.json.fixes import JSONValue
from pesql.compiler.repair.json.scan import Token
from pesql.compiler.repair.json.structure import (
    _VALUE_KINDS,
    MAX_CANDIDATES,
    ContainerStack,
    _Frame,
    dump_value,
    same_value,
)


class Run(ContainerStack):
    """One deterministic parse; `prefix` fixes the choice at each ambiguous point, in order."""

    def run(self) -> JSONValue:
        i = 0
        while True:
            token = self.tokens.get(i)
            if not self.stack:
                if self.root_done:
                    break
                i = self._top(i, token)
            elif isinstance(self.stack[-1].container, dict):
                i = self._in_object(i, token)
            else:
                i = self._in_array(i, token)
            if token.kind == "eof" and not self.stack:
                break
        return self.root

    # -- states ---------------------------------------------------------------------------

    def _top(self, i: int, token: Token) -> int:
        if token.kind == "eof":
            fail("no JSON value found", self.tokens.text, token.start)
        if token.kind in ("{", "["):
            self._open(token)
        elif token.kind in _VALUE_KINDS and token.kind != "word":
            self.take(token)
            self.root, self.root_done = token.value, True
        else:  # a word or stray punctuation before any value: prose-stripping left nothing usable
            fail(
                f"unexpected {token.text!r} where a value should start",
                self.tokens.text,
                token.start,
            )
        return i + 1

    def _in_object(self, i: int, token: Token) -> int:
        frame, kind = self.stack[-1], token.kind
        if kind == "eof":
            self._close_all(token)
            return i
        if kind == "}":
            if frame.state in ("colon", "value"):
                self._fix("missing_value", token.start, frame.key, "")
            elif frame.comma_at >= 0 and frame.state == "key":
                self._fix("trailing_comma", frame.comma_at, ",", "")
            self.take(token)
            return self._close(i, token)
        if kind == "]":
            return self._mismatched(i, token)
        if frame.state == "key":
            return self._key(i, token, frame)
        if frame.state == "colon":
            if kind == ":":
                self.take(token)
                frame.state = "value"
                return i + 1
            if kind == ",":  # {"a", "b": 1}: a key without a value
                self._fix("missing_value", token.start, frame.key, "")
                self.take(token)
                frame.state, frame.comma_at = "key", token.start
                return i + 1
            self._fix("missing_colon", token.start, "", ":")
            frame.state = "value"
            return i
        if frame.state == "value":
            if kind == ",":
                self._fix("missing_value", token.start, frame.key, "")
                self.take(token)
                frame.state, frame.comma_at = "key", token.start
                return i + 1
            if kind == ":":
                return self._stray(i, token)
            return self._value(i, token, frame)
        # state "comma": after a value
        if kind == ",":
            self.take(token)
            frame.state, frame.comma_at = "key", token.start
            return i + 1
        if kind in ("string", "word") and self.tokens.get(i + 1).kind in (":", "string"):
            self._fix("missing_comma", token.start, "", ",")
            frame.state, frame.comma_at = "key", -1
            return i
        return self._stray(i, token)

    def _key(self, i: int, token: Token, frame: _Frame) -> int:
        kind = token.kind
        if kind == ",":
            self._fix("extra_comma", token.start, ",", "")
            self.take(token)
            return i + 1
        if kind in _VALUE_KINDS:
            if kind == "string":
                self.take(token)
                frame.key = str(token.value)
            else:  # a bare word, number or literal as a key: its text is the key
                self.fixes.extend(token.pre)
                self.end = token.end
                self._fix("unquoted_key", token.start, token.text, json.dumps(token.text))
                frame.key = token.text
            container = frame.container
            assert isinstance(container, dict)
            if frame.key in container:
                frame.duplicate = (frame.key, container[frame.key])
            frame.state, frame.comma_at = "colon", -1
            return i + 1
        if kind == "word" and self.tokens.get(i + 1).kind == "string":
            return self._stray(i, token)  # {"a": 1, NOTE "b": 2}: a stray word before a key
        return self._stray(i, token)

    def _in_array(self, i: int, token: Token) -> int:
        frame, kind = self.stack[-1], token.kind
        if kind == "eof":
            self._close_all(token)
            return i
        if kind == "]":
            if frame.comma_at >= 0 and frame.state == "value":
                self._fix("trailing_comma", frame.comma_at, ",", "")
            self.take(token)
            return self._close(i, token)
        if kind == "}":
            return self._mismatched(i, token)
        if kind == ",":
            if frame.state == "value":
                self._fix("extra_comma", token.start, ",", "")
            self.take(token)
            frame.state, frame.comma_at = "value", token.start
            return i + 1
        if kind == ":":
            return self._stray(i, token)
        if frame.state == "comma":
            self._fix("missing_comma", token.start, "", ",")
        return self._value(i, token, frame)

    def _value(self, i: int, token: Token, frame: _Frame) -> int:
        if token.kind == "fragment":
            self.take(token)
            return i + 1
        if token.kind == "word" and isinstance(frame.container, list) and _is_ellipsis(token):
            return self._stray(i, token)  # [1, 2, ...]: the model elided items, it meant none
        if token.kind in ("{", "["):
            self._open(token)
            return i + 1
        self.take(token)
        value = token.value
        if token.kind == "word":
            self._fix("unquoted_string", token.start, token.text, json.dumps(token.text))
        self._attach(frame, value)
        self._finish(frame)
        return i + 1


def _is_ellipsis(token: Token) -> bool:
    return token.text.strip(".\u2026") == ""


__all__ = ["MAX_CANDIDATES", "Run", "dump_value", "same_value"]
