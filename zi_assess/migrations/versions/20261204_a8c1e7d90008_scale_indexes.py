"""indexes for national scale: queue order, no index a unique constraint already provides

Revision ID: a8c1e7d90008
Revises: 7a1c0e5d2b16
Create Date: 2026-12-04 01:30:00

- ``ix_assessment_status_changed`` (status, status_changed_at): the review queues list the
  assessments of some statuses, oldest change first; it replaces ``ix_assessment_status``.
- ``ix_current_score_effective`` (assessment_id) INCLUDE (total) WHERE layer = 'effective': recaps
  rank every visible assessment by its effective total; the index holds those rows only, narrow
  (the table's rows carry every layer's JSON figures: a national dashboard read 23 MB to rank).
- ``ix_answer_assessment_id`` and ``ix_assessment_unit_id`` are dropped: the unique constraints
  ``one_per_layer`` (assessment_id, indicator_id, layer) and ``unit_year`` (unit_id, year) start
  with the same column and serve the same lookups; every answer save paid for the extra index.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8c1e7d90008'
down_revision = '7a1c0e5d2b16'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_assessment_status_changed', 'assessment', ['status', 'status_changed_at'], unique=False)
    op.drop_index('ix_assessment_status', table_name='assessment')
    op.drop_index('ix_assessment_unit_id', table_name='assessment')
    op.create_index('ix_current_score_effective', 'current_score', ['assessment_id'], unique=False,
                    postgresql_include=['total'], postgresql_where=sa.text("layer = 'effective'"),
                    sqlite_where=sa.text("layer = 'effective'"))
    op.drop_index('ix_answer_assessment_id', table_name='answer')


def downgrade():
    op.drop_index('ix_current_score_effective', table_name='current_score')
    op.create_index('ix_answer_assessment_id', 'answer', ['assessment_id'], unique=False)
    op.create_index('ix_assessment_unit_id', 'assessment', ['unit_id'], unique=False)
    op.create_index('ix_assessment_status', 'assessment', ['status'], unique=False)
    op.drop_index('ix_assessment_status_changed', table_name='assessment')
