"""Corruptions of structure and framing: objects closed early or split, commas, comments,
prose and fences around the JSON, JSON inside a string, wrappers, and truncation.

Part of the corruption catalog (`corruptions.py`); each function is
`(json_text, random.Random) -> str` and returns the text unchanged when it has nothing to act on.

    >>> import random
    >>> split_step('[{"op":"FILTER","where":"ok"}]', random.Random(0))
    '[{"op":"FILTER"},{"where":"ok"}]'
"""

from __future__ import annotations

import json
import random

from pesql.compiler.repair.json.layout import Container, Layout

_PROSE = ("Here is the plan:", "Sure! I'll query the table.", "The answer:", "Plan")
_AFTER = ("Let me know if you need anything else.", "This returns the rows you asked for.")
# A leading space: the tolerant tokenizer ends a bare word only at space + comment start.
_COMMENTS = (" /* step */ ", " // the filter\n", " # keep these\n", " /* TODO: check */ ")


def early_close(text: str, rng: random.Random) -> str:
    """`}` before an object's last property: `{"a":1},"b":2}`."""
    layout = Layout.of(text)
    objects = [o for o in layout.objects if len(o.props) >= 2 and o.end >= 0]
    if not objects:
        return text
    obj = rng.choice(objects)
    at = obj.props[-2].value_end
    return text[:at] + "}" + text[at:]


def split_step(text: str, rng: random.Random) -> str:
    """An array item split in two objects at a property boundary: `{"a":1},{"b":2}`."""
    layout = Layout.of(text)
    objects = [o for o in layout.objects if o.in_array and len(o.props) >= 2 and o.end >= 0]
    if not objects:
        return text
    obj = rng.choice(objects)
    j = rng.randrange(1, len(obj.props))
    start, end = obj.props[j - 1].value_end, obj.props[j].key_start
    return text[:start] + "},{" + text[end:]


def _closed(layout: Layout) -> list[Container]:
    full = [o for o in layout.objects if o.props and o.end >= 0]
    return full + [a for a in layout.arrays if a.items and a.end >= 0]


def trailing_comma(text: str, rng: random.Random) -> str:
    """A comma before `}` or `]`: `[1,2,]`."""
    boxes = _closed(Layout.of(text))
    if not boxes:
        return text
    at = rng.choice(boxes).end
    return text[:at] + "," + text[at:]


def missing_comma(text: str, rng: random.Random) -> str:
    """A comma left out; between two bare scalars it becomes a space (see `corruptions`)."""
    layout = Layout.of(text)
    if not layout.commas:
        return text
    at = rng.choice(layout.commas)
    before, after = text[:at].rstrip()[-1:], text[at + 1 :].lstrip()[:1]
    bare = (before.isalnum() or before in "._-") and (after.isalnum() or after in "-.")
    return text[:at] + (" " if bare else "") + text[at + 1 :]


def comments(text: str, rng: random.Random) -> str:
    """One or two comments (`//`, `/* */`, `#`) after a `{`, `[` or `,`."""
    layout = Layout.of(text)
    spots = sorted(
        [b.start + 1 for b in layout.objects + layout.arrays] + [c + 1 for c in layout.commas]
    )
    if not spots:
        return text
    for at in sorted(rng.sample(spots, min(len(spots), rng.randint(1, 2))), reverse=True):
        text = text[:at] + rng.choice(_COMMENTS) + text[at:]
    return text


def code_fence_prose(text: str, rng: random.Random) -> str:
    """Prose before and/or after the JSON, with or without a ```json fence."""
    fence = rng.random() < 0.7
    before = rng.choice(_PROSE) + "\n" if rng.random() < 0.7 or not fence else ""
    after = "\n" + rng.choice(_AFTER) if rng.random() < 0.5 else ""
    body = f"```{rng.choice(('json', ''))}\n{text}\n```" if fence else text
    return before + body + after


def double_encoded(text: str, rng: random.Random) -> str:
    """The arguments as a JSON string holding the JSON, with or without the outer quotes."""
    encoded = json.dumps(text, ensure_ascii=False)
    # Without its quotes, escaped JSON is only recognisable by its `\"`: text that is already
    # single-quoted would read as plain JSON with doubled backslashes.
    bare_ok = text.startswith(('{"', '["', '[{"'))
    return encoded[1:-1] if bare_ok and rng.random() < 0.5 else encoded


def wrapped_in_array(text: str, rng: random.Random) -> str:
    """The steps array alone when `table` is null (the wrapper dropped), else `[plan]`."""
    layout = Layout.of(text)
    root = next((o for o in layout.objects if o.start == len(text) - len(text.lstrip())), None)
    props = {p.key: p for p in root.props} if root is not None else {}
    table, steps = props.get("table"), props.get("steps")
    has_steps = steps is not None and steps.value_end > steps.value_start
    if has_steps and table is not None and text[table.value_start : table.value_end] == "null":
        assert steps is not None
        return text[steps.value_start : steps.value_end]
    return "[" + text + "]"


def truncate(text: str, rng: random.Random) -> str:
    """The output cut off at a random point (never empty, never the whole text)."""
    if len(text) < 2:
        return text
    return text[: rng.randrange(1, len(text))]


__all__ = [
    "code_fence_prose",
    "comments",
    "double_encoded",
    "early_close",
    "missing_comma",
    "split_step",
    "trailing_comma",
    "truncate",
    "wrapped_in_array",
]
