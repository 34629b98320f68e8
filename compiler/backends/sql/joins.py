"""JOIN and LOOKUP -> SQL joins that keep p-SQL's order and naming rules.

The joined table gets a CTE numbering its rows (like the source); then

    JOIN LEFT planes ON tailnum = tailnum
    ->  SELECT l.*, r."seats", r."year" AS "year_planes",
               ROW_NUMBER() OVER (ORDER BY l."__pesql_row", r."__pesql_row") - 1 AS "__pesql_row"
        FROM "pesql_3" AS l LEFT JOIN "pesql_4" AS r ON l."tailnum" = r."tailnum"

so the rows come in the current table's order, several matches of one row in the joined
table's order (the polars backend's `maintain_order="left_right"`). SQL's `=` never matches a
null key, as in p-SQL. SEMI and ANTI are `WHERE [NOT] EXISTS (...)`: a row is kept once, and
a null key has no match (so ANTI keeps it). LOOKUP is a LEFT JOIN: SQL cannot refuse a
repeated key, so the engine checks that before running (runtime/engine/joins.py).
"""

from __future__ import annotations

from pesql.compiler.backends.sql.exprs import col, number
from pesql.compiler.backends.sql.steps import Chain, sql_step
from pesql.compiler.check.joins import output_columns
from pesql.compiler.check.schema import Schema
from pesql.grammar.ops.joins import Join, Lookup, adds_columns, keeps_unmatched
from sqlglot import exp

_LEFT, _RIGHT = "l", "r"


def _join(step: Join | Lookup, chain: Chain) -> None:
    right_schema = chain.tables[step.table]
    sql_name = chain.table_names.get(step.table, step.table)
    chain.push(chain.numbered(sql_name, right_schema))
    right_cte = chain.current
    left_cte = chain.ctes[-2][0]
    on = exp.and_(
        *(exp.EQ(this=col(k.left, _LEFT), expression=col(k.right, _RIGHT)) for k in step.on)
    )
    left_table = exp.Table(
        this=exp.to_identifier(left_cte, quoted=True), alias=exp.TableAlias(this=_LEFT)
    )
    right_table = exp.Table(
        this=exp.to_identifier(right_cte, quoted=True), alias=exp.TableAlias(this=_RIGHT)
    )
    left_columns = [col(n, _LEFT) for n in chain.schema.names()]
    if not adds_columns(step):
        exists = exp.Exists(
            this=exp.Select(expressions=[number(1)]).from_(right_table).where(on, copy=False)
        )
        semi = isinstance(step, Join) and step.kind == "semi"
        keep = exists if semi else exp.Not(this=exists)
        ordinal = exp.alias_(col(chain.ordinal, _LEFT), chain.ordinal, quoted=True)
        query = exp.Select(expressions=[*left_columns, ordinal]).from_(left_table)
        chain.push(query.where(keep, copy=False))
        return
    added, renames = output_columns(
        chain.schema, right_schema, {k.right for k in step.on}, step.table, keeps_unmatched(step)
    )
    right_columns = [
        exp.alias_(col(name, _RIGHT), out, quoted=True) if out != name else col(name, _RIGHT)
        for name, out in renames.items()
    ]
    order = exp.Order(
        expressions=[
            exp.Ordered(this=col(chain.ordinal, _LEFT)),
            exp.Ordered(this=col(chain.ordinal, _RIGHT), nulls_first=False),
        ]
    )
    position = exp.Sub(this=exp.Window(this=exp.RowNumber(), order=order), expression=number(1))
    query = exp.Select(
        expressions=[
            *left_columns,
            *right_columns,
            exp.alias_(position, chain.ordinal, quoted=True),
        ]
    ).from_(left_table)
    query = query.join(
        right_table, on=on, join_type="left" if keeps_unmatched(step) else "inner", copy=False
    )
    chain.push(query, Schema((*chain.schema.columns, *added)))
    chain.sort_keys = None


@sql_step.register(Join)
def _(step: Join, chain: Chain) -> None:
    _join(step, chain)


@sql_step.register(Lookup)
def _(step: Lookup, chain: Chain) -> None:
    _join(step, chain)


__all__: list[str] = []
