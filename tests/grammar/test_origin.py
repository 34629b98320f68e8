"""JSON pointers (grammar/origin.py): RFC 6901 escaping, and the table of children kept
between plans (`Pointer.child`), which must give what building the pointer gives."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pesql.grammar.origin import Pointer, Span

PARTS = st.one_of(st.text(max_size=6), st.integers(-3, 20), st.booleans())


def built(parent: str, parts: list[str | int]) -> str:
    path = parent
    for part in parts:
        path += "/" + str(part).replace("~", "~0").replace("/", "~1")
    return path


@given(st.text(max_size=6).map(lambda t: "" if not t else "/" + t), st.lists(PARTS, max_size=4))
def test_a_child_is_the_pointer_built_for_it(parent: str, parts: list[str | int]) -> None:
    one_by_one = Pointer(parent)
    for part in parts:
        one_by_one = one_by_one.child(part)
    assert one_by_one.path == built(parent, parts)
    assert Pointer(parent).child(*parts).path == built(parent, parts)


def test_equal_parts_of_other_classes_are_other_children() -> None:
    root = Pointer("/steps")
    assert [root.child(1).path, root.child(True).path, root.child("1").path] == [
        "/steps/1",
        "/steps/True",
        "/steps/1",
    ]
    assert root.child(True).path == "/steps/True"  # from the table, after 1 was kept
    assert root.child("a/b~c").path == "/steps/a~1b~0c"


@given(st.tuples(*[st.integers(0, 10**6)] * 4))
def test_make_span_builds_the_span_the_constructor_builds(parts: tuple[int, int, int, int]) -> None:
    # The readers' fast constructor sets the slots itself: it must give the very same value,
    # and must be told when Span gains a field it does not set.
    import dataclasses
    import pickle

    from pesql.grammar.origin import make_span

    made, built = make_span(*parts), Span(*parts)
    assert [f.name for f in dataclasses.fields(Span)] == [
        "line", "column", "end_line", "end_column"
    ]  # fmt: skip
    assert type(made) is Span and made == built and hash(made) == hash(built)
    assert str(made) == str(built) and pickle.loads(pickle.dumps(made)) == built
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.line = 0  # type: ignore[misc]
