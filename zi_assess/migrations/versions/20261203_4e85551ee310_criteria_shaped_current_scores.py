"""current scores shaped by the criteria: nodes and verdicts as JSON

The columns area_1 … area_6, pengungkit, pemenuhan, reform, hasil, wbk_passed and wbbm_passed
assumed the six areas and two predicates of PermenPANRB 90/2021. They become two JSON objects:
``nodes`` {node id: nilai} and ``verdicts`` {predicate code: passed}. Every existing row is
converted (pemenuhan and reform are the nilai of the aspects "P" and "R", area_N of area "N").
On PostgreSQL both are JSONB: the recap reads single keys of them in SQL.

Assessment.target_predicate and Unit.current_predicate were a non-native enum, i.e. VARCHAR(24)
without a CHECK constraint: as validated strings they need no change in the database.

Downgrade converts back; figures of nodes the old columns cannot hold (a seventh area, a third
predicate) are dropped, and a missing figure becomes 0 / false.

Revision ID: 4e85551ee310
Revises: a996c9e5a863
Create Date: 2026-12-03 09:00:00.000000

"""
import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '4e85551ee310'
down_revision = 'a996c9e5a863'
branch_labels = None
depends_on = None

#: old column → node id (the aspects P and R are what the engine sums as pemenuhan and reform)
OLD_NODES = {"pengungkit": "pengungkit", "pemenuhan": "P", "reform": "R", "hasil": "hasil",
             **{f"area_{n}": str(n) for n in range(1, 7)}}
OLD_VERDICTS = {"wbk_passed": "WBK", "wbbm_passed": "WBBM"}
KEY = ("assessment_id", "layer")
#: JSONB on PostgreSQL (the recap reads keys of these documents in SQL), JSON elsewhere
DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _table(*columns: str, json_columns: tuple[str, ...] = ()) -> sa.Table:
    return sa.table("current_score", *(sa.column(c) for c in (*KEY, *columns)),
                    *(sa.column(c, DOCUMENT) for c in json_columns))


def _rewrite(select_columns: tuple[str, ...], convert, update_table: sa.Table) -> None:
    """Read every row's old values, write the new ones, in batches (the whole table fits easily)."""
    bind = op.get_bind()
    source = _table(*select_columns)
    rows = bind.execute(sa.select(*(source.c[c] for c in (*KEY, *select_columns)))).mappings().all()
    if not rows:
        return
    statement = (
        update_table.update()
        .where(update_table.c.assessment_id == sa.bindparam("b_assessment_id"),
               update_table.c.layer == sa.bindparam("b_layer"))
    )
    values = []
    for row in rows:
        new = convert(row)
        values.append({"b_assessment_id": row["assessment_id"], "b_layer": row["layer"], **new})
    for start in range(0, len(values), 1000):
        bind.execute(statement, values[start:start + 1000])


def upgrade():
    with op.batch_alter_table('current_score', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nodes', DOCUMENT, nullable=True))
        batch_op.add_column(sa.Column('verdicts', DOCUMENT, nullable=True))

    def convert(row):
        return {
            "nodes": {node: row[column] for column, node in OLD_NODES.items() if row[column] is not None},
            "verdicts": {code: bool(row[column]) for column, code in OLD_VERDICTS.items() if row[column] is not None},
        }

    _rewrite((*OLD_NODES, *OLD_VERDICTS), convert, _table(json_columns=("nodes", "verdicts")))

    with op.batch_alter_table('current_score', schema=None) as batch_op:
        batch_op.alter_column('nodes', existing_type=DOCUMENT, nullable=False)
        batch_op.alter_column('verdicts', existing_type=DOCUMENT, nullable=False)
        for column in (*OLD_NODES, *OLD_VERDICTS):
            batch_op.drop_column(column)


def downgrade():
    with op.batch_alter_table('current_score', schema=None) as batch_op:
        for column in OLD_NODES:
            batch_op.add_column(sa.Column(column, sa.Float(), nullable=True))
        for column in OLD_VERDICTS:
            batch_op.add_column(sa.Column(column, sa.Boolean(), nullable=True))

    def loads(value):
        return json.loads(value) if isinstance(value, str) else (value or {})

    def convert(row):
        nodes, verdicts = loads(row["nodes"]), loads(row["verdicts"])
        return {**{column: float(nodes.get(node, 0.0)) for column, node in OLD_NODES.items()},
                **{column: bool(verdicts.get(code, False)) for column, code in OLD_VERDICTS.items()}}

    _rewrite(("nodes", "verdicts"), convert, _table(*OLD_NODES, *OLD_VERDICTS))

    with op.batch_alter_table('current_score', schema=None) as batch_op:
        for column in OLD_NODES:
            batch_op.alter_column(column, existing_type=sa.Float(), nullable=False)
        for column in OLD_VERDICTS:
            batch_op.alter_column(column, existing_type=sa.Boolean(), nullable=False)
        batch_op.drop_column('verdicts')
        batch_op.drop_column('nodes')
