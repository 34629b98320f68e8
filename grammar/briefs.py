"""Descriptions written for tokens: what the `short` verbosity shows of an operation.

`describe` on a declaration is one line written for the model; `short` definitions show its
first clause (`brief`), and nothing at all when every word of the operation's name is in that
clause (`says_itself`: YEAR is "year of a date"), since the name is in the definition anyway.
`full` shows the whole line and the example.
"""

from __future__ import annotations

import re

from pesql.grammar.declare import OpSpec


def brief(spec: OpSpec) -> str:
    """The description's first clause: what "short" shows (`full` shows all of it).

    >>> from pesql.grammar.registry import lookup
    >>> brief(lookup("QUANTILE"))
    'the q-quantile, 0 <= q <= 1'
    """
    return _CLAUSE.split(spec.describe, maxsplit=1)[0]


def says_itself(spec: OpSpec) -> bool:
    """True when every word of the name is in the brief (YEAR: "year of a date"): the
    name says it, and "short" spends no tokens repeating it."""
    if spec.category == "step" or spec.syntax != "call":
        return False
    text = brief(spec).lower()
    return all(word in text for word in spec.name.lower().split("_"))


_CLAUSE = re.compile(r" \(|; | -- |, (?=[a-z])")


__all__ = ["brief", "says_itself"]
