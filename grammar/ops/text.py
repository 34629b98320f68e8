"""Text functions. Patterns are literal strings (never columns), which keeps plans checkable.

Regular expressions use polars' (Rust `regex`) syntax: linear time, no look-around or
back-references.
"""

from __future__ import annotations

from dataclasses import field

from pesql.grammar.ast import Call, Expr
from pesql.grammar.declare import Traits, operation
from pesql.grammar.numbers import MAX_REGEX_GROUP, ROW_INDEX_MAX
from pesql.grammar.record import record
from pesql.grammar.types import ANY, DURATION, STRING, sig


@record
class TextUnary(Call):
    value: Expr


@operation(
    "UPPER",
    category="scalar",
    describe="text in upper case",
    example="UPPER(name)",
    signature=sig("string", value=STRING),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Upper(TextUnary):
    __slots__ = ()


@operation(
    "LOWER",
    category="scalar",
    describe="text in lower case",
    example="LOWER(name)",
    signature=sig("string", value=STRING),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Lower(TextUnary):
    __slots__ = ()


@operation(
    "LENGTH",
    category="scalar",
    describe="number of characters",
    example="LENGTH(name)",
    signature=sig("integer", value=STRING),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Length(TextUnary):
    __slots__ = ()


@operation(
    "TRIM",
    category="scalar",
    describe="text without leading and trailing whitespace",
    example="TRIM(name)",
    signature=sig("string", value=STRING),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Trim(TextUnary):
    __slots__ = ()


@operation(
    "CONCAT",
    category="scalar",
    describe="arguments as text, joined; null arguments count as empty text",
    example="CONCAT(first_name, ' ', last_name)",
    signature=sig("string", nulls="never", args=ANY),
    traits=Traits(fails="never", commutes=False, variadic=True, conditional=False, negation=None),
)
@record
class Concat(Call):
    args: tuple[Expr, ...]


@operation(
    "SUBSTRING",
    category="scalar",
    describe="`length` characters from position `start` (1-based; to the end without length)",
    example="SUBSTRING(code, 1, 3)",
    signature=sig("string", value=STRING),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
@record
class Substring(Call):
    value: Expr
    start: int = field(metadata={"min": 1, "max": ROW_INDEX_MAX})
    length: int | None = field(default=None, metadata={"min": 0, "max": ROW_INDEX_MAX})


@operation(
    "REPLACE",
    category="scalar",
    describe="every occurrence of `old` replaced by `new`",
    example="REPLACE(name, 'St.', 'Street')",
    signature=sig("string", value=STRING),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
@record
class Replace(Call):
    value: Expr
    old: str
    new: str


@record
class TextMatch(Call):
    value: Expr
    pattern: str
    ignore_case: bool = False


@operation(
    "CONTAINS",
    category="scalar",
    describe="text contains `pattern` (plain text)",
    example="CONTAINS(name, 'ice', ignore_case => TRUE)",
    signature=sig("boolean", value=STRING),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class Contains(TextMatch):
    __slots__ = ()


@operation(
    "STARTS_WITH",
    category="scalar",
    describe="text starts with `pattern` (plain text)",
    example="STARTS_WITH(name, 'Dr')",
    signature=sig("boolean", value=STRING),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class StartsWith(TextMatch):
    __slots__ = ()


@operation(
    "ENDS_WITH",
    category="scalar",
    describe="text ends with `pattern` (plain text)",
    example="ENDS_WITH(email, '.org')",
    signature=sig("boolean", value=STRING),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class EndsWith(TextMatch):
    __slots__ = ()


@operation(
    "REGEXP_MATCH",
    category="scalar",
    describe="text matches the regular expression somewhere",
    example="REGEXP_MATCH(code, '^[A-Z]{2}[0-9]+$')",
    signature=sig("boolean", value=STRING),
    traits=Traits(
        fails="pattern", commutes=False, variadic=False, conditional=False, negation=None
    ),
)
@record
class RegexpMatch(Call):
    value: Expr
    pattern: str


@operation(
    "REGEXP_EXTRACT",
    category="scalar",
    describe="capture `group` of the first match (null when there is none)",
    example="REGEXP_EXTRACT(title, '([0-9]{4})')",
    signature=sig("string", nulls="always", value=STRING),
    traits=Traits(
        fails="pattern", commutes=False, variadic=False, conditional=False, negation=None
    ),
)
@record
class RegexpExtract(Call):
    value: Expr
    pattern: str
    group: int = field(default=1, metadata={"min": 0, "max": MAX_REGEX_GROUP})


@operation(
    "REGEXP_REPLACE",
    category="scalar",
    describe="every match replaced by `replacement` ($1 refers to a group)",
    example="REGEXP_REPLACE(phone, '[^0-9]', '')",
    signature=sig("string", value=STRING),
    traits=Traits(
        fails="pattern", commutes=False, variadic=False, conditional=False, negation=None
    ),
)
@record
class RegexpReplace(Call):
    value: Expr
    pattern: str
    replacement: str


@operation(
    "PARSE_NUMBER",
    category="scalar",
    describe="number read from text such as '1,234.5', '$12', '45%' or '12[3]' (null if none)",
    example="PARSE_NUMBER(population)",
    signature=sig("float", nulls="always", value=STRING),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class ParseNumber(TextUnary):
    __slots__ = ()


@operation(
    "PARSE_DATE",
    category="scalar",
    describe="date read from text with a strftime `format` (ISO without one; null if invalid)",
    example="PARSE_DATE(day, format => '%d/%m/%Y')",
    signature=sig("date", nulls="always", value=STRING),
    traits=Traits(
        fails="with_format", commutes=False, variadic=False, conditional=False, negation=None
    ),
)
@record
class ParseDate(Call):
    value: Expr
    format: str | None = None


@operation(
    "PARSE_DURATION",
    category="scalar",
    describe="duration read from 'm:ss' or 'h:mm:ss' text (null if invalid)",
    example="PARSE_DURATION(time)",
    signature=sig("duration", nulls="always", value=STRING),
    # '99999999:00:00' holds more microseconds than int64 can: an error (in DuckDB too), not null.
    traits=Traits(fails="values", commutes=False, variadic=False, conditional=False, negation=None),
)
class ParseDuration(TextUnary):
    __slots__ = ()


@operation(
    "TOTAL_SECONDS",
    category="scalar",
    describe="a duration as a number of seconds",
    example="TOTAL_SECONDS(PARSE_DURATION(time))",
    signature=sig("float", value=DURATION),
    traits=Traits(fails="never", commutes=False, variadic=False, conditional=False, negation=None),
)
class TotalSeconds(TextUnary):
    __slots__ = ()
