"""The container stack of a lenient JSON run: opening, filling and closing containers.

Closing is where the input is most often ambiguous: a `}` that closed an object too early
(`{"a": 1}, "b": 2}`), a closer that does not match the open container, containers left open
by a truncated input. `Run` (json_parse) inherits this and adds the token-by-token states.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from pesql.compiler.repair.json.extract import fail_limit
from pesql.compiler.repair.json.fixes import Fix, FixKind, JSONValue
from pesql.compiler.repair.json.scan import Token, Tokens

# Early-close readings explored per `}`; the candidate cap of lenient_json bounds them anyway.
MAX_CANDIDATES = 16

_State = Literal["key", "colon", "value", "comma"]
_VALUE_KINDS = frozenset({"string", "number", "literal", "word"})


@dataclass(slots=True)
class _Frame:
    container: dict[str, JSONValue] | list[JSONValue]
    state: _State
    key: str = ""
    comma_at: int = -1  # offset of the comma just read, for trailing/extra comma fixes
    # (key, previous value) while the value of a repeated key is being read
    duplicate: tuple[str, JSONValue] | None = None


class ContainerStack:
    """The open containers of one run, the fixes logged and the choices made so far."""

    def __init__(self, tokens: Tokens, prefix: tuple[int, ...], max_depth: int) -> None:
        self.tokens = tokens
        self.prefix = prefix
        self.max_depth = max_depth
        self.stack: list[_Frame] = []
        self.fixes: list[Fix] = []
        self.decisions: list[int] = []  # number of options at each ambiguous point met
        self.closed_at: dict[int, int] = {}  # id(container) -> offset of the `}` that closed it
        self.root: JSONValue = None
        self.root_done = False
        self.end = 0  # offset after the last token that belongs to the value

    @property
    def _too_deep(self) -> str:
        return f"nested more than {self.max_depth} levels deep"

    def choose(self, options: int) -> int:
        index = len(self.decisions)
        self.decisions.append(options)
        return self.prefix[index] if index < len(self.prefix) else 0

    def take(self, token: Token) -> None:
        self.fixes.extend(token.pre)
        self.fixes.extend(token.fixes)
        if token.kind != "eof":
            self.end = token.end

    # -- structure ------------------------------------------------------------------------

    def _attach(self, frame: _Frame, value: JSONValue) -> None:
        container = frame.container
        if isinstance(container, dict):
            container[frame.key] = value
        else:
            container.append(value)
        frame.state, frame.comma_at = "comma", -1

    def _finish(self, frame: _Frame) -> None:
        """The value just attached to `frame` is complete: settle a duplicated key."""
        if frame.duplicate is None:
            return
        key, old = frame.duplicate
        frame.duplicate = None
        container = frame.container
        assert isinstance(container, dict)
        new = container[key]
        if same_value(old, new):
            self._fix("duplicate_key", self.end, dump_value(old), dump_value(new))
            return
        # json.loads keeps the last value; keeping the first is the other plausible reading.
        if self.choose(2) == 1:
            container[key] = old
            self._fix("duplicate_key", self.end, dump_value(new), dump_value(old))
        else:
            self._fix("duplicate_key", self.end, dump_value(old), dump_value(new))

    def _open(self, token: Token) -> None:
        self.take(token)
        if len(self.stack) >= self.max_depth:
            fail_limit(self._too_deep, str(self.max_depth), self.tokens.text, token.start)
        container: dict[str, JSONValue] | list[JSONValue] = {} if token.kind == "{" else []
        if self.stack:
            self._attach(self.stack[-1], container)
        else:
            self.root = container
        self.stack.append(_Frame(container, "key" if token.kind == "{" else "value"))

    def _pop(self) -> _Frame:
        frame = self.stack.pop()
        if self.stack:
            self._finish(self.stack[-1])
        else:
            self.root_done = True
        return frame

    def _close(self, i: int, token: Token) -> int:
        frame = self._pop()
        self.closed_at[id(frame.container)] = token.start
        if isinstance(frame.container, dict) and (
            not self.stack or isinstance(self.stack[-1].container, list)
        ):
            return self._early_close(i, token, frame.container)
        return i + 1

    def _early_close(self, i: int, token: Token, closed: dict[str, JSONValue]) -> int:
        """After `}` closing an array element or the root, `, "key":` means it closed too early."""
        j = i + 1
        comma = self.tokens.get(j)
        if comma.kind == ",":
            j += 1
        key, colon = self.tokens.get(j), self.tokens.get(j + 1)
        # At the root, `}, "b" 2}` cannot mean anything else either (the colon is missing too).
        follows = {":"} if self.stack or key.kind != "string" else {":", "{", "[", *_VALUE_KINDS}
        if key.kind not in ("string", "word") or colon.kind not in follows:
            return i + 1
        # The key may belong to the object just closed or to any object that was its last value
        # (recursively): `{"a": {"b": 1}}, "c": 2}`. Outermost first: fewest closers moved.
        path: list[dict[str, JSONValue] | list[JSONValue]] = [closed]
        targets = [0]
        while len(targets) < MAX_CANDIDATES:
            last = path[-1]
            child: JSONValue = None
            if isinstance(last, dict) and last:
                child = next(reversed(last.values()))
            elif isinstance(last, list) and last:
                child = last[-1]
            if not isinstance(child, dict | list) or id(child) not in self.closed_at:
                break
            path.append(child)
            if isinstance(child, dict):
                targets.append(len(path) - 1)
        target = targets[self.choose(len(targets))] if len(targets) > 1 else 0
        for depth, container in enumerate(path[: target + 1]):
            if len(self.stack) >= self.max_depth:
                fail_limit(self._too_deep, str(self.max_depth), self.tokens.text, token.start)
            at = self.closed_at.get(id(container), token.start)
            self._fix("early_close", at, "}" if isinstance(container, dict) else "]", "")
            is_target = depth == target
            self.stack.append(_Frame(container, "key" if is_target else "comma"))
        self.root_done = False
        if comma.kind == ",":
            self.take(comma)
        else:
            self._fix("missing_comma", key.start, "", ",")
        return j

    def _mismatched(self, i: int, token: Token) -> int:
        """`]` where an object is open (or `}` in an array)."""
        wanted = dict if token.kind == "}" else list
        depth = next(
            (
                d
                for d in range(len(self.stack) - 1, -1, -1)
                if isinstance(self.stack[d].container, wanted)
            ),
            None,
        )
        if depth is None:
            return self._stray(i, token)
        # Either the closers of the inner containers are missing, or the model typed the wrong
        # closer for the innermost one, or the closer is one too many (left over from an object
        # closed early: `{"a": {"b": 1}, "c": 2}}` inside an array). The first keeps the outer
        # structure; the third keeps everything that follows inside the open array.
        choice = self.choose(3)
        if choice == 2:
            return self._stray(i, token)
        if choice == 0:
            while len(self.stack) > depth + 1:
                inner = self.stack[-1]
                closer = "}" if isinstance(inner.container, dict) else "]"
                self._fix("missing_closer", token.start, "", closer)
                self._drop_pending(inner, token.start)
                self._pop()
            self.take(token)
            return self._close(i, token)
        top = self.stack[-1]
        right = "}" if isinstance(top.container, dict) else "]"
        self._fix("wrong_closer", token.start, token.text, right)
        self._drop_pending(top, token.start)
        self.take(token)
        return self._close(i, token)

    def _close_all(self, eof: Token) -> None:
        self.take(eof)
        while self.stack:
            frame = self.stack[-1]
            self._drop_pending(frame, eof.start)
            closer = "}" if isinstance(frame.container, dict) else "]"
            self._fix("close_truncated", eof.start, "", closer)
            self._pop()

    def _drop_pending(self, frame: _Frame, at: int) -> None:
        if isinstance(frame.container, dict) and frame.state in ("colon", "value"):
            self._fix("missing_value", at, frame.key, "")
            frame.state = "comma"

    def _stray(self, i: int, token: Token) -> int:
        self.take(token)
        self._fix("stray_token", token.start, token.text, "")
        return i + 1

    def _fix(self, kind: FixKind, position: int, before: str, after: str) -> None:
        self.fixes.append(Fix(kind, position, before, after))


def same_value(a: JSONValue, b: JSONValue) -> bool:
    return dump_value(a, sort=True) == dump_value(b, sort=True)


def dump_value(value: JSONValue, *, sort: bool = False) -> str:
    # Type-tagged so 1 and 1.0 (and nan) stay distinct candidates; no recursion limit issue
    # because depth is bounded by max_depth before any dump.
    return json.dumps(value, sort_keys=sort, ensure_ascii=False, default=str, allow_nan=True)
