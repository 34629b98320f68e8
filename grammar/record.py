"""`@record`: a frozen dataclass without the standard decorator's start-up cost.

`@record` is `@dataclass(frozen=True, slots=True, kw_only=True)`, the AST's nodes;
`@record(kw_only=False)` is `@dataclass(frozen=True, slots=True)` and `@record(kw_only=False,
slots=False)` is `@dataclass(frozen=True)`, the other frozen values a run builds (origins,
diagnostics, types, schemas, limits, compiled plans, tables). A record derives from `Record`.

Why: on Python 3.11 the standard decorator compiles six methods per class (`__init__`,
`__repr__`, `__eq__`, `__hash__`, `__setattr__`, `__delattr__`), one `exec` each: ~0.45 ms a
class, and the ~110 frozen classes a `pesql run` imports were ~50 ms of its start (issue 20).
Here the standard library still builds the fields, `__match_args__` and the slotted class (it
is called with `init=False, repr=False, eq=False, frozen=False`, so it compiles nothing), and:
- the four methods whose speed does not matter (`__repr__`, `__setattr__` and `__delattr__`,
  which only raise, and pickling) are shared, inherited from `Record`, which reads the
  field names each class keeps;
- `__init__`, `__eq__` and `__hash__`, which the compile calls thousands of times, are the
  same generated code as the standard library's, as fast, but each is compiled the first time
  it is called on its class: a process compiles the methods of the classes it uses (a `pesql
  run` builds and compares a few dozen kinds), not all ~300 of them.

What it keeps from `@dataclass`, so callers cannot tell (tests/grammar/test_record.py holds
every record to a standard-library twin): `dataclasses.fields`, `replace` and
`is_dataclass`; equality over `compare` fields of the same class; the hash of those fields
(`hash=False` leaves one out); the repr of `repr` fields under the class's qualified name;
`FrozenInstanceError` on assignment and deletion; defaults, `default_factory`, `init=False`
fields and `__post_init__`; methods the class body writes (a cached `__hash__`), and the
hash a body that writes `__eq__` alone still gets; pickling and copying. A record's base must
be a record (or `Record`): `@dataclass(frozen=True)` under it refuses, as frozen under
non-frozen does.

Not kept: the recursion guard of the generated repr (a frozen value cannot hold itself) and,
for a record without slots, the `functools.cached_property` values in what it pickles
(recomputed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import FrozenInstanceError, dataclass
from typing import Any, TypeVar, dataclass_transform, overload

_T = TypeVar("_T")


class Record:
    """What every record shares: frozenness, repr and pickling, read from `_record_fields`."""

    __slots__ = ()
    # Set by @record on each record class (a plain subclass inherits its base's).
    _record_fields: tuple[str, ...] = ()  # every field, in order: pickling
    _record_shown: tuple[str, ...] = ()  # repr=True fields

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._record_shown)
        return f"{self.__class__.__qualname__}({shown})"

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __getstate__(self) -> list[object]:
        return [getattr(self, name) for name in self._record_fields]

    def __setstate__(self, state: list[object]) -> None:
        for name, value in zip(self._record_fields, state, strict=True):
            object.__setattr__(self, name, value)


@overload
def record(cls: type[_T], /) -> type[_T]: ...


@overload
def record(*, kw_only: bool = True, slots: bool = True) -> Callable[[type[_T]], type[_T]]: ...


@dataclass_transform(
    frozen_default=True, kw_only_default=True, field_specifiers=(dataclasses.field,)
)
def record(
    cls: type[_T] | None = None, /, *, kw_only: bool = True, slots: bool = True
) -> type[_T] | Callable[[type[_T]], type[_T]]:
    """Make `cls` (a subclass of `Record`) a frozen dataclass: keyword-only and slotted unless
    told otherwise (`@record(kw_only=False, slots=False)` is `@dataclass(frozen=True)`)."""

    def make(cls: type[_T]) -> type[_T]:
        if not issubclass(cls, Record):
            raise TypeError(f"@record: {cls.__name__} must derive from Record")
        standard = dataclass(
            init=False, repr=False, eq=False, frozen=False, slots=slots, kw_only=kw_only
        )
        # Without a docstring `@dataclass` writes the constructor's signature into `__doc__`
        # through `inspect.signature`, of an `__init__` that does not exist yet here: it is
        # written below from the fields instead, as the standard decorator shows it.
        docless = not cls.__dict__.get("__doc__")
        if docless:
            cls.__doc__ = cls.__name__
        made: Any = standard(cls)
        fields = dataclasses.fields(made)
        if docless:
            made.__doc__ = made.__name__ + _signature_text(fields)
        made._record_fields = tuple(f.name for f in fields)
        made._record_shown = tuple(f.name for f in fields if f.repr)
        # Read what the body wrote before adding any (an added `__eq__` is not the body's).
        for name in [name for name in _SOURCES if not _written(made, name)]:
            setattr(made, name, _compiled_on_first_use(made, name))
        return made  # type: ignore[no-any-return]

    return make if cls is None else make(cls)


def _signature_text(fields: tuple[dataclasses.Field[Any], ...]) -> str:
    """`str(inspect.signature(cls))` of the standard `__init__`, from the fields."""

    def parameter(f: dataclasses.Field[Any]) -> str:
        text = f"{f.name}: {f.type!r}" if isinstance(f.type, str) else f"{f.name}: {f.type}"
        if f.default is not dataclasses.MISSING:
            return f"{text} = {f.default!r}"
        if f.default_factory is not dataclasses.MISSING:
            return f"{text} = <factory>"
        return text

    positional = [parameter(f) for f in fields if f.init and not f.kw_only]
    keyword = [parameter(f) for f in fields if f.init and f.kw_only]
    return "(" + ", ".join([*positional, *(["*", *keyword] if keyword else [])]) + ")"


def _written(cls: type, name: str) -> bool:
    """Whether the class body wrote method `name`: it is kept (Plan's cached hash), as
    `@dataclass` keeps it. A body that writes `__eq__` alone gets `__hash__ = None` from
    Python, which `@dataclass(frozen=True)` replaces by its own, and so does this."""
    if name == "__hash__" and cls.__dict__.get("__hash__", 0) is None:
        return "__eq__" not in cls.__dict__
    return name in cls.__dict__


def _compiled_on_first_use(cls: type, name: str) -> Callable[..., Any]:
    """A method that compiles the real `name` of `cls`, puts it on `cls`, and calls it."""

    def first_use(self: object, *args: object, **kwargs: object) -> Any:
        real = compile_method(cls, name)
        setattr(cls, name, real)
        return real(self, *args, **kwargs)

    first_use.__qualname__ = f"{cls.__qualname__}.{name}"
    return first_use


def _init_source(cls: type, names: dict[str, object]) -> str:
    """`__init__` as `@dataclass(frozen=True)` writes it: positional fields, then keyword-only
    ones; defaults and factories; `init=False` fields set to their default; then
    `__post_init__` if the class has one."""
    names["__set"] = object.__setattr__
    names["__no_value"] = _NO_VALUE
    params: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for f in dataclasses.fields(cls):
        has_factory = f.default_factory is not dataclasses.MISSING
        if has_factory:
            names[f"__factory_{f.name}"] = f.default_factory
        if not f.init:
            if has_factory:
                body.append(f"__set(self, {f.name!r}, __factory_{f.name}())")
            elif f.default is not dataclasses.MISSING:
                names[f"__default_{f.name}"] = f.default
                body.append(f"__set(self, {f.name!r}, __default_{f.name})")
            continue
        if has_factory:
            param = f"{f.name}=__no_value"
            value = f"__factory_{f.name}() if {f.name} is __no_value else {f.name}"
        elif f.default is not dataclasses.MISSING:
            names[f"__default_{f.name}"] = f.default
            param, value = f"{f.name}=__default_{f.name}", f.name
        else:
            param, value = f.name, f.name
        (keyword if f.kw_only else params).append(param)
        body.append(f"__set(self, {f.name!r}, {value})")
    if hasattr(cls, "__post_init__"):
        body.append("self.__post_init__()")
    signature = ", ".join(["self", *params, *(["*", *keyword] if keyword else [])])
    return f"def __init__({signature}):\n" + "".join(f"    {b}\n" for b in body or ["pass"])


def _values(obj: str, names: list[str]) -> str:
    """`(obj.a, obj.b,)`: a tuple even of one field or none, as `@dataclass` compares."""
    return "(" + "".join(f"{obj}.{name}," for name in names) + ")"


def _eq_source(cls: type, names: dict[str, object]) -> str:
    compared = [f.name for f in dataclasses.fields(cls) if f.compare]
    return (
        "def __eq__(self, other):\n"
        "    if other.__class__ is self.__class__:\n"
        f"        return {_values('self', compared)} == {_values('other', compared)}\n"
        "    return NotImplemented\n"
    )


def _hash_source(cls: type, names: dict[str, object]) -> str:
    hashed = [f.name for f in dataclasses.fields(cls) if (f.compare if f.hash is None else f.hash)]
    return f"def __hash__(self):\n    return hash({_values('self', hashed)})\n"


_SOURCES: dict[str, Callable[[type, dict[str, object]], str]] = {
    "__init__": _init_source,
    "__eq__": _eq_source,
    "__hash__": _hash_source,
}


def compile_method(cls: type, name: str) -> Callable[..., Any]:
    """Compile `cls`'s method `name` (`__init__`, `__eq__` or `__hash__`)."""
    names: dict[str, object] = {}
    source = _SOURCES[name](cls, names)
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<record {cls.__qualname__}>", "exec"), names, namespace)
    method: Callable[..., Any] = namespace[name]
    method.__qualname__ = f"{cls.__qualname__}.{name}"
    return method


class _NoValue:
    def __repr__(self) -> str:
        return "<factory default>"


_NO_VALUE = _NoValue()

__all__ = ["Record", "compile_method", "record"]
