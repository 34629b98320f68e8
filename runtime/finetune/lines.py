"""One line of a chat fine-tuning file, checked: shape, roles, tool calls, and every trained plan.

    >>> import json
    >>> import polars as pl
    >>> import pesql
    >>> from pesql.compiler.backends.polars.dtypes import schema_from_polars
    >>> from pesql.grammar.jsonform import dumps, to_json
    >>> from pesql.runtime.llm.profile import DEFAULT_PROFILE
    >>> def chat(question, plan):  # one training line: a question answered by a p-SQL call
    ...     arguments = dumps(to_json(pesql.parse(plan)))  # canonical JSON
    ...     call = {"id": "call_0", "type": "function",
    ...             "function": {"name": "query_table", "arguments": arguments}}
    ...     return json.dumps({"messages": [{"role": "user", "content": question},
    ...                                     {"role": "assistant", "tool_calls": [call]}]})
    >>> shop = {"shop": schema_from_polars(pl.Schema({"item": pl.String, "price": pl.Float64}))}
    >>> line = check_line(chat("Which item costs most?", "FROM shop SORT price DESC LIMIT 1"), 1,
    ...                   DEFAULT_PROFILE, shop)
    >>> line.problems, line.question, line.table
    ([], 'Which item costs most?', 'shop')
    >>> line = check_line(chat("Which item costs most?", "FROM shop SORT cost DESC LIMIT 1"), 2,
    ...                   DEFAULT_PROFILE, shop)
    >>> for diagnostic, pointer in line.problems:
    ...     print(pointer, diagnostic.message)
    /messages/1/tool_calls/0/function/arguments message 1: the plan fails on table `shop`: E201
    /steps/0/keys/0 unknown column `cost`
    >>> empty = check_line('{"messages": []}', 3, DEFAULT_PROFILE, schemas=None)
    >>> [(d.code, pointer) for d, pointer in empty.problems]
    [('E702', '/messages')]

Checks, in order, each reported with a JSON pointer within the line: keys of the example and of
each message (E702, E703), the conversation shape (optional system first, then user and
assistant turns, ending with the assistant), tool calls (E704), and for every assistant call of
the p-SQL function that is trained on (OpenAI's `weight`, default 1): arguments parse as JSON
(E705), fit the tool's JSON Schema with column names left open (E706), lower to a plan (E707),
are canonical (E709), name columns of the strict enum (E714, a warning: strict decoding could
not produce them), and type-check against the example's table when tables are known (E708).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pesql.compiler.check.check import check
from pesql.compiler.check.schema import Schema
from pesql.grammar.diagnostics import Diagnostic, PesqlError, Severity
from pesql.grammar.forms import from_form
from pesql.grammar.jsonform import dumps
from pesql.grammar.jsonschema import offered_columns, plan_schema
from pesql.runtime.finetune.schema import best_error, outside_enum, relaxed_validator
from pesql.runtime.llm.profile import Profile

__all__ = ["CheckedLine", "check_line"]

ROLE_KEYS = {
    "system": {"role", "content", "name"},
    "user": {"role", "content", "name"},
    "assistant": {"role", "content", "tool_calls", "weight", "name", "refusal"},
    "tool": {"role", "content", "tool_call_id"},
}
EXAMPLE_KEYS = {"messages", "tools", "parallel_tool_calls"}
Problem = tuple[Diagnostic, str]


@dataclass
class CheckedLine:
    """What the file-level checks need from a line: its question, table, calls and problems."""

    number: int
    problems: list[Problem] = field(default_factory=list)
    question: str | None = None
    context: str = ""  # system prompt and tools: a duplicate needs the same question *and* table
    arguments: list[str] = field(default_factory=list)  # canonical arguments of trained calls
    table: str | None = None

    def add(self, code: str, pointer: str, severity: Severity = "error", **kw: Any) -> None:
        self.problems.append((Diagnostic.make(code, severity=severity, **kw), pointer))


def check_line(
    text: str, number: int, profile: Profile, schemas: Mapping[str, Schema] | None
) -> CheckedLine:
    """Every problem of one JSONL line (`number` is 1-based)."""
    line = CheckedLine(number)
    try:
        value = json.loads(text)
    except ValueError as exc:
        line.add("E701", "", problem=str(exc))
        return line
    except RecursionError:  # json's C decoder recurses per nesting level
        line.add("E701", "", problem="nested too deeply to read")
        return line
    if not isinstance(value, dict):
        line.add("E701", "", problem=f"found {type(value).__name__}")
        return line
    for key in sorted(set(value) - EXAMPLE_KEYS):
        line.add("E702", f"/{key}", "warning", prop=key, problem="not a key of a chat example")
    messages, tools = value.get("messages"), value.get("tools")
    if not isinstance(messages, list) or not messages:
        line.add("E702", "/messages", prop="messages", problem="must be a non-empty list")
        return line
    if tools is not None and not isinstance(tools, list):
        line.add("E702", "/tools", prop="tools", problem="must be a list of tool definitions")
        tools = None
    functions = _functions(tools or [])
    line.context = dumps([m.get("content") for m in messages[:1] if isinstance(m, dict)] + [tools])
    _check_messages(line, messages, value.get("parallel_tool_calls", True) is False)
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") != "assistant":
            continue
        if message.get("weight", 1) == 0:
            continue  # an example of a mistake the conversation corrects: not learned
        for i, call in enumerate(message.get("tool_calls") or []):
            function = call.get("function") if isinstance(call, dict) else None
            if not isinstance(function, dict) or function.get("name") != profile.function_name:
                continue
            at = f"/messages/{index}/tool_calls/{i}/function/arguments"
            # Without `tools` the plan is still checked, against the profile's own schema.
            # Calls named or positional (the strict tree form's): data of either kind.
            schema = plan_schema(None, profile.naming, profile.verbosity, calls="either")
            default = (schema, False)
            parameters, strict = functions.get(profile.function_name, default)
            call = _Call(function.get("arguments"), at, index, parameters, strict)
            _check_call(line, call, profile, schemas)
    return line


def _functions(tools: list[Any]) -> dict[str, tuple[dict[str, Any], bool]]:
    """Function name -> (parameters schema, strict flag) of a line's `tools`."""
    out = {}
    for tool in tools:
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            parameters = function.get("parameters")
            strict = function.get("strict") is True
            out[function["name"]] = (parameters if isinstance(parameters, dict) else {}, strict)
    return out


