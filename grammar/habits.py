"""SQL habits in p-SQL: the hint that names the p-SQL spelling of what a SQL writer typed.

Models and people reach for SQL: `COUNT(DISTINCT x)`, `EXTRACT(YEAR FROM d)`, `CAST(x AS INT)`,
`HAVING`, `a == 1`, `DERIVE AVG(x) AS m`. A generic "expected one of ..." list does not say
what to write instead; these hints do, from the text around the unexpected token.

    >>> function_hint("PERCENTILE_CONT")
    'p-SQL writes QUANTILE(value, q), e.g. QUANTILE(price, 0.5) (MEDIAN(price) for q = 0.5)'
    >>> syntax_hints("AGGREGATE n = COUNT(DISTINCT species)", 29, "species")
    ['count distinct values with COUNT_DISTINCT(species)']

Exact synonyms (`STDDEV_SAMP` for `STD`) are registry aliases instead (grammar/ops/).
"""

from __future__ import annotations

import re

_PARTS = {
    "YEAR": "YEAR",
    "QUARTER": "QUARTER",
    "MONTH": "MONTH",
    "DAY": "DAY",
    "HOUR": "HOUR",
    "MINUTE": "MINUTE",
    "DOW": "WEEKDAY",
    "DAYOFWEEK": "WEEKDAY",
    "WEEKDAY": "WEEKDAY",
}
_CAST_TYPES = {
    "INT": "integer",
    "INTEGER": "integer",
    "BIGINT": "integer",
    "SMALLINT": "integer",
    "FLOAT": "float",
    "DOUBLE": "float",
    "REAL": "float",
    "NUMERIC": "decimal",
    "DECIMAL": "decimal",
    "VARCHAR": "string",
    "TEXT": "string",
    "STRING": "string",
    "CHAR": "string",
    "BOOLEAN": "boolean",
    "BOOL": "boolean",
    "DATE": "date",
    "TIMESTAMP": "datetime",
    "DATETIME": "datetime",
}
_EXTRACT = "YEAR(d), QUARTER(d), MONTH(d), DAY(d), WEEKDAY(d), HOUR(t), MINUTE(t)"

# SQL (and pandas) function names without an exact p-SQL synonym: what to write instead.
_FUNCTIONS = {
    "PERCENTILE_CONT": (
        "p-SQL writes QUANTILE(value, q), e.g. QUANTILE(price, 0.5) (MEDIAN(price) for q = 0.5)"
    ),
    "PERCENTILE_DISC": "p-SQL writes QUANTILE(value, q) (interpolated), e.g. QUANTILE(price, 0.5)",
    "STDDEV_POP": "p-SQL has the sample standard deviation STD(x) (n - 1) only",
    "VAR_POP": "p-SQL has the sample variance VAR(x) (n - 1) only",
    "EXTRACT": f"p-SQL has one function per part: {_EXTRACT}",
    "DATE_PART": f"p-SQL has one function per part: {_EXTRACT}",
    "DISTINCT": "count distinct values with COUNT_DISTINCT(x); the DISTINCT step removes rows",
    "IFNULL": "p-SQL writes COALESCE(x, fallback)",
    "NVL": "p-SQL writes COALESCE(x, fallback)",
    "IIF": "p-SQL writes IF(condition, then, else)",
    "TO_DATE": "p-SQL reads dates from text with PARSE_DATE(x, format => '%d/%m/%Y')",
    "STRPTIME": "p-SQL reads dates from text with PARSE_DATE(x, format => '%d/%m/%Y')",
}


# SQL clauses a model writes as steps (JSON `"op"`, or a text line): the p-SQL step instead.
_STEPS = {
    "HAVING": "a condition on groups is a FILTER after the GROUP_BY",
    "UNION": "there is no UNION in p-SQL (JOIN and LOOKUP add columns from another table)",
    "TOP": "the first rows are LIMIT n (after a SORT)",
    "RENAME": "SELECT renames: SELECT old AS new, other",
    "COUNT": "counting is an aggregate: AGGREGATE n = COUNT(*) (per group: GROUP_BY k COMPUTE)",
}


def function_hint(name: str) -> str | None:
    """What to write instead of the unknown SQL function `name`, if it is a known habit."""
    return _FUNCTIONS.get(name.strip().upper())


def step_hint(name: str) -> str | None:
    """What to write instead of the unknown step `name` (a SQL clause), if it is a habit."""
    return _STEPS.get("_".join(name.upper().split()))


