"""audit rows carry the request id

Revision ID: 6b3ed239f992
Revises: ea05720778dd
Create Date: 2026-12-03 21:40:00

The X-Request-ID of the request that wrote an audit row, to find its log lines. Existing rows
keep NULL (they were written before request ids existed).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6b3ed239f992'
down_revision = 'ea05720778dd'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_event_request_id'), ['request_id'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_request_id'))
        batch_op.drop_column('request_id')
