"""The operation registry: wire name -> declaration. The one place names and aliases live.

Every operation is a frozen dataclass decorated with `@operation(...)`; its fields are read
from the type hints, so parsing, printing, JSON lowering, the JSON Schema, the function
definition and the docs all derive from the declaration:

    >>> spec = lookup("sub_abs")
    >>> spec.name, [f.wire for f in spec.fields]
    ('SUB_ABS', ['left', 'right'])

What passes need to know about an expression operation is declared on it too, as `Traits`
(required for every scalar, aggregate and window function; steps have none of their own):

    >>> lookup("sub_abs").traits
    Traits(fails='never', commutes=True, variadic=False, conditional=False, negation=None)

`Naming` carries a profile's renames and aliases (naming experiments are data, not code).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import field

# Importing the declarations runs every @operation decorator exactly once, before any lookup.
import pesql.grammar.ops  # noqa: F401
from pesql.grammar.ast import Node
from pesql.grammar.declare import (  # re-exported: the registry is where callers find them
    _ALIASES,
    _BY_CLASS,
    _REGISTRY,
)
from pesql.grammar.declare import (
    STEP_TRAITS as STEP_TRAITS,
)
from pesql.grammar.declare import (
    Category as Category,
)
from pesql.grammar.declare import (
    Fails as Fails,
)
from pesql.grammar.declare import (
    FieldKind as FieldKind,
)
from pesql.grammar.declare import (
    FieldSpec as FieldSpec,
)
from pesql.grammar.declare import (
    OpSpec as OpSpec,
)
from pesql.grammar.declare import (
    Syntax as Syntax,
)
from pesql.grammar.declare import (
    Traits as Traits,
)
from pesql.grammar.declare import (
    fields_of as fields_of,
)
from pesql.grammar.declare import (
    operation as operation,
)
from pesql.grammar.record import Record, record


def lookup(name: str, naming: Naming | None = None) -> OpSpec | None:
    """The operation called `name` (any case; canonical, alias or profile name), or None."""
    if naming is None or not (naming.renames or naming.aliases):
        # A canonical name as written (the common case): no alias is ever a canonical name
        # (`declare` refuses one), so this is what the spelling rules below give it.
        spec = _REGISTRY.get(name)
        if spec is not None:
            return spec
    # `GROUP BY` / `order by` spell GROUP_BY / ORDER_BY, as the text form accepts them.
    key = "_".join(name.upper().split())
    if naming is not None:
        key = naming.resolve(key)
    key = _ALIASES.get(key, key)
    return _REGISTRY.get(key)


def spec_of(node: Node | type[Node]) -> OpSpec:
    """The declaration of an operation node or class."""
    cls = node if isinstance(node, type) else type(node)
    return _BY_CLASS[cls]


def all_ops(category: Category | None = None) -> Iterator[OpSpec]:
    """Registered operations in registration order, optionally of one category."""
    return (s for s in _REGISTRY.values() if category is None or s.category == category)


@record(kw_only=False)
class Naming(Record):
    """A profile's view of op names: `renames` canonical -> exposed, `aliases` extra -> canonical.

    `Naming(renames={"SUB_ABS": "ABS_DIFF"})` shows the model ABS_DIFF everywhere (schema,
    descriptions, examples) and still lowers it to the same `SubAbs` node.
    """

    renames: Mapping[str, str] = field(default_factory=dict)
    aliases: Mapping[str, str] = field(default_factory=dict)

    def key(self) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
        """A hashable value, equal for namings that read every name alike (a cache key)."""
        return (tuple(self.renames.items()), tuple(self.aliases.items()))

    def exposed(self, canonical: str) -> str:
        return self.renames.get(canonical, canonical)

    def resolve(self, name: str) -> str:
        upper = name.upper()
        for canonical, shown in self.renames.items():
            if shown.upper() == upper:
                return canonical
        return self.aliases.get(upper, upper)

    def validate(self) -> list[str]:
        """Problems with this naming (unknown targets, clashes); empty when usable."""
        problems = []
        shown: dict[str, str] = {}
        for canonical, new in self.renames.items():
            if canonical not in _REGISTRY:
                problems.append(f"rename of unknown operation {canonical}")
            if new.upper() in shown:
                problems.append(f"{new} is the new name of two operations")
            shown[new.upper()] = canonical
            clash = lookup(new)
            if clash is not None and clash.name != canonical:
                problems.append(f"{new} already names {clash.name}")
        for alias, target in self.aliases.items():
            if target not in _REGISTRY:
                problems.append(f"alias {alias} points to unknown operation {target}")
        return problems


DEFAULT_NAMING = Naming()
