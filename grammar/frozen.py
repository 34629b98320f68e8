"""A hash computed once, for frozen dataclasses that are cache keys (`Plan`, `Schema`).

Hashing a frozen tree walks every node on every lookup; the compile cache hashes its key on
each call. The hash is kept in a `_hash` field (`init=False, compare=False`) set on first
use, and left out when pickled: str hashes are salted per process, so a hash from another
process (the service's workers) would be wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any


def cached_hash(obj: Any, key: Callable[[], object]) -> int:
    """`hash(key())`, computed once per object and kept in its `_hash` field."""
    found: int | None = obj._hash
    if found is None:
        found = hash(key())
        object.__setattr__(obj, "_hash", found)
    return found


def state_without_hash(obj: Any) -> list[object]:
    """The fields' values for pickling, the cached hash left out (`__getstate__`)."""
    return [None if f.name == "_hash" else getattr(obj, f.name) for f in fields(obj)]


def restore_state(obj: Any, state: list[object]) -> None:
    """Set the fields from `state_without_hash`'s list (`__setstate__`)."""
    for f, value in zip(fields(obj), state, strict=True):
        object.__setattr__(obj, f.name, value)


__all__ = ["cached_hash", "restore_state", "state_without_hash"]
