"""evidence uploader optional (links added by the command-line LKE import)

Revision ID: ea05720778dd
Revises: 4e85551ee310
Create Date: 2026-12-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ea05720778dd'
down_revision = '4e85551ee310'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.alter_column('uploaded_by_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    # evidence the command line added has no uploader: it is kept, attributed to the earliest account
    op.execute("UPDATE evidence SET uploaded_by_id = (SELECT MIN(id) FROM user_account) WHERE uploaded_by_id IS NULL")
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.alter_column('uploaded_by_id', existing_type=sa.Integer(), nullable=False)