def _check_messages(line: CheckedLine, messages: list[Any], single_call: bool) -> None:
    call_ids: set[str] = set()
    for index, message in enumerate(messages):
        at = f"/messages/{index}"
        role = message.get("role") if isinstance(message, dict) else None
        if not isinstance(message, dict) or role not in ROLE_KEYS:
            line.add("E703", f"{at}/role", index=index, problem=f"unknown role {json.dumps(role)}")
            continue
        for key in sorted(set(message) - ROLE_KEYS[role]):
            line.add("E703", f"{at}/{key}", index=index, problem=f"a {role} message has no `{key}`")
        if role == "system" and index != 0:
            line.add("E703", at, index=index, problem="the system message must come first")
        if role == "tool" and message.get("tool_call_id") not in call_ids:
            line.add("E703", at, index=index, problem="answers no earlier tool call")
        if role in ("system", "user") and not isinstance(message.get("content"), str):
            line.add("E703", f"{at}/content", index=index, problem="content must be text")
        if role == "user" and line.question is None and isinstance(message.get("content"), str):
            line.question = message["content"]
        if role == "assistant":
            call_ids |= _check_calls(line, message, index, single_call)
    if line.question is None:
        line.add("E703", "/messages", index=0, problem="no user message")
    last = messages[-1]
    if not isinstance(last, dict) or last.get("role") != "assistant":
        at = f"/messages/{len(messages) - 1}"
        line.add(
            "E703", at, index=len(messages) - 1, problem="the last message must be the assistant's"
        )


def _check_calls(line: CheckedLine, message: dict[str, Any], index: int, single: bool) -> set[str]:
    calls, at = message.get("tool_calls"), f"/messages/{index}/tool_calls"
    if calls is None:
        if not isinstance(message.get("content"), str):
            line.add(
                "E703", f"/messages/{index}", index=index, problem="neither content nor tool_calls"
            )
        return set()
    if not isinstance(calls, list) or not calls:
        line.add("E704", at, index=index, problem="tool_calls must be a non-empty list")
        return set()
    if single and len(calls) > 1:
        line.add("E704", at, index=index, problem="several calls, but parallel_tool_calls is false")
    ids = set()
    for i, call in enumerate(calls):
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(call, dict) or not isinstance(function, dict):
            line.add("E704", f"{at}/{i}", index=index, problem="a call is {id, type, function}")
            continue
        if not isinstance(call.get("id"), str) or call.get("type") != "function":
            line.add(
                "E704", f"{at}/{i}", index=index, problem='needs a string `id` and type "function"'
            )
        if not isinstance(function.get("name"), str) or not isinstance(
            function.get("arguments"), str
        ):
            problem = "function needs `name` and `arguments`, both strings (arguments: JSON text)"
            line.add("E704", f"{at}/{i}/function", index=index, problem=problem)
        ids.add(str(call.get("id")))
    return ids


