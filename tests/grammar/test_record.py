"""`@record` (grammar/record.py) behaves as the standard `@dataclass(frozen=True, ...)`.

Every record of the package (the AST's nodes, and the frozen values of every layer) is held
to a twin the standard decorator builds from the same field declarations: the same fields,
slots, docstring and constructor; the same repr, hash and equality on generated plans and on
a value of each other kind.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from typing import Any

import pytest
from hypothesis import given
from pesql.grammar import ast as A
from pesql.grammar.origin import Pointer
from pesql.grammar.record import Record, compile_method, record
from pesql.grammar.registry import all_ops
from pesql.runtime.testing.strategies.syntax import plans


def record_classes(root: type = A.Node) -> list[type[Any]]:
    """Every class with fields of its own under `root` (plain subclasses share their base's)."""
    found: list[type[Any]] = []
    todo: list[type[Any]] = [root]
    while todo:
        cls = todo.pop()
        if "__dataclass_fields__" in cls.__dict__:
            found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def all_records() -> list[type[Any]]:
    """Every record of the package: the nodes, and the frozen values of every layer that a
    run imports (origins, diagnostics, types, schemas, limits, compiled plans, tables)."""
    import pesql.compiler.backends.sql.lower
    import pesql.compiler.repair.repair
    import pesql.runtime.engine.execute
    import pesql.runtime.tables.table  # noqa: F401

    return record_classes(Record)


_TWINS: dict[type, type] = {}


def twin(cls: type) -> type:
    """The class the standard decorator makes from `cls`'s own field declarations, over the
    twin of its nearest base with fields."""
    if cls in _TWINS:
        return _TWINS[cls]
    base = next((b for b in cls.__mro__[1:] if "__dataclass_fields__" in b.__dict__), None)
    if "__dataclass_fields__" not in cls.__dict__:  # a plain subclass (ADD over Binary)
        assert base is not None
        plain = type(cls.__name__, (twin(base),), {"__slots__": (), "__module__": cls.__module__})
        plain.__qualname__ = cls.__qualname__
        _TWINS[cls] = plain
        return plain
    namespace: dict[str, Any] = {"__annotations__": {}, "__module__": cls.__module__}
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for name, hint in inspect.get_annotations(cls).items():
        f = fields.get(name)
        if f is None:
            continue  # a ClassVar
        namespace["__annotations__"][name] = hint
        namespace[name] = dataclasses.field(
            default=f.default,
            default_factory=f.default_factory,
            init=f.init,
            repr=f.repr,
            hash=f.hash,
            compare=f.compare,
            metadata=f.metadata,
            kw_only=f.kw_only,
        )
    for method in ("__post_init__", "__eq__", "__hash__", "__getstate__", "__setstate__"):
        if method in cls.__dict__ and cls.__dict__[method] is not None:
            namespace[method] = cls.__dict__[method]
    made = type(cls.__name__, (twin(base),) if base else (), namespace)
    made.__qualname__ = cls.__qualname__
    slots = "__slots__" in cls.__dict__
    made = dataclasses.dataclass(frozen=True, slots=slots)(made)
    _TWINS[cls] = made
    return made


def as_twin(value: Any) -> Any:
    """`value`'s fields in its class's standard-library twin (children stay as they are)."""
    init = {f.name: getattr(value, f.name) for f in dataclasses.fields(value) if f.init}
    return twin(type(value))(**init)


def field_facts(cls: type) -> list[tuple[object, ...]]:
    return [
        (f.name, f.default, f.default_factory, f.init, f.repr, f.hash, f.compare, f.kw_only)
        for f in dataclasses.fields(cls)
    ]


def test_every_node_class_is_a_record_with_its_twins_fields() -> None:
    classes = record_classes()
    assert len(classes) >= 60  # the AST's classes with fields: none missed by the walk
    for cls in classes:
        assert issubclass(cls, Record), cls
        assert cls.__match_args__ == ()  # type: ignore[attr-defined]


def test_every_record_has_its_twins_fields_slots_and_match_args() -> None:
    classes = all_records()
    assert len(classes) >= 100  # the nodes, and ~40 values of the other layers
    for cls in classes:
        other = twin(cls)
        assert cls.__dict__.get("__slots__") == other.__dict__.get("__slots__"), cls
        assert field_facts(cls) == field_facts(other), cls
        assert cls.__match_args__ == other.__match_args__, cls  # type: ignore[attr-defined]


def test_a_record_without_a_docstring_shows_its_constructor_as_the_standard_one() -> None:
    shown = [cls for cls in all_records() if cls.__doc__.startswith(cls.__name__ + "(")]
    assert len(shown) >= 40  # the operations declared without a docstring
    for cls in shown:
        assert cls.__doc__ == twin(cls).__doc__, cls


def sample_values() -> list[Any]:
    """A value of each kind of record outside the AST that the compile and a run build."""
    from pesql.compiler.check.schema import ColumnType, Schema
    from pesql.grammar.diagnostics import Diagnostic
    from pesql.grammar.origin import InString, Span
    from pesql.runtime.engine.limits import Limits

    span = Span(1, 2, 1, 5)
    return [
        span,
        Pointer("/steps/0"),
        InString(Pointer("/steps/0"), span),
        ColumnType("integer"),
        Schema.of({"a": "integer", "b": "string"}),
        Diagnostic.make("E201", name="x", origin=span),
        Limits(),
        Limits(max_rows=5, timeout_s=None),
    ]


def test_records_of_every_layer_compare_hash_and_show_as_their_twins() -> None:
    values = sample_values()
    for value in values:
        other = as_twin(value)
        assert repr(value) == repr(other)
        assert hash(value) == hash(other)
        assert pickle.loads(pickle.dumps(value)) == value
        assert copy.copy(value) == value
        with pytest.raises(dataclasses.FrozenInstanceError):
            object.__getattribute__(value, "__setattr__")("x", 1)
    for left in values:
        for right in values:
            if type(left) is type(right):
                assert (left == right) == (as_twin(left) == as_twin(right))


@given(plans())
def test_nodes_repr_hash_and_compare_as_the_standard_library_twins(plan: A.Plan) -> None:
    nodes = list(plan.walk())
    for node in nodes:
        other = as_twin(node)
        assert repr(node) == repr(other)
        assert hash(node) == hash(other)
        moved = A.replace(node, origin=Pointer("/elsewhere"))
        assert moved == node and hash(moved) == hash(node)  # origin is not compared
        assert pickle.loads(pickle.dumps(node)) == node
        assert copy.deepcopy(node) == node and copy.copy(node) == node
    for left in nodes[:12]:
        for right in nodes[:12]:
            assert (left == right) == (as_twin(left) == as_twin(right))


def test_a_node_is_frozen_and_its_errors_are_the_standard_ones() -> None:
    col = A.Col(name="a")
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'name'"):
        col.name = "b"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field 'name'"):
        del col.name  # type: ignore[misc]
    with pytest.raises(AttributeError):
        col.other = 1  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'name'"):
        A.Col()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="positional"):
        A.Col("a")  # type: ignore[misc]
    with pytest.raises(ValueError, match="finite"):  # __post_init__ still runs
        A.Lit(value=float("nan"))
    assert A.Lit(value=1.5).kind == "float"  # init=False field set by __post_init__
    plan = A.Plan()
    assert plan.steps == () and plan._hash is None  # defaults, and init=False with a default


