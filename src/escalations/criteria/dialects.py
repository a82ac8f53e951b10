"""The criteria's DuckDB SQL in a warehouse's dialect: sqlglot, and the fixes it needs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlglot
from sqlglot import exp

from escalations.criteria.sql import SQL_TYPES, Compiler
from escalations.errors import EscalationsError
from escalations.model.framework import Framework

DIALECTS = ("duckdb", "postgres", "bigquery", "snowflake")
"""The engines `simulate --sql --dialect` writes for; the first is the one the tool runs."""

_MICROSECONDS = 1_000_000


def compile_query(
    framework: Framework, as_of: datetime, first_created: datetime, dialect: str
) -> str:
    """The evaluation query, with its header, for tickets created from `first_created` on."""
    compiler = Compiler(framework)
    query = compiler.query_for(as_of, first_created)
    if dialect == "duckdb":
        return compiler.header(as_of) + query
    return header(framework, as_of, dialect) + transpile_query(query, dialect, framework)


def transpile_query(sql: str, dialect: str, framework: Framework) -> str:
    """The DuckDB query `sql` (no comments) as `dialect`'s SQL, with the same results."""
    if dialect not in DIALECTS:
        raise EscalationsError(
            f"unknown SQL dialect '{dialect}'; use one of: {', '.join(DIALECTS)}."
        )
    if dialect == "duckdb":
        return sql
    tree = sqlglot.parse_one(sql, read="duckdb")
    fixes = list(_FIXES[dialect])
    if dialect == "bigquery":
        fixes.append(_plain_names(_internal_names(framework)))
    for fix in fixes:
        tree = tree.transform(fix, copy=False)
    return tree.sql(dialect=dialect, pretty=True)


def _internal_names(framework: Framework) -> frozenset[str]:
    """The names the query gives its own columns and steps (see Compiler.query)."""
    return frozenset(
        prefix + trigger.id
        for trigger in framework.triggers
        for prefix in ("e_", "f_", "d_", "due_")
    )


def header(framework: Framework, as_of: datetime, dialect: str) -> str:
    """SQL comments that say what the query reads (in the dialect's names) and returns."""
    lines = [
        f"-- escalations: the criteria of {framework.id} {framework.version}, "
        f"evaluated as of {as_of.isoformat()}, in {dialect} SQL",
        "-- Reads a relation named tickets: ticket_id, and one column per catalog field:",
    ]
    for field in framework.fields:
        name = exp.to_identifier(field.id, quoted=True).sql(dialect=dialect)
        sql_type = exp.DataType.build(SQL_TYPES[field.type], dialect="duckdb").sql(dialect=dialect)
        options = f" (one of: {', '.join(o.value for o in field.options)})"
        lines.append(f"--   {name} {sql_type}{options if field.options else ''}")
    lines.append(
        "-- Returns one row per ticket: ticket_id, escalated_at (NULL when not escalated), "
        f"{_trigger_column(dialect)}."
    )
    return "\n".join(lines) + "\n"


def _trigger_column(dialect: str) -> str:
    return exp.to_identifier("trigger", quoted=dialect == "snowflake").sql(dialect=dialect)


# -- what sqlglot leaves wrong, one fix each ----------------------------------------------------


def _seconds_between(node: exp.Expression) -> exp.Expression:
    """EXTRACT(EPOCH FROM (a - b)), and EXTRACT(EPOCH FROM t) (the seconds since 1970): BigQuery
    and Snowflake have no interval to extract from, so both become a difference in
    microseconds."""
    if not (isinstance(node, exp.Extract) and node.name.upper() == "EPOCH"):
        return node
    inner = node.expression.unnest()
    if isinstance(inner, exp.Sub):
        later, earlier = inner.this.copy(), inner.expression.copy()
    else:
        later = inner.copy()
        earlier = exp.cast(exp.Literal.string("1970-01-01 00:00:00+00"), "TIMESTAMPTZ")
    difference = exp.TimestampDiff(this=later, expression=earlier, unit=exp.var("MICROSECOND"))
    return exp.Paren(this=exp.Div(this=difference, expression=exp.Literal.number(1e6)))


