"""Column name resolution: exact first, then loose (case, whitespace, Unicode form), never silent.

Models retype column names: `Body Mass` for `body mass`, a plain space for a no-break space,
`ﬁsh` for `fish`; `petal_length` for `petalLength` (`spelling_key`: separators ignored) and
`bill_depth` for `bill_depth_mm` (the unit left off), tried only when no loose match exists. A
match that is unique resolves with an E209 note; several are E208; none is E201 with
did-you-mean hints and, when the column existed earlier in the plan, which step removed it.

    >>> r = Resolver()
    >>> r.resolve("PRICE", ["price", "cost"], None)
    'price'
    >>> [d.code for d in r.diagnostics]
    ['E209']
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass, field

from pesql.grammar.diagnostics import Diagnostic, nearest
from pesql.grammar.origin import Origin, Pointer
from pesql.grammar.printer import quote_string

_SPACES = re.compile(r"\s+")
# Unknown names given hints (and respelled) per check: each compares the name with every
# column, so a hostile plan with thousands of unknown names would cost names x columns.
MAX_HINTED = 20


def loose_key(name: str) -> str:
    """The form two names share when they differ only by case, whitespace kind or NFKC."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    # After NFKC, NBSP and thin spaces are plain spaces; \s also covers tabs and newlines.
    return _SPACES.sub(" ", folded).strip()


# What `spelling_key` drops: the separators a name is retyped with (`petal_length`,
# `petal length`, `petalLength`, `petal-length`, `petal.length` are one name).
_SEPARATORS = re.compile(r"[\s_\-.]+")
# A unit at the end of a column name: a separator, then a letter and at most 3 letters or
# digits (`_mm`, `_g`, ` (kg)` is not one: only plain suffixes such as `_usd`, `_pct`, `_m2`).
_UNIT = re.compile(r"^(.*\w)[\s_\-.]+([^\W\d_][^\W_]{0,3})$")


def spelling_key(name: str) -> str:
    """`loose_key` without separators: names that differ only by how their words are joined."""
    return _SEPARATORS.sub("", loose_key(name))


def _respelled(name: str, columns: Collection[str]) -> list[str]:
    """The columns `name` spells with other separators; else those it names without their
    unit (`bill_depth` -> `bill_depth_mm`). Only a unique match resolves (the caller)."""
    key = spelling_key(name)
    if not key:
        return []
    found = [c for c in columns if spelling_key(c) == key]
    return found or [
        c for c in columns if (unit := _UNIT.match(c)) and spelling_key(unit.group(1)) == key
    ]


@dataclass(slots=True)
class Resolver:
    """Resolves names against the current columns and remembers which step removed what."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Exact removed column name -> the hint explaining where it went.
    removed: dict[str, str] = field(default_factory=dict)
    unknown: int = 0  # E201s so far: the first MAX_HINTED get did-you-mean hints

    def forget(self, name: str) -> None:
        """`name` exists again (re-derived), so its removal hint no longer applies."""
        self.removed.pop(name, None)

    def remember(self, name: str, hint: str) -> None:
        self.removed[name] = hint

    def resolve(
        self, name: str, columns: Collection[str], origin: Origin | None, *, value: bool = False
    ) -> str | None:
        """The exact column `name` designates, or None after reporting E201/E208.

        `value`: the name stands where a literal could too (an expression operand), so an
        unknown name may be a text value written without its quotes."""
        if name in columns:
            return name
        key = loose_key(name)
        matches = [c for c in columns if loose_key(c) == key]
        if not matches and not value and name not in self.removed and self.unknown < MAX_HINTED:
            # A name retyped with other separators or without its unit: the columns are the
            # table's, the name is the question's (measured on the 1.5B model: `petal_length`
            # for `petalLength`, `bill_depth` for `bill_depth_mm`, docs/evaluation.md). It
            # compares with every column, so like the hints not past MAX_HINTED unknown names.
            matches = _respelled(name, columns)
        if len(matches) == 1:
            self.diagnostics.append(
                Diagnostic.make(
                    "E209",
                    origin,
                    name=name,
                    resolved=matches[0],
                    severity="warning",
                    hints=(f"write `{matches[0]}` exactly",),
                )
            )
            return matches[0]
        if len(matches) > 1:
            listed = ", ".join(f"`{m}`" for m in matches)
            self.diagnostics.append(
                Diagnostic.make(
                    "E208", origin, name=name, hints=(f"write one of {listed} exactly",)
                )
            )
            return None
        self.unknown += 1
        if self.unknown > MAX_HINTED:  # hints compare with every column: not for a flood
            self.diagnostics.append(Diagnostic.make("E201", origin, name=name))
            return None
        hints = self._hints(name, columns)
        if value and not nearest(name, columns) and name not in self.removed:
            hints = (_as_text(name, origin), *hints)
        self.diagnostics.append(Diagnostic.make("E201", origin, name=name, hints=hints))
        return None

    def _hints(self, name: str, columns: Collection[str]) -> tuple[str, ...]:
        hints: list[str] = []
        gone = self.removed.get(name)
        if gone is None:
            key = loose_key(name)
            gone = next((h for n, h in self.removed.items() if loose_key(n) == key), None)
        if gone is not None:
            hints.append(gone)
        close = nearest(name, columns)
        if close:
            hints.append("did you mean " + " or ".join(f"`{c}`" for c in close) + "?")
        elif not gone:
            shown = ", ".join(f"`{c}`" for c in list(columns)[:12])
            more = ", ..." if len(columns) > 12 else ""
            hints.append(f"the columns here are {shown}{more}" if shown else "no columns remain")
        return tuple(hints)


def _as_text(name: str, origin: Origin | None) -> str:
    """The corrected shape for a text value taken for a column (models often write one)."""
    if isinstance(origin, Pointer):  # JSON: a bare string is a column name
        shape = json.dumps({"value": name, "type": "string"}, ensure_ascii=False)
        return f"if `{name}` is a text value, write it as {shape}"
    return f"if `{name}` is a text value, write it in single quotes: {quote_string(name)}"


__all__ = ["Resolver", "loose_key", "spelling_key"]