def test_methods_are_compiled_on_first_use() -> None:
    @record
    class Pair(A.Expr):
        left: A.Expr
        right: A.Expr | None = None
        tags: tuple[str, ...] = dataclasses.field(default_factory=tuple)

    class Flipped(Pair):
        __slots__ = ()

    lazy = {name: Pair.__dict__[name] for name in ("__init__", "__eq__", "__hash__")}
    flipped = Flipped(left=A.Col(name="x"))  # a plain subclass builds its base's constructor
    compiled = Pair.__dict__["__init__"]
    assert compiled is not lazy["__init__"] and "__init__" not in Flipped.__dict__
    assert Pair.__dict__["__eq__"] is lazy["__eq__"]  # not compared yet
    assert (
        flipped == Flipped(left=A.Col(name="x")) and Pair.__dict__["__eq__"] is not lazy["__eq__"]
    )
    assert hash(flipped) == hash((A.Col(name="x"), None, ()))
    assert Pair.__dict__["__hash__"] is not lazy["__hash__"]
    assert flipped.right is None and flipped.tags == () and type(flipped) is Flipped
    assert Pair(left=A.Col(name="x"), tags=("a",)).tags == ("a",)
    assert Pair.__dict__["__init__"] is compiled
    assert flipped != Pair(left=A.Col(name="x"))  # equality compares classes
    shown = "Flipped(left=Col(name='x'), right=None, tags=())"
    assert repr(flipped) == f"test_methods_are_compiled_on_first_use.<locals>.{shown}"


def parameters(init: Any) -> tuple[tuple[str, ...], tuple[str, ...], dict[str, object]]:
    """(positional names, keyword-only names, defaults but factories' markers)."""
    code = init.__code__
    names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    defaults = {k: v for k, v in (init.__kwdefaults__ or {}).items() if "factory" not in repr(v)}
    return names[: code.co_argcount], names[code.co_argcount :], defaults


def test_the_compiled_constructor_takes_what_the_standard_one_takes() -> None:
    for cls in record_classes():
        ours = parameters(compile_method(cls, "__init__"))
        standard = parameters(twin(cls).__init__)
        assert ours == standard, cls
        assert ours[0] == ("self",)


def test_only_records_derive_records() -> None:
    with pytest.raises(TypeError, match="must derive from Record"):

        @record
        class Loose:
            x: int

    with pytest.raises(TypeError, match="frozen dataclass from a non-frozen one"):

        @dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
        class Standard(A.Expr):
            x: int


def test_every_registered_operation_is_a_record() -> None:
    classes = [spec.cls for spec in all_ops()]
    assert len(classes) > 100 and all(issubclass(cls, Record) for cls in classes)


def test_a_body_that_writes_eq_alone_still_hashes_and_one_that_refuses_stays_refused() -> None:
    # As @dataclass(frozen=True): Python sets `__hash__ = None` beside a written `__eq__`, and
    # the decorator adds the fields' hash; an explicit `__hash__ = None` is kept.
    @record(kw_only=False)
    class Loose(Record):
        x: int

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Loose) and abs(self.x - other.x) <= 1

    @record(kw_only=False, slots=False)
    class Unhashable(Record):
        x: int
        __hash__ = None  # type: ignore[assignment]

    assert Loose(1) == Loose(2) and hash(Loose(1)) == hash((1,))
    with pytest.raises(TypeError, match="unhashable"):
        hash(Unhashable(1))
    assert Unhashable(1) == Unhashable(1) and Unhashable(1).__dict__ == {"x": 1}
