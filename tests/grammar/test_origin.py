"""JSON pointers (grammar/origin.py): RFC 6901 escaping, and the table of children kept
between plans (`Pointer.child`), which must give what building the pointer gives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from pesql.grammar.origin import Pointer

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
