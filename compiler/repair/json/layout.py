"""Where things are in JSON-like text: objects, properties, arrays, commas, strings and words.

A small tolerant scanner for the corruption catalog (`corruptions.py`): it reads strict JSON
and what earlier corruptions made of it (single quotes, bare keys, Python literals, an object
closed early), and reports character offsets, so a corruption can edit the text in place.

    >>> layout = Layout.of('{"a":1,"b":[true,"x"]}')
    >>> [(p.key, layout.text[p.value_start:p.value_end]) for p in layout.objects[0].props]
    [('a', '1'), ('b', '[true,"x"]')]
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(slots=True)
class Prop:
    """One `key: value` of an object: offsets of the key and of the value (end exclusive)."""

    key: str
    key_start: int
    key_end: int
    value_start: int = -1
    value_end: int = -1


@dataclass(slots=True)
class Container:
    """An object or array: offset of its opener and closer (-1 while open), and its parts."""

    kind: str  # "{" or "["
    start: int
    in_array: bool
    end: int = -1
    props: list[Prop] = field(default_factory=list)
    items: int = 0  # values in an array


@dataclass(slots=True)
class Layout:
    text: str
    objects: list[Container] = field(default_factory=list)
    arrays: list[Container] = field(default_factory=list)
    commas: list[int] = field(default_factory=list)
    strings: list[tuple[int, int]] = field(default_factory=list)  # quotes included
    words: list[tuple[int, int]] = field(default_factory=list)  # numbers, literals, bare keys

    @classmethod
    def of(cls, text: str) -> Layout:
        layout = cls(text)
        layout._scan()
        return layout

    def _scan(self) -> None:
        text, n, i = self.text, len(self.text), 0
        stack: list[Container] = []
        while i < n:
            c = text[i]
            if c in "\"'":
                end = _string_end(text, i)
                self.strings.append((i, end))
                self._token(stack, i, end)
                i = end
            elif c in "{[":
                top = stack[-1] if stack else None
                box = Container(c, i, top is not None and top.kind == "[")
                self._value_start(stack, i)
                (self.objects if c == "{" else self.arrays).append(box)
                stack.append(box)
                i += 1
            elif c in "}]":
                if stack:
                    box = stack.pop()
                    box.end = i
                    self._value_end(box, i)
                    self._value_end_parent(stack, i + 1)
                i += 1
            elif c == ",":
                self.commas.append(i)
                i += 1
            elif c in ": \t\r\n":
                i += 1
            else:
                end = i
                while end < n and text[end] not in ",:{}[]\"' \t\r\n":
                    end += 1
                self.words.append((i, end))
                self._token(stack, i, end)
                i = end

    def _token(self, stack: list[Container], start: int, end: int) -> None:
        top = stack[-1] if stack else None
        if top is None:
            return
        if top.kind == "[":
            top.items += 1
            return
        last = top.props[-1] if top.props else None
        if last is None or last.value_end >= 0:
            raw = self.text[start:end]
            key = _decode_key(raw)
            top.props.append(Prop(key, start, end))
        else:
            last.value_start, last.value_end = start, end

    def _value_start(self, stack: list[Container], at: int) -> None:
        top = stack[-1] if stack else None
        if top is not None and top.kind == "[":
            top.items += 1
        elif top is not None and top.props and top.props[-1].value_end < 0:
            top.props[-1].value_start = at

    def _value_end(self, box: Container, at: int) -> None:
        if box.kind == "{" and box.props and box.props[-1].value_end < 0:
            box.props[-1].value_end = max(box.props[-1].value_start, at)

    def _value_end_parent(self, stack: list[Container], end: int) -> None:
        top = stack[-1] if stack else None
        if top is not None and top.kind == "{" and top.props:
            last = top.props[-1]
            if last.value_start >= 0 and last.value_end < 0:
                last.value_end = end


def _string_end(text: str, start: int) -> int:
    quote, i, n = text[start], start + 1, len(text)
    while i < n:
        if text[i] == "\\":
            i += 2
        elif text[i] == quote:
            return i + 1
        else:
            i += 1
    return n


def _decode_key(raw: str) -> str:
    if raw[:1] == '"':
        try:
            value = json.loads(raw)
        except ValueError:
            return raw.strip("\"'")
        return value if isinstance(value, str) else raw
    return raw.strip("'")


__all__ = ["Container", "Layout", "Prop"]
