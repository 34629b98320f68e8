"""The text, steps and compact forms' GBNF grammars admit every gold plan and hold the
envelope (and, in the compact form, one step per object).

The grammars have no recursion, so a test can inline their rules into one regular
expression (`gbnf_to_regex`: literals escaped, [classes] kept, ( ) | * ? as they are) and
match replies with it; Earley parsing through Lark, as tests/grammar/test_exports.py does for
the tree grammar, is ~1,000x slower on these free-text lines. llama-server itself reads the
grammars in the `local_model` test.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from pesql.grammar.form_grammars import compact_gbnf, form_gbnf, steps_gbnf, text_gbnf
from pesql.grammar.forms import to_form
from pesql.grammar.jsonform import from_json
from pesql.grammar.registry import Naming
from pesql.grammar.subsets import offered_ops
from pesql.runtime.testing.strategies.syntax import plans

from tests.grammar.test_exports import _GBNF_TOKEN

ROOT = Path(__file__).resolve().parents[2]


# GBNF's escapes in a literal: \uXXXX and \UXXXXXXXX stand for a character, \c for c.
_UNESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))")


def _unescape(m: re.Match[str]) -> str:
    code = m[1] or m[2]
    return chr(int(code, 16)) if code else m[3]


def gbnf_to_regex(gbnf: str) -> str:
    """A non-recursive GBNF grammar as one regular expression (rules inlined from `root`)."""
    rules = dict(line.split(" ::= ", 1) for line in gbnf.splitlines() if " ::= " in line)

    def inline(name: str, depth: int = 0) -> str:
        assert depth < 20, "the grammar recurses"
        out = []
        for literal, char_class, word, other in _GBNF_TOKEN.findall(rules[name]):
            if literal:
                out.append(re.escape(_UNESCAPE.sub(_unescape, literal[1:-1])))
            elif char_class:
                out.append(char_class)
            elif word:
                out.append("(?:" + inline(word, depth + 1) + ")")
            elif other.strip():
                out.append("(?:" if other == "(" else other)
        return "".join(out)

    return inline("root")


@cache
def _pattern(
    form: str, renames: tuple[tuple[str, str], ...] = (), tables: tuple[str, ...] | None = None
) -> re.Pattern[str]:
    naming = Naming(renames=dict(renames))
    return re.compile(gbnf_to_regex(form_gbnf(form, naming, tables=tables)))


def admits(
    form: str,
    reply: str,
    renames: tuple[tuple[str, str], ...] = (),
    tables: tuple[str, ...] | None = None,
) -> bool:
    return _pattern(form, renames, tables).fullmatch(reply) is not None


def _gold() -> list[dict[str, object]]:
    plans = []
    for name in ("tables-qa", "eval-set", "flights-qa"):
        path = ROOT / "examples" / "datasets" / name / "examples.jsonl"
        plans += [json.loads(line)["plan"] for line in path.read_text().splitlines() if line]
    return plans


@pytest.mark.parametrize("form", ["text", "steps", "compact"])
def test_every_gold_plan_in_the_form_is_admitted(form: str) -> None:
    gold = _gold()
    assert len(gold) > 300
    for raw in gold:
        value = to_form(from_json(raw), form)  # type: ignore[arg-type]
        for spacing in ((",", ":"), (", ", ": ")):  # compact as the shots, spaced as json.dumps
            reply = json.dumps(value, ensure_ascii=False, separators=spacing)
            assert admits(form, reply), reply


@settings(max_examples=200, deadline=None)
@given(plan=plans())
def test_generated_plans_with_odd_text_are_admitted(plan: object) -> None:
    # Generated plans hold quotes, backslashes and non-ASCII in text literals and names.
    assume(plan.table is not None or plan.steps)  # type: ignore[attr-defined]  # E108 otherwise
    # A line break inside a literal or name is the one thing the grammars leave out.
    assume(not any("\n" in step for step in to_form(plan, "steps")["steps"]))  # type: ignore[arg-type]
    for form in ("text", "steps", "compact"):
        for full in (False, True):  # strict mode's shape too: every clause key, null if absent
            value = to_form(plan, form, full=full)  # type: ignore[arg-type]
            for ascii_only in (True, False):
                assert admits(form, json.dumps(value, ensure_ascii=ascii_only)), value


@pytest.mark.parametrize(
    ("form", "reply"),
    [
        ("text", 'Here is the plan: {"plan":"FILTER x > 1"}'),  # prose before it
        ("text", '{"plan":"FILTER x > 1"} Hope this helps'),  # prose after it
        ("text", '{"plan":"FILTER x > 1","why":"because"}'),  # an extra property
        ("text", '{"steps":["FILTER x > 1"]}'),  # the other form's envelope
        ("text", '{"plan":"ORDER BY x"}'),  # a SQL spelling of SORT
        ("text", '{"plan":"WHERE x > 1"}'),
        ("text", '{"plan":"FILTER x > 1\\nCOUNT(*)"}'),  # a function as a step
        ("text", '{"plan":"FILTER x > 1\\n"}'),  # an empty line
        ("text", '{"plan":""}'),  # no step at all
        ("text", '{"plan":"FILTERx > 1"}'),  # keyword glued to its clause
        ("steps", '{"steps":[]}'),
        ("steps", '{"steps":["SELECT a","having n > 1"]}'),
        ("steps", '{"steps":["FILTER a"],"plan":"x"}'),
        # Several steps in one object, as the 1.5B model writes them (docs/evaluation.md).
        ("compact", '{"steps":[{"FILTER":"x > 1","GROUP_BY":"a","COMPUTE":"n = COUNT(*)"}]}'),
        ("compact", '{"steps":[{"COMPUTE":"n = COUNT(*)","GROUP_BY":"a"}]}'),  # keys reordered
        ("compact", '{"steps":[{"op":"FILTER","where":"x > 1"}]}'),  # the older op-keyed shape
        ("compact", '{"steps":[{"LIMIT":"5"}]}'),  # LIMIT takes a number
        ("compact", '{"steps":[{"LOOKUP":"u"}]}'),  # ON is required
        ("compact", '{"steps":[]}'),
        ("compact", '```json\n{"steps":[{"FILTER":"x > 1"}]}\n```'),  # a fence
        ("compact", '{\n  "steps": [{"FILTER": "x > 1"}]\n}'),  # indented: tokens spent
    ],
)
def test_slips_a_small_model_makes_are_refused(form: str, reply: str) -> None:
    assert not admits(form, reply)


def test_keywords_follow_the_profile_naming_and_offered_set() -> None:
    renames = (("GROUP_BY", "GROUP"),)
    assert admits("text", '{"plan":"GROUP species COMPUTE n = COUNT(*)"}', renames)
    assert not admits("text", '{"plan":"GROUP_BY species COMPUTE n = COUNT(*)"}', renames)
    core = text_gbnf(offered=offered_ops("core"))
    assert '"FILTER"' in core and '"FROM "' in core
    only = steps_gbnf(offered=frozenset({"FILTER"}))
    assert '"SORT"' not in only and '"FILTER"' in only
    assert admits("compact", '{"steps":[{"GROUP":"a","COMPUTE":"n = COUNT(*)"}]}', renames)
    assert not admits("compact", '{"steps":[{"GROUP_BY":"a"}]}', renames)
    assert "SORT" not in compact_gbnf(offered=frozenset({"FILTER"}))


def test_only_what_llama_cpp_reads() -> None:
    for form in ("text", "steps", "compact"):
        gbnf = form_gbnf(form)
        rules = dict(line.split(" ::= ", 1) for line in gbnf.splitlines() if " ::= " in line)
        assert "root" in rules
        for body in rules.values():
            for _lit, _cls, word, _other in _GBNF_TOKEN.findall(body):
                assert not word or word in rules, word
    with pytest.raises(ValueError, match="tree"):
        form_gbnf("tree")


@pytest.mark.parametrize("seed", range(3))
def test_text_and_steps_grammars_agree_on_lines(seed: int) -> None:
    # The same steps as lines of the text form and as strings of the steps form.
    steps = ["FROM penguins", "FILTER species = 'Adelie'", "SORT mass DESC", "LIMIT 3"][: seed + 2]
    assert admits("text", json.dumps({"plan": "\n".join(steps)}))
    assert admits("steps", json.dumps({"steps": steps}))


@pytest.mark.parametrize("form", ["text", "steps", "compact"])
def test_the_table_is_one_of_the_catalogs(form: str) -> None:
    # The 1.5B model's first line for "How many soldiers died ...?" on the table crimea.
    tables = ("crimea", "my table", "Zürich")
    for name, known in [
        ("crimea", True),
        ("soldiers", False),
        ("my table", True),
        ("Zürich", True),
    ]:
        plan = to_form(from_json({"table": name, "steps": [{"op": "LIMIT", "count": 3}]}), form)  # type: ignore[arg-type]
        for ascii_only in (True, False):
            reply = json.dumps(plan, ensure_ascii=ascii_only)
            assert admits(form, reply, tables=tables) is known, reply
            assert admits(form, reply)  # without a catalog, any name
    # No FROM at all is still a plan (one table), and FROM only starts a plan.
    no_table = to_form(from_json({"table": None, "steps": [{"op": "LIMIT", "count": 3}]}), form)  # type: ignore[arg-type]
    assert admits(form, json.dumps(no_table), tables=tables)
    if form != "compact":
        lines = ["LIMIT 3", "FROM crimea"]
        reply = json.dumps({"plan": "\n".join(lines)} if form == "text" else {"steps": lines})
        assert not admits(form, reply, tables=tables)
        assert not admits(form, reply)


@settings(max_examples=100, deadline=None)
@given(plan=plans())
def test_generated_plans_are_admitted_with_their_own_table(plan: object) -> None:
    assume(plan.table is not None)  # type: ignore[attr-defined]
    assume(not any("\n" in step for step in to_form(plan, "steps")["steps"]))  # type: ignore[arg-type]
    tables = (plan.table, "other")  # type: ignore[attr-defined]
    for form in ("text", "steps", "compact"):
        value = to_form(plan, form)  # type: ignore[arg-type]
        for ascii_only in (True, False):
            reply = json.dumps(value, ensure_ascii=ascii_only)
            assert admits(form, reply, tables=tables), reply
            assert not admits(form, reply, tables=("other",)) or plan.table == "other", reply  # type: ignore[attr-defined]
