"""p-SQL steps -> CTEs. `Chain` holds the CTEs built so far and the current table's columns.

Each CTE selects the visible columns and the row ordinal, so every step reads like the p-SQL
step it comes from:

    FILTER a > 1   ->   "pesql_1" AS (SELECT * FROM "pesql_0" WHERE "a" > 1)
    SORT a DESC    ->   "pesql_2" AS (SELECT "a", ROW_NUMBER() OVER (ORDER BY "a" DESC NULLS LAST,
                                      "pesql_1"."__pesql_row") AS "__pesql_row" FROM "pesql_1")
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import singledispatch

from pesql.compiler.backends.sql.exprs import ExprContext, Over, col, number, sql_expr
from pesql.compiler.check.check import infer_expr
from pesql.compiler.check.schema import ColumnType, Schema
from pesql.grammar import ast as A
from pesql.grammar.ast import columns_of
from pesql.grammar.ops import aggregate as agg
from pesql.grammar.ops import rows
from sqlglot import exp


@dataclass(slots=True)
class Chain:
    """The CTEs so far, the current columns, and the keys of the SORT the rows still follow."""

    schema: Schema
    dialect: str
    ordinal: str
    prefix: str
    ctes: list[tuple[str, exp.Select]] = field(default_factory=list)
    sort_keys: tuple[A.SortKey, ...] | None = None
    # JOIN and LOOKUP: the joined tables' schemas, the SQL name of each (default: its own),
    # and the column numbering their rows when the engine added one (as for the source).
    tables: Mapping[str, Schema] = field(default_factory=dict)
    table_names: Mapping[str, str] = field(default_factory=dict)
    ordinal_column: str | None = None
    # How many CTEs there were before the last SORT's (which is the newest while this is set):
    # a LIMIT right after it fuses the two into a top-k (see `_limit`).
    sorted_after: int | None = None

    @property
    def current(self) -> str:
        return self.ctes[-1][0]

    def push(self, select: exp.Select, schema: Schema | None = None) -> None:
        self.sorted_after = None
        self.ctes.append((f"{self.prefix}{len(self.ctes)}", select))
        if schema is not None:
            self.schema = schema

    def context(self, schema: Schema | None = None, **kw: object) -> ExprContext:
        return ExprContext(
            schema if schema is not None else self.schema,
            self.dialect,
            ordinal=self.ordinal,
            source=self.current,
            **kw,  # type: ignore[arg-type]
        )

    def ordinal_ref(self) -> exp.Column:
        return col(self.ordinal, self.current)

    def ordinal_out(self) -> exp.Expr:
        return exp.alias_(self.ordinal_ref(), self.ordinal, quoted=True)

    def read(self, *columns: exp.Expr) -> exp.Select:
        """SELECT columns FROM the current CTE."""
        return exp.Select(expressions=list(columns)).from_(
            exp.Table(this=exp.to_identifier(self.current, quoted=True)), copy=False
        )

    def visible(self) -> list[exp.Expr]:
        return [col(n) for n in self.schema.names()]

    def source(self, table: str, ordinal_column: str | None, observed: bool = True) -> None:
        """The first CTE: the table's columns and the row ordinal; every row's is 0 when the
        plan never observes the input's order (sql/order.py), so no engine numbers them."""
        self.ordinal_column = ordinal_column
        self.ctes.append((f"{self.prefix}0", self.numbered(table, self.schema, observed)))

    def numbered(self, table: str, schema: Schema, observed: bool = True) -> exp.Select:
        """SELECT a table's columns and its row ordinal (the source, or a joined table)."""
        ordinal_column = self.ordinal_column
        if not observed:
            ordinal: exp.Expr = number(0)
        elif ordinal_column is not None:
            ordinal = col(ordinal_column)
        else:
            # Engine scan order: deterministic for DuckDB on an in-memory frame, not in general.
            window = exp.Window(this=exp.RowNumber())
            if self.dialect == "spark":
                # Spark refuses ROW_NUMBER() OVER () ("the window must be ordered");
                # MONOTONICALLY_INCREASING_ID() increases in scan order, which is the order meant.
                scan = exp.Anonymous(this="MONOTONICALLY_INCREASING_ID", expressions=[])
                window.set("order", exp.Order(expressions=[exp.Ordered(this=scan)]))
            ordinal = exp.Sub(this=window, expression=number(1))
        parts = [exp.to_identifier(p, quoted=True) for p in table.split(".")]
        source = exp.Table(
            this=parts[-1],
            db=parts[-2] if len(parts) > 1 else None,
            catalog=parts[-3] if len(parts) > 2 else None,
        )
        columns = [col(n) for n in schema.names()]
        return exp.Select(
            expressions=[*columns, exp.alias_(ordinal, self.ordinal, quoted=True)]
        ).from_(source, copy=False)

    def finish(self) -> exp.Select:
        """SELECT the visible columns in row order, WITH every CTE."""
        final = self.read(*self.visible()).order_by(
            exp.Ordered(this=self.ordinal_ref()), copy=False
        )
        for name, cte in self.ctes:
            final = final.with_(exp.to_identifier(name, quoted=True), as_=cte, copy=False)
        return final

    def ordered(self, keys: tuple[A.SortKey, ...]) -> list[exp.Ordered]:
        # nulls_first is always set explicitly: sqlglot then spells NULLS FIRST/LAST in every
        # dialect whose default differs, and omits it where the default already agrees.
        return [
            exp.Ordered(this=col(k.column), desc=k.descending, nulls_first=not k.nulls_last)
            for k in keys
        ]


