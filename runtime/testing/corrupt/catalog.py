"""A catalog of the ways model output breaks, as functions over canonical plan JSON.

Each corruption is `(canonical_json_text, random.Random) -> str`, named after what models do:

    >>> import random
    >>> CORRUPTIONS["early_close"]('{"op":"SUB_ABS","left":"a","right":"b"}', random.Random(0))
    '{"op":"SUB_ABS","left":"a"},"right":"b"}'

A corruption that has nothing to act on (no number for `nan`, no op with an alias for
`op_alias`) returns the text unchanged; callers count those as "not applicable".
`corrupted_plans` (a hypothesis strategy: hypothesis is needed to call it) applies one or
several corruptions in `CORRUPTIONS` order: value edits first, then quoting style, structure,
wrappers, and truncation last, as a model would produce them.

Two corruptions would turn a plan into *another valid plan* in canonical form, which no repair
can notice; they are left out on purpose (docs/repair.md, "Collisions"):
- removing `op` from `CAST`/`TRY_CAST` whose `type` is also a literal type
  (`{"op":"CAST","value":"x","type":"date"}` minus `op` is the date literal `x`);
- deleting the comma between two bare scalars in compact JSON (`[1,2]` -> `[12]`): the
  comma becomes a space instead, as in spaced JSON.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pesql.grammar.jsonform import dumps, to_json
from pesql.runtime.testing.corrupt import structure as S
from pesql.runtime.testing.corrupt import values as V

if TYPE_CHECKING:
    from hypothesis import strategies as st
    from pesql.grammar.ast import Plan

Corruption = Callable[[str, random.Random], str]

# In application order (a later corruption reads what the earlier ones wrote).
CORRUPTIONS: dict[str, Corruption] = {
    "op_case": V.op_case,
    "op_alias": V.op_alias,
    "missing_op": V.missing_op,
    "duplicate_key_same": V.duplicate_key_same,
    "duplicate_key_different": V.duplicate_key_different,
    "nan": V.nan,
    "single_quotes": V.single_quotes,
    "unquoted_keys": V.unquoted_keys,
    "python_literals": V.python_literals,
    "early_close": S.early_close,
    "split_step": S.split_step,
    "trailing_comma": S.trailing_comma,
    "missing_comma": S.missing_comma,
    "wrapped_in_array": S.wrapped_in_array,
    "comments": S.comments,
    "double_encoded": S.double_encoded,
    "code_fence_prose": S.code_fence_prose,
    "truncate": S.truncate,
}

# Classes after which a repair can still be exact and trusted; the others lose information on
# purpose (truncation), carry no safe meaning (NaN), or are ambiguous (two values for one key).
LOSSLESS: frozenset[str] = frozenset(CORRUPTIONS) - {"truncate", "nan", "duplicate_key_different"}


def canonical_text(plan: Plan) -> str:
    """The canonical JSON text of a plan: what corruptions start from."""
    return dumps(to_json(plan))


def corrupt(text: str, classes: Sequence[str], rng: random.Random) -> str:
    """Apply `classes` to `text` in catalog order."""
    for name in CORRUPTIONS:
        if name in classes:
            text = CORRUPTIONS[name](text, rng)
    return text


def corrupted_plans(
    plans: st.SearchStrategy[Plan],
    classes: Sequence[str] | None = None,
    max_classes: int = 3,
) -> st.SearchStrategy[tuple[Plan, str, tuple[str, ...]]]:
    """(original plan, corrupted text, corruption classes applied), one to `max_classes` of
    `classes` (default: the whole catalog) per example."""
    from hypothesis import strategies as st

    pool = list(classes if classes is not None else CORRUPTIONS)

    @st.composite
    def build(draw: st.DrawFn) -> tuple[Plan, str, tuple[str, ...]]:
        plan = draw(plans)
        chosen = draw(
            st.lists(st.sampled_from(pool), min_size=1, max_size=max_classes, unique=True)
        )
        seed = draw(st.integers(0, 2**32 - 1))
        ordered = tuple(name for name in CORRUPTIONS if name in chosen)
        return plan, corrupt(canonical_text(plan), ordered, random.Random(seed)), ordered

    return build()


__all__ = [
    "CORRUPTIONS",
    "LOSSLESS",
    "Corruption",
    "canonical_text",
    "corrupt",
    "corrupted_plans",
]
