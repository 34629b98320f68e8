"""polars (Rust `regex`) patterns in each SQL engine's regex flavour, and the regex calls the
PARSE_ lowerings build from them.

The PARSE_ family is a chain of regex clean-ups written once for polars (numbers.py, text.py);
the SQL repeats the chain with the same patterns, translated where the flavours read the
same spelling differently:

| spelling | Rust (polars) | RE2 (DuckDB) | ARE (Postgres) | Java (Spark) |
|---|---|---|---|---|
| `\\s` | Unicode whitespace | ASCII | locale classes | ASCII |
| `\\d` | Unicode digits | ASCII | locale digits | ASCII |
| `.` | any but `\\n` | any but `\\n` | any, `\\n` too | any but 5 line breaks |
| `$` | end of text | end of text | end of text | also before a final line break |

So `\\s` becomes the explicit class of Rust's whitespace, `\\d` becomes `[0-9]` (a non-ASCII
digit makes polars' float cast fail anyway, so both give null), `.` becomes `[^\\n]` and, in
Java, `$` becomes `\\z`. Only the constructs the PARSE_ patterns use are translated (no `.`
or `$` inside a class there); the translation keeps escapes and classes as they are.

    >>> engine_regex(r"^\\((.*)\\)$", "spark")
    '^\\\\(([^\\n]*)\\\\)\\\\z'
"""

from __future__ import annotations

from pesql.compiler.backends.sql.exprs import number, string
from pesql.compiler.backends.sql.text import WHITESPACE, sql_replacement
from sqlglot import exp

SPACE = "[" + WHITESPACE + "]"  # Rust's Unicode `\s`


def engine_regex(pattern: str, dialect: str) -> str:
    r"""`pattern` (polars syntax) in `dialect`'s flavour: Unicode `\s`, ASCII `\d`, and for
    Postgres and Spark a `.` that stops at `\n`, for Spark a `$` that means the end."""
    out: list[str] = []
    i, class_from = 0, -1  # where the open character class's members start (-1: none)
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            pair = pattern[i : i + 2]
            out.append(pair if class_from >= 0 else {"\\s": SPACE, "\\d": "[0-9]"}.get(pair, pair))
            i += 2
            continue
        if class_from >= 0:
            if ch == "]" and i > class_from:  # a `]` first in the class is a member
                class_from = -1
        elif ch == "[":
            class_from = i + 2 if pattern[i + 1 : i + 2] == "^" else i + 1
        elif ch == "." and dialect in ("postgres", "spark"):
            ch = "[^\n]"
        elif ch == "$" and dialect == "spark":
            ch = "\\z"
        out.append(ch)
        i += 1
    return "".join(out)


def matches(value: exp.Expr, pattern: str, dialect: str) -> exp.Expr:
    return exp.RegexpLike(this=value, expression=string(engine_regex(pattern, dialect)))


def replace_first(value: exp.Expr, pattern: str, dialect: str, replacement: str = "") -> exp.Expr:
    """polars' `str.replace`: the first match only.

    Spark's REGEXP_REPLACE replaces every match; the patterns given here are anchored (`^`
    or `$`) and never match empty text, so there is only one match to replace."""
    regex, new = string(engine_regex(pattern, dialect)), string(sql_replacement(replacement))
    if dialect == "postgres":  # no flags: the first match (sqlglot adds a start position)
        return exp.Anonymous(this="REGEXP_REPLACE", expressions=[value, regex, new])
    if dialect == "spark":  # Java's replacement syntax is polars' (`$1`)
        assert pattern.startswith("^") or pattern.endswith("$"), pattern
        return exp.RegexpReplace(this=value, expression=regex, replacement=string(replacement))
    return exp.RegexpReplace(this=value, expression=regex, replacement=new, occurrence=number(1))


def replace_all(value: exp.Expr, pattern: str, dialect: str) -> exp.Expr:
    """polars' `str.replace_all(pattern, "")`."""
    regex = string(engine_regex(pattern, dialect))
    if dialect == "postgres":
        return exp.Anonymous(
            this="REGEXP_REPLACE", expressions=[value, regex, string(""), string("g")]
        )
    if dialect == "spark":  # Spark's REGEXP_REPLACE replaces every match
        return exp.RegexpReplace(this=value, expression=regex, replacement=string(""))
    return exp.RegexpReplace(
        this=value, expression=regex, replacement=string(""), modifiers=string("g")
    )


def group(value: exp.Expr, pattern: str, index: int, dialect: str) -> exp.Expr:
    """Capture group `index` of `pattern`'s match in `value` (only read where it matched)."""
    regex = string(engine_regex(pattern, dialect))
    if dialect == "postgres":  # REGEXP_MATCH returns the groups as an array (1-based)
        match = exp.Anonymous(this="REGEXP_MATCH", expressions=[value, regex])
        # sqlglot's Bracket index is 0-based and rendered 1-based for Postgres.
        return exp.Bracket(this=exp.Paren(this=match), expressions=[number(index - 1)])
    return exp.RegexpExtract(this=value, expression=regex, group=number(index))


__all__ = ["SPACE", "engine_regex", "group", "matches", "replace_all", "replace_first"]