@singledispatch
def sql_step(step: A.Step, chain: Chain) -> None:
    """Append the CTE(s) of one step to `chain`."""
    raise NotImplementedError(f"no SQL lowering for step {type(step).__name__}")


@sql_step.register(rows.Filter)
def _filter(step: rows.Filter, chain: Chain) -> None:
    where = sql_expr(step.where, chain.context())
    chain.push(chain.read(exp.Star()).where(where, copy=False))


@sql_step.register(rows.Select)
def _select(step: rows.Select, chain: Chain) -> None:
    items: list[exp.Expr] = []
    columns: list[tuple[str, ColumnType]] = []
    for item in step.columns:
        out = item.as_ or item.column
        ref = col(item.column)
        items.append(ref if out == item.column else exp.alias_(ref, out, quoted=True))
        columns.append((out, chain.schema.get(item.column) or ColumnType("null")))
    renamed = {item.column: item.as_ or item.column for item in step.columns}
    if chain.sort_keys is not None:
        # A renamed key keeps the order under its new name (as in the polars backend).
        known = all(k.column in renamed for k in chain.sort_keys)
        chain.sort_keys = (
            tuple(replace(k, column=renamed[k.column]) for k in chain.sort_keys) if known else None
        )
    chain.push(chain.read(*items, chain.ordinal_out()), Schema(tuple(columns)))


@sql_step.register(rows.Drop)
def _drop(step: rows.Drop, chain: Chain) -> None:
    gone = set(step.columns)
    schema = Schema(tuple(c for c in chain.schema.columns if c[0] not in gone))
    chain.push(chain.read(*[col(n) for n in schema.names()], chain.ordinal_out()), schema)


@sql_step.register(rows.Derive)
def _derive(step: rows.Derive, chain: Chain) -> None:
    # Later items may use earlier ones; SQL select items cannot see each other, so an item
    # that reads a column assigned earlier in this step starts a new CTE.
    layer: list[A.Assign] = []
    for item in step.columns:
        if layer and columns_of(item.expr) & {a.name for a in layer}:
            _assign_layer(chain, layer, window=None)
            layer = []
        layer.append(item)
    if layer:
        _assign_layer(chain, layer, window=None)
    if chain.sort_keys is not None and {k.column for k in chain.sort_keys} & {
        a.name for a in step.columns
    }:
        chain.sort_keys = None


def _assign_layer(
    chain: Chain, items: list[A.Assign], window: Over | None, position: str | None = None
) -> None:
    """SELECT the current columns with `items` replacing theirs in place or appended."""
    ctx = chain.context(over=window, position=position)
    lowered = {a.name: exp.alias_(sql_expr(a.expr, ctx), a.name, quoted=True) for a in items}
    schema = chain.schema
    for a in items:
        schema = schema.with_column(a.name, infer_expr(a.expr, chain.schema))
    out = [lowered.get(n, col(n)) for n in schema.names()]
    chain.push(chain.read(*out, chain.ordinal_out()), schema)


@sql_step.register(rows.Window)
def _window(step: rows.Window, chain: Chain) -> None:
    over = Over(
        partition=tuple(col(n) for n in step.partition_by),
        order=tuple(chain.ordered(step.order_by)),
        ordinal=exp.Ordered(this=chain.ordinal_ref()),
    )
    position = None
    if step.order_by and any(isinstance(n, agg.First | agg.Last) for n in step.walk()):
        # FIRST/LAST follow the window's order: number the rows in that order first (ties
        # broken by the ordinal, as everywhere), then take the value at the smallest number.
        position = chain.ordinal + "_w"
        while position in chain.schema:
            position += "_"
        place = exp.Window(
            this=exp.RowNumber(),
            partition_by=[p.copy() for p in over.partition] or None,
            order=exp.Order(expressions=[*(k.copy() for k in over.order), over.ordinal.copy()]),
        )
        chain.push(
            chain.read(
                *chain.visible(), exp.alias_(place, position, quoted=True), chain.ordinal_out()
            )
        )
        over = Over(
            partition=over.partition,
            order=over.order,
            ordinal=exp.Ordered(this=chain.ordinal_ref()),
        )
    _assign_layer(chain, list(step.columns), window=over, position=position)
    if chain.sort_keys is not None and {k.column for k in chain.sort_keys} & {
        a.name for a in step.columns
    }:
        chain.sort_keys = None


