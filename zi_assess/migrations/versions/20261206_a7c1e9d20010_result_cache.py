"""result cache: the data revision it keys on; the TPN queue's partial index

Revision ID: a7c1e9d20010
Revises: f1a2b3c40009
Create Date: 2026-12-06 09:00:00

- ``data_revision``: one row, bumped by every transaction that writes what the cached national
  results read (``zi_assess.result_cache``); its ``epoch`` is drawn here, so a recreated database
  never matches keys cached for another one.
- ``ix_assessment_tpn_queue``: the dashboard's TPN queue (the 25 oldest of three statuses) walks
  this index and stops after 25 entries, where it sorted all 1,667 rows of the national set.
"""
import uuid

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a7c1e9d20010'
down_revision = 'f1a2b3c40009'
branch_labels = None
depends_on = None

TPN_STATUSES = "status IN ('proposed', 'tpn_desk', 'tpn_field')"


def upgrade():
    table = op.create_table(
        'data_revision',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('epoch', sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_revision')),
    )
    op.bulk_insert(table, [{'id': 1, 'revision': 0, 'epoch': str(uuid.uuid4())}])
    op.create_index('ix_assessment_tpn_queue', 'assessment', ['status_changed_at', 'id'], unique=False,
                    postgresql_where=sa.text(TPN_STATUSES), sqlite_where=sa.text(TPN_STATUSES))


def downgrade():
    op.drop_index('ix_assessment_tpn_queue', table_name='assessment')
    op.drop_table('data_revision')