def _add_seconds(node: exp.Expression) -> exp.Expression:
    """t + n * INTERVAL '1' SECOND: neither engine multiplies an interval by a number."""
    if not isinstance(node, exp.Add):
        return node
    scaled = node.expression
    if isinstance(scaled, exp.Interval) and scaled.this.is_string:
        seconds: exp.Expression = exp.Literal.number(int(scaled.this.name))
        unit = scaled.text("unit").upper() or "SECOND"
        if unit != "SECOND":
            return node
        return exp.TimestampAdd(this=node.this.copy(), expression=seconds, unit=exp.var(unit))
    if not (isinstance(scaled, exp.Mul) and _is_one_second(scaled.expression)):
        return node
    # Microseconds, the finest unit both keep, so a due time keeps the timestamps' precision.
    amount = exp.Cast(
        this=exp.Round(
            this=exp.Mul(
                this=exp.Paren(this=scaled.this.copy()),
                expression=exp.Literal.number(_MICROSECONDS),
            )
        ),
        to=exp.DataType.build("BIGINT"),
    )
    return exp.TimestampAdd(this=node.this.copy(), expression=amount, unit=exp.var("MICROSECOND"))


def _is_one_second(node: exp.Expression) -> bool:
    return (
        isinstance(node, exp.Interval)
        and node.this.name == "1"
        and node.text("unit").upper() == "SECOND"
    )


def _least_of_known(node: exp.Expression) -> exp.Expression:
    """BigQuery's LEAST is NULL when any argument is; DuckDB's skips NULLs. Each argument is
    replaced by the first known one from it on, which never lowers the least known value."""
    if not (isinstance(node, exp.Least) and node.args.get("ignore_nulls")):
        return node
    items: list[exp.Expression] = [node.this, *node.expressions]
    if len(items) == 1:
        return items[0].copy()
    known = [
        exp.Coalesce(
            this=items[i].copy(), expressions=[x.copy() for x in items[i + 1 :] + items[:i]]
        )
        for i in range(len(items))
    ]
    return exp.Least(this=known[0], expressions=known[1:])


def _values_columns(node: exp.Expression) -> exp.Expression:
    """WITH spans(columns) AS (VALUES ...): BigQuery has no column list on a CTE, and sqlglot
    cannot push it into the VALUES it rewrites as UNNEST, so the columns go on VALUES."""
    if not isinstance(node, exp.CTE):
        return node
    alias = node.args.get("alias")
    body = node.this
    values = body.args.get("from_") and body.args["from_"].this
    if not (alias and alias.columns and isinstance(values, exp.Values) and body.is_star):
        return node
    columns = [c.copy() for c in alias.columns]
    values.set("alias", exp.TableAlias(this=exp.to_identifier("v"), columns=columns))
    alias.set("columns", None)
    return node


def _no_escape_clause(node: exp.Expression) -> exp.Expression:
    """BigQuery's LIKE has no ESCAPE clause; backslash is its escape character already."""
    if isinstance(node, exp.Escape) and node.expression.name == "\\":
        like: exp.Expression = node.this
        return like.copy()
    return node


def _quoted_trigger(node: exp.Expression) -> exp.Expression:
    """TRIGGER is a reserved word in Snowflake; the output column keeps its name quoted."""
    if isinstance(node, exp.Alias) and node.alias == "trigger":
        node.set("alias", exp.to_identifier("trigger", quoted=True))
    return node


def _plain_names(names: frozenset[str]) -> Callable[[exp.Expression], exp.Expression]:
    """BigQuery's table names have no dashes: the query's own names (built from trigger ids)
    get underscores. The tickets' columns keep theirs (flexible column names allow dashes)."""

    def rename(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Identifier) and node.this in names:
            return exp.Identifier(this=node.this.replace("-", "_"), quoted=False)
        return node

    return rename


_FIXES: dict[str, list[Callable[[exp.Expression], exp.Expression]]] = {
    "postgres": [],
    "bigquery": [
        _seconds_between,
        _add_seconds,
        _least_of_known,
        _values_columns,
        _no_escape_clause,
    ],
    "snowflake": [_seconds_between, _add_seconds, _quoted_trigger],
}