@dataclass(frozen=True, slots=True)
class _Call:
    arguments: Any
    at: str  # JSON pointer of the arguments within the line
    index: int  # the message's position
    parameters: dict[str, Any]
    strict: bool


def _check_call(
    line: CheckedLine, call: _Call, profile: Profile, schemas: Mapping[str, Schema] | None
) -> None:
    arguments, at, index = call.arguments, call.at, call.index
    if not isinstance(arguments, str):
        return  # reported as E704
    try:
        value = json.loads(arguments)
    except ValueError as exc:
        line.add("E705", at, index=index, problem=str(exc))
        return
    except RecursionError:
        line.add("E705", at, index=index, problem="nested too deeply to read")
        return
    try:
        relaxed, columns = relaxed_validator(dumps(call.parameters))
        worst = best_error(relaxed, value)
    except Exception as exc:  # the line's own schema: jsonschema and referencing raise
        # many types for a broken one (a $ref to nowhere, a bad type)
        problem = f"the function's parameters are no usable JSON Schema: {_short(str(exc))}"
        line.add("E702", "/tools", prop="tools", problem=problem)
        return
    if worst is not None:
        path = "/" + "/".join(str(p) for p in worst.absolute_path)
        line.add(
            "E706", at + path.rstrip("/"), index=index, path=path, problem=_short(worst.message)
        )
        return
    if call.strict and columns is not None:
        for path, name in outside_enum(call.parameters, value, columns):
            hint = "strict decoding cannot emit a name outside the column enum (derived or typo)"
            line.add("E714", at + path, "warning", index=index, name=name, path=path, hints=(hint,))
    try:
        plan = from_form(value, profile.form, profile.naming, profile.offered)
    except PesqlError as exc:
        line.add("E707", at, index=index, problem=_first(exc))
        return
    # Canonical in the profile's form: every property under strict mode, else the short form.
    canonical = dumps(profile.canonical(plan))
    line.arguments.append(canonical)
    if dumps(value) != canonical:
        positional = profile.positional_calls
        hint = (
            f"write it as pesql.grammar.forms.to_form(plan, {profile.form!r}, "
            f"full={profile.strict}): canonical in the profile's form"
            + (" (calls positional: {op, args})" if positional else "")
        )
        line.add("E709", at, index=index, found=_short(arguments, 80), hints=(hint,))
    offered = columns if columns is not None else offered_columns(call.parameters)
    line.table = plan.table or _table_by_columns(frozenset(offered or ()), schemas)
    if schemas is None or line.table is None:
        return
    if line.table not in schemas:
        known = ", ".join(sorted(schemas)) or "none"
        line.add(
            "E708", at + "/table", index=index, name=line.table, problem=f"no such table ({known})"
        )
        return
    try:
        # JOIN and LOOKUP may read any table of the folder.
        check(plan, {line.table: schemas[line.table]}, tables=schemas)
    except PesqlError as exc:
        hints = tuple(h for d in exc.diagnostics if d.severity == "error" for h in d.hints)[:3]
        line.add("E708", at, index=index, name=line.table, problem=_first(exc), hints=hints)


def _table_by_columns(columns: frozenset[str], schemas: Mapping[str, Schema] | None) -> str | None:
    # A plan with "table": null reads the only table the tool offers: the one whose column
    # names are the tool's column enum.
    matches = [n for n, s in (schemas or {}).items() if columns and set(s.names()) == columns]
    return matches[0] if len(matches) == 1 else None


def _first(exc: PesqlError) -> str:
    errors = [d for d in exc.diagnostics if d.severity == "error"] or list(exc.diagnostics)
    shown = [f"{d.code} {d.where()} {d.message}".replace("  ", " ") for d in errors[:2]]
    more = f" (+{len(errors) - 2} more)" if len(errors) > 2 else ""
    return "; ".join(shown) + more


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