def _aggregation(chain: Chain, keys: tuple[str, ...], items: tuple[A.Assign, ...]) -> None:
    ctx = chain.context(in_group=True)
    columns: list[tuple[str, ColumnType]] = [
        (k, chain.schema.get(k) or ColumnType("null")) for k in keys
    ]
    select: list[exp.Expr] = [col(k) for k in keys]
    for a in items:
        select.append(exp.alias_(sql_expr(a.expr, ctx), a.name, quoted=True))
        columns.append((a.name, infer_expr(a.expr, chain.schema)))
    # Groups appear in the order of their first row; one AGGREGATE row has ordinal 0.
    first: exp.Expr = exp.Min(this=chain.ordinal_ref()) if keys else number(0)
    query = chain.read(*select, exp.alias_(first, chain.ordinal, quoted=True))
    if keys:
        query = query.group_by(*[col(k) for k in keys], copy=False)
    chain.sort_keys = None
    chain.push(query, Schema(tuple(columns)))


@sql_step.register(rows.GroupBy)
def _group_by(step: rows.GroupBy, chain: Chain) -> None:
    _aggregation(chain, step.keys, step.aggregates)


@sql_step.register(rows.AggregateStep)
def _aggregate(step: rows.AggregateStep, chain: Chain) -> None:
    _aggregation(chain, (), step.aggregates)


@sql_step.register(rows.Distinct)
def _distinct(step: rows.Distinct, chain: Chain) -> None:
    names = list(step.columns) or chain.schema.names()
    schema = Schema(tuple((n, chain.schema.get(n) or ColumnType("null")) for n in names))
    # The first occurrence wins: each distinct row keeps the smallest ordinal of its copies.
    first = exp.alias_(exp.Min(this=chain.ordinal_ref()), chain.ordinal, quoted=True)
    query = chain.read(*[col(n) for n in names], first).group_by(
        *[col(n) for n in names], copy=False
    )
    chain.sort_keys = None
    chain.push(query, schema)


@sql_step.register(rows.Sort)
def _sort(step: rows.Sort, chain: Chain) -> None:
    # Renumber the rows in the new order; the old ordinal breaks ties, so the sort is stable.
    order = [*chain.ordered(step.keys), exp.Ordered(this=chain.ordinal_ref())]
    position = exp.Window(this=exp.RowNumber(), order=exp.Order(expressions=order))
    before = len(chain.ctes)
    chain.push(chain.read(*chain.visible(), exp.alias_(position, chain.ordinal, quoted=True)))
    chain.sort_keys = step.keys
    chain.sorted_after = before


def _top_k(step: rows.Limit, chain: Chain, keys: tuple[A.SortKey, ...]) -> None:
    """SORT then LIMIT as a top-k: `ORDER BY keys, ordinal LIMIT n`, which engines run with a
    bounded heap, then number the n rows kept. Numbering every row first (ROW_NUMBER over the
    whole table, then LIMIT) is a full sort: ~12x slower on DuckDB for 336k rows (bench/)."""
    chain.ctes.pop()  # the SORT's renumbering: done on the kept rows instead
    order = [*chain.ordered(keys), exp.Ordered(this=chain.ordinal_ref())]
    top = chain.read(exp.Star()).order_by(*order, copy=False).limit(step.count, copy=False)
    if step.offset:
        top = top.offset(step.offset, copy=False)
    chain.push(top)
    order = [*chain.ordered(keys), exp.Ordered(this=chain.ordinal_ref())]
    position = exp.Window(this=exp.RowNumber(), order=exp.Order(expressions=order))
    chain.push(chain.read(*chain.visible(), exp.alias_(position, chain.ordinal, quoted=True)))


@sql_step.register(rows.Limit)
def _limit(step: rows.Limit, chain: Chain) -> None:
    if not step.with_ties and chain.sorted_after is not None and chain.sort_keys is not None:
        _top_k(step, chain, chain.sort_keys)
        return
    if not step.with_ties or chain.sort_keys is None or step.count == 0:
        query = chain.read(exp.Star()).order_by(exp.Ordered(this=chain.ordinal_ref()), copy=False)
        query = query.limit(step.count, copy=False)
        if step.offset:
            query = query.offset(step.offset, copy=False)
        chain.push(query)
        return
    # WITH TIES: skip `offset` rows, keep the next `count`, and every row tied (on the SORT
    # keys) with the last one kept. A row's RANK is the position of its tie group's first
    # row, so "tied with a kept row" is "RANK <= offset + count".
    pos, tie = f"{chain.ordinal}_pos", f"{chain.ordinal}_tie"
    by_ordinal = exp.Order(expressions=[exp.Ordered(this=chain.ordinal_ref())])
    ranked = chain.read(
        exp.Star(),
        exp.alias_(exp.Window(this=exp.RowNumber(), order=by_ordinal), pos, quoted=True),
        exp.alias_(
            exp.Window(
                this=exp.Rank(), order=exp.Order(expressions=chain.ordered(chain.sort_keys))
            ),
            tie,
            quoted=True,
        ),
    )
    chain.push(ranked)
    keep = exp.and_(
        exp.GT(this=col(pos), expression=number(step.offset)),
        exp.LTE(this=col(tie), expression=number(step.offset + step.count)),
    )
    chain.push(chain.read(*chain.visible(), chain.ordinal_out()).where(keep, copy=False))
