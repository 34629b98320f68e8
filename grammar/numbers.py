"""The ranges numbers and strings must lie in, checked wherever a plan is read (text, JSON, repair).

Every integer in a plan runs on 64-bit engines (polars `Int64`, DuckDB `BIGINT`), so an
integer literal outside that range is refused when it is read, with a diagnostic that names
the limit (E157), instead of failing inside the engine. Integers too long for Python to
convert (more than 4,300 digits) are read as `LongInteger`, a marker that never holds the
digits' value, so no stage ever calls `int()` or `str()` on them.

    >>> int_problem(2**63), int_problem(-(2**63))
    ('integers must be between -9223372036854775808 and 9223372036854775807', None)
    >>> read_int("1" * 5000)
    LongInteger(digits=5000)
    >>> describe_number(10**50), describe_number(read_int("9" * 5000)), describe_number(12)
    ('an integer of 51 digits', 'an integer of 5000 digits', '12')

Strings must be valid Unicode: a lone surrogate (`"\\ud800"` in JSON, or a Python `str` built
in code) cannot be encoded, so every engine rejects it; `first_surrogate` finds one.
"""

from __future__ import annotations

import re

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
# polars numbers rows with a u32 index: no table has more rows, no string more characters.
ROW_INDEX_MAX = 2**32 - 1
# REGEXP_EXTRACT's group: far beyond any pattern a plan writes, small enough for every engine.
MAX_REGEX_GROUP = 999
# Beyond this many digits an integer is refused without converting it (Python's own limit on
# int <-> str conversion is 4,300 digits; nothing near it fits in 64 bits anyway).
MAX_INT_DIGITS = 400
# Longest rendering of a number inside a diagnostic; longer ones are described by size.
_SHOWN_DIGITS = 40
_SURROGATE = re.compile("[\ud800-\udfff]")


class LongInteger(float):
    """An integer literal with too many digits to convert: infinite, and knows its length."""

    __slots__ = ("digits",)
    digits: int

    def __new__(cls, digits: int, negative: bool = False) -> LongInteger:
        made = super().__new__(cls, "-inf" if negative else "inf")
        made.digits = digits
        return made

    def __repr__(self) -> str:
        return f"LongInteger(digits={self.digits})"


def read_int(text: str) -> int | LongInteger:
    """`int(text)` for a decimal integer, a `LongInteger` past `MAX_INT_DIGITS` digits."""
    body = text.lstrip("+-").lstrip("0")
    if len(body) > MAX_INT_DIGITS:
        return LongInteger(len(body), text.startswith("-"))
    return int(text)


def describe_number(value: float) -> str:
    """A number as a diagnostic shows it: exactly when short, by its size otherwise."""
    if isinstance(value, LongInteger):
        return f"an integer of {value.digits} digits"
    if isinstance(value, int) and value.bit_length() > 3.33 * _SHOWN_DIGITS:
        if value.bit_length() > 3.32 * MAX_INT_DIGITS:  # str() of it may be refused by Python
            return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
        return f"an integer of {len(str(abs(value)))} digits"
    return str(value) if isinstance(value, int) else repr(value)


def int_problem(value: int | LongInteger) -> str | None:
    """Why an integer literal cannot run (outside 64 bits), or None."""
    if isinstance(value, LongInteger) or not INT64_MIN <= value <= INT64_MAX:
        return f"integers must be between {INT64_MIN} and {INT64_MAX}"
    return None


def int_hint(value: float) -> str:
    """The hint for an integer outside 64 bits: a float keeps the magnitude (not the digits)."""
    if isinstance(value, LongInteger) or abs(value) > 1e300:
        return "integers are 64-bit; write a number this large as a float, e.g. 1e30"
    return f"integers are 64-bit; write a larger number as a float, e.g. {float(value):.3e}"


# A JSON escape that may decode to a surrogate (`\uD800`-`\uDFFF`, either case). A valid
# pair (an emoji) matches too, and so does an escaped backslash before `ud800`: a false alarm
# only sends the parsed value to the slower check, it never lets a lone surrogate through.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def json_text_is_valid_unicode(text: str) -> bool:
    """Whether `json.loads(text)` surely holds no lone surrogate: no raw surrogate in the text
    and no escape that could decode to one (one regex pass each, no dump of the value)."""
    return _SURROGATE.search(text) is None and _SURROGATE_ESCAPE.search(text) is None


def first_surrogate(text: str) -> int | None:
    """The index of the first lone surrogate in `text` (not valid Unicode), or None."""
    found = _SURROGATE.search(text)
    return None if found is None else found.start()


__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "MAX_INT_DIGITS",
    "MAX_REGEX_GROUP",
    "ROW_INDEX_MAX",
    "LongInteger",
    "describe_number",
    "first_surrogate",
    "int_hint",
    "int_problem",
    "json_text_is_valid_unicode",
    "read_int",
]
