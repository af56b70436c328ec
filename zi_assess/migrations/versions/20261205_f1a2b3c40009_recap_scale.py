"""national recap pages: the criteria versions in use read by index

Revision ID: f1a2b3c40009
Revises: 6d2e8a4c1b37
Create Date: 2026-12-05 05:30:00

- ``ix_assessment_criteria_id``: every recap, dashboard and export asks which criteria versions
  the assessments use (their columns and sort keys); a recursive query walks this index, one probe
  per version, where ``SELECT DISTINCT`` read all 15,000 assessments of the national set (3–10 ms).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f1a2b3c40009'
down_revision = '6d2e8a4c1b37'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_assessment_criteria_id', 'assessment', ['criteria_id'], unique=False)


def downgrade():
    op.drop_index('ix_assessment_criteria_id', table_name='assessment')