def syntax_hints(text: str, start: int, token: str) -> list[str]:
    """Hints for the unexpected `token` at offset `start` of `text`, read from its context."""
    before = text[:start]
    upper = token.upper()
    line = text[text.rfind("\n", 0, start) + 1 : _line_end(text, start)]
    hints: list[str] = []
    if re.search(r"\bCOUNT\s*\(\s*DISTINCT\s*$", before, re.IGNORECASE):
        hints.append(f"count distinct values with COUNT_DISTINCT({token})")
    elif (part := re.search(r"\b(?:EXTRACT|DATE_PART)\s*\(\s*(\w+)\s*$", before, re.I)) and (
        upper == "FROM"
    ):
        function = _PARTS.get(part.group(1).upper())
        source = re.match(r"FROM\s+([^()]+?)\s*\)", text[start:], re.IGNORECASE)
        value = source.group(1) if source else "x"
        hints.append(f"write {function}({value})" if function else f"p-SQL has {_EXTRACT}")
    elif upper == "AS" and (cast := re.search(r"\b((?:TRY_)?CAST)\s*\(([^()]*)$", before, re.I)):
        target = re.match(r"AS\s+(\w+)", text[start:], re.IGNORECASE)
        kind = _CAST_TYPES.get(target.group(1).upper(), "integer") if target else "integer"
        call = f"{cast.group(1).upper()}({cast.group(2).strip()}, '{kind}')"
        hints.append(
            f"the type is the second argument: {call} (integer, float, decimal, string, "
            "boolean, date, datetime)"
        )
    elif token == "=" and before.endswith("="):
        hints.append("equality is one `=`: `a = 1` (and `!=` or `<>` for not equal)")
    elif upper == "HAVING":
        hints.append(
            "a condition on groups is a FILTER after the GROUP_BY: "
            "GROUP_BY k COMPUTE n = COUNT(*), then FILTER n > 5"
        )
    elif upper == "FROM":
        hints.append("the table is named once, on the first line: FROM table, then the steps")
    elif upper == "UNION":  # anywhere, not only where a step starts
        hints.append(_STEPS["UNION"])
    elif (step := step_hint(upper)) and re.search(r"(?:^|\n)[ \t]*$", before):
        hints.append(step)  # a SQL clause where a step starts
    elif re.search(r"\bSELECT\s+DISTINCT\s*$", before, re.IGNORECASE):
        hints.append(f"DISTINCT is a step of its own: DISTINCT {token} (keeps only those columns)")
    elif token == "*" and re.search(r"\bSELECT\s*$", before, re.IGNORECASE):
        hints.append("every column is kept without a SELECT: leave the step out")
    elif re.search(r"\bSORT\s+BY\s*$", before, re.IGNORECASE):
        hints.append("SORT takes the keys directly: SORT x DESC (or ORDER BY x DESC)")
    return hints or _as_hints(line, upper)


def character_hints(text: str, position: int) -> list[str]:
    """Hints for an unexpected character: C and SQL operators p-SQL spells otherwise."""
    pair = text[position : position + 2]
    if pair == "&&":
        return ["p-SQL writes AND: `a > 1 AND b < 2`"]
    if pair == "||":
        return ["p-SQL writes OR for `||` between conditions, and CONCAT(a, b) to join text"]
    return []


def _as_hints(line: str, upper: str) -> list[str]:
    """`AS` where p-SQL writes `name = expression` (only SELECT renames with AS)."""
    step = re.match(r"\s*(\w+)", line)
    keyword = step.group(1).upper() if step else ""
    computes = keyword in ("DERIVE", "MUTATE", "AGGREGATE", "WINDOW") or re.search(
        r"\bCOMPUTE\b", line, re.IGNORECASE
    )
    if computes and (upper == "AS" or re.search(r"\)\s+AS\s+\w+", line, re.IGNORECASE)):
        return [
            "name a computed column with `name = expression`: DERIVE m = AVG(x), not AVG(x) AS m"
        ]
    if keyword == "SELECT" and upper in ("(", "+", "-", "*", "/"):
        return [
            "SELECT only keeps and renames columns: compute first (DERIVE m = x * 2; aggregates "
            "with AGGREGATE or GROUP_BY ... COMPUTE), then SELECT m"
        ]
    if keyword in ("SORT", "GROUP_BY") and upper == "(":
        return _keyed_by_a_call(line, keyword)
    return []


def _keyed_by_a_call(line: str, keyword: str) -> list[str]:
    """SORT and GROUP_BY take column names, where SQL's ORDER BY and GROUP BY take
    expressions: the model's own call, named by a DERIVE first (`SORT SUB_ABS(a, 4.3) DESC`,
    `GROUP_BY YEAR(month)`: Qwen2.5-Coder 1.5B, docs/evaluation.md)."""
    found = re.search(r"^\s*\w+\s+(\w+\s*\()", line)
    if not found:
        return []
    start, depth = found.start(1), 0
    for end in range(found.end(1) - 1, len(line)):
        depth += {"(": 1, ")": -1}.get(line[end], 0)
        if depth == 0:
            break
    else:
        return []  # the call does not close on this line
    call, rest = line[start : end + 1], line[end + 1 :].strip()
    name = "k" if keyword == "SORT" else found.group(1).strip("( ").lower()
    tail = rest if rest.startswith(",") else f" {rest}" if rest else ""
    return [
        f"{keyword} takes column names: compute the key first, DERIVE {name} = {call}, then "
        f"{keyword} {name}{tail}"
    ]


def _line_end(text: str, start: int) -> int:
    end = text.find("\n", start)
    return len(text) if end < 0 else end


__all__ = ["character_hints", "function_hint", "step_hint", "syntax_hints"]
