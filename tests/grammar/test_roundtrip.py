"""Round trips: text -> AST -> text and AST -> JSON -> AST are identities on canonical forms."""

from __future__ import annotations

import json

from hypothesis import given
from pesql.grammar import ast as A
from pesql.grammar.jsonform import dumps, from_json, to_json
from pesql.grammar.parse import parse
from pesql.grammar.printer import to_text
from pesql.runtime.testing.strategies.syntax import plans


@given(plans())
def test_text_round_trip(plan: A.Plan) -> None:
    text = to_text(plan)
    assert parse(text) == plan
    # Canonical text is a fixed point.
    assert to_text(parse(text)) == text


@given(plans())
def test_json_round_trip(plan: A.Plan) -> None:
    document = to_json(plan)
    assert from_json(document) == plan
    assert from_json(dumps(document)) == plan
    # Canonical JSON is a fixed point, byte for byte.
    assert dumps(to_json(from_json(dumps(document)))) == dumps(document)


@given(plans())
def test_text_and_json_meet_in_one_ast(plan: A.Plan) -> None:
    assert from_json(dumps(to_json(parse(to_text(plan))))) == parse(to_text(plan))


def test_canonical_json_has_every_property_in_declaration_order() -> None:
    plan = parse("SORT price DESC\nLIMIT 3")
    assert dumps(to_json(plan)) == (
        '{"table":null,"steps":[{"op":"SORT","keys":[{"column":"price","descending":true,'
        '"nulls_last":true}]},{"op":"LIMIT","count":3,"offset":0,"with_ties":false}]}'
    )


def test_lenient_json_accepts_missing_optional_properties_and_aliases() -> None:
    loose = {
        "steps": [{"op": "order_by", "keys": [{"column": "price"}]}, {"op": "LIMIT", "count": 3}]
    }
    assert from_json(loose) == parse("SORT price\nLIMIT 3")
    assert from_json(json.dumps(loose)) == parse("SORT price\nLIMIT 3")


def test_origins_point_back_to_text_and_json() -> None:
    plan = parse("FILTER a > 1\nDERIVE b = SUB_ABS(a, c)")
    derive = plan.steps[1]
    assert isinstance(derive, A.Step)
    assert str(derive.origin) == "2:1"
    from_doc = from_json(to_json(plan))
    assert str(from_doc.steps[1].origin) == "/steps/1"
